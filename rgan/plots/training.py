"""Training curves: losses, D's outputs and gradient norms vs step, one metric across runs.

Also the helpers behind them: reading a history (dict of columns, DataFrame or list of records),
the debiased EMA smoothing (``ema``) and the one-line progress text (``progress_text``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .style import (
    D_COLOR,
    FAKE_COLOR,
    G_COLOR,
    REAL_COLOR,
    RUN_COLORS,
    _empty_figure,
    _finite_or_nan,
    _float_1d,
    _layout,
    _style,
    _thin,
    escape_text,
)

History = Mapping[str, Sequence[float]] | pd.DataFrame | Sequence[Mapping[str, Any]]


# ------------------------------------------------------------------------------------- history
def _history(history: History | None, keys: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Steps and the requested metric columns that are present (others ignored).

    Accepts a dict of columns, a DataFrame, or a list of per-step records (as ``read_jsonl`` returns).
    A missing "step" column means steps 0, 1, 2, ...
    """
    if history is None:
        return np.zeros(0), {}
    if isinstance(history, pd.DataFrame):
        table: Mapping[str, Any] = history
    elif isinstance(history, Mapping):
        table = history
    elif isinstance(history, Sequence) and not isinstance(history, (str, bytes)):
        table = pd.DataFrame.from_records(list(history)) if len(history) else {}
    else:
        raise ValueError(f"history must be a dict of columns, a DataFrame or a list of records; "
                         f"found {type(history).__name__}.")
    columns = {k: _float_1d(table[k]) for k in keys if k in table}
    if "step" in table:
        steps = _float_1d(table["step"])
    else:
        steps = np.arange(max((len(v) for v in columns.values()), default=0), dtype=float)
    lengths = {"step": len(steps), **{k: len(v) for k, v in columns.items()}}
    if len(set(lengths.values())) > 1:
        found = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise ValueError(f"history columns must all have the same length; found {found}.")
    return steps, columns


def _check_smoothing(smoothing: float) -> float:
    smoothing = float(smoothing)
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in [0, 1); found {smoothing}.")
    return smoothing


