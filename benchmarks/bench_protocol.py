"""TimeGAN evaluation protocol on Sines, Stocks and real files: default configuration, several seeds.

    python -m benchmarks.bench_protocol                       # 3 seeds x 300 s x 2 data sets (~55 min: 10 classifiers per score)
    python -m benchmarks.bench_protocol --minutes 1 --seeds 0 --datasets sines    # a quick look
    python -m benchmarks.bench_protocol --configs default before-burn-in   # beside the previous default
    python -m benchmarks.bench_protocol --datasets italy arrowhead vowels --minutes 2   # the real-data table
    python -m benchmarks.bench_protocol --time-to-quality     # seconds until sines reach 0.05, both configs

Configurations: "default" is today's default (since session 21: G's burn-in of 6 cells and the change loss at 0.3;
since session 22, data crowding their range's ends, as sines, get G's margin of 0.1 from the recipe); "before-ends"
the default of session 21 (no margin on any data); "before-burn-in" the default of sessions 17-20, and every other
configuration is a change to that one, as measured (none gets the margin from the recipe).
Session 21's: "both-ways" (D reads windows both ways, ``d_both_ways``), "both-ways-burn-6",
"both-ways-change-0.3-burn-6"; "margin-0.1" today's with G's levels reaching 0.1 past the data's [0, 1]
(``g_margin``; measured first as "margin-0.1-change-0.3-burn-6"). Session 20's: "rough-1" / "rough-3" the sorted roughness
of windows (``rough_weight``), "burn-6" G's burn-in of 6 cells (``ModelConfig.burn_in``), "rough-1-burn-6" /
"change-1-burn-6" the burn-in with the roughness or the change loss (weight 1), "change-0.3-burn-6" with a third
of it (today's default); "floor-0.1" the default of session 16, whose learning rates fell to a tenth (``lr_floor``
0.1) where later ones fall to 0.3; "floor-0.2" session 18's candidate between the two (a loser: sines' differences
doubled); "before-power-scale" the default of sessions 11-15, with skewed features (Stocks' volume) on the data's
own scale; "previous" the default before the shape loss (2026-12-05);
"settled" with the settled weight average (``ema_settle``); "tail-third" with the
weight average spanning the last third of the run (``ema_tail`` 1/3, session 19's candidate);
"g-floor-0.2" / "d-floor-0.2" with G's (D's) rate falling to a fifth, the other's to 0.3 (``lr_floor_d``);
"ema-0.997" with a shorter weight average late in the run (``ema_decay`` 0.997); "g0.4-d0.2"
with G's rate falling to 0.4 and D's to 0.2; "quantile" with the sorted-values
loss (``quantile_weight`` 1); "axes-2026-12-04" the one before the
principal-axes loss; "dynamics-2026-11" the one before the dynamics
work (D judged levels only, constant learning rates). Real files (``--data-dir``, default ../shared/data): "italy"
(italy_power_demand.csv, 24 hours per row), "arrowhead" (arrowhead.csv, windows of 24 of each
251-step outline, stride 8), "vowels" (japanese_vowels_long.csv, long layout, 12 LPC channels, windows
of 12 frames), "interest" (interest_inflation_quarterly.csv, year+quarter time, windows of 12) and
"grunfeld" (grunfeld_panel.csv, firm panel, windows of 8 years); all unconditional.

For each data set and seed: train the default configuration for ``--minutes`` on ``--threads`` CPU
threads, generate as many windows as the real set has (at most ``--eval-n``), and compute the
discriminative score (post-hoc GRU, 2000 iterations; the mean of ``--classifier-seeds`` classifiers, 10 as in
TimeGAN's own evaluation, because one classifier's score of the same samples swings by about 0.07 on
Stocks), the predictive score (train on synthetic, test on
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
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from rgan import metrics
from rgan.alloc import keep_freed_memory
from rgan.data import DataConfig, load_csv, load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.recipe import describe, recipe_for

# name -> (model, train) changes from the default of sessions 17-20 (no burn-in, no change loss), kept as measured
_BEFORE_SESSION_21 = {
    "before-burn-in": ({}, {}),  # the default of sessions 17-20: both rates fall to 0.3
    "floor-0.1": ({}, {"lr_floor": 0.1}),  # sessions 9-16: the rates fell to a tenth (G dropped rare windows)
    "floor-0.2": ({}, {"lr_floor": 0.2}),  # session 18's candidate: between the two
    # sessions 11-15: skewed features on the data's own scale
    "before-power-scale": ({}, {"skew_limit": 0.0, "lr_floor": 0.1}),
    "previous": ({}, {"shape_weight": 0.0, "skew_limit": 0.0, "lr_floor": 0.1}),  # before session 11: no shape loss
    # before session 10: no principal-axes loss either
    "axes-2026-12-04": ({}, {"shape_weight": 0.0, "pca_weight": 0.0, "skew_limit": 0.0, "lr_floor": 0.1}),
    "settled": ({}, {"ema_settle": True}),  # session 13's option: equal weights once the rates settle
    # session 19's candidate: with rates at 0.3 (not 0.1) late G's jitter more, so average the last third of the
    # run (from step 2,990) where the default averages its last ninth
    "tail-third": ({}, {"ema_tail": 1 / 3}),
    # session 19's candidates: floor 0.2 helped Stocks' differences and hurt sines', so split it between G and D
    "g-floor-0.2": ({}, {"lr_floor": 0.2, "lr_floor_d": 0.3}),  # G's rate falls to a fifth, D's to 0.3
    "d-floor-0.2": ({}, {"lr_floor_d": 0.2}),  # D's rate falls to a fifth, G's to 0.3
    # session 19: the last third's average lost on seed 2 (both data sets), so try a shorter one: about the last
    # 330 steps from step 2,990 on (the default's warm-up average spans the last ninth, ~620 steps at 5,600)
    "ema-0.997": ({}, {"ema_decay": 0.997}),
    # session 19: D's low rate fixed Stocks seed 2's differences, G's high rate keeps sines' differences (and, at
    # 0.3 rather than 0.1, Stocks seed 0's busy windows): G's rate to 0.4, D's to 0.2
    "g0.4-d0.2": ({}, {"lr_floor": 0.4, "lr_floor_d": 0.2}),
    # session 20: Stocks seed 2's changes were 0.8 of the real spread, its roughest windows 0.75 of the real
    # roughness; sines seed 2's calm windows were bent (jitter): match the sorted roughness of windows
    "rough-1": ({}, {"rough_weight": 1.0}),
    "rough-3": ({}, {"rough_weight": 3.0}),
    # session 20: sines seed 2's first steps were bent (second differences at step 0 spread 12x the real ones): G
    # starts from its blank state; let it run 6 cells on noise of its own first
    "burn-6": ({"burn_in": 6}, {}),
    "rough-1-burn-6": ({"burn_in": 6}, {"rough_weight": 1.0}),
    # rough-1 lost on Stocks seed 1 (its windows grew rougher step by step, 0.66 to 1.2 of the real spread): the
    # change loss pins each step's spread of changes; with the burn-in, not against a bent first step
    "change-1-burn-6": ({"burn_in": 6}, {"change_weight": 1.0}),
    # that pair cost Stocks' levels on seeds 0 and 1: a third of the change loss
    "change-0.3-burn-6": ({"burn_in": 6}, {"change_weight": 0.3}),
    # session 21: the burn-in left sines' first steps bent (8.5x the real second differences): D's blind spot, its
    # first verdicts rest on one or two values; a D that also reads each window backwards sees every step in context
    "both-ways": ({"d_both_ways": True}, {}),
    "both-ways-burn-6": ({"d_both_ways": True, "burn_in": 6}, {}),
    "both-ways-change-0.3-burn-6": ({"d_both_ways": True, "burn_in": 6}, {"change_weight": 0.3}),
    # session 21: G's sines that turn over descend too little at the end of a window (its values near 1 sit where
    # the sigmoid is flat): G's levels reach 0.1 past the data's 0 and 1
    "margin-0.1-change-0.3-burn-6": ({"g_margin": 0.1, "burn_in": 6}, {"change_weight": 0.3}),
    "quantile": ({}, {"quantile_weight": 1.0}),  # session 15's candidate: sorted values along the principal axes
    "dynamics-2026-11": ({"d_diffs": False}, {"lr_decay_steps": 0, "pca_weight": 0.0, "shape_weight": 0.0,
                                             "skew_limit": 0.0}),
}
SESSION_20_DEFAULT = ({"burn_in": 0}, {"change_weight": 0.0})  # what today's default adds (session 21)
CONFIGS = {"default": ({}, {}),  # name -> (model, train) changes from today's defaults
           **{name: ({**SESSION_20_DEFAULT[0], **model}, {**SESSION_20_DEFAULT[1], **train})
              for name, (model, train) in _BEFORE_SESSION_21.items()},
           # session 21: today's default with G's margin (its sines that turn over descended too little at the end
           # of a window: values near 1 sat where the sigmoid is flat); the same as "margin-0.1-change-0.3-burn-6"
           "margin-0.1": ({"g_margin": 0.1}, {}),
           "before-ends": ({}, {})}  # session 21's default: no margin for data crowding their range's ends
ENDS = {"default"}  # configurations whose recipe gives data crowding their ends G's margin (since session 22)
FILES = {  # name -> (file in --data-dir, how to read it)
    "italy": ("italy_power_demand.csv", DataConfig(seq_len=24)),
    "arrowhead": ("arrowhead.csv", DataConfig(layout="sequence_rows", seq_len=24, stride=8,
                                              features=tuple(f"t{i}" for i in range(251)))),
    "vowels": ("japanese_vowels_long.csv", DataConfig(layout="long", id_column="utterance", time_column="frame",
                                                      features=tuple(f"lpc{i}" for i in range(1, 13)), seq_len=12)),
    "interest": ("interest_inflation_quarterly.csv", DataConfig(seq_len=12)),
    "grunfeld": ("grunfeld_panel.csv", DataConfig(seq_len=8)),
}


def load_named(name: str, data_dir: str):
    """A built-in data set (windows of 24) or one of FILES."""
    if name in FILES:
        file, config = FILES[name]
        return load_csv(f"{data_dir}/{file}", config)
    return load_dataset(name, seq_len=24)


def make_trainer(data, config: str, seed: int) -> Trainer:
    """``config``'s trainer as a user gets it: with the recipe for the data's size, which changes only settings
    the config leaves at their defaults (a small table's recipe also caps the steps; otherwise the run is
    limited by time only)."""
    model_changes, train_changes = CONFIGS[config]
    model = replace(ModelConfig(), **model_changes)
    train = replace(TrainConfig(device="cpu", seed=seed), **train_changes)
    recipe = recipe_for(data, ends=config in ENDS)
    model, train, made = recipe.apply(model, train)
    print(f"  {data.name} ({config}): {describe(recipe, made)}", flush=True)
    if "steps" not in train_changes and train.steps == TrainConfig().steps:
        train = replace(train, steps=10**9)
    return Trainer(data, model, train)

PUBLISHED = {  # (discriminative, predictive), lower is better; Yoon et al. 2019, Table 2
    "sines": {"TimeGAN": (0.011, 0.093), "RCGAN": (0.022, 0.097), "real data": (None, 0.094)},
    "stocks": {"TimeGAN": (0.102, 0.038), "RCGAN": (0.196, 0.040), "real data": (None, 0.036)},
}


def scores(real: np.ndarray, fake: np.ndarray, seed: int, with_pred: bool = True, repeats: int = 1) -> dict[str, float]:
    """Discriminative score on levels and on first differences (each the mean of ``repeats`` classifier seeds:
    small sets give noisy single scores), predictive score and autocorrelation distance."""
    def disc(a, b):
        return float(np.mean([metrics.discriminative_score(a, b, seed=seed + 1000 * r) for r in range(repeats)]))

    out = {"disc": disc(real, fake)}
    out["pred"] = metrics.predictive_score(real, fake, seed=seed) if with_pred else float("nan")
    out["disc_diff"] = disc(*metrics.differenced_pair(real, fake))
    out["acf"] = metrics.acf_distance(real, fake)
    return out


def fmt(values: list[float]) -> str:
    values = [v for v in values if not np.isnan(v)]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def run_job(name: str, config: str, seed: int, minutes: float, threads: int, eval_n: int, baselines: bool,
            data_dir: str, repeats: int = 10, save_dir: str | None = None) -> dict:
    """Train ``config`` on ``name`` for ``minutes``, then score it (and, if asked, baselines). With ``save_dir``,
    keep the scored windows (``NAME_CONFIG_seedS.npz``: ``real``, ``fake``) and the checkpoint (``.pt``) there."""
    keep_freed_memory()  # a spawned worker is a fresh process: apply the allocator setting here
    torch.set_num_threads(threads)
    data = load_named(name, data_dir)
    all_real = np.asarray(data.windows)
    rng = np.random.default_rng(seed)
    real = all_real[rng.choice(len(all_real), min(eval_n, len(all_real)), replace=False)]
    trainer = make_trainer(data, config, seed)
    start = time.perf_counter()
    while time.perf_counter() - start < minutes * 60 and trainer.step_count < trainer.train_config.steps:
        trainer.step()
    method = f"RGAN Studio ({config})"
    out = {"name": name, "config": config, "seed": seed, "steps": trainer.step_count, "seconds": time.perf_counter() - start}
    fake = trainer.sample(len(real), seed=seed, scaled=True)
    if save_dir:
        folder, stem = Path(save_dir), f"{name}_{config}_seed{seed}"  # not with_suffix: "change-0.3" has a dot
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / f"{stem}.npz", real=real, fake=fake)
        trainer.save(folder / f"{stem}.pt")
    out[method] = scores(real, fake, seed, repeats=repeats)
    if baselines:  # untrained baselines vary little between seeds: score them once
        out["shuffled time"] = scores(real, metrics.baseline_shuffled_time(real, seed=seed), seed, False, repeats)
        independent = metrics.baseline_independent_steps(real, len(real), seed=seed)
        out["independent steps"] = scores(real, independent, seed, repeats=repeats)
        other = all_real[rng.choice(len(all_real), len(real), replace=False)]
        pred = metrics.predictive_score(real, other, seed=seed)
        out["real data"] = {"disc": float("nan"), "pred": pred, "disc_diff": float("nan"), "acf": float("nan")}
    r = out[method]
    print(f"{name} {config} seed {seed}: {trainer.step_count} steps in {out['seconds']:.0f} s; disc {r['disc']:.3f} "
          f"disc(diff) {r['disc_diff']:.3f} acf {r['acf']:.3f} pred {r['pred']:.3f}", flush=True)
    return out


def time_to_quality(config: str, seed: int, threads: int, target: float, check_every: float, limit: float,
                    repeats: int = 1) -> dict:
    """Seconds of training (scoring excluded) until sines reach a discriminative score <= ``target`` (the mean
    of ``repeats`` classifier seeds)."""
    keep_freed_memory()
    torch.set_num_threads(threads)
    data = load_dataset("sines", seq_len=24)
    real = np.asarray(data.windows)[np.random.default_rng(seed).choice(len(data.windows), 3000, replace=False)]
    trainer = make_trainer(data, config, seed)
    clock, score = 0.0, 1.0
    while clock < limit:
        start = time.perf_counter()
        while time.perf_counter() - start < check_every:
            trainer.step()
        clock += time.perf_counter() - start
        fake = trainer.sample(len(real), seed=seed, scaled=True)
        score = float(np.mean([metrics.discriminative_score(real, fake, seed=seed + 1000 * r) for r in range(repeats)]))
        print(f"  {config} seed {seed}: {clock:.0f} s, {trainer.step_count} steps, disc {score:.3f}", flush=True)
        if score <= target:
            break
    return {"config": config, "seed": seed, "seconds": clock if score <= target else float("inf"),
            "steps": trainer.step_count, "rate": trainer.step_count / clock}


def _run_job(job: tuple) -> dict:
    return run_job(*job)


def _ttq_job(job: tuple) -> dict:
    return time_to_quality(*job)


BASELINES = ("shuffled time", "independent steps", "real data")


def main_time_to_quality(args) -> None:
    jobs = [(c, s, args.threads, args.target, args.check_every, args.limit, args.classifier_seeds)
            for s in args.seeds for c in args.configs]
    with mp.get_context("spawn").Pool(args.parallel) as pool:
        done = list(pool.imap(_ttq_job, jobs))
    print(f"\nSeconds of {args.threads}-thread CPU training until sines reach discriminative <= {args.target} "
          f"(the mean of {args.classifier_seeds} classifier(s), checked every {args.check_every:g} s, scoring time "
          f"excluded; inf = not within {args.limit:g} s)")
    print("| configuration | " + " | ".join(f"seed {s}" for s in args.seeds) + " | median | steps/s |")
    print("|---|" + "---|" * (len(args.seeds) + 2))
    for c in args.configs:
        mine = [d for d in done if d["config"] == c]
        secs = [d["seconds"] for d in mine]
        print(f"| {c} | " + " | ".join(f"{v:.0f}" for v in secs) +
              f" | {statistics.median(secs):.0f} | {statistics.median(d['rate'] for d in mine):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["sines", "stocks"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--minutes", type=float, default=5.0, help="training time per run")
    parser.add_argument("--threads", type=int, default=2, help="torch threads per run")
    parser.add_argument("--parallel", type=int, default=1, help="runs side by side (each in its own process)")
    parser.add_argument("--eval-n", type=int, default=3000)
    parser.add_argument("--configs", nargs="+", default=["default"], choices=list(CONFIGS))
    parser.add_argument("--data-dir", default="../shared/data", help="where the real files are")
    parser.add_argument("--time-to-quality", action="store_true", help="time sines to --target instead")
    parser.add_argument("--target", type=float, default=0.05)
    parser.add_argument("--check-every", type=float, default=10.0, help="seconds of training between scores")
    parser.add_argument("--limit", type=float, default=240.0, help="give up after this many seconds")
    parser.add_argument("--no-baselines", action="store_true",
                        help="score only the configurations (the baselines vary little; they cost ~3 min per data set)")
    parser.add_argument("--classifier-seeds", type=int, default=None,
                        help="post-hoc classifiers averaged per score (default 10, as in TimeGAN's evaluation; "
                             "with --time-to-quality, 3)")
    parser.add_argument("--save-samples", metavar="DIR", default=None,
                        help="keep each run's scored windows (.npz: real, fake) and its checkpoint (.pt) in DIR")
    args = parser.parse_args()
    if args.classifier_seeds is None:
        args.classifier_seeds = 3 if args.time_to_quality else 10
    if args.time_to_quality:
        main_time_to_quality(args)
        return
    jobs = [(name, config, seed, args.minutes, args.threads, args.eval_n,
             seed == args.seeds[0] and config == args.configs[0] and not args.no_baselines,
             args.data_dir, args.classifier_seeds, args.save_samples)
            for name in args.datasets for config in args.configs for seed in args.seeds]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(args.parallel) as pool:
        done = list(pool.imap_unordered(_run_job, jobs))

    rows: list[str] = []
    for name in args.datasets:
        for method in [f"RGAN Studio ({c})" for c in args.configs] + list(BASELINES):
            mine = sorted((d for d in done if d["name"] == name and method in d), key=lambda d: d["seed"])
            runs = [d[method] for d in mine]
            if not runs:
                continue
            extra = ""
            if method.startswith("RGAN"):
                steps, seconds = [d["steps"] for d in mine], [d["seconds"] for d in mine]
                extra = f" ({statistics.mean(steps):.0f} steps, {sum(steps) / sum(seconds):.1f} steps/s)"
            rows.append(
                f"| {name} | {method}{extra} | {fmt([r['disc'] for r in runs])} | {fmt([r['disc_diff'] for r in runs])} | "
                f"{fmt([r['acf'] for r in runs])} | {fmt([r['pred'] for r in runs])} |"
            )
        for method, (disc, pred) in PUBLISHED.get(name, {}).items():
            if method != "real data":
                rows.append(f"| {name} | {method} (published) | {disc:.3f} | - | - | {pred:.3f} |")
            else:
                rows.append(f"| {name} | real data (published) | - | - | - | {pred:.3f} |")

    print(f"\n{len(args.seeds)} seeds, {args.minutes:g} min training each on {args.threads} CPU thread(s), "
          f"{args.parallel} run(s) at a time; each discriminative score the mean of {args.classifier_seeds} classifiers; "
          f"whole benchmark {(time.perf_counter() - t0) / 60:.0f} min; lower is better")
    print("| data | method | discriminative | discriminative on differences | autocorrelation distance | predictive |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
