"""Which layout a table has (time_rows, sequence_rows, long) and why.

The layout follows from the columns' roles: a time column, an id column grouping rows into sequences,
a label column, or columns named as time steps. The name patterns that suggest each role are here too:
at the top of this file, and the step-name prefixes in ``_step_names``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rgan.data.calendar import Calendar, detect_calendar
from rgan.data.reading import _Table
from rgan.data.schema import DataConfig, DataError

# Column names that suggest a role (time, id, label); used by the _find_* functions and _detect_layout.
# A year column is a time axis only as a calendar (whole numbers in time order; see calendar.py).
_TIME_NAME_RE = re.compile(
    r"^(date|time|datetime|timestamp|time_?stamp|date_?time|t|step|time_?step|epoch|tick|"
    r"seconds?|secs?|ms|period|day|index_time)$",
    re.IGNORECASE,
)
_ID_NAME_RE = re.compile(
    r"(^|[_\s-])(id|ids|series|unit|entity|ticker|symbol|subject|sensor|station|group|item|"
    r"device|store|user|customer|patient|sequence|seq|key|name)($|[_\s-])",
    re.IGNORECASE,
)
# numbers are ids only under an unmistakable name ("sensor_3" may well be a reading)
_NUMERIC_ID_NAME_RE = re.compile(
    r"^(id|ID|Id|.*[_\s-](id|ID)|(id|ID)[_\s-].*|.*[a-z](Id|ID)|series|unit|entity|subject|sequence|"
    r"seq|group|run)$"
)
_LABEL_NAME_RE = re.compile(r"^(label|labels|class|classes|target|y|category|cls)$", re.IGNORECASE)
# calendar parts: a year column with a month counter is a calendar (calendar.py), not ids with steps
_CALENDAR_PART_RE = re.compile(
    r"^(year|yr|quarter|qtr|month|mon|week|wk|day|date|hour|hr|minute|min|second|sec)s?$", re.IGNORECASE)


@dataclass
class _Layout:
    layout: str
    reason: str
    time_column: str | None = None  # the time axis' (first) column
    id_column: str | None = None
    label_column: str | None = None
    value_columns: list[str] = field(default_factory=list)  # sequence_rows: the time-step columns
    calendar: Calendar | None = None  # the time axis when it is written as calendar columns
    period_styles: dict[str, str] = field(default_factory=dict)  # date columns the file wrote as periods

    @property
    def time_columns(self) -> tuple[str, ...]:
        """Every column of the time axis: the calendar's, else the time column, else ()."""
        if self.calendar is not None:
            return self.calendar.columns
        return (self.time_column,) if self.time_column is not None else ()


def _names_list(names, limit: int = 10) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" (and {len(names) - limit:,} more)" if len(names) > limit else "")


def _require_column(table: _Table, name: str) -> None:
    if name not in table.frame.columns:
        raise DataError(f"Column '{name}' not found; the columns are: {_names_list(table.frame.columns)}.")


def _is_increasing_numeric(values: np.ndarray) -> bool:
    return bool(len(values) > 1 and np.isfinite(values).all() and (np.diff(values) > 0).all())


def _find_time_column(table: _Table, exclude: set[str], must_increase: bool = True) -> str | None:
    """A parsed date/time column, else a numeric column named like time (increasing, if asked)."""
    for name in table.dates:
        if name not in exclude:
            return name
    for name in table.numeric:
        if name in exclude or not _TIME_NAME_RE.match(name.strip()):
            continue
        values = table.frame[name].to_numpy()
        if _is_increasing_numeric(values) if must_increase else not np.isnan(values).any():
            return name
    return None


def _is_whole(values: np.ndarray) -> bool:
    return bool(len(values) and not np.isnan(values).any() and np.array_equal(values, np.round(values)))


def restarting_counter(table: _Table, codes: np.ndarray, exclude: set[str]) -> str | None:
    """A numeric column that counts the steps of each sequence: in rows grouped by ``codes`` (each id in one
    run of rows), it starts at the same 0 or 1 in every group and goes up by one from row to row (the
    ``frame`` of each utterance, the ``step`` of each series). Calendar parts never count."""
    starts = np.flatnonzero(np.r_[True, np.diff(codes) != 0])  # first row of each run
    inside = np.ones(len(codes), bool)
    inside[starts] = False  # rows that continue a run
    for name in table.numeric:
        if name in exclude or _CALENDAR_PART_RE.match(name.strip()):
            continue
        values = table.frame[name].to_numpy()
        first = values[starts]
        if not (first[0] in (0, 1) and (first == first[0]).all()):
            continue
        if _is_whole(values) and (np.diff(values)[inside[1:]] == 1).all():
            return name
    return None


