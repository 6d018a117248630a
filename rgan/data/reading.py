"""Text -> a typed table: pandas parses the text with the sniffed dialect, then each column is sorted
into numbers (thousands separators, decimal commas), dates or text."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rgan.data.dialect import (
    _NA_TOKENS,
    _count_outside_quotes,
    _Dialect,
    _has_header,
    _records,
    _sample_lines,
    _sniff,
)
from rgan.data.schema import MAX_COLUMNS, DataError, _plural

_NUMERIC_SHARE = 0.9  # a text column is numeric when this share of its filled cells parse as numbers
_MIXED_DATES_MAX_ROWS = 50_000  # format="mixed" parses each cell in Python; only for small columns

# Cells read as missing, on top of pandas' defaults ("", "NA", "NaN", "null", "None", ...).
_EXTRA_NA = ["-", "--", "?", ".", "na", "NAN", "none", "missing", "#VALUE!", "#DIV/0!", "#NUM!"]
_EU_NUMBER_RE = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?:[eE][+-]?\d+)?$"
_US_NUMBER_RE = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:[eE][+-]?\d+)?$"
_UNNAMED_RE = re.compile(r"^(Unnamed: \d+|)$")
_DATE_FORMATS = (
    "ISO8601", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M", "%d.%m.%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%H:%M:%S", "%H:%M", "%H:%M:%S.%f",
)


def _fields_error(line: int, saw: int, expected: int) -> DataError:
    return DataError(
        f"Line {line} has {saw} fields but the file has {expected} columns; "
        "fix that row or check the delimiter."
    )


def _parser_error(e: Exception, line_offset: int) -> DataError:
    msg = str(e)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        return _fields_error(int(m.group(2)) + line_offset, int(m.group(3)), int(m.group(1)))
    if "EOF inside string" in msg or "EOF while" in msg:
        return DataError("A quoted field is never closed; check the quotation marks in the file.")
    return DataError(
        "Could not parse the file as CSV; check that it is comma, semicolon or tab separated."
    )


@dataclass
class _Table:
    """The typed table before the layout is applied."""

    frame: pd.DataFrame  # columns named as in the file (deduplicated), typed
    numeric: list[str]  # numeric columns (float64)
    dates: list[str]  # columns parsed as datetimes
    text: list[str]  # other columns
    dropped: dict[str, str]  # column -> reason
    notes: list[str]
    has_header: bool
    n_rows: int
    n_columns: int


def _unique_names(raw: list[str], notes: list[str]) -> tuple[list[str], set[str]]:
    """Strip names, name blanks 'column_<k>', rename duplicates 'x_2'; return names + unnamed set."""
    names, unnamed, seen = [], set(), set()
    for k, name in enumerate(raw, start=1):
        name = str(name).strip()
        blank = bool(_UNNAMED_RE.match(name))
        if name == "":
            name = f"column_{k}"
        base, n = name, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        if name != base and not blank:
            notes.append(f"Duplicate column name '{base}' renamed to '{name}'.")
        seen.add(name)
        names.append(name)
        if blank:
            unnamed.add(name)
    return names, unnamed


def _read_numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Cleaned cell text -> float64 (NaN where unreadable), one number style for the whole column."""
    plain = pd.to_numeric(text, errors="coerce")
    eu = pd.to_numeric(
        text.where(text.str.match(_EU_NUMBER_RE)).str.replace(".", "", regex=False)
        .str.replace(",", ".", regex=False), errors="coerce")
    us = pd.to_numeric(
        text.where(text.str.match(_US_NUMBER_RE)).str.replace(",", "", regex=False), errors="coerce")
    # the style that reads the most cells wins, ties go to the file's decimal mark
    eu_first, us_first = eu.fillna(plain), us.fillna(plain)
    n_eu, n_us = int(eu_first.notna().sum()), int(us_first.notna().sum())
    return eu_first if (n_eu > n_us or (n_eu == n_us and decimal == ",")) else us_first


def _clean_cells(col: pd.Series) -> pd.Series:
    text = col.astype(str).str.strip().str.strip('"').str.strip()
    return text.str.replace(r"[\s\u00a0\u202f']", "", regex=True)  # spaces as thousands separators


