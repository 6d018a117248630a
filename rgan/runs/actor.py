"""What a Ray actor runs: :class:`RunActor` owns one training run on whichever node Ray placed it.

The actor hosts an ordinary :class:`~rgan.runs.run.Run` (its thread, controls, slow motion, evolution
snapshots and settings markers are the local executor's code) inside a :class:`_ActorHost` that stands
in for the registry. Nothing is written where the web server would have to read it: checkpoints are
kept as bytes, and the server fetches everything through :meth:`RunActor.report`.

This module never imports ray; :mod:`rgan.runs.ray_executor` turns the class into an actor.
"""

from __future__ import annotations

import bisect
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from rgan.data.source import DataSource
from rgan.models import ModelConfig
from rgan.runs.budget import estimate_run_memory
from rgan.runs.config import ACTIVE_STATES, RunnerConfig
from rgan.runs.run import Run
from rgan.train import TrainConfig, Trainer

ACTOR_PROCESS_BYTES = 400 * 2**20  # a worker process with torch loaded, before any run


def actor_name(run_id: str) -> str:
    return f"run-{run_id}"


def actor_memory(run: Run) -> int:
    """Bytes of memory a run's actor asks Ray for: a Python process with torch, plus the run's own
    estimate (:func:`~rgan.runs.budget.estimate_run_memory`, as the registry's admission makes it)."""
    estimate = getattr(run, "memory_estimate", None)
    data = run.real_data()
    if estimate is None and data is not None:
        estimate = estimate_run_memory(run.model_config, run.train_config, *data.windows.shape)
    return ACTOR_PROCESS_BYTES + (estimate.total if estimate is not None else 0)


class _MemoryStore:
    """The part of :class:`~rgan.runs.store.RunStore` a run uses, kept in the actor's memory.

    Checkpoints are bytes (written through a private temporary folder, because :meth:`Trainer.save`
    writes files); metric lines and records are not kept here: the actor's run holds its history and
    the server persists what :meth:`RunActor.report` returns.
    """

    def __init__(self, checkpoint: bytes | None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="rgan-actor-")
        self.checkpoint: bytes | None = checkpoint
        self.checkpoint_version = 0 if checkpoint is None else 1  # bumped on every save

    def _path(self, run_id: str) -> Path:
        return Path(self._tmp.name) / "checkpoint.pt"

    def folder(self, run_id: str) -> Path:
        return Path(self._tmp.name)

    def checkpoint_path(self, run_id: str) -> Path:
        return self._path(run_id)

    def create(self, run_id: str, csv_bytes: bytes | None = None) -> None:
        pass

    def write_record(self, record: Any) -> None:
        pass

    def append_metrics(self, run_id: str, records: list[dict[str, float]]) -> None:
        pass

    def has_checkpoint(self, run_id: str) -> bool:
        return self.checkpoint is not None

    def save_checkpoint(self, run_id: str, trainer: Trainer) -> None:
        path = trainer.save(self._path(run_id))
        self.checkpoint = Path(path).read_bytes()
        self.checkpoint_version += 1

    def load_trainer(self, run_id: str, data: Any, device: str) -> Trainer:
        path = self._path(run_id)
        assert self.checkpoint is not None
        path.write_bytes(self.checkpoint)
        return Trainer.load(path, data=data, device=device)


class _ActorHost:
    """Stands in for :class:`~rgan.runs.registry.RunRegistry` around the one run an actor owns."""

    def __init__(self, config: RunnerConfig, store: _MemoryStore) -> None:
        self.config = config
        self.store = store
        self.ended = False

    def queue_position(self, run_id: str) -> int | None:
        return None  # the server's registry keeps the queue

    def _schedule(self) -> None:
        pass

    def _on_run_ended(self, run: Run) -> None:
        self.ended = True

    def __getattr__(self, name: str) -> Any:
        # A registry feature this stand-in does not know (quotas, budgets, ...) is the server's business.
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: None


