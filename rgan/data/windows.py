"""Sliding windows over series and building sequences from arrays (no copies per window)."""

from __future__ import annotations

import math
import os

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rgan.data.decoding import _fmt_size
from rgan.data.schema import (
    DataConfig,
    DataError,
    LoadReport,
    MinMaxScaler,
    SequenceData,
    _plural,
)

MAX_WINDOW_VALUES = 50_000_000  # default cap on copied windows' N x seq_len x F: 200 MB of float32
MAX_WINDOW_VALUES_ENV = "RGAN_MAX_WINDOW_VALUES"  # environment variable that overrides the cap


def max_window_values() -> int:
    """The most values (N x seq_len x F) a data set's windows may hold.

    Returns:
        ``RGAN_MAX_WINDOW_VALUES`` when set, else ``MAX_WINDOW_VALUES`` (50 million, 200 MB as float32).

    Raises:
        DataError: if the environment variable is not a positive whole number.
    """
    raw = os.environ.get(MAX_WINDOW_VALUES_ENV, "").strip().replace("_", "")
    if not raw:
        return MAX_WINDOW_VALUES
    if not raw.isdigit() or int(raw) < 1:
        raise DataError(f"{MAX_WINDOW_VALUES_ENV} must be a positive whole number; got {raw!r}.")
    return int(raw)


def _mb(n_values: int) -> str:
    return _fmt_size(n_values * 4)


def _check_window_values(n_windows: int, seq_len: int, n_features: int, stride: int) -> None:
    """Refuse, before anything is allocated, windows holding more than ``max_window_values()`` values."""
    total, cap = int(n_windows) * int(seq_len) * int(n_features), max_window_values()
    if total <= cap:
        return
    fit = math.ceil(stride * total / cap)  # about the stride that brings N x seq_len x F under the cap
    raise DataError(
        f"The windows would hold {total:,} values ({n_windows:,} windows x {seq_len} steps x "
        f"{_plural(n_features, 'feature')}, {_mb(total)} as float32), over the limit of {cap:,} ({_mb(cap)}); "
        f"use a stride of about {fit:,} or more, a shorter seq_len or fewer features "
        f"(or raise {MAX_WINDOW_VALUES_ENV})."
    )


def sliding_windows(series: np.ndarray, seq_len: int, stride: int = 1) -> np.ndarray:
    """Overlapping windows of one long series, without copying.

    Args:
        series: array (T, F).
        seq_len: window length.
        stride: steps between window starts.

    Returns:
        A read-only view (N, seq_len, F) with N = (T - seq_len) // stride + 1.

    Raises:
        DataError: if the series is shorter than seq_len or the arguments are invalid. (No size cap:
            the view holds no values of its own; ``_group_windows``, which copies, is capped.)
    """
    series = np.asarray(series)
    if series.ndim != 2:
        raise DataError(f"Expected a (T, F) array for windowing; got shape {series.shape}.")
    if seq_len < 1 or stride < 1:
        raise DataError(f"seq_len and stride must be positive; got {seq_len} and {stride}.")
    n_steps = series.shape[0]
    if n_steps < seq_len:
        raise DataError(
            f"The data has {_plural(n_steps, 'row')} but seq_len is {seq_len}; "
            f"lower seq_len to {n_steps} or less."
        )
    view = sliding_window_view(series, seq_len, axis=0)  # (T - seq_len + 1, F, seq_len)
    return view[::stride].transpose(0, 2, 1)  # (N, seq_len, F), still a view


def _group_windows(scaled: np.ndarray, starts: np.ndarray, lengths: np.ndarray, seq_len: int,
                   stride: int) -> np.ndarray:
    """Windows inside each group [start, start + length) of a (n, F) array; one copy, no loop.

    The copy holds N x seq_len x F values, which overlapping windows of a small file can make huge: more
    than ``max_window_values()`` is refused before allocating.
    """
    counts = np.where(lengths >= seq_len, (lengths - seq_len) // stride + 1, 0)
    total = int(counts.sum())
    _check_window_values(total, seq_len, scaled.shape[1], stride)
    first = np.repeat(starts, counts)  # group start of each window
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)  # index within group
    window_starts = first + offset * stride
    view = sliding_window_view(scaled, seq_len, axis=0)  # (n - seq_len + 1, F, seq_len)
    return view[window_starts].transpose(0, 2, 1)  # (N, seq_len, F), one copy


def _scale(values: np.ndarray) -> tuple[MinMaxScaler, np.ndarray]:
    """Fit a scaler on (n, F) values and return it with the float32 scaled copy in [0, 1]."""
    scaler = MinMaxScaler.fit(values)
    scaled = np.clip(scaler.transform(values), 0.0, 1.0).astype(np.float32)
    return scaler, scaled


def from_array(x: np.ndarray, feature_names, config: DataConfig = DataConfig(),
               name: str = "array", report_notes=()) -> SequenceData:
    """Build SequenceData from numbers already in memory.

    Args:
        x: (T, F) one long series, windowed with config.seq_len and config.stride, or (N, T, F)
            ready sequences (used as they are when T == seq_len, windowed when longer).
        feature_names: F column names.
        config: seq_len and stride are used.
        name: short name for the data.
        report_notes: extra lines for the report.

    Returns:
        SequenceData with frame None.

    Raises:
        DataError: on a wrong shape, non-finite values, mismatched names or too short sequences.
    """
    x = np.asarray(x, dtype=np.float64)
    names = [str(n) for n in feature_names]
    if x.ndim not in (2, 3) or x.size == 0:
        raise DataError(f"Expected a non-empty (T, F) or (N, T, F) array; got shape {x.shape}.")
    if len(names) != x.shape[-1]:
        raise DataError(f"Got {len(names)} feature names for {x.shape[-1]} features; pass one per feature.")
    if not np.isfinite(x).all():
        raise DataError("The array contains NaN or infinite values; replace them before loading.")
    seq_len, stride = config.seq_len, config.stride
    if x.ndim == 2:
        scaler, scaled = _scale(x)
        windows = sliding_windows(scaled, seq_len, stride)
        layout, reason, n_rows = "time_rows", "one long series given as an array", x.shape[0]
    else:
        n_seq, steps, n_feat = x.shape
        if steps < seq_len:
            raise DataError(
                f"The sequences have {steps} steps but seq_len is {seq_len}; "
                f"lower seq_len to {steps} or less."
            )
        scaler, scaled = _scale(x.reshape(-1, n_feat))
        if steps == seq_len:
            windows = scaled.reshape(n_seq, steps, n_feat)
        else:
            starts = np.arange(n_seq) * steps
            windows = _group_windows(scaled, starts, np.full(n_seq, steps), seq_len, stride)
        layout, reason, n_rows = "long", f"{n_seq:,} sequences of {steps} steps given as an array", n_seq * steps
    report = LoadReport(
        source_name=name, layout=layout, layout_reason=reason, n_rows=int(n_rows),
        n_columns=len(names), feature_names=names, missing_policy=config.missing,
        notes=[str(n) for n in report_notes],
    )
    return SequenceData(windows=windows, feature_names=names, scaler=scaler, report=report,
                        frame=None, name=name)
