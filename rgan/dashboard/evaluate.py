"""The metric suite on the Compare page: background evaluation jobs and what the page shows of them.

``metrics.evaluate`` trains small post-hoc classifiers and takes seconds (quick) to minutes (full), so
it never runs in the page script. An :class:`EvaluationJob` runs it in a daemon thread on the model's
samples and on trivial baselines; the thread only writes the job's lock-protected fields, never
``st.*``. The page polls a job from a fragment twice a second. Jobs live in one process-wide
:class:`EvaluationStore` (``st.cache_resource``) keyed by :class:`EvalKey`, so re-opening the page,
another tab or a refresh shows finished scores without computing them again, and baseline scores
are computed once per real sample and shared by every run on the same data.
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
import pandas as pd
import streamlit as st

from rgan import metrics
from rgan.dashboard import ui

# Rows of the score table: the model first, then what "good" and "trivially bad" look like.
MODEL, INDEPENDENT, SHUFFLED, REAL = "model", "independent", "shuffled", "real"
ROW_LABELS = {
    MODEL: "This model",
    INDEPENDENT: "Independent steps",
    SHUFFLED: "Shuffled time",
    REAL: "Real (another sample)",
}
ROW_HELP = {
    MODEL: "The generated sequences scored against the real sample.",
    INDEPENDENT: "Baseline with no time structure: every step drawn on its own from the real per-step mean "
    "and spread. A model should beat it on every score.",
    SHUFFLED: "Baseline: real windows with their time order shuffled. Same values, no dynamics; a score that "
    "cannot tell it from real data only checks levels.",
    REAL: "Other real windows scored as if generated: what a perfect generator would get on this much data.",
}
STAGE_LABELS = {
    "discriminative": "discriminative score",
    "predictive": "predictive score",
    "discriminative_diff": "discriminative score on differences",
    "distances": "distance-based scores",
}
BETTER_LABELS = {"lower": "lower", "higher": "higher", "1": "near 1"}

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


@st.cache_resource(show_spinner=False)
def store() -> EvaluationStore:
    """The process-wide evaluation store."""
    return EvaluationStore()


# -------------------------------------------------------------------------------------- the table
def _compare(value: float, other: float, better: str) -> int:
    """1 if ``value`` is better than ``other`` for a metric whose ideal is ``better``, 0 if equal, -1 if worse
    (NaN counts as worse)."""
    if better == "1":
        value, other = -abs(value - 1.0), -abs(other - 1.0)
    elif better == "lower":
        value, other = -value, -other
    if np.isclose(value, other, rtol=1e-9, atol=1e-12):
        return 0
    return 1 if value > other else -1


def _verdict(outcomes: list[int]) -> str:
    wins, ties = outcomes.count(1), outcomes.count(0)
    if ties == len(outcomes):
        return "equal"
    text = {len(outcomes): "both", 0: "neither"}.get(wins, f"{wins} of {len(outcomes)}")
    return text + (f" ({ties} equal)" if ties else "")


def score_frame(results: dict[str, dict[str, float]]) -> pd.DataFrame:
    """One row per metric (``METRIC_INFO`` order): name, each scored row's value, range, better, verdict.

    Rows missing from ``results`` (baselines not computed yet) are left out as columns.
    """
    columns = [row for row in ROW_LABELS if row in results]
    records = []
    for key, info in metrics.METRIC_INFO.items():
        if not any(key in results[row] for row in columns):
            continue
        record: dict[str, Any] = {"Score": info["name"]}
        for row in columns:
            record[ROW_LABELS[row]] = results[row].get(key, np.nan)
        record["Range"] = info["range"]
        record["Better"] = BETTER_LABELS.get(info["better"], info["better"])
        if MODEL in results and INDEPENDENT in results and SHUFFLED in results:
            value = results[MODEL].get(key, np.nan)
            record["Beats baselines"] = _verdict([_compare(value, results[b].get(key, np.nan), info["better"])
                                                  for b in (INDEPENDENT, SHUFFLED)])
        records.append(record)
    return pd.DataFrame.from_records(records)


def score_table(results: dict[str, dict[str, float]]) -> None:
    frame = score_frame(results)
    config = {ROW_LABELS[row]: st.column_config.NumberColumn(ROW_LABELS[row], help=ROW_HELP[row], format="%.3f")
              for row in ROW_LABELS}
    config["Beats baselines"] = st.column_config.TextColumn(
        "Beats baselines", help="Is this model better than the independent-steps and the shuffled-time baselines?")
    # Tall enough for every metric: no scrolling inside the table.
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, key="ev_table",
                 height=35 * (len(frame) + 1) + 3)


def explain_scores() -> None:
    with st.expander("What the scores mean", icon=":material/help:"):
        lines = [f"- **{info['name']}** ({info['range']}, {BETTER_LABELS.get(info['better'], info['better'])} "
                 f"is better): {info['description']}" for info in metrics.METRIC_INFO.values()]
        st.markdown("\n".join(lines))
        st.markdown(
            "Read every score against the baselines next to it. On smooth data (sines), the predictive score "
            "hardly separates good from trivial generators. On nearly flat windows (stocks), real windows with "
            "their time order shuffled already look real to the discriminative score: the score on "
            "**differences** checks the dynamics. Quick scores use fewer classifier iterations and at most 300 "
            "windows for the distances; use the full protocol to compare with published numbers."
        )


# ------------------------------------------------------------------------------------- the panel
def _submit(key: EvalKey, real: np.ndarray, fake: np.ndarray, reference: np.ndarray | None) -> None:
    store().submit(key, real, fake, reference)


def _cancel(key: EvalKey) -> None:
    job = store().get(key)
    if job is not None:
        job.cancel()


MORE_SEQUENCES = ("more on the Data page (a larger size for a synthetic set, a smaller stride or a shorter "
                  "sequence length for a series, or a longer file)")  # how to get more real windows


def scores_panel(key: EvalKey, real: np.ndarray | None, fake: np.ndarray | None,
                 reference: np.ndarray | None = None) -> None:
    """Evaluate button, progress and score table for one comparison (the job itself runs in a thread)."""
    if real is None or fake is None:
        st.info("Scores need the real data this model was trained on; it is not available here.",
                icon=":material/info:")
        return
    if len(real) < metrics.MIN_REAL_WINDOWS:
        st.error(f"Scores need at least {metrics.MIN_REAL_WINDOWS} real sequences; this data has {len(real)}. "
                 f"Get {MORE_SEQUENCES}.", icon=":material/error:")
        return
    job = store().get(key)
    if job is None or job.status().state in (FAILED, CANCELLED):
        status = job.status() if job is not None else None
        st.button("Evaluate", key="ev_start", type="primary", icon=":material/analytics:",
                  on_click=_submit, args=(key, real, fake, reference),
                  help=f"Score {len(fake):,} generated against {len(real):,} real sequences in the background; "
                  "you can keep using the page.")
        if status is not None and status.state == FAILED:
            ui.show_error(f"The evaluation failed: {status.error}", "Change the sample size or the run, then "
                          "press Evaluate again.")
        elif status is not None:
            st.caption("The last evaluation was cancelled.")
        earlier = store().latest(key.model)
        if earlier is not None:
            old_key, old_job = earlier
            st.caption(f"Earlier scores of this model (step {old_key.step:,}, {old_key.n:,} sequences, seed "
                       f"{old_key.seed}, {'quick' if old_key.quick else 'full'} protocol):")
            score_table(old_job.status().results)
        return
    active = job.status().active
    st.fragment(run_every=0.5 if active else None)(_job_view)(key, active)


def _job_view(key: EvalKey, was_active: bool) -> None:
    job = store().get(key)
    if job is None:
        return
    status = job.status()
    if status.active != was_active:
        st.rerun()  # started or ended: redraw the page so that polling matches
    if status.active:
        c1, c2 = st.columns([6, 1], vertical_alignment="center")
        c1.progress(status.fraction, text=f"{status.stage} · {status.fraction:.0%} · {status.seconds:.0f} s")
        c2.button("Cancel", key="ev_cancel", on_click=_cancel, args=(key,), width="stretch")
    if status.results:
        protocol = "quick protocol" if key.quick else "full TimeGAN protocol"
        note = (" Quick classifiers train briefly and can miss what the full protocol finds: read the scores "
                "against the baselines, not on their own.") if key.quick else ""
        st.caption(f"{status.n_fake:,} generated vs {status.n_real:,} real sequences at step {key.step:,}, "
                   f"{protocol}" + ("" if status.active else f", {status.seconds:.0f} s") + "." + note)
        score_table(status.results)


# ------------------------------------------------------------------------------ memorisation check
@dataclass(frozen=True)
class Memorisation:
    """How close generated windows come to training windows, with real-to-real distances for scale."""

    pairs: list[tuple[int, int, float]]  # (generated index, training index, distance), closest first
    fake_median: float  # median distance of a generated window to its nearest training window
    real_median: float  # median distance of a training window to its nearest other training window
    n_reference: int  # training windows searched


def memorisation(fake: np.ndarray, train: np.ndarray, *, k: int = 6, max_reference: int = 20000,
                 max_real_queries: int = 500, seed: int = 0) -> Memorisation:
    """The ``k`` generated windows closest to a training window, and typical distances for scale.

    Args:
        fake: Generated windows (N, T, F) in [0, 1].
        train: The training windows (M, T, F) in [0, 1], M >= 2 (at most ``max_reference`` searched).
        k: Pairs returned.
        seed: Picks the subsets when there are more windows than the caps.
    """
    rng = np.random.default_rng(seed)
    train_idx = np.arange(len(train))
    if len(train_idx) > max_reference:
        train_idx = np.sort(rng.choice(len(train), max_reference, replace=False))
    reference = np.asarray(train)[train_idx]
    index, distance = metrics.nearest_windows(fake, reference)
    order = np.argsort(distance, kind="stable")[:k]
    pairs = [(int(i), int(train_idx[index[i]]), float(distance[i])) for i in order]
    queries = np.sort(rng.choice(len(reference), min(max_real_queries, len(reference)), replace=False))
    # Nearest *other* window of a sample of training windows: search the sample against the full set with
    # each query's own row masked, by putting the sample first.
    rest = np.setdiff1d(np.arange(len(reference)), queries)
    _, real_distance = metrics.nearest_windows(reference[queries], np.concatenate([reference[queries], reference[rest]]),
                                               exclude_self=True)
    return Memorisation(pairs, float(np.median(distance)), float(np.median(real_distance)), len(reference))
