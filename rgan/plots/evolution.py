"""Training evolution: an animated figure of the generator's fixed-noise samples over training,
with a step slider and Play/Pause.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .style import FAKE_COLOR, REAL_COLOR, _empty_figure, _is_empty, _sequences, _style, escape_text


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
                     title_text=escape_text(feature_name or f"feature {feature_index + 1}"))
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
