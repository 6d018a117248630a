"""Sequences and series: real vs generated overlays, sample previews, the sample grid, a table's
columns over time, and generated samples beside their nearest real windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import (
    FAKE_COLOR,
    FEATURE_COLORS,
    REAL_COLOR,
    _axis_title,
    _capped,
    _empty_figure,
    _finite_or_nan,
    _float_1d,
    _is_empty,
    _names,
    _sequences,
    _style,
    _thin,
    escape_text,
)


# ---------------------------------------------------------------------------- sequences and series
def _rows_height(rows: int, per_row: int = 130, extra: int = 90, minimum: int = 300) -> int:
    return max(minimum, extra + per_row * rows)


def _joined(time_axis: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sequences ``(N, T)`` as one line with a gap after each: x, y and the sequence number per point.

    One trace per group instead of one per sequence: a figure of 8 + 16 sequences per feature builds
    and draws several times faster (the live charts redraw every second).
    """
    n, t = x.shape
    numeric = np.issubdtype(time_axis.dtype, np.number)
    xs = np.full((n, t + 1), np.nan) if numeric else np.full((n, t + 1), None, dtype=object)
    xs[:, :t] = time_axis[None, :]
    ys = np.full((n, t + 1), np.nan)
    ys[:, :t] = x
    ids = np.repeat(np.arange(n), t + 1)
    return xs.ravel(), ys.ravel(), ids


def _sequence_rows(
    groups: Sequence[tuple[str, np.ndarray, str, float]],  # (group name, (N, T, F), colour, opacity)
    names: list[str],
    time_axis: np.ndarray,
    *,
    title: str,
    height: int | None,
    uirevision: str | None,
) -> go.Figure:
    """One subplot row per feature, the sequences of a group as one gapped line (hover names each one)."""
    n_rows, _ = _capped(len(names))
    fig = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, vertical_spacing=min(0.06, 0.3 / n_rows))
    for f in range(n_rows):
        for group, x, color, opacity in groups:
            xs, ys, ids = _joined(time_axis, x[:, :, f])
            fig.add_trace(go.Scatter(
                x=xs, y=ys, customdata=ids, mode="lines", name=group, legendgroup=group, showlegend=(f == 0),
                opacity=opacity, line=dict(color=color, width=1),
                hovertemplate=f"{group} #%{{customdata}}<br>{names[f]}: %{{y:.4g}}<extra></extra>"), row=f + 1, col=1)
        fig.update_yaxes(title_text=_axis_title(names[f]), row=f + 1, col=1)
    fig.update_xaxes(title_text="time step", row=n_rows, col=1)
    return _style(fig, title=title, height=height or _rows_height(n_rows), uirevision=uirevision)


def _time_axis(time_axis: Any, seq_len: int) -> np.ndarray:
    if time_axis is None:
        return np.arange(seq_len)
    axis = np.asarray(time_axis)
    if axis.shape != (seq_len,):
        raise ValueError(f"time_axis must have shape ({seq_len},), one value per time step; found {axis.shape}.")
    return axis


