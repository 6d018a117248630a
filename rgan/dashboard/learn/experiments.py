"""The Learn page's *Your experiments* tab: this browser's preset runs measured side by side."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from rgan import metrics, plots
from rgan.dashboard import state, ui
from rgan.presets import TEACHING_SOURCE
from rgan.runs import Run

SAMPLES_MEASURED = 300  # generated and real windows compared per run


def _real_subset(run: Run, seed: int = 0) -> np.ndarray | None:
    data = state.run_data(run)
    if data is None:
        return None
    n = min(SAMPLES_MEASURED, data.n_sequences)
    return np.asarray(data.windows[np.random.default_rng(seed).choice(data.n_sequences, n, replace=False)])


def _sample_scores(run: Run) -> tuple[float, float]:
    """(diversity ratio, MMD) of the run's generator against its real data; NaN when unavailable."""
    real = _real_subset(run)
    fake = None if real is None else state.use_trainer(run, lambda t: t.sample(SAMPLES_MEASURED, seed=1, scaled=True))
    if real is None or fake is None:
        return math.nan, math.nan
    return metrics.diversity(fake, real)["ratio"], metrics.mmd_rbf(real, fake)


def real_vs_real_mmd() -> float:
    """MMD between two disjoint sets of the teaching data's real windows: the floor for the table's MMD."""
    windows = state.load_source(TEACHING_SOURCE).windows
    picks = np.random.default_rng(0).permutation(len(windows))
    return metrics.mmd_rbf(windows[picks[:SAMPLES_MEASURED]], windows[picks[SAMPLES_MEASURED:2 * SAMPLES_MEASURED]])


def experiments_frame(runs: list[Run], tail: int = 50) -> pd.DataFrame:
    """One row per preset run: the numbers each lesson is about (curves averaged over the last ``tail`` steps)."""
    rows = []
    for run in runs:
        snap = run.snapshot()
        h = {k: np.asarray(v, dtype=float) for k, v in snap.history.items()}
        n = len(h["step"])
        diversity, mmd = _sample_scores(run) if n else (math.nan, math.nan)
        seconds = h["time"][-1] if n else math.nan
        rows.append({
            "experiment": snap.extra.get("title", snap.extra.get("preset", "")),
            "run": ui.short_id(snap.id),
            "state": snap.state,
            "step": snap.step,
            "steps/s": snap.step / seconds if n and seconds > 0 else math.nan,
            "D(real)": _finite(np.nanmean, h["d_real"][-tail:]),
            "D(fake)": _finite(np.nanmean, h["d_fake"][-tail:]),
            "loss G": _finite(np.nanmean, h["loss_g"][-tail:]),
            "peak grad norm G": _finite(np.nanmax, h["grad_norm_g"]),
            "diversity": diversity,
            "MMD to real": mmd,
        })
    return pd.DataFrame(rows)


def _finite(reduce, values: np.ndarray) -> float:
    """``reduce`` over the finite values, NaN when there are none (an empty history, a phase that never ran)."""
    return float(reduce(values)) if np.isfinite(values).any() else math.nan


MAX_EXPERIMENTS = 10  # preset runs measured in the table (newest first)


@st.fragment
def experiments(reg, owner: str) -> None:
    """This browser's preset runs side by side: the lesson's numbers and the D(real) - D(fake) gap over time."""
    runs = [r for r in reg.list_runs(owner) if r.extra.get("preset")][:MAX_EXPERIMENTS]
    if not runs:
        st.info("Start one of the experiments above; its numbers appear here, next to your other experiments.",
                icon=":material/science:")
        return
    st.button("Measure again", key="learn_measure", icon=":material/refresh:")
    frame = experiments_frame(runs)
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "steps/s": st.column_config.NumberColumn(format="%.1f"),
        "D(real)": st.column_config.NumberColumn(format="%.2f"),
        "D(fake)": st.column_config.NumberColumn(format="%.2f"),
        "loss G": st.column_config.NumberColumn(format="%.2f"),
        "peak grad norm G": st.column_config.NumberColumn(format="%.3g"),
        "diversity": st.column_config.NumberColumn(format="%.2f", help="Spread of 300 generated sequences / spread of "
                                                   "300 real ones. 1 = as varied as the data; near 0 = mode collapse."),
        "MMD to real": st.column_config.NumberColumn(format="%.3f", help="Maximum mean discrepancy between 300 "
                                                     "generated and 300 real sequences; 0 = same distribution."),
    })
    st.caption(f"D(real), D(fake) and loss G are means over the last 50 steps; diversity and MMD compare "
               f"{SAMPLES_MEASURED} generated with {SAMPLES_MEASURED} real sequences. For reference, two halves of the "
               f"real data: MMD {real_vs_real_mmd():.3f}, diversity about 1. A healthy run gets close to both.")
    histories = {}
    for run in runs:
        snap = run.snapshot()
        real, fake = np.asarray(snap.history["d_real"], float), np.asarray(snap.history["d_fake"], float)
        label = f"{snap.extra.get('title', snap.extra.get('preset'))} · {ui.short_id(snap.id)}"
        histories[label] = {"step": snap.history["step"], "gap": list(real - fake)}
    st.plotly_chart(plots.runs_loss_figure(histories, key="gap", smoothing=0.9,
                                           title="D(real) − D(fake) by run (0: D can't tell; 1: D wins outright)"),
                    key="learn_gap_fig", width="stretch")
