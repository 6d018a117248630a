"""Trainer speed against a bare PyTorch loop, and sample quality of the default configuration.

Usage:
    python -m benchmarks.bench_train                  # both parts (about 10 minutes on 2 CPU cores)
    python -m benchmarks.bench_train --part speed     # (a) steps/s ratio only
    python -m benchmarks.bench_train --part quality --budgets 60 180 --seeds 0

(a) For LSTM and GRU at two sizes, steps/s of ``rgan.train.Trainer`` (default settings) and of a bare
    minimal GAN loop with the same networks and batch; ratio trainer / bare (>= 1.0: the trainer is not
    slower), measured two ways. Fresh processes, alternating: either loop in its own process (both with
    rgan/alloc.py's setting, which main() applies as every entry point does).
    Same process, alternating blocks of a fraction of a second: both loops under the same allocator and
    the same moment-to-moment machine load, so the ratio isolates the code of one step. (Separate timed
    runs of identical code spread 0.65-1.0 on the shared 2-core development machine.)
(b) The default configuration trained on sines (5 features, seq_len 24) for each time budget on
    ``--threads`` CPU threads, then the TimeGAN discriminative score (lower is better) of its samples,
    next to a plain BCE recurrent GAN (no moment loss, no per-sequence noise, no weight average) trained for the same time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from rgan.alloc import keep_freed_memory
from rgan.data import load_dataset
from rgan.metrics import discriminative_score
from rgan.models import Discriminator, Generator, ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.recipe import recipe_for


def bare_stepper(
    real: torch.Tensor, model: ModelConfig, batch: int, seed: int = 0, device: str = "cpu"
) -> Callable[[], None]:
    """One step of the textbook loop per call: D on real and fake.detach(), then G through D (D not
    frozen), plain Adam; the same networks and batch as the trainer's."""
    torch.manual_seed(seed)
    n_features, seq_len = real.shape[2], real.shape[1]
    real = real.to(device)
    G, D = Generator(n_features, model).to(device), Discriminator(n_features, model).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.9))
    calls = 0

    def step() -> None:
        nonlocal calls
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
        calls += 1
        if device == "cuda" and calls % 50 == 0:
            torch.cuda.synchronize()  # keep the queue short, as the trainer's per-step stats do

    return step


def steps_per_second(step: Callable[[], None], seconds: float, device: str = "cpu") -> float:
    """Calls ``step`` for ``seconds`` after one warm-up call; on CUDA the queue is drained before and after."""
    step()  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    if device == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def bare_loop_rate(
    real: torch.Tensor, model: ModelConfig, batch: int, seconds: float, seed: int = 0, device: str = "cpu"
) -> float:
    """Steps/s of the textbook loop (see ``bare_stepper``)."""
    return steps_per_second(bare_stepper(real, model, batch, seed, device), seconds, device)


def trainer_rate(data, model: ModelConfig, batch: int, seconds: float, device: str = "cpu") -> float:
    """Steps/s of ``Trainer`` with default settings."""
    return steps_per_second(Trainer(data, model, TrainConfig(batch_size=batch, device=device)).step, seconds, device)


SPEED_MODELS = [(cell, hidden, layers) for cell in ("lstm", "gru") for hidden, layers in ((32, 1), (128, 2))]


def speed_model(cell: str, hidden: int, layers: int) -> ModelConfig:
    """G and D alike: one cell, width and depth."""
    return ModelConfig(g_cell=cell, d_cell=cell, g_hidden=hidden, d_hidden=hidden, g_layers=layers, d_layers=layers)


def _sines():
    data = load_dataset("sines", seq_len=24, n_samples=2000)
    return data, torch.as_tensor(np.ascontiguousarray(data.windows))


def _steppers(data, real: torch.Tensor, model: ModelConfig) -> dict[str, Callable[[], None]]:
    """The two loops compared in (a), batch 128 on CPU."""
    return {"bare": bare_stepper(real, model, 128), "trainer": Trainer(data, model, TrainConfig(batch_size=128, device="cpu")).step}


def _worker(kind: str, cell: str, hidden: int, layers: int, threads: int, seconds: float) -> None:
    """Runs in a fresh process: prints the steps/s of one loop, after a one-second warm-up."""
    torch.set_num_threads(threads)
    data, real = _sines()
    step = _steppers(data, real, speed_model(cell, hidden, layers))[kind]
    steps_per_second(step, 1.0)
    print(json.dumps({"steps_per_s": steps_per_second(step, seconds)}))