def overlay_figure(
    real: np.ndarray | None,
    fake: np.ndarray | None,
    feature_names: Sequence[str] | None,
    max_per_side: int = 8,
    time_axis: Sequence[Any] | None = None,
    *,
    title: str = "Real vs generated",
    height: int | None = None,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Real sequences (thin blue) and generated ones (thin orange) drawn over each other.

    Args:
        real, fake: ``(N, T, F)`` and ``(M, T, F)``; the first ``max_per_side`` of each are drawn
            (the caller picks which). Either may be None/empty, not both.
        feature_names: F names; one subplot row per feature, at most ``MAX_FEATURES``.
        time_axis: T x values (e.g. dates); default 0..T-1.

    Traces, per feature row: the real sequences, then the generated ones, each group one line with a
    gap (NaN / None) after every sequence; ``customdata`` holds the sequence number of each point.
    """
    if _is_empty(real) and _is_empty(fake):
        return _empty_figure(title, height or 300, uirevision)
    if max_per_side < 1:
        raise ValueError(f"max_per_side must be at least 1; found {max_per_side}.")
    groups: list[tuple[str, np.ndarray, str, float]] = []
    like = None
    if not _is_empty(real):
        like = _sequences(real, "real")
        groups.append(("real", like[:max_per_side], REAL_COLOR, 0.7))
    if not _is_empty(fake):
        generated = _sequences(fake, "fake", like)
        like = like if like is not None else generated
        groups.append(("generated", generated[:max_per_side], FAKE_COLOR, 0.8))
    names = _names(feature_names, like.shape[2])
    _, note = _capped(len(names))
    return _sequence_rows(groups, names, _time_axis(time_axis, like.shape[1]), title=title + note,
                          height=height, uirevision=uirevision)


def long_samples_figure(
    fake: np.ndarray | None,
    real: np.ndarray | None,
    feature_names: Sequence[str] | None,
    seq_len: int,
    n: int = 4,
    *,
    title: str = "Long samples",
    height: int | None = None,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Generated sequences longer than the training windows, whole, against the real windows' range.

    Args:
        fake: ``(N, L, F)`` samples of L steps; the first ``n`` are drawn.
        real: ``(M, T, F)`` real windows (same units) or None: their 5-95 % band per feature is shaded
            across the whole length, so a sample that wanders off the data's range shows at once.
        seq_len: the training window T; a dotted line marks the end of every window's worth of steps.

    Traces, per feature row: the band (two lines, filled) when there is real data, then the samples.
    """
    if _is_empty(fake):
        return _empty_figure(title, height or 300, uirevision)
    a = _sequences(fake, "fake")[:n]
    names = _names(feature_names, a.shape[2])
    n_rows, note = _capped(len(names))
    length = a.shape[1]
    fig = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, vertical_spacing=min(0.06, 0.3 / n_rows))
    t = np.arange(length)
    for f in range(n_rows):
        if not _is_empty(real):
            lo, hi = np.nanpercentile(_sequences(real, "real")[:, :, f], [5, 95])
            for y, fill, show in ((hi, None, False), (lo, "tonexty", f == 0)):
                fig.add_trace(go.Scatter(
                    x=[0, length - 1], y=[y, y], mode="lines", fill=fill, line=dict(color=REAL_COLOR, width=0.5),
                    fillcolor="rgba(31, 119, 180, 0.12)", name="real 5-95 %", legendgroup="real", showlegend=show,
                    hovertemplate=f"real {names[f]}: %{{y:.4g}}<extra></extra>"), row=f + 1, col=1)
        xs, ys, ids = _joined(t, a[:, :, f])
        fig.add_trace(go.Scatter(
            x=xs, y=ys, customdata=ids, mode="lines", name="generated", legendgroup="generated",
            showlegend=(f == 0), line=dict(color=FAKE_COLOR, width=1),
            hovertemplate=f"generated #%{{customdata}} step %{{x}}<br>{names[f]}: %{{y:.4g}}<extra></extra>"),
            row=f + 1, col=1)
        fig.update_yaxes(title_text=_axis_title(names[f]), row=f + 1, col=1)
    for edge in range(seq_len, length, seq_len):
        fig.add_vline(x=edge - 0.5, line=dict(color="#9e9e9e", width=1, dash="dot"))
    fig.update_xaxes(title_text=f"time step (dotted: every {seq_len} steps, the training window)", row=n_rows, col=1)
    return _style(fig, title=f"{title}: {length:,} steps, {length / seq_len:.1f} training windows{note}",
                  height=height or _rows_height(n_rows), uirevision=uirevision)


