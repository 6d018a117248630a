"""The seed article's naive Keras sketch: its code, its defects (from ``text/defects.md``) and live demonstrations."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import torch

from rgan.dashboard import state
from rgan.dashboard.learn.loader import read_entries
from rgan.presets import TEACHING_SOURCE

_SEED_LINES = (  # (line, defects it shows); comments translated from the article's Chinese
    ("generator_input = Input(shape=(None, 1))  # 随机噪声输入 random-noise input", ""),
    ("x = LSTM(128)(generator_input)  # 循环层 recurrent layer", "2"),
    ("output = Dense(1, activation='sigmoid')(x)  # 全连接层 dense layer", "7"),
    ("generator = Model(generator_input, output)", ""),
    ("discriminator_input = Input(shape=(None, 1))", ""),
    ("x = LSTM(128)(discriminator_input)", "2"),
    ("output = Dense(1, activation='sigmoid')(x)", ""),
    ("discriminator = Model(discriminator_input, output)", ""),
    ("discriminator.compile(loss='binary_crossentropy', optimizer='adam')", ""),
    ("generator.compile(loss='binary_crossentropy', optimizer='adam')", "4, 5"),
    ("for epoch in range(10000):", ""),
    ("    noise = np.random.normal(0, 1, (100, 1))", "3, 6"),
    ("    generated_data = generator.predict(noise)", ""),
    ("    real_data = np.random.randint(0, 1, (100, 1))", "1"),
    ("    real_loss = discriminator.train_on_batch(real_data, np.ones((100, 1)))", ""),
    ("    fake_loss = discriminator.train_on_batch(generated_data, np.zeros((100, 1)))", ""),
    ("    generator.train_on_batch(noise, np.ones((100, 1)))", "4"),
)


def _display_width(text: str) -> int:
    """Columns a monospace font gives ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


SEED_CODE = "\n".join(line + " " * (80 - _display_width(line)) + f"# ({marks})" if marks else line
                       for line, marks in _SEED_LINES)


@dataclass(frozen=True)
class Defect:
    """One defect of the seed article's Keras sketch, with the line, what happens and the fix."""

    title: str
    wrong: str  # the offending code
    what_happens: str
    fix: str  # corrected code (Keras) and how RGAN Studio does it (PyTorch)
    demo: str | None = None  # name of a live demonstration in DEMOS


DEFECTS = tuple(Defect(title, **fields) for title, fields in read_entries("defects"))


def demo_randint() -> str:
    """Run the sketch's real-data line and report what it produced."""
    real_data = np.random.randint(0, 1, (100, 1))
    values, counts = np.unique(real_data, return_counts=True)
    found = ", ".join(f"{v} × {c}" for v, c in zip(values.tolist(), counts.tolist()))
    fixed = np.unique(np.random.randint(0, 2, (100, 1))).tolist()
    return (f"Live: `np.random.randint(0, 1, (100, 1))` just gave the values {{{found}}} — all zeros. "
            f"`randint(0, 2, …)` gives {fixed}.")


def demo_last_state() -> str:
    """Shapes of an LSTM's full output and of its last state only (what Keras returns by default)."""
    lstm = torch.nn.LSTM(1, 128, batch_first=True)
    with torch.no_grad():
        out, _ = lstm(torch.randn(100, 24, 1))  # (batch, time, features)
    return (f"Live: an LSTM run on noise of shape (100, 24, 1) gives every step, {tuple(out.shape)}; the last "
            f"state alone is {tuple(out[:, -1].shape)} — after Dense(1), one number per sequence, "
            f"{tuple(out[:, -1, :1].shape)}, instead of a sequence (100, 24, 1).")


def demo_scaling() -> str:
    """How much of the teaching data a bare sigmoid can never produce."""
    data = state.load_source(TEACHING_SOURCE)
    raw = data.real_units()  # (N, T, F) in [-1, 1]
    outside = float(np.mean((raw <= 0) | (raw >= 1)))
    return (f"Live: the sines used by the presets range from {raw.min():.2f} to {raw.max():.2f}; "
            f"{outside:.0%} of their values lie outside (0, 1), where a sigmoid cannot reach. After min-max "
            "scaling every value is in [0, 1] and the inverse brings samples back exactly.")


DEMOS = {"randint": demo_randint, "last_state": demo_last_state, "scaling": demo_scaling}
