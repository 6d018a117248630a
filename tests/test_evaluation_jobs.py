"""Background evaluation jobs and the memorisation check (rgan.metrics.jobs, rgan.metrics.neighbours): progress,
failures, cancelling, the store that reuses jobs and baseline scores. Library code: no streamlit here."""

from __future__ import annotations

import threading
import time

import numpy as np
from waiting import wait_for  # tests/ is on sys.path under pytest

from rgan import metrics
from rgan.metrics import jobs
from tests.conftest import make_sines

ROWS = {jobs.MODEL, jobs.INDEPENDENT, jobs.SHUFFLED, jobs.REAL}


def fake_evaluate(calls: list | None = None, fail_after: float | None = None, block: threading.Event | None = None):
    """A stand-in for metrics.evaluate: reports progress, returns a value per METRIC_INFO key."""
    def run(real, fake, *, quick, differences, seed, progress):
        if calls is not None:
            calls.append(len(fake))
        for fraction in (0.0, 0.5, 1.0):
            if fail_after is not None and fraction > fail_after:
                raise RuntimeError("the classifier ran out of memory")
            while block is not None and not block.is_set():
                progress("discriminative", fraction)
                time.sleep(0.01)
            progress("discriminative", fraction)
        return {key: float(len(fake)) for key in metrics.METRIC_INFO}
    return run


def windows(n: int, seed: int, seq_len: int = 6, n_features: int = 2) -> np.ndarray:
    return make_sines(n, seq_len=seq_len, n_features=n_features, seed=seed)


# ------------------------------------------------------------------------------------ the job object
def test_job_reports_progress_and_every_metric():
    # The real metric suite on the model row (baseline rows take the same path; see the store test).
    # Short univariate windows: the quick protocol's cost is its fixed iteration count times seq_len.
    job = jobs.EvaluationJob(windows(10, 0, 4, 1), windows(10, 1, 4, 1), quick=True, with_baselines=False)
    assert job.status().fraction == 0.0 and job.status().active
    job.start()
    seen = []
    while job.status().active:
        seen.append(job.status().fraction)
        time.sleep(0.01)
    status = job.status()
    assert status.state == jobs.DONE, status.error
    assert status.fraction == 1.0 and status.error is None
    assert seen and seen[0] < 0.5 and seen == sorted(seen), "progress only grows, from near 0 to 1"
    assert set(status.results) == {jobs.MODEL}
    assert set(status.results[jobs.MODEL]) == set(metrics.METRIC_INFO)


def test_failing_metric_sets_error_instead_of_raising():
    job = jobs.EvaluationJob(windows(12, 0), windows(12, 1), evaluate_fn=fake_evaluate(fail_after=0.4)).start()
    job.join(10)
    status = job.status()
    assert status.state == jobs.FAILED and not status.active
    assert status.error == "RuntimeError: the classifier ran out of memory"

    broken = windows(12, 1)
    broken[3, 2, 0] = np.nan  # a diverged generator: metrics explain it in a sentence
    job = jobs.EvaluationJob(windows(12, 0), broken).start()
    job.join(10)
    assert job.status().state == jobs.FAILED
    assert "NaN" in job.status().error


def test_cancel_stops_a_running_job():
    block = threading.Event()
    job = jobs.EvaluationJob(windows(12, 0), windows(12, 1), evaluate_fn=fake_evaluate(block=block)).start()
    wait_for(lambda: job.status().state == jobs.RUNNING)
    job.cancel()
    job.join(5)
    assert job.status().state == jobs.CANCELLED


def test_store_reuses_jobs_and_baselines():
    store = jobs.EvaluationStore(max_concurrent=1)
    real, reference = windows(12, 0), windows(10, 2)
    calls: list[int] = []
    run = fake_evaluate(calls)
    key = jobs.EvalKey("run-a", 12, 12, 0, True)
    job = store.submit(key, real, windows(12, 1), reference, evaluate_fn=run)
    job.join(10)
    assert calls == [12, 12, 10, 10]  # the model, then independent steps (as many as generated), shuffled, real
    assert store.submit(key, real, windows(12, 1), reference, evaluate_fn=run) is job, "finished scores are kept"
    other = store.submit(jobs.EvalKey("run-b", 5, 12, 0, True), real, windows(12, 3), reference, evaluate_fn=run)
    other.join(10)
    assert calls[4:] == [12], "the baselines of the same real sample are not computed again"
    assert set(other.status().results) == ROWS
    assert store.latest("run-a")[1] is job and store.latest("run-c") is None

    failing = store.submit(jobs.EvalKey("run-c", 1, 12, 0, True), real, windows(12, 1),
                           evaluate_fn=fake_evaluate(fail_after=0.0))
    failing.join(10)
    again = store.submit(jobs.EvalKey("run-c", 1, 12, 0, True), real, windows(12, 1), evaluate_fn=run)
    assert again is not failing, "a failed evaluation can be retried"
    again.join(10)
    store.shutdown()


def test_memorisation_finds_copies():
    train = windows(40, 0)
    fake = np.concatenate([windows(5, 1), train[[7, 21]]])  # two exact copies of training windows
    index, distance = metrics.nearest_windows(fake, train)
    assert list(index[-2:]) == [7, 21] and np.allclose(distance[-2:], 0.0, atol=1e-6)
    _, to_other = metrics.nearest_windows(train, train, exclude_self=True)
    assert (to_other > 0).all(), "a window is not its own nearest other window"
    memo = metrics.memorisation(fake, train, k=3)
    assert [p[:2] for p in memo.pairs[:2]] in ([(5, 7), (6, 21)], [(6, 21), (5, 7)])
    assert memo.real_median > 0 and memo.n_reference == 40