def _find_id_column(table: _Table) -> tuple[str, int] | None:
    """The column that groups rows into sequences, and how many it makes: a text column named like an id or
    whose values each fill one run of rows; a whole-number column named like an id, or filling runs of rows
    beside a column that counts each run's steps (``utterance`` beside ``frame``)."""
    n = table.n_rows
    candidates = []
    numeric = set(table.numeric)  # a set: a list lookup per column made wide files quadratic
    for name in table.text + table.numeric:
        col = table.frame[name]
        if name in numeric:
            named = bool(_NUMERIC_ID_NAME_RE.match(name.strip()))
            if _CALENDAR_PART_RE.match(name.strip()) or not _is_whole(col.to_numpy()):
                continue
        else:
            named = bool(_ID_NAME_RE.search(name))
        n_unique = int(col.nunique(dropna=True))
        if not 2 <= n_unique <= n // 2:
            continue
        codes = pd.factorize(col)[0]
        blocked = int((np.diff(codes) != 0).sum()) + 1 == n_unique  # each id in one run of rows
        if name in numeric and not named and not (blocked and restarting_counter(table, codes, {name})):
            continue
        if named or blocked:
            candidates.append((0 if named else 1, name, n_unique))
    if not candidates:
        return None
    _, name, n_unique = min(candidates, key=lambda c: c[0])
    return name, n_unique


def _find_label_column(table: _Table) -> str | None:
    for name in table.numeric + table.text:
        if _LABEL_NAME_RE.match(name.strip()):
            return name
    if table.text:
        return table.text[0]
    if table.numeric:
        first = table.frame[table.numeric[0]].to_numpy()
        rest = table.frame[table.numeric[1:6]].to_numpy() if len(table.numeric) > 1 else np.zeros((0, 0))
        few = len(np.unique(first[~np.isnan(first)])) <= max(2, min(100, len(first) // 2))
        integer = np.array_equal(first[~np.isnan(first)], np.round(first[~np.isnan(first)]))
        rest_float = rest.size > 0 and not np.array_equal(rest[~np.isnan(rest)], np.round(rest[~np.isnan(rest)]))
        # with a header, only when the other columns are named as time steps (arrowhead.csv: shape, t0..t250)
        unnamed = not table.has_header or _step_names(table.numeric[1:]) is not None
        if few and integer and rest_float and unnamed:
            return table.numeric[0]
    return None


def _step_names(names: list[str]) -> str | None:
    """'t1..t140' when the names are a time-step prefix plus consecutive integers, else None.

    Only step-like prefixes count ('', 't', 'step', 'time', ...): 'sensor 1..sensor 500' are features.
    """
    if len(names) < 8:
        return None
    parts = [re.fullmatch(r"(.*?)(\d+)", n) for n in names]
    if not all(parts) or len({p.group(1) for p in parts}) != 1:
        return None
    if not re.fullmatch(r"(t|ts|step|steps|time|timestep|time_step|lag|att)?[ _.-]?",
                        parts[0].group(1), re.IGNORECASE):
        return None
    ints = np.array([int(p.group(2)) for p in parts])
    if not (np.diff(ints) == 1).all():
        return None
    return f"{names[0]}..{names[-1]}"


def _detect_layout(table: _Table, config: DataConfig, period_styles: dict[str, str] | None = None) -> _Layout:
    """The layout and why; ``period_styles``: date columns the file wrote as periods (calendar.period_styles)."""
    lay = _detect(table, config, dict(period_styles or {}))
    lay.period_styles = dict(period_styles or {})
    return lay


def _detect(table: _Table, config: DataConfig, period_styles: dict[str, str]) -> _Layout:
    for col in (*config.time_columns, config.id_column, config.label_column):
        if col is not None:
            _require_column(table, col)
    if config.layout != "auto":
        return _Layout(config.layout, "chosen in the settings")
    if config.id_column is not None:
        return _Layout("long", f"id column '{config.id_column}' chosen in the settings")
    if config.label_column is not None:  # a label per sequence: per row (wide) or per id (long)
        found = _find_id_column(table)
        if found is not None and found[0] != config.label_column:
            return _Layout("long", f"column '{found[0]}' groups the rows into {found[1]:,} sequences", id_column=found[0])
        return _Layout("sequence_rows", f"label column '{config.label_column}' chosen in the settings")
    found = _find_id_column(table)
    if found is not None:
        name, n_ids = found
        return _Layout("long", f"column '{name}' groups the rows into {n_ids:,} sequences", id_column=name)
    if not table.dates:
        label = _find_label_column(table)
        values = [n for n in table.numeric if n != label]
        steps = _step_names(values) if table.has_header else None
        if not table.has_header and len(values) >= 20:
            return _Layout("sequence_rows", f"no header and {len(values):,} numeric columns per row")
        if steps is not None:
            return _Layout("sequence_rows",
                           f"{len(values):,} columns named {steps} hold the time steps of each row")
        if label is not None and _LABEL_NAME_RE.match(label.strip()) and len(values) >= 8:
            return _Layout("sequence_rows", f"a '{label}' column and {len(values):,} numeric columns per row")
    calendar = detect_calendar(table, set(), styles=period_styles)
    if calendar is not None:
        names = " + ".join(f"'{c}'" for c in calendar.columns)
        return _Layout("time_rows", f"{'columns' if len(calendar.columns) > 1 else 'column'} {names} order the rows "
                       f"in time, {calendar.frequency}", time_column=calendar.columns[0], calendar=calendar)
    time_col = _find_time_column(table, set())
    if time_col is not None:
        return _Layout("time_rows", f"column '{time_col}' orders the rows in time")
    n = len(table.numeric)
    return _Layout("time_rows", f"{n:,} numeric column{'s' if n != 1 else ''}, one row per time step")
