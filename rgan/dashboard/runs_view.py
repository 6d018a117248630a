"""Train page sections that do not need to poll: this browser's runs, the evolution view, D's view.

The last two are fragments without a timer: they redraw when their own widgets change or when the
"Refresh" button is pressed, so a user can scrub a slider without it jumping back every second.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from rgan import plots
from rgan.dashboard import state, ui, widgets
from rgan.runs import ACTIVE_STATES, FAILED, FINISHED, STOPPED, Run, RunRegistry
from rgan.train import Trainer

MAX_LISTED = 20


NO_CHECKPOINT = "It ended before its first checkpoint, so there is nothing to resume from; start a new run."


def _attach(run_id: str) -> None:
    """Open a run: its panel, and its settings in the form (to change one thing and start again)."""
    state.set_current_run(run_id)
    run = state.registry().get(run_id)
    if run is not None:
        widgets.set_train_form(run.model_config, run.train_config)


def _resume(reg: RunRegistry, run_id: str) -> None:
    try:
        reg.resume(run_id)
        state.set_current_run(run_id)
    except ValueError as e:
        st.session_state["runs_error"] = str(e)


def _delete(reg: RunRegistry, run_id: str, owner: str) -> None:
    try:
        reg.delete(run_id, owner)
    except ValueError as e:
        st.session_state["runs_error"] = str(e)
        return
    if st.session_state.get(state.RUN_KEY) == run_id or st.query_params.get(state.RUN_PARAM) == run_id:
        state.set_current_run(None)


def _unreadable_note(reg: RunRegistry) -> None:
    n = len(reg.unreadable)
    if n:
        st.caption(f"{n} run folder{'s' if n != 1 else ''} on this server could not be read (a damaged run.json) "
                   f"and {'are' if n != 1 else 'is'} not listed.")


def your_runs(reg: RunRegistry, owner: str, current: Run | None) -> None:
    """This browser's runs, newest first, each with Open (attach), Resume and Delete buttons."""
    runs = reg.list_runs(owner)
    if not runs:
        _unreadable_note(reg)
        return
    with st.expander(f"Your runs ({len(runs)})", expanded=current is None and bool(runs), icon=":material/history:"):
        for run in runs[:MAX_LISTED]:
            c1, c2, c3, c4 = st.columns([4.4, 1, 1.1, 1.2], vertical_alignment="center")  # "Delete" and "Resume" fit
            is_open = current is not None and run.id == current.id
            if is_open and run.state in ACTIVE_STATES:
                # This list is drawn with the page, not polled: an active run's state and step would go
                # stale here (a resumed run read "queued" above its live "running" badge), so point below.
                c1.text(f"▶ {run.source.name} · {ui.short_id(run.id)} · open below, where its state is live")
            else:
                mark = "▶ " if is_open else ""
                c1.text(mark + ui.run_label(run.id, run.source.name, run.state, run.step, run.train_config.steps))
            c2.button("Open", key=f"open_{run.id}", on_click=_attach, args=(run.id,),
                      disabled=current is not None and run.id == current.id, width="stretch")
            # A finished run goes on by a number of steps the user picks: that box is beside Continue
            # in the run's own panel, so here it only opens.
            can_resume = run.state in (STOPPED, FAILED) and run.checkpoint_path.exists()
            if run.state == FINISHED:
                why = "Finished: open it and press Continue with the number of steps you want."
            elif run.state in ACTIVE_STATES:
                why = "It is still active: open it to pause or stop it."
            else:
                why = "Go on from the last checkpoint." if can_resume else NO_CHECKPOINT
            c3.button("Resume", key=f"resume_{run.id}", on_click=_resume, args=(reg, run.id),
                      disabled=not can_resume, width="stretch", help=why)
            active = run.state in ACTIVE_STATES
            with c4.popover("Delete", key=f"delete_{run.id}", disabled=active, width="stretch",
                            help="Stop it first." if active else "Delete this run and its files for good."):
                st.markdown(f"Delete run **{ui.short_id(run.id)}** and its checkpoint for good?")
                st.button("Delete for good", key=f"delete_yes_{run.id}", type="primary", on_click=_delete,
                          args=(reg, run.id, owner))
        if len(runs) > MAX_LISTED:
            st.caption(f"… and {len(runs) - MAX_LISTED} older runs.")
        _unreadable_note(reg)
        error = st.session_state.pop("runs_error", None)
        if error:
            ui.show_error(error)


def _feature_picker(names: list[str], key: str) -> int:
    if len(names) <= 1:
        return 0
    return st.selectbox("Feature", range(len(names)), format_func=lambda i: names[i], key=key)


