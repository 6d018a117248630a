"""Which weight average should G sample from? Several averages of one and the same training run, scored alike.

    python -m benchmarks.bench_averages --dataset sines --seed 0 --steps 8500 --checks 2000,4000,6000
    python -m benchmarks.bench_averages --dataset stocks --seed 2 --steps 9000 --checks 1500,4000

One run of ``--steps`` steps with today's defaults except the averaging (``--threads`` CPU threads, steps not
seconds, so a busy machine cannot bias it). Beside G, the script keeps several averages of G's weights, each
updated after every step, and at each check (and the end) scores samples of each with the discriminative score
on levels and on first differences (the mean of ``--classifier-seeds`` post-hoc classifiers, the same
classifiers and the same real windows for every average). Because every average follows the same G, the
differences between rows are the averaging's alone, not the run-to-run noise of GAN training, which on one seed
is as large as the effects being chosen between (benchmarks/results/session12_2026-12-05.md).

Averages: ``capped`` (the default moving average: warm-up ``1 - 9 / (t + 10)``, capped at 0.999), ``settled``
(the ``ema_settle`` option: the same until the rates reach their floor, then every G weighs the same),
``third`` (``1 - 3 / (t + 10)``, capped at 0.9997: about the last third of the run), ``tail`` (the ``ema_tail``
option at 1/3: the capped average until the last third of the run outgrows its cap, at step 2,990; then that
third), ``half`` (every G of the second half of the run weighs the same) and ``G`` itself.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import torch

from rgan.data import load_dataset
from rgan.metrics import differenced_pair, discriminative_score
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.config import ema_decay_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="sines", choices=("sines", "stocks"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=8500)
    parser.add_argument("--checks", default="4000,6000", help="also score at these steps, e.g. 2000,4000")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--classifier-seeds", type=int, default=3)
    parser.add_argument("--eval-n", type=int, default=3000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    checks = sorted(int(c) for c in args.checks.split(",") if c and int(c) < args.steps)

    data = load_dataset(args.dataset, seq_len=24)
    train = TrainConfig(device="cpu", seed=args.seed)
    trainer = Trainer(data, ModelConfig(), train)  # its own average: "capped"
    real = np.asarray(data.windows)
    real = real[np.random.default_rng(args.seed).choice(len(real), min(args.eval_n, len(real)), replace=False)]
    weights = list(trainer.generator.parameters())
    settled, tailed = replace(train, ema_settle=True), replace(train, ema_tail=1 / 3)
    rules = {
        "settled": lambda t: ema_decay_at(settled, t),
        "third": lambda t: min(0.9997, 1 - 3 / (t + 10)),
        # the capped average until about the last third of the run is longer than its cap, then that third
        "tail": lambda t: ema_decay_at(tailed, t),
    }
    averages = {name: [w.detach().clone() for w in weights] for name in rules}
    half: list[torch.Tensor] | None = None
    half_n = 0

    def score(params: list[torch.Tensor], name: str) -> None:
        sampler = trainer.generator_ema
        kept = [p.detach().clone() for p in sampler.parameters()]
        with torch.no_grad():
            for p, q in zip(sampler.parameters(), params):
                p.copy_(q)
        fake = trainer.sample(len(real), seed=args.seed, scaled=True)
        with torch.no_grad():
            for p, q in zip(sampler.parameters(), kept):
                p.copy_(q)
        seeds = [args.seed + 1000 * r for r in range(args.classifier_seeds)]
        levels = np.mean([discriminative_score(real, fake, seed=s) for s in seeds])
        changes = np.mean([discriminative_score(*differenced_pair(real, fake), seed=s) for s in seeds])
        print(f"| {args.dataset} | {args.seed} | {trainer.step_count} | {name} | {levels:.3f} | {changes:.3f} |",
              flush=True)

    print("| data | seed | step | average | discriminative | on differences |\n|---|---|---|---|---|---|")
    start = time.perf_counter()
    for target in [*checks, args.steps]:
        while trainer.step_count < target:
            trainer.step()
            t = trainer.step_count
            with torch.no_grad():
                now = [w.detach() for w in weights]
                for name, rule in rules.items():
                    torch._foreach_lerp_(averages[name], now, 1 - rule(t))
                if t > args.steps // 2:
                    half_n += 1
                    if half is None:
                        half = [w.clone() for w in now]
                    else:
                        torch._foreach_lerp_(half, now, 1 / half_n)
        score(list(trainer.generator_ema.parameters()), "capped (default)")
        score([w.detach() for w in weights], "G itself")
        for name in rules:
            score(averages[name], name)
        if half is not None:
            score(half, f"half (last {half_n} steps equally)")
    print(f"\n{time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
