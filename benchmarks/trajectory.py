"""Screen one training configuration by its trajectory: scores every ``--every`` steps of one run.

A single end-of-run score hides whether a recipe is still improving, has settled or is drifting away;
this prints levels and first-difference discriminative scores (each the mean over ``--classifier-seeds``
post-hoc classifiers), the generated / real spread of the differences and the roughness (spread of second
differences, generated / real) at every check. Budgets are in steps, so two screens can share a busy
machine fairly (one thread each).

    python -m benchmarks.trajectory --dataset sines --steps 3000 --every 1000 --train '{"diff_moment": true}'
    python -m benchmarks.trajectory --dataset stocks --seed 1 --model '{"static_noise_dim": 16}'
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np
import torch

from rgan.alloc import keep_freed_memory
from rgan.data import load_dataset
from rgan.metrics import differenced_pair, discriminative_score
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train import trainer as trainer_module


def shape_figures(real: np.ndarray, fake: np.ndarray) -> tuple[float, float]:
    """Spread of first differences and of second differences (roughness), each generated / real."""
    spread = np.diff(fake, axis=1).std() / max(np.diff(real, axis=1).std(), 1e-9)
    rough = np.diff(fake, 2, axis=1).std() / max(np.diff(real, 2, axis=1).std(), 1e-9)
    return float(spread), float(rough)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="sines")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="{}", help="ModelConfig changes as JSON")
    parser.add_argument("--train", default="{}", help="TrainConfig changes as JSON")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--change-spread", type=float, default=None, help="D's view of changes (default: trainer's)")
    parser.add_argument("--classifier-seeds", type=int, default=2)
    parser.add_argument("--eval-n", type=int, default=1000)
    parser.add_argument("--name", default="")
    args = parser.parse_args()
    keep_freed_memory()
    torch.set_num_threads(args.threads)
    if args.change_spread is not None:
        trainer_module.CHANGE_SPREAD = args.change_spread
    data = load_dataset(args.dataset, seq_len=24)
    model = replace(ModelConfig(), **json.loads(args.model))
    train = replace(TrainConfig(device="cpu", seed=args.seed), **json.loads(args.train))
    trainer = Trainer(data, model, train)
    windows = np.asarray(data.windows)
    rng = np.random.default_rng(args.seed)
    real = windows[rng.choice(len(windows), min(args.eval_n, len(windows)), replace=False)]
    seconds = 0.0
    name = args.name or f"{args.dataset} {args.model} {args.train}"
    while trainer.step_count < args.steps:
        start = time.perf_counter()
        trainer.step()
        seconds += time.perf_counter() - start
        if trainer.step_count % args.every:
            continue
        fake = trainer.sample(len(real), seed=args.seed, scaled=True)
        seeds = range(args.classifier_seeds)
        levels = np.mean([discriminative_score(real, fake, seed=s) for s in seeds])
        diffs = np.mean([discriminative_score(*differenced_pair(real, fake), seed=s) for s in seeds])
        spread, rough = shape_figures(real, fake)
        print(f"{name} | seed {args.seed} | step {trainer.step_count} | {seconds:.0f} s | levels {levels:.3f} | "
              f"differences {diffs:.3f} | spread of differences {spread:.2f} | roughness {rough:.2f}", flush=True)


if __name__ == "__main__":
    main()
