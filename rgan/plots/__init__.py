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

from .discriminator import realness_heatmap, realness_line_figure
from .distributions import acf_figure, embedding_figure, marginal_figure
from .evolution import evolution_figure
from .sequences import (
    long_samples_figure,
    nearest_pairs_figure,
    overlay_figure,
    sample_grid_figure,
    sequences_figure,
    series_figure,
)
from .style import (
    D_COLOR,
    FAKE_COLOR,
    FEATURE_COLORS,
    G_COLOR,
    MAX_FEATURES,
    NO_DATA_TEXT,
    REAL_COLOR,
    REALNESS_COLORSCALE,
)
from .training import d_output_figure, ema, grad_norm_figure, loss_figure, progress_text, runs_loss_figure

__all__ = [
    "REAL_COLOR", "FAKE_COLOR", "D_COLOR", "G_COLOR", "FEATURE_COLORS", "REALNESS_COLORSCALE",
    "MAX_FEATURES", "NO_DATA_TEXT",
    "ema", "progress_text",
    "loss_figure", "d_output_figure", "grad_norm_figure", "runs_loss_figure",
    "overlay_figure", "sample_grid_figure", "sequences_figure", "series_figure", "long_samples_figure",
    "marginal_figure", "acf_figure",
    "embedding_figure",
    "realness_heatmap", "realness_line_figure", "evolution_figure", "nearest_pairs_figure",
]
