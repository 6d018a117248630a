"""The ``load_csv`` pipeline: a CSV's bytes, path or file object -> scaled windows (N, T, F).

Each stage lives in its own module (``decoding``, ``reading``, ``layout``, ``series``, ``windows``); this
one runs them in order, fills the LoadReport and turns every failure into a DataError.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from rgan.data.calendar import period_label, period_styles
from rgan.data.decoding import _decode, _read_source
from rgan.data.labels import _labels, _layout_info, _short_note, _window_labels
from rgan.data.layout import _detect_layout, _Layout
from rgan.data.reading import _parser_error, _read_table, _Table
from rgan.data.schema import DataConfig, DataError, LoadReport, SequenceData
from rgan.data.series import (
    _apply_missing,
    _build_long,
    _build_sequence_rows,
    _build_time_rows,
    _groups,
    _Series,
)
from rgan.data.windows import _group_windows, _scale, max_window_values, sliding_windows


def load_csv(source, config: DataConfig = DataConfig(), name: str | None = None) -> SequenceData:
    """Read a CSV (bytes, a path or a file-like object) into scaled windows.

    Args:
        source: the file's bytes, a path, or an object with `.read()` (e.g. an uploaded file).
        config: layout, window and missing-value settings.
        name: display name; defaults to the file name ("data" for bytes).

    Returns:
        SequenceData with windows (N, seq_len, F) float32 in [0, 1] and a LoadReport.

    Raises:
        DataError: for every problem with the input, with one sentence saying what to do. No other
            exception type escapes for any byte input. A failure is remembered by the file's sha256 and
            the settings (the last 64), so the same bytes are refused again without parsing.
    """
    data, file_name = _guarded(_read_source, source, config.max_bytes)
    key = _failure_key(data, config, name)
    message = _FAILED_LOADS.get(key)
    if message is not None:  # the same bytes and settings failed before: refuse without parsing again
        raise DataError(message)
    payload = [data]
    del data  # _load_csv drops the bytes once decoded (payload.pop()), so a 50 MB upload is not held twice
    try:
        return _guarded(_load_csv, payload, file_name, config, name)
    except DataError as e:
        _FAILED_LOADS.put(key, str(e))
        raise


def _guarded(step, *args):
    """Run a loading step; every failure leaves as a DataError."""
    try:
        return step(*args)
    except DataError:
        raise
    except MemoryError as e:
        raise DataError("The file is too large to load into memory; upload a smaller file.") from e
    except pd.errors.ParserError as e:
        raise _parser_error(e, 0) from e
    except Exception as e:  # a last line of defence: the UI must get a DataError, never a traceback
        raise DataError(
            f"Could not read the file ({type(e).__name__}); check that it is a valid CSV file."
        ) from e


class _FailedLoads:
    """A small LRU of failed loads, (sha256 of the bytes, settings) -> the DataError's message.

    A rerun of a page, or a second person uploading the same broken file, is refused at once instead of
    parsing up to 50 MB again. Only messages are kept (no data); shared by the whole process, so locked.
    """

    def __init__(self, size: int) -> None:
        self.size = size  # most failures remembered; the least recently used is forgotten first
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            message = self._items.get(key)
            if message is not None:
                self._items.move_to_end(key)
            return message

    def put(self, key: tuple, message: str) -> None:
        with self._lock:
            self._items[key] = message
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_FAILED_LOADS = _FailedLoads(64)


def _failure_key(data: bytes, config: DataConfig, name: str | None) -> tuple:
    # the window cap comes from the environment and changes the outcome, so it is part of the key
    return hashlib.sha256(data).hexdigest(), repr(config), name, max_window_values()


def _load_csv(payload: list[bytes], file_name: str, config: DataConfig, name: str | None) -> SequenceData:
    data = payload.pop()
    text, encoding = _decode(data)
    del data
    table, dialect = _read_table(text)
    styles = period_styles(table, text)  # only the text says whether '1974-03' was a month or a date
    del text
    lay = _detect_layout(table, config, styles)
    report = LoadReport(
        source_name=name or file_name, layout=lay.layout, layout_reason=lay.reason,
        encoding=encoding, delimiter=dialect.delimiter if dialect.delimiter != " " else "whitespace",
        decimal=dialect.decimal, n_rows=table.n_rows, n_columns=table.n_columns,
        dropped_columns=dict(table.dropped), missing_policy=config.missing, notes=list(table.notes),
    )
    build = {"time_rows": _build_time_rows, "long": _build_long, "sequence_rows": _build_sequence_rows}
    features, series = build[lay.layout](table, lay, config, report)
    used = {lay.time_column, lay.id_column, lay.label_column, *lay.time_columns} | set(features)
    for col in table.text + table.dates:
        if col not in used:
            report.dropped_columns.setdefault(col, "dates or times" if col in table.dates else "text values")
    series = _apply_missing(series, features, config, report, whole_groups=lay.layout == "sequence_rows")
    report.time_column, report.id_column, report.label_column = lay.time_column, lay.id_column, lay.label_column
    report.time_columns = list(lay.time_columns)
    report.feature_names = list(features)
    starts, lengths = _groups(series.codes)
    seq_len, stride = config.seq_len, config.stride
    if len(series.values) == 0:
        raise DataError(
            "No complete rows remain after removing missing values; choose the 'interpolate' policy."
        )
    if lay.layout == "time_rows":
        scaler, scaled = _scale(series.values)
        windows = sliding_windows(scaled, seq_len, stride)
    else:
        longest = int(lengths.max())
        if longest < seq_len:
            unit = "values" if lay.layout == "sequence_rows" else "rows"
            raise DataError(
                f"No sequence is long enough: the longest has {longest:,} {unit} but seq_len is "
                f"{seq_len}; lower seq_len to {longest} or less."
            )
        report.short_sequences = int((lengths < seq_len).sum())
        report.shortest_sequence = int(lengths.min())
        if report.short_sequences:
            report.short_note = _short_note(lengths, seq_len, lay.layout)
            report.notes.append(report.short_note)
        scaler, scaled = _scale(series.values)
        windows = _group_windows(scaled, starts, lengths, seq_len, stride)
    constant = [name for name, lo, hi in zip(features, scaler.data_min, scaler.data_max) if lo == hi]
    if constant:
        report.notes.append(
            f"Constant {'column' if len(constant) == 1 else 'columns'} {', '.join(repr(c) for c in constant)}: "
            "the generator only has to learn a flat line there; leave it out under Feature columns if it "
            "carries no information."
        )
    frame = _preview_frame(table, lay, features, series)
    labels, classes = None, []
    if config.label_column is not None:  # conditional generation: one class per sequence, repeated per window
        group_labels, classes = _labels(table, lay, config.label_column, series.keep_rows, series.codes, starts)
        labels = _window_labels(group_labels, lengths, seq_len, stride) if lay.layout != "time_rows" else None
    # period text ('1974Q1') is no number or date for _layout_info's time axis: the calendar record stands for it
    text_time = lay.time_column is not None and lay.time_column in table.text
    info = _layout_info(table, replace(lay, time_column=None) if text_time else lay, features, series.keep_rows,
                        series.codes, lengths)
    if text_time:
        info["time_column"] = lay.time_column
    _describe_time(table, lay, series, info, report)
    return SequenceData(windows=windows, feature_names=list(features), scaler=scaler, report=report,
                        frame=frame, name=name or Path(file_name).stem or "data", labels=labels,
                        class_names=classes, layout_info=info)


def _preview_frame(table: _Table, lay: _Layout, features: list[str], series: _Series) -> pd.DataFrame:
    """The table the model sees: axis columns plus features (filled) in model order."""
    if lay.layout == "sequence_rows":
        cols = ([lay.label_column] if lay.label_column else []) + lay.value_columns
        return table.frame[cols]
    axis = [c for c in (lay.id_column, *lay.time_columns) if c is not None]
    frame = table.frame[axis].iloc[series.keep_rows].reset_index(drop=True)
    filled = pd.DataFrame(series.values, columns=features)
    return pd.concat([frame, filled], axis=1)


_FREQ_WORDS = (("B", "business days"), ("W", "weekly"), ("D", "daily"), ("h", "hourly"), ("min", "every minute"),
               ("s", "every second"), ("Y", "yearly"), ("A", "yearly"), ("Q", "quarterly"), ("M", "monthly"))


def _describe_time(table: _Table, lay: _Layout, series: _Series, info: dict, report: LoadReport) -> None:
    """The time axis' frequency and span in the report; a calendar is recorded in ``info`` for the export."""
    if lay.time_column is None or not len(series.keep_rows):
        return
    calendar = lay.calendar
    if calendar is not None:
        used = set(info["columns"]) | set(calendar.columns)
        info["columns"] = [c for c in table.frame.columns if c in used]
        info["calendar"] = calendar.to_info(int(calendar.ordinals[series.keep_rows[0]]))
        kept = calendar.ordinals[series.keep_rows]
        report.time_frequency = calendar.frequency
        report.time_span = f"{period_label(calendar.freq, int(kept.min()))}–{period_label(calendar.freq, int(kept.max()))}"
        if calendar.kind == "excel":
            report.notes.append(f"Column '{calendar.columns[0]}' holds Excel day numbers, read as dates.")
        return
    freq = str(info.get("time_freq") or "")
    if freq:
        unit = freq.lstrip("0123456789")
        words = next((w for prefix, w in _FREQ_WORDS if unit.startswith(prefix)), "")
        report.time_frequency = words if words and unit == freq else freq
    column = table.frame[lay.time_column].iloc[series.keep_rows]
    if pd.api.types.is_datetime64_any_dtype(column) and column.notna().any():
        low, high = column.min(), column.max()
        midnight = bool((column.dropna().dt.normalize() == column.dropna()).all())
        # str(), not strftime: pandas' strftime refuses years outside Python's range (a "-1" read as a date)
        shown = (lambda t: str(t).split(" ")[0]) if midnight else str
        report.time_span = f"{shown(low)}–{shown(high)}"
    elif info.get("time_kind") == "integer" and np.isfinite(column.to_numpy(np.float64)).any():
        report.time_span = f"{int(np.nanmin(column))}–{int(np.nanmax(column))}"
