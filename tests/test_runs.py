"""Background runs: states, controls, queueing, failures and persistence across a restart."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest
from waiting import wait_for  # tests/ is on sys.path under pytest

from rgan.data import DataConfig
from rgan.data.source import DataSource
from rgan.logs import read_jsonl
from rgan.runs import FAILED, FINISHED, PAUSED, QUEUED, RUNNING, STOPPED, RunnerConfig, RunRegistry
from rgan.runs.store import RunRecord, RunStore


@pytest.fixture
def registry(tmp_path):
    reg = RunRegistry(RunnerConfig(runs_dir=str(tmp_path / "runs"), max_concurrent=1, threads_per_run=1, checkpoint_every_s=0.2, log_every_s=0.1))
    yield reg
    reg.shutdown()


SOURCE = DataSource("dataset", "sines", DataConfig(seq_len=12), params={"n_samples": 200, "n_features": 2})


def start(registry, tiny_model, tiny_train, owner="alice", **kw):
    return registry.start(SOURCE, tiny_model, replace(tiny_train, **kw), owner=owner)


def test_run_finishes_and_persists(registry, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=30)
    wait_for(lambda: run.snapshot().state == FINISHED)
    snap = run.snapshot()
    assert snap.step == 30 and len(snap.history["loss_d"]) == 30
    assert all(math.isfinite(v) for v in snap.history["loss_g"])
    assert snap.preview is not None and snap.preview.shape[1:] == (12, 2)
    run.join(5)
    assert run.checkpoint_path.exists()
    assert len(read_jsonl(run.dir / "metrics.jsonl")) == 30
    assert run.trainer._pool is None  # server runs keep to their thread budget: no second thread


def test_a_batch_larger_than_the_data_is_noted_on_the_run(registry, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=3, batch_size=500)  # SOURCE gives 200 sequences
    wait_for(lambda: run.snapshot().state == FINISHED)
    assert any("Batch size 500 is larger than the 200 training sequences" in n for n in run.snapshot().notes)
    assert not start(registry, tiny_model, tiny_train, steps=1).snapshot().notes


def test_ids_are_unguessable_and_private(registry, tiny_model, tiny_train):
    a = start(registry, tiny_model, tiny_train, steps=5)
    b = start(registry, tiny_model, tiny_train, steps=5, owner="bob")
    assert a.id != b.id and len(a.id) >= 24
    assert [r.id for r in registry.list_runs("alice")] == [a.id]
    assert [r.id for r in registry.list_runs("bob")] == [b.id]
    assert registry.get("../../etc") is None and registry.get("x" * 30) is None


def test_pause_resume_stop_act_quickly(registry, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=100000)
    wait_for(lambda: run.snapshot().step > 3)
    t0 = time.time()
    run.pause()
    wait_for(lambda: run.snapshot().state == PAUSED, timeout=1.0)
    step = run.snapshot().step
    time.sleep(0.3)
    assert run.snapshot().step == step
    run.resume()
    wait_for(lambda: run.snapshot().step > step + 2, timeout=2.0)
    run.stop()
    wait_for(lambda: run.snapshot().state == STOPPED, timeout=1.0)
    run.join(1.0)
    assert time.time() - t0 < 5


def test_step_button_runs_n_steps_then_pauses(registry, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=100000)
    run.pause()
    wait_for(lambda: run.snapshot().state == PAUSED)
    before = run.snapshot().step
    run.step_once(3)
    wait_for(lambda: run.snapshot().step == before + 3 and run.snapshot().state == PAUSED)
    time.sleep(0.2)
    assert run.snapshot().step == before + 3
    run.step_once(1, update_d=True, update_g=False)
    wait_for(lambda: run.snapshot().step == before + 4)
    assert math.isnan(run.snapshot().history["grad_norm_g"][-1])


def test_settings_change_applies_and_is_marked(registry, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=100000)
    wait_for(lambda: run.snapshot().step > 2)
    run.update_settings(lr_g=5e-4, d_steps=2)
    wait_for(lambda: run.snapshot().markers)
    snap = run.snapshot()
    assert snap.lr_g == 5e-4 and snap.d_steps == 2
    step, label = snap.markers[0]
    assert "lr_g 0.002 → 0.0005" in label and "d_steps 1 → 2" in label and step >= 2
    assert run.with_trainer(lambda t: (t.lr_g, t.d_steps)) == (5e-4, 2)
    with pytest.raises(ValueError):
        run.update_settings(lr_d=3.0)


def test_queue_caps_concurrency(registry, tiny_model, tiny_train):
    first = start(registry, tiny_model, tiny_train, steps=100000)
    second = start(registry, tiny_model, tiny_train, steps=5)
    wait_for(lambda: first.snapshot().state == RUNNING)
    assert second.snapshot().state == QUEUED and second.snapshot().queue_position == 1
    first.stop()
    wait_for(lambda: second.snapshot().state == FINISHED)


def test_failure_in_thread_is_reported(registry, tiny_model, tiny_train):
    bad = DataSource("dataset", "no-such-dataset", DataConfig(seq_len=12))
    run = registry.start(bad, tiny_model, tiny_train, owner="alice")
    wait_for(lambda: run.snapshot().state == FAILED)
    assert "no-such-dataset" in run.snapshot().error


def test_divergence_marks_run_failed(registry, tiny_model, tiny_train, monkeypatch):
    from rgan.train import Trainer

    real_step = Trainer.step

    def exploding(self, *a, **k):
        if self.step_count >= 3:
            import torch

            self._real = torch.full_like(self._real, float("nan"))
        return real_step(self, *a, **k)

    monkeypatch.setattr(Trainer, "step", exploding)
    run = start(registry, tiny_model, tiny_train, steps=100)
    wait_for(lambda: run.snapshot().state == FAILED)
    assert "NaN/Inf at step 4" in run.snapshot().error
    assert run.snapshot().step == 3


def test_idle_run_is_stopped(tmp_path, tiny_model, tiny_train):
    reg = RunRegistry(RunnerConfig(runs_dir=str(tmp_path), max_concurrent=1, threads_per_run=1, idle_timeout_s=0.5))
    try:
        run = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=10**7), owner="a")
        wait_for(lambda: run.state == STOPPED, timeout=10)
        assert any("nobody watching" in n for n in run.notes)
    finally:
        reg.shutdown()


def test_restart_lists_and_resumes(tmp_path, tiny_model, tiny_train):
    cfg = RunnerConfig(runs_dir=str(tmp_path), max_concurrent=1, threads_per_run=1, checkpoint_every_s=0.1)
    reg = RunRegistry(cfg)
    run = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=40), owner="alice")
    wait_for(lambda: run.snapshot().state == FINISHED)
    run.join(5)
    fresh = RunRegistry(cfg)  # a new server process sees the same folder
    runs = fresh.list_runs("alice")
    assert [r.id for r in runs] == [run.id]
    assert runs[0].state == FINISHED and runs[0].step == 40
    resumed = fresh.resume(run.id, extra_steps=10)
    wait_for(lambda: resumed.snapshot().state == FINISHED)
    assert resumed.snapshot().step == 50
    assert resumed.snapshot().history["step"][:40] == [float(i) for i in range(1, 41)]
    fresh.shutdown()


def test_continuing_keeps_the_evolution_snapshots(tmp_path, tiny_model, tiny_train):
    cfg = RunnerConfig(runs_dir=str(tmp_path), max_concurrent=1, threads_per_run=1, evolution_every=5)
    reg = RunRegistry(cfg)
    run = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=20), owner="alice")
    wait_for(lambda: run.snapshot().state == FINISHED)
    before = [s for s, _ in run.snapshot().evolution]
    assert before == [5, 10, 15, 20]
    again = reg.resume(run.id, extra_steps=10)
    wait_for(lambda: again.snapshot().state == FINISHED and again.snapshot().step == 30)
    assert [s for s, _ in again.snapshot().evolution] == [5, 10, 15, 20, 25, 30]
    reg.shutdown()


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from dataclasses import replace
    from rgan.data import DataConfig
    from rgan.models import ModelConfig
    from rgan.data.source import DataSource
    from rgan.runs import RunnerConfig, RunRegistry
    from rgan.train import TrainConfig
    reg = RunRegistry(RunnerConfig(runs_dir=sys.argv[1], max_concurrent=1, threads_per_run=1, checkpoint_every_s=0.3))
    src = DataSource("dataset", "sines", DataConfig(seq_len=12), params={"n_samples": 200, "n_features": 2})
    run = reg.start(src, ModelConfig(g_hidden=8, d_hidden=8, g_layers=1), TrainConfig(batch_size=16, steps=10**7, device="cpu"), owner="alice")
    print(run.id, flush=True)
    while True:
        time.sleep(1)
    """
)


