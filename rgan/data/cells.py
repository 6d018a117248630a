"""Text cells -> numbers or dates, for all text columns of a table at once.

Pandas' string methods cost about a millisecond per call whatever the column's length, and reading one
column takes a dozen calls: column by column, a file of 5,000 short text columns took a minute. Here the
cells of every text column are stacked into one long Series, parsed with one call per step, and counted
per column with ``np.bincount``; the rules stay per column (a column is numeric when 90% of its filled
cells read as numbers in one style).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rgan.data.dialect import _NA_TOKENS

_NUMERIC_SHARE = 0.9  # a text column is numeric when this share of its filled cells parse as numbers
_SAMPLE_CELLS = 1000  # a column with more filled cells is first judged on its first this many
_DATE_SAMPLE_CELLS = 200  # cells a date format is chosen on
_MAX_DATE_COLUMNS = 20  # text columns that look like dates and are tried as dates (each tries ~17 formats)
_MIXED_DATES_MAX_ROWS = 50_000  # format="mixed" parses each cell in Python; only for small columns
_EU_NUMBER_RE = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?:[eE][+-]?\d+)?$"
_US_NUMBER_RE = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:[eE][+-]?\d+)?$"
_DATE_FORMATS = (
    "ISO8601", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M", "%d.%m.%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%H:%M:%S", "%H:%M", "%H:%M:%S.%f",
)


def _clean_cells(cells: pd.Series) -> pd.Series:
    text = cells.astype(str).str.strip().str.strip('"').str.strip()
    return text.str.replace(r"[\s\u00a0\u202f']", "", regex=True)  # spaces as thousands separators


def _stack(columns: list[pd.Series], limit: int | None = None) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """The filled cells of each column (its first ``limit`` when given) as one Series.

    Returns (cells, codes: the column number of each cell, counts: filled cells per column, all of them).
    """
    parts, codes, counts = [], [], np.zeros(len(columns), dtype=np.int64)
    for k, col in enumerate(columns):
        values = col.to_numpy(dtype=object)
        values = values[pd.notna(values)]
        counts[k] = len(values)
        if limit is not None:
            values = values[:limit]
        parts.append(values)
        codes.append(np.full(len(values), k, dtype=np.int64))
    cells = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
    return pd.Series(cells, dtype=object), np.concatenate(codes) if codes else np.zeros(0, np.int64), counts


def _read_stacked(cells: pd.Series, codes: np.ndarray, n_columns: int,
                  decimal: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked raw cells -> (float64 per cell, NaN where unreadable; numbers read per column; missing
    markers per column). Each column reads all its cells in one style: the style (plain/European or
    plain/US thousands separators) that reads the most of its cells, ties to the file's decimal mark."""
    text = _clean_cells(cells)
    markers = np.bincount(codes, weights=text.str.lower().isin(_NA_TOKENS).to_numpy(), minlength=n_columns)
    plain = pd.to_numeric(text, errors="coerce")
    eu = pd.to_numeric(
        text.where(text.str.match(_EU_NUMBER_RE)).str.replace(".", "", regex=False)
        .str.replace(",", ".", regex=False), errors="coerce")
    us = pd.to_numeric(
        text.where(text.str.match(_US_NUMBER_RE)).str.replace(",", "", regex=False), errors="coerce")
    eu_first = eu.fillna(plain).to_numpy(dtype=np.float64, na_value=np.nan)
    us_first = us.fillna(plain).to_numpy(dtype=np.float64, na_value=np.nan)
    n_eu = np.bincount(codes, weights=~np.isnan(eu_first), minlength=n_columns)
    n_us = np.bincount(codes, weights=~np.isnan(us_first), minlength=n_columns)
    use_eu = (n_eu > n_us) | ((n_eu == n_us) & (decimal == ","))  # (n_columns,)
    best = np.where(use_eu[codes], eu_first, us_first)
    return best, np.where(use_eu, n_eu, n_us), markers


def _numbers(columns: dict[str, pd.Series], decimal: str) -> dict[str, tuple[np.ndarray, int]]:
    """The text columns that hold numbers: name -> (float64 values with NaN, cells made missing).

    A column is numeric when at least 90% of its filled cells (missing markers aside) read as numbers;
    one with more than ``_SAMPLE_CELLS`` filled cells is first judged on that many (most text columns
    are refused there, cheaply).
    """
    names = list(columns)
    if not names:
        return {}
    cols = [columns[n] for n in names]
    cells, codes, n_filled = _stack(cols, _SAMPLE_CELLS)
    best, n_ok, markers = _read_stacked(cells, codes, len(names), decimal)
    n_sample = np.minimum(n_filled, _SAMPLE_CELLS)
    passed = n_ok >= _NUMERIC_SHARE * (n_sample - markers)
    out: dict[str, tuple[np.ndarray, int]] = {}
    whole = passed & (n_filled <= _SAMPLE_CELLS)  # the sample is the whole column: decided here
    starts = np.r_[0, np.cumsum(n_sample)]
    for k in np.flatnonzero(whole & (n_ok > 0) & (markers < n_sample)):
        out[names[k]] = (_spread(cols[k], best[starts[k]:starts[k + 1]]), int(n_sample[k] - markers[k] - n_ok[k]))
    longer = list(np.flatnonzero(passed & ~whole))
    if longer:  # read the whole of the columns whose sample passed, again all at once
        cells, codes, n_filled_l = _stack([cols[k] for k in longer])
        best, n_ok, markers = _read_stacked(cells, codes, len(longer), decimal)
        starts = np.r_[0, np.cumsum(n_filled_l)]
        for j, k in enumerate(longer):
            if markers[j] < n_filled_l[j] and n_ok[j] > 0 and n_ok[j] >= _NUMERIC_SHARE * (n_filled_l[j] - markers[j]):
                out[names[k]] = (_spread(cols[k], best[starts[j]:starts[j + 1]]),
                                 int(n_filled_l[j] - markers[j] - n_ok[j]))
    return {name: out[name] for name in names if name in out}


def _spread(col: pd.Series, values: np.ndarray) -> np.ndarray:
    """Put the values read from a column's filled cells back in their rows (NaN elsewhere)."""
    out = np.full(len(col), np.nan)
    out[pd.notna(col.to_numpy(dtype=object))] = values
    return out


def _date_like(columns: dict[str, pd.Series]) -> list[str]:
    """The columns whose first filled cells all hold a digit and a date separator (-, /, ., :, space);
    only these are tried as dates, and at most ``_MAX_DATE_COLUMNS`` of them."""
    names = list(columns)
    if not names:
        return []
    cells, codes, _ = _stack([columns[n] for n in names], _DATE_SAMPLE_CELLS)
    text = cells.astype(str).str.strip()
    looks = (text.str.contains(r"\d") & text.str.contains(r"[-/.:\s]")).to_numpy(dtype=bool)
    bad = np.bincount(codes, weights=~looks, minlength=len(names))
    return [n for n, b in zip(names, bad) if b == 0][:_MAX_DATE_COLUMNS]


def _parse_dates(col: pd.Series) -> pd.Series | None:
    """Text column -> datetimes when at least 90% of the filled cells read as one date format."""
    filled = col.dropna()
    if filled.empty:
        return None
    sample = filled.iloc[:_DATE_SAMPLE_CELLS].astype(str).str.strip()
    if not sample.str.contains(r"\d").all() or not sample.str.contains(r"[-/.:\s]").all():
        return None
    if sample.str.fullmatch(r"\d{4}\s*-?\s*[Qq][1-4]").all():  # quarters are periods (rgan.data.calendar), not dates
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
