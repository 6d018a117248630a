"""Conditional generation and long samples: TSTR vs TRTR on labelled UCR sets, drift of 10x-longer samples.

    python -m benchmarks.bench_conditional                         # everything, seeds 0 1 2 (~90 min on 2 cores)
    python -m benchmarks.bench_conditional --part tstr --seconds 300
    python -m benchmarks.bench_conditional --part drift --drift-seconds 150 --unrolls 1 4

TSTR: train a conditional GAN for ``--seconds`` (wall clock, or CPU time with ``--clock cpu``; ``--threads``
CPU threads), once per seed in ``--seeds``, on ``italy_power_demand``
(label, 24 hourly values) and ``arrowhead`` (shape, 251 steps) from ``--data-dir`` with the data's recipe
(as ``rgan train``; ``--recipe standard`` skips it; the GAN sees only the real sequences the classifier
trains TRTR on, never the held-out test ones, unless ``--fit-on-all``), make as many labelled samples as
there are real sequences (classes drawn with the training frequencies), and print the accuracy of a
convolutional classifier trained on them and tested on held-out real sequences (TSTR) beside the same
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
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from rgan import metrics
from rgan.alloc import keep_freed_memory
from rgan.data import DataConfig, from_array, load_csv, load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.recipe import describe, recipe_for

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TSTR_SETS = {  # name: (file, label column, seq_len, target ratio, model)
    "italy_power_demand": ("italy_power_demand.csv", "label", 24, 0.9, ModelConfig()),
    # LSTM: on 251 steps PyTorch's CPU LSTM runs 8.9 steps/s at 48 units where the GRU runs 5.0
    "arrowhead": ("arrowhead.csv", "shape", 251, 0.8, ModelConfig(g_cell="lstm", d_cell="lstm", g_hidden=48,
                                                                  d_hidden=48)),
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


def train_for(data, model: ModelConfig, train: TrainConfig, seconds: float, clock: str,
              steps: int = 0) -> tuple[Trainer, int]:
    """Train for ``seconds``: of wall-clock time (``clock="wall"``, on a quiet machine), or of this process's
    CPU time, all threads together (``"cpu"``: on a shared machine a wall-clock budget would measure the
    neighbours); or, with ``steps``, for that many steps (a screen that a busy machine cannot bias)."""
    trainer = Trainer(data, model, train)
    now = time.monotonic if clock == "wall" else time.process_time
    start = now()
    while trainer.step_count < steps if steps else now() - start < seconds:
        trainer.step()
    return trainer, trainer.step_count


def _spread(values: list[float]) -> str:
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"


def tstr_rows(args: argparse.Namespace) -> list[str]:
    rows = ["| data | seed | classes | steps trained | TSTR | TRTR | TSTR / TRTR | target | per class TSTR / TRTR |",
            "|---|---|---|---|---|---|---|---|---|"]
    summary = []
    for name, (file, label, seq_len, target, model) in TSTR_SETS.items():
        if name not in args.sets:
            continue
        data = load_csv(Path(args.data_dir) / file, DataConfig(label_column=label, seq_len=seq_len), name=name)
        ratios = []
        for seed in args.seeds:
            train = replace(TrainConfig(batch_size=64, device="cpu", seed=seed), **json.loads(args.train))
            model = replace(model, **json.loads(args.model))
            if args.patch is not None:
                model = replace(model, patch=args.patch)
            seen = data
            if not args.fit_on_all:  # G never sees the real sequences TSTR tests on
                keep = ~metrics.tstr_split(data.labels, seed=seed)
                seen = replace(data, windows=np.asarray(data.windows)[keep], labels=data.labels[keep])
            run_model, made = model, {}
            if args.recipe == "auto":  # as the CLI and the app do: the recipe for the data's size
                recipe = recipe_for(seen)
                run_model, train, made = recipe.apply(model, train)
                if seed == args.seeds[0]:
                    print(describe(recipe, made), flush=True)
            trainer, steps = train_for(seen, run_model, train, args.seconds, args.clock)
            fake, labels = trainer.sample(data.n_sequences, seed=seed, scaled=True, with_labels=True)
            res = metrics.tstr_accuracy(np.asarray(data.windows), data.labels, fake, labels,
                                        class_names=data.class_names, seed=seed, num_threads=args.threads)
            ratios.append(res["tstr_ratio"])
            per = ", ".join(f"{k}: {v['tstr']:.2f} / {v['trtr']:.2f}" for k, v in res["per_class"].items())
            rows.append(f"| {name} (patch {run_model.patch}) | {seed} | {data.n_classes} | {steps} | {res['tstr_accuracy']:.3f} "
                        f"| {res['trtr_accuracy']:.3f} | {res['tstr_ratio']:.2f} | >= {target} | {per} |")
            print(rows[-1], flush=True)
        met = sum(r >= target for r in ratios)
        summary.append(f"{name}: TSTR / TRTR {_spread(ratios)} over seeds {args.seeds}; "
                       f">= {target} on {met} of {len(ratios)}")
    return rows + [""] + summary


def drift_rows(args: argparse.Namespace) -> list[str]:
    rows = ["| data | unroll | unrolled after | seed | steps trained | disc. start | disc. end (of 10x) | end - start |",
            "|---|---|---|---|---|---|---|---|"]
    sets = {
        "stocks": lambda seed: load_dataset("stocks", seq_len=24),
        "sensor": lambda seed: from_array(sensor_series(seed=seed), ["temperature", "humidity"],
                                          DataConfig(seq_len=24), name="sensor"),
    }
    summary = []
    for name in args.drift_sets:
        for unroll in args.unrolls:
            gaps = []
            for seed in args.seeds:
                data = sets[name](seed)
                real = np.asarray(data.windows, dtype=np.float32)
                real = real[np.random.default_rng(seed).choice(len(real), min(len(real), 2000), replace=False)]
                after = args.unroll_after if unroll > 1 else 0
                train = replace(TrainConfig(device="cpu", seed=seed, unroll=unroll, unroll_after=after),
                                **json.loads(args.train))
                trainer, steps = train_for(data, ModelConfig(), train, args.drift_seconds, args.clock, args.drift_steps)
                long = trainer.sample(len(real), seed=seed + 1, scaled=True, length=10 * data.seq_len)
                # one classifier's score swings by ~0.07 (benchmarks/results/session10): average several
                pairs = [metrics.start_end_scores(real, long, seed=seed + 1000 * r, num_threads=args.threads)
                         for r in range(args.classifier_seeds)]
                start, end = np.mean(pairs, axis=0)
                gaps.append(end - start)
                rows.append(f"| {name} | {unroll} | {after} | {seed} | {steps} | {start:.3f} | {end:.3f} "
                            f"| {end - start:+.3f} |")
                print(rows[-1], flush=True)
            met = sum(abs(g) <= 0.05 for g in gaps)
            summary.append(f"{name}, unroll {unroll} after {args.unroll_after if unroll > 1 else 0}: end - start {_spread(gaps)}; within 0.05 on {met} of {len(gaps)}")
    return rows + [""] + summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("all", "tstr", "drift"), default="all")
    parser.add_argument("--seconds", type=float, default=300.0, help="training time per TSTR run")
    parser.add_argument("--drift-seconds", type=float, default=300.0, help="training time per drift run")
    parser.add_argument("--drift-steps", type=int, default=0, help="train drift runs this many steps instead of "
                        "--drift-seconds (screens on a busy machine)")
    parser.add_argument("--unrolls", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--unroll-after", type=int, default=TrainConfig.unroll_after, help="drift runs with unroll > 1: "
                        "steps on single windows before G runs unrolled (default: TrainConfig's)")
    parser.add_argument("--classifier-seeds", type=int, default=3, help="post-hoc classifiers averaged per drift score")
    parser.add_argument("--sets", nargs="+", default=list(TSTR_SETS), choices=list(TSTR_SETS), help="TSTR data sets")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--patch", type=int, default=None,
                        help="time steps per recurrent cell step in the TSTR runs (default: each set's own)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--drift-sets", nargs="+", default=["stocks", "sensor"], choices=["stocks", "sensor"])
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="budgets in wall-clock seconds (quiet machine) or CPU seconds of this process")
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    parser.add_argument("--recipe", choices=("auto", "standard"), default="auto", help="TSTR runs: auto applies "
                        "the recipe for the data (as `rgan train` does; arrowhead: no shape loss, a class critic)")
    parser.add_argument("--fit-on-all", action="store_true", help="TSTR: train the GAN on every real sequence, "
                        "the held-out test ones included (the protocol before 2026-12-05's session 12)")
    parser.add_argument("--model", default="{}", help='TSTR runs: ModelConfig changes as JSON, e.g. \'{"d_hidden": 96}\'')
    parser.add_argument("--train", default="{}", help='TrainConfig changes as JSON, e.g. \'{"shape_weight": 1}\'')
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
