"""One training run: a :class:`Run` owns a :class:`~rgan.train.Trainer` and the thread that steps it.

The thread never touches any UI; it writes into the run's lock-protected fields, and viewers read a
:class:`RunSnapshot`. Pause, resume, stop, single steps (optionally one phase, optionally in slow motion)
and changes of learning rates or D steps are requests the thread picks up between steps. What the run
persists goes through the registry's :class:`~rgan.runs.store.RunStore`.

A paused run gives its training slot to the next queued run; resuming or stepping it asks the registry
for a slot again and shows it queued while it waits. If the disk refuses a log flush or a checkpoint
(a full disk), the run pauses with a note instead of failing, and the unwritten records are kept.

Longer than 400 lines because the controls and the training thread share the run's lock-protected
fields; keeping them in one class keeps that locking readable in one place.
"""

from __future__ import annotations

import errno
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from rgan.data import DataError, SequenceData
from rgan.data.source import DataSource
from rgan.models import ModelConfig
from rgan.runs.config import ACTIVE_STATES, FAILED, FINISHED, METRIC_KEYS, PAUSED, QUEUED, RUNNING, STOPPED, RunnerConfig
from rgan.runs.store import RunRecord
from rgan.train import TrainConfig, Trainer, TrainingDiverged

if TYPE_CHECKING:
    from rgan.runs.registry import RunRegistry


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
        resume: bool = False,
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
        self.store = registry.store
        self.created = created or time.time()
        self.extra: dict[str, Any] = dict(extra or {})  # free-form tags, e.g. {"preset": "mode-collapse"}
        self._data = data
        self._resume = resume  # continue from the stored checkpoint instead of starting afresh
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
        self.memory_estimate = None  # a rgan.runs.budget.MemoryEstimate, set by the registry when admitted
        # Controls, read by the thread between steps.
        self._pause = False
        self._stop = False
        self._step_budget: int | None = None  # steps left before pausing again ("Step" button)
        self._phases = (True, True)  # (update_d, update_g) for step-by-step teaching
        self._slow = False
        self._pending: dict[str, Any] = {}
        # A paused run gives up its training slot; resuming or stepping it asks the registry for one
        # again, and while it waits for one the request is kept here and the run shows as queued.
        self._go: tuple[int | None, tuple[bool, bool], bool | None] | None = None  # (step budget, phases, slow)
        self._waiting_slot = False
        self._unlogged: list[dict[str, float]] = []
        self._rate = deque(maxlen=50)  # (time, step) pairs for steps/s
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------- controls
    def pause(self) -> None:
        with self._lock:
            self._pause = True
            self._step_budget = None
            self._go = None  # a resume waiting for a training slot is called off
            if self._waiting_slot:
                self._waiting_slot = False
                self.state = PAUSED
        self._wake.set()

    def resume(self) -> None:
        self._go_on(None, (True, True), None)

    def _go_on(self, budget: int | None, phases: tuple[bool, bool], slow: bool | None) -> None:
        """Resume (``budget`` None) or train ``budget`` steps; a paused run first needs a training slot."""
        with self._lock:
            self._go = (budget, phases, slow)
            started = self._thread is not None
            if started and self.state == PAUSED:
                self._waiting_slot = True
                self.state = QUEUED  # until the registry grants a slot (at once when one is free)
        # ``is not False``: a stand-in registry (a Ray actor's) has no slots and answers None.
        if not started or self.registry._claim_slot(self) is not False:
            self._apply_go()

    def _apply_go(self) -> None:
        """Act on the kept resume/step request: the run has a training slot (or has not started yet)."""
        with self._lock:
            go, self._go = self._go, None
            self._waiting_slot = False
            if go is not None:
                budget, self._phases, slow = go
                self._pause, self._step_budget = budget is not None, budget
                if slow is not None:
                    self._slow = slow
        self._wake.set()

    @property
    def started(self) -> bool:
        """Whether its thread was started (a queued run's is not)."""
        return self._thread is not None

    def thread_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

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
        self._go_on(n, (update_d, update_g), slow)

    def set_slow(self, slow: bool) -> None:
        with self._lock:
            self._slow = slow

    def update_settings(self, lr_g: float | None = None, lr_d: float | None = None, d_steps: int | None = None) -> None:
        """Change learning rates or D steps per G step; applied from the next step and marked on the charts.

        Raises:
            ValueError: a learning rate outside (0, 1) or ``d_steps`` not a positive integer.
        """
        changes = {k: v for k, v in (("lr_g", lr_g), ("lr_d", lr_d), ("d_steps", d_steps)) if v is not None}
        replace(self.train_config, **changes)  # TrainConfig validates; the run keeps its starting config
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
    def dir(self) -> Path:
        """The run's folder (see :class:`~rgan.runs.store.RunStore` for what it holds)."""
        return self.store.folder(self.id)

    @property
    def checkpoint_path(self) -> Path:
        return self.store.checkpoint_path(self.id)

    # --------------------------------------------------------------------------------- persistence
    def _record(self) -> RunRecord:
        return RunRecord(
            id=self.id,
            owner=self.owner,
            state=self.state,
            error=self.error,
            step=self.step,
            created=self.created,
            source=self.source,
            model=self.model_config,
            train=self.train_config,
            lr_g=self.lr_g,
            lr_d=self.lr_d,
            d_steps=self.d_steps,
            markers=list(self.markers),
            notes=list(self.notes),
            feature_names=list(self.feature_names),
            extra=dict(self.extra),
        )

    def _write_meta(self) -> None:
        with self._lock:
            record = self._record()
        self.store.write_record(record)

    def _flush_log(self) -> None:
        with self._lock:
            records, self._unlogged = self._unlogged, []
        try:
            self.store.append_metrics(self.id, records)
        except OSError:
            with self._lock:  # keep them for the next try (a full disk may get space again)
                self._unlogged = records + self._unlogged
            raise

    def _persist(self, save) -> None:
        """``save()`` (a log flush or a checkpoint); if the disk refuses, pause the run with a note."""
        try:
            save()
        except OSError as e:
            reason = "the server's disk is full" if e.errno == errno.ENOSPC else (e.strerror or type(e).__name__)
            note = (f"Saving this run failed ({reason}), so it is paused and nothing more is lost; free some "
                    "space (delete old runs, or ask the operator) and press Resume.")
            with self._lock:
                self._pause, self._step_budget, self._go = True, None, None
                if note not in self.notes:
                    self.notes.append(note)

    def _park(self) -> bool:
        """The thread has nothing to train (paused): show it paused, or queued while it waits for a
        slot, and give its training slot to the next queued run. False if it was resumed meanwhile."""
        with self._lock:
            if not self._pause or self._step_budget:
                return False
            self.state = QUEUED if self._waiting_slot else PAUSED
            # Under the run's lock, so that a resume either sees the slot given up or keeps it.
            released = not self._waiting_slot and self.registry._release_slot(self) is True
        if released:
            self.registry._schedule()
        return True

    def _checkpoint(self) -> None:
        with self._trainer_lock:
            if self.trainer is not None and self.trainer.step_count > 0:
                self.store.save_checkpoint(self.id, self.trainer)
        self._flush_log()
        self._write_meta()

    def persist_initial(self) -> None:
        self.store.create(self.id, self.source.csv_bytes)
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
                if self._resume and self.store.has_checkpoint(self.id):
                    self.trainer = self.store.load_trainer(self.id, data=self._data, device=self.train_config.device)
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
                if self._park():  # else resumed meanwhile: read the controls again
                    self._wake.wait(0.25)
                    self._wake.clear()
                    now = time.monotonic()
                    if now - last_ckpt > cfg.checkpoint_every_s:
                        self._persist(self._checkpoint)
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
                self._persist(self._flush_log)
                last_log = now
            if now - last_ckpt > cfg.checkpoint_every_s:
                self._persist(self._checkpoint)
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
