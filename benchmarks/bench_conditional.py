"""Conditional generation and long samples: TSTR vs TRTR on labelled UCR sets, drift of 10x-longer samples.

    python -m benchmarks.bench_conditional                         # everything (~30 min on 2 cores)
    python -m benchmarks.bench_conditional --part tstr --seconds 300
    python -m benchmarks.bench_conditional --part drift --drift-seconds 150 --unrolls 1 4

TSTR: train a conditional GAN for ``--seconds`` of CPU time (``--threads`` CPU threads) on ``italy_power_demand``
(label, 24 hourly values) and ``arrowhead`` (shape, 251 steps) from ``--data-dir``, make as many labelled
samples as there are real sequences (classes drawn with the training frequencies), and print the accuracy
of a GRU classifier trained on them and tested on held-out real sequences (TSTR) beside the same
classifier trained on the other real sequences (TRTR). Targets: TSTR >= 0.9 x TRTR (italy) and 0.8 x
(arrowhead).

Drift: train on Stocks and on a long sensor-like series (a made-up log with a daily cycle, AR(1) noise and a
second channel lagging the first), with each ``--unrolls`` value (1: G trained on seq_len windows only; k:
G runs k x seq_len steps and D judges a random window of it), sample sequences 10 x seq_len long and print
the discriminative score of windows cut from their start and from their end against real windows.
Target: end within 0.05 of start.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from rgan import metrics
from rgan.alloc import keep_freed_memory
from rgan.data import DataConfig, from_array, load_csv, load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TSTR_SETS = {  # name: (file, label column, seq_len, target ratio, model)
    "italy_power_demand": ("italy_power_demand.csv", "label", 24, 0.9, ModelConfig()),
    "arrowhead": ("arrowhead.csv", "shape", 251, 0.8, ModelConfig(g_hidden=48, d_hidden=48)),
}


def sensor_series(n_steps: int = 20_000, seed: int = 0) -> np.ndarray:
    """A long sensor-like log (T, 2): a daily cycle of 48 steps with drifting amplitude, AR(1) noise, and a
    second channel that follows the first two steps later, with its own noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    noise = np.zeros(n_steps)
    for i in range(1, n_steps):
        noise[i] = 0.9 * noise[i - 1] + 0.3 * rng.normal()
    amplitude = 5 + np.sin(2 * np.pi * t / 2000)
    temp = 20 + amplitude * np.sin(2 * np.pi * t / 48) + noise
    humid = 60 - 1.5 * np.roll(temp, 2) + rng.normal(0, 0.5, n_steps)
    return np.stack([temp, humid], axis=1)


def train_for(data, model: ModelConfig, train: TrainConfig, seconds: float) -> tuple[Trainer, int]:
    """Train until this process has used ``seconds`` of CPU time (all threads together): on a shared machine a
    wall-clock budget would measure the neighbours; on an idle one this is at most ``seconds`` of wall time."""
    trainer = Trainer(data, model, train)
    start = time.process_time()
    while time.process_time() - start < seconds:
        trainer.step()
    return trainer, trainer.step_count


def tstr_rows(args: argparse.Namespace) -> list[str]:
    rows = ["| data | classes | steps trained | TSTR | TRTR | TSTR / TRTR | target | per class TSTR / TRTR |",
            "|---|---|---|---|---|---|---|---|"]
    for name, (file, label, seq_len, target, model) in TSTR_SETS.items():
        if name not in args.sets:
            continue
        data = load_csv(Path(args.data_dir) / file, DataConfig(label_column=label, seq_len=seq_len), name=name)
        train = TrainConfig(batch_size=64, device="cpu", seed=args.seed)
        trainer, steps = train_for(data, model, train, args.seconds)
        fake, labels = trainer.sample(data.n_sequences, seed=args.seed, scaled=True, with_labels=True)
        res = metrics.tstr_accuracy(np.asarray(data.windows), data.labels, fake, labels,
                                    class_names=data.class_names, seed=args.seed, num_threads=args.threads)
        per = ", ".join(f"{k}: {v['tstr']:.2f} / {v['trtr']:.2f}" for k, v in res["per_class"].items())
        rows.append(f"| {name} | {data.n_classes} | {steps} | {res['tstr_accuracy']:.3f} | {res['trtr_accuracy']:.3f} "
                    f"| {res['tstr_ratio']:.2f} | >= {target} | {per} |")
        print(rows[-1], flush=True)
    return rows


def drift_rows(args: argparse.Namespace) -> list[str]:
    rows = ["| data | unroll | steps trained | disc. start | disc. end (of 10x) | end - start |",
            "|---|---|---|---|---|---|"]
    sets = {
        "stocks": load_dataset("stocks", seq_len=24),
        "sensor": from_array(sensor_series(seed=args.seed), ["temperature", "humidity"], DataConfig(seq_len=24),
                             name="sensor"),
    }
    for name, data in sets.items():
        real = np.asarray(data.windows, dtype=np.float32)
        real = real[np.random.default_rng(args.seed).choice(len(real), min(len(real), 2000), replace=False)]
        for unroll in args.unrolls:
            train = TrainConfig(device="cpu", seed=args.seed, unroll=unroll)
            trainer, steps = train_for(data, ModelConfig(), train, args.drift_seconds)
            long = trainer.sample(len(real), seed=args.seed + 1, scaled=True, length=10 * data.seq_len)
            start = metrics.discriminative_score(real, long[:, :data.seq_len], seed=args.seed, num_threads=args.threads)
            end = metrics.discriminative_score(real, long[:, -data.seq_len:], seed=args.seed, num_threads=args.threads)
            rows.append(f"| {name} | {unroll} | {steps} | {start:.3f} | {end:.3f} | {end - start:+.3f} |")
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("all", "tstr", "drift"), default="all")
    parser.add_argument("--seconds", type=float, default=300.0, help="training time per TSTR data set")
    parser.add_argument("--drift-seconds", type=float, default=150.0, help="training time per drift run")
    parser.add_argument("--unrolls", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--sets", nargs="+", default=list(TSTR_SETS), choices=list(TSTR_SETS), help="TSTR data sets")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    args = parser.parse_args()
    keep_freed_memory()
    torch.set_num_threads(args.threads)
    rows = []
    if args.part in ("all", "tstr"):
        rows += tstr_rows(args) + [""]
    if args.part in ("all", "drift"):
        rows += drift_rows(args)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