def _curves_figure(
    history: History | None,
    series: Sequence[tuple[str, str, str]],  # (key, legend name, colour)
    *,
    smoothing: float,
    title: str,
    y_title: str,
    height: int,
    max_points: int,
    uirevision: str | None,
) -> go.Figure:
    """Metric curves vs step; with smoothing, the raw curve faint underneath the bold EMA."""
    smoothing = _check_smoothing(smoothing)
    steps, columns = _history(history, [key for key, _, _ in series])
    if len(steps) == 0 or not columns:
        return _empty_figure(title, height, uirevision)
    keep = _thin(len(steps), max_points)
    x = steps[keep]
    # Plain trace and layout dicts, assembled without plotly's per-property validation (``_validate``):
    # these charts are rebuilt every second while a run trains, and validation made each ~5x slower.
    # The property names are fixed here and covered by the tests, so nothing unchecked comes from input.
    traces: list[dict[str, Any]] = []
    if smoothing > 0:
        for key, name, color in series:
            if key in columns:
                traces.append(dict(
                    type="scatter", x=x, y=_finite_or_nan(columns[key])[keep], mode="lines", name=f"{name} (raw)",
                    legendgroup=key, showlegend=False, opacity=0.25, line=dict(color=color, width=1),
                    hoverinfo="skip"))
    for key, name, color in series:
        if key in columns:
            # EMA over every step, thinned afterwards, so thinning never changes the smoothed values.
            traces.append(dict(
                type="scatter", x=x, y=ema(columns[key], smoothing)[keep], mode="lines", name=name,
                legendgroup=key, line=dict(color=color, width=2.2 if smoothing > 0 else 1.5),
                hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>"))
    layout = _layout(title=title, height=height, uirevision=uirevision)
    xaxis: dict[str, Any] = dict(title=dict(text="step"))
    if x[-1] - x[0] < 10:  # a young run: whole steps only (plotly would put ticks at 1.5, 2.5)
        xaxis.update(dtick=1)
    layout.update(xaxis=xaxis, yaxis=dict(title=dict(text=y_title)), hovermode="x unified")
    return go.Figure(data=traces, layout=layout, _validate=False)


# ----------------------------------------------------------------------------------- small helpers
def ema(values: Sequence[float] | np.ndarray, weight: float) -> np.ndarray:
    """Exponential moving average as TensorBoard's smoothing slider computes it (debiased).

    ``s_t = sum_i weight**i * x_{t-i} / sum_i weight**i`` over the finite values so far, so the
    first point is not pulled towards zero. None, NaN and +-inf are skipped: they neither move the
    average nor get a value (the output is NaN there, drawn as a gap).

    Args:
        values: 1-D sequence of numbers; None allowed.
        weight: in [0, 1); 0 returns the values unchanged (non-finite ones as NaN).

    Returns:
        Float array of the same length.

    Raises:
        ValueError: if ``weight`` is outside [0, 1).
    """
    weight = _check_smoothing(weight)
    x = _float_1d(values)
    finite = np.isfinite(x)
    if weight == 0 or x.size == 0:
        return np.where(finite, x, np.nan)
    # adjust=True is exactly the debiased EMA; ignore_na=True skips gaps instead of decaying over them.
    smoothed = pd.Series(np.where(finite, x, np.nan)).ewm(alpha=1 - weight, adjust=True, ignore_na=True).mean()
    return np.where(finite, smoothed.to_numpy(dtype=float), np.nan)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def progress_text(step: int, total: int | None, steps_per_s: float | None) -> str:
    """One status line, e.g. ``"step 1,200 / 5,000 · 41.2 steps/s · 1 min 32 s left"``.

    A speed of 0, None or NaN (just started, paused) leaves the time estimate out; a finished run
    says "done"; ``total`` of None or 0 (open-ended) shows the step alone.
    """
    parts = [f"step {int(step):,} / {int(total):,}" if total else f"step {int(step):,}"]
    speed = float(steps_per_s) if steps_per_s is not None else float("nan")
    if math.isfinite(speed) and speed > 0:
        parts.append(f"{speed:,.1f} steps/s")
        if total and step < total:
            parts.append(f"{_duration((total - step) / speed)} left")
    else:
        parts.append("0.0 steps/s")
    if total and step >= total:
        parts.append("done")
    return " · ".join(parts)


# -------------------------------------------------------------------------------- training curves
def loss_figure(
    history: History | None,
    smoothing: float = 0.0,
    markers: Sequence[tuple[float, str]] = (),
    *,
    title: str = "Losses",
    height: int = 320,
    max_points: int = 5000,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Discriminator and generator loss vs step.

    Args:
        history: columns "step", "loss_d", "loss_g" (dict of lists, DataFrame or list of records);
            other keys are ignored.
        smoothing: EMA weight in [0, 1); above 0 the raw curves are drawn faint under bold smoothed ones.
        markers: ``(step, label)`` pairs drawn as dashed vertical lines, e.g. ``(1200, "lr_g 1e-3 -> 5e-4")``.
        max_points: longer histories are thinned evenly (after smoothing) before drawing.

    Traces: [raw D, raw G] when smoothing > 0, then [D, G].
    """
    fig = _curves_figure(history, [("loss_d", "loss D", D_COLOR), ("loss_g", "loss G", G_COLOR)],
                         smoothing=smoothing, title=title, y_title="loss", height=height,
                         max_points=max_points, uirevision=uirevision)
    if fig.data:
        for step, label in markers:
            fig.add_vline(x=step, line=dict(color="#7f7f7f", width=1, dash="dash"),
                          annotation=dict(text=str(label), font=dict(size=10, color="#555555"),
                                          textangle=0, bgcolor="rgba(255,255,255,0.7)"),
                          annotation_position="top right")
    return fig


def d_output_figure(
    history: History | None,
    smoothing: float = 0.0,
    *,
    probabilities: bool | None = None,
    title: str = "Discriminator output: D(real) vs D(fake)",
    height: int = 320,
    max_points: int = 5000,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Mean D(real) and D(fake) vs step, y in [0, 1] with a dotted 0.5 line "D can't tell".

    ``probabilities=None`` decides from the data: values outside [0, 1] (a WGAN critic's raw scores)
    get a free y axis without the 0.5 line, since 0.5 means nothing there.
    """
    fig = _curves_figure(history, [("d_real", "D(real)", REAL_COLOR), ("d_fake", "D(fake)", FAKE_COLOR)],
                         smoothing=smoothing, title=title, y_title="D output", height=height,
                         max_points=max_points, uirevision=uirevision)
    if not fig.data:
        return fig
    if probabilities is None:
        _, columns = _history(history, ["d_real", "d_fake"])
        values = np.concatenate(list(columns.values()))
        values = values[np.isfinite(values)]
        probabilities = bool(values.size == 0 or (values.min() >= 0 and values.max() <= 1))
    if probabilities:
        fig.update_yaxes(range=[-0.02, 1.02], title_text="mean probability 'real'")
        fig.add_hline(y=0.5, line=dict(color="#7f7f7f", width=1, dash="dot"),
                      annotation=dict(text="D can't tell", font=dict(size=10, color="#555555")),
                      annotation_position="bottom right")
    else:
        fig.update_yaxes(title_text="mean critic score")
    return fig


def grad_norm_figure(
    history: History | None,
    smoothing: float = 0.0,
    *,
    title: str = "Gradient norms",
    height: int = 320,
    max_points: int = 5000,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Gradient norms of D and G vs step on a log y axis (zero norms cannot be shown on it)."""
    fig = _curves_figure(history, [("grad_norm_d", "grad norm D", D_COLOR), ("grad_norm_g", "grad norm G", G_COLOR)],
                         smoothing=smoothing, title=title, y_title="gradient norm (log)", height=height,
                         max_points=max_points, uirevision=uirevision)
    if fig.data:
        # A format for every tick: by default a log axis labels the ticks between powers of ten with a
        # bare digit ("2", "5"), which reads as a value without its decade. Full labels on all nine
        # ticks of a decade would overlap, so spans of about one or two decades get ticks at 1, 2 and 5,
        # and wider ones (up to 8 decades) one tick per power of ten; "~g" writes 100, not 1e+2.
        span = _decades(fig)
        dtick = None if span < 0.6 or span >= 8 else ("D2" if span < 2.5 else 1)
        fig.update_yaxes(type="log", tickformat="~g", dtick=dtick)
    return fig


def _decades(fig: go.Figure) -> float:
    """Powers of ten spanned by the positive y values of a figure's traces (0 when fewer than two)."""
    ys = [np.asarray(t.y, dtype=float) for t in fig.data if t.y is not None]
    y = np.concatenate(ys) if ys else np.empty(0)
    y = y[np.isfinite(y) & (y > 0)]
    return float(np.log10(y.max() / y.min())) if y.size >= 2 else 0.0


def runs_loss_figure(
    histories: Mapping[str, History],
    key: str = "loss_g",
    smoothing: float = 0.9,
    *,
    title: str | None = None,
    height: int = 340,
    max_points: int = 5000,
    uirevision: str | None = "keep",
) -> go.Figure:
    """One metric (``key``) of several runs overlaid, one smoothed line per run (raw not drawn).

    Runs whose history lacks ``key`` are left out.
    """
    smoothing = _check_smoothing(smoothing)
    title = title if title is not None else (f"{key} by run" + (f" (smoothing {smoothing:g})" if smoothing else ""))
    fig = go.Figure()
    for i, (run, history) in enumerate(histories.items()):
        steps, columns = _history(history, [key])
        if key not in columns or len(steps) == 0:
            continue
        keep = _thin(len(steps), max_points)
        fig.add_trace(go.Scatter(
            x=steps[keep], y=ema(columns[key], smoothing)[keep], mode="lines", name=escape_text(run),
            line=dict(color=RUN_COLORS[i % len(RUN_COLORS)], width=2),
            hovertemplate=f"{escape_text(run)}: %{{y:.4g}}<extra></extra>"))
    if not fig.data:
        return _empty_figure(title, height, uirevision)
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text=escape_text(key))
    fig.update_layout(hovermode="x unified")
    return _style(fig, title=title, height=height, uirevision=uirevision)
