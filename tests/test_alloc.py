"""The allocator setting that keeps training steps from faulting in fresh pages (rgan/alloc.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rgan import alloc

ROOT = Path(__file__).resolve().parents[1]
glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None, reason="glibc's malloc only"
)

# Steps of a small LSTM GAN in a fresh process that applies the setting first, as every entry point
# does (app.py, the CLI, the benchmarks); prints minor page faults per step after a warm-up.
_PROBE = textwrap.dedent(
    """
    import json, resource, torch
    from rgan import alloc
    from rgan.data import load_dataset
    from rgan.models import ModelConfig
    from rgan.train import TrainConfig, Trainer
    alloc.keep_freed_memory()
    torch.set_num_threads(2)
    data = load_dataset("sines", seq_len=24, n_samples=300)
    model = ModelConfig(g_cell="lstm", d_cell="lstm", g_hidden=32, d_hidden=32, g_layers=1, d_layers=1)
    trainer = Trainer(data, model, TrainConfig(batch_size=128, device="cpu"))
    for _ in range(20):
        trainer.step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(40):
        trainer.step()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 40
    print(json.dumps({"tuned": alloc._state, "faults_per_step": faults}))
    """
)


def _probe(**env: str) -> dict:
    run_env = {k: v for k, v in os.environ.items() if k not in ("RGAN_MALLOC_TUNING", *alloc._USER_SETTINGS)}
    run_env.update(env)
    run_env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=run_env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@glibc_only
def test_training_steps_reuse_memory_instead_of_faulting_in_pages():
    """Compared in the same run with glibc's thresholds pinned at their defaults (the slow case, where
    each step maps and faults in its activations afresh: ~6,600 faults per step on the development
    machine), the setting must cut page faults per step by far more than an order of magnitude (0.1-4
    there; 52 on a CI machine). A ratio, because the absolute count depends on the machine."""
    tuned = _probe()
    slow = _probe(MALLOC_MMAP_THRESHOLD_="131072", MALLOC_TRIM_THRESHOLD_="131072")
    assert tuned["tuned"] is True and slow["tuned"] is False
    assert slow["faults_per_step"] > 500, slow  # the baseline really is the faulting case
    assert tuned["faults_per_step"] < slow["faults_per_step"] / 20, (tuned, slow)


@glibc_only
def test_the_setting_is_applied_once_per_process(monkeypatch):
    monkeypatch.setattr(alloc, "_state", None)
    for name in ("RGAN_MALLOC_TUNING", *alloc._USER_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    assert alloc.keep_freed_memory() is True
    assert alloc._state is True and alloc.keep_freed_memory() is True


def test_building_a_trainer_leaves_the_allocator_to_the_entry_point(monkeypatch, tiny_data, tiny_model, tiny_train):
    """A process-wide setting is the program's choice (app.py, the CLI, a benchmark), not a library
    side effect: constructing a Trainer does not apply it."""
    from rgan.train import Trainer

    monkeypatch.setattr(alloc, "_state", None)
    Trainer(tiny_data, tiny_model, tiny_train)
    assert alloc._state is None


def test_app_applies_the_setting_before_navigation():
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "keep_freed_memory()" in source
    assert source.index("keep_freed_memory()") < source.index("st.navigation(")


@pytest.mark.parametrize("env", [{"RGAN_MALLOC_TUNING": "0"}, {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_the_setting_can_be_turned_off_or_overridden(monkeypatch, env):
    """RGAN_MALLOC_TUNING=0 leaves malloc alone, and glibc's own variables win over ours."""
    monkeypatch.setattr(alloc, "_state", None)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert alloc.keep_freed_memory() is False
