"""Compare training configurations on sines by the discriminative score after a fixed time budget.

Each configuration trains in its own process on ``--threads`` CPU threads, so several run side by
side on a many-core machine. Used to choose the default configuration.

    python -m benchmarks.sweep --budget 180 --parallel 7 [--only default,plain]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from dataclasses import replace

CONFIGS: dict[str, tuple[dict, dict]] = {
    "default": ({}, {}),
    "plain": ({"static_noise_dim": 0}, {"moment_weight": 0.0, "ema_decay": 0.0}),
    "no-ema": ({}, {"ema_decay": 0.0}),
    "no-static": ({"static_noise_dim": 0}, {}),
    "no-moment": ({}, {"moment_weight": 0.0}),
    "lstm": ({"g_cell": "lstm", "d_cell": "lstm"}, {}),
    "small": ({"g_hidden": 32, "d_hidden": 32, "g_layers": 1}, {}),
    "lr1e-3": ({}, {"lr_g": 1e-3, "lr_d": 1e-3}),
    "small-lr1e-3": ({"g_hidden": 32, "d_hidden": 32, "g_layers": 1}, {"lr_g": 1e-3, "lr_d": 1e-3}),
    "lr5e-4": ({}, {"lr_g": 5e-4, "lr_d": 5e-4}),
    "per-seq-D": ({"d_per_step": False}, {}),
    "moment5": ({}, {"moment_weight": 5.0}),
    "batch64": ({}, {"batch_size": 64}),
    "wgan-gp": ({}, {"loss": "wgan-gp", "beta1": 0.0, "d_steps": 3, "lr_g": 2e-4, "lr_d": 2e-4}),
    "smooth0.1": ({}, {"label_smoothing": 0.1}),
    "big": ({"g_hidden": 128, "d_hidden": 128}, {}),
    "d2layers": ({"d_layers": 2}, {}),
    "dsteps2": ({}, {"d_steps": 2}),
    "ema99": ({}, {"ema_decay": 0.99}),
    "diffmom": ({}, {"diff_moment": True}),
    "no-ema-diffmom": ({}, {"ema_decay": 0.0, "diff_moment": True}),
    "corr1": ({}, {"corr_weight": 1.0}),
    "corr3": ({}, {"corr_weight": 3.0}),
    "corr1-diffmom": ({}, {"corr_weight": 1.0, "diff_moment": True}),
    # dynamics (issue 15): D sees step-to-step changes; G writes changes; moments of changes
    "d-diffs": ({"d_diffs": True}, {}),
    "g-changes": ({"g_output": "changes"}, {}),
    "g-changes-d-diffs": ({"g_output": "changes", "d_diffs": True}, {}),
    "d-diffs-diffmom": ({"d_diffs": True}, {"diff_moment": True}),
    "g-changes-d-diffs-diffmom": ({"g_output": "changes", "d_diffs": True}, {"diff_moment": True}),
    # session 10: moments of first and second differences in units of the real change
    "change0.3": ({}, {"change_weight": 0.3}),
    "change1": ({}, {"change_weight": 1.0}),
    "pca1": ({}, {"pca_weight": 1.0}),  # the default since session 10
    "no-pca": ({}, {"pca_weight": 0.0}),  # the default before it
    "pca1-change0.3": ({}, {"pca_weight": 1.0, "change_weight": 0.3}),
    # session 11: sines' step shape and late drift, on top of the principal-axes default
    "change0.1": ({}, {"change_weight": 0.1}),
    "static16": ({"static_noise_dim": 16}, {}),
    "floor0.03": ({}, {"lr_floor": 0.03}),
    "decay6000": ({}, {"lr_decay_steps": 6000}),
    "shape1": ({}, {"shape_weight": 1.0}),  # moments along the principal directions of whole windows (default since session 11)
    "no-shape": ({}, {"shape_weight": 0.0}),  # the default before it
    "shape0.3": ({}, {"shape_weight": 0.3}),
    "shape3": ({}, {"shape_weight": 3.0}),
    # session 12: late drift (sines seed 0 scored better at 4,000 steps than at 8,500)
    "ema0.9995": ({}, {"ema_decay": 0.9995}),
    "floor0.03-decay6000": ({}, {"lr_floor": 0.03, "lr_decay_steps": 6000}),
    # session 15: Stocks seed 2's levels (0.048-0.050): skewed, heavy-tailed spreads that means and stds miss
    "quantile1": ({}, {"quantile_weight": 1.0}),
    "quantile3": ({}, {"quantile_weight": 3.0}),
    # session 16: skewed features (Stocks' volume) on a power scale, the default since; this is the one before
    "no-skew": ({}, {"skew_limit": 0.0}),
}


def run_one(name: str, budget: float, threads: int, seed: int, eval_n: int, dataset: str, pred: bool,
            steps: int = 0, classifiers: int = 1, checks: tuple[int, ...] = ()) -> list[tuple]:
    import numpy as np
    import torch

    from rgan.alloc import keep_freed_memory
    from rgan.data import load_dataset
    from rgan.metrics import differenced_pair, discriminative_score, predictive_score
    from rgan.models import ModelConfig
    from rgan.train import TrainConfig, Trainer

    keep_freed_memory()  # a spawned worker is a fresh process: apply the allocator setting here
    torch.set_num_threads(threads)
    model_kw, train_kw = CONFIGS[name]
    data = load_dataset(dataset, seq_len=24)
    trainer = Trainer(data, replace(ModelConfig(), **model_kw), replace(TrainConfig(device="cpu", seed=seed), **train_kw))
    real = np.asarray(data.windows)
    rng = np.random.default_rng(seed)
    real = real[rng.choice(len(real), min(eval_n, len(real)), replace=False)]

    def disc(a, b):  # one classifier's score of the same samples swings by ~0.07 on Stocks: average several
        return float(np.mean([discriminative_score(a, b, seed=seed + 1000 * r) for r in range(classifiers)]))

    def row() -> tuple:
        fake = trainer.sample(len(real), seed=seed, scaled=True)
        p = predictive_score(real, fake, seed=seed) if pred else float("nan")
        return name, seed, trainer.step_count, seconds, disc(real, fake), disc(*differenced_pair(real, fake)), p

    rows, seconds = [], 0.0
    for check in sorted(c for c in checks if steps and c < steps):  # intermediate scores (steps budgets only)
        start = time.perf_counter()
        while trainer.step_count < check:
            trainer.step()
        seconds += time.perf_counter() - start
        rows.append(row())
    start = time.perf_counter()
    while (trainer.step_count < steps) if steps else (time.perf_counter() - start < budget):
        trainer.step()
    seconds += time.perf_counter() - start
    return [*rows, row()]


def _run_job(job: tuple) -> tuple:
    return run_one(*job)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=180)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--eval-n", type=int, default=3000)
    parser.add_argument("--dataset", default="sines")
    parser.add_argument("--only", default="", help="comma-separated config names (default: all)")
    parser.add_argument("--pred", action="store_true", help="also compute the predictive score (slower)")
    parser.add_argument("--steps", type=int, default=0, help="train this many steps instead of --budget seconds "
                        "(a fair screen on a busy machine)")
    parser.add_argument("--classifier-seeds", type=int, default=3, help="post-hoc classifiers averaged per score")
    parser.add_argument("--checks", default="", help="with --steps: also score at these step counts, e.g. 2000,4000 "
                        "(seconds are training time only)")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(CONFIGS)
    checks = tuple(int(c) for c in args.checks.split(",") if c)
    jobs = [(n, args.budget, args.threads, s, args.eval_n, args.dataset, args.pred, args.steps, args.classifier_seeds,
             checks) for n in names for s in args.seeds]
    budget = f"{args.steps} steps" if args.steps else f"{args.budget:g} s"
    print(f"{args.dataset}: {len(jobs)} jobs, {budget} each on {args.threads} threads, {args.parallel} at a time; "
          f"scores are the mean of {args.classifier_seeds} classifiers")
    print("| config | seed | steps | seconds | disc. score | disc. on differences | pred. score |\n"
          "|---|---|---|---|---|---|---|", flush=True)
    with mp.get_context("spawn").Pool(args.parallel) as pool:
        for rows in pool.imap_unordered(_run_job, jobs):
            for name, seed, steps, seconds, score, diff, pred in rows:
                print(f"| {name} | {seed} | {steps} | {seconds:.0f} | {score:.3f} | {diff:.3f} | {pred:.3f} |",
                      flush=True)


if __name__ == "__main__":
    main()
