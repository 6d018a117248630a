"""Text -> a typed table: pandas parses the text with the sniffed dialect, then each column is sorted
into numbers (thousands separators, decimal commas), dates or text."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rgan.data.cells import _date_like, _numbers, _parse_dates
from rgan.data.dialect import (
    _count_outside_quotes,
    _Dialect,
    _has_header,
    _records,
    _sample_lines,
    _sniff,
)
from rgan.data.schema import MAX_COLUMNS, DataError, _plural

# Cells read as missing, on top of pandas' defaults ("", "NA", "NaN", "null", "None", ...).
_EXTRA_NA = ["-", "--", "?", ".", "na", "NAN", "none", "missing", "#VALUE!", "#DIV/0!", "#NUM!"]
_MAX_RENAME_NOTES = 10  # renamed duplicate columns listed one by one in the notes; the rest are counted
_UNNAMED_RE = re.compile(r"^(Unnamed: \d+|)$")


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
    """Strip names, name blanks 'column_<k>', rename duplicates 'x_2'; return names + unnamed set.

    Linear in the number of names: each base name remembers the next suffix to try, so 20,000 copies
    of one name cost 20,000 steps, not 20,000^2 / 2.
    """
    names, unnamed, seen = [], set(), set()
    next_suffix: dict[str, int] = {}
    renamed: list[tuple[str, str]] = []  # (name in the file, new name)
    for k, name in enumerate(raw, start=1):
        name = str(name).strip()
        blank = bool(_UNNAMED_RE.match(name))
        if name == "":
            name = f"column_{k}"
        base, n = name, next_suffix.get(name, 2)
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        if name != base:
            next_suffix[base] = n
            if not blank:
                renamed.append((base, name))
        seen.add(name)
        names.append(name)
        if blank:
            unnamed.add(name)
    for base, name in renamed[:_MAX_RENAME_NOTES]:
        notes.append(f"Duplicate column name '{base}' renamed to '{name}'.")
    if len(renamed) > _MAX_RENAME_NOTES:
        notes.append(f"... and {_plural(len(renamed) - _MAX_RENAME_NOTES, 'more duplicate column')} renamed "
                     "the same way (name_2, name_3, ...).")
    return names, unnamed


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
    filled_rows = np.flatnonzero(_filled(df))
    if len(filled_rows) == 0:
        raise DataError("The file has no values, only empty cells; upload a CSV with rows of numbers.")
    first_row, last_row = int(filled_rows[0]), int(filled_rows[-1])
    if first_row > 0 or last_row < len(df) - 1:
        # empty rows around the data are export leftovers; empty rows inside are missing time steps
        n_empty = len(df) - (last_row - first_row + 1)
        df = df.iloc[first_row:last_row + 1].reset_index(drop=True)
        notes.append(f"Skipped {_plural(n_empty, 'empty row')} before or after the data.")
    return df, dialect, has_header, unnamed, notes, n_fields


def _filled(df: pd.DataFrame) -> np.ndarray:
    """(rows,) True where a row has at least one value; column by column in numpy (``df.notna()`` on a
    frame straight from the parser costs tens of microseconds per column)."""
    filled = np.zeros(len(df), dtype=bool)
    for _, col in df.items():
        kind = col.dtype.kind
        if kind in "biu":  # integers and booleans have no missing cells: every row is filled
            return np.ones(len(df), dtype=bool)
        filled |= ~np.isnan(col.to_numpy()) if kind == "f" else col.notna().to_numpy()
    return filled


def _too_wide(n_columns: int) -> DataError:
    return DataError(
        f"The file has {n_columns:,} columns, more than the {MAX_COLUMNS:,} supported; "
        "keep only the columns you need."
    )


def _read_table(text: str) -> tuple[_Table, _Dialect]:
    """Parse CSV text and sort its columns into numeric, dates and text.

    Numeric columns are handled in numpy: pandas' per-column methods cost tens of microseconds each,
    seconds for a file of 20,000 columns.
    """
    df, dialect, has_header, unnamed, notes, n_fields = _parse_frame(text)
    n_rows = len(df)
    numeric, dates, text_cols, dropped = [], [], [], {}
    columns: dict[str, object] = {}  # name -> the typed column (float64 array, datetimes or text)
    text_like: dict[str, pd.Series] = {}  # columns pandas left as text, to be read below all at once
    for name, dtype in zip(df.columns, df.dtypes):
        col = df[name]
        if pd.api.types.is_bool_dtype(dtype):
            columns[name] = col.to_numpy(dtype=np.float64)
            numeric.append(name)
            notes.append(f"Column '{name}' holds true/false values, read as 1/0.")
            continue
        if pd.api.types.is_numeric_dtype(dtype):
            if dtype.kind in "iuf":  # numpy-backed: a plain cast (na_value makes pandas go cell by cell)
                values = col.to_numpy().astype(np.float64, copy=False)
            else:
                values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            columns[name] = values
            if np.isnan(values).all():
                dropped[name] = "empty column"
            else:
                numeric.append(name)
            continue
        columns[name] = col
        if col.isna().all():
            dropped[name] = "empty column"
        else:
            text_like[name] = col
    numbers = _numbers(text_like, dialect.decimal)
    for name, (values, n_bad) in numbers.items():
        columns[name] = values
        if n_bad:
            notes.append(f"Column '{name}': {n_bad:,} non-numeric cells treated as missing.")
    rest = {name: col for name, col in text_like.items() if name not in numbers}
    date_like = set(_date_like(rest))
    for name, col in rest.items():
        as_dates = _parse_dates(col) if name in date_like else None
        if as_dates is not None:
            columns[name] = as_dates
            dates.append(name)
        else:
            text_cols.append(name)
    is_numeric = set(numeric) | set(numbers)
    numeric = [name for name in df.columns if name in is_numeric]  # in the file's order
    df = pd.DataFrame(columns, index=df.index)
    index_columns = set()
    for name in numeric:
        if name not in unnamed and name.lower() != "index":
            continue
        values = columns[name].to_numpy() if isinstance(columns[name], pd.Series) else columns[name]
        if np.array_equal(values, np.arange(n_rows)) or np.array_equal(values, np.arange(1, n_rows + 1)):
            index_columns.add(name)
            dropped[name] = "unnamed index column" if name in unnamed else "row index column"
    numeric = [name for name in numeric if name not in index_columns]
    table = _Table(frame=df, numeric=numeric, dates=dates, text=text_cols, dropped=dropped, notes=notes,
                   has_header=has_header, n_rows=n_rows, n_columns=n_fields)
    return table, dialect
