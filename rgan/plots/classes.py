"""Sequences coloured by their class (conditional models): generated beside real, one colour per class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import RUN_COLORS, _empty_figure, _is_empty, _names, _sequences, _style, escape_text


def class_color(index: int) -> str:
    """The colour of class ``index`` (the same on every chart)."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def class_samples_figure(
    fake: np.ndarray | None,
    labels: np.ndarray | None,
    class_names: Sequence[str],
    feature_names: Sequence[str] | None,
    *,
    real: np.ndarray | None = None,
    real_labels: np.ndarray | None = None,
    feature: int = 0,
    per_class: int = 6,
    title: str = "Samples by class",
    height: int = 360,
    uirevision: str | None = "keep",
) -> go.Figure:
    """Up to ``per_class`` sequences of each class, one feature, coloured by class: generated on the left,
    real (when given) on the right, so each class's shape can be compared with its real counterpart.

    Args:
        fake: ``(N, T, F)`` generated sequences; labels: ``(N,)`` their classes.
        class_names: class index -> name (shown escaped in the legend).
        feature_names: the F feature names; feature: which one to draw.
        real, real_labels: ``(M, T', F)`` real sequences and their classes, or None.

    Raises:
        ValueError: labels do not match the sequences in number.
    """
    if _is_empty(fake) or labels is None:
        return _empty_figure(title, height, uirevision)
    a = _sequences(fake, "fake")
    labels = np.asarray(labels, np.int64)
    if len(labels) != len(a):
        raise ValueError(f"Expected one label per generated sequence ({len(a)}); found {len(labels)}.")
    names = _names(feature_names, a.shape[2])
    panels = [("Generated", a, labels)]
    if real is not None and real_labels is not None and not _is_empty(real):
        panels.append(("Real", _sequences(real, "real"), np.asarray(real_labels, np.int64)))
    fig = make_subplots(rows=1, cols=len(panels), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[p[0] for p in panels])
    for col, (_, x, y) in enumerate(panels, start=1):
        for c, name in enumerate(class_names):
            rows = np.flatnonzero(y == c)[:per_class]
            for k, i in enumerate(rows):
                fig.add_trace(go.Scatter(
                    y=x[i, :, feature], mode="lines", line={"color": class_color(c), "width": 1.2}, opacity=0.8,
                    name=escape_text(name), legendgroup=str(c), showlegend=col == 1 and k == 0,
                ), row=1, col=col)
    _style(fig, title=f"{title}: {names[feature]}", height=height, uirevision=uirevision, above_plot=20)
    fig.update_xaxes(title_text="step")
    return fig