def _in_fresh_process(kind: str, cell: str, hidden: int, layers: int, threads: int, seconds: float) -> float:
    args = [sys.executable, "-m", "benchmarks.bench_train", "--worker", kind, cell, str(hidden), str(layers)]
    args += ["--speed-threads", str(threads), "--seconds", str(seconds)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(out.stdout.strip().splitlines()[-1])["steps_per_s"]


def _same_process(data, real: torch.Tensor, model: ModelConfig, rounds: int, block_s: float) -> tuple[list[float], list[float]]:
    """Seconds per step of the bare loop and of the trainer in alternating blocks of about ``block_s``."""
    steps = _steppers(data, real, model)
    per_step = {name: 1.0 / steps_per_second(step, 0.5) for name, step in steps.items()}  # warm-up, and the block size
    n = {name: max(2, round(block_s / t)) for name, t in per_step.items()}
    out: dict[str, list[float]] = {"bare": [], "trainer": []}
    for r in range(rounds):
        for name in ("bare", "trainer") if r % 2 == 0 else ("trainer", "bare"):
            start = time.perf_counter()
            for _ in range(n[name]):
                steps[name]()
            out[name].append((time.perf_counter() - start) / n[name])
    return out["bare"], out["trainer"]


def speed(processes: int, seconds: float, rounds: int, block_s: float, thread_counts: list[int]) -> None:
    data, real = _sines()
    print(
        f"(a) steps/s, batch 128, sines 24 x 5. Fresh processes: {processes} of each, alternating, {seconds:g} s "
        "each after a 1 s warm-up, median steps/s (the bare loop runs as a user would write it; the trainer "
        "as shipped; both with the allocator setting). Same process: the two loops in alternating blocks of "
        f"{block_s:g} s, {rounds} rounds, median of per-round ratios (both share the process's allocator, "
        "so this isolates the per-step code)."
    )
    print(
        "| torch threads | cell | hidden x layers (G, D) | bare loop | Trainer | ratio, fresh processes "
        "| ratio, same process (IQR) |"
    )
    print("|---|---|---|---|---|---|---|")
    for threads in thread_counts:
        torch.set_num_threads(threads)
        for cell, hidden, layers in SPEED_MODELS:
            bare, ours = [], []
            for p in range(processes):
                for kind in ("bare", "trainer") if p % 2 == 0 else ("trainer", "bare"):
                    rate = _in_fresh_process(kind, cell, hidden, layers, threads, seconds)
                    (bare if kind == "bare" else ours).append(rate)
            b_t, o_t = _same_process(data, real, speed_model(cell, hidden, layers), rounds, block_s)
            ratios = sorted(b / o for b, o in zip(b_t, o_t))  # seconds per step: bare / trainer = speed ratio
            q1, q3 = ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]
            b, o = statistics.median(bare), statistics.median(ours)
            print(
                f"| {threads} | {cell} | {hidden} x {layers} | {b:.1f} | {o:.1f} | {o / b:.2f} "
                f"| {statistics.median(ratios):.2f} ({q1:.2f}-{q3:.2f}) |",
                flush=True,
            )


def quality(budgets: list[float], seeds: list[int], threads: int, eval_n: int) -> None:
    torch.set_num_threads(threads)
    data = load_dataset("sines", seq_len=24)
    real = np.asarray(data.windows)
    rng = np.random.default_rng(0)
    real_eval = real[rng.choice(len(real), eval_n, replace=False)]
    configs = {
        # as a user gets it: with the recipe for sines (G's margin: their values crowd their range's ends)
        "default": recipe_for(data).apply(ModelConfig(), TrainConfig(device="cpu", steps=10**9))[:2],
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
    parser.add_argument("--processes", type=int, default=3, help="(a): fresh processes per loop and row")
    parser.add_argument("--seconds", type=float, default=3.0, help="(a): seconds measured per process")
    parser.add_argument("--rounds", type=int, default=20, help="(a): alternating blocks per loop, same process")
    parser.add_argument("--block", type=float, default=0.25, help="(a): seconds per block, same process")
    parser.add_argument("--speed-threads", type=int, nargs="+", default=[1, 2], help="torch threads for (a)")
    parser.add_argument("--budgets", type=float, nargs="+", default=[60, 180])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-n", type=int, default=3000, help="real and generated sequences scored")
    parser.add_argument("--worker", nargs=4, metavar=("KIND", "CELL", "HIDDEN", "LAYERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    keep_freed_memory()  # each step reuses the last step's memory instead of faulting in new pages
    if args.worker:
        kind, cell, hidden, layers = args.worker
        _worker(kind, cell, int(hidden), int(layers), args.speed_threads[0], args.seconds)
        return
    if args.part in ("speed", "all"):
        speed(args.processes, args.seconds, args.rounds, args.block, args.speed_threads)
    if args.part in ("quality", "all"):
        quality(args.budgets, args.seeds, args.threads, args.eval_n)


if __name__ == "__main__":
    main()