def test_sigkill_mid_training_then_resume(tmp_path):
    """Kill -9 the process that trains; a new registry lists the run with its log and resumes it."""
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    try:
        run_id = proc.stdout.readline().strip()
        folder = tmp_path / run_id
        wait_for(lambda: (folder / "checkpoint.pt").exists() and len(read_jsonl(folder / "metrics.jsonl")) > 20, timeout=60)
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    logged = read_jsonl(folder / "metrics.jsonl")
    assert len(logged) > 20
    reg = RunRegistry(RunnerConfig(runs_dir=str(tmp_path), max_concurrent=1, threads_per_run=1))
    try:
        runs = reg.list_runs("alice")
        assert [r.id for r in runs] == [run_id]
        run = runs[0]
        assert run.state == STOPPED and any("server stopped" in n for n in run.notes)
        assert 0 < run.step <= len(logged) and len(run.history["step"]) == run.step
        resumed = reg.resume(run_id)
        wait_for(lambda: resumed.snapshot().step > run.step + 5, timeout=30)
        resumed.stop()
    finally:
        reg.shutdown()


def test_out_of_memory_becomes_a_clear_message(registry, tiny_model, tiny_train, monkeypatch):
    import torch

    from rgan.train import Trainer

    def oom(self, *a, **k):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(Trainer, "step", oom)
    run = start(registry, tiny_model, tiny_train, steps=100)
    wait_for(lambda: run.snapshot().state == FAILED)
    assert run.snapshot().error == "Out of memory on cpu: lower the batch size or hidden sizes."