def _parse_numbers(col: pd.Series, decimal: str) -> tuple[pd.Series, int] | None:
    """Text column -> float64 with quotes, spaces, thousands separators and decimal commas handled.

    Returns (values, cells made missing) when at least 90% of the filled cells are numbers, else None.
    """
    filled = col.notna()
    n_filled = int(filled.sum())
    if n_filled == 0:
        return None
    cells = col[filled]
    if n_filled > 1000:  # decide on a sample first: most text columns are rejected cheaply
        sample = _clean_cells(cells.iloc[:1000])
        markers = int(sample.str.lower().isin(_NA_TOKENS).sum())
        if int(_read_numbers(sample, decimal).notna().sum()) < _NUMERIC_SHARE * (len(sample) - markers):
            return None
    text = _clean_cells(cells)
    markers = int(text.str.lower().isin(_NA_TOKENS).sum())
    if markers == n_filled:
        return None
    best = _read_numbers(text, decimal)
    n_ok = int(best.notna().sum())
    if n_ok == 0 or n_ok < _NUMERIC_SHARE * (n_filled - markers):
        return None
    out = pd.Series(np.nan, index=col.index, dtype=np.float64)
    out[filled] = best.to_numpy(dtype=np.float64)
    return out, n_filled - markers - n_ok


def _parse_dates(col: pd.Series) -> pd.Series | None:
    """Text column -> datetimes when at least 90% of the filled cells read as one date format."""
    filled = col.dropna()
    if filled.empty:
        return None
    sample = filled.iloc[:200].astype(str).str.strip()
    if not sample.str.contains(r"\d").all() or not sample.str.contains(r"[-/.:\s]").all():
        return None
    formats = list(_DATE_FORMATS)
    if len(filled) <= _MIXED_DATES_MAX_ROWS:
        formats.append("mixed")
    best_fmt, best_share = None, 0.0
    for fmt in formats:
        try:
            share = float(pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean())
        except (ValueError, TypeError, OverflowError):
            continue
        if share > best_share + 1e-9:
            best_fmt, best_share = fmt, share
        if share == 1.0:
            break
    if best_fmt is None or best_share < _NUMERIC_SHARE:
        return None
    try:
        parsed = pd.to_datetime(col, format=best_fmt, errors="coerce")
        if parsed.notna().sum() < _NUMERIC_SHARE * len(filled):  # maybe padded with spaces
            parsed = pd.to_datetime(col.astype(str).str.strip().where(col.notna()), format=best_fmt,
                                    errors="coerce")
    except (ValueError, TypeError, OverflowError):
        return None
    if parsed.notna().sum() < _NUMERIC_SHARE * len(filled):
        return None
    return parsed


