"""Durable run files: atomic writes that fsync file and folder under unique temporary names, a torn
last log line repaired before appending, the log cut back to the checkpoint on resume (charts never go
backwards), a resume refused while the old thread still writes, and a full disk that pauses a run."""

from __future__ import annotations

import errno
import json
import os
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from waiting import wait_for  # tests/ is on sys.path under pytest

from rgan.data import DataConfig
from rgan.data.source import DataSource
from rgan.logs import append_jsonl, atomic_write_bytes, read_jsonl, repair_jsonl, truncate_jsonl, write_json_atomic
from rgan.runs import FINISHED, PAUSED, STOPPED, RunnerConfig, RunRegistry
from rgan.runs.run import Run
from rgan.train.checkpoints import save_state

SOURCE = DataSource("dataset", "sines", DataConfig(seq_len=12), params={"n_samples": 200, "n_features": 2})


def make_registry(root: Path, **kw) -> RunRegistry:
    cfg = dict(runs_dir=str(root), max_concurrent=1, threads_per_run=1, checkpoint_every_s=0.2, log_every_s=0.1)
    return RunRegistry(RunnerConfig(**{**cfg, **kw}))


@pytest.fixture
def registry(tmp_path):
    reg = make_registry(tmp_path / "runs")
    yield reg
    reg.shutdown()


