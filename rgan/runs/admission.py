"""What a run must pass before it starts on a shared server: a per-person cap, a memory budget, free
disk space, and the runs directory's quota (making room by the retention rule first).

Each check raises ``ValueError`` with one sentence that says what is wrong and what to do; the pages
show it as an error box. The registry calls :func:`admit` for every start and resume.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from rgan.models import ModelConfig
from rgan.runs.budget import MemoryEstimate, check_run_memory, estimate_run_memory, format_bytes
from rgan.runs.config import RunnerConfig
from rgan.runs.store import RunStore
from rgan.train import TrainConfig

MB = 2**20
LOG_ALLOWANCE = MB  # room kept for a new run's metric log and run.json
DAY_S = 86400.0


def check_user_cap(active: int, cap: int) -> None:
    """Refuse one more run for a person who already has ``active`` queued, running or paused runs."""
    if cap and active >= cap:
        raise ValueError(
            f"You already have {active} run{'s' if active != 1 else ''} queued, running or paused, the most this "
            "server allows per person; stop one of them (its checkpoint is kept) before starting another."
        )


def check_free_space(folder: Path, min_free_mb: float) -> None:
    """Refuse to start when the disk that holds the runs has less than ``min_free_mb`` free."""
    if min_free_mb <= 0:
        return
    where = folder
    while not where.exists() and where != where.parent:  # the runs folder is made on first use
        where = where.parent
    free = shutil.disk_usage(where).free
    if free < min_free_mb * MB:
        raise ValueError(
            f"The server's disk is nearly full ({format_bytes(free)} free; a run needs "
            f"{format_bytes(min_free_mb * MB)} to start). Delete old runs under *Your runs*, or ask the "
            "operator to free space."
        )


def make_room(store: RunStore, quota_mb: float, retention_days: float, keep: set[str],
              last_seen: dict[str, float], need_bytes: int = 0) -> list[str]:
    """Keep the runs directory under its quota, deleting ended runs by the retention rule.

    Over the quota, runs not in ``keep`` (the active ones) whose files and viewers were both idle for
    ``retention_days`` are deleted, least recently used first, until ``need_bytes`` more fit.

    Args:
        store: the runs directory.
        quota_mb: its quota (0 = none: nothing is checked or deleted).
        retention_days: how long an ended run is kept untouched before it may be deleted.
        keep: run ids never to delete (active runs, whatever their age).
        last_seen: run id -> when someone last looked at it (runs open in this server).
        need_bytes: room the new run needs (its uploaded file, its checkpoint and log).

    Returns:
        The ids of the deleted runs.

    Raises:
        ValueError: still over the quota after deleting what the rule allows.
    """
    if quota_mb <= 0:
        return []
    limit = quota_mb * MB
    used = store.disk_usage()
    deleted: list[str] = []
    if used + need_bytes <= limit:
        return deleted
    cutoff = time.time() - retention_days * DAY_S
    candidates = []
    for run_id in store.ids():
        if run_id in keep:
            continue
        touched = max(store.last_change(run_id), last_seen.get(run_id, 0.0))
        if touched < cutoff:
            candidates.append((touched, run_id))
    for _, run_id in sorted(candidates):
        if used + need_bytes <= limit:
            break
        before = used
        store.delete(run_id)
        used = store.disk_usage()
        deleted.append(run_id)
        if used >= before:  # nothing freed (e.g. not allowed to delete): do not loop on it
            break
    if used + need_bytes > limit:
        raise ValueError(
            f"The runs folder is full ({format_bytes(used)} of its {format_bytes(limit)}); delete some of "
            "your old runs under *Your runs*, or ask the operator to raise RGAN_RUNS_QUOTA_MB."
        )
    return deleted


def admit(config: RunnerConfig, store: RunStore, active_for_owner: int, model: ModelConfig, train: TrainConfig,
          shape: tuple[int, int, int] | None, keep: set[str], last_seen: dict[str, float],
          need_bytes: int = 0) -> MemoryEstimate | None:
    """Every check a new or resumed run must pass, cheapest first.

    Args:
        shape: the real windows' ``(N, T, F)``; None skips the memory budget (data not loaded).

    Returns:
        The run's memory estimate (None without a shape).

    Raises:
        ValueError: the first check that fails, in one sentence.
    """
    check_user_cap(active_for_owner, config.max_runs_per_user)
    estimate = None
    if shape is not None:
        estimate = estimate_run_memory(model, train, *shape)
        check_run_memory(estimate, config.run_memory_limit_mb)
    check_free_space(store.root, config.min_free_mb)
    # Room for the run's own files too: its checkpoint (about the size of its weights and optimiser
    # moments) and a log of about 1 MB.
    need_bytes += (estimate.parameters if estimate is not None else 0) + LOG_ALLOWANCE
    make_room(store, config.runs_quota_mb, config.retention_days, keep, last_seen, need_bytes)
    return estimate