def sequences_figure(
    x: np.ndarray | None,
    feature_names: Sequence[str] | None,
    n: int = 10,
    *,
    title: str = "Sample sequences",
    height: int | None = None,
    uirevision: str | None = "keep",
) -> go.Figure:
    """The first ``n`` sequences of ``x`` ``(N, T, F)``, one subplot row per feature (Data-page preview)."""
    if _is_empty(x):
        return _empty_figure(title, height or 300, uirevision)
    if n < 1:
        raise ValueError(f"n must be at least 1; found {n}.")
    a = _sequences(x, "x")
    names = _names(feature_names, a.shape[2])
    _, note = _capped(len(names))
    return _sequence_rows([("real", a[:n], REAL_COLOR, 0.6)], names, np.arange(a.shape[1]),
                          title=title + note, height=height, uirevision=uirevision)


def sample_grid_figure(
    x: np.ndarray | None,
    feature_names: Sequence[str] | None,
    n: int = 16,
    cols: int = 4,
    title: str = "Generated samples",
    *,
    height: int | None = None,
    uirevision: str | None = "keep",
    per_feature: bool | None = None,
) -> go.Figure:
    """Small multiples: one cell per sequence (first ``n`` of ``x`` ``(N, T, F)``), every feature a line.

    Cells share both axes so they compare at a glance; at most ``MAX_FEATURES`` features per cell.
    ``per_feature`` rescales each feature to 0-1 over the shown samples (the title says so), so a
    feature in large units does not flatten the others; ``None`` does that when some feature would
    fill less than a tenth of a shared axis. Traces: cell by cell, feature by feature.
    """
    if _is_empty(x):
        return _empty_figure(title, height or 300, uirevision)
    if n < 1 or cols < 1:
        raise ValueError(f"n and cols must be at least 1; found n={n}, cols={cols}.")
    a = _sequences(x, "x")[:n]
    names = _names(feature_names, a.shape[2])
    n_features, note = _capped(len(names))
    lo, hi = np.nanmin(a, axis=(0, 1)), np.nanmax(a, axis=(0, 1))  # (F,)
    span = np.where(np.isfinite(hi - lo), hi - lo, 0.0)
    if per_feature is None:  # on one shared axis, would some feature be squashed to a tenth of it?
        shared = float(np.nanmax(hi) - np.nanmin(lo)) if a.shape[2] > 1 else 0.0
        per_feature = bool(np.isfinite(shared) and shared > 10 * max(span.min(), 1e-12))
    if per_feature:
        a = (a - lo) / np.where(span > 0, span, 1.0)
        note = " (each feature scaled to 0-1)" + note
    cols = min(cols, a.shape[0])
    rows = math.ceil(a.shape[0] / cols)
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes="all", shared_yaxes="all",
                        horizontal_spacing=0.02, vertical_spacing=min(0.08, 0.3 / rows))
    t = np.arange(a.shape[1])
    for i in range(a.shape[0]):
        for f in range(n_features):
            fig.add_trace(go.Scatter(
                x=t, y=a[i, :, f], mode="lines", name=names[f], legendgroup=names[f], showlegend=(i == 0),
                line=dict(color=FEATURE_COLORS[f % len(FEATURE_COLORS)], width=1.2),
                hovertemplate=f"#{i} {names[f]}: %{{y:.4g}}<extra></extra>"), row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=True, col=1)
    return _style(fig, title=title + note, height=height or max(300, 70 + 95 * rows), uirevision=uirevision)


