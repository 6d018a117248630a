"""Skewed features trained on a straighter scale, and mapped back when sampled.

A stock's traded volume is skewed (Stocks: skewness 3.0 on the [0, 1] scale, the prices about 1) and its spread
grows with its level: a window of high volume swings more, in proportion, than one of low volume (real Stocks
windows: corr(window std, window mean) 0.94). A generator with additive noise makes low-volume windows too noisy
(that correlation 0.49-0.66 in its samples, and volumes near zero that real data never has); the post-hoc
classifier found them. On a power scale the spread is about even, and G learns it: Stocks' levels score went
from 0.027-0.108 to 0.007-0.022 at 4,000-5,000 steps (benchmarks/results/session16_2026-12-06.md).

Each feature whose skewness is above ``TrainConfig.skew_limit`` gets the Box-Cox power of ``1 + x``
(``scipy.special.boxcox1p``; the Yeo-Johnson transform for x >= 0), its exponent the maximum-likelihood one
within +-20 (``scipy.stats.yeojohnson_llf``), and is put back on [0, 1]. G, D and every loss work on that scale;
:meth:`FeatureWarp.to_data` maps G's output back, so samples, previews and scores are on the data's own [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

MAX_VALUES = 2_000_000  # values (all features together) used to measure skewness and fit the exponents
LAMBDA_LIMIT = 20.0  # the exponent is fitted within +-this: beyond it, float32 cannot tell the top values apart
CHUNK = 1_000_000  # values mapped at a time (bounds the float64 temporaries on large data)


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
        rows = out.reshape(-1, out.shape[-1])  # a view: writing to it writes to out
        for start in range(0, len(rows), CHUNK):
            part = rows[start:start + CHUNK]
            for f, lam, lo, hi in zip(self.features, self.lambdas, self.lows, self.highs):
                part[:, f] = (special.boxcox1p(np.clip(part[:, f], 0.0, 1.0).astype(np.float64), lam) - lo) / (hi - lo)
        return out

    def to_data(self, x: np.ndarray) -> np.ndarray:
        """The model's scale ``(..., F)`` back to data on [0, 1] (a new float32 array). Values outside [0, 1] (only
        ``g_output`` "changes" makes them) are clipped first for these features, as the power's inverse is defined
        on its range only; other features are left as they are."""
        out = np.array(x, dtype=np.float32, copy=True)
        for f, lam, lo, hi in zip(self.features, self.lambdas, self.lows, self.highs):
            y = lo + np.clip(out[..., f], 0.0, 1.0).astype(np.float64) * (hi - lo)
            out[..., f] = np.clip(special.inv_boxcox1p(y, lam), 0.0, 1.0)
        return out

    def slope(self, x: np.ndarray) -> np.ndarray:
        """How fast :meth:`to_data` moves per unit of the model's scale at ``x`` ``(..., F)``: 1 for features
        left as they are (to carry a gradient, such as G's push, over to the data's scale)."""
        out = np.ones(np.shape(x), dtype=np.float32)
        data = self.to_data(x)
        for f, lam, lo, hi in zip(self.features, self.lambdas, self.lows, self.highs):
            out[..., f] = (hi - lo) * np.power(1.0 + data[..., f].astype(np.float64), 1.0 - lam)  # 1 / d(power)/dx
        return out

    def describe(self, names: list[str] | None = None) -> str:
        """One line for the notes: which features, how skewed, and what happens to them."""
        return describe_skewed(list(zip(self.features, self.skews or [float("nan")] * len(self.features))), names)

    def to_state(self) -> dict:
        """Plain values for a checkpoint."""
        return {"features": list(self.features), "lambdas": list(self.lambdas), "lows": list(self.lows),
                "highs": list(self.highs), "skews": list(self.skews)}

    @classmethod
    def from_state(cls, state: dict) -> FeatureWarp | None:
        """The scale a checkpoint describes (checked by checkpoint_checks.py); its ranges are derived again from the
        exponents, so a file cannot give a range the inverse is undefined on. None when it names no feature."""
        features, lambdas = tuple(state["features"]), tuple(float(v) for v in state["lambdas"])
        if not features:
            return None
        return cls(features, lambdas, *zip(*(_range(lam) for lam in lambdas)), tuple(state.get("skews") or ()))


def _range(lam: float) -> tuple[float, float]:
    """What the power maps 0 and 1 to."""
    return float(special.boxcox1p(0.0, lam)), float(special.boxcox1p(1.0, lam))


def describe_skewed(found: list[tuple[int, float]], names: list[str] | None = None) -> str:
    """The line that names skewed features, ``found`` as (feature, skewness), and says what happens to them."""
    def name(f: int) -> str:
        return names[f] if names and f < len(names) else f"feature {f}"
    which = ", ".join(f"{name(f)} (skewness {skew:.1f})" for f, skew in found)
    return (f"Skewed: {which}. G learns {'it' if len(found) == 1 else 'them'} on a power scale, where the spread no "
            "longer grows with the level, and samples are mapped back to the data's units.")


def _values(windows: np.ndarray) -> np.ndarray:
    """At most MAX_VALUES values of ``windows`` ``(N, T, F)`` as ``(M, F)`` float64: whole windows drawn with a fixed
    seed, so the pages and the run measure the same values."""
    n, t, n_features = windows.shape
    pick = np.random.default_rng(0).choice(n, min(n, max(1, MAX_VALUES // max(t * n_features, 1))), replace=False)
    return np.asarray(windows[np.sort(pick)], dtype=np.float64).reshape(-1, n_features)


def _skewed(values: np.ndarray, skew_limit: float) -> list[tuple[int, float]]:
    """(feature, skewness) of each column of ``values`` ``(M, F)`` more skewed than ``skew_limit``, with more than two
    distinct values (a 0/1 flag is skewed, but its swings do not grow with a level)."""
    out = []
    for f in range(values.shape[1]):
        x = values[:, f]
        if np.ptp(x) == 0:
            continue
        skew = float(stats.skew(x))
        if skew > skew_limit and len(np.unique(x)) > 2:  # the comparison also skips NaN
            out.append((f, skew))
    return out


def skewed_features(windows: np.ndarray, skew_limit: float) -> list[tuple[int, float]]:
    """(feature, skewness) of each feature of ``windows`` ``(N, T, F)`` on [0, 1] that a run with ``skew_limit``
    (0 = none) learns on a power scale."""
    return _skewed(_values(windows), skew_limit) if skew_limit > 0 else []


def fit_warp(windows: np.ndarray, skew_limit: float) -> FeatureWarp | None:
    """The power scale for each feature of ``windows`` ``(N, T, F)`` on [0, 1] that :func:`skewed_features` names:
    the exponent of maximum Yeo-Johnson likelihood within +-LAMBDA_LIMIT; None when no feature is named."""
    if skew_limit <= 0:
        return None
    values = _values(windows)
    chosen = []
    for f, skew in _skewed(values, skew_limit):
        x = values[:, f]
        lam = float(optimize.fminbound(lambda v: -stats.yeojohnson_llf(v, x), -LAMBDA_LIMIT, LAMBDA_LIMIT))
        chosen.append((f, lam, *_range(lam), skew))
    return FeatureWarp(*(tuple(c[i] for c in chosen) for i in range(5))) if chosen else None


def skewed_note(data, skew_limit: float) -> str | None:
    """The line that names ``data``'s (a :class:`~rgan.data.SequenceData`) features that a run with ``skew_limit``
    learns on a power scale (no exponent is fitted for it); None when there are none. The Data and Train pages
    show it."""
    found = skewed_features(data.windows, skew_limit)
    return describe_skewed(found, list(data.feature_names)) if found else None