def _parse_frame(text: str) -> tuple[pd.DataFrame, _Dialect, bool, set[str], list[str], int]:
    """CSV text -> untyped DataFrame via the pandas C engine.

    Returns (frame with unique column names, dialect, has_header, unnamed columns, notes, columns).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lead = re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*", text)  # blank lines and '# comment' lines on top
    skipped_lines = text[: lead.end()].count("\n")
    text = text[lead.end():]
    notes: list[str] = []
    n_comments = len(re.findall(r"(?m)^[ \t]*#", lead.group(0)))
    if n_comments:
        notes.append(f"Skipped {_plural(n_comments, 'comment line')} at the top of the file.")
    lines, line_numbers = _sample_lines(text)
    if not lines:
        raise DataError("The file only has comment lines ('#'); add a header row and rows of numbers.")
    dialect = _sniff(lines)
    n_first = _count_outside_quotes(lines[0], dialect.delimiter) + 1
    if n_first > MAX_COLUMNS:  # refuse before splitting an absurd line into fields
        raise _too_wide(n_first)
    records = _records(text, lines, line_numbers, dialect.delimiter)
    header_end, first = records[0]
    second = records[1][1] if len(records) > 1 else None
    has_header = _has_header(first, second)
    # the header may name fewer columns than the rows hold (e.g. a nameless index); a single
    # longer row is an error, not a reason to add a column
    counts = [len(fields) for _, fields in records[1:]] or [len(first)]
    values, freq = np.unique(counts, return_counts=True)
    n_fields = max(len(first), int(values[np.argmax(freq)]))
    for count, (number, _) in zip(counts, records[1:]):
        if count > n_fields:
            raise _fields_error(number + skipped_lines, count, n_fields)
    if n_fields > MAX_COLUMNS:
        raise _too_wide(n_fields)
    if has_header:
        raw_names = list(first) + [""] * (n_fields - len(first))
    else:
        raw_names = [f"column_{k}" for k in range(1, n_fields + 1)]
    names, unnamed = _unique_names(raw_names, notes)
    body = text
    if has_header:
        end = 0
        for _ in range(header_end):
            end = text.find("\n", end) + 1 or len(text)
        body = text[end:]
    if has_header and (not body or body.isspace()):
        raise DataError("The file has a header but no data rows; add rows of numbers below the header.")
    sep = r"\s+" if dialect.delimiter == " " else dialect.delimiter
    try:
        df = pd.read_csv(
            io.BytesIO(body.encode("utf-8")), sep=sep, header=None, names=list(range(n_fields)),
            engine="c", encoding="utf-8", decimal=dialect.decimal, na_values=_EXTRA_NA, keep_default_na=True,
            skipinitialspace=True, low_memory=False, skip_blank_lines=True, quotechar='"',
        )
    except pd.errors.EmptyDataError:
        raise DataError("The file has a header but no data rows; add rows of numbers below the header.") from None
    except pd.errors.ParserError as e:
        raise _parser_error(e, skipped_lines + int(has_header)) from e
    if not df.index.equals(pd.RangeIndex(len(df))):  # pandas made an index of surplus fields
        raise DataError(
            f"The first data row has more fields than the file has columns ({n_fields}); "
            "fix that row or check the delimiter."
        )
    df.columns = names
    filled_rows = np.flatnonzero(df.notna().any(axis=1).to_numpy())
    if len(filled_rows) == 0:
        raise DataError("The file has no values, only empty cells; upload a CSV with rows of numbers.")
    first_row, last_row = int(filled_rows[0]), int(filled_rows[-1])
    if first_row > 0 or last_row < len(df) - 1:
        # empty rows around the data are export leftovers; empty rows inside are missing time steps
        n_empty = len(df) - (last_row - first_row + 1)
        df = df.iloc[first_row:last_row + 1].reset_index(drop=True)
        notes.append(f"Skipped {_plural(n_empty, 'empty row')} before or after the data.")
    return df, dialect, has_header, unnamed, notes, n_fields


def _too_wide(n_columns: int) -> DataError:
    return DataError(
        f"The file has {n_columns:,} columns, more than the {MAX_COLUMNS:,} supported; "
        "keep only the columns you need."
    )


def _read_table(text: str) -> tuple[_Table, _Dialect]:
    """Parse CSV text and sort its columns into numeric, dates and text."""
    df, dialect, has_header, unnamed, notes, n_fields = _parse_frame(text)
    n_rows = len(df)
    numeric, dates, text_cols, dropped = [], [], [], {}
    converted: dict[str, pd.Series] = {}
    for name in df.columns:
        col = df[name]
        if col.isna().all():
            dropped[name] = "empty column"
            continue
        if pd.api.types.is_bool_dtype(col):
            converted[name] = col.astype(np.float64)
            numeric.append(name)
            notes.append(f"Column '{name}' holds true/false values, read as 1/0.")
        elif pd.api.types.is_numeric_dtype(col):
            if col.dtype != np.float64:
                converted[name] = col.astype(np.float64)
            numeric.append(name)
        else:
            parsed = _parse_numbers(col, dialect.decimal)
            if parsed is not None:
                converted[name], n_bad = parsed
                numeric.append(name)
                if n_bad:
                    notes.append(f"Column '{name}': {n_bad:,} non-numeric cells treated as missing.")
                continue
            as_dates = _parse_dates(col)
            if as_dates is not None:
                converted[name] = as_dates
                dates.append(name)
            else:
                text_cols.append(name)
    if converted:
        df = _replace_columns(df, converted)
    for name in list(numeric):
        if name not in unnamed and name.lower() != "index":
            continue
        values = df[name].to_numpy()
        if np.array_equal(values, np.arange(n_rows)) or np.array_equal(values, np.arange(1, n_rows + 1)):
            numeric.remove(name)
            dropped[name] = "unnamed index column" if name in unnamed else "row index column"
    table = _Table(frame=df, numeric=numeric, dates=dates, text=text_cols, dropped=dropped, notes=notes,
                   has_header=has_header, n_rows=n_rows, n_columns=n_fields)
    return table, dialect


def _replace_columns(df: pd.DataFrame, converted: dict[str, pd.Series]) -> pd.DataFrame:
    out = {name: converted.get(name, df[name]) for name in df.columns}
    return pd.DataFrame(out, index=df.index)
