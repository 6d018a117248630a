"""Server-wide run settings (:class:`RunnerConfig`), the run states and the metric keys a run logs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from rgan.runs.budget import machine_memory_bytes

QUEUED, RUNNING, PAUSED, FINISHED, STOPPED, FAILED = "queued", "running", "paused", "finished", "stopped", "failed"
ACTIVE_STATES = (QUEUED, RUNNING, PAUSED)
METRIC_KEYS = ("step", "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "seconds", "time")


def default_max_concurrent() -> int:
    """Runs training at once: one per two cores (each gets two torch threads), at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


def default_extra_steps(steps: int) -> int:
    """Steps a finished run of ``steps`` steps gets when continued without a number: half as many
    again, at least 1,000."""
    return max(1000, steps // 2)


# (environment variable, RunnerConfig field, type) for every numeric setting an operator can change.
ENV_NUMBERS = (
    ("RGAN_MAX_RUNS", "max_concurrent", int),
    ("RGAN_THREADS_PER_RUN", "threads_per_run", int),
    ("RGAN_IDLE_TIMEOUT_S", "idle_timeout_s", float),
    ("RGAN_CHECKPOINT_EVERY_S", "checkpoint_every_s", float),
    ("RGAN_MAX_RUN_MEMORY_MB", "max_run_memory_mb", float),
    ("RGAN_MAX_RUNS_PER_USER", "max_runs_per_user", int),
    ("RGAN_RUNS_QUOTA_MB", "runs_quota_mb", float),
    ("RGAN_RETENTION_DAYS", "retention_days", float),
    ("RGAN_MIN_FREE_MB", "min_free_mb", float),
)


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
    max_run_memory_mb: float = 0.0  # refuse a run estimated above this (0 = half the memory / max_concurrent)
    max_runs_per_user: int = 4  # one browser's queued + running + paused runs at once (0 = no cap)
    runs_quota_mb: float = 0.0  # disk space the runs directory may use (0 = no quota)
    retention_days: float = 7.0  # over the quota, ended runs untouched this long are deleted, oldest first
    min_free_mb: float = 500.0  # refuse to start a run when the disk has less free space than this
    executor: str = "local"  # where runs train: "local" (threads here) or "ray" (actors on RAY_ADDRESS's cluster)

    @classmethod
    def from_env(cls) -> "RunnerConfig":
        """Read overrides from ``RGAN_RUNS_DIR``, ``RGAN_EXECUTOR`` and the numbers in :data:`ENV_NUMBERS`."""
        env = os.environ
        kwargs: dict[str, Any] = {}
        if env.get("RGAN_RUNS_DIR"):
            kwargs["runs_dir"] = env["RGAN_RUNS_DIR"]
        if env.get("RGAN_EXECUTOR"):
            kwargs["executor"] = env["RGAN_EXECUTOR"].strip().lower()
        for key, name, kind in ENV_NUMBERS:
            if env.get(key):
                try:
                    kwargs[name] = kind(env[key])
                except ValueError as e:
                    raise ValueError(f"{key} must be a number, got {env[key]!r}.") from e
                if kwargs[name] < 0:
                    raise ValueError(f"{key} must be 0 or more, got {env[key]!r}.")
        return cls(**kwargs)

    @property
    def run_memory_limit_mb(self) -> float:
        """The memory one run may take: ``max_run_memory_mb``, or by default half of the machine's
        (or container's) memory shared by the runs that train at once."""
        if self.max_run_memory_mb > 0:
            return self.max_run_memory_mb
        return machine_memory_bytes() / 2**20 / 2 / max(1, self.max_concurrent)

    @property
    def threads(self) -> int:
        if self.threads_per_run > 0:
            return self.threads_per_run
        # Oversubscribed OpenMP threads spin and can make training 10x slower, so leave one core to
        # the web server and never give the runs together more threads than the remaining cores.
        return max(1, ((os.cpu_count() or 2) - 1) // max(1, self.max_concurrent))