class RunActor:
    """One training run inside a Ray actor; every method is safe to call from the server at any time.

    Args:
        run_id, owner, source, model, train: as for :class:`~rgan.runs.run.Run`.
        runner: the server's limits (threads per run, checkpoint interval, evolution, slow motion).
        lr_g, lr_d, d_steps: the live settings to start with (they may differ from ``train``).
        checkpoint: the bytes of the checkpoint to resume from, or None to start afresh.
    """

    def __init__(
        self,
        run_id: str,
        owner: str,
        source: DataSource,
        model: ModelConfig,
        train: TrainConfig,
        runner: RunnerConfig,
        lr_g: float,
        lr_d: float,
        d_steps: int,
        checkpoint: bytes | None = None,
    ) -> None:
        # The server enforces the idle timeout (it knows who watches); the actor never stops by itself.
        config = replace(runner, idle_timeout_s=0.0, max_concurrent=1)
        self.store = _MemoryStore(checkpoint)
        self.host = _ActorHost(config, self.store)
        self.run = Run(self.host, run_id, owner, source, model, train, resume=checkpoint is not None)  # type: ignore[arg-type]
        self.run.lr_g, self.run.lr_d, self.run.d_steps = lr_g, lr_d, d_steps
        self.run.start_thread()

    # ------------------------------------------------------------------------------------- controls
    def pause(self) -> None:
        self.run.pause()

    def resume(self) -> None:
        self.run.resume()

    def stop(self) -> None:
        self.run.stop()

    def step_once(self, n: int, update_d: bool, update_g: bool, slow: bool) -> None:
        self.run.step_once(n, update_d=update_d, update_g=update_g, slow=slow)

    def set_slow(self, slow: bool) -> None:
        self.run.set_slow(slow)

    def update_settings(self, lr_g: float | None, lr_d: float | None, d_steps: int | None) -> None:
        self.run.update_settings(lr_g=lr_g, lr_d=lr_d, d_steps=d_steps)

    # ------------------------------------------------------------------------------------- reports
    def report(self, after_step: int, after_evolution: int, preview_step: int, checkpoint_version: int) -> dict[str, Any]:
        """What changed since the server's last report: metric rows after ``after_step``, evolution
        snapshots after step ``after_evolution``, the preview if newer than ``preview_step`` and the
        checkpoint bytes if newer than ``checkpoint_version``."""
        run = self.run
        with run._lock:
            steps = run.history["step"]
            i = bisect.bisect_right(steps, after_step)
            rows = {k: list(v[i:]) for k, v in run.history.items()}
            out: dict[str, Any] = {
                "state": run.state,
                "error": run.error,
                "step": run.step,
                "rows": rows,
                "markers": list(run.markers),
                "notes": list(run.notes),
                "lr_g": run.lr_g,
                "lr_d": run.lr_d,
                "d_steps": run.d_steps,
                "substep": run.substep,
                "feature_names": list(run.feature_names),
                "evolution": [(s, p) for s, p in run.evolution if s > after_evolution],
                "preview": run.preview if run.preview_step != preview_step or preview_step < 0 else None,
                "preview_step": run.preview_step,
            }
        # Ended runs are reported once their thread wrote the final checkpoint (the host knows).
        out["active"] = out["state"] in ACTIVE_STATES or not self.host.ended
        if self.store.checkpoint_version > checkpoint_version:
            out["checkpoint"] = self.store.checkpoint
            out["checkpoint_version"] = self.store.checkpoint_version
        return out

    def call(self, fn: Callable[[Trainer], Any]) -> Any:
        """``fn(trainer)`` between training steps (sampling, the discriminator's view); None before the
        trainer exists. Runs in its own concurrency group, so a slow step never blocks the reports."""
        return self.run.with_trainer(fn)

    def placement(self) -> dict[str, Any]:
        """Where Ray placed this actor: its node's id and the resources it holds (CPU, GPU)."""
        import ray  # only ever called inside an actor, where ray is already loaded

        context = ray.get_runtime_context()
        return {"node": context.get_node_id(), "resources": context.get_assigned_resources()}

    def ping(self) -> float:
        return time.time()

