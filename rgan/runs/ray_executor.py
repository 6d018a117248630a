"""The ``ray`` executor: each run is a detached, named Ray actor; the web server only follows it.

- :class:`RayExecutor` connects to the cluster ``RAY_ADDRESS`` names, sizes "runs at once" from the
  cluster's CPUs, creates actors (CPUs, a GPU for CUDA runs, memory estimated from the sizes) and finds
  the live ones again by name after the server restarted.
- :class:`RayRun` is a :class:`~rgan.runs.run.Run` whose thread is a poller: it forwards controls to
  the actor, merges what the actor reports into the fields a snapshot reads, and persists metrics,
  records and checkpoint bytes through the registry's :class:`~rgan.runs.store.RunStore`. Actors write
  nothing the server reads from disk, so no shared file system is needed.

Imported only when ``RGAN_EXECUTOR=ray``.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable

import ray
from ray.exceptions import ActorUnavailableError, GetTimeoutError, RayActorError, RayTaskError

from rgan.logs import atomic_write_bytes
from rgan.runs.actor import RunActor, actor_memory, actor_name
from rgan.runs.config import FAILED, METRIC_KEYS, QUEUED, STOPPED, RunnerConfig
from rgan.runs.run import Run

if TYPE_CHECKING:
    from rgan.runs.registry import RunRegistry

NAMESPACE = "rgan-studio"  # every actor of the app lives here, named "run-<run id>"
POLL_S = 0.2  # seconds between reports: slow-motion captions change every ~0.6 s
CAPACITY_EVERY_S = 10.0  # seconds between looks at the cluster's size
LOST_AFTER_S = 30.0  # an actor unreachable this long (its node gone) counts as lost
WAIT_TRAINER_S = 20.0  # longest wait for a call on the trainer (a slow-motion step holds it a few seconds)


class RayExecutor:
    """Runs as Ray actors on the cluster ``RAY_ADDRESS`` names (or the one this process already joined).

    Raises:
        ValueError: no cluster is named or none answers there.
    """

    name = "ray"

    def __init__(self, config: RunnerConfig) -> None:
        if not ray.is_initialized():
            address = os.environ.get("RAY_ADDRESS", "")
            if not address:
                raise ValueError("RGAN_EXECUTOR=ray needs RAY_ADDRESS: run `ray start --head`, then set RAY_ADDRESS=auto.")
            try:
                ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
            except (ConnectionError, RuntimeError) as e:
                if "Authentication" in f"{e!r} {e.__cause__!r}":
                    raise ValueError(f"The Ray cluster at RAY_ADDRESS={address} wants its token: set RAY_AUTH_MODE=token "
                                     "and either copy the head's ~/.ray/auth_token to this machine or set RAY_AUTH_TOKEN "
                                     "to the token the head was started with.") from e
                raise ValueError(f"No Ray cluster answered at RAY_ADDRESS={address}: start one with `ray start --head`.") from e
        self.threads = config.threads_per_run if config.threads_per_run > 0 else 1
        self._capacity_checked = 0.0
        # The default group runs one call at a time, in order (pause, then resume, never the reverse);
        # RayRun.with_trainer sends its calls to the "trainer" group, so sampling or D's view never
        # holds up reports and controls.
        self._actor_class = ray.remote(concurrency_groups={"trainer": 1})(RunActor)
        self._lock = threading.Lock()

    @property
    def run_class(self) -> type[Run]:
        return RayRun

    # ------------------------------------------------------------------------------------- capacity
    def capacity(self) -> int:
        """Runs the cluster can train at once: its CPUs over the CPUs each run asks for."""
        return max(1, int(ray.cluster_resources().get("CPU", 0) // self.threads))

    def configure(self, config: RunnerConfig) -> RunnerConfig:
        """Runs at once from the cluster's CPUs; unless the operator set one, a run's memory limit is
        the largest node's (the web server's own memory holds no trainer)."""
        self._capacity_checked = time.monotonic()
        changes: dict[str, Any] = {"max_concurrent": self.capacity()}
        if config.max_run_memory_mb <= 0:
            node_memory = [n["Resources"].get("memory", 0) for n in ray.nodes() if n.get("Alive")]
            changes["max_run_memory_mb"] = max(node_memory, default=0) / 2**20 or config.run_memory_limit_mb
        return replace(config, **changes)

    def refresh_capacity(self, registry: "RunRegistry") -> None:
        """Follow nodes joining or leaving (at most every few seconds); start queued runs that now fit."""
        with self._lock:
            if time.monotonic() - self._capacity_checked < CAPACITY_EVERY_S:
                return
            self._capacity_checked = time.monotonic()
        new = self.configure(registry.config)
        if new.max_concurrent != registry.config.max_concurrent:
            registry.config = new
            registry._schedule()

    # ------------------------------------------------------------------------------------- actors
    def create_actor(self, run: "RayRun", checkpoint: bytes | None) -> Any:
        """A detached actor named after the run, asking for its CPUs, a GPU if it trains on CUDA, and memory."""
        device = run.train_config.device
        gpus = ray.cluster_resources().get("GPU", 0)
        if device.startswith("cuda") and gpus == 0:
            raise ValueError("This run asks for CUDA, but the Ray cluster has no GPU node; choose auto or cpu.")
        wants_gpu = device.startswith("cuda") or (device == "auto" and gpus > 0)
        options = dict(
            name=actor_name(run.id),
            namespace=NAMESPACE,
            lifetime="detached",  # outlives the web server's process
            num_cpus=self.threads,
            num_gpus=1 if wants_gpu else 0,
            memory=actor_memory(run),
            max_restarts=0,  # a lost actor is reported as lost; resuming from its checkpoint is the user's call
        )
        # Ray gives the actor ``threads`` CPUs (and sets OMP_NUM_THREADS so); torch keeps to them too.
        runner = replace(run.registry.config, threads_per_run=self.threads)
        for attempt in range(50):  # a killed actor of the same name takes a moment to free its name
            try:
                return self._actor_class.options(**options).remote(
                    run.id, run.owner, run.source, run.model_config, run.train_config, runner,
                    run.lr_g, run.lr_d, run.d_steps, checkpoint,
                )
            except ValueError as e:
                if "already taken" not in str(e) or attempt == 49:
                    raise
                time.sleep(0.1)

    def find_actor(self, run_id: str) -> Any | None:
        try:
            return ray.get_actor(actor_name(run_id), namespace=NAMESPACE)
        except ValueError:
            return None

    def live_run_ids(self) -> list[str]:
        """Run ids of the app's live actors in the cluster."""
        names = ray.util.list_named_actors(all_namespaces=True)
        return [n["name"][4:] for n in names if n["namespace"] == NAMESPACE and n["name"].startswith("run-")]

    def kill(self, run_id: str) -> None:
        actor = self.find_actor(run_id)
        if actor is not None:
            ray.kill(actor, no_restart=True)

    def adopt(self, registry: "RunRegistry") -> None:
        """Follow every live actor this registry's runs folder knows; end those whose run is over."""
        for run_id in self.live_run_ids():
            if not registry.store.valid_id(run_id) or registry.store.read_record(run_id) is None:
                continue  # another app's (or another runs folder's) actor
            run = registry.get(run_id)
            if run is not None and not getattr(run, "attached", False):
                self.kill(run_id)

    def reattach(self, run: Run) -> bool:
        actor = self.find_actor(run.id)
        if actor is None or not isinstance(run, RayRun):
            return False
        run.attach(actor)
        return True