def series_figure(
    frame: pd.DataFrame | None,
    feature_names: Sequence[str],
    time_column: str | None = None,
    max_points: int = 5000,
    *,
    title: str = "Data preview",
    height: int | None = None,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Each feature column over time, one subplot row per feature (at most ``MAX_FEATURES``).

    Rows are thinned evenly to ``max_points`` (the title says so); the x axis is ``time_column`` when
    given, else the row number. Non-numeric cells are drawn as gaps.
    """
    if frame is None or len(frame) == 0 or len(feature_names) == 0:
        return _empty_figure(title, height or 300, uirevision)
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame; found {type(frame).__name__}.")
    wanted = [*feature_names, *([time_column] if time_column is not None else [])]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the table; found columns {list(frame.columns)}.")
    keep = _thin(len(frame), max_points)
    n_rows, note = _capped(len(feature_names))
    if len(keep) < len(frame):
        note += f" (showing {len(keep):,} of {len(frame):,} rows)"
    x = frame[time_column].to_numpy()[keep] if time_column is not None else keep
    fig = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, vertical_spacing=min(0.06, 0.3 / n_rows))
    for f, name in enumerate(list(feature_names)[:n_rows]):
        y = _finite_or_nan(_float_1d(frame[name].iloc[keep]))
        shown = escape_text(name)  # the column's own name indexes the frame; the escaped one is drawn
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=shown, showlegend=False,
                                 line=dict(color=REAL_COLOR, width=1),
                                 hovertemplate=f"{shown}: %{{y:.4g}}<extra></extra>"), row=f + 1, col=1)
        fig.update_yaxes(title_text=_axis_title(shown), row=f + 1, col=1)
    fig.update_xaxes(title_text=escape_text(time_column or "row"), row=n_rows, col=1)
    return _style(fig, title=title + note, height=height or _rows_height(n_rows), uirevision=uirevision,
                  legend=False)


# ------------------------------------------------------------------------- memorisation check
def nearest_pairs_figure(
    pairs: Sequence[tuple[np.ndarray, np.ndarray, float]],
    feature_names: Sequence[str] | None,
    *,
    cols: int = 3,
    max_pairs: int = 12,
    title: str = "Generated samples and their nearest real windows",
    height: int | None = None,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Each (generated ``(T, F)``, closest real ``(T, F)``, distance) in its own subplot.

    A distance near 0 means G may be copying training windows. Every feature is drawn (at most
    ``MAX_FEATURES``); traces per pair: the generated features, then the real ones.
    """
    if not pairs:
        return _empty_figure(title, height or 300, uirevision)
    pairs = list(pairs)[:max_pairs]
    checked = []
    for k, (gen, near, distance) in enumerate(pairs):
        g, r = np.asarray(gen, dtype=float), np.asarray(near, dtype=float)
        if g.ndim != 2 or r.shape != g.shape:
            raise ValueError(f"pair {k} must hold generated and real windows of the same shape (T, F); "
                             f"found {g.shape} and {r.shape}.")
        if checked and g.shape != checked[0][0].shape:
            raise ValueError(f"pair {k} must have shape {checked[0][0].shape} like pair 0; found {g.shape}.")
        checked.append((g, r, float(distance)))
    names = _names(feature_names, checked[0][0].shape[1])
    n_features, note = _capped(len(names))
    cols = min(cols, len(checked))
    rows = math.ceil(len(checked) / cols)
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes="all",
                        subplot_titles=[f"#{k + 1} · distance {d:.3g}" for k, (_, _, d) in enumerate(checked)],
                        horizontal_spacing=0.05, vertical_spacing=min(0.12, 0.5 / rows))
    t = np.arange(checked[0][0].shape[0])
    for k, (g, r, _) in enumerate(checked):
        for group, a, color, dash in (("generated", g, FAKE_COLOR, "solid"), ("nearest real", r, REAL_COLOR, "dot")):
            for f in range(n_features):
                fig.add_trace(go.Scatter(
                    x=t, y=a[:, f], mode="lines", name=group, legendgroup=group,
                    showlegend=(k == 0 and f == 0), line=dict(color=color, width=1.4, dash=dash),
                    hovertemplate=f"{group} {names[f]}: %{{y:.4g}}<extra></extra>"),
                    row=k // cols + 1, col=k % cols + 1)
    return _style(fig, title=title + note, height=height or max(300, 80 + 180 * rows), uirevision=uirevision,
                  above_plot=22)
