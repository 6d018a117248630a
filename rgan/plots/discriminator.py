"""The discriminator's view: D's per-step realness as a heatmap over sequences, and one sequence
coloured by realness with the generator's push drawn as arrows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .style import G_COLOR, REALNESS_COLORSCALE, _empty_figure, _is_empty, _style, escape_text


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
    labels = [f"#{i}" for i in range(z.shape[0])] if labels is None else [escape_text(s) for s in labels]
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
    fig.add_trace(go.Scatter(x=t, y=y, mode="lines", name=escape_text(feature_name or "sequence"), showlegend=False,
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
    fig.update_yaxes(title_text=escape_text(feature_name or "value"))
    return _style(fig, title=title, height=height, uirevision=uirevision, legend=push is not None)