class RayRun(Run):
    """A run whose trainer lives in a Ray actor. Same constructor and API as :class:`Run`; its thread
    is a poller that forwards controls, merges the actor's reports and persists them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor: Any | None = None
        self.attached = False  # following a live actor (after start, or re-attached after a restart)
        self._detach = threading.Event()
        self._after_evolution = -1
        self._checkpoint_version = 0
        self._base_markers: list[tuple[int, str]] = []
        self._base_notes: list[str] = []

    @property
    def executor(self) -> RayExecutor:
        return self.registry.executor  # type: ignore[attr-defined]

    # ------------------------------------------------------------------------------------- controls
    def _send(self, method: str, *args: Any) -> bool:
        actor = self.actor
        if actor is None:
            return False  # not started yet: the poller forwards the run's controls when it starts
        getattr(actor, method).remote(*args)
        return True

    def pause(self) -> None:
        super().pause()
        self._send("pause")

    def resume(self) -> None:
        super().resume()
        self._send("resume")

    def stop(self) -> None:
        super().stop()
        self._send("stop")

    def step_once(self, n: int = 1, update_d: bool = True, update_g: bool = True, slow: bool = False) -> None:
        super().step_once(n, update_d=update_d, update_g=update_g, slow=slow)
        self._send("step_once", n, update_d, update_g, slow)

    def set_slow(self, slow: bool) -> None:
        super().set_slow(slow)
        self._send("set_slow", slow)

    def update_settings(self, lr_g: float | None = None, lr_d: float | None = None, d_steps: int | None = None) -> None:
        super().update_settings(lr_g=lr_g, lr_d=lr_d, d_steps=d_steps)  # validates
        with self._lock:
            pending, self._pending = self._pending, {}
        if pending and not self._send("update_settings", pending.get("lr_g"), pending.get("lr_d"), pending.get("d_steps")):
            with self._lock:
                self._pending = {**pending, **self._pending}

    def with_trainer(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(trainer)`` computed in the actor (``fn`` travels there); None when no actor answers."""
        actor = self.actor
        if actor is None or self.state == QUEUED:
            return None  # not placed on a node yet: the caller falls back to the last checkpoint
        try:
            return ray.get(actor.call.options(concurrency_group="trainer").remote(fn), timeout=WAIT_TRAINER_S)
        except RayTaskError as e:
            raise e.as_instanceof_cause() from None
        except (RayActorError, GetTimeoutError):
            return None

    # ------------------------------------------------------------------------------------- the poller
    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self._follow, args=(False,), name=f"rgan-ray-{self.id[:8]}", daemon=True)
        self._thread.start()

    def attach(self, actor: Any) -> None:
        """Follow an actor that is already training this run (found by name after a restart)."""
        self.actor, self.attached = actor, True
        self._base_markers, self._base_notes = list(self.markers), list(self.notes)  # as read from disk
        self._thread = threading.Thread(target=self._follow, args=(True,), name=f"rgan-ray-{self.id[:8]}", daemon=True)
        self._thread.start()

    def detach(self) -> None:
        """Stop following without stopping the actor (what a server's death does); for tests."""
        self._detach.set()
        self.join(5)

    def _launch(self) -> None:
        checkpoint = None
        if self._resume and self.store.has_checkpoint(self.id):
            checkpoint = self.store.checkpoint_path(self.id).read_bytes()
            self._trim_history(self.store.checkpoint_step(self.id))  # the actor trains those steps again
        self.executor.kill(self.id)  # an earlier actor of this run, if one is left
        with self._lock:
            self._base_markers, self._base_notes = list(self.markers), list(self.notes)
            pause, budget, phases, slow, pending = self._pause, self._step_budget, self._phases, self._slow, self._pending
            self._pending = {}
        self.actor = self.executor.create_actor(self, checkpoint)
        self.attached = True
        if slow:
            self._send("set_slow", True)
        if pending:
            self._send("update_settings", pending.get("lr_g"), pending.get("lr_d"), pending.get("d_steps"))
        if pause and budget:
            self._send("step_once", budget, phases[0], phases[1], slow)
        elif pause:
            self._send("pause")
        if self._stop:
            self._send("stop")

    def _follow(self, reattached: bool) -> None:
        cfg = self.registry.config
        try:
            if not reattached:
                self._launch()
            ended = self._poll(cfg)
        except ValueError as e:  # a run the cluster cannot take (the message says why)
            ended = True
            self._set_state(FAILED, str(e))
        except Exception as e:  # anything else still ends as a visible failure, never a silent stop
            ended = True
            self._set_state(FAILED, f"{type(e).__name__}: {e}")
        if not ended:
            return  # detached: the actor trains on, and a new server will follow it
        try:
            self._flush_log()
            self._write_meta()
        finally:
            if self.actor is not None:
                ray.kill(self.actor, no_restart=True)  # its final checkpoint is on the server's disk now
            self.registry._on_run_ended(self)

    def _poll(self, cfg: RunnerConfig) -> bool:
        """Report after report until the run ends (True) or the server lets go of it (False)."""
        placed = self._wait_placed()
        if placed is not None:
            return placed
        last_log = time.monotonic()
        unreachable_since: float | None = None
        while not self._detach.is_set():
            with self._lock:
                after = int(self.history["step"][-1]) if self.history["step"] else -1
                preview_step = self.preview_step if self.preview is not None else -1
            try:
                report = ray.get(self.actor.report.remote(after, self._after_evolution, preview_step, self._checkpoint_version),
                                 timeout=LOST_AFTER_S)
                unreachable_since = None
            except (ActorUnavailableError, GetTimeoutError):
                unreachable_since = unreachable_since or time.monotonic()
                if time.monotonic() - unreachable_since < LOST_AFTER_S:
                    continue
                self._lost()
                return True
            except RayActorError:
                self._lost()
                return True
            self._merge(report)
            now = time.monotonic()
            if "checkpoint" in report or not report["active"]:
                self._flush_log()
                self._write_meta()
                last_log = now
            elif now - last_log > cfg.log_every_s:
                self._flush_log()
                last_log = now
            if not report["active"]:
                return True
            if cfg.idle_timeout_s and time.time() - self.last_seen > cfg.idle_timeout_s and not self._stop:
                with self._lock:
                    self._base_notes.append(f"Stopped after {cfg.idle_timeout_s:.0f} s with nobody watching.")
                self.stop()
            self.executor.refresh_capacity(self.registry)
            self._detach.wait(POLL_S)
        return False

    def _wait_placed(self) -> bool | None:
        """Ray holds an actor back until a node has room (CPUs, a GPU, memory): the run stays queued
        meanwhile, however long. None once the actor answers; else what :meth:`_poll` returns."""
        ready = self.actor.ping.remote()
        while not self._detach.is_set():
            if ray.wait([ready], timeout=POLL_S)[0]:
                try:
                    ray.get(ready)
                    return None
                except RayActorError:
                    self._lost()
                    return True
            if self._stop:  # stopped before it ever trained: nothing to wait for
                ray.kill(self.actor, no_restart=True)
                self.actor = None
                self._set_state(STOPPED)
                return True
        return False

    def _merge(self, report: dict[str, Any]) -> None:
        """Fold a report into the fields :meth:`snapshot` reads; queue new metric rows for the log."""
        rows = report["rows"]
        n = len(rows["step"])
        if "checkpoint" in report:
            self._write_checkpoint(report["checkpoint"])
            self._checkpoint_version = report["checkpoint_version"]
        now = time.monotonic()
        with self._lock:
            for key in METRIC_KEYS:
                self.history[key].extend(rows[key])
            self._unlogged.extend({k: rows[k][i] for k in rows} for i in range(n))
            if not (self.state != QUEUED and report["state"] == QUEUED):
                self.state = report["state"]
            self.error = report["error"] or self.error
            self.step = report["step"]
            self.markers = self._base_markers + [m for m in map(tuple, report["markers"]) if m not in self._base_markers]
            self.notes = self._base_notes + [note for note in report["notes"] if note not in self._base_notes]
            self.lr_g, self.lr_d, self.d_steps = report["lr_g"], report["lr_d"], report["d_steps"]
            self.substep = report["substep"]
            if report["feature_names"]:
                self.feature_names = report["feature_names"]
            if report["preview"] is not None:
                self.preview, self.preview_step = report["preview"], report["preview_step"]
            for step, preview in report["evolution"]:
                self.evolution.append((step, preview))
                self._after_evolution = step
            if len(self.evolution) > self.registry.config.max_evolution:
                del self.evolution[1::2]  # thin out evenly, keep the first
            if n or not self._rate:
                self._rate.append((now, self.step))

    def _write_checkpoint(self, data: bytes) -> None:
        """The actor's checkpoint bytes, written durably like :meth:`Trainer.save` (one writer for both)."""
        atomic_write_bytes(self.store.checkpoint_path(self.id), lambda f: f.write(data))

    def _lost(self) -> None:
        where = ""
        if self.store.has_checkpoint(self.id):
            try:
                where = f" (step {self.store.checkpoint_step(self.id)})"
            except Exception:
                where = ""
        self._set_state(FAILED, f"Its worker was lost at step {self.step}; resume it from its last checkpoint{where}.")
        self.actor = None
