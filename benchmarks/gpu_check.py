"""CUDA path check: training steps, checkpoint round-trip across devices, throughput.

Run on a machine with an NVIDIA GPU:
    python -m benchmarks.gpu_check [--seconds 5]

Prints PASS/FAIL lines for the checks and a throughput table (steps/s on CPU vs CUDA).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from benchmarks.bench_train import SPEED_MODELS, bare_loop_rate, speed_model, steps_per_second, trainer_rate
from rgan.alloc import keep_freed_memory
from rgan.data import load_dataset
from rgan.metrics import discriminative_score
from rgan.models import ModelConfig
from rgan.train import TrainConfig, Trainer


def check(name: str, ok: bool, detail: str = "") -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {name}  {detail}", flush=True)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    keep_freed_memory()  # the CPU figures train as the app and the CLI do
    print(f"torch {torch.__version__}, CUDA available: {torch.cuda.is_available()}")
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device")
    torch.set_num_threads(2)  # CPU figures on 2 threads, like the development machines
    print(f"GPU: {torch.cuda.get_device_name(0)}; CPU threads: {torch.get_num_threads()}")
    data = load_dataset("sines", seq_len=24)
    ok = True

    # 1. training steps on CUDA, both losses and both cells, finite stats
    for loss in ("ns", "wgan-gp"):
        for cell in ("lstm", "gru"):
            t = Trainer(data, ModelConfig(g_cell=cell, d_cell=cell), TrainConfig(device="cuda", loss=loss, steps=50))
            stats = [t.step() for _ in range(20)]
            finite = all(math.isfinite(v) for s in stats for v in s.values())
            ok &= check(f"cuda train {loss}/{cell}", finite and t.generator.out.weight.is_cuda, f"loss_d={stats[-1]['loss_d']:.3f}")

    # 2. checkpoint: saved on CUDA, loaded on CPU and CUDA; samples agree; resume on CUDA continues
    with tempfile.TemporaryDirectory() as tmp:
        t = Trainer(data, ModelConfig(), TrainConfig(device="cuda", seed=3))
        for _ in range(50):
            t.step()
        path = t.save(Path(tmp) / "gpu.pt")
        on_cpu = Trainer.load(path, device="cpu")
        same = all(
            torch.equal(v.cpu(), on_cpu.generator.state_dict()[k]) for k, v in t.generator.state_dict().items()
        )
        ok &= check("cuda checkpoint -> cpu load, identical weights", same)
        a = t.sample(64, seed=1, scaled=True)
        b = on_cpu.sample(64, seed=1, scaled=True)
        diff = float(np.abs(a - b).max())
        # cuDNN uses TF32 on Ampere/Hopper, so CUDA and CPU outputs agree to about 1e-3, not 1e-6.
        ok &= check("cuda checkpoint -> cpu load, same samples (TF32 tolerance)", diff < 1e-2, f"max |diff| = {diff:.2e}")
        ok &= check("loaded weights on cpu", on_cpu.generator.out.weight.device.type == "cpu")
        resumed = Trainer.load(path, data=data, device="cuda")
        s1 = [t.step()["loss_d"] for _ in range(5)]
        s2 = [resumed.step()["loss_d"] for _ in range(5)]
        gap = max(abs(x - y) for x, y in zip(s1, s2))
        ok &= check("cuda resume continues like never stopping", gap < 1e-3, f"max loss gap {gap:.2e} (tolerance 1e-3)")
        cpu_trainer = Trainer.load(path, data=data, device="cpu")
        cpu_trainer.step()
        back = cpu_trainer.save(Path(tmp) / "cpu.pt")
        ok &= check("cpu checkpoint -> cuda load", Trainer.load(back, device="cuda").generator.out.weight.is_cuda)

    # 3. throughput: CPU vs CUDA at several sizes
    print("\n| cell | hidden x layers | batch | CPU (2 threads) steps/s | CUDA steps/s | speed-up |")
    print("|---|---|---|---|---|---|")
    for cell in ("lstm", "gru"):
        for hidden, layers, batch in ((64, 2, 128), (256, 2, 512)):
            model = speed_model(cell, hidden, layers)
            train = TrainConfig(batch_size=batch)
            cpu = steps_per_second(Trainer(data, model, replace(train, device="cpu")).step, args.seconds)
            gpu = steps_per_second(Trainer(data, model, replace(train, device="cuda")).step, args.seconds, "cuda")
            print(f"| {cell} | {hidden} x {layers} | {batch} | {cpu:.1f} | {gpu:.1f} | {gpu / cpu:.1f}x |", flush=True)

    # 3b. the trainer against a bare loop with the same networks and batch, on CUDA
    real = torch.as_tensor(np.ascontiguousarray(data.windows[:2000]))
    print("\n| CUDA: cell | hidden x layers | bare loop steps/s | Trainer steps/s | ratio |")
    print("|---|---|---|---|---|")
    for cell, hidden, layers in SPEED_MODELS:
        model = speed_model(cell, hidden, layers)
        bare = [bare_loop_rate(real, model, 128, args.seconds, seed=r, device="cuda") for r in range(2)]
        ours = [trainer_rate(data, model, 128, args.seconds, device="cuda") for _ in range(2)]
        b, o = max(bare), max(ours)
        print(f"| {cell} | {hidden} x {layers} | {b:.1f} | {o:.1f} | {o / b:.2f} |", flush=True)

    # 4. quality in a fixed time on CUDA, and the metric on CUDA
    t = Trainer(data, ModelConfig(), TrainConfig(device="cuda"))
    start = time.perf_counter()
    while time.perf_counter() - start < 60:
        t.step()
    real = np.asarray(data.windows)[:3000]
    start = time.perf_counter()
    score = discriminative_score(real, t.sample(3000, seed=0, scaled=True), device="cuda")
    print(f"\ndefault config, 60 s on CUDA: {t.step_count} steps, discriminative score {score:.3f} "
          f"(metric took {time.perf_counter() - start:.1f} s on CUDA)")
    print("ALL PASS" if ok else "SOME CHECKS FAILED")


if __name__ == "__main__":
    main()
