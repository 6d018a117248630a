"""Server-wide run settings (:class:`RunnerConfig`), the run states and the metric keys a run logs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

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
