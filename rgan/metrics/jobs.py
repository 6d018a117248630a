"""Background evaluation jobs, with no user interface. ``evaluate`` trains small post-hoc classifiers and
takes seconds (quick) to minutes (full), so an app never runs it in its request path. An
:class:`EvaluationJob` runs it in a daemon thread on a model's samples and on trivial baselines; the
thread only writes the job's lock-protected fields, and readers take consistent :class:`JobStatus`
copies. Jobs live in an :class:`EvaluationStore` keyed by :class:`EvalKey`, so finished scores are
reused, and baseline scores are computed once per real sample (:class:`BaselineCache`) and shared by
every model scored on the same data. The dashboard keeps one store per server process.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

# The package itself, looked up when a job starts: ``metrics.evaluate`` can be replaced (tests do).
from rgan import metrics

# Rows of the score table: the model first, then what "good" and "trivially bad" look like. The labels
# name the rows and stages in a job's progress text (``JobStatus.stage``).
MODEL, INDEPENDENT, SHUFFLED, REAL = "model", "independent", "shuffled", "real"
ROW_LABELS = {
    MODEL: "This model",
    INDEPENDENT: "Independent steps",
    SHUFFLED: "Shuffled time",
    REAL: "Real (another sample)",
}
STAGE_LABELS = {
    "discriminative": "discriminative score",
    "predictive": "predictive score",
    "discriminative_diff": "discriminative score on differences",
    "distances": "distance-based scores",
}

WAITING, RUNNING, DONE, FAILED, CANCELLED = "waiting", "running", "done", "failed", "cancelled"
ACTIVE = (WAITING, RUNNING)

EvaluateFn = Callable[..., dict[str, float]]  # metrics.evaluate's signature


class _Cancelled(Exception):
    """Raised from the progress callback to stop a cancelled job between iterations."""


@dataclass(frozen=True)
class EvalKey:
    """What a set of scores depends on: the model (run id or checkpoint digest), its step, the sample drawn
    (size and seed) and the protocol."""

    model: str
    step: int
    n: int
    seed: int
    quick: bool


@dataclass(frozen=True)
class JobStatus:
    """A consistent copy of a job's progress, safe to read without locks."""

    state: str  # waiting, running, done, failed or cancelled
    stage: str  # what is being computed, in words
    fraction: float  # overall share done, in [0, 1]
    results: dict[str, dict[str, float]]  # row (MODEL, INDEPENDENT, ...) -> metric key -> value; rows so far
    error: str | None  # why it failed, one sentence
    seconds: float  # time since it started (or its total time once ended)
    n_real: int
    n_fake: int

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