# ------------------------------------------------------------------------------- atomic writes
def test_atomic_write_fsyncs_the_file_and_its_folder(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    target = tmp_path / "run.json"
    write_json_atomic(target, {"a": 1})
    assert json.loads(target.read_text()) == {"a": 1}
    assert any(Path(p).name.startswith(".run.json.") for p in synced), synced  # the temporary file, before the rename
    assert str(tmp_path) in synced, synced  # then the folder, so the rename survives a power cut
    assert list(tmp_path.iterdir()) == [target]


def test_concurrent_atomic_writers_use_unique_temporary_names(tmp_path):
    target = tmp_path / "checkpoint.pt"
    payloads = [bytes([i]) * 200_000 for i in range(8)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(5):
                atomic_write_bytes(target, lambda f: f.write(data))
        except BaseException as e:  # a shared temporary name makes one writer's rename fail
            errors.append(e)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert target.read_bytes() in payloads  # one whole payload, never a mix
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "run.json"
    write_json_atomic(target, {"old": True})

    def broken(f):
        f.write(b'{"new": ')
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        atomic_write_bytes(target, broken)
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_checkpoints_are_written_by_the_same_atomic_writer(tmp_path, monkeypatch):
    import rgan.train.checkpoints as checkpoints

    calls: list[Path] = []
    real = checkpoints.atomic_write_bytes
    monkeypatch.setattr(checkpoints, "atomic_write_bytes", lambda path, writer: calls.append(Path(path)) or real(path, writer))
    path = save_state({"step": 3, "w": torch.ones(2)}, tmp_path / "checkpoint.pt")
    assert calls == [path]
    assert torch.load(path, weights_only=True)["step"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


# ----------------------------------------------------------------------------------- the log
def test_a_torn_last_line_is_cut_before_the_next_append(tmp_path):
    log = tmp_path / "metrics.jsonl"
    append_jsonl(log, [{"step": 1}, {"step": 2}])
    with open(log, "a") as f:
        f.write('{"step": 3, "loss_d": 0.6')  # the server died in the middle of this line
    append_jsonl(log, [{"step": 3}, {"step": 4}])
    # without the repair, {"step": 3} would be glued to the torn line and both lost
    assert [r["step"] for r in read_jsonl(log)] == [1, 2, 3, 4]
    assert log.read_text().count("\n") == 4 and log.read_text().endswith("\n")
    assert repair_jsonl(log) is False  # a whole log is left alone


def test_a_log_that_is_only_a_torn_line_is_emptied(tmp_path):
    log = tmp_path / "metrics.jsonl"
    log.write_text('{"step": 1, "lo')
    assert repair_jsonl(log) is True
    assert log.read_bytes() == b""


def test_truncate_keeps_the_records_asked_for(tmp_path):
    log = tmp_path / "metrics.jsonl"
    append_jsonl(log, [{"step": s} for s in range(1, 11)])
    assert truncate_jsonl(log, lambda r: r["step"] <= 6) == 4
    assert [r["step"] for r in read_jsonl(log)] == [1, 2, 3, 4, 5, 6]


def test_after_a_crash_and_a_resume_logged_steps_only_go_up(tmp_path, tiny_model, tiny_train):
    root = tmp_path / "runs"
    reg = make_registry(root)
    run = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=40), owner="alice")
    wait_for(lambda: run.snapshot().step >= 10)
    run.stop()
    run.join(10)
    reg.shutdown()
    ckpt_step = int(torch.load(run.checkpoint_path, weights_only=True)["step"])
    # A crash after the log was flushed past the checkpoint, in the middle of a line.
    append_jsonl(run.dir / "metrics.jsonl", [{"step": ckpt_step + k, "loss_d": 0.5} for k in (1, 2, 3)])
    with open(run.dir / "metrics.jsonl", "a") as f:
        f.write('{"step": %d, "loss' % (ckpt_step + 4))
    restarted = make_registry(root)
    try:
        again = restarted.resume(run.id)
        wait_for(lambda: again.snapshot().state == FINISHED)
        again.join(10)
        steps = [r["step"] for r in read_jsonl(run.dir / "metrics.jsonl")]
        assert steps == sorted(set(steps)), "steps in the log go up, one record per step"
        assert steps[-1] == 40 and len(steps) == 40
        assert again.snapshot().history["step"] == [float(s) for s in steps]
    finally:
        restarted.shutdown()


# ------------------------------------------------------------------------------------ resumes
def test_two_quick_resumes_start_one_thread(registry, tiny_model, tiny_train):
    run = registry.start(SOURCE, tiny_model, replace(tiny_train, steps=400), owner="alice")
    wait_for(lambda: run.snapshot().step >= 5)
    run.stop()
    wait_for(lambda: run.snapshot().state == STOPPED)
    first = registry.resume(run.id)
    with pytest.raises(ValueError, match="still active"):
        registry.resume(run.id)
    assert registry.get(run.id) is first


def test_a_resume_waits_for_the_old_thread_to_end(registry, tiny_model, tiny_train, monkeypatch):
    release = threading.Event()
    real_checkpoint = Run._checkpoint

    def slow_final_checkpoint(self):
        if self.state == STOPPED:
            release.wait(20)  # the old thread is still writing its last checkpoint
        real_checkpoint(self)

    monkeypatch.setattr(Run, "_checkpoint", slow_final_checkpoint)
    run = registry.start(SOURCE, tiny_model, replace(tiny_train, steps=400), owner="alice")
    wait_for(lambda: run.snapshot().step >= 5)
    run.stop()
    wait_for(lambda: run.snapshot().state == STOPPED)
    monkeypatch.setattr(Run, "join", lambda self, timeout=None: None)  # as if the 5 s wait ran out
    with pytest.raises(ValueError, match="still saving its last checkpoint"):
        registry.resume(run.id)
    assert registry.get(run.id) is run and run.thread_alive()
    release.set()
    wait_for(lambda: not run.thread_alive())
    again = registry.resume(run.id)
    assert again is not run
    wait_for(lambda: again.snapshot().step > run.snapshot().step)


# ----------------------------------------------------------------------------------- full disk
def test_a_full_disk_pauses_the_run_with_a_note_and_it_resumes(registry, tiny_model, tiny_train, monkeypatch):
    store = registry.store
    real_append = store.append_metrics
    full = threading.Event()

    def append(run_id, records):
        if full.is_set():
            raise OSError(errno.ENOSPC, "No space left on device")
        real_append(run_id, records)

    monkeypatch.setattr(store, "append_metrics", append)
    run = registry.start(SOURCE, tiny_model, replace(tiny_train, steps=100_000), owner="alice")
    wait_for(lambda: run.snapshot().step >= 5)
    full.set()
    wait_for(lambda: run.snapshot().state == PAUSED)
    notes = run.snapshot().notes
    assert any("the server's disk is full" in n and "press Resume" in n for n in notes), notes
    full.clear()
    run.resume()
    wait_for(lambda: run.snapshot().state != PAUSED and run.snapshot().step > 0)
    paused_at = run.snapshot().step
    wait_for(lambda: run.snapshot().step > paused_at + 5)
    run.stop()
    run.join(10)
    steps = [r["step"] for r in read_jsonl(run.dir / "metrics.jsonl")]
    assert steps == list(range(1, len(steps) + 1)), "the records held back while the disk was full were written"
