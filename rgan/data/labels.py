"""Per-sequence class labels, and what the file's layout was, so samples can be written back the same way.

A label is a categorical column with one value per sequence: the label column of a wide file, or a
column that is constant within each id of a long file. ``_labels`` checks it and gives each sequence
its class index; ``_layout_info`` records the file's columns, their order and its time axis (start and
frequency), which travel in checkpoints (``Trainer.data_info``) for :mod:`rgan.data.export`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rgan.data.layout import _Layout, _names_list
from rgan.data.reading import _Table
from rgan.data.schema import DataError

MAX_CLASSES = 50  # a label column with more distinct values is refused: too few sequences per class


def _class_name(value) -> str:
    """A label value as text: whole numbers without a decimal point ('1', not '1.0')."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _labels(table: _Table, lay: _Layout, column: str, keep_rows: np.ndarray, codes: np.ndarray,
            starts: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The class index of each sequence (group) and the class names, from ``column``.

    Args:
        table: the typed table.
        lay: its layout (the label must not be the id, time or a feature column).
        column: the label column.
        keep_rows: (n,) frame row of each kept value row; codes: (n,) its group; starts: first row of each group.

    Returns:
        ``(group_labels (G,) int64, class_names)``, classes in sorted order of their values.

    Raises:
        DataError: the layout has no sequences to label, the column is empty somewhere, changes within a
            sequence, has a single value or too many values.
    """
    if lay.layout == "time_rows":
        raise DataError(
            f"A label column ('{column}') needs one value per sequence, but with rows as time steps the file is "
            "one long series; choose the long layout with an id column, or no label."
        )
    if column in (lay.id_column, lay.time_column):
        raise DataError(f"Column '{column}' is the id or time column; choose another label column.")
    values = table.frame[column].iloc[keep_rows]
    if values.isna().any():
        raise DataError(
            f"Label column '{column}' has {int(values.isna().sum()):,} empty cells; fill them in or choose "
            "another label column."
        )
    classes = sorted(values.unique().tolist(), key=lambda v: (isinstance(v, str), v))
    index = pd.Index(classes).get_indexer(values)  # (n,) class of each row
    changes = np.flatnonzero((np.diff(index) != 0) & (np.diff(codes) == 0))  # label changes inside a group
    if len(changes):
        row = int(changes[0])
        where = f" of id '{_class_name(table.frame[lay.id_column].iloc[keep_rows[row]])}'" if lay.id_column else ""
        raise DataError(
            f"Column '{column}' changes within a sequence{where} ({_class_name(values.iloc[row])} then "
            f"{_class_name(values.iloc[row + 1])}); a label must be constant within each sequence: choose "
            "another column."
        )
    n_groups = len(starts)
    if len(classes) < 2:
        raise DataError(f"Label column '{column}' has a single value; a label needs at least two classes.")
    if len(classes) > MAX_CLASSES or len(classes) > n_groups // 2:
        raise DataError(
            f"Label column '{column}' has {len(classes):,} different values for {n_groups:,} sequences; a label "
            f"needs at most {min(MAX_CLASSES, max(n_groups // 2, 2))} classes with several sequences each: choose a "
            "column of categories."
        )
    return index[starts].astype(np.int64), [_class_name(c) for c in classes]


def _window_labels(group_labels: np.ndarray, lengths: np.ndarray, seq_len: int, stride: int) -> np.ndarray:
    """Each window's class, in the order ``windows._group_windows`` cuts them; (N,) int64."""
    counts = np.where(lengths >= seq_len, (lengths - seq_len) // stride + 1, 0)
    return np.repeat(group_labels, counts)


def _time_axis(col: pd.Series, codes: np.ndarray | None = None) -> dict:
    """Start and step of a time column, to carry it on: dates keep a pandas frequency ('D', 'h', 'B', ...) or
    a step in seconds; numbers a numeric step. ``codes`` (per row) restricts steps to within each group."""
    values = col.reset_index(drop=True)
    same = np.ones(len(values) - 1, bool) if codes is None else (np.diff(codes) == 0)
    if pd.api.types.is_datetime64_any_dtype(values):
        first = values.dropna()
        if first.empty:
            return {}
        info = {"time_kind": "datetime", "time_start": str(first.iloc[0])}
        freq = None
        if codes is None and len(first) >= 3:
            try:
                with pd.option_context("future.infer_freq_returns_offset", True):
                    offset = pd.infer_freq(pd.DatetimeIndex(first))
                freq = getattr(offset, "freqstr", offset)
            except (TypeError, ValueError):
                freq = None
        deltas = values.diff().dt.total_seconds().to_numpy()[1:][same]
        deltas = deltas[np.isfinite(deltas) & (deltas > 0)]
        step = float(np.median(deltas)) if len(deltas) else 86400.0
        if freq is None and step == 86400.0 and not first.dt.day_of_week.isin([5, 6]).any() and len(first) >= 10:
            freq = "B"  # daily data without weekends (trading days): carry on over business days
        return {**info, "time_freq": freq} if freq else {**info, "time_step": step}
    numbers = values.to_numpy(dtype=np.float64)
    finite = numbers[np.isfinite(numbers)]
    if not len(finite):
        return {}
    deltas = np.diff(numbers)[same]
    deltas = deltas[np.isfinite(deltas) & (deltas > 0)]
    step = float(np.median(deltas)) if len(deltas) else 1.0
    whole = bool(np.array_equal(finite, np.round(finite)) and float(step).is_integer())
    return {"time_kind": "integer" if whole else "number", "time_start": float(finite[0]), "time_step": step}


def _layout_info(table: _Table, lay: _Layout, features: list[str], keep_rows: np.ndarray, codes: np.ndarray,
                 lengths: np.ndarray) -> dict:
    """What the export needs to write samples the way the file was laid out (JSON-able; see export.py).

    Keys: ``columns`` (the used columns in the file's order), ``time_column``/``id_column``/``label_column``,
    ``value_columns`` (wide files), the time axis (``time_kind``, ``time_start``, ``time_freq`` or
    ``time_step``) and ``length_counts`` (how many sequences have each length, long and wide files).
    """
    used = {lay.time_column, lay.id_column, lay.label_column, *features, *lay.value_columns} - {None}
    info: dict = {
        "columns": [c for c in table.frame.columns if c in used],
        "time_column": lay.time_column, "id_column": lay.id_column, "label_column": lay.label_column,
    }
    if lay.layout == "sequence_rows":
        info["value_columns"] = list(lay.value_columns)
    if lay.time_column is not None:
        grouped = lay.layout == "long"
        info.update(_time_axis(table.frame[lay.time_column].iloc[keep_rows], codes if grouped else None))
    if lay.layout != "time_rows":
        lengths_seen, counts = np.unique(lengths, return_counts=True)
        info["length_counts"] = {str(int(k)): int(v) for k, v in zip(lengths_seen, counts)}
    return info


def _short_note(lengths: np.ndarray, seq_len: int, layout: str) -> str | None:
    """Says which sequences are shorter than seq_len (left out) and how long they are, or None."""
    short = lengths[lengths < seq_len]
    if not len(short):
        return None
    seen, counts = np.unique(short, return_counts=True)
    spread = _names_list([f"{int(k)} steps: {int(c)}" for k, c in zip(seen, counts)], 8)
    unit = "row" if layout == "sequence_rows" else "id"
    return (
        f"Left out {len(short):,} of {len(lengths):,} sequences (one per {unit}) shorter than seq_len {seq_len}, "
        f"because a training window needs seq_len steps ({spread}); lower seq_len to {int(lengths.min())} to keep "
        "them all."
    )