@pytest.mark.parametrize(
    "change, message",
    [
        ({"lr_d": 3.0}, "lr_d must be a number between 0 and 1, got 3.0."),
        ({"lr_g": 0}, "lr_g must be a number between 0 and 1, got 0."),
        ({"d_steps": 0}, "d_steps must be a positive integer, got 0."),
        ({"d_steps": 1.5}, "d_steps must be a positive integer, got 1.5."),
    ],
)
def test_settings_are_validated_like_a_train_config(registry, tiny_model, tiny_train, change, message):
    run = start(registry, tiny_model, tiny_train, steps=1)
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        run.update_settings(**change)


def _record(run_id: str, tiny_model, tiny_train, **kw) -> RunRecord:
    fields = dict(id=run_id, owner="alice", state=PAUSED, error=None, step=7, created=123.5, source=SOURCE,
                  model=tiny_model, train=tiny_train, lr_g=5e-4, lr_d=1e-3, d_steps=2, markers=[(3, "lr_g 0.002 → 0.0005")],
                  notes=["a note"], feature_names=["a", "b"], extra={"preset": "x"})
    return RunRecord(**{**fields, **kw})


def test_store_round_trips_the_run_record(tmp_path, tiny_model, tiny_train):
    store = RunStore(tmp_path)
    run_id = store.new_id()
    assert store.valid_id(run_id) and store.read_record(run_id) is None and store.owner_of(run_id) is None
    record = _record(run_id, tiny_model, tiny_train)
    store.create(run_id)
    store.write_record(record)
    assert store.read_record(run_id) == record
    assert store.owner_of(run_id) == "alice" and list(store.ids()) == [run_id]


def test_store_keeps_uploaded_data_with_the_run(tmp_path, tiny_model, tiny_train):
    store = RunStore(tmp_path)
    run_id = store.new_id()
    source = DataSource("csv", "mine.csv", DataConfig(seq_len=12), csv_bytes=b"a,b\n1,2\n")
    store.create(run_id, source.csv_bytes)
    store.create(run_id, b"not written again")
    store.write_record(_record(run_id, tiny_model, tiny_train, source=source))
    assert store.read_record(run_id).source.csv_bytes == b"a,b\n1,2\n"


def test_store_appends_metrics_and_reads_them_back_as_history(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.new_id()
    store.create(run_id)
    store.append_metrics(run_id, [{"step": 1, "loss_d": 0.5}, {"step": 2, "loss_d": math.inf}])
    store.append_metrics(run_id, [{"step": 3, "loss_d": 0.25}])
    history = store.read_history(run_id)
    assert history["step"] == [1.0, 2.0, 3.0]
    assert history["loss_d"][0] == 0.5 and math.isnan(history["loss_d"][1]) and history["loss_d"][2] == 0.25
    assert all(math.isnan(v) for v in history["loss_g"]) and len(history["loss_g"]) == 3


def test_store_refuses_ids_that_are_not_safe_folder_names(tmp_path):
    store = RunStore(tmp_path)
    (tmp_path / "short").mkdir()
    (tmp_path / ("x" * 20 + ".." + "y")).mkdir()
    for bad in ("short", "../" + "a" * 20, "a" * 65, None):
        assert not store.valid_id(bad)
    with pytest.raises(ValueError, match="Not a valid run id."):
        store.folder("../" + "a" * 20)
    assert list(store.ids()) == []


def test_store_checkpoint_round_trip(tmp_path, tiny_model, tiny_train):
    from rgan.train import Trainer

    store = RunStore(tmp_path)
    run_id = store.new_id()
    store.create(run_id)
    assert not store.has_checkpoint(run_id)
    data = SOURCE.load()
    trainer = Trainer(data, tiny_model, tiny_train)
    trainer.step()
    store.save_checkpoint(run_id, trainer)
    assert store.has_checkpoint(run_id) and store.checkpoint_step(run_id) == 1
    assert store.load_trainer(run_id, data=data, device="cpu").step_count == 1
    assert not list(store.folder(run_id).glob("*.tmp"))
