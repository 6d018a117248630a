"""A classroom's limits: memory budgets, runs per person, free disk space, the runs folder's quota and
retention, Delete, uploads kept once, and paused runs giving their training slot up."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from waiting import wait_for  # tests/ is on sys.path under pytest

from rgan.data import DataConfig
from rgan.data.source import DataSource
from rgan.models import Discriminator, Generator, ModelConfig, count_parameters
from rgan.runs import FINISHED, PAUSED, QUEUED, RUNNING, STOPPED, RunnerConfig, RunRegistry
from rgan.runs.admission import make_room
from rgan.runs.budget import check_run_memory, estimate_run_memory, rnn_parameters
from rgan.train import TrainConfig

SOURCE = DataSource("dataset", "sines", DataConfig(seq_len=12), params={"n_samples": 200, "n_features": 2})
CSV = b"t,a,b\n" + b"".join(b"%d,%f,%f\n" % (i, (i % 7) / 7, (i % 5) / 5) for i in range(200))


def make_registry(root: Path, **kw) -> RunRegistry:
    cfg = dict(runs_dir=str(root), max_concurrent=1, threads_per_run=1, checkpoint_every_s=0.2, log_every_s=0.1,
               min_free_mb=0)
    return RunRegistry(RunnerConfig(**{**cfg, **kw}))


@pytest.fixture
def registries(tmp_path):
    made: list[RunRegistry] = []

    def make(**kw) -> RunRegistry:
        made.append(make_registry(tmp_path / "runs", **kw))
        return made[-1]

    yield make
    for reg in made:
        reg.shutdown()


def ended_run(reg: RunRegistry, model, train, owner="alice", source=SOURCE):
    run = reg.start(source, model, replace(train, steps=3), owner=owner)
    wait_for(lambda: run.snapshot().state == FINISHED)
    run.join(10)
    return run


# ---------------------------------------------------------------------------------- memory budget
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_estimate_counts_parameters_exactly(cell):
    model = ModelConfig(g_cell=cell, d_cell=cell, g_hidden=48, g_layers=3, d_hidden=20, d_layers=2)
    assert rnn_parameters(cell, model.generator_input_dim, 48, 3) + 48 * 5 + 5 == count_parameters(Generator(5, model))
    assert rnn_parameters(cell, 10, 20, 2) + 21 == count_parameters(Discriminator(5, model))  # values and changes
    levels_only = replace(model, d_diffs=False)
    assert rnn_parameters(cell, 5, 20, 2) + 21 == count_parameters(Discriminator(5, levels_only))
    both_ways = replace(model, d_both_ways=True)  # two stacks; the second layer reads both ways' states
    assert rnn_parameters(cell, 10, 20, 2, directions=2) + 41 == count_parameters(Discriminator(5, both_ways))
    assert (estimate_run_memory(both_ways, TrainConfig(), 1000, 24, 5).total
            > estimate_run_memory(model, TrainConfig(), 1000, 24, 5).total)


def test_the_estimate_grows_with_each_size_it_names():
    base = estimate_run_memory(ModelConfig(), TrainConfig(), 1000, 24, 5).total
    for model, train, shape in ((ModelConfig(g_hidden=256), TrainConfig(), (1000, 24, 5)),
                                (ModelConfig(), TrainConfig(batch_size=1024), (1000, 24, 5)),
                                (ModelConfig(), TrainConfig(), (1000, 240, 5)),
                                (ModelConfig(), TrainConfig(loss="wgan-gp"), (1000, 24, 5))):
        assert estimate_run_memory(model, train, *shape).total > base


def test_an_over_budget_run_is_refused_with_its_estimate(tmp_path):
    model = ModelConfig(g_cell="lstm", d_cell="lstm", g_hidden=1024, d_hidden=1024, g_layers=6, d_layers=6)
    estimate = estimate_run_memory(model, TrainConfig(batch_size=4096), 10_000, 2000, 5)
    with pytest.raises(ValueError) as e:
        check_run_memory(estimate, 2048)
    message = str(e.value)
    assert message.startswith("This run needs about ") and " GB (batch 4,096 × 2,000 time steps × 1,024 hidden × 6 " \
        "layers); the limit is 2.0 GB. Lower the batch size, the sequence length or the hidden size." in message


def test_the_registry_refuses_a_run_over_its_memory_limit(registries, tiny_model, tiny_train):
    reg = registries(max_run_memory_mb=150)
    big = replace(tiny_model, g_hidden=512, d_hidden=512, g_layers=3)
    with pytest.raises(ValueError, match=r"This run needs about .* the limit is 150 MB\. Lower the batch size"):
        reg.start(SOURCE, big, replace(tiny_train, batch_size=256), owner="alice")
    assert list(reg.store.ids()) == [] and reg.list_runs("alice") == []
    run = reg.start(SOURCE, tiny_model, tiny_train, owner="alice")  # a small one still starts
    assert run.memory_estimate is not None and run.memory_estimate.total_mb < 150


def test_limits_come_from_the_environment(monkeypatch):
    for key, value in {"RGAN_MAX_RUN_MEMORY_MB": "900", "RGAN_MAX_RUNS_PER_USER": "2", "RGAN_RUNS_QUOTA_MB": "1000",
                       "RGAN_RETENTION_DAYS": "3", "RGAN_MIN_FREE_MB": "50"}.items():
        monkeypatch.setenv(key, value)
    cfg = RunnerConfig.from_env()
    assert (cfg.max_run_memory_mb, cfg.max_runs_per_user, cfg.runs_quota_mb, cfg.retention_days, cfg.min_free_mb) \
        == (900, 2, 1000, 3, 50)
    assert cfg.run_memory_limit_mb == 900
    monkeypatch.setenv("RGAN_MAX_RUNS_PER_USER", "-1")
    with pytest.raises(ValueError, match="RGAN_MAX_RUNS_PER_USER must be 0 or more"):
        RunnerConfig.from_env()
    assert RunnerConfig(max_concurrent=4).run_memory_limit_mb * 2 == pytest.approx(
        RunnerConfig(max_concurrent=2).run_memory_limit_mb)  # by default: memory shared by the runs at once


# ---------------------------------------------------------------------------------- per person
def test_runs_per_person_are_capped(registries, tiny_model, tiny_train):
    reg = registries(max_runs_per_user=2)
    long = replace(tiny_train, steps=100_000)
    first = reg.start(SOURCE, tiny_model, long, owner="alice")
    reg.start(SOURCE, tiny_model, long, owner="alice")  # queued: counts too
    with pytest.raises(ValueError, match="You already have 2 runs queued, running or paused, the most this server "
                                         "allows per person; stop one of them"):
        reg.start(SOURCE, tiny_model, long, owner="alice")
    reg.start(SOURCE, tiny_model, long, owner="bob").stop()  # someone else is not affected
    first.stop()
    wait_for(lambda: first.snapshot().state == STOPPED)
    reg.start(SOURCE, tiny_model, long, owner="alice").stop()


# ---------------------------------------------------------------------------------- disk
def test_a_start_is_refused_when_the_disk_is_nearly_full(registries, tiny_model, tiny_train):
    reg = registries(min_free_mb=10**9)  # a petabyte
    with pytest.raises(ValueError, match=r"The server's disk is nearly full \(.* free; a run needs .* to start\)\. "
                                         "Delete old runs"):
        reg.start(SOURCE, tiny_model, tiny_train, owner="alice")


def test_over_the_quota_old_ended_runs_go_first_and_active_ones_never(registries, tiny_model, tiny_train):
    reg = registries()
    old, newer = ended_run(reg, tiny_model, tiny_train), ended_run(reg, tiny_model, tiny_train)
    active = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=100_000), owner="carol")
    wait_for(lambda: active.snapshot().step > 0)
    active.stop()  # its files stop changing (sizes are measured below); ``keep`` is what protects it
    active.join(10)
    month = time.time() - 30 * 86400
    for run, age in ((old, month - 100), (newer, month), (active, month - 200)):
        for path in run.dir.iterdir():
            os.utime(path, (age, age))
    for run in (old, newer, active):
        run.last_seen = 0.0  # nobody has looked at them in this server either
    used = reg.store.disk_usage()
    quota_mb = (used - reg.store.size_of(old.id) // 2) / 2**20  # deleting the oldest is enough
    deleted = make_room(reg.store, quota_mb, 7, keep={active.id}, last_seen={})
    assert deleted == [old.id]
    assert not old.dir.exists() and newer.dir.exists() and active.dir.exists()
    with pytest.raises(ValueError, match=r"The runs folder is full \(.* of its .*\); delete some of your old runs"):
        make_room(reg.store, 0.001, 7, keep={active.id}, last_seen={})
    assert not newer.dir.exists() and active.dir.exists(), "an active run is never deleted, however old"
    recent = ended_run(reg, tiny_model, tiny_train)
    with pytest.raises(ValueError, match="The runs folder is full"):  # nothing else is old enough to go
        make_room(reg.store, 0.001, 7, keep={active.id}, last_seen={})
    assert recent.dir.exists()


def test_the_registry_makes_room_before_a_start(registries, tiny_model, tiny_train):
    first = registries()
    old = ended_run(first, tiny_model, tiny_train)
    (old.dir / "big.bin").write_bytes(bytes(2 * 2**20))  # 2 MB: with it, a new run's room (~1 MB) is not left
    for path in old.dir.iterdir():
        os.utime(path, (0, 0))
    first.shutdown()
    reg = registries(runs_quota_mb=2.5, retention_days=1)
    fresh = reg.start(SOURCE, tiny_model, tiny_train, owner="bob")
    assert not old.dir.exists() and fresh.dir.exists()


# ---------------------------------------------------------------------------------- delete, uploads
def test_delete_own_ended_runs_only(registries, tiny_model, tiny_train):
    reg = registries()
    done = ended_run(reg, tiny_model, tiny_train)
    live = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=100_000), owner="alice")
    with pytest.raises(ValueError, match="Only the browser that started this run can delete it."):
        reg.delete(done.id, "mallory")
    with pytest.raises(ValueError, match="This run is still active; stop it first, then delete it."):
        reg.delete(live.id, "alice")
    reg.delete(done.id, "alice")
    assert not done.dir.exists() and reg.get(done.id) is None
    assert [r.id for r in reg.list_runs("alice")] == [live.id]


def test_an_upload_is_kept_once_and_deleted_with_its_last_run(registries, tiny_model, tiny_train):
    reg = registries()
    source = DataSource("csv", "prices.csv", DataConfig(seq_len=12), csv_bytes=CSV)
    a, b = ended_run(reg, tiny_model, tiny_train, source=source), ended_run(reg, tiny_model, tiny_train, source=source)
    uploads = list((reg.store.root / "uploads").iterdir())
    assert len(uploads) == 1 and uploads[0].read_bytes() == CSV
    assert not (a.dir / "data.csv").exists() and not (b.dir / "data.csv").exists()
    reg.shutdown()
    restarted = registries()  # read back after a restart: the run still has its data, so it can resume
    assert restarted.get(a.id).source.csv_bytes == CSV
    restarted.delete(a.id, "alice")
    assert uploads[0].exists(), "b still uses it"
    restarted.delete(b.id, "alice")
    assert not uploads[0].exists()


def test_a_damaged_run_json_is_skipped_and_counted(registries, tiny_model, tiny_train):
    reg = registries()
    good = ended_run(reg, tiny_model, tiny_train)
    torn, wrong = reg.store.root / ("t" * 24), reg.store.root / ("w" * 24)
    torn.mkdir(), wrong.mkdir()
    (torn / "run.json").write_text('{"owner": "alice", "sta')
    (wrong / "run.json").write_text(json_text := '{"owner": "alice", "state": "finished"}')  # no configs
    assert json_text
    reg.shutdown()
    restarted = registries()
    assert [r.id for r in restarted.list_runs("alice")] == [good.id]
    assert restarted.unreadable == {torn.name, wrong.name}


# ---------------------------------------------------------------------------------- slots
def test_a_paused_run_gives_its_slot_up_and_queues_to_resume(registries, tiny_model, tiny_train):
    reg = registries()  # one run at a time
    first = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=100_000), owner="alice")
    wait_for(lambda: first.snapshot().state == RUNNING)
    second = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=100_000), owner="bob")
    assert second.snapshot().state == QUEUED and second.snapshot().queue_position == 1
    first.pause()
    wait_for(lambda: second.snapshot().state == RUNNING)
    assert first.snapshot().state == PAUSED and reg.active_count() == 1
    first.resume()  # every slot is taken: it waits in the queue, paused where it was
    wait_for(lambda: first.snapshot().state == QUEUED)
    step = first.snapshot().step
    assert first.snapshot().queue_position == 1
    time.sleep(0.5)
    assert first.snapshot().step == step, "a run waiting for a slot does not train"
    second.stop()
    wait_for(lambda: first.snapshot().state == RUNNING and first.snapshot().step > step)
    first.step_once(2)  # a running run keeps its slot for single steps
    wait_for(lambda: first.snapshot().state == PAUSED)
    assert reg.active_count() == 0


def test_pausing_a_run_that_waits_for_a_slot_calls_the_resume_off(registries, tiny_model, tiny_train):
    reg = registries()
    first = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=100_000), owner="alice")
    wait_for(lambda: first.snapshot().state == RUNNING)
    first.pause()
    wait_for(lambda: first.snapshot().state == PAUSED)
    second = reg.start(SOURCE, tiny_model, replace(tiny_train, steps=100_000), owner="bob")
    wait_for(lambda: second.snapshot().state == RUNNING)
    first.resume()
    wait_for(lambda: first.snapshot().state == QUEUED)
    first.pause()
    assert first.snapshot().state == PAUSED
    second.stop()
    wait_for(lambda: second.snapshot().state == STOPPED)
    time.sleep(0.5)
    assert first.snapshot().state == PAUSED and reg.queue_position(first.id) is None
