"""Compare page views: one function per tab, each drawing one :class:`~rgan.dashboard.compare.Comparison`,
plus the runs side by side and the downloads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from rgan import metrics, plots
from rgan.dashboard import evaluate, ui
from rgan.dashboard.compare import KEEP, NEEDS_REAL, Comparison, memoised
from rgan.data.export import own_layout_frame, samples_frame
from rgan.plots.classes import class_samples_figure
from rgan.runs import Run, RunRegistry
from rgan.train import Trainer, changed_settings

TABS = ("Samples", "Scores", "Dynamics", "PCA / t-SNE", "Memorisation", "Discriminator", "Runs side by side")
CURVES = {"loss_g": "loss G", "loss_d": "loss D", "d_real": "D(real)", "d_fake": "D(fake)"}
MAX_RUNS_DRAWN = 10


def samples_view(c: Comparison) -> None:
    names = c.model.feature_names
    st.plotly_chart(plots.overlay_figure(c.real, c.fake, names, title="Real (blue) vs generated (orange)"),
                    key="cmp_overlay", width="stretch")
    left, right = st.columns(2)
    left.plotly_chart(plots.sample_grid_figure(c.fake, names, n=16), key="cmp_grid", width="stretch")
    right.plotly_chart(plots.marginal_figure(c.real, c.fake, names), key="cmp_marginals", width="stretch")
    if c.real is None:
        st.caption("No real data to compare with for this model.")
    if c.fake_long is not None:
        long_samples(c)
    if c.labels is not None:
        st.plotly_chart(class_samples_figure(c.fake, c.labels, c.class_names, names, real=c.real,
                                             real_labels=c.real_labels), key="cmp_class_chart", width="stretch")


def long_samples(c: Comparison) -> None:
    """Samples longer than the training windows, whole, and how their last window scores against their first."""
    m = c.model
    st.plotly_chart(plots.long_samples_figure(c.fake_long, c.real, m.feature_names, m.seq_len),
                    key="cmp_long", width="stretch")
    if c.real_scaled is None or m.data is None:
        return
    length = c.fake_long.shape[1]
    if not st.button("Score start and end", key="cmp_long_go", icon=":material/straighten:",
                     help=f"Scores the first and the last {m.seq_len} steps of the {length:,}-step samples against real "
                          "windows (discriminative score, lower is better). A higher score at the end means the "
                          "generator drifts away from the data when run past its training length. Seconds."):
        if st.session_state.get("cmp_long_scored") != (c.key, length):
            return
    start, end = memoised("long", (c.key, length), lambda: metrics.start_end_scores(
        c.real_scaled, m.data.scaler.transform(c.fake_long).astype(np.float32), iterations=500, seed=c.seed))
    st.session_state["cmp_long_scored"] = (c.key, length)
    left, right = st.columns(2)
    n = min(len(c.real_scaled), len(c.fake_long))
    left.metric(f"First {m.seq_len} steps", f"{start:.3f}",
                help=f"Discriminative score from {n} samples against {n} real windows (0: indistinguishable). "
                     "More *Generated sequences* give a steadier score.")
    right.metric(f"Last {m.seq_len} steps", f"{end:.3f}", f"{end - start:+.3f}", delta_color="inverse")
    if end - start > 0.05:
        st.warning(f"The samples drift: their last {m.seq_len} steps are easier to tell from real data than their first "
                   f"({end:.3f} vs {start:.3f}). Train with a longer unroll (Train page, *Unroll*; CLI `--unroll 4`) "
                   "so the generator learns to run on past one window.", icon=":material/trending_up:")


def class_scores(c: Comparison) -> None:
    """TSTR per class: a classifier trained on the labelled samples, tested on held-out real windows."""
    if c.labels is None or c.real_labels is None or c.real_scaled is None:
        return
    st.markdown("**Each class (TSTR)**")
    if c.chosen:
        st.caption("Only some classes were asked for; choose none under *Classes* to score every class.")
        return
    key = "cmp_tstr"
    if not st.button("Score each class", key="cmp_tstr_go", icon=":material/category:",
                     help="Trains a small convolutional classifier on the labelled samples and tests it on held-out real "
                          "windows (TSTR), beside the same classifier trained on real windows (TRTR). Seconds."):
        held = st.session_state.get(key)
        if held is None or held[0] != c.key:
            return
    result = memoised("tstr", c.key, lambda: metrics.tstr_accuracy(
        c.real_scaled, c.real_labels, c.fake_scaled, c.labels, class_names=list(c.class_names), iterations=200,
        seed=c.seed))
    st.session_state[key] = (c.key, True)
    rows = [{"class": "all", "TSTR": result["tstr_accuracy"], "TRTR": result["trtr_accuracy"], "held-out real": None}]
    rows += [{"class": name, "TSTR": v["tstr"], "TRTR": v["trtr"], "held-out real": v["n"]}
             for name, v in result["per_class"].items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="cmp_tstr_table",
                 column_config={"TSTR": st.column_config.NumberColumn(format="%.3f"),
                                "TRTR": st.column_config.NumberColumn(format="%.3f")})
    st.caption(f"TSTR / TRTR = {result['tstr_ratio']:.2f}: near 1, the samples of each class carry what tells "
               "the classes apart.")


FEW_FOR_SCORES = 200  # real windows below which the scores are too noisy to read closely


def scores_view(c: Comparison) -> None:
    if c.real_scaled is not None and len(c.real_scaled) < FEW_FOR_SCORES:
        data = c.model.data
        more = ("raise *Generated sequences* above" if data is not None and data.n_sequences > len(c.real_scaled)
                else f"get {evaluate.MORE_SEQUENCES}")
        st.warning(f"Only {len(c.real_scaled):,} real sequences to score against: each score then rests on a few "
                   "dozen windows, moves a lot with the seed, and a baseline can reach 0 or 0.5 by chance. Read "
                   f"them as rough; for firmer ones, {more}.", icon=":material/warning:")
    quick = st.toggle("Quick", value=True, key="cmp_quick", persist_state=KEEP,
                      help="On: fewer classifier iterations and at most 300 windows for the distances (seconds). "
                           "Off: the full TimeGAN protocol (minutes), comparable with published scores.")
    evaluate.scores_panel(c.eval_key(quick), c.real_scaled, c.fake_scaled, c.reference_scaled)
    class_scores(c)
    evaluate.explain_scores()


def dynamics_view(c: Comparison) -> None:
    if c.real_scaled is None:
        st.info(NEEDS_REAL, icon=":material/info:")
        return
    names = c.model.feature_names
    # Full width: with several features a half-width legend wraps into the title.
    st.plotly_chart(plots.acf_figure(metrics.autocorrelation(c.real_scaled), metrics.autocorrelation(c.fake_scaled),
                                     names, title="Autocorrelation of values: real (solid), generated (dashed)"),
                    key="cmp_acf", width="stretch")
    if c.real_scaled.shape[1] >= 3:
        diff_real = metrics.first_differences(c.real_scaled)
        diff_fake = metrics.first_differences(c.fake_scaled)
        st.plotly_chart(plots.acf_figure(metrics.autocorrelation(diff_real), metrics.autocorrelation(diff_fake), names,
                                         title="Autocorrelation of step-to-step changes: real (solid), generated (dashed)"),
                        key="cmp_acf_diff", width="stretch")
    st.caption("Mean autocorrelation over windows, per feature and lag (how much a value resembles the one "
               "k steps earlier). Matching curves mean matching dynamics; a generator with no time structure "
               "drops to 0 after lag 0. The changes' curve checks dynamics even when levels look right.")


def embeddings_view(c: Comparison) -> None:
    if c.real_scaled is None:
        st.info(NEEDS_REAL, icon=":material/info:")
        return
    left, right = st.columns(2)
    real_xy, fake_xy = metrics.pca_embedding(c.real_scaled, c.fake_scaled, seed=c.seed)
    left.plotly_chart(plots.embedding_figure(real_xy, fake_xy, "PCA of windows averaged over features"),
                      key="cmp_pca", width="stretch")
    tsne = st.session_state.get("cmp_memo_tsne")
    with right:
        if tsne is not None and tsne[0] == c.key:
            st.plotly_chart(plots.embedding_figure(*tsne[1], "t-SNE of windows averaged over features",
                                                   axis_prefix="t-SNE"), key="cmp_tsne", width="stretch")
        else:
            st.markdown("**t-SNE of windows averaged over features**")
            st.caption("t-SNE takes a few seconds for a thousand windows, so it runs when asked.")
            if st.button("Compute t-SNE", key="cmp_tsne_go", icon=":material/scatter_plot:"):
                with st.spinner("Computing t-SNE…"):
                    memoised("tsne", c.key, lambda: metrics.tsne_embedding(c.real_scaled, c.fake_scaled, seed=c.seed))
                st.rerun()
    st.caption("Each window is first averaged over its features (TimeGAN's way), so both maps show levels and "
               "shapes of the average, not how features differ. Orange clouds that cover the blue ones are good; "
               "orange in one corner is mode collapse. PCA is fitted on the real windows; t-SNE on both, and "
               "distances between its clusters mean little.")


def memorisation_view(c: Comparison) -> None:
    data = c.model.data
    if data is None or c.fake_scaled is None or data.n_sequences < 2:
        st.info(NEEDS_REAL, icon=":material/info:")
        return
    found = memoised("nearest", c.key, lambda: metrics.memorisation(c.fake_scaled, data.windows, seed=c.seed))
    # Drawn on the scale the distances are measured on (each feature min-max scaled to [0, 1]): in the
    # data's own units one wide-ranged feature (pressure near 1000) flattens every other one.
    pairs = [(c.fake_scaled[g], np.asarray(data.windows[r], dtype=np.float32), d) for g, r, d in found.pairs]
    title = "The generated samples closest to a training window (each feature scaled to [0, 1])"
    st.plotly_chart(plots.nearest_pairs_figure(pairs, c.model.feature_names, title=title),
                    key="cmp_nearest", width="stretch")
    ratio = found.fake_median / found.real_median if found.real_median > 0 else float("inf")
    st.caption(
        f"Distances between whole windows on the [0, 1] scale, searched over {found.n_reference:,} training "
        f"windows. Median distance of a generated sample to its nearest training window: {found.fake_median:.3g}; "
        f"of a training window to its nearest other one: {found.real_median:.3g} (ratio {ratio:.2g}). "
        "Generated samples that sit on top of training windows (distance near 0, ratio well below 1) suggest "
        "the generator copies its data. Overlapping sliding windows make real-to-real distances tiny, so "
        "compare the pictures, not only the numbers."
    )


def _realness(c: Comparison) -> tuple[np.ndarray | None, np.ndarray] | None:
    def look(trainer: Trainer):
        # D's own scale: an uploaded checkpoint's scaler may differ from the current data's.
        def judge(x: np.ndarray) -> np.ndarray:
            return trainer.d_realness(trainer.scaler.transform(x).astype(np.float32))  # (N, T)
        return (judge(c.real) if c.real is not None else None), judge(c.fake)
    return c.model.use_trainer(look)


_ORDERS = {"first drawn": "first", "D finds most real": "high", "D finds least real": "low"}


def _rows(realness: np.ndarray, k: int, order: str) -> np.ndarray:
    if order == "first":
        return np.arange(min(k, len(realness)))
    means = realness.mean(axis=1)
    ranked = np.argsort(-means if order == "high" else means, kind="stable")
    return ranked[:k]


def discriminator_view(c: Comparison) -> None:
    look = memoised("realness", c.key, lambda: _realness(c))
    if look is None:
        st.info("The discriminator is not available for this model.", icon=":material/info:")
        return
    real_r, fake_r = look
    c1, c2 = st.columns(2)
    k = c1.slider("Sequences of each kind", 1, 12, 6, key="cmp_d_k", persist_state=KEEP)
    order = _ORDERS[c2.selectbox("Show", list(_ORDERS), key="cmp_d_order", persist_state=KEEP)]
    fake_rows = _rows(fake_r, k, order)
    blocks, labels = [], []
    if real_r is not None:
        real_rows = _rows(real_r, k, order)
        blocks.append(real_r[real_rows])
        labels += [f"real #{i} ({real_r[i].mean():.2f})" for i in real_rows]
    blocks.append(fake_r[fake_rows])
    labels += [f"generated #{i} ({fake_r[i].mean():.2f})" for i in fake_rows]
    st.plotly_chart(plots.realness_heatmap(np.concatenate(blocks), labels,
                                           title=f"What the discriminator says at each step (step {c.step:,})"),
                    key="cmp_realness", width="stretch")
    summary = f"Mean realness over all {len(fake_r):,} generated sequences: {fake_r.mean():.2f}"
    if real_r is not None:
        summary += f"; over {len(real_r):,} real ones: {real_r.mean():.2f}"
    critic = " For a Wasserstein critic this is the sigmoid of its score, not a probability." if c.model.loss != "ns" else ""
    st.caption(summary + ". Green = D says real, red = fake; the number after each row is its mean. A discriminator "
               "that still separates the two after training found something the generator gets wrong; near 0.5 "
               "everywhere means it can no longer tell." + critic)
    real_units = c.real[real_rows] if real_r is not None else None
    st.plotly_chart(plots.overlay_figure(real_units, c.fake[fake_rows], c.model.feature_names, max_per_side=k,
                                         title="The same sequences"),
                    key="cmp_realness_lines", width="stretch")


# ------------------------------------------------------------------------------- runs side by side
def _scores_of(run_id: str) -> dict[str, Any]:
    latest = evaluate.store().latest(run_id)
    if latest is None:
        return {}
    key, job = latest
    results = job.status().results.get(metrics.jobs.MODEL, {})
    return {
        "Disc.": results.get("discriminative"),
        "Disc. diff.": results.get("discriminative_diff"),
        "Pred.": results.get("predictive"),
        "Scored at": f"step {key.step:,} ({'quick' if key.quick else 'full'})",
    }


def runs_frame(runs: list[Run]) -> pd.DataFrame:
    """One row per run: data, state, configuration and, when evaluated, its latest scores."""
    records = []
    for run in runs:
        m, t = run.model_config, run.train_config
        records.append({
            "Run": ui.short_id(run.id),
            "Data": run.source.name,
            "State": run.state,
            "Step": f"{run.step:,} / {t.steps:,}",
            "G": f"{m.g_cell.upper()} {m.g_hidden}×{m.g_layers}",
            "D": f"{m.d_cell.upper()} {m.d_hidden}×{m.d_layers}",
            "Loss": t.loss,
            "lr G": run.lr_g,
            "lr D": run.lr_d,
            "D steps": run.d_steps,
            "Batch": t.batch_size,
            "Other settings": ", ".join(changed_settings(t)),
            **_scores_of(run.id),
        })
    frame = pd.DataFrame.from_records(records)
    for column in ("Disc.", "Disc. diff.", "Pred.", "Scored at"):
        if column not in frame:
            frame[column] = None
    return frame


def _run_name(run: Run) -> str:
    m = run.model_config
    return f"{ui.short_id(run.id)} · G {m.g_cell.upper()} {m.g_hidden} · D {m.d_cell.upper()} {m.d_hidden}"


def runs_view(reg: RunRegistry, owner: str) -> None:
    runs = reg.list_runs(owner)
    if not runs:
        st.info("You have no runs yet.", icon=":material/info:")
        return
    score = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(runs_frame(runs), hide_index=True, width="stretch", key="cmp_runs_table", placeholder="–",
                 column_config={"Disc.": score, "Disc. diff.": score, "Pred.": score,
                                "lr G": st.column_config.NumberColumn(format="%g"),
                                "lr D": st.column_config.NumberColumn(format="%g")})
    st.caption("Scores appear after the run is evaluated on the Scores tab (the latest evaluation of each run).")
    by_id = {run.id: run for run in runs}
    c1, c2, c3 = st.columns([4, 2, 1.3], vertical_alignment="bottom")
    chosen = c1.multiselect("Runs to draw", list(by_id), default=list(by_id)[:MAX_RUNS_DRAWN // 2],
                            format_func=lambda i: _run_name(by_id[i]), key="cmp_runs_drawn",
                            max_selections=MAX_RUNS_DRAWN)
    curve = c2.selectbox("Curve", list(CURVES), format_func=CURVES.get, key="cmp_runs_curve", persist_state=KEEP)
    smoothing = c3.slider("Smoothing", 0.0, 0.99, 0.9, 0.01, key="cmp_runs_smoothing", persist_state=KEEP)
    histories = {_run_name(by_id[i]): by_id[i].snapshot().history for i in chosen}
    st.plotly_chart(plots.runs_loss_figure(histories, curve, smoothing, title=f"{CURVES[curve]} by run"),
                    key="cmp_runs_curves", width="stretch")


# -------------------------------------------------------------------------------------- downloads
def downloads(c: Comparison) -> None:
    m = c.model
    cols = st.columns(3)
    fake = c.fake_long if c.fake_long is not None else c.fake
    own = bool((c.data_info or {}).get("file"))
    layout = cols[0].radio("Samples CSV layout", ["The file's own layout", "sample_id, step"] if own else ["sample_id, step"],
                           key="dl_layout", horizontal=True,
                           help="The file's own layout: as the training file was laid out (wide rows, long ids or "
                                "time steps with the time column carried on), in its units and column names. "
                                "sample_id, step: one row per time step of each sample.")
    if layout == "sample_id, step":
        label_column = ((c.data_info or {}).get("file") or {}).get("label_column") or "label"
        table = samples_frame(fake, m.feature_names, c.labels, list(c.class_names), label_column)
    else:
        table = own_layout_frame(fake, m.feature_names, c.data_info or {}, c.labels)
    csv = table.to_csv(index=False).encode("utf-8")
    cols[0].download_button(f"Samples CSV ({len(fake):,} sequences x {fake.shape[1]:,} steps)", csv,
                            f"{m.file_stem}-samples.csv", "text/csv", key="dl_samples", icon=":material/download:",
                            on_click="ignore", help="The generated sequences in the data's own units.")
    if m.checkpoint is not None and m.checkpoint.exists():
        path = m.checkpoint
        cols[1].download_button("Checkpoint (.pt)", lambda: path.read_bytes(), f"{m.file_stem}.pt",
                                "application/octet-stream", key="dl_checkpoint", icon=":material/download:",
                                on_click="ignore", help="Weights, optimiser state and configs; load it here or with "
                                "`python -m rgan sample`.")
