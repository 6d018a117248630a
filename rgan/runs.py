"""Training runs in background threads: states, controls, a capped queue, and persistence.

A :class:`Run` owns one :class:`~rgan.train.Trainer` and the thread that steps it. The thread never
touches any UI; it writes into the run's lock-protected fields, and viewers read a :class:`RunSnapshot`.
Every run is persisted under ``runs_dir/<id>/``: ``run.json`` (configs and state), ``metrics.jsonl``
(appended about once a second) and ``checkpoint.pt`` (written atomically every few seconds), so a
killed server loses at most the last few seconds of training.
"""

from __future__ import annotations

import math
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rgan.data import DataError, SequenceData
from rgan.logs import append_jsonl, read_jsonl, write_json_atomic
from rgan.models import ModelConfig
from rgan.configs import config_from_dict
from rgan.data.source import DataSource
from rgan.train import TrainConfig, Trainer, TrainingDiverged

QUEUED, RUNNING, PAUSED, FINISHED, STOPPED, FAILED = "queued", "running", "paused", "finished", "stopped", "failed"
ACTIVE_STATES = (QUEUED, RUNNING, PAUSED)
METRIC_KEYS = ("step", "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "seconds", "time")
_SAFE_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def default_max_concurrent() -> int:
    """Runs training at once: one per two cores (each gets two torch threads), at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass(frozen=True)
class RunnerConfig:
    """Server-wide limits for background runs."""

    runs_dir: str = "runs"  # where runs are persisted (created on demand)
    max_concurrent: int = field(default_factory=default_max_concurrent)  # runs training at once; others queue
    threads_per_run: int = 0  # torch CPU threads per run (0 = one core left for the server, rest shared)
    checkpoint_every_s: float = 5.0  # seconds between periodic checkpoints
    log_every_s: float = 1.0  # seconds between metric-log flushes
    preview_every_s: float = 0.5  # seconds between fixed-noise previews for the live chart
    evolution_every: int = 50  # keep a preview snapshot every N steps for the evolution view
    max_evolution: int = 60  # snapshots kept (older ones thinned out)
    idle_timeout_s: float = 1800.0  # stop a run nobody has looked at for this long (0 = never)
    substep_delay_s: float = 0.6  # pause after each sub-step in slow (teaching) mode

    @classmethod
    def from_env(cls) -> "RunnerConfig":
        """Read overrides from ``RGAN_RUNS_DIR``, ``RGAN_MAX_RUNS``, ``RGAN_THREADS_PER_RUN``, ``RGAN_IDLE_TIMEOUT_S``."""
        env = os.environ
        kwargs: dict[str, Any] = {}
        if env.get("RGAN_RUNS_DIR"):
            kwargs["runs_dir"] = env["RGAN_RUNS_DIR"]
        for key, name, kind in (
            ("RGAN_MAX_RUNS", "max_concurrent", int),
            ("RGAN_THREADS_PER_RUN", "threads_per_run", int),
            ("RGAN_IDLE_TIMEOUT_S", "idle_timeout_s", float),
            ("RGAN_CHECKPOINT_EVERY_S", "checkpoint_every_s", float),
        ):
            if env.get(key):
                try:
                    kwargs[name] = kind(env[key])
                except ValueError as e:
                    raise ValueError(f"{key} must be a number, got {env[key]!r}.") from e
        return cls(**kwargs)

    @property
    def threads(self) -> int:
        if self.threads_per_run > 0:
            return self.threads_per_run
        # Oversubscribed OpenMP threads spin and can make training 10x slower, so leave one core to
        # the web server and never give the runs together more threads than the remaining cores.
        return max(1, ((os.cpu_count() or 2) - 1) // max(1, self.max_concurrent))


@dataclass
class RunSnapshot:
    """A consistent copy of a run's state for a viewer; safe to use without locks."""

    id: str
    name: str
    state: str
    error: str | None
    step: int
    total_steps: int
    steps_per_s: float
    eta_s: float | None
    queue_position: int | None
    history: dict[str, list[float]]
    markers: list[tuple[int, str]]
    preview: np.ndarray | None  # (P, T, F) scaled G output for the fixed noise
    preview_step: int
    evolution: list[tuple[int, np.ndarray]]
    lr_g: float
    lr_d: float
    d_steps: int
    model_config: ModelConfig
    train_config: TrainConfig
    source: dict[str, Any]
    feature_names: list[str]
    created: float
    substep: tuple[str, str] | None  # (phase, name) of the sub-step that just ran, in slow mode
    notes: list[str]
    extra: dict[str, Any]
    owner: str = ""  # the browser token that started it

    @property
    def finished(self) -> bool:
        return self.state not in ACTIVE_STATES


def default_extra_steps(steps: int) -> int:
    """Steps a finished run of ``steps`` steps gets when continued without a number: half as many
    again, at least 1,000."""
    return max(1000, steps // 2)


class Run:
    """One training run: a trainer, its thread and its controls. Create through :class:`RunRegistry`."""

    def __init__(
        self,
        registry: "RunRegistry",
        run_id: str,
        owner: str,
        source: DataSource,
        model: ModelConfig,
        train: TrainConfig,
        data: SequenceData | None = None,
        resume_from: Path | None = None,
        history: dict[str, list[float]] | None = None,
        created: float | None = None,
        markers: list[tuple[int, str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.registry = registry
        self.id = run_id
        self.owner = owner
        self.source = source
        self.model_config = model
        self.train_config = train
        self.dir = registry.run_dir(run_id)
        self.created = created or time.time()
        self.extra: dict[str, Any] = dict(extra or {})  # free-form tags, e.g. {"preset": "mode-collapse"}
        self._data = data
        self._resume_from = resume_from
        self._lock = threading.Lock()  # guards every field below that the thread writes
        self._trainer_lock = threading.Lock()  # held while the trainer steps or samples
        self._wake = threading.Event()
        self.state = QUEUED
        self.error: str | None = None
        self.notes: list[str] = []
        self.history: dict[str, list[float]] = {k: list(v) for k, v in (history or {}).items()}
        for key in METRIC_KEYS:
            self.history.setdefault(key, [])
        self.markers: list[tuple[int, str]] = list(markers or [])
        self.preview: np.ndarray | None = None
        self.preview_step = 0
        self.evolution: list[tuple[int, np.ndarray]] = []
        self.substep: tuple[str, str] | None = None
        self.trainer: Trainer | None = None
        self.feature_names: list[str] = list(data.feature_names) if data is not None else []
        self.step = int(self.history["step"][-1]) if self.history["step"] else 0
        self.lr_g, self.lr_d, self.d_steps = train.lr_g, train.lr_d, train.d_steps
        self.last_seen = time.time()
        # Controls, read by the thread between steps.
        self._pause = False
        self._stop = False
        self._step_budget: int | None = None  # steps left before pausing again ("Step" button)
        self._phases = (True, True)  # (update_d, update_g) for step-by-step teaching
        self._slow = False
        self._pending: dict[str, Any] = {}
        self._unlogged: list[dict[str, float]] = []
        self._rate = deque(maxlen=50)  # (time, step) pairs for steps/s
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------- controls
    def pause(self) -> None:
        with self._lock:
            self._pause = True
            self._step_budget = None
        self._wake.set()

    def resume(self) -> None:
        with self._lock:
            self._pause = False
            self._step_budget = None
            self._phases = (True, True)
        self._wake.set()

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            if self.state == QUEUED:
                self.state = STOPPED
        self._wake.set()
        self.registry._schedule()

    def step_once(self, n: int = 1, update_d: bool = True, update_g: bool = True, slow: bool = False) -> None:
        """Train ``n`` steps (optionally one phase only, optionally in slow motion), then pause."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}.")
        if not (update_d or update_g):
            raise ValueError("Choose at least one phase to run (D or G).")
        with self._lock:
            self._pause = True
            self._step_budget = n
            self._phases = (update_d, update_g)
            self._slow = slow
        self._wake.set()

    def set_slow(self, slow: bool) -> None:
        with self._lock:
            self._slow = slow

    def update_settings(self, lr_g: float | None = None, lr_d: float | None = None, d_steps: int | None = None) -> None:
        """Change learning rates or D steps per G step; applied from the next step and marked on the charts."""
        for name, lr in (("lr_g", lr_g), ("lr_d", lr_d)):
            if lr is not None and not 0 < lr < 1:
                raise ValueError(f"{name} must be between 0 and 1, got {lr!r}.")
        if d_steps is not None and (not isinstance(d_steps, int) or d_steps < 1):
            raise ValueError(f"d_steps must be a positive integer, got {d_steps!r}.")
        with self._lock:
            if lr_g is not None and lr_g != self.lr_g:
                self._pending["lr_g"] = float(lr_g)
            if lr_d is not None and lr_d != self.lr_d:
                self._pending["lr_d"] = float(lr_d)
            if d_steps is not None and d_steps != self.d_steps:
                self._pending["d_steps"] = int(d_steps)
        self._wake.set()

    def touch(self) -> None:
        """Record that someone is watching (resets the idle timeout)."""
        self.last_seen = time.time()

    # ------------------------------------------------------------------------------------- viewing
    def snapshot(self) -> RunSnapshot:
        self.touch()
        with self._lock:
            rate = self._steps_per_s()
            left = self.train_config.steps - self.step
            return RunSnapshot(
                id=self.id,
                owner=self.owner,
                name=self.source.name,
                state=self.state,
                error=self.error,
                step=self.step,
                total_steps=self.train_config.steps,
                steps_per_s=rate,
                eta_s=(left / rate) if rate > 0 and self.state == RUNNING else None,
                queue_position=self.registry.queue_position(self.id),
                history={k: list(v) for k, v in self.history.items()},
                markers=list(self.markers),
                preview=None if self.preview is None else self.preview.copy(),
                preview_step=self.preview_step,
                evolution=list(self.evolution),
                lr_g=self.lr_g,
                lr_d=self.lr_d,
                d_steps=self.d_steps,
                model_config=self.model_config,
                train_config=self.train_config,
                source=self.source.to_json(),
                feature_names=list(self.feature_names),
                created=self.created,
                substep=self.substep,
                notes=list(self.notes),
                extra=dict(self.extra),
            )

    def _steps_per_s(self) -> float:
        if len(self._rate) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._rate[0], self._rate[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def with_trainer(self, fn):
        """Call ``fn(trainer)`` between training steps (for sampling, D's view, ...); None if not loaded."""
        with self._trainer_lock:
            if self.trainer is None:
                return None
            return fn(self.trainer)

    def real_data(self) -> SequenceData | None:
        return self._data

    @property
    def checkpoint_path(self) -> Path:
        return self.dir / "checkpoint.pt"

    # --------------------------------------------------------------------------------- persistence
    def _meta(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "state": self.state,
            "error": self.error,
            "step": self.step,
            "created": self.created,
            "updated": time.time(),
            "source": self.source.to_json(),
            "model": asdict(self.model_config),
            "train": asdict(self.train_config),
            "lr_g": self.lr_g,
            "lr_d": self.lr_d,
            "d_steps": self.d_steps,
            "markers": [list(m) for m in self.markers],
            "notes": list(self.notes),
            "feature_names": list(self.feature_names),
            "extra": dict(self.extra),
        }

    def _write_meta(self) -> None:
        with self._lock:
            meta = self._meta()
        write_json_atomic(self.dir / "run.json", meta)

    def _flush_log(self) -> None:
        with self._lock:
            records, self._unlogged = self._unlogged, []
        append_jsonl(self.dir / "metrics.jsonl", records)

    def _checkpoint(self) -> None:
        with self._trainer_lock:
            if self.trainer is not None and self.trainer.step_count > 0:
                self.trainer.save(self.checkpoint_path)
        self._flush_log()
        self._write_meta()

    def persist_initial(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.source.csv_bytes is not None and not (self.dir / "data.csv").exists():
            (self.dir / "data.csv").write_bytes(self.source.csv_bytes)
        self._write_meta()

    # --------------------------------------------------------------------------------- the thread
    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self._main, name=f"rgan-run-{self.id[:8]}", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _set_state(self, state: str, error: str | None = None) -> None:
        with self._lock:
            self.state = state
            if error is not None:
                self.error = error

    def _main(self) -> None:
        cfg = self.registry.config
        torch.set_num_threads(cfg.threads)  # bounded so concurrent runs don't fight over cores
        try:
            if self._data is None:
                self._data = self.source.load()
                self.feature_names = list(self._data.feature_names)
            with self._trainer_lock:
                if self._resume_from is not None and self._resume_from.exists():
                    self.trainer = Trainer.load(self._resume_from, data=self._data, device=self.train_config.device)
                    self.trainer.set_lr(self.lr_g, self.lr_d)
                    self.trainer.set_d_steps(self.d_steps)
                    self._trim_history(self.trainer.step_count)
                else:
                    self.trainer = Trainer(self._data, self.model_config, self.train_config)
                # Runs keep to their thread budget: the overlap's second thread would take the core
                # left to the web server.
                self.trainer.set_overlap(False)
                self.trainer.data_info["source"] = self.source.to_json()  # lets `rgan evaluate` find the data
                with self._lock:
                    self.notes += [note for note in self.trainer.notes if note not in self.notes]
                self.step = self.trainer.step_count
                self.preview = self.trainer.preview()
            self._loop(cfg)
        except TrainingDiverged as e:
            self._set_state(FAILED, str(e))
        except torch.OutOfMemoryError:
            device = str(self.trainer.device) if self.trainer is not None else self.train_config.device
            advice = "lower the batch size or hidden sizes" + ("" if device == "cpu" else ", or train on the CPU")
            self._set_state(FAILED, f"Out of memory on {device}: {advice}.")
        except DataError as e:
            self._set_state(FAILED, f"The data could not be loaded: {e}")
        except Exception as e:  # anything else still ends as a visible failure, never a silent stop
            self._set_state(FAILED, f"{type(e).__name__}: {e}")
        finally:
            try:
                self._checkpoint()
            except Exception as e:
                with self._lock:
                    self.notes.append(f"Final checkpoint failed: {type(e).__name__}: {e}")
            self.registry._on_run_ended(self)

    def _trim_history(self, step: int) -> None:
        """After resuming from a checkpoint, drop logged steps past it (they will be trained again)."""
        with self._lock:
            keep = sum(1 for s in self.history["step"] if s <= step)
            for key in self.history:
                del self.history[key][keep:]
            self.evolution = [(s, preview) for s, preview in self.evolution if s <= step]

    def _loop(self, cfg: RunnerConfig) -> None:
        trainer = self.trainer
        assert trainer is not None
        last_log = last_ckpt = last_preview = time.monotonic()
        clock = self.history["time"][-1] if self.history["time"] else 0.0
        self._set_state(RUNNING)
        while True:
            with self._lock:
                stop, paused, budget = self._stop, self._pause, self._step_budget
                phases, slow, pending = self._phases, self._slow, self._pending
                self._pending = {}
            if pending:
                self._apply_settings(trainer, pending)
            if stop:
                self._set_state(STOPPED)
                self._final_preview(trainer)
                return
            if trainer.step_count >= self.train_config.steps:
                self._set_state(FINISHED)
                self._final_preview(trainer)
                return
            if cfg.idle_timeout_s and time.time() - self.last_seen > cfg.idle_timeout_s:
                with self._lock:
                    self.notes.append(f"Stopped after {cfg.idle_timeout_s:.0f} s with nobody watching.")
                self._set_state(STOPPED)
                return
            if paused and not budget:
                self._set_state(PAUSED)
                self._wake.wait(0.25)
                self._wake.clear()
                now = time.monotonic()
                if now - last_ckpt > cfg.checkpoint_every_s:
                    self._checkpoint()
                    last_ckpt = now
                continue
            self._set_state(RUNNING)

            hook = None
            if slow:

                def hook(phase: str, name: str) -> None:
                    with self._lock:
                        self.substep = (phase, name)
                    time.sleep(cfg.substep_delay_s)

            t0 = time.monotonic()
            with self._trainer_lock:
                stats = trainer.step(update_d=phases[0], update_g=phases[1], on_substep=hook)
            clock += time.monotonic() - t0
            stats["time"] = clock
            now = time.monotonic()
            with self._lock:
                for key in METRIC_KEYS:
                    self.history[key].append(stats[key])
                self._unlogged.append(stats)
                self.step = trainer.step_count
                self._rate.append((now, self.step))
                if budget:
                    self._step_budget = budget - 1
            want_evolution = trainer.step_count % cfg.evolution_every == 0
            if budget or want_evolution or now - last_preview > cfg.preview_every_s:
                with self._trainer_lock:
                    preview = trainer.preview()
                with self._lock:
                    self.preview, self.preview_step = preview, trainer.step_count
                    if want_evolution:
                        self.evolution.append((trainer.step_count, preview))
                        if len(self.evolution) > cfg.max_evolution:
                            del self.evolution[1::2]  # thin out evenly, keep the first
                last_preview = now
            if now - last_log > cfg.log_every_s:
                self._flush_log()
                last_log = now
            if now - last_ckpt > cfg.checkpoint_every_s:
                self._checkpoint()
                last_ckpt = now

    def _final_preview(self, trainer: Trainer) -> None:
        with self._trainer_lock:
            preview = trainer.preview()
        with self._lock:
            self.preview, self.preview_step = preview, trainer.step_count

    def _apply_settings(self, trainer: Trainer, pending: dict[str, Any]) -> None:
        with self._trainer_lock:
            trainer.set_lr(pending.get("lr_g"), pending.get("lr_d"))
            if "d_steps" in pending:
                trainer.set_d_steps(pending["d_steps"])
        with self._lock:
            parts = []
            for key, fmt in (("lr_g", "{:g}"), ("lr_d", "{:g}"), ("d_steps", "{}")):
                if key in pending:
                    parts.append(f"{key} {fmt.format(getattr(self, key))} → {fmt.format(pending[key])}")
                    setattr(self, key, pending[key])
            self.markers.append((trainer.step_count, ", ".join(parts)))


def _valid_id(run_id: str) -> bool:
    return 16 <= len(run_id) <= 64 and set(run_id) <= _SAFE_ID_CHARS


class RunRegistry:
    """All runs of one server process: starts them, caps how many train at once, queues the rest.

    Create one per process (the dashboard keeps it in ``st.cache_resource``).
    """

    def __init__(self, config: RunnerConfig | None = None) -> None:
        self.config = config or RunnerConfig()
        if self.config.max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, got {self.config.max_concurrent}.")
        self.root = Path(self.config.runs_dir)
        self._lock = threading.RLock()
        self._runs: dict[str, Run] = {}
        self._visits: dict[str, float] = {}  # owner token -> when it last drew a page
        self._queue: list[str] = []
        self._active: set[str] = set()

    def run_dir(self, run_id: str) -> Path:
        if not _valid_id(run_id):
            raise ValueError("Not a valid run id.")
        return self.root / run_id

    # ------------------------------------------------------------------------------------- starting
    def start(
        self,
        source: DataSource,
        model: ModelConfig,
        train: TrainConfig,
        owner: str,
        data: SequenceData | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Run:
        """Create a run and start it now, or queue it if ``max_concurrent`` runs are training.

        Args:
            source: where the data comes from (kept so the run can resume after a restart).
            model, train: the configurations.
            owner: an opaque token of the browser session that may see this run.
            data: the already loaded data, to skip loading it again.
            extra: JSON-able tags kept with the run (e.g. which teaching preset started it).
        """
        run_id = secrets.token_urlsafe(18)  # 144 random bits: unguessable, URL-safe
        run = Run(self, run_id, owner, source, model, train, data=data, extra=extra)
        run.persist_initial()
        with self._lock:
            self._runs[run_id] = run
            self._queue.append(run_id)
        self._schedule()
        return run

    def _schedule(self) -> None:
        with self._lock:
            self._queue = [rid for rid in self._queue if self._runs[rid].state == QUEUED]
            while self._queue and len(self._active) < self.config.max_concurrent:
                run = self._runs[self._queue.pop(0)]
                self._active.add(run.id)
                run.start_thread()

    def _on_run_ended(self, run: Run) -> None:
        with self._lock:
            self._active.discard(run.id)
        self._schedule()

    def visited(self, owner: str) -> None:
        """Note that a browser (owner token) drew a page now; see :meth:`visitors`."""
        with self._lock:
            self._visits[owner] = time.time()

    def visitors(self, within_s: float = 60.0) -> int:
        """Browsers that drew a page within ``within_s`` seconds: how many people use this server now."""
        now = time.time()
        with self._lock:
            self._visits = {k: t for k, t in self._visits.items() if now - t < 3600}  # forget old tokens
            return sum(1 for t in self._visits.values() if now - t < within_s)

    def watched(self, within_s: float = 6.0) -> int:
        """Unfinished runs whose live view asked for a snapshot within ``within_s`` seconds: pages polling."""
        now = time.time()
        with self._lock:
            runs = list(self._runs.values())
        return sum(1 for r in runs if r.state in ACTIVE_STATES and now - r.last_seen < within_s)

    def queue_position(self, run_id: str) -> int | None:
        """1 for the next run to start; None if the run is not waiting."""
        with self._lock:
            try:
                return self._queue.index(run_id) + 1
            except ValueError:
                return None

    # ------------------------------------------------------------------------------------- finding
    def get(self, run_id: str, owner: str | None = None) -> Run | None:
        """The run with this id (loading a persisted one from disk), or None.

        Knowing the id is what grants access (it is unguessable); ``owner`` is only used by listings.
        """
        if not isinstance(run_id, str) or not _valid_id(run_id):
            return None
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                run = self._load_persisted(run_id)
                if run is not None:
                    self._runs[run_id] = run
            return run

    def list_runs(self, owner: str) -> list[Run]:
        """This owner's runs, in memory and on disk, newest first."""
        if self.root.is_dir():
            for entry in self.root.iterdir():
                if entry.is_dir() and _valid_id(entry.name) and entry.name not in self._runs:
                    meta = self._read_meta(entry.name)
                    if meta and meta.get("owner") == owner:
                        self.get(entry.name)
        with self._lock:
            runs = [r for r in self._runs.values() if r.owner == owner]
        return sorted(runs, key=lambda r: r.created, reverse=True)

    def active_count(self) -> int:
        with self._lock:
            return len(self._active)

    def _read_meta(self, run_id: str) -> dict[str, Any] | None:
        import json

        try:
            return json.loads((self.root / run_id / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _load_persisted(self, run_id: str) -> Run | None:
        """Rebuild a run from its folder. A run that was training when the server died becomes 'stopped'."""
        meta = self._read_meta(run_id)
        if meta is None:
            return None
        folder = self.root / run_id
        csv_path = folder / "data.csv"
        source = DataSource.from_json(meta["source"], csv_path.read_bytes() if csv_path.exists() else None)
        model = config_from_dict(ModelConfig, meta["model"])
        train = config_from_dict(TrainConfig, meta["train"])
        records = read_jsonl(folder / "metrics.jsonl")
        history = {k: [float(r.get(k) if r.get(k) is not None else math.nan) for r in records] for k in METRIC_KEYS}
        run = Run(
            self,
            run_id,
            meta.get("owner", ""),
            source,
            model,
            train,
            created=meta.get("created"),
            markers=[tuple(m) for m in meta.get("markers", [])],
            history=history,
            extra=meta.get("extra", {}),
        )
        run.lr_g, run.lr_d, run.d_steps = meta.get("lr_g", train.lr_g), meta.get("lr_d", train.lr_d), meta.get("d_steps", train.d_steps)
        run.feature_names = list(meta.get("feature_names", []))
        run.notes = list(meta.get("notes", []))
        run.error = meta.get("error")
        state = meta.get("state", STOPPED)
        if state in ACTIVE_STATES:
            state = STOPPED
            run.notes.append("The server stopped while this run was active; resume it from its last checkpoint.")
        run.state = state
        if run.checkpoint_path.exists():
            # The log may run a little past the checkpoint; show what a resume will continue from.
            try:
                ckpt_step = int(torch.load(run.checkpoint_path, map_location="cpu", weights_only=True)["step"])
                run._trim_history(ckpt_step)
                run.step = ckpt_step
            except Exception as e:
                run.notes.append(f"The checkpoint could not be read ({type(e).__name__}); the run cannot be resumed.")
        return run

    def resume(self, run_id: str, extra_steps: int | None = None) -> Run:
        """Continue a stopped or finished run from its last checkpoint (a new thread, same id).

        A run that already reached its step count gets ``extra_steps`` more (default:
        :func:`default_extra_steps`).

        Raises:
            ValueError: the run is still active or has no checkpoint.
        """
        ended = self.get(run_id)
        if ended is not None and ended.state not in ACTIVE_STATES:
            # A run is marked ended before its thread writes the final checkpoint and leaves; wait for
            # that outside the lock, which the thread's last step takes.
            ended.join(timeout=5)
        with self._lock:
            old = self.get(run_id)
            if old is None:
                raise ValueError("No such run.")
            if old.state in ACTIVE_STATES:
                raise ValueError("This run is still active; pause or stop it first.")
            if not old.checkpoint_path.exists():
                raise ValueError("This run has no checkpoint yet, so it cannot be resumed; start a new run instead.")
            train = old.train_config
            if old.step >= train.steps:
                more = extra_steps if extra_steps is not None else default_extra_steps(train.steps)
                train = replace(train, steps=old.step + max(1, more))
            run = Run(
                self,
                run_id,
                old.owner,
                old.source,
                old.model_config,
                train,
                data=old.real_data(),
                resume_from=old.checkpoint_path,
                history=old.history,
                created=old.created,
                markers=old.markers,
                extra=old.extra,
            )
            run.lr_g, run.lr_d, run.d_steps = old.lr_g, old.lr_d, old.d_steps
            run.feature_names = old.feature_names
            run.evolution = list(old.evolution)  # kept in memory only: it survives a resume, not a restart
            self._runs[run_id] = run
            self._queue.append(run_id)
        run.persist_initial()
        self._schedule()
        return run

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every active run and wait for the threads (used by tests and clean exits)."""
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            if run.state in ACTIVE_STATES:
                run.stop()
        for run in runs:
            run.join(timeout)
