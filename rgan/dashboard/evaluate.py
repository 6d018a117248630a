"""The metric suite on the Compare page: what the page shows of background evaluation jobs.

``metrics.evaluate`` takes seconds (quick) to minutes (full), so it never runs in the page script: the jobs
(:class:`rgan.metrics.EvaluationJob` in a daemon thread, which never calls ``st.*``) and their store live in the
library (rgan/metrics/jobs.py). This module keeps one process-wide :class:`~rgan.metrics.EvaluationStore`
(``st.cache_resource``) keyed by :class:`~rgan.metrics.EvalKey`, so re-opening the page, another tab or a refresh
shows finished scores without computing them again, and baseline scores are computed once per real sample. It
draws the score table against the baselines, the explanations and the panel, which polls a job from a fragment
twice a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from rgan import metrics
from rgan.dashboard import ui
from rgan.metrics.jobs import (
    CANCELLED,
    FAILED,
    INDEPENDENT,
    MODEL,
    REAL,
    ROW_LABELS,
    SHUFFLED,
    EvalKey,
    EvaluationStore,
)

# Column help of the score table's rows (the row keys and names are in rgan.metrics.jobs).
ROW_HELP = {
    MODEL: "The generated sequences scored against the real sample.",
    INDEPENDENT: "Baseline with no time structure: every step drawn on its own from the real per-step mean "
    "and spread. A model should beat it on every score.",
    SHUFFLED: "Baseline: real windows with their time order shuffled. Same values, no dynamics; a score that "
    "cannot tell it from real data only checks levels.",
    REAL: "Other real windows scored as if generated: what a perfect generator would get on this much data.",
}
BETTER_LABELS = {"lower": "lower", "higher": "higher", "1": "near 1"}


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
