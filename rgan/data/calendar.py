"""Calendar columns as the time axis: year + quarter, year + month, a lone year, period text, Excel serials.

Small economic and panel tables often write their time axis as calendar columns (``year``, ``quarter``),
as period text (``1974Q1``, ``1974-Q1``, ``1974M03``, ``1974-03``) or as Excel day numbers (``43831``).
:func:`detect_calendar` finds such a time axis and :func:`calendar_from_columns` checks one the user
chose; both give a :class:`Calendar`: the columns, the frequency and a period ordinal per row (pandas'
``Period.ordinal``: periods since 1970) to sort by. :func:`write_calendar` writes periods back into the
file's own columns and style, from the JSON-plain record :meth:`Calendar.to_info` (it travels in checkpoints).

Detection is conservative: a column named ``year`` that holds decimals, is not in time order, or (rows
as time steps) has irregular gaps is a measurement and stays a feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rgan.data.reading import _Table
from rgan.data.schema import DataError

_YEAR_NAME_RE = re.compile(r"^(year|years|yr|yyyy)$", re.IGNORECASE)
_PART_NAME_RES = {  # the column that splits a year, by frequency
    "Q": re.compile(r"^(quarter|qtr|qrt|q)$", re.IGNORECASE),
    "M": re.compile(r"^(month|mon|mth|mo|mm)$", re.IGNORECASE),
}
_SERIAL_NAME_RE = re.compile(r"(date|time|day)", re.IGNORECASE)  # Excel day numbers only under such a name
_SERIAL_RANGE = (20_000, 60_000)  # Excel day numbers of 1954-10-03 .. 2064-04-07
_EXCEL_DAY_ZERO = 25_569  # the Excel day number of 1970-01-01, pandas' day ordinal 0
_YEAR_RANGE = (1, 9999)
_PER_YEAR = {"Y": 1, "Q": 4, "M": 12}
_UNITS = {"Y": ("yearly", "years"), "Q": ("quarterly", "quarters"), "M": ("monthly", "months"),
          "D": ("daily", "days")}
# period text, one cell: year, separator, letter, period number
_TEXT_RES = {
    "Q": re.compile(r"(\d{4})\s?(-?)\s?([Qq])([1-4])"),
    "M": re.compile(r"(\d{4})(-?)([Mm])(\d{1,2})"),
}
_YEAR_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")  # 1974-03 (pandas usually reads these as dates)
# how a date column read from period text was written, tried on the file's text (see period_styles)
_DATE_STYLES = {"Q": ("{y}-Q{p}", "{y}Q{p}", "{y}-q{p}", "{y}q{p}", "{y} Q{p}"),
                "M": ("{y}-{p:02d}", "{y}M{p:02d}", "{y}M{p}", "{y}-M{p:02d}", "{y}m{p:02d}")}


@dataclass(frozen=True)
class Calendar:
    """A time axis written as calendar columns."""

    columns: tuple[str, ...]  # the file's columns holding it: ("year", "quarter"), ("year",), ("period",)
    kind: str  # "year_part" (year + quarter/month numbers) | "year" | "text" (period text) | "excel" (day numbers)
    freq: str  # pandas period frequency: "Y", "Q", "M" or "D"
    step: int  # periods between consecutive rows (1 = every quarter; 7 days = weekly)
    ordinals: np.ndarray  # (n,) int64 pandas period ordinal of each row (periods since 1970)
    style: str = ""  # kind "text": how a period is written, e.g. "{y}Q{p}" (p = quarter or month)

    @property
    def frequency(self) -> str:
        """'quarterly', 'yearly', 'monthly', 'daily', 'weekly' or 'every 5 years'."""
        return frequency_words(self.freq, self.step)

    def describe(self) -> str:
        """'year + quarter (quarterly, 1972Q2–1998Q4)'."""
        span = f"{period_label(self.freq, int(self.ordinals.min()))}–{period_label(self.freq, int(self.ordinals.max()))}"
        extra = ", Excel day numbers" if self.kind == "excel" else ""
        return f"{' + '.join(self.columns)} ({self.frequency}, {span}{extra})"

    def to_info(self, start: int) -> dict:
        """A JSON-plain record for :func:`write_calendar`; ``start`` is the ordinal of the first period written."""
        return {"columns": list(self.columns), "kind": self.kind, "freq": self.freq, "step": int(self.step),
                "style": self.style, "start": int(start)}


def frequency_words(freq: str, step: int) -> str:
    """'quarterly' for ("Q", 1), 'weekly' for ("D", 7), 'every 2 quarters' for ("Q", 2)."""
    if step == 1:
        return _UNITS[freq][0]
    if freq == "D" and step == 7:
        return "weekly"
    return f"every {step} {_UNITS[freq][1]}"


def period_label(freq: str, ordinal: int) -> str:
    """'1972Q2', '1974-03', '1935', '2020-01-01' for a period ordinal."""
    return str(pd.Period(ordinal=int(ordinal), freq="Y" if freq == "Y" else freq))


def write_calendar(info: dict, ordinals: np.ndarray) -> dict[str, np.ndarray]:
    """Periods written back into the file's own calendar columns and style.

    Args:
        info: a record from :meth:`Calendar.to_info`.
        ordinals: (n,) period ordinals to write.

    Returns:
        Column name -> (n,) values: whole numbers for year/quarter/month columns and Excel day numbers,
        text in the file's style for period text.
    """
    ordinals = np.asarray(ordinals, np.int64)
    columns, kind, freq = list(info["columns"]), info["kind"], info["freq"]
    if kind == "excel":
        return {columns[0]: ordinals + _EXCEL_DAY_ZERO}
    per_year = _PER_YEAR[freq]
    years, parts = ordinals // per_year + 1970, ordinals % per_year + 1
    if kind == "year":
        return {columns[0]: years}
    if kind == "year_part":
        return {columns[0]: years, columns[1]: parts}
    style = info.get("style") or ("{y}Q{p}" if freq == "Q" else "{y}-{p:02d}")
    return {columns[0]: np.array([style.format(y=int(y), p=int(p)) for y, p in zip(years, parts)], dtype=object)}


def period_starts(frame: pd.DataFrame, info: dict) -> pd.DatetimeIndex | None:
    """The first day of each row's period, from the calendar's number columns in ``frame`` (for a chart's
    time axis): year + quarter/month and Excel day numbers; None for other calendars or missing columns."""
    columns, kind, freq = list(info.get("columns", [])), info.get("kind"), info.get("freq")
    if kind not in ("year_part", "excel") or any(c not in frame.columns for c in columns):
        return None
    numbers = [frame[c].to_numpy(np.float64) for c in columns]
    if not all(np.isfinite(n).all() for n in numbers):
        return None
    if kind == "excel":
        return pd.DatetimeIndex(pd.to_datetime(numbers[0] - _EXCEL_DAY_ZERO, unit="D"))
    ordinals = (numbers[0].astype(np.int64) - 1970) * _PER_YEAR[freq] + numbers[1].astype(np.int64) - 1
    return pd.PeriodIndex.from_ordinals(ordinals, freq=freq).to_timestamp()


# ---------------------------------------------------------------------------------------- detection
def detect_calendar(table: _Table, exclude: set[str], codes: np.ndarray | None = None,
                    styles: dict[str, str] | None = None) -> Calendar | None:
    """The calendar time axis of a table, if it has one.

    Tried in order: year + quarter or year + month number columns, period text, date columns that the file
    wrote as periods (``styles``), then (when no other date column exists) Excel day numbers and a lone year.

    Args:
        table: the typed table.
        exclude: columns with another role (the id column).
        codes: (n,) group of each row in a long table (periods must increase within each group), else None.
        styles: date column -> the period style it was written in (from :func:`period_styles`).

    Returns:
        The calendar, or None.
    """
    numeric = [n for n in table.numeric if n not in exclude]
    years = [n for n in numeric if _YEAR_NAME_RE.match(n.strip())]
    for year in years:
        for freq, name_re in _PART_NAME_RES.items():
            for part in numeric:
                if name_re.match(part.strip()):
                    found = _year_part(table, year, part, freq, codes)
                    if found is not None:
                        return found
    for name in [n for n in table.text if n not in exclude]:
        found = _period_text(table, name, codes)
        if found is not None:
            return found
    for name, style in (styles or {}).items():
        if name not in exclude:
            found = _period_dates(table, name, style, codes)
            if found is not None:
                return found
    if any(n not in exclude for n in table.dates):
        return None  # a real date column is the time axis
    for name in numeric:
        if _SERIAL_NAME_RE.search(name):
            found = _excel(table, name, codes)
            if found is not None:
                return found
    for name in years:
        found = _lone_year(table, name, codes)
        if found is not None:
            return found
    return None


def calendar_from_columns(table: _Table, columns: tuple[str, ...], codes: np.ndarray | None = None,
                          styles: dict[str, str] | None = None) -> Calendar | None:
    """The calendar in columns the user chose as the time axis.

    Returns:
        The calendar; None for one column that is not a calendar (it may still be a date or number column).

    Raises:
        DataError: several columns that do not make a calendar, with what was expected.
    """
    if len(columns) == 1:
        name = columns[0]
        if name in table.text:
            return _period_text(table, name, codes)
        if name in (styles or {}):
            return _period_dates(table, name, styles[name], codes)
        if name in table.numeric and _SERIAL_NAME_RE.search(name):
            found = _excel(table, name, codes)
            if found is not None:
                return found
        return _lone_year(table, name, codes) if name in table.numeric and _YEAR_NAME_RE.match(name.strip()) else None
    if len(columns) == 2 and all(c in table.numeric for c in columns):
        for year, part in (columns, columns[::-1]):  # the year may be picked second
            for freq in ("Q", "M"):
                found = _year_part(table, year, part, freq, codes)
                if found is not None:
                    return found
    shown = " + ".join(f"'{c}'" for c in columns)
    raise DataError(
        f"Columns {shown} do not make a calendar: several time columns must be a year and a quarter (1-4) or "
        "month (1-12) column of whole numbers, with each period once (per id in a long table); choose such a "
        "pair, or one time column."
    )


def period_styles(table: _Table, text: str) -> dict[str, str]:
    """Date columns the file wrote as periods ('1974-Q1', '1974-03'), found in the file's ``text``.

    pandas reads such cells as the first day of the period; whether the file wrote '1974-03' or
    '1974-03-01' only shows in the text, so the first and last values are looked up there.

    Returns:
        Date column -> the period style, e.g. {"period": "{y}-Q{p}"}.
    """
    found = {}
    for name in table.dates:
        values = pd.DatetimeIndex(table.frame[name].dropna())
        if len(values) < 2 or not ((values.day == 1) & (values.hour == 0) & (values.minute == 0)
                                   & (values.second == 0)).all():
            continue
        quarterly = bool(np.isin(values.month, (1, 4, 7, 10)).all())
        for freq in ("Q", "M") if quarterly else ("M",):
            ends = [values[0], values[-1]]
            period = [(v.year, (v.month - 1) // 3 + 1 if freq == "Q" else v.month) for v in ends]
            style = next((s for s in _DATE_STYLES[freq]
                          if all(_in_text(text, s.format(y=y, p=p)) for y, p in period)), None)
            if style is not None:
                found[name] = style
                break
    return found


def _in_text(text: str, cell: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(cell) + r"(?![\w-])", text) is not None


def _whole(values: np.ndarray, low: int, high: int) -> bool:
    return bool(len(values) > 1 and np.isfinite(values).all() and np.array_equal(values, np.round(values))
                and values.min() >= low and values.max() <= high)


def _step(ordinals: np.ndarray, codes: np.ndarray | None, strict: bool) -> int | None:
    """The periods between consecutive rows, or None when the rows are not a time axis.

    ``strict`` (a lone year, day numbers): rows as time steps must run one way at one step; in a long
    table periods must increase within each group. Otherwise each period may occur once (per group).
    """
    if codes is None:
        diffs = np.diff(ordinals)
        if strict:
            if not ((diffs > 0).all() or (diffs < 0).all()):
                return None
            steps = np.abs(diffs)
            return int(steps[0]) if (steps == steps[0]).all() else None
        diffs = np.diff(np.sort(ordinals))
    else:
        # strict: file order within each group; else sorted by period within each group
        order = np.argsort(codes, kind="stable") if strict else np.lexsort((ordinals, codes))
        same = np.diff(codes[order]) == 0
        diffs = np.diff(ordinals[order])[same]
    if not len(diffs) or (diffs <= 0).any():
        return None
    return int(np.gcd.reduce(diffs.astype(np.int64)))


def _year_part(table: _Table, year: str, part: str, freq: str, codes: np.ndarray | None) -> Calendar | None:
    years, parts = table.frame[year].to_numpy(np.float64), table.frame[part].to_numpy(np.float64)
    if year == part or not _whole(years, *_YEAR_RANGE) or not _whole(parts, 1, _PER_YEAR[freq]):
        return None
    ordinals = (years.astype(np.int64) - 1970) * _PER_YEAR[freq] + parts.astype(np.int64) - 1
    step = _step(ordinals, codes, strict=False)
    return None if step is None else Calendar((year, part), "year_part", freq, step, ordinals)


def _lone_year(table: _Table, name: str, codes: np.ndarray | None) -> Calendar | None:
    years = table.frame[name].to_numpy(np.float64)
    if not _whole(years, *_YEAR_RANGE):
        return None
    ordinals = years.astype(np.int64) - 1970
    step = _step(ordinals, codes, strict=True)
    return None if step is None else Calendar((name,), "year", "Y", step, ordinals)


def _excel(table: _Table, name: str, codes: np.ndarray | None) -> Calendar | None:
    days = table.frame[name].to_numpy(np.float64)
    if not _whole(days, *_SERIAL_RANGE):
        return None
    ordinals = days.astype(np.int64) - _EXCEL_DAY_ZERO
    step = _step(ordinals, codes, strict=True)
    return None if step is None else Calendar((name,), "excel", "D", step, ordinals)


def _period_text(table: _Table, name: str, codes: np.ndarray | None) -> Calendar | None:
    cells = table.frame[name]
    if cells.isna().any() or len(cells) < 2:
        return None
    first = str(cells.iloc[0]).strip()
    if not any(p.fullmatch(first) for p in (*_TEXT_RES.values(), _YEAR_MONTH_RE)):
        return None  # cheap refusal before reading a whole text column
    cells = cells.astype(str).str.strip()
    for freq, pattern in _TEXT_RES.items():
        parts = cells.str.fullmatch(pattern.pattern)
        if not parts.all():
            continue
        groups = cells.str.extract(pattern.pattern)
        numbers = groups[3].astype(np.int64).to_numpy()
        if freq == "M" and not ((numbers >= 1) & (numbers <= 12)).all():
            return None
        head = pattern.fullmatch(first)
        padded = freq == "M" and groups[3].str.match(r"0\d").any()
        style = "{y}" + head.group(2) + head.group(3) + ("{p:02d}" if padded else "{p}")
        if re.search(r"\d\s", first):
            style = style.replace("{y}", "{y} ", 1)
        return _from_parts(name, freq, groups[0].astype(np.int64).to_numpy(), numbers, style, codes)
    if cells.str.fullmatch(_YEAR_MONTH_RE.pattern).all():
        groups = cells.str.extract(_YEAR_MONTH_RE.pattern)
        months = groups[1].astype(np.int64).to_numpy()
        if ((months >= 1) & (months <= 12)).all():
            return _from_parts(name, "M", groups[0].astype(np.int64).to_numpy(), months, "{y}-{p:02d}", codes)
    return None


def _period_dates(table: _Table, name: str, style: str, codes: np.ndarray | None) -> Calendar | None:
    values = table.frame[name]
    if values.isna().any():
        return None
    stamps = pd.DatetimeIndex(values)
    freq = "Q" if "Q" in style.upper() else "M"
    parts = (stamps.month - 1) // 3 + 1 if freq == "Q" else stamps.month
    return _from_parts(name, freq, np.asarray(stamps.year, np.int64), np.asarray(parts, np.int64), style, codes)


def _from_parts(name: str, freq: str, years: np.ndarray, parts: np.ndarray, style: str,
                codes: np.ndarray | None) -> Calendar | None:
    ordinals = (years - 1970) * _PER_YEAR[freq] + parts - 1
    step = _step(ordinals, codes, strict=False)
    return None if step is None else Calendar((name,), "text", freq, step, ordinals, style)