def _digest(*arrays: np.ndarray | None) -> str:
    h = hashlib.sha1()
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        a = np.ascontiguousarray(a)
        h.update(str((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


class BaselineCache:
    """Baseline rows keyed by the real sample they were scored against; thread-safe and bounded."""

    def __init__(self, max_entries: int = 32) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, dict[str, dict[str, float]]] = {}
        self.max_entries = max_entries

    def get(self, key: str) -> dict[str, dict[str, float]] | None:
        with self._lock:
            rows = self._rows.get(key)
            return None if rows is None else {k: dict(v) for k, v in rows.items()}

    def put(self, key: str, rows: dict[str, dict[str, float]]) -> None:
        with self._lock:
            self._rows[key] = {k: dict(v) for k, v in rows.items()}
            while len(self._rows) > self.max_entries:
                self._rows.pop(next(iter(self._rows)))


class EvaluationJob:
    """``metrics.evaluate`` on a model's samples and on the baselines, in a background thread.

    Args:
        real: Real windows (N, T, F) in [0, 1]; every row is scored against these.
        fake: Generated windows (M, T, F) in [0, 1].
        quick: The quick protocol (fewer iterations; for previews, not for published comparisons).
        reference: Other real windows (K, T, F), not in ``real``: the baselines are built from them and
            they are scored themselves as the "real" row. None builds the baselines from ``real`` and
            leaves the real row out.
        baselines: Where baseline rows are looked up and stored (computed once per real sample), or
            None to always compute them.
        with_baselines: False scores the model alone.
        seed: Seeds the baselines and every score.
        gate: A semaphore bounding how many evaluations run at once; the job waits for it.
        evaluate_fn: ``metrics.evaluate`` (replaceable in tests).
    """

    def __init__(
        self,
        real: np.ndarray,
        fake: np.ndarray,
        *,
        quick: bool = True,
        reference: np.ndarray | None = None,
        baselines: BaselineCache | None = None,
        with_baselines: bool = True,
        seed: int = 0,
        gate: threading.Semaphore | None = None,
        evaluate_fn: EvaluateFn | None = None,
    ) -> None:
        self.quick = quick
        self.seed = seed
        self._real, self._fake, self._reference = real, fake, reference
        self._baselines = baselines
        self._with_baselines = with_baselines
        self._gate = gate
        self._evaluate = evaluate_fn or metrics.evaluate
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = WAITING
        self._stage = "waiting for another evaluation to finish"
        self._fraction = 0.0
        self._results: dict[str, dict[str, float]] = {}
        self._error: str | None = None
        self._started = time.monotonic()
        self._ended: float | None = None
        self._n_real, self._n_fake = len(real), len(fake)

    # ------------------------------------------------------------------------------------ control
    def start(self) -> EvaluationJob:
        self._thread = threading.Thread(target=self._main, name="rgan-evaluate", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop at the next progress report (at most 50 classifier iterations away)."""
        self._cancel.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def status(self) -> JobStatus:
        with self._lock:
            end = self._ended if self._ended is not None else time.monotonic()
            return JobStatus(self._state, self._stage, self._fraction,
                             {k: dict(v) for k, v in self._results.items()}, self._error,
                             end - self._started, self._n_real, self._n_fake)

    # ---------------------------------------------------------------------------------- the thread
    def _set(self, **fields_: Any) -> None:
        with self._lock:
            for name, value in fields_.items():
                setattr(self, "_" + name, value)

    def _tasks(self) -> tuple[list[tuple[str, np.ndarray]], str | None]:
        """(row, windows to score against real) still to compute, and the baseline cache key."""
        tasks = [(MODEL, self._fake)]
        if not self._with_baselines:
            return tasks, None
        key = f"{_digest(self._real, self._reference)}:{self.quick}:{self.seed}:{len(self._fake)}"
        cached = self._baselines.get(key) if self._baselines is not None else None
        if cached is not None:
            with self._lock:
                self._results.update(cached)
            return tasks, key
        source = self._reference if self._reference is not None else self._real
        tasks.append((INDEPENDENT, metrics.baseline_independent_steps(source, len(self._fake), seed=self.seed)))
        tasks.append((SHUFFLED, metrics.baseline_shuffled_time(source, seed=self.seed)))
        if self._reference is not None:
            tasks.append((REAL, self._reference))
        return tasks, key

    def _main(self) -> None:
        try:
            if self._gate is not None:
                while not self._gate.acquire(timeout=0.2):
                    if self._cancel.is_set():
                        raise _Cancelled
            try:
                self._run()
            finally:
                if self._gate is not None:
                    self._gate.release()
            self._set(state=DONE, stage="done", fraction=1.0)
        except _Cancelled:
            self._set(state=CANCELLED, stage="cancelled")
        except ValueError as e:  # bad shapes, NaN samples, too few windows: the message says what
            self._set(state=FAILED, error=str(e))
        except Exception as e:  # noqa: BLE001 -- a bug or out of memory: a message, never a silent dead thread
            self._set(state=FAILED, error=f"{type(e).__name__}: {e}")
        finally:
            self._set(ended=time.monotonic())
            self._real = self._fake = self._reference = None  # the arrays are not needed any more

    def _run(self) -> None:
        self._set(state=RUNNING, stage="starting")
        tasks, key = self._tasks()
        baseline_rows: dict[str, dict[str, float]] = {}
        for i, (row, fake) in enumerate(tasks):
            def progress(stage: str, fraction: float, i: int = i, row: str = row) -> None:
                if self._cancel.is_set():
                    raise _Cancelled
                label = f"{ROW_LABELS[row]}: {STAGE_LABELS.get(stage, stage)}"
                self._set(stage=label, fraction=min(1.0, (i + fraction) / len(tasks)))

            progress("discriminative", 0.0)  # the first stage; evaluate reports after 50 iterations
            scores = self._evaluate(self._real, fake, quick=self.quick, differences=True, seed=self.seed,
                                    progress=progress)
            with self._lock:
                self._results[row] = dict(scores)
            if row != MODEL:
                baseline_rows[row] = dict(scores)
        if key is not None and baseline_rows and self._baselines is not None:
            self._baselines.put(key, baseline_rows)


class EvaluationStore:
    """Every evaluation of this server process, by :class:`EvalKey`; bounded, thread-safe.

    Args:
        max_concurrent: Evaluations computing at once (others wait); default one per four cores.
        max_jobs: Finished jobs kept (the oldest are forgotten first).
    """

    def __init__(self, max_concurrent: int | None = None, max_jobs: int = 200) -> None:
        concurrent = max_concurrent or max(1, (os.cpu_count() or 2) // 4)
        self._gate = threading.Semaphore(concurrent)
        self._lock = threading.Lock()
        self._jobs: dict[EvalKey, EvaluationJob] = {}
        self.baselines = BaselineCache()
        self.max_jobs = max_jobs

    def submit(
        self,
        key: EvalKey,
        real: np.ndarray,
        fake: np.ndarray,
        reference: np.ndarray | None = None,
        evaluate_fn: EvaluateFn | None = None,
    ) -> EvaluationJob:
        """The job for ``key``: the existing one unless it failed or was cancelled, else a new one, started."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.status().state not in (FAILED, CANCELLED):
                return job
            job = EvaluationJob(real, fake, quick=key.quick, reference=reference, baselines=self.baselines,
                                seed=key.seed, gate=self._gate, evaluate_fn=evaluate_fn)
            self._jobs.pop(key, None)
            self._jobs[key] = job
            self._evict()
        return job.start()

    def _evict(self) -> None:
        ended = [k for k, j in self._jobs.items() if not j.status().active]
        for k in ended[: max(0, len(self._jobs) - self.max_jobs)]:
            del self._jobs[k]

    def get(self, key: EvalKey) -> EvaluationJob | None:
        with self._lock:
            return self._jobs.get(key)

    def latest(self, model: str, state: str | None = DONE) -> tuple[EvalKey, EvaluationJob] | None:
        """The most recently submitted job for ``model`` (in ``state``, if given), or None."""
        with self._lock:
            items = list(self._jobs.items())
        for key, job in reversed(items):
            if key.model == model and (state is None or job.status().state == state):
                return key, job
        return None

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel every job and wait for the threads (tests, clean exits)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()
        for job in jobs:
            job.join(timeout)
