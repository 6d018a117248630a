"""The ``ray`` executor against a real local Ray cluster of two nodes (one CPU each), started here.

Runs train in detached actors through the same Run API as local runs; a new registry (a restarted web
server) follows live actors again; a killed actor turns its run into a lost one that resumes from its
checkpoint; two runs land on two different nodes.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from dataclasses import replace

import pytest
import ray  # requirements-ray.txt, installed by requirements-dev.txt
from ray.cluster_utils import Cluster
from waiting import wait_for  # tests/ is on sys.path under pytest

from rgan.data import DataConfig
from rgan.data.source import DataSource
from rgan.logs import read_jsonl
from rgan.runs import (
    FAILED,
    FINISHED,
    PAUSED,
    QUEUED,
    RUNNING,
    STOPPED,
    RunnerConfig,
    RunRegistry,
    ray_executor,
)
from rgan.runs.actor import ACTOR_PROCESS_BYTES, actor_memory, actor_name
from rgan.runs.ray_executor import NAMESPACE, RayExecutor, RayRun

LOST_WAIT_S = 4.0  # the GPU test's "lost after" plus a second
SOURCE = DataSource("dataset", "sines", DataConfig(seq_len=12), params={"n_samples": 200, "n_features": 2})


@pytest.fixture(scope="module")
def cluster():
    """Two Ray nodes with one CPU each on this machine; the test process joins as the web server would."""
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 80 * 2**20,
                                                      "include_dashboard": False})
    c.add_node(num_cpus=1, object_store_memory=80 * 2**20)
    ray.init(address=c.address, namespace=NAMESPACE, log_to_driver=False)
    c.wait_for_nodes()
    yield c
    ray.shutdown()
    c.shutdown()


def config(tmp_path, **kw) -> RunnerConfig:
    base = RunnerConfig(runs_dir=str(tmp_path / "runs"), executor="ray", threads_per_run=1, checkpoint_every_s=0.3,
                        log_every_s=0.1, substep_delay_s=0.15, evolution_every=20)
    return replace(base, **kw)


@pytest.fixture
def registry(cluster, tmp_path):
    reg = RunRegistry(config(tmp_path))
    yield reg
    reg.shutdown(timeout=20)
    wait_for(lambda: not RayExecutor.live_run_ids(reg.executor))  # every actor is gone after its run ended


def start(registry, tiny_model, tiny_train, **kw):
    return registry.start(SOURCE, tiny_model, replace(tiny_train, **kw), owner="alice")


def contiguous(steps) -> bool:
    return [int(s) for s in steps] == list(range(1, len(steps) + 1))


def test_a_run_trains_in_an_actor_and_the_server_persists_it(registry, tiny_model, tiny_train):
    assert registry.config.max_concurrent == 2  # two CPUs in the cluster, one per run
    run = start(registry, tiny_model, tiny_train, steps=40)
    assert isinstance(run, RayRun)
    wait_for(lambda: run.snapshot().state == FINISHED, timeout=60)
    run.join(10)
    snap = run.snapshot()
    assert snap.step == 40 and contiguous(snap.history["step"])
    assert all(math.isfinite(v) for v in snap.history["loss_g"])
    assert snap.preview is not None and snap.preview.shape[1:] == (12, 2)
    assert snap.feature_names == ["x1", "x2"] and [s for s, _ in snap.evolution] == [20, 40]
    assert len(read_jsonl(run.dir / "metrics.jsonl")) == 40
    assert registry.store.checkpoint_step(run.id) == 40  # the actor's bytes, written by the server
    wait_for(lambda: run.id not in registry.executor.live_run_ids())


def test_teaching_controls_work_on_ray(registry, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=100000)
    wait_for(lambda: run.snapshot().step > 3)
    run.pause()
    wait_for(lambda: run.snapshot().state == PAUSED)
    before = run.snapshot().step
    time.sleep(0.5)
    assert run.snapshot().step == before
    run.step_once(2)
    wait_for(lambda: run.snapshot().step == before + 2 and run.snapshot().state == PAUSED)
    run.step_once(1, update_d=True, update_g=False)  # D only
    wait_for(lambda: run.snapshot().step == before + 3)
    assert math.isnan(run.snapshot().history["grad_norm_g"][-1])
    run.step_once(1, update_d=False, update_g=True)  # G only
    wait_for(lambda: run.snapshot().step == before + 4)
    assert math.isnan(run.snapshot().history["grad_norm_d"][-1])
    run.step_once(1, slow=True)  # slow motion: sub-step captions reach the server while the step runs
    seen = set()
    wait_for(lambda: seen.add(run.snapshot().substep) or run.snapshot().step == before + 5, timeout=20, interval=0.02)
    assert len(seen - {None}) >= 2
    run.update_settings(lr_g=5e-4, d_steps=2)
    run.resume()
    wait_for(lambda: run.snapshot().markers and run.snapshot().state == RUNNING)
    snap = run.snapshot()
    assert snap.lr_g == 5e-4 and snap.d_steps == 2 and "lr_g 0.002 → 0.0005" in snap.markers[0][1]
    assert run.with_trainer(lambda t: (t.lr_g, t.d_steps)) == (5e-4, 2)  # computed in the actor
    realness = run.with_trainer(lambda t: t.d_realness(t.preview()))  # D's view, computed in the actor
    assert realness.shape == (tiny_train.preview_size, 12)
    with pytest.raises(ValueError):
        run.update_settings(lr_d=3.0)
    at = run.snapshot().step
    wait_for(lambda: run.snapshot().step > at + 3)
    run.stop()
    wait_for(lambda: run.snapshot().state == STOPPED)
    run.join(10)
    assert contiguous(run.snapshot().history["step"])


def test_a_restarted_server_follows_a_live_run(registry, cluster, tmp_path, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=100000)
    wait_for(lambda: run.snapshot().step > 5)
    run.detach()  # the server "dies": it stops polling, the actor trains on
    seen_by_old = run.snapshot().step
    time.sleep(1.5)
    restarted = RunRegistry(config(tmp_path))  # finds the actor by name as it starts
    assert restarted.active_count() == 1
    again = restarted.get(run.id)
    assert again is not run and again.attached
    wait_for(lambda: again.snapshot().step > seen_by_old + 20)
    snap = again.snapshot()
    assert snap.state == RUNNING and contiguous(snap.history["step"])  # the steps trained while down too
    again.stop()
    wait_for(lambda: again.snapshot().state == STOPPED)
    again.join(10)
    assert contiguous([r["step"] for r in read_jsonl(again.dir / "metrics.jsonl")])
    restarted.shutdown()


def test_a_killed_actor_is_lost_and_resumes_from_its_checkpoint(registry, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=100000)
    wait_for(lambda: registry.store.has_checkpoint(run.id) and run.snapshot().step > 10)
    ray.kill(ray.get_actor(actor_name(run.id), namespace=NAMESPACE))
    wait_for(lambda: run.snapshot().state == FAILED)
    snap = run.snapshot()
    assert snap.error.startswith(f"Its worker was lost at step {snap.step}; resume it from its last checkpoint")
    run.join(10)
    saved = registry.store.checkpoint_step(run.id)
    resumed = registry.resume(run.id)
    wait_for(lambda: resumed.snapshot().state == RUNNING and resumed.snapshot().step > saved + 5)
    assert contiguous(resumed.snapshot().history["step"])  # the lost steps after the checkpoint are trained again
    resumed.stop()
    resumed.join(10)


def test_two_runs_are_placed_on_two_nodes(registry, tiny_model, tiny_train):
    runs = [start(registry, tiny_model, tiny_train, steps=100000) for _ in range(2)]
    wait_for(lambda: all(r.snapshot().state == RUNNING for r in runs))
    nodes = {ray.get(r.actor.placement.remote())["node"] for r in runs}
    assert len(nodes) == 2  # one CPU per node, one CPU per run: Ray's scheduler spreads them
    third = start(registry, tiny_model, tiny_train, steps=5)
    time.sleep(0.5)
    assert third.snapshot().queue_position == 1  # the cluster is full: the app's queue holds it
    runs[0].stop()
    wait_for(lambda: third.snapshot().state == FINISHED, timeout=60)
    runs[1].stop()


def test_an_actor_asks_for_memory_by_the_runs_size(registry, tiny_model, tiny_train):
    small = start(registry, tiny_model, tiny_train, steps=1)
    big = start(registry, replace(tiny_model, g_hidden=256, d_hidden=256), tiny_train, steps=1, batch_size=512)
    assert ACTOR_PROCESS_BYTES < actor_memory(small) < actor_memory(big)
    node = max(n["Resources"]["memory"] for n in ray.nodes() if n["Alive"])
    assert registry.config.run_memory_limit_mb == node / 2**20  # the largest node's, not the web server's
    for run in (small, big):
        wait_for(lambda: run.snapshot().state == FINISHED, timeout=60)


def test_a_run_that_can_use_a_gpu_asks_for_one(cluster, tmp_path, tiny_model, tiny_train, monkeypatch):
    monkeypatch.setattr(ray_executor, "LOST_AFTER_S", LOST_WAIT_S - 1)
    gpu_node = cluster.add_node(num_cpus=1, num_gpus=1, object_store_memory=80 * 2**20)  # a GPU as Ray sees it
    cluster.wait_for_nodes()
    reg = RunRegistry(config(tmp_path))
    try:
        on_gpu = start(reg, tiny_model, tiny_train, steps=100000, device="auto")  # "auto" + a GPU in the cluster
        on_cpu = start(reg, tiny_model, tiny_train, steps=100000, device="cpu")
        wait_for(lambda: on_gpu.snapshot().state == RUNNING and on_cpu.snapshot().state == RUNNING, timeout=60)
        gpu_place, cpu_place = (ray.get(r.actor.placement.remote()) for r in (on_gpu, on_cpu))
        assert gpu_place["node"] == gpu_node.node_id and gpu_place["resources"].get("GPU") == 1
        assert "GPU" not in cpu_place["resources"] and cpu_place["resources"]["CPU"] == 1
        cuda = start(reg, tiny_model, tiny_train, steps=5, device="cuda")
        time.sleep(LOST_WAIT_S)
        # a CPU is free, the one GPU is not: Ray holds the actor back, and waiting is not being lost
        assert cuda.snapshot().state == QUEUED
        cuda.stop()
        wait_for(lambda: cuda.snapshot().state == STOPPED)  # stopped while Ray still held it back
        on_gpu.stop()
        on_gpu.join(20)
        again = start(reg, tiny_model, tiny_train, steps=5, device="cuda")
        wait_for(lambda: again.snapshot().state != QUEUED, timeout=60)  # placed now that the GPU is free
    finally:
        reg.shutdown(timeout=20)
        cluster.remove_node(gpu_node)
        cluster.wait_for_nodes()


def test_cuda_without_a_gpu_node_says_so(registry, tiny_model, tiny_train):
    run = start(registry, tiny_model, tiny_train, steps=5, device="cuda")
    wait_for(lambda: run.snapshot().state == FAILED)
    assert run.snapshot().error == "This run asks for CUDA, but the Ray cluster has no GPU node; choose auto or cpu."


def test_the_local_executor_never_imports_ray(tmp_path):
    code = (
        "import sys\n"
        "from rgan.runs import RunRegistry, RunnerConfig\n"
        f"reg = RunRegistry(RunnerConfig(runs_dir={str(tmp_path)!r}))\n"
        "assert reg.executor.name == 'local'\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_executor_settings_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("RGAN_EXECUTOR", "Ray")
    assert RunnerConfig.from_env().executor == "ray"
    with pytest.raises(ValueError, match="RGAN_EXECUTOR must be one of local, ray; got 'dask'"):
        RunRegistry(RunnerConfig(runs_dir=str(tmp_path), executor="dask"))


def test_a_cluster_that_wants_a_token_gets_a_message_naming_both_ways_to_give_it(monkeypatch):
    """Ray's token authentication: the head refuses a server without its token; the message names the token
    file and RAY_AUTH_TOKEN (a fresh machine has no ~/.ray/auth_token)."""
    def refuse(**_):
        raise ConnectionError("Authentication failed: this cluster requires a token")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", refuse)
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.1:6379")
    with pytest.raises(ValueError, match="wants its token") as caught:
        RayExecutor(RunnerConfig())
    assert "~/.ray/auth_token" in str(caught.value) and "RAY_AUTH_TOKEN" in str(caught.value)
    monkeypatch.delenv("RAY_ADDRESS")
    with pytest.raises(ValueError, match="needs RAY_ADDRESS"):
        RayExecutor(RunnerConfig())
