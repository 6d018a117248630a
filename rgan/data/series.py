"""From a typed table and its layout to grouped series: features, time order, missing values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rgan.data.calendar import Calendar, calendar_from_columns, detect_calendar
from rgan.data.layout import (
    _find_id_column,
    _find_label_column,
    _find_time_column,
    _Layout,
    _names_list,
    _require_column,
    restarting_counter,
)
from rgan.data.reading import _Table
from rgan.data.schema import DataConfig, DataError, LoadReport, _plural


def _interpolate(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Linear interpolation along rows within each group, constant at the edges; (n, F) -> (n, F)."""
    nan = np.isnan(values)
    n = values.shape[0]
    position = np.where(nan, np.nan, np.arange(n, dtype=np.float64)[:, None])  # (n, F)
    pos, val = pd.DataFrame(position), pd.DataFrame(values)
    by_pos, by_val = pos.groupby(codes, sort=False), val.groupby(codes, sort=False)
    prev_pos, next_pos = by_pos.ffill().to_numpy(), by_pos.bfill().to_numpy()
    prev_val, next_val = by_val.ffill().to_numpy(), by_val.bfill().to_numpy()
    rows, cols = np.nonzero(nan)
    p0, p1 = prev_pos[rows, cols], next_pos[rows, cols]
    v0, v1 = prev_val[rows, cols], next_val[rows, cols]
    both = ~np.isnan(p0) & ~np.isnan(p1)
    fill = np.where(np.isnan(v0), v1, v0)  # edges: nearest value
    w = (rows[both] - p0[both]) / (p1[both] - p0[both])  # p1 > p0 wherever both exist
    fill[both] = v0[both] + w * (v1[both] - v0[both])
    out = values.copy()
    out[rows, cols] = fill
    return out


@dataclass
class _Series:
    """Feature values sorted into contiguous groups (one group per sequence)."""

    values: np.ndarray  # (n, F) float64
    codes: np.ndarray  # (n,) group number of each row, non-decreasing
    keep_rows: np.ndarray  # (n,) index into the frame rows (for the preview)


