"""Recurrent generator and discriminator.

Both networks are a stack of LSTM or GRU layers followed by a linear read-out applied at every time
step. Tensors are batch-first: ``(B, T, F)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

CELLS = ("lstm", "gru")


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the generator (G) and the discriminator (D); each is configured on its own."""

    noise_dim: int = 8  # per-step noise features fed to G at every time step
    static_noise_dim: int = 8  # per-sequence noise repeated at every step (0 = off); eases sequence-level traits
    g_cell: str = "gru"  # G's recurrent cell: "lstm" or "gru"
    g_hidden: int = 64  # hidden units per G layer
    g_layers: int = 2  # stacked recurrent layers in G
    d_cell: str = "gru"  # D's recurrent cell: "lstm" or "gru"
    d_hidden: int = 64  # hidden units per D layer
    d_layers: int = 1  # stacked recurrent layers in D
    d_per_step: bool = True  # True: one realness logit per time step (RCGAN); False: one per sequence

    def __post_init__(self) -> None:
        for name in ("g_cell", "d_cell"):
            value = getattr(self, name)
            if value not in CELLS:
                raise ValueError(f"{name} must be one of {CELLS}, got {value!r}.")
        for name in ("noise_dim", "g_hidden", "g_layers", "d_hidden", "d_layers"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if not isinstance(self.static_noise_dim, int) or self.static_noise_dim < 0:
            raise ValueError(f"static_noise_dim must be an integer >= 0, got {self.static_noise_dim!r}.")

    @property
    def generator_input_dim(self) -> int:
        return self.noise_dim + self.static_noise_dim


def _rnn(cell: str, input_size: int, hidden: int, layers: int) -> nn.Module:
    kind = nn.LSTM if cell == "lstm" else nn.GRU
    return kind(input_size, hidden, num_layers=layers, batch_first=True)


class Generator(nn.Module):
    """Noise sequence ``(B, T, noise)`` -> sequence ``(B, T, F)`` with values in (0, 1).

    The sigmoid output matches data min-max scaled to [0, 1] (the seed article's sketch ended in a
    sigmoid but never scaled its data, so real and fake lived on different ranges).
    """

    def __init__(self, n_features: int, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.rnn = _rnn(config.g_cell, config.generator_input_dim, config.g_hidden, config.g_layers)
        self.out = nn.Linear(config.g_hidden, n_features)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(z)  # (B, T, H): return every step, not only the last one
        return torch.sigmoid(self.out(h))  # (B, T, F)


class Discriminator(nn.Module):
    """Sequence ``(B, T, F)`` -> realness logits ``(B, T)`` (per step) or ``(B, 1)`` (per sequence)."""

    def __init__(self, n_features: int, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.rnn = _rnn(config.d_cell, n_features, config.d_hidden, config.d_layers)
        self.out = nn.Linear(config.d_hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(x)  # (B, T, H)
        if not self.config.d_per_step:
            h = h[:, -1:, :]  # (B, 1, H): judge the whole sequence from its last state
        return self.out(h).squeeze(-1)  # (B, T) or (B, 1): logits, not probabilities


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
