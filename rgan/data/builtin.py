"""Built-in data sets: four synthetic generators and the TimeGAN paper's Stocks CSV.

Every generator is a pure function of its arguments and a seed (numpy Generator), returning raw
values (N, T, F); `load_dataset` scales and wraps them as SequenceData.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rgan.data.loading import load_csv
from rgan.data.schema import DataConfig, DataError, SequenceData
from rgan.data.windows import from_array, max_window_values

STOCKS_CSV = Path(__file__).parent / "_files" / "stock_data.csv"


@dataclass(frozen=True)
class DatasetInfo:
    """A built-in data set as listed in the UI."""

    name: str  # key passed to load_dataset
    title: str  # short display title
    description: str  # one line: what the sequences are
    kind: str  # "synthetic" | "real"


_DATASETS = (
    DatasetInfo("sines", "Sines",
                "Sine waves, each feature with its own frequency and phase (TimeGAN benchmark; "
                "10,000 x 24 x 5 by default).", "synthetic"),
    DatasetInfo("ar", "AR processes",
                "Noisy AR(2) processes with random coefficients per sequence and feature.",
                "synthetic"),
    DatasetInfo("waves", "Square and sawtooth waves",
                "Square and sawtooth waves with random period, phase and amplitude, plus noise.",
                "synthetic"),
    DatasetInfo("regimes", "Regime switching",
                "Random walks whose drift and volatility switch between a calm and a turbulent "
                "regime (Markov chain).", "synthetic"),
    DatasetInfo("stocks", "Google stock",
                "Daily Google stock Open, High, Low, Close, Adj_Close and Volume, 3,685 days "
                "(TimeGAN benchmark).", "real"),
)

# default (n_samples, n_features) of each synthetic set
_DEFAULT_SIZES = {"sines": (10_000, 5), "ar": (5_000, 3), "waves": (5_000, 2), "regimes": (5_000, 2)}


def list_datasets() -> list[DatasetInfo]:
    """The built-in data sets.

    Returns:
        One DatasetInfo per data set, synthetic first, stocks last.
    """
    return list(_DATASETS)


def _sines(rng: np.random.Generator, n: int, seq_len: int, n_features: int) -> np.ndarray:
    """TimeGAN's sines: x[i, t, k] = sin(freq_ik * t + phase_ik), freq and phase ~ U(0, 0.1)."""
    freq = rng.uniform(0.0, 0.1, size=(n, 1, n_features))
    phase = rng.uniform(0.0, 0.1, size=(n, 1, n_features))
    t = np.arange(seq_len, dtype=np.float64)[None, :, None]  # (1, T, 1)
    return np.sin(freq * t + phase)  # (N, T, F)


def _ar(rng: np.random.Generator, n: int, seq_len: int, n_features: int) -> np.ndarray:
    """x_t = phi1 x_{t-1} + phi2 x_{t-2} + eps; coefficients inside the stationary region."""
    burn_in = 50  # forget the zero start
    phi1 = rng.uniform(0.3, 0.9, size=(n, n_features))
    phi2 = rng.uniform(-0.5, 0.05, size=(n, n_features))  # phi1 + phi2 < 1, |phi2| < 1: stationary
    sigma = rng.uniform(0.5, 1.5, size=(n, n_features))
    eps = rng.standard_normal((burn_in + seq_len, n, n_features)) * sigma
    x = np.zeros((burn_in + seq_len, n, n_features))
    for t in range(2, burn_in + seq_len):
        x[t] = phi1 * x[t - 1] + phi2 * x[t - 2] + eps[t]
    return x[burn_in:].transpose(1, 0, 2)  # (N, T, F)


def _waves(rng: np.random.Generator, n: int, seq_len: int, n_features: int) -> np.ndarray:
    """Even features are square waves, odd ones sawtooth; period 4..24 steps, small noise."""
    period = rng.uniform(4.0, 24.0, size=(n, 1, n_features))
    phase = rng.uniform(0.0, 1.0, size=(n, 1, n_features))
    amplitude = rng.uniform(0.5, 1.5, size=(n, 1, n_features))
    t = np.arange(seq_len, dtype=np.float64)[None, :, None]
    cycle = np.mod(t / period + phase, 1.0)  # position within the period, in [0, 1)
    square = np.where(cycle < 0.5, 1.0, -1.0)
    sawtooth = 2.0 * cycle - 1.0
    is_square = (np.arange(n_features) % 2 == 0)[None, None, :]
    clean = amplitude * np.where(is_square, square, sawtooth)
    return clean + 0.05 * rng.standard_normal(clean.shape)


