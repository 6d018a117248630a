"""Trainer speed against a bare PyTorch loop, and sample quality of the default configuration.

Usage:
    python -m benchmarks.bench_train                  # both parts (about 10 minutes on 2 CPU cores)
    python -m benchmarks.bench_train --part speed     # (a) steps/s ratio only
    python -m benchmarks.bench_train --part quality --budgets 60 180 --seeds 0

(a) For LSTM and GRU at two sizes, steps/s of ``rgan.train.Trainer`` (default settings) and of a bare
    minimal GAN loop with the same networks and batch, interleaved in several rounds; medians and the
    ratio trainer / bare (>= 1.0 means the trainer is not slower).
(b) The default configuration trained on sines (5 features, seq_len 24) for each time budget on
    ``--threads`` CPU threads, then the TimeGAN discriminative score (lower is better) of its samples,
    next to a plain BCE recurrent GAN (no moment loss, no per-sequence noise, no weight average) trained for the same time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from rgan.datasets import load_dataset
from rgan.metrics import discriminative_score
from rgan.models import Discriminator, Generator, ModelConfig
from rgan.train import TrainConfig, Trainer


def bare_loop_rate(
    real: torch.Tensor, model: ModelConfig, batch: int, seconds: float, seed: int = 0, device: str = "cpu"
) -> float:
    """Steps/s of the textbook loop: D on real and fake.detach(), then G through D (D not frozen)."""
    torch.manual_seed(seed)
    n_features, seq_len = real.shape[2], real.shape[1]
    real = real.to(device)
    G, D = Generator(n_features, model).to(device), Discriminator(n_features, model).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.9))
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        x = real[torch.randint(len(real), (batch,), device=device)]
        fake = G(torch.randn(batch, seq_len, model.generator_input_dim, device=device))
        lr, lf = D(x), D(fake.detach())
        loss_d = F.binary_cross_entropy_with_logits(lr, torch.ones_like(lr)) + F.binary_cross_entropy_with_logits(
            lf, torch.zeros_like(lf)
        )
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        lg = D(fake)
        loss_g = F.binary_cross_entropy_with_logits(lg, torch.ones_like(lg))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        steps += 1
        if device == "cuda" and steps % 50 == 0:
            torch.cuda.synchronize()  # keep the queue short, as the trainer's per-step stats do
    if device == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def trainer_rate(data, model: ModelConfig, batch: int, seconds: float, device: str = "cpu") -> float:
    trainer = Trainer(data, model, TrainConfig(batch_size=batch, device=device))
    trainer.step()  # warm-up
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        trainer.step()
        steps += 1
    return steps / (time.perf_counter() - start)


def speed(rounds: int, seconds: float, thread_counts: list[int]) -> None:
    data = load_dataset("sines", seq_len=24, n_samples=2000)
    real = torch.as_tensor(np.ascontiguousarray(data.windows))
    print(
        f"(a) steps/s, batch 128, sines 24 x 5, {rounds} rounds x {seconds:g} s each side, order alternating "
        "(AB, BA, ...); medians, and the median and range of the per-round ratios"
    )
    print("| torch threads | cell | hidden x layers (G, D) | bare loop | Trainer | ratio (median of rounds) | per-round range |")
    print("|---|---|---|---|---|---|---|")
    for threads in thread_counts:
        torch.set_num_threads(threads)
        _speed_rows(data, real, rounds, seconds, threads)


def _speed_rows(data, real: torch.Tensor, rounds: int, seconds: float, threads: int) -> None:
    for cell in ("lstm", "gru"):
        for hidden, layers in ((32, 1), (128, 2)):
            model = ModelConfig(g_cell=cell, d_cell=cell, g_hidden=hidden, d_hidden=hidden, g_layers=layers, d_layers=layers)
            bare, ours = [], []
            for r in range(rounds):  # interleaved, order swapped every round, so drift hits both alike
                run_bare = lambda: bare.append(bare_loop_rate(real, model, 128, seconds, seed=r))  # noqa: E731
                run_ours = lambda: ours.append(trainer_rate(data, model, 128, seconds))  # noqa: E731
                for run in (run_bare, run_ours) if r % 2 == 0 else (run_ours, run_bare):
                    run()
            ratios = [o / b for o, b in zip(ours, bare)]
            b, o = statistics.median(bare), statistics.median(ours)
            print(
                f"| {threads} | {cell} | {hidden} x {layers} | {b:.1f} | {o:.1f} | {statistics.median(ratios):.2f} "
                f"| {min(ratios):.2f}-{max(ratios):.2f} |",
                flush=True,
            )


def quality(budgets: list[float], seeds: list[int], threads: int, eval_n: int) -> None:
    torch.set_num_threads(threads)
    data = load_dataset("sines", seq_len=24)
    real = np.asarray(data.windows)
    rng = np.random.default_rng(0)
    real_eval = real[rng.choice(len(real), eval_n, replace=False)]
    configs = {
        "default": (ModelConfig(), TrainConfig(device="cpu", steps=10**9)),
        "plain BCE RGAN": (
            ModelConfig(static_noise_dim=0),
            TrainConfig(device="cpu", steps=10**9, moment_weight=0.0, ema_decay=0.0),
        ),
    }
    print(f"\n(b) discriminative score on sines 5 x 24 after a time budget, {threads} CPU threads (lower is better)")
    print("| config | seconds | seed | steps | disc. score |")
    print("|---|---|---|---|---|")
    for name, (model, train) in configs.items():
        for seed in seeds:
            trainer = Trainer(data, model, replace(train, seed=seed))
            clock = 0.0
            for budget in sorted(budgets):
                start = time.perf_counter()
                while clock + (time.perf_counter() - start) < budget:
                    trainer.step()
                clock += time.perf_counter() - start
                fake = trainer.sample(eval_n, seed=seed, scaled=True)
                score = discriminative_score(real_eval, fake, seed=seed)
                print(f"| {name} | {budget:g} | {seed} | {trainer.step_count} | {score:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("speed", "quality", "all"), default="all")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per speed measurement")
    parser.add_argument("--speed-threads", type=int, nargs="+", default=[1, 2], help="torch threads for (a)")
    parser.add_argument("--budgets", type=float, nargs="+", default=[60, 180])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-n", type=int, default=3000, help="real and generated sequences scored")
    args = parser.parse_args()
    if args.part in ("speed", "all"):
        speed(args.rounds, args.seconds, args.speed_threads)
    if args.part in ("quality", "all"):
        quality(args.budgets, args.seeds, args.threads, args.eval_n)


if __name__ == "__main__":
    main()
