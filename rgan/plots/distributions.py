"""Distribution checks, real vs generated: per-feature value histograms (``marginal_figure``),
autocorrelation vs lag (``acf_figure``) and the scatter of 2-D embeddings (``embedding_figure``; the
PCA / t-SNE computations live in ``rgan.metrics.embedding``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import (
    FAKE_COLOR,
    FEATURE_COLORS,
    REAL_COLOR,
    _capped,
    _empty_figure,
    _finite_or_nan,
    _is_empty,
    _names,
    _sequences,
    _style,
    escape_text,
)


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
    fig.update_xaxes(title_text=escape_text(f"{axis_prefix} 1"))
    fig.update_yaxes(title_text=escape_text(f"{axis_prefix} 2"))
    return _style(fig, title=title, height=height, uirevision=uirevision)
