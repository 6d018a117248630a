"""Skewed features trained on a straighter scale, and mapped back when sampled.

A stock's traded volume is skewed (Stocks: skewness 3.0 on the [0, 1] scale, the prices about 1) and its spread
grows with its level: a window of high volume swings more, in proportion, than one of low volume (real Stocks
windows: corr(window std, window mean) 0.94). A generator with additive noise makes low-volume windows too noisy
(that correlation 0.49-0.66 in its samples, and volumes near zero that real data never has); the post-hoc
classifier found them. On a power scale the spread is about even, and G learns it: Stocks' levels score went
from 0.042-0.108 to 0.007-0.022 at 4,000-5,000 steps (benchmarks/results/session16_2026-12-06.md).

Each feature whose skewness is above ``TrainConfig.skew_limit`` gets the Box-Cox power of ``1 + x``
(``scipy.special.boxcox1p``; the Yeo-Johnson transform for x >= 0), its exponent the maximum-likelihood one
(``scipy.stats.yeojohnson_normmax``), and is put back on [0, 1]. G, D and every loss work on that scale;
:meth:`FeatureWarp.to_data` maps G's output back, so samples, previews and scores are on the data's own [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

MAX_VALUES = 200_000  # values per feature used to measure skewness and fit the exponent


@dataclass(frozen=True)
class FeatureWarp:
    """The power scale of some features: feature index, exponent, and the range the power maps [0, 1] to."""

    features: tuple[int, ...]
    lambdas: tuple[float, ...]
    lows: tuple[float, ...]  # the power of 0 (always 0) and of 1: the model's [0, 1] is this range
    highs: tuple[float, ...]
    skews: tuple[float, ...] = ()  # each feature's skewness, for the note that names it

    def to_model(self, x: np.ndarray) -> np.ndarray:
        """Data on [0, 1] ``(..., F)`` to the model's scale (a new float32 array)."""
        out = np.array(x, dtype=np.float32, copy=True)
        for f, lam, lo, hi in zip(self.features, self.lambdas, self.lows, self.highs):
            y = special.boxcox1p(np.clip(out[..., f], 0.0, 1.0).astype(np.float64), lam)
            out[..., f] = (y - lo) / (hi - lo)
        return out

    def to_data(self, x: np.ndarray) -> np.ndarray:
        """The model's scale ``(..., F)`` back to data on [0, 1] (a new float32 array); values outside [0, 1] are
        clipped first (the power's inverse is defined on its range only)."""
        out = np.array(x, dtype=np.float32, copy=True)
        for f, lam, lo, hi in zip(self.features, self.lambdas, self.lows, self.highs):
            y = lo + np.clip(out[..., f], 0.0, 1.0).astype(np.float64) * (hi - lo)
            out[..., f] = np.clip(special.inv_boxcox1p(y, lam), 0.0, 1.0)
        return out

    def slope(self, x: np.ndarray) -> np.ndarray:
        """How fast :meth:`to_data` moves per unit of the model's scale at ``x`` ``(..., F)``: 1 for features
        left as they are (to carry a gradient, such as G's push, over to the data's scale)."""
        out = np.ones(np.shape(x), dtype=np.float32)
        for f, lam, lo, hi in zip(self.features, self.lambdas, self.lows, self.highs):
            y = lo + np.clip(np.asarray(x)[..., f], 0.0, 1.0).astype(np.float64) * (hi - lo)
            out[..., f] = (hi - lo) * np.power(np.maximum(1.0 + lam * y, 1e-12), 1.0 / lam - 1.0)
        return out

    def describe(self, names: list[str] | None = None) -> str:
        """One line for the notes: which features, how skewed, and what happens to them."""
        def name(f: int) -> str:
            return names[f] if names and f < len(names) else f"feature {f}"
        which = ", ".join(f"{name(f)} (skewness {s:.1f})" for f, s in zip(self.features, self.skews or [np.nan] * len(self.features)))
        return (f"Skewed: {which}. G learns {'it' if len(self.features) == 1 else 'them'} on a power scale, where "
                "the spread no longer grows with the level, and samples are mapped back to the data's units.")

    def to_state(self) -> dict:
        """Plain values for a checkpoint."""
        return {"features": list(self.features), "lambdas": list(self.lambdas), "lows": list(self.lows),
                "highs": list(self.highs), "skews": list(self.skews)}

    @classmethod
    def from_state(cls, state: dict) -> FeatureWarp:
        return cls(*(tuple(state.get(k) or ()) for k in ("features", "lambdas", "lows", "highs", "skews")))


def fit_warp(windows: np.ndarray, skew_limit: float, seed: int = 0) -> FeatureWarp | None:
    """The power scale for each feature of ``windows`` ``(N, T, F)`` on [0, 1] whose skewness is above
    ``skew_limit`` (0 = none); None when no feature is."""
    if skew_limit <= 0:
        return None
    n, t, n_features = windows.shape
    pick = np.random.default_rng(seed).choice(n, min(n, max(1, MAX_VALUES // max(t, 1))), replace=False)
    values = np.asarray(windows[np.sort(pick)], dtype=np.float64).reshape(-1, n_features)  # (M, F)
    chosen: list[tuple[int, float, float, float, float]] = []
    for f in range(n_features):
        x = values[:, f]
        if np.ptp(x) == 0:
            continue
        skew = float(stats.skew(x))
        if not skew > skew_limit:  # also skips NaN
            continue
        lam = float(stats.yeojohnson_normmax(x))
        lo, hi = float(special.boxcox1p(0.0, lam)), float(special.boxcox1p(1.0, lam))
        if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
            chosen.append((f, lam, lo, hi, skew))
    if not chosen:
        return None
    return FeatureWarp(*(tuple(c[i] for c in chosen) for i in range(5)))


def skewed_note(data, skew_limit: float) -> str | None:
    """The line that names ``data``'s (a :class:`~rgan.data.SequenceData`) features that a run with ``skew_limit``
    learns on a power scale; None when there are none. The Data and Train pages show it."""
    warp = fit_warp(data.windows, skew_limit)
    return None if warp is None else warp.describe(list(data.feature_names))