@st.fragment
def evolution(run_id: str) -> None:
    """The fixed-noise previews kept during training, as an animation with a step slider."""
    run = state.registry().get(run_id)
    if run is None:
        return
    snap = run.snapshot()
    data = state.run_data(run)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    with c1:  # a key per run: another run's features are not this one's
        feature = _feature_picker(snap.feature_names, f"evo_feature_{run_id}")
    c2.button("Refresh", key="evo_refresh", icon=":material/refresh:", width="stretch")
    if not snap.evolution:
        if snap.finished:
            st.info("No snapshots: they are kept in memory only while the server runs and the run trains.")
        else:
            _first_snapshot(run_id)
        return
    if data is not None:
        frames = [(s, data.scaler.inverse_transform(p)) for s, p in snap.evolution]
        real = state.real_examples(data, 16)
    else:
        frames, real = snap.evolution, None
    name = snap.feature_names[feature] if snap.feature_names else None
    st.plotly_chart(plots.evolution_figure(frames, feature, real, feature_name=name, uirevision=run_id),
                    key="chart_evolution", width="stretch")
    count = len(snap.evolution)
    st.caption(f"{count} snapshot{'s' if count != 1 else ''} up to step {snap.evolution[-1][0]:,}. "
               "Press Play, or drag the slider." + ("" if snap.finished else " Refresh fetches newer ones."))


@st.fragment(run_every=3.0)
def _first_snapshot(run_id: str) -> None:
    """Waits for a training run's first snapshot, then draws the page again with it. The animation
    is not redrawn on a timer after that: a redraw would stop it playing (Refresh fetches newer ones)."""
    run = state.registry().get(run_id)
    if run is not None and run.evolution:
        st.rerun()
    every = state.registry().config.evolution_every
    st.info(f"A snapshot of the generator is kept every {every} steps; the first appears here by itself.")


def _discriminator_look(trainer: Trainer, real_scaled: np.ndarray):
    fake, realness_fake, push = trainer.generator_push()  # fixed noise: (P, T, F), (P, T), (P, T, F)
    realness_real = trainer.d_realness(real_scaled[None])[0]  # (T,)
    return fake, realness_fake, push, realness_real


@st.fragment
def discriminator_view(run_id: str) -> None:
    """D's per-step realness on one real and one generated sequence, with where G would push the latter."""
    run = state.registry().get(run_id)
    if run is None:
        return
    data = state.run_data(run)
    if data is None:
        st.info("The training data of this run cannot be loaded here, so D's view is not available.")
        return
    snap = run.snapshot()
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    real_index = c1.number_input("Real sequence #", 0, data.n_sequences - 1, 0, key="dv_real")
    fake_index = c2.number_input("Generated sequence #", 0, snap.train_config.preview_size - 1, 0, key="dv_fake",
                                 help="From the fixed preview noise, made by G itself (the live chart shows "
                                      "the weight average of G when that is on).")
    with c3:
        feature = _feature_picker(data.feature_names, "dv_feature")
    c4.button("Refresh", key="dv_refresh", icon=":material/refresh:", width="stretch")
    real_scaled = np.asarray(data.windows[int(real_index)], dtype=np.float32)  # (T, F)
    look = state.use_trainer(run, lambda tr: _discriminator_look(tr, real_scaled))
    if look is None:
        st.info("The discriminator's view appears once the run has started.")
        return
    fake, realness_fake, push, realness_real = look
    i, f, name = int(fake_index), feature, data.feature_names[feature]
    real_units = data.scaler.inverse_transform(real_scaled)
    fake_units = data.scaler.inverse_transform(fake[i])
    left, right = st.columns(2)
    left.plotly_chart(plots.realness_line_figure(real_units[:, f], realness_real[: real_units.shape[0]],
                                                 feature_name=name, title=f"Real sequence #{int(real_index)}",
                                                 uirevision=run_id),
                      key="chart_dv_real", width="stretch")
    right.plotly_chart(plots.realness_line_figure(fake_units[:, f], realness_fake[i], push[i, :, f], feature_name=name,
                                                  title=f"Generated sequence #{i}", uirevision=run_id),
                       key="chart_dv_fake", width="stretch")
    st.caption(
        f"As of step {snap.step:,}. Green = D thinks 'real', red = 'fake'. The arrows show which way the "
        "generator's next update would move each generated value (direction and relative size only)."
        + (" For a Wasserstein critic the colour is the sigmoid of its score, not a probability."
           if snap.train_config.loss != "ns" else "")
    )
