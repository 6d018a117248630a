"""Generated samples as tables, in the data's own units and column names.

``samples_frame`` is the plain long table (``sample_id, step``, features). ``own_layout_frame`` writes
samples the way the training file was laid out, from what the loader recorded about it (``data_info``,
which travels in checkpoints; see ``SequenceData.to_dict_info``):

- rows are sequences (wide) in, wide out: one row per sequence, the label column, the file's step columns;
- long in, long out: the id column with new ids, the step or time column carried on, the label, the features;
- rows are time steps in, time steps out: the time column carried on from the file's first time at the
  file's own frequency (dates stay dates), the columns in the file's order; with several samples a
  ``sample_id`` column comes first.

A calendar time axis (year + quarter columns, period text such as ``1974Q1``, Excel day numbers; see
:mod:`rgan.data.calendar`) is carried on period by period in its own columns and style.

Without a record of the file (built-in data, older checkpoints) the long table is written.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rgan.data.calendar import write_calendar

FORMATS = ("own", "long")  # the file's own layout, or sample_id/step rows


def samples_frame(samples: np.ndarray, feature_names: list[str], labels: np.ndarray | None = None,
                  class_names: list[str] | None = None, label_column: str = "label") -> pd.DataFrame:
    """(N, T, F) samples -> long table with ``sample_id`` and ``step`` columns, then one column per feature,
    then (when ``labels`` (N,) are given) the class of each sample under ``label_column``."""
    n, t, f = samples.shape
    frame = pd.DataFrame(samples.reshape(n * t, f), columns=list(feature_names))
    frame.insert(0, "step", np.tile(np.arange(t), n))
    frame.insert(0, "sample_id", np.repeat(np.arange(n), t))
    if labels is not None:
        frame[label_column] = np.repeat(_label_values(labels, class_names or []), t)
    return frame


def own_layout_frame(samples: np.ndarray, feature_names: list[str], data_info: dict,
                     labels: np.ndarray | None = None, lengths: np.ndarray | None = None) -> pd.DataFrame:
    """Samples written the way the training file was laid out.

    Args:
        samples: (N, L, F) in the data's own units.
        feature_names: the F feature names.
        data_info: the trainer's ``data_info`` (``layout``, ``file``, ``classes``).
        labels: (N,) class index of each sample (conditional models), else None.
        lengths: (N,) steps to keep of each sample (long files: lengths like the file's), else all L.

    Returns:
        The table, ready for ``to_csv(index=False)``.
    """
    file = data_info.get("file")
    layout = data_info.get("layout")
    classes = list(data_info.get("classes") or [])
    label_column = (file or {}).get("label_column") or "label"
    if not file or layout not in ("time_rows", "sequence_rows", "long"):
        return samples_frame(samples, feature_names, labels, classes, label_column)
    if layout == "sequence_rows":
        return _wide(samples, file, labels, classes)
    if layout == "long":
        return _long(samples, feature_names, file, labels, classes, lengths)
    return _time_rows(samples, feature_names, file)


def draw_lengths(data_info: dict, n: int, seed: int = 0) -> np.ndarray | None:
    """``n`` sequence lengths drawn from the file's own length distribution (long files), else None."""
    counts = (data_info.get("file") or {}).get("length_counts")
    if data_info.get("layout") != "long" or not counts:
        return None
    seen = np.array([int(k) for k in counts], np.int64)
    weights = np.array([float(v) for v in counts.values()])
    return np.random.default_rng(seed).choice(seen, size=n, p=weights / weights.sum())


def _label_values(labels: np.ndarray, class_names: list[str]) -> np.ndarray:
    """Class indices -> the label's values, as numbers when every class name is a number."""
    names = np.asarray(class_names if class_names else [str(i) for i in range(int(np.max(labels)) + 1)], dtype=object)
    values = names[np.asarray(labels, np.int64)]
    numeric = pd.to_numeric(pd.Series(names), errors="coerce")
    if numeric.notna().all():
        as_numbers = numeric.to_numpy()
        if np.array_equal(as_numbers, np.round(as_numbers)):
            as_numbers = as_numbers.astype(np.int64)
        return as_numbers[np.asarray(labels, np.int64)]
    return values


def _times(file: dict, steps: int) -> np.ndarray | pd.DatetimeIndex | None:
    """``steps`` values of the file's time axis from its first value, at its own frequency."""
    kind, start = file.get("time_kind"), file.get("time_start")
    if kind is None or start is None:
        return None
    if kind == "datetime":
        if file.get("time_freq"):
            return pd.date_range(pd.Timestamp(start), periods=steps, freq=file["time_freq"])
        return pd.Timestamp(start) + pd.to_timedelta(np.arange(steps) * float(file.get("time_step", 1.0)), unit="s")
    values = float(start) + np.arange(steps) * float(file.get("time_step", 1.0))
    return values.astype(np.int64) if kind == "integer" else values


def _time_columns(file: dict, steps: int) -> dict[str, np.ndarray]:
    """The time axis' column(s) for ``steps`` steps from the file's first period or time; {} without one."""
    calendar = file.get("calendar")
    if calendar:  # year + quarter, period text, ...: each column in the file's own style
        ordinals = int(calendar["start"]) + np.arange(steps) * int(calendar.get("step", 1))
        return write_calendar(calendar, ordinals)
    time_column = file.get("time_column")
    times = _times(file, steps) if time_column else None
    return {} if times is None else {time_column: np.asarray(times)}


def _step_columns(names: list[str], steps: int) -> list[str]:
    """The file's step column names for ``steps`` steps: its own, carried on ('t250' -> 't251') if longer."""
    if steps <= len(names):
        return list(names[:steps])
    match = re.fullmatch(r"(.*?)(\d+)", names[-1]) if names else None
    prefix, last, width = (match.group(1), int(match.group(2)), len(match.group(2))) if match else ("step_", len(names) - 1, 1)
    extra = [f"{prefix}{last + k:0{width}d}" for k in range(1, steps - len(names) + 1)]
    return list(names) + extra


def _wide(samples: np.ndarray, file: dict, labels: np.ndarray | None, classes: list[str]) -> pd.DataFrame:
    """One row per sequence: the label column where the file had it, then the step columns."""
    n, steps, _ = samples.shape
    value_columns = _step_columns(list(file.get("value_columns") or []), steps)
    frame = pd.DataFrame(samples[:, :, 0], columns=value_columns)
    label_column = file.get("label_column")
    if labels is not None and label_column:
        position = [c for c in file.get("columns", []) if c == label_column or c in value_columns].index(label_column)
        frame.insert(position, label_column, _label_values(labels, classes))
    return frame


def _long(samples: np.ndarray, features: list[str], file: dict, labels: np.ndarray | None, classes: list[str],
          lengths: np.ndarray | None) -> pd.DataFrame:
    """One row per step of each sequence: new ids, the step/time column carried on, the label, the features."""
    n, steps, f = samples.shape
    lengths = np.full(n, steps) if lengths is None else np.minimum(np.asarray(lengths, np.int64), steps)
    keep = np.arange(steps)[None, :] < lengths[:, None]  # (N, L)
    columns: dict[str, object] = {}
    id_column, label_column = file.get("id_column"), file.get("label_column")
    if id_column:
        columns[id_column] = np.repeat(np.arange(n), lengths)
    for name, times in _time_columns(file, steps).items():
        columns[name] = times[np.nonzero(keep)[1]]
    if labels is not None and label_column:
        columns[label_column] = np.repeat(_label_values(labels, classes), lengths)
    values = samples[keep]  # (sum of lengths, F), row-major keeps each sequence together
    for j, name in enumerate(features):
        columns[name] = values[:, j]
    order = [c for c in file.get("columns", []) if c in columns]
    order += [c for c in columns if c not in order]
    return pd.DataFrame({c: columns[c] for c in order})


def _time_rows(samples: np.ndarray, features: list[str], file: dict) -> pd.DataFrame:
    """One row per time step; the time column carried on from the file's first time at its frequency."""
    n, steps, _ = samples.shape
    columns: dict[str, object] = {}
    for name, times in _time_columns(file, steps).items():
        columns[name] = np.tile(times, n)
    flat = samples.reshape(n * steps, -1)
    for j, name in enumerate(features):
        columns[name] = flat[:, j]
    order = [c for c in file.get("columns", []) if c in columns]
    order += [c for c in columns if c not in order]
    frame = pd.DataFrame({c: columns[c] for c in order})
    if n > 1:
        frame.insert(0, "sample_id", np.repeat(np.arange(n), steps))
    return frame
