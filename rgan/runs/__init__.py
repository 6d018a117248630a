"""Training runs in background threads: states, controls, a capped queue, and persistence.

- :class:`Run` (``run.py``) owns one :class:`~rgan.train.Trainer` and the thread that steps it; the
  thread never touches any UI, and viewers read a :class:`RunSnapshot`.
- :class:`RunRegistry` (``registry.py``) is one per server process: it caps how many runs train at
  once, queues the rest, and lists and revives past runs after a restart.
- :class:`~rgan.runs.store.RunStore` (``store.py``) is the on-disk format: ``runs_dir/<id>/`` holds
  ``run.json``, ``metrics.jsonl`` (appended about once a second) and ``checkpoint.pt`` (written
  atomically every few seconds), so a killed server loses at most the last few seconds of training.
- ``config.py``: :class:`RunnerConfig` (server-wide limits) and the run states.
- ``budget.py``: a run's memory estimate; ``admission.py``: the checks every start and resume passes
  (runs per person, the memory budget, free disk space, the runs folder's quota and retention).
- ``executor.py``: where trainers live: ``local`` (threads, the default) or ``ray`` (``RGAN_EXECUTOR=ray``:
  detached Ray actors, ``actor.py``, followed by ``ray_executor.py``; Ray is imported only then).
"""

from rgan.runs.config import (
    ACTIVE_STATES,
    FAILED,
    FINISHED,
    PAUSED,
    QUEUED,
    RUNNING,
    STOPPED,
    RunnerConfig,
    default_extra_steps,
)
from rgan.runs.executor import LocalExecutor, make_executor
from rgan.runs.registry import RunRegistry
from rgan.runs.run import Run, RunSnapshot

__all__ = [
    "ACTIVE_STATES",
    "FAILED",
    "FINISHED",
    "LocalExecutor",
    "PAUSED",
    "QUEUED",
    "RUNNING",
    "STOPPED",
    "Run",
    "RunRegistry",
    "RunSnapshot",
    "RunnerConfig",
    "default_extra_steps",
    "make_executor",
]
