"""Trainer steps/s of this checkout against an earlier revision, measured in the same run.

Usage:
    python -m benchmarks.bench_revisions --base 2d2a0b9            # 4 models x 2 threads, 3 rounds
    python -m benchmarks.bench_revisions --base HEAD~5 --rounds 5 --seconds 3

The base revision is extracted with ``git archive`` into a temporary folder. Each measurement is a fresh
Python process that imports ``rgan`` from one of the two trees, applies the allocator setting
(``rgan.alloc.keep_freed_memory``, as every entry point does), trains the default configuration on sines
(batch 128) for one warm-up second and then ``--seconds`` timed seconds. The trees alternate, and their
order flips every round, so that slow moments of a shared machine fall on both. The table gives the
median steps/s of each tree and the ratio this / base (1.0: the same speed; this machine's noise between
runs of identical code is about +-0.1).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = [(cell, hidden, layers) for cell in ("lstm", "gru") for hidden, layers in ((32, 1), (128, 2))]

# Runs inside the child process; uses only names that exist in every revision compared here.
CHILD = """
import json, sys, time
import torch
torch.set_num_threads({threads})
from rgan.alloc import keep_freed_memory
keep_freed_memory()
try:
    from rgan.data import load_dataset
except ImportError:
    from rgan.datasets import load_dataset
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer
data = load_dataset("sines", seq_len=24, n_samples=2000)
m = ModelConfig(g_cell="{cell}", d_cell="{cell}", g_hidden={hidden}, d_hidden={hidden},
                g_layers={layers}, d_layers={layers})
step = Trainer(data, m, TrainConfig(batch_size=128, device="cpu", seed=0)).step
start = time.perf_counter()
while time.perf_counter() - start < 1.0:
    step()
steps, start = 0, time.perf_counter()
while time.perf_counter() - start < {seconds}:
    step()
    steps += 1
print(json.dumps(steps / (time.perf_counter() - start)))
"""


def extract(revision: str, into: Path) -> Path:
    """The files of ``revision`` under ``into`` (``git archive``; no worktree is registered)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def rate(tree: Path, cell: str, hidden: int, layers: int, threads: int, seconds: float) -> float:
    """Steps/s of the Trainer of ``tree`` in a fresh process."""
    code = CHILD.format(cell=cell, hidden=hidden, layers=layers, threads=threads, seconds=seconds)
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                         check=True, capture_output=True, text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="git revision to compare against (e.g. a commit before a refactor)")
    p.add_argument("--rounds", type=int, default=3, help="fresh processes per tree and row")
    p.add_argument("--seconds", type=float, default=3.0, help="timed seconds per process")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch threads per process")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rgan-base-") as tmp:
        trees = {"base": extract(args.base, Path(tmp)), "this": REPO}
        print(f"base = {args.base}, this = working tree of {REPO}; {args.rounds} rounds x {args.seconds:g} s")
        print("| torch threads | cell | hidden x layers | base steps/s | this steps/s | this / base |")
        print("|---|---|---|---|---|---|")
        ratios = []
        for threads in args.threads:
            for cell, hidden, layers in MODELS:
                got: dict[str, list[float]] = {"base": [], "this": []}
                for r in range(args.rounds):
                    order = ("base", "this") if r % 2 == 0 else ("this", "base")
                    for name in order:
                        got[name].append(rate(trees[name], cell, hidden, layers, threads, args.seconds))
                base, this = statistics.median(got["base"]), statistics.median(got["this"])
                ratios.append(this / base)
                print(f"| {threads} | {cell.upper()} | {hidden} x {layers} | {base:.1f} | {this:.1f} | "
                      f"**{this / base:.2f}** |", flush=True)
        print(f"median ratio this / base over all rows: {statistics.median(ratios):.2f} "
              f"(range {min(ratios):.2f}-{max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
