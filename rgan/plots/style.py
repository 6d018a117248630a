"""The shared look and input checks of every figure builder.

Colours (real, generated, D, G, features, runs, realness), the light plotly template, the layout
helpers ``_layout``/``_style``, the "No data yet" figure, and the small helpers that check and
convert inputs once at the boundary (sequences ``(N, T, F)``, feature names, feature caps,
non-finite values, thinning long series).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

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


# ----------------------------------------------------------------------------------------- helpers
def escape_text(text: object) -> str:
    """User text (a column, file or run name) made safe for any Plotly text: title, axis title, legend,
    annotation, tick label, hover.

    Plotly reads a subset of HTML in all of them (``<b>``, ``<br>``, ``<a href>``, entities) and
    ``%{...}`` in hovertemplates as a variable. ``&``, ``<`` and ``>`` become entities, and ``{``/``}``
    numeric entities, so ``%{y}`` in a name is no template variable; Plotly turns the entities back into
    the characters when it draws, so the name shows literally.
    """
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("{", "&#123;").replace("}", "&#125;"))


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
        title=dict(text=escape_text(title), x=0.01, xanchor="left", y=1, yref="container", yanchor="top",
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
    fig.add_annotation(text=escape_text(text), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
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
    """The feature names, escaped (``escape_text``) for use anywhere in a figure."""
    if feature_names is None:
        return [f"feature {i + 1}" for i in range(n_features)]
    names = [escape_text(n) for n in feature_names]
    if len(names) != n_features:
        raise ValueError(f"feature_names must have {n_features} names, one per feature; found {len(names)}.")
    return names


def _axis_title(name: object, limit: int = 16) -> str:
    """An escaped feature name short enough for a y axis beside others (full names are in the hover
    text); cut on the characters, not inside an entity."""
    text = html.unescape(str(name))
    return escape_text(text if len(text) <= limit else text[: limit - 1] + "…")


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


def _thin(n: int, max_points: int) -> np.ndarray:
    """Evenly spaced indices (first and last kept) so at most ``max_points`` points reach the browser."""
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2; found {max_points}.")
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))
