"""Recurrent generator and discriminator.

Both networks are a stack of LSTM or GRU layers followed by a linear read-out applied at every time
step. Tensors are batch-first: ``(B, T, F)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

CELLS = ("lstm", "gru")
G_OUTPUTS = ("levels", "changes")


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the generator (G) and the discriminator (D); each is configured on its own."""

    # What checkpoints and run files written before a field existed meant (see rgan.configs.config_from_dict).
    STORED_BEFORE: ClassVar[dict[str, object]] = {"g_output": "levels", "d_diffs": False, "patch": 1, "burn_in": 0,
                                                  "d_both_ways": False, "g_margin": 0.0}

    noise_dim: int = 8  # per-step noise features fed to G at every time step
    static_noise_dim: int = 8  # per-sequence noise repeated at every step (0 = off); eases sequence-level traits
    g_cell: str = "gru"  # G's recurrent cell: "lstm" or "gru"
    g_hidden: int = 64  # hidden units per G layer
    g_layers: int = 2  # stacked recurrent layers in G
    d_cell: str = "gru"  # D's recurrent cell: "lstm" or "gru"
    d_hidden: int = 64  # hidden units per D layer
    d_layers: int = 1  # stacked recurrent layers in D
    d_per_step: bool = True  # True: one realness logit per time step (RCGAN); False: one per sequence
    n_classes: int = 0  # label classes to condition on (0 = unconditional); G and D both see the label
    label_dim: int = 8  # size of the label embedding put beside G's noise and D's input at every step
    g_output: str = "levels"  # "levels": G writes each step's value; "changes": G writes a first value, then changes summed onto it
    d_diffs: bool = True  # D also sees each step's change from the previous step, scaled to the data's typical change
    patch: int = 1  # time steps per recurrent cell step in G and D: G writes, D reads, this many at a time (long windows)
    position: int = 0  # > 0: G and D see where each step lies in a whole sequence of this many steps (0 = off)
    burn_in: int = 6  # G's cells run this many times on noise of their own before the first that writes (0 = off)
    d_both_ways: bool = False  # D also reads each window backwards: every step's verdict sees the whole window
    g_margin: float = 0.0  # G's levels span -m to 1 + m, the data's 0 and 1 at finite logits (0 = off; the recipe sets 0.1 where values crowd the ends)

    def __post_init__(self) -> None:
        for name in ("g_cell", "d_cell"):
            value = getattr(self, name)
            if value not in CELLS:
                raise ValueError(f"{name} must be one of {CELLS}, got {value!r}.")
        for name in ("noise_dim", "g_hidden", "g_layers", "d_hidden", "d_layers", "patch"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        for name in ("n_classes", "label_dim", "position", "burn_in"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}.")
        if self.g_output not in G_OUTPUTS:
            raise ValueError(f"g_output must be one of {G_OUTPUTS}, got {self.g_output!r}.")
        for name in ("d_diffs", "d_both_ways"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        if isinstance(self.g_margin, bool) or not isinstance(self.g_margin, (int, float)) or not 0 <= self.g_margin <= 1:
            raise ValueError(f"g_margin must be a number from 0 to 1, got {self.g_margin!r}.")
        if not isinstance(self.static_noise_dim, int) or self.static_noise_dim < 0:
            raise ValueError(f"static_noise_dim must be an integer >= 0, got {self.static_noise_dim!r}.")

    @property
    def burn_in_steps(self) -> int:
        """Noise steps G reads before the first step it writes: ``burn_in`` cells of ``patch`` steps."""
        return self.burn_in * self.patch

    @property
    def generator_input_dim(self) -> int:
        return self.noise_dim + self.static_noise_dim + self.condition_dim + self.position_dim

    def discriminator_input_dim(self, n_features: int) -> int:
        """Features D reads per cell step: the values (and their changes, with ``d_diffs``) of its ``patch``
        time steps, the label's embedding and, with ``position``, the step's place."""
        return n_features * (2 if self.d_diffs else 1) * self.patch + self.condition_dim + self.position_dim

    @property
    def position_dim(self) -> int:
        """Features the step's place adds to each cell step's input (0 when ``position`` is off)."""
        return POSITION_FEATURES if self.position else 0

    @property
    def condition_dim(self) -> int:
        """Features the label adds to each step's input (0 when unconditional)."""
        return self.label_dim if self.n_classes else 0


class _LabelEmbedding(nn.Module):
    """Class index ``(B,)`` -> a learned vector repeated at every step ``(B, T, label_dim)`` (RCGAN's
    conditioning: the label sits beside each step's input). Without labels, the mean of the class vectors:
    the networks' teaching views (D's verdict on any sequence) still run on a conditional model."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.table = nn.Embedding(config.n_classes, config.label_dim)

    def forward(self, labels: torch.Tensor | None, batch: int, steps: int) -> torch.Tensor:
        if labels is None:
            vec = self.table.weight.mean(dim=0, keepdim=True).expand(batch, -1)  # (B, label_dim)
        else:
            vec = self.table(labels)  # (B, label_dim)
        return vec[:, None, :].expand(-1, steps, -1)  # (B, T, label_dim)


def _with_label(embed: _LabelEmbedding | None, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """``x (B, T, C)`` with the label's embedding appended to each step, ``(B, T, C + label_dim)``."""
    if embed is None:
        return x
    return torch.cat([x, embed(labels, x.shape[0], x.shape[1])], dim=-1)


POSITION_FEATURES = 7  # the place t / position, and sin and cos of pi x 1, 2, 3 times it


def _with_position(x: torch.Tensor, length: int, k: int, first: int = 0) -> torch.Tensor:
    """``x (B, S, C)``, one row per cell step of ``k`` time steps, with each cell's place in a sequence of
    ``length`` steps appended: ``(B, S, C + 7)``. The place of cell ``s`` is ``u = s k / length`` (0 at the
    first step, just under 1 at the last), given as ``u`` and ``sin``, ``cos`` of ``pi j u`` for j = 1, 2, 3, so a
    recurrent network need not count hundreds of steps to know where it is (an arrowhead outline of 251 steps
    has its peaks at fixed places). Past ``length`` the features carry on: longer samples extrapolate. Rows
    before ``first`` (G's burn-in) are places before the start (u < 0)."""
    u = (torch.arange(x.shape[1], device=x.device, dtype=x.dtype) - first) * (k / length)  # (S,)
    waves = [f(math.pi * j * u) for j in (1, 2, 3) for f in (torch.sin, torch.cos)]
    place = torch.stack([u, *waves], dim=-1)  # (S, 7)
    return torch.cat([x, place.expand(x.shape[0], -1, -1)], dim=-1)


def _rnn(cell: str, input_size: int, hidden: int, layers: int, both_ways: bool = False) -> nn.Module:
    kind = nn.LSTM if cell == "lstm" else nn.GRU
    return kind(input_size, hidden, num_layers=layers, batch_first=True, bidirectional=both_ways)


CHANGE_SCALE = 0.05  # g_output "changes": G's read-out times this is one step's change (data scaled to [0, 1])


class Generator(nn.Module):
    """Noise sequence ``(B, T, noise)`` -> sequence ``(B, T, F)`` with values in (0, 1).

    The sigmoid output matches data min-max scaled to [0, 1] (the seed article's sketch ended in a
    sigmoid but never scaled its data, so real and fake lived on different ranges).
    """

    def __init__(self, n_features: int, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.rnn = _rnn(config.g_cell, config.generator_input_dim, config.g_hidden, config.g_layers)
        self.out = nn.Linear(config.g_hidden, n_features * config.patch)
        self.label = _LabelEmbedding(config) if config.n_classes else None

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``z (B, T, noise + static)`` and, when conditional, class indices ``labels (B,)`` -> ``(B, T, F)``.

        Any T works: the recurrent state carries on past the training length. With ``patch`` k, each cell
        step reads the noise of the first of its k steps and writes all k of them. With ``burn_in`` b, the first
        ``b k`` steps of ``z`` are read and not written: the output has ``T - b k`` steps (``draw_noise`` draws
        them), and no sample starts from the blank state. Sines' first steps came out bent without it (second
        differences spread 12 times the real ones); 6 cells of burn-in alone left 8.5 times (mostly D's blind spot
        at the start), with the change loss as well 4-6 times: the default since session 21, the pair
        (benchmarks/results/session21_2026-12-06.md).
        """
        burn, k = self.config.burn_in, self.config.patch
        steps = z.shape[1] - burn * k
        if steps < 1:
            raise ValueError(f"G needs more than its {burn * k} burn-in steps of noise, got {z.shape[1]}.")
        z = z[:, ::k]  # (B, burn + ceil(T/k), noise + static)
        if self.config.position:
            z = _with_position(z, self.config.position, k, first=burn)
        h, _ = self.rnn(_with_label(self.label, z, labels))  # (B, burn + ceil(T/k), H)
        h = h[:, burn:]  # (B, ceil(T/k), H)
        out = self.out(h).reshape(z.shape[0], -1, self.out.out_features // self.config.patch)[:, :steps]  # (B, T, F)
        if self.config.g_output == "levels":
            margin = self.config.g_margin  # the sigmoid's flat ends lie beyond the data's 0 and 1 by this much
            return torch.sigmoid(out) * (1 + 2 * margin) - margin if margin else torch.sigmoid(out)
        # "changes": the first step is a level in (0, 1); every later step adds a change to the one before
        first = torch.sigmoid(out[:, :1])  # (B, 1, F)
        changes = CHANGE_SCALE * out[:, 1:]  # (B, T-1, F)
        return torch.cat([first, first + changes.cumsum(dim=1)], dim=1)


def _cell_inputs(x: torch.Tensor, diff_scale: torch.Tensor | None, k: int) -> torch.Tensor:
    """What a reading network's cells see of ``x (B, T, F)``: each step's values, and with ``diff_scale`` (F,)
    also their change from the step before times that scale; ``k`` steps per cell, the last step repeated to
    fill the last cell: ``(B, ceil(T/k), k * C)``, C = F or 2F."""
    if diff_scale is not None:
        changes = torch.cat([torch.zeros_like(x[:, :1]), x.diff(dim=1)], dim=1) * diff_scale  # (B, T, F)
        x = torch.cat([x, changes], dim=-1)  # (B, T, 2F)
    batch, steps = x.shape[0], x.shape[1]
    if k > 1:
        x = torch.cat([x, x[:, -1:].expand(-1, (-steps) % k, -1)], dim=1).reshape(batch, -1, k * x.shape[2])
    return x


class Discriminator(nn.Module):
    """Sequence ``(B, T, F)`` -> realness logits ``(B, T)`` (per step) or ``(B, 1)`` (per sequence).

    With ``d_both_ways`` a second stack reads the window from its end (a bidirectional RNN) and each verdict
    reads both states: the first steps are judged with the whole window as context, where a forward reader's
    first verdicts rest on one or two values (G could bend its first steps unseen).
    """

    def __init__(self, n_features: int, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.rnn = _rnn(config.d_cell, config.discriminator_input_dim(n_features), config.d_hidden, config.d_layers,
                        both_ways=config.d_both_ways)
        self.out = nn.Linear(config.d_hidden * (2 if config.d_both_ways else 1), 1)
        self.label = _LabelEmbedding(config) if config.n_classes else None
        if config.d_diffs:  # 1 / typical change per feature, set from the data by the trainer (saved with D)
            self.register_buffer("diff_scale", torch.ones(n_features))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        steps, k = x.shape[1], self.config.patch
        x = _cell_inputs(x, self.diff_scale if self.config.d_diffs else None, k)  # (B, ceil(T/k), k * C)
        if self.config.position:
            x = _with_position(x, self.config.position, k)
        h, _ = self.rnn(_with_label(self.label, x, labels))  # (B, ceil(T/k), H), H = 2 x d_hidden both ways
        if not self.config.d_per_step:  # judge the whole sequence from its last state (both ways: each one's last)
            hid = self.config.d_hidden
            h = torch.cat([h[:, -1:, :hid], h[:, :1, hid:]], dim=-1) if self.config.d_both_ways else h[:, -1:, :]
        logits = self.out(h).squeeze(-1)  # (B, ceil(T/k)) or (B, 1): logits, not probabilities
        if k > 1 and self.config.d_per_step:  # one verdict per step, each cell's for its k steps
            logits = logits.repeat_interleave(k, dim=1)[:, :steps]  # (B, T)
        return logits


CRITIC_CELLS = 32  # the class critic reads a window in about this many cell steps, however long it is


class ClassCritic(nn.Module):
    """Sequence ``(B, T, F)`` -> class logits ``(B, C)``: a GRU reading each step's values and changes,
    ``ceil(T / CRITIC_CELLS)`` steps per cell, classifying from the mean of its states.

    Trained on real labelled windows beside D; G is then asked to make windows it puts in their own class
    (as the auxiliary classifier of AC-GAN, but fitted on real windows only). On ``arrowhead`` (251 steps) this
    reader reached 0.88 accuracy on held-out real series where one cell per step reached 0.75 and an LSTM
    0.81 (benchmarks/results/session12_2026-12-05.md).
    """

    def __init__(self, n_features: int, n_classes: int, seq_len: int, hidden: int = 48) -> None:
        super().__init__()
        self.patch = max(1, math.ceil(seq_len / CRITIC_CELLS))
        self.rnn = nn.GRU(2 * n_features * self.patch, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_classes)
        self.register_buffer("diff_scale", torch.ones(n_features))  # set from the data, as D's

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(_cell_inputs(x, self.diff_scale, self.patch))  # (B, ceil(T/k), H)
        return self.out(h.mean(dim=1))  # (B, C)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