def _groups(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(codes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    lengths = np.diff(np.r_[starts, len(codes)])
    return starts, lengths


def _apply_missing(series: _Series, names: list[str], config: DataConfig, report: LoadReport,
                   whole_groups: bool = False) -> _Series:
    """Apply config.missing to the grouped values; counts go into the report."""
    nan = np.isnan(series.values)
    n_missing = int(nan.sum())
    if n_missing == 0:
        return series
    policy = config.missing
    if policy == "refuse":
        j = int(np.flatnonzero(nan.any(axis=0))[0])
        count = int(nan[:, j].sum())
        raise DataError(
            f"Column '{names[j]}' has {count:,} missing value{'s' if count != 1 else ''} and the "
            "missing-value policy is 'refuse'; fill them in or choose another policy."
        )
    if policy == "zero":
        report.missing_filled = n_missing
        return _Series(np.where(nan, 0.0, series.values), series.codes, series.keep_rows)
    if policy == "drop":
        keep = ~nan.any(axis=1)
        if whole_groups:  # sequence_rows: a row of the file is a whole sequence
            bad = np.unique(series.codes[~keep])
            keep = ~np.isin(series.codes, bad)
            report.rows_dropped = len(bad)
        else:
            report.rows_dropped = int((~keep).sum())
        return _Series(series.values[keep], series.codes[keep], series.keep_rows[keep])
    filled = _interpolate(series.values, series.codes)
    still = np.isnan(filled).any(axis=1)
    if still.any():  # a group where some column has no value at all: nothing to interpolate from
        bad_groups = np.unique(series.codes[still])
        keep = ~np.isin(series.codes, bad_groups)
        report.notes.append(
            f"Left out {_plural(len(bad_groups), 'sequence')} where a feature has no values at all."
        )
        report.missing_filled = int((nan & keep[:, None]).sum())
        return _Series(filled[keep], series.codes[keep], series.keep_rows[keep])
    report.missing_filled = n_missing
    return _Series(filled, series.codes, series.keep_rows)


def _check_missing_share(table: _Table, features: list[str], explicit: bool, config: DataConfig,
                         report: LoadReport) -> list[str]:
    """Leave out (or refuse, when chosen explicitly) columns emptier than max_missing_fraction."""
    limit = config.max_missing_fraction
    share = table.frame[features].isna().mean().to_numpy()
    over = share > limit
    if not over.any():
        return features
    if explicit:
        j = int(np.flatnonzero(over)[0])
        raise DataError(
            f"Too many missing values in column '{features[j]}' ({share[j]:.0%} empty, limit "
            f"{limit:.0%}); fill in the gaps or raise max_missing_fraction."
        )
    if over.all():
        raise DataError(
            f"Too many missing values: every numeric column is more than {limit:.0%} empty; "
            "fill in the gaps or raise max_missing_fraction."
        )
    for j in np.flatnonzero(over):
        report.dropped_columns[features[j]] = f"too many missing values ({share[j]:.0%} empty)"
    return [f for f, o in zip(features, over) if not o]


def _check_finite(frame: pd.DataFrame, features: list[str]) -> None:
    _check_finite_values(frame[features].to_numpy(dtype=np.float64), features)


def _check_finite_values(values: np.ndarray, features: list[str]) -> None:
    """Refuse the first of ``features`` (the columns of ``values``) that holds an infinite value, or
    whose range (maximum minus minimum) is too wide for a float to hold, so that it cannot be scaled."""
    inf = np.isinf(values).any(axis=0)
    if inf.any():
        name = features[int(np.flatnonzero(inf)[0])]
        raise DataError(
            f"Column '{name}' contains infinite values; replace them with numbers or leave those "
            "cells empty."
        )
    if values.size:
        with np.errstate(over="ignore", invalid="ignore"):  # fmax/fmin skip NaN (gaps) without warnings
            span = np.fmax.reduce(values, axis=0) - np.fmin.reduce(values, axis=0)
        wide = np.isinf(span)
        if wide.any():
            column = int(np.flatnonzero(wide)[0])
            raise DataError(
                f"Column '{features[column]}' spans more than the largest number a float can hold (its values "
                f"reach {np.fmax.reduce(np.abs(values[:, column])):.3g}); divide it by a large power of ten first."
            )




def _select_features(table: _Table, config: DataConfig, exclude: set[str], report: LoadReport) -> list[str]:
    candidates = [n for n in table.numeric if n not in exclude]
    if config.features is not None:
        for name in config.features:
            _require_column(table, name)
            if name in exclude:
                raise DataError(f"Column '{name}' is used as the time, id or label column; it cannot also be a feature.")
            if name not in table.numeric:
                raise DataError(f"Column '{name}' is not numeric; choose numeric columns as features.")
        for name in candidates:
            if name not in config.features:
                report.dropped_columns[name] = "not selected"
        return list(dict.fromkeys(config.features))
    if not candidates:
        if table.dates and not table.numeric:
            raise DataError(
                f"The file only has dates or times ('{table.dates[0]}') and no numbers; "
                "add at least one numeric column."
            )
        if table.numeric:
            raise DataError(
                f"The only numeric column ('{table.numeric[0]}') is used as the time, id or label "
                "column; add a column of values to model."
            )
        text = [n for n in table.text if n not in exclude]
        hint = f" (text columns: {_names_list(text, 5)})" if text else ""
        raise DataError(
            f"No numeric columns found{hint}; the file needs at least one column of numbers."
        )
    return candidates


def _time_key(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(col):
        return (col - col.min()).dt.total_seconds().to_numpy(dtype=np.float64)
    return col.to_numpy(dtype=np.float64)


def _time_axis(table: _Table, lay: _Layout, config: DataConfig, exclude: set[str],
               codes: np.ndarray | None = None) -> tuple[Calendar | None, str | None]:
    """The time axis: the columns chosen in the settings, else a calendar, else a date/time column.

    Returns ``(calendar or None, the (first) time column or None)``; ``codes`` (long tables) group the rows.

    Raises:
        DataError: chosen columns that cannot be a time axis.
    """
    chosen = config.time_columns
    if chosen:
        calendar = calendar_from_columns(table, chosen, codes, lay.period_styles)  # several: a calendar or an error
        if calendar is None:
            _validate_time_column(table, chosen[0])
        return calendar, chosen[0]
    calendar = lay.calendar if lay.calendar is not None and codes is None else \
        detect_calendar(table, exclude, codes, lay.period_styles)
    if calendar is not None:
        return calendar, calendar.columns[0]
    found = _find_time_column(table, exclude, must_increase=codes is None)
    if found is None and codes is not None:  # a long table's step counter (``frame``) orders each sequence
        found = restarting_counter(table, codes, exclude)
    return None, found


def _sort_key(table: _Table, lay: _Layout) -> np.ndarray:
    """(n,) float64 time of each row: the calendar's period, seconds or the number."""
    if lay.calendar is not None:
        return lay.calendar.ordinals.astype(np.float64)
    return _time_key(table.frame[lay.time_column])


def _build_time_rows(table: _Table, lay: _Layout, config: DataConfig, report: LoadReport):
    lay.calendar, lay.time_column = _time_axis(table, lay, config, set())
    time_col = lay.time_column
    features = _select_features(table, config, set(lay.time_columns), report)
    features = _check_missing_share(table, features, config.features is not None, config, report)
    _check_finite(table.frame, features)
    order = np.arange(table.n_rows)
    if time_col is not None:
        key = _sort_key(table, lay)
        shown = " + ".join(lay.time_columns)
        if np.isfinite(key).all() and not (np.diff(key) >= 0).all():
            if (np.diff(key) <= 0).all():
                order = order[::-1].copy()
                report.notes.append(f"Rows were newest first; reversed to oldest first by '{shown}'.")
            else:
                order = np.argsort(key, kind="stable")
                report.notes.append(f"Rows sorted by '{shown}'.")
        distinct = len(np.unique(key[np.isfinite(key)]))
        if distinct < table.n_rows:
            report.notes.append(
                f"'{shown}' has {distinct:,} distinct values for {table.n_rows:,} rows: if the file holds "
                "several series, choose the long layout with an id column; if it is not the time axis, set "
                "the time column to (auto) or another column."
            )
    values = table.frame[features].to_numpy(dtype=np.float64)[order]
    return features, _Series(values, np.zeros(len(order), np.int64), order)


def _validate_time_column(table: _Table, name: str) -> None:
    if name in table.dates or name in table.numeric:
        return
    raise DataError(
        f"Column '{name}' could not be read as dates, times or numbers; choose another time column."
    )


def _build_long(table: _Table, lay: _Layout, config: DataConfig, report: LoadReport):
    id_col = config.id_column or lay.id_column
    if id_col is None:
        found = _find_id_column(table)
        if found is None:
            raise DataError(
                "The long layout needs an id column and none was found; choose one with id_column."
            )
        id_col = found[0]
    lay.id_column = id_col
    ids = table.frame[id_col]
    codes = pd.factorize(ids)[0]
    lay.calendar, lay.time_column = _time_axis(table, lay, config, {id_col}, codes)
    time_col = lay.time_column
    lay.label_column = config.label_column
    exclude = {id_col} | set(lay.time_columns) | ({config.label_column} if config.label_column else set())
    features = _select_features(table, config, exclude, report)
    features = _check_missing_share(table, features, config.features is not None, config, report)
    _check_finite(table.frame, features)
    has_id = ids.notna().to_numpy()
    if not has_id.all():
        report.notes.append(f"Skipped {_plural(int((~has_id).sum()), 'row')} without an id.")
    rows = np.flatnonzero(has_id)
    if time_col is not None:
        key = _sort_key(table, lay)[rows]
        order = rows[np.lexsort((key, codes[rows]))]
    else:
        order = rows[np.argsort(codes[rows], kind="stable")]
    values = table.frame[features].to_numpy(dtype=np.float64)[order]
    return features, _Series(values, codes[order], order)


def _build_sequence_rows(table: _Table, lay: _Layout, config: DataConfig, report: LoadReport):
    label = config.label_column or _find_label_column(table)
    lay.label_column = label
    exclude = {label} if label else set()
    value_cols = _select_features(table, config, exclude, report)
    lay.value_columns = value_cols
    for name in table.dates:
        report.dropped_columns.setdefault(name, "dates or times")
    wide = table.frame[value_cols].to_numpy(dtype=np.float64)  # (N, L): one sequence per row
    _check_finite_values(wide, value_cols)
    present = ~np.isnan(wide)
    # trailing empty cells end a shorter sequence; they are not missing values
    lengths = np.where(present.any(axis=1), wide.shape[1] - np.argmax(present[:, ::-1], axis=1), 0)
    if (lengths == 0).any():
        report.notes.append(f"Skipped {_plural(int((lengths == 0).sum()), 'row')} without values.")
    inside = np.arange(wide.shape[1])[None, :] < lengths[:, None]  # (N, L)
    n_cells = int(inside.sum())
    share = float((inside & ~present).sum()) / max(n_cells, 1)
    if share > config.max_missing_fraction:
        raise DataError(
            f"Too many missing values: {share:.0%} of the cells are empty (limit "
            f"{config.max_missing_fraction:.0%}); fill in the gaps or raise max_missing_fraction."
        )
    if len(set(lengths[lengths > 0].tolist())) > 1:
        report.notes.append("Rows have different lengths; trailing empty cells end a sequence.")
    values = wide[inside][:, None]  # (sum of lengths, 1), row-major keeps each row contiguous
    codes = np.repeat(np.arange(len(wide)), lengths)
    return ["value"], _Series(values, codes, codes)
