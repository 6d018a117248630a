"""Pure Plotly figure builders: data in, ``go.Figure`` out.

Nothing here knows about Streamlit, torch or a running trainer; every builder takes plain numpy arrays,
lists, dicts or DataFrames, checks their shapes once at the boundary (``ValueError`` saying what was
expected and what was found), and returns a figure that pages pass to ``st.plotly_chart``.

Conventions shared by all builders:
- colours: real data ``REAL_COLOR`` (blue), generated data ``FAKE_COLOR`` (orange), the discriminator
  ``D_COLOR`` (red), the generator ``G_COLOR`` (green); features get ``FEATURE_COLORS``, which avoid
  blue and orange so a feature's colour is never mistaken for "real" or "generated";
- ``layout.uirevision`` is set from the ``uirevision`` argument (default ``"keep"``) so a user's zoom
  survives the once-a-second redraw of live charts; pass a new value to reset the view;
- empty input (no history yet, no samples yet) gives a figure that says "No data yet" instead of failing;
- at most ``MAX_FEATURES`` features get their own subplot row; titles say when more were left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

__all__ = [
    "REAL_COLOR", "FAKE_COLOR", "D_COLOR", "G_COLOR", "FEATURE_COLORS", "REALNESS_COLORSCALE",
    "MAX_FEATURES", "NO_DATA_TEXT",
    "ema", "progress_text",
    "loss_figure", "d_output_figure", "grad_norm_figure", "runs_loss_figure",
    "overlay_figure", "sample_grid_figure", "sequences_figure", "series_figure",
    "marginal_figure", "acf_figure",
    "embedding_figure",
    "realness_heatmap", "realness_line_figure", "evolution_figure", "nearest_pairs_figure",
]

REAL_COLOR = "#1f77b4"
FAKE_COLOR = "#ff7f0e"
D_COLOR = "#d62728"
G_COLOR = "#2ca02c"
FEATURE_COLORS = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728")
RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
              "#bcbd22", "#17becf")
REALNESS_COLORSCALE = "RdYlGn"  # 0 = red (D says fake) .. 1 = green (D says real)
# plotly_white's page-level look without its per-trace-type defaults: copying the full template into
# every figure made each live chart ~7x slower to build (20 ms vs 3 ms), time the training threads
# of the same process wait for.
_WHITE = pio.templates["plotly_white"].layout
TEMPLATE = go.layout.Template(layout={key: _WHITE[key] for key in (
    "autotypenumbers", "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor", "plot_bgcolor",
    "xaxis", "yaxis", "shapedefaults", "annotationdefaults", "title", "coloraxis", "colorscale")})
MAX_FEATURES = 6
NO_DATA_TEXT = "No data yet"

History = Mapping[str, Sequence[float]] | pd.DataFrame | Sequence[Mapping[str, Any]]


# ----------------------------------------------------------------------------------------- helpers
def _layout(
    *,
    title: str,
    height: int,
    uirevision: str | None,
    legend: bool = True,
    above_plot: int = 0,
    bottom: int = 40,
) -> dict[str, Any]:
    """The shared look as a layout dict: white template, title top-left, horizontal legend above the plot.

    ``above_plot`` is the pixels taken by subplot titles above the top row, so the legend clears them.
    """
    top = 12 + above_plot + (26 if legend else 0) + (30 if title else 0)
    plot_height = max(height - top - bottom, 60)
    return dict(
        template=TEMPLATE,
        height=height,
        margin=dict(l=55, r=20, t=top, b=bottom),
        title=dict(text=title, x=0.01, xanchor="left", y=1, yref="container", yanchor="top",
                   pad=dict(t=10), font=dict(size=15)),
        showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1 + (above_plot + 4) / plot_height,
                    xanchor="left", x=0, font=dict(size=11)),
        uirevision=uirevision,
    )


def _style(fig: go.Figure, **layout_args: Any) -> go.Figure:
    """Apply :func:`_layout` to a figure built trace by trace."""
    fig.update_layout(**_layout(**layout_args))
    return fig


def _empty_figure(title: str, height: int, uirevision: str | None, text: str = NO_DATA_TEXT) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=16, color="#7f7f7f"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, title=title, height=height, uirevision=uirevision, legend=False)


def _is_empty(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, pd.DataFrame):
        return x.empty
    return np.size(x) == 0


def _sequences(x: Any, name: str, like: np.ndarray | None = None) -> np.ndarray:
    """``x`` as a float array ``(N, T, F)``; with ``like``, T and F must match it."""
    a = np.asarray(x, dtype=float)
    if a.ndim != 3:
        raise ValueError(f"{name} must have shape (N, T, F); found {a.shape}.")
    if like is not None and a.shape[1:] != like.shape[1:]:
        _, t, f = like.shape
        raise ValueError(f"{name} must have shape (N, {t}, {f}) to match real; found {a.shape}.")
    return a


def _names(feature_names: Sequence[str] | None, n_features: int) -> list[str]:
    if feature_names is None:
        return [f"feature {i + 1}" for i in range(n_features)]
    names = [str(n) for n in feature_names]
    if len(names) != n_features:
        raise ValueError(f"feature_names must have {n_features} names, one per feature; found {len(names)}.")
    return names


def _axis_title(name: object, limit: int = 16) -> str:
    """A feature name short enough for a y axis beside others (full names are in the hover text)."""
    text = str(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _capped(n_features: int, cap: int = MAX_FEATURES) -> tuple[int, str]:
    """How many features to draw and the title suffix that says so when some are left out."""
    if n_features > cap:
        return cap, f" (first {cap} of {n_features} features)"
    return n_features, ""


def _finite_or_nan(a: np.ndarray) -> np.ndarray:
    # Plotly draws NaN as a gap; +-inf would wreck the autorange.
    return np.where(np.isfinite(a), a, np.nan)


def _float_1d(values: Any) -> np.ndarray:
    """A 1-D float array with None and non-numbers as NaN."""
    if isinstance(values, (pd.Series, pd.Index)):
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return np.atleast_1d(arr.astype(float))
    series = pd.Series(np.atleast_1d(arr).ravel().tolist(), dtype=object)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


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


def _thin(n: int, max_points: int) -> np.ndarray:
    """Evenly spaced indices (first and last kept) so at most ``max_points`` points reach the browser."""
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2; found {max_points}.")
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


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
            x=steps[keep], y=ema(columns[key], smoothing)[keep], mode="lines", name=str(run),
            line=dict(color=RUN_COLORS[i % len(RUN_COLORS)], width=2),
            hovertemplate=f"{run}: %{{y:.4g}}<extra></extra>"))
    if not fig.data:
        return _empty_figure(title, height, uirevision)
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text=key)
    fig.update_layout(hovermode="x unified")
    return _style(fig, title=title, height=height, uirevision=uirevision)


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
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=str(name), showlegend=False,
                                 line=dict(color=REAL_COLOR, width=1),
                                 hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>"), row=f + 1, col=1)
        fig.update_yaxes(title_text=_axis_title(name), row=f + 1, col=1)
    fig.update_xaxes(title_text=time_column or "row", row=n_rows, col=1)
    return _style(fig, title=title + note, height=height or _rows_height(n_rows), uirevision=uirevision,
                  legend=False)


# --------------------------------------------------------------------------- distribution checks
def marginal_figure(
    real: np.ndarray | None,
    fake: np.ndarray | None,
    feature_names: Sequence[str] | None,
    bins: int = 40,
    *,
    cols: int = 3,
    title: str = "Value distributions: real vs generated",
    height: int | None = None,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Per-feature histograms (probability density) of all values over all steps, real vs generated.

    Both sides share the bin edges of their pooled range, so the bars are directly comparable. The
    histograms are computed here (``np.histogram(density=True)``) and drawn as bars, so only ``bins``
    numbers per side reach the browser. Traces per feature: [real, generated].
    """
    if _is_empty(real) and _is_empty(fake):
        return _empty_figure(title, height or 300, uirevision)
    if bins < 1:
        raise ValueError(f"bins must be at least 1; found {bins}.")
    sides: list[tuple[str, np.ndarray, str]] = []
    like = None
    if not _is_empty(real):
        like = _sequences(real, "real")
        sides.append(("real", like, REAL_COLOR))
    if not _is_empty(fake):
        generated = _sequences(fake, "fake")  # T may differ from real here: only values are compared
        if like is not None and generated.shape[2] != like.shape[2]:
            raise ValueError(f"fake must have shape (M, T, {like.shape[2]}) to match real's features; "
                             f"found {generated.shape}.")
        like = like if like is not None else generated
        sides.append(("generated", generated, FAKE_COLOR))
    names = _names(feature_names, like.shape[2])
    n_features, note = _capped(len(names))
    cols = min(cols, n_features)
    rows = math.ceil(n_features / cols)
    # Each cell has its own density axis: leave room for its tick labels between the cells.
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names[:n_features],
                        horizontal_spacing=0.12 if cols > 1 else 0.06, vertical_spacing=min(0.14, 0.6 / rows))
    for f in range(n_features):
        values = [side[:, :, f].ravel() for _, side, _ in sides]
        values = [v[np.isfinite(v)] for v in values]
        pooled = np.concatenate(values)
        lo, hi = (float(pooled.min()), float(pooled.max())) if pooled.size else (0.0, 1.0)
        if hi <= lo:  # a constant feature still gets a visible bar
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.histogram_bin_edges(pooled, bins=bins, range=(lo, hi))
        centers, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
        for (group, _, color), v in zip(sides, values):
            density = np.histogram(v, bins=edges, density=True)[0] if v.size else np.zeros(bins)
            fig.add_trace(go.Bar(
                x=centers, y=density, width=widths, name=group, legendgroup=group, showlegend=(f == 0),
                marker=dict(color=color, line=dict(width=0)), opacity=0.55,
                hovertemplate=f"{group} {names[f]}<br>%{{x:.4g}}: density %{{y:.3g}}<extra></extra>"),
                row=f // cols + 1, col=f % cols + 1)
    fig.update_layout(barmode="overlay", bargap=0)
    fig.update_yaxes(title_text="density", col=1)
    return _style(fig, title=title + note, height=height or max(300, 80 + 200 * rows), uirevision=uirevision,
                  above_plot=22)


def acf_figure(
    real_acf: np.ndarray | None,
    fake_acf: np.ndarray | None,
    feature_names: Sequence[str] | None,
    lags: Sequence[float] | None = None,
    *,
    title: str = "Autocorrelation: real (solid) vs generated (dashed)",
    height: int = 340,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Autocorrelation vs lag per feature; real solid, generated dashed, one colour per feature.

    Args:
        real_acf, fake_acf: ``(F, L)``; either may be None.
        lags: the L lag values; default 0..L-1 (i.e. column 0 is lag 0). Pass ``range(1, L + 1)``
            when the ACF starts at lag 1.

    Traces per feature (at most ``MAX_FEATURES``): [real, generated].
    """
    if _is_empty(real_acf) and _is_empty(fake_acf):
        return _empty_figure(title, height, uirevision)
    sides = []
    shape = None
    for group, acf, dash in (("real", real_acf, "solid"), ("generated", fake_acf, "dash")):
        if _is_empty(acf):
            continue
        a = np.asarray(acf, dtype=float)
        name = "real_acf" if group == "real" else "fake_acf"
        if a.ndim != 2:
            raise ValueError(f"{name} must have shape (F, L); found {a.shape}.")
        if shape is not None and a.shape != shape:
            raise ValueError(f"{name} must have shape {shape} like real_acf; found {a.shape}.")
        shape = a.shape
        sides.append((group, a, dash))
    names = _names(feature_names, shape[0])
    x = np.arange(shape[1]) if lags is None else np.asarray(lags)
    if x.shape != (shape[1],):
        raise ValueError(f"lags must have {shape[1]} values, one per ACF column; found {x.shape}.")
    n_features, note = _capped(len(names))
    fig = go.Figure()
    for f in range(n_features):
        color = FEATURE_COLORS[f % len(FEATURE_COLORS)]
        for group, a, dash in sides:
            fig.add_trace(go.Scatter(
                x=x, y=_finite_or_nan(a[f]), mode="lines+markers", name=f"{names[f]} ({group})",
                legendgroup=names[f], showlegend=(group == sides[0][0]),  # the title explains the dashes
                line=dict(color=color, dash=dash, width=1.8), marker=dict(size=4),
                hovertemplate=f"{names[f]} {group}<br>lag %{{x}}: %{{y:.3f}}<extra></extra>"))
    fig.add_hline(y=0, line=dict(color="#bbbbbb", width=1))
    fig.update_xaxes(title_text="lag (steps)")
    fig.update_yaxes(title_text="autocorrelation")
    return _style(fig, title=title + note, height=height, uirevision=uirevision)


# ------------------------------------------------------------------------------------ embeddings
def embedding_figure(
    real_xy: np.ndarray | None,
    fake_xy: np.ndarray | None,
    title: str = "PCA of windows averaged over features",
    *,
    axis_prefix: str = "component",
    height: int = 380,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Scatter of 2-D embeddings: real (blue) vs generated (orange). Traces: [real, generated]."""
    if _is_empty(real_xy) and _is_empty(fake_xy):
        return _empty_figure(title, height, uirevision)
    fig = go.Figure()
    for group, xy, color, name in (("real", real_xy, REAL_COLOR, "real_xy"),
                                   ("generated", fake_xy, FAKE_COLOR, "fake_xy")):
        if _is_empty(xy):
            continue
        a = np.asarray(xy, dtype=float)
        if a.ndim != 2 or a.shape[1] != 2:
            raise ValueError(f"{name} must have shape (N, 2); found {a.shape}.")
        fig.add_trace(go.Scatter(x=a[:, 0], y=a[:, 1], mode="markers", name=group,
                                 marker=dict(color=color, size=5, opacity=0.5),
                                 hovertemplate=f"{group}<extra></extra>"))
    fig.update_xaxes(title_text=f"{axis_prefix} 1")
    fig.update_yaxes(title_text=f"{axis_prefix} 2")
    return _style(fig, title=title, height=height, uirevision=uirevision)


# ----------------------------------------------------------------------- the discriminator's view
def realness_heatmap(
    realness: np.ndarray | None,
    labels: Sequence[str] | None = None,
    *,
    title: str = "Discriminator's realness per step",
    height: int | None = None,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Heatmap of D's per-step probability "real" ``(N, T)``; rows are sequences (first at the top).

    Colour: red = D says fake (0) .. green = D says real (1), fixed to [0, 1]. Rows are placed by
    position, so repeated labels do not merge.
    """
    if _is_empty(realness):
        return _empty_figure(title, height or 300, uirevision)
    z = np.asarray(realness, dtype=float)
    if z.ndim != 2:
        raise ValueError(f"realness must have shape (N, T); found {z.shape}.")
    labels = [f"#{i}" for i in range(z.shape[0])] if labels is None else [str(s) for s in labels]
    if len(labels) != z.shape[0]:
        raise ValueError(f"labels must have {z.shape[0]} entries, one per row of realness; found {len(labels)}.")
    rows = np.arange(z.shape[0])
    fig = go.Figure(go.Heatmap(
        z=z, x=np.arange(z.shape[1]), y=rows, colorscale=REALNESS_COLORSCALE, zmin=0, zmax=1,
        customdata=np.repeat(np.array(labels, dtype=object)[:, None], z.shape[1], axis=1),
        colorbar=dict(title=dict(text="realness"), thickness=12, len=0.9),
        hovertemplate="%{customdata}<br>step %{x}: D says %{z:.2f} real<extra></extra>"))
    fig.update_yaxes(tickmode="array", tickvals=rows, ticktext=labels, autorange="reversed")
    fig.update_xaxes(title_text="time step")
    return _style(fig, title=title, height=height or max(260, 110 + 26 * z.shape[0]), uirevision=uirevision,
                  legend=False)


def realness_line_figure(
    sequence: np.ndarray,
    realness: np.ndarray,
    push: np.ndarray | None = None,
    feature_name: str = "",
    *,
    arrow_fraction: float = 0.15,
    title: str = "What the discriminator sees",
    height: int = 340,
    uirevision: str | None = "keep",
) -> go.Figure:
    """One sequence as markers coloured by D's realness, with the generator's push as arrows.

    Args:
        sequence: ``(T,)`` values of one feature.
        realness: ``(T,)`` D's probability "real" per step, coloured red (0) .. green (1).
        push: ``(T,)`` minus the gradient of G's loss w.r.t. each value (where G would move it), or
            None. Arrows are rescaled so the longest is ``arrow_fraction`` of the sequence's y range:
            only direction and relative size are meaningful, not the length in data units.

    Traces: [line, realness markers] and, with ``push``, [arrow shafts, arrow heads].
    """
    if _is_empty(sequence):
        return _empty_figure(title, height, uirevision)
    y = np.asarray(sequence, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"sequence must have shape (T,); found {y.shape}.")
    r = np.asarray(realness, dtype=float)
    if r.shape != y.shape:
        raise ValueError(f"realness must have shape {y.shape} like sequence; found {r.shape}.")
    t = np.arange(y.size)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=y, mode="lines", name=feature_name or "sequence", showlegend=False,
                             line=dict(color="#9a9a9a", width=1), hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=t, y=y, mode="markers", name="D's realness", showlegend=False,
        marker=dict(color=r, colorscale=REALNESS_COLORSCALE, cmin=0, cmax=1, size=10,
                    line=dict(color="#444444", width=0.5),
                    colorbar=dict(title=dict(text="realness"), thickness=12, len=0.9)),
        customdata=r, hovertemplate="step %{x}: %{y:.4g}<br>D says %{customdata:.2f} real<extra></extra>"))
    if push is not None:
        p = np.asarray(push, dtype=float)
        if p.shape != y.shape:
            raise ValueError(f"push must have shape {y.shape} like sequence; found {p.shape}.")
        finite = np.isfinite(y) & np.isfinite(p) & (p != 0)
        span = float(np.nanmax(y) - np.nanmin(y)) if np.isfinite(y).any() else 1.0
        span = span if span > 0 else 1.0
        biggest = float(np.abs(p[finite]).max()) if finite.any() else 0.0
        scale = arrow_fraction * span / biggest if biggest > 0 else 0.0
        ts, y0, y1 = t[finite], y[finite], y[finite] + scale * p[finite]
        # Shafts as one trace: segments separated by None.
        sx = np.column_stack([ts, ts, np.full(ts.size, np.nan)]).ravel()
        sy = np.column_stack([y0, y1, np.full(ts.size, np.nan)]).ravel()
        fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", name="where G would move it",
                                 legendgroup="push", line=dict(color=G_COLOR, width=2), hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=ts, y=y1, mode="markers", name="push", legendgroup="push", showlegend=False,
            marker=dict(color=G_COLOR, size=8,
                        symbol=np.where(p[finite] > 0, "triangle-up", "triangle-down")),
            customdata=p[finite], hovertemplate="step %{x}: push %{customdata:.3g}<extra></extra>"))
    fig.update_xaxes(title_text="time step")
    fig.update_yaxes(title_text=feature_name or "value")
    return _style(fig, title=title, height=height, uirevision=uirevision, legend=push is not None)


# ------------------------------------------------------------------------------ training evolution
def evolution_figure(
    snapshots: Sequence[tuple[int, np.ndarray]],
    feature_index: int = 0,
    real: np.ndarray | None = None,
    *,
    feature_name: str | None = None,
    max_real: int = 16,
    frame_ms: int = 300,
    title: str = "How the generator's samples evolved",
    height: int = 420,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Animated preview of G's fixed-noise samples over training, with a step slider and Play/Pause.

    Args:
        snapshots: ``(step, preview (P, T, F))`` pairs, oldest first; every preview the same shape.
        feature_index: which feature to draw.
        real: optional ``(N, T, F)``; the first ``max_real`` are drawn faint behind (one trace).

    The figure opens at the last snapshot and Play runs from the first; the y range is fixed over all
    snapshots (and real) so the animation does not jump. Traces: [real background] if given, then the
    P preview lines; one frame per snapshot named by its index, slider labels "step N".
    """
    if not snapshots:
        return _empty_figure(title, height, uirevision)
    previews = []
    for k, (step, preview) in enumerate(snapshots):
        a = np.asarray(preview, dtype=float)
        expected = previews[0].shape if previews else None
        if a.ndim != 3 or (expected is not None and a.shape != expected):
            want = "(P, T, F)" if expected is None else str(expected)
            raise ValueError(f"snapshot {k} (step {step}) preview must have shape {want}; found {a.shape}.")
        previews.append(a)
    n_preview, seq_len, n_features = previews[0].shape
    if not 0 <= feature_index < n_features:
        raise ValueError(f"feature_index must be in [0, {n_features - 1}]; found {feature_index}.")
    steps = [int(step) for step, _ in snapshots]
    t = np.arange(seq_len)
    values = [p[:, :, feature_index] for p in previews]

    fig = go.Figure()
    if not _is_empty(real):
        r = _sequences(real, "real", previews[0])[:max_real, :, feature_index]
        values.append(r)
        # All real lines in one trace, NaN-separated: the background never changes between frames.
        fig.add_trace(go.Scatter(
            x=np.tile(np.append(t, np.nan), r.shape[0]),
            y=np.column_stack([r, np.full(r.shape[0], np.nan)]).ravel(),
            mode="lines", name="real", line=dict(color=REAL_COLOR, width=1), opacity=0.25, hoverinfo="skip"))
    offset = len(fig.data)

    def lines(a: np.ndarray) -> list[go.Scatter]:
        return [go.Scatter(x=t, y=a[i], mode="lines", name="generated", legendgroup="generated",
                           showlegend=(i == 0), line=dict(color=FAKE_COLOR, width=1.3), opacity=0.85,
                           hovertemplate=f"generated #{i}: %{{y:.4g}}<extra></extra>")
                for i in range(n_preview)]

    fig.add_traces(lines(values[len(previews) - 1]))
    fig.frames = [go.Frame(name=str(k), data=lines(values[k]), traces=list(range(offset, offset + n_preview)))
                  for k in range(len(previews))]

    finite = np.concatenate([v.ravel() for v in values])
    finite = finite[np.isfinite(finite)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * (hi - lo) if hi > lo else 0.5
    fig.update_yaxes(range=[lo - pad, hi + pad], autorange=False,
                     title_text=feature_name or f"feature {feature_index + 1}")
    fig.update_xaxes(range=[0, max(seq_len - 1, 1)], autorange=False, title_text="time step")

    still = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    fig.update_layout(
        sliders=[dict(
            active=len(previews) - 1, x=0.16, len=0.84, y=0, yanchor="top", pad=dict(t=45, b=0),
            currentvalue=dict(visible=True, prefix="", xanchor="right", font=dict(size=12, color="#444444")),
            # Many snapshots: hide the crowded tick labels; the current value still names the step.
            font=dict(size=10, color="#444444" if len(previews) <= 12 else "rgba(0,0,0,0)"),
            steps=[dict(method="animate", label=f"step {s}", args=[[str(k)], still]) for k, s in enumerate(steps)],
        )],
        updatemenus=[dict(
            type="buttons", direction="left", showactive=False, x=0, xanchor="left", y=0, yanchor="top",
            pad=dict(t=50, r=10),
            buttons=[
                dict(label="Play", method="animate",
                     args=[None, {"frame": {"duration": frame_ms, "redraw": False}, "fromcurrent": False,
                                  "transition": {"duration": 0}}]),
                dict(label="Pause", method="animate", args=[[None], still]),
            ],
        )],
    )
    return _style(fig, title=title, height=height, uirevision=uirevision, bottom=110)


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
