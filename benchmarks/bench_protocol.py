"""TimeGAN evaluation protocol on Sines and Stocks: default configuration, several seeds.

    python -m benchmarks.bench_protocol                       # 3 seeds x 300 s x 2 data sets (~40 min)
    python -m benchmarks.bench_protocol --minutes 1 --seeds 0 --datasets sines    # a quick look
    python -m benchmarks.bench_protocol --threads 1 --parallel 2   # two runs side by side (~25 min on 2 cores)

For each data set and seed: train the default configuration for ``--minutes`` on ``--threads`` CPU
threads, generate as many windows as the real set has (at most ``--eval-n``), and compute the
discriminative score (post-hoc GRU, 2000 iterations), the predictive score (train on synthetic, test on
real) and the discriminative score on first differences (a dynamics check). Trivial baselines are scored
the same way (once, with the first seed): real windows with their time order shuffled, and steps drawn
independently from the real per-step mean and standard deviation; "real data" trains the predictive
model on other real windows. Prints one markdown table with mean ± std over seeds next to the
published TimeGAN and RCGAN scores.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time

import numpy as np
import torch

from rgan import metrics
from rgan.alloc import keep_freed_memory
from rgan.data import load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer

PUBLISHED = {  # (discriminative, predictive), lower is better; Yoon et al. 2019, Table 2
    "sines": {"TimeGAN": (0.011, 0.093), "RCGAN": (0.022, 0.097), "real data": (None, 0.094)},
    "stocks": {"TimeGAN": (0.102, 0.038), "RCGAN": (0.196, 0.040), "real data": (None, 0.036)},
}


def scores(real: np.ndarray, fake: np.ndarray, seed: int, with_pred: bool = True) -> dict[str, float]:
    out = {"disc": metrics.discriminative_score(real, fake, seed=seed)}
    out["pred"] = metrics.predictive_score(real, fake, seed=seed) if with_pred else float("nan")
    out["disc_diff"] = metrics.discriminative_score(*metrics.differenced_pair(real, fake), seed=seed)
    return out


def fmt(values: list[float]) -> str:
    values = [v for v in values if not np.isnan(v)]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def run_job(name: str, seed: int, minutes: float, threads: int, eval_n: int, baselines: bool) -> dict:
    """Train the default configuration on ``name`` for ``minutes``, then score it (and, if asked, baselines)."""
    keep_freed_memory()  # a spawned worker is a fresh process: apply the allocator setting here
    torch.set_num_threads(threads)
    data = load_dataset(name, seq_len=24)
    all_real = np.asarray(data.windows)
    rng = np.random.default_rng(seed)
    real = all_real[rng.choice(len(all_real), min(eval_n, len(all_real)), replace=False)]
    trainer = Trainer(data, ModelConfig(), TrainConfig(device="cpu", seed=seed, steps=10**9))
    start = time.perf_counter()
    while time.perf_counter() - start < minutes * 60:
        trainer.step()
    out = {"name": name, "seed": seed, "steps": trainer.step_count, "seconds": time.perf_counter() - start}
    fake = trainer.sample(len(real), seed=seed, scaled=True)
    out["RGAN Studio (default)"] = scores(real, fake, seed)
    if baselines:  # untrained baselines vary little between seeds: score them once
        out["shuffled time"] = scores(real, metrics.baseline_shuffled_time(real, seed=seed), seed, with_pred=False)
        independent = metrics.baseline_independent_steps(real, len(real), seed=seed)
        out["independent steps"] = scores(real, independent, seed)
        other = all_real[rng.choice(len(all_real), len(real), replace=False)]
        pred = metrics.predictive_score(real, other, seed=seed)
        out["real data"] = {"disc": float("nan"), "pred": pred, "disc_diff": float("nan")}
    r = out["RGAN Studio (default)"]
    print(f"{name} seed {seed}: {trainer.step_count} steps in {out['seconds']:.0f} s; disc {r['disc']:.3f} "
          f"pred {r['pred']:.3f} disc(diff) {r['disc_diff']:.3f}", flush=True)
    return out


def _run_job(job: tuple) -> dict:
    return run_job(*job)


METHODS = ("RGAN Studio (default)", "shuffled time", "independent steps", "real data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["sines", "stocks"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--minutes", type=float, default=5.0, help="training time per run")
    parser.add_argument("--threads", type=int, default=2, help="torch threads per run")
    parser.add_argument("--parallel", type=int, default=1, help="runs side by side (each in its own process)")
    parser.add_argument("--eval-n", type=int, default=3000)
    args = parser.parse_args()
    jobs = [(name, seed, args.minutes, args.threads, args.eval_n, seed == args.seeds[0])
            for name in args.datasets for seed in args.seeds]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(args.parallel) as pool:
        done = list(pool.imap_unordered(_run_job, jobs))

    rows: list[str] = []
    for name in args.datasets:
        mine = sorted((d for d in done if d["name"] == name), key=lambda d: d["seed"])
        steps = [d["steps"] for d in mine]
        seconds = [d["seconds"] for d in mine]
        for method in METHODS:
            runs = [d[method] for d in mine if method in d]
            extra = f" ({statistics.mean(steps):.0f} steps, {statistics.mean(seconds) / 60:.1f} min)" if "default" in method else ""
            rows.append(
                f"| {name} | {method}{extra} | {fmt([r['disc'] for r in runs])} | {fmt([r['pred'] for r in runs])} | "
                f"{fmt([r['disc_diff'] for r in runs])} |"
            )
        for method, (disc, pred) in PUBLISHED[name].items():
            if method != "real data":
                rows.append(f"| {name} | {method} (published) | {disc:.3f} | {pred:.3f} | - |")
            else:
                rows.append(f"| {name} | real data (published) | - | {pred:.3f} | - |")

    print(f"\n{len(args.seeds)} seeds, {args.minutes:g} min training each on {args.threads} CPU thread(s), "
          f"{args.parallel} run(s) at a time; whole benchmark {(time.perf_counter() - t0) / 60:.0f} min; lower is better")
    print("| data | method | discriminative | predictive | discriminative on differences |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
