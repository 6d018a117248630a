"""Measured peak memory of a few training steps beside the estimate that run budgets use.

Each size runs in a fresh process (the allocator setting the server uses is applied first): the peak
resident memory after building the trainer and training a few steps, minus the peak before (torch
imported, data loaded). The estimate (``rgan.runs.budget``) should be at or above the measurement and
not more than about twice it.

    python -m benchmarks.bench_run_memory
"""

from __future__ import annotations

import json
import subprocess
import sys

SIZES = [  # (cell, hidden, layers, batch, seq_len, loss)
    ("gru", 64, 1, 128, 24, "ns"),
    ("lstm", 128, 2, 256, 48, "ns"),
    ("gru", 256, 2, 256, 96, "ns"),
    ("lstm", 256, 3, 512, 96, "ns"),
    ("lstm", 512, 2, 256, 200, "ns"),
    ("gru", 128, 2, 256, 96, "wgan-gp"),
]

_CHILD = r"""
import json, resource, sys
import numpy as np, torch
from rgan.alloc import keep_freed_memory
keep_freed_memory()
from rgan.data import DataConfig, from_array
from rgan.models import ModelConfig
from rgan.runs.budget import estimate_run_memory
from rgan.train import TrainConfig, Trainer
cell, hidden, layers, batch, seq_len, loss = json.loads(sys.argv[1])
torch.set_num_threads(1)
x = np.sin(np.linspace(0, 400, 4000 + seq_len))[:, None] * np.ones((1, 3))
data = from_array(x.astype(np.float32), ["a", "b", "c"], DataConfig(seq_len=seq_len, stride=1))
model = ModelConfig(g_cell=cell, d_cell=cell, g_hidden=hidden, d_hidden=hidden, g_layers=layers, d_layers=layers)
train = TrainConfig(batch_size=batch, steps=3, loss=loss, device="cpu", overlap=False)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
trainer = Trainer(data, model, train)
for _ in range(3):
    trainer.step()
trainer.preview()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
est = estimate_run_memory(model, train, data.n_sequences, data.seq_len, data.n_features)
print(json.dumps({"measured_mb": (after - before) / 1024, "estimate_mb": est.total_mb}))
"""


def measure(size: tuple) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(size)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"{'cell':5} {'hidden':>6} {'layers':>6} {'batch':>6} {'seq_len':>7} {'loss':8} "
          f"{'measured MB':>11} {'estimate MB':>11} {'ratio':>6}")
    for size in SIZES:
        r = measure(size)
        ratio = r["estimate_mb"] / max(r["measured_mb"], 1e-9)
        cell, hidden, layers, batch, seq_len, loss = size
        print(f"{cell:5} {hidden:6d} {layers:6d} {batch:6d} {seq_len:7d} {loss:8} "
              f"{r['measured_mb']:11.0f} {r['estimate_mb']:11.0f} {ratio:6.2f}", flush=True)


if __name__ == "__main__":
    main()
