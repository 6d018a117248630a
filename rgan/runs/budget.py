"""How much memory a run will take, estimated before it starts, so a run too big for the server is
refused with a sentence saying what to lower instead of being killed by the kernel mid-training.

The estimate counts float32 tensors:

- parameters of G and D, times 4 (weights, gradients and Adam's two moments), plus G's weight
  average (EMA) when it is on;
- activations autograd keeps for the backward pass: batch x seq_len x hidden x layers x a per-cell
  factor (the gates and their activations, the cell and hidden states); the D phase runs D on real
  and fake sequences as one batch of 2 x batch, and WGAN-GP's penalty (a gradient of D's gradient)
  keeps about twice that again;
- the real windows, kept as one array (and a tensor view of it) for the whole run;
- a fixed allowance for torch's per-thread workspaces.

``benchmarks/bench_run_memory.py`` measures the peak memory growth of real runs beside this estimate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rgan.models import ModelConfig
from rgan.train import TrainConfig

FLOAT_BYTES = 4
GATES = {"lstm": 4, "gru": 3}
OVERHEAD_MB = 110.0  # torch's per-run workspaces, thread stacks and allocator slack (measured, see above)


@dataclass(frozen=True)
class MemoryEstimate:
    """A run's estimated peak memory, in bytes, and what it is made of."""

    parameters: int  # weights, gradients, optimiser moments and G's weight average
    activations: int  # what autograd keeps for one training step's backward pass
    data: int  # the real windows
    overhead: int  # fixed per-run allowance
    batch_size: int
    seq_len: int
    hidden: int  # the larger of G's and D's hidden size
    layers: int  # the larger of G's and D's layer count

    @property
    def total(self) -> int:
        return self.parameters + self.activations + self.data + self.overhead

    @property
    def total_mb(self) -> float:
        return self.total / 2**20

    def shape_text(self) -> str:
        """What drives the estimate, e.g. "batch 4,096 × 2,000 time steps × 1,024 hidden × 6 layers"."""
        return (f"batch {self.batch_size:,} × {self.seq_len:,} time steps × {self.hidden:,} hidden × "
                f"{self.layers} layer{'s' if self.layers != 1 else ''}")


def format_bytes(n: float) -> str:
    """``5.2 GB``, ``310 MB``, ``0.4 MB``: one decimal above a gigabyte and below 10 MB."""
    mb = n / 2**20
    if mb >= 1024:
        return f"{mb / 1024:.1f} GB"
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


def rnn_parameters(cell: str, input_size: int, hidden: int, layers: int, directions: int = 1) -> int:
    """Parameters of a PyTorch ``nn.LSTM``/``nn.GRU`` (two bias vectors per gate block); ``directions`` 2 for a
    bidirectional one (each layer after the first reads both directions' states)."""
    gates = GATES[cell]
    total = 0
    for layer in range(layers):
        inputs = input_size if layer == 0 else hidden * directions
        total += directions * gates * hidden * (inputs + hidden + 2)
    return total


def _activation_floats(cell: str, hidden: int, layers: int) -> int:
    """Floats autograd keeps per sequence per time step for one recurrent stack (and its output layer).

    Per layer and step: the gate pre-activations and their activations (2 x gates x hidden), and the
    states around them (about 3 x hidden: cell or candidate, its tanh, the new hidden state).
    """
    return layers * hidden * (2 * GATES[cell] + 3) + hidden


def estimate_run_memory(model: ModelConfig, train: TrainConfig, n_sequences: int, seq_len: int,
                        n_features: int) -> MemoryEstimate:
    """Estimate the peak memory of training ``model`` with ``train`` on ``n_sequences`` windows of
    ``seq_len`` steps and ``n_features`` features.

    Args:
        model, train: the run's configurations.
        n_sequences, seq_len, n_features: the shape of the real windows ``(N, T, F)``.

    Returns:
        A :class:`MemoryEstimate`; ``.total`` is in bytes.
    """
    params_g = rnn_parameters(model.g_cell, model.generator_input_dim, model.g_hidden, model.g_layers)
    params_g += model.g_hidden * n_features + n_features
    d_ways = 2 if model.d_both_ways else 1
    params_d = rnn_parameters(model.d_cell, model.discriminator_input_dim(n_features), model.d_hidden,
                              model.d_layers, d_ways) + d_ways * model.d_hidden + 1
    ema = params_g if train.ema_decay > 0 else 0
    parameters = (4 * (params_g + params_d) + ema) * FLOAT_BYTES

    b, t = train.batch_size, seq_len
    t_g = t * getattr(train, "unroll", 1)  # G may run several windows long; D judges one window of it
    g_act = b * t_g * (_activation_floats(model.g_cell, model.g_hidden, model.g_layers) + model.generator_input_dim)
    d_act = b * t * (d_ways * _activation_floats(model.d_cell, model.d_hidden, model.d_layers)
                     + model.discriminator_input_dim(n_features))
    d_passes = 2 + (4 if train.loss == "wgan-gp" else 0)  # real + fake fused; the penalty's double backward (measured)
    activations = (g_act + d_passes * d_act) * FLOAT_BYTES

    data = 2 * n_sequences * seq_len * n_features * FLOAT_BYTES
    return MemoryEstimate(
        parameters=parameters, activations=activations, data=data, overhead=int(OVERHEAD_MB * 2**20),
        batch_size=b, seq_len=t_g, hidden=max(model.g_hidden, model.d_hidden),
        layers=max(model.g_layers, model.d_layers),
    )


def machine_memory_bytes() -> int:
    """Memory this process may use: the machine's RAM, or a container's (cgroup) limit when lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 * 2**30
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path, encoding="ascii") as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def check_run_memory(estimate: MemoryEstimate, limit_mb: float) -> None:
    """Refuse a run whose estimate is over ``limit_mb``.

    Raises:
        ValueError: over the limit; the message gives the estimate, the limit and what to lower.
    """
    if estimate.total_mb > limit_mb:
        raise ValueError(
            f"This run needs about {format_bytes(estimate.total)} ({estimate.shape_text()}); the limit is "
            f"{format_bytes(limit_mb * 2**20)}. Lower the batch size, the sequence length or the hidden size."
        )
