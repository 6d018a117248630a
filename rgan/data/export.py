"""Generated samples as tables, in the data's own units and column names."""

from __future__ import annotations

import numpy as np
import pandas as pd


def samples_frame(samples: np.ndarray, feature_names: list[str]):
    """(N, T, F) samples -> long table with ``sample_id`` and ``step`` columns, then one column per feature."""
    n, t, f = samples.shape
    frame = pd.DataFrame(samples.reshape(n * t, f), columns=list(feature_names))
    frame.insert(0, "step", np.tile(np.arange(t), n))
    frame.insert(0, "sample_id", np.repeat(np.arange(n), t))
    return frame