def _regimes(rng: np.random.Generator, n: int, seq_len: int, n_features: int) -> np.ndarray:
    """Two-state Markov chain (calm: small drift/vol, turbulent: negative drift, high vol)."""
    stay = np.array([0.95, 0.85])  # probability of staying in regime 0 / 1
    drift = np.array([0.05, -0.10])
    vol = np.array([0.2, 1.0])
    regime = np.zeros((n, seq_len), dtype=np.int64)
    regime[:, 0] = rng.random(n) < 0.3
    switch = rng.random((n, seq_len))
    for t in range(1, seq_len):
        prev = regime[:, t - 1]
        regime[:, t] = np.where(switch[:, t] < stay[prev], prev, 1 - prev)
    steps = drift[regime][..., None] + vol[regime][..., None] * rng.standard_normal((n, seq_len, n_features))
    return np.cumsum(steps, axis=1)  # (N, T, F)


_GENERATORS = {"sines": _sines, "ar": _ar, "waves": _waves, "regimes": _regimes}


def load_dataset(name: str, seq_len: int = 24, n_samples: int | None = None,
                 n_features: int | None = None, seed: int = 0, stride: int = 1) -> SequenceData:
    """Load a built-in data set as SequenceData scaled to [0, 1].

    Args:
        name: one of the names in `list_datasets()`.
        seq_len: steps per sequence.
        n_samples: number of sequences (synthetic) or at most this many windows (stocks);
            None for the default.
        n_features: features per step (synthetic) or the first n columns (stocks); None for default.
        seed: random seed; the same arguments give the same data.
        stride: steps between window starts (stocks only).

    Returns:
        SequenceData; frame is None for synthetic sets and the parsed table for stocks.

    Raises:
        DataError: for an unknown name, invalid sizes, or sizes over ``max_window_values()`` values.
    """
    names = [d.name for d in _DATASETS]
    if name not in names:
        raise DataError(f"Unknown dataset '{name}'; available: {', '.join(names)}.")
    for label, value in (("n_samples", n_samples), ("n_features", n_features)):
        if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
            raise DataError(f"{label} must be a positive whole number; got {value!r}.")
    info = next(d for d in _DATASETS if d.name == name)
    if name == "stocks":
        return _stocks(seq_len, n_samples, n_features, stride, info)
    config = DataConfig(seq_len=seq_len, stride=stride)  # validates seq_len and stride
    default_n, default_f = _DEFAULT_SIZES[name]
    n, n_feat = int(n_samples or default_n), int(n_features or default_f)
    total, cap = n * seq_len * n_feat, max_window_values()
    if total > cap:  # refuse before the generator allocates (N, T, F)
        raise DataError(
            f"{n:,} sequences x {seq_len} steps x {n_feat} features are {total:,} values, over the limit of "
            f"{cap:,}; ask for at most {max(cap // (seq_len * n_feat), 1):,} sequences (or raise RGAN_MAX_WINDOW_VALUES)."
        )
    rng = np.random.default_rng(seed)
    x = _GENERATORS[name](rng, n, seq_len, n_feat)  # (N, T, F)
    data = from_array(x, [f"x{k + 1}" for k in range(n_feat)], config, name=name,
                      report_notes=(info.description, f"seed {seed}"))
    data.report.layout_reason = f"built-in synthetic data set ({n:,} sequences)"
    return data


def _stocks(seq_len: int, n_samples: int | None, n_features: int | None, stride: int,
            info: DatasetInfo) -> SequenceData:
    columns = ("Open", "High", "Low", "Close", "Adj_Close", "Volume")
    if n_features is not None and n_features > len(columns):
        raise DataError(f"The stocks data set has {len(columns)} features; got n_features={n_features}.")
    features = columns[: n_features or len(columns)]
    config = DataConfig(layout="time_rows", seq_len=seq_len, stride=stride, features=features)
    data = load_csv(STOCKS_CSV, config, name="stocks")
    data.report.notes.append(info.description)
    data.report.layout_reason = "built-in daily price table: rows are trading days, windows slide along them"
    if n_samples is not None:
        data.windows = data.windows[: int(n_samples)]
    return data
