"""The Train page's live area: one polling fragment with status, controls, live charts and steps.

The fragment re-runs itself about once a second while the run is active (twice a second in slow
motion; slower when many pages poll the same server, see :func:`refresh_interval`),
reads one :class:`~rgan.runs.RunSnapshot` and redraws; a finished run is drawn once. Controls are
button callbacks, so they act before the fragment redraws. When a run becomes active or finishes,
the whole page is rerun so that polling starts or stops.
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np
import streamlit as st

from rgan import limits, plots
from rgan.plots.classes import class_samples_figure
from rgan.dashboard import diagram, runs_view, state, ui
from rgan.runs import FAILED, FINISHED, PAUSED, QUEUED, RUNNING, STOPPED, Run, RunSnapshot, default_extra_steps
from rgan.train import changed_settings

SLOW_KEY = "slow_motion"
_ERROR_KEY = "train_control_error"
REAL_SHOWN = 8  # real sequences drawn under the preview


def refresh_interval(watched: int, slow: bool = False) -> float:
    """Seconds between redraws of a live panel.

    About once a second for one viewer (twice in slow motion). Every redraw costs the server Python
    time that the training threads wait for (the GIL), so with many pages polling at once each slows
    down (0.5 s per watched run or recent visitor, up to 5 s). The pace is chosen when the page is drawn and kept until
    it is drawn again: changing it means a full rerun from inside the polling fragment, and under load
    Streamlit's frontend then sometimes got a fragment's update for a layout being rebuilt ("Bad delta
    path index ...") and showed a blank page.
    """
    every = 0.5 if slow else 1.0
    return max(every, min(5.0, 0.5 * watched))


def live_panel(run: Run) -> None:
    """Draw the live area for ``run``; polls while it is active."""
    snap = run.snapshot()
    slow = bool(st.session_state.get(SLOW_KEY, False))
    reg = state.registry()
    # The pace is fixed when the page is drawn, often before other runs start: count the people who
    # used the server in the last minute too, not only the runs being watched right now.
    every = refresh_interval(max(reg.watched(), reg.visitors()), slow) if not snap.finished else None
    st.fragment(run_every=every)(_live)(run.id, not snap.finished, slow, not state.is_owner(run))


READ_ONLY_NOTE = ("This run was started in another browser: you can watch it, but only that browser can "
                  "pause, stop, step or change it.")


def _live(run_id: str, was_active: bool, slow: bool, read_only: bool = False) -> None:
    run = state.registry().get(run_id)
    if run is None:
        st.warning("This run is no longer available.")
        return
    snap = run.snapshot()
    if snap.finished == was_active or bool(st.session_state.get(SLOW_KEY, False)) != slow:
        st.rerun()  # started/finished or slow motion toggled: redraw the page so polling matches
    _status(snap, slow)
    if read_only:
        st.caption(READ_ONLY_NOTE, help="A run's link shows it to anyone; its controls stay with its owner.")
    else:
        _controls(run, snap)
    # Both tabs are drawn on every redraw. (Lazy tabs, on_change="rerun", changed the fragment's layout
    # from one redraw to the next; under load Streamlit's frontend then got updates for elements it no
    # longer had, "Bad delta path index", and drew a blank page.)
    charts, steps = st.tabs(["Live charts", "Step by step"], key="train_live_tab")
    with charts:
        _charts(run, snap)
    with steps:
        _step_by_step(run, snap, read_only)


# ------------------------------------------------------------------------------------------ status
def _status(snap: RunSnapshot, slow: bool = False) -> None:
    m, t = snap.model_config, snap.train_config
    c1, c2 = st.columns([1, 7], vertical_alignment="center")
    with c1:
        ui.state_badge(snap.state)
    rate = snap.steps_per_s if snap.state == RUNNING else 0.0
    text = plots.progress_text(snap.step, snap.total_steps, rate)
    clock = snap.history.get("time") or [0.0]
    if snap.state in (QUEUED, PAUSED):  # no speed to show while it waits
        text = f"step {snap.step:,} / {snap.total_steps:,} · {snap.state}"
    if slow and snap.state in (RUNNING, PAUSED):  # steps/s and time left mean nothing one sub-step at a time
        text = f"step {snap.step:,} / {snap.total_steps:,} · slow motion: one sub-step at a time"
    if snap.finished and clock[-1] > 0:  # an ended run shows its average speed and no time left
        ended = "done" if snap.state == FINISHED else snap.state
        text = f"step {snap.step:,} / {snap.total_steps:,} · {ended} · {snap.step / clock[-1]:.1f} steps/s on average"
    done = min(snap.step / max(snap.total_steps, 1), 1.0)
    c2.progress(done, text=text)
    st.caption(
        f"{ui.md_escape(snap.name)} · G {m.g_cell.upper()} {m.g_hidden}×{m.g_layers} · "
        f"D {m.d_cell.upper()} {m.d_hidden}×{m.d_layers} ({'per step' if m.d_per_step else 'per sequence'}"
        f"{', both ways' if m.d_both_ways else ''}) · "
        + (f"{m.patch} steps per cell · " if m.patch > 1 else "")
        + (f"position over {m.position} steps · " if m.position else "")
        + (f"G reaches {m.g_margin:g} past the data · " if m.g_margin else "")
        + f"loss {t.loss} · lr G {snap.lr_g:g} · lr D {snap.lr_d:g} · D steps {snap.d_steps} · "
        f"batch {t.batch_size} · "
        + "".join(f"{setting} · " for setting in changed_settings(t))
        + f"run {ui.short_id(snap.id)}"
    )
    queue = st.empty()  # one slot whether queued or not: the fragment's layout stays the same
    if snap.queue_position:
        queue.info(_queue_text(snap), icon=":material/hourglass_empty:")
    if snap.error:
        ui.show_error(snap.error)
    for note in snap.notes:
        st.caption(ui.md_escape(note))


def _queue_text(snap: RunSnapshot) -> str:
    """Where a queued run stands and, if this browser's own runs hold training slots, which ones."""
    text = f"Queued: position {snap.queue_position} — training starts when another run finishes."
    # Only running runs hold slots: a paused one gives its slot up.
    holding = [r for r in state.registry().list_runs(snap.owner) if r.id != snap.id and r.state == RUNNING]
    if holding:
        names = ", ".join(f"{r.state} run {ui.md_escape(r.source.name)} ({ui.short_id(r.id)})" for r in holding)
        text += (f" Your {names} {'holds a training slot' if len(holding) == 1 else 'hold training slots'}: "
                 "open it from *Your runs* and press Pause (a paused run gives its slot up) or Stop (its checkpoint "
                 "is kept, it can be resumed) to start this one now.")
    return text


# ---------------------------------------------------------------------------------------- controls
ERROR_SHOWN_S = 15.0  # a control's error outlives this many seconds of live redraws, or the next action


def _act(fn, *args, **kwargs) -> None:
    """Button callback: run a control; its error is shown under the controls until the next action."""
    st.session_state.pop(_ERROR_KEY, None)
    try:
        fn(*args, **kwargs)
    except ValueError as e:
        st.session_state[_ERROR_KEY] = (str(e), time.monotonic())


def _control_error() -> str | None:
    held = st.session_state.get(_ERROR_KEY)
    if held is None or time.monotonic() - held[1] > ERROR_SHOWN_S:
        st.session_state.pop(_ERROR_KEY, None)
        return None
    return held[0]


def _resume(run: Run) -> None:
    run.set_slow(bool(st.session_state.get(SLOW_KEY, False)))
    run.resume()


MORE_STEPS = limits.CONTROLS["more_steps"]  # what "More steps" (Continue) accepts
STEP_N = limits.CONTROLS["step_n"]  # what "Steps" (the Step button) accepts
_LAST_MORE_KEY = "rgan_more_steps"  # the last "More steps" used, the next finished run's default


def _count(key: str, label: str, bounds: tuple[int, int]) -> int:
    """A whole number from the session (a control's box), or ValueError saying the range."""
    value, (lo, hi) = st.session_state.get(key), bounds
    if value is None or not lo <= value <= hi or value != int(value):
        raise ValueError(f"{label} must be a whole number from {lo:,} to {hi:,}; it is {value}.")
    return int(value)


def _continue(run_id: str, steps_key: str) -> None:
    more = _count(steps_key, "More steps", MORE_STEPS)
    st.session_state[_LAST_MORE_KEY] = more
    state.registry().resume(run_id, extra_steps=more)


def _set_slow(run_id: str) -> None:
    run = state.registry().get(run_id)
    if run is not None:
        run.set_slow(bool(st.session_state[SLOW_KEY]))


def _step(run: Run, update_d: bool = True, update_g: bool = True, n: int | None = None) -> None:
    n = _count("step_n", "Steps", STEP_N) if n is None else n
    run.step_once(n, update_d=update_d, update_g=update_g, slow=bool(st.session_state.get(SLOW_KEY, False)))


def _controls(run: Run, snap: RunSnapshot) -> None:
    active = snap.state in (QUEUED, RUNNING, PAUSED)
    steppable = snap.state in (RUNNING, PAUSED)
    c = st.columns([1, 1, 1, 1.1, 1, 2.4], vertical_alignment="bottom")
    c[0].button("Pause", key="ctl_pause", icon=":material/pause:", disabled=snap.state not in (RUNNING, QUEUED),
                on_click=_act, args=(run.pause,), width="stretch")
    more_key = f"more_n_{run.id}"
    if snap.state == FINISHED:
        c[1].button("Continue", key="ctl_resume", icon=":material/play_arrow:", on_click=_act,
                    args=(_continue, run.id, more_key), width="stretch",
                    help="Go on for the number of steps in *More steps*, from the last checkpoint.")
    elif snap.state in (STOPPED, FAILED):
        saved = run.checkpoint_path.exists()
        c[1].button("Resume", key="ctl_resume", icon=":material/play_arrow:", on_click=_act,
                    args=(state.registry().resume, run.id), width="stretch", disabled=not saved,
                    help="Go on from the last checkpoint up to the run's step count." if saved
                    else runs_view.NO_CHECKPOINT)
    else:
        c[1].button("Resume", key="ctl_resume", icon=":material/play_arrow:", disabled=snap.state != PAUSED,
                    on_click=_act, args=(_resume, run), width="stretch")
    c[2].button("Stop", key="ctl_stop", icon=":material/stop:", disabled=not active, on_click=_act, args=(run.stop,),
                width="stretch", help="End the run; a checkpoint is kept and it can be resumed later.")
    problems: list[str] = []  # shown below; the buttons refuse such a number too
    if snap.state == FINISHED:  # the steps that Continue adds
        more = st.session_state.get(_LAST_MORE_KEY) or default_extra_steps(snap.total_steps)
        ui.checked_number(c[3], "More steps", *MORE_STEPS, value=more, step=100, key=more_key, problems=problems)
    else:
        ui.checked_number(c[3], "Steps", *STEP_N, value=1, key="step_n", disabled=not steppable, problems=problems)
    c[4].button("Step", key="ctl_step", icon=":material/skip_next:", disabled=not steppable, on_click=_act,
                args=(_step, run), width="stretch",
                help="Train this many steps, then pause." if snap.state != QUEUED
                else "A queued run has no training slot yet; Step works once it runs.")
    with c[5].popover("Change while training", icon=":material/tune:", disabled=not active, width="stretch"):
        _change_settings(run, snap)
    error = _control_error()
    for message in problems if not error else [error]:
        ui.show_error(message)


def _change_settings(run: Run, snap: RunSnapshot) -> None:
    with st.form(f"change_{run.id}", border=False):
        st.caption("Applied from the next step and marked on the loss chart.")
        problems: list[str] = []
        num = partial(ui.checked_number, st, problems=problems)
        lr_g = num("lr G", *limits.TRAIN["lr_g"], value=snap.lr_g, format="%.5f", step=1e-4, key=f"chg_lr_g_{run.id}")
        lr_d = num("lr D", *limits.TRAIN["lr_d"], value=snap.lr_d, format="%.5f", step=1e-4, key=f"chg_lr_d_{run.id}")
        d_steps = num("D steps per G step", *limits.TRAIN["d_steps"], value=snap.d_steps, key=f"chg_d_steps_{run.id}")
        applied = st.form_submit_button("Apply", type="primary")
        for message in problems:  # in the form, until corrected (a submitted entry stays in the box)
            ui.show_error(message, "Nothing was changed.")
        if applied and not problems:
            _act(run.update_settings, lr_g=float(lr_g), lr_d=float(lr_d), d_steps=int(d_steps))


# ------------------------------------------------------------------------------------------ charts
def _real_and_preview(run: Run, snap: RunSnapshot) -> tuple[np.ndarray | None, np.ndarray | None, list[str]]:
    """A fixed handful of real sequences and the fixed-noise preview, both in the data's units."""
    data = state.run_data(run)
    names = snap.feature_names or (data.feature_names if data is not None else [])
    if data is None:
        return None, snap.preview, names  # scaled: no scaler without the data
    real = state.real_examples(data, REAL_SHOWN)
    preview = None if snap.preview is None else data.scaler.inverse_transform(snap.preview)
    return real, preview, names


CHART_POINTS = 1000  # points per live curve (the full history stays in the run and its log)
_OVERLAY_KEY = "rgan_live_overlay"  # ((run id, preview step), overlay figure, monotonic time built)
OVERLAY_EVERY_S = 2.0  # the samples chart is rebuilt at most this often while a run trains


def _charts(run: Run, snap: RunSnapshot) -> None:
    watch = snap.extra.get("watch_for")
    if watch:
        # Full width above the charts so the two or three sentences stay readable. Preset texts are
        # written by us (not user input), so their markdown is kept.
        st.info(f"**{snap.extra.get('title', 'What to watch for')}**  \n{watch}", icon=":material/visibility:")
    if snap.extra.get("recipe"):
        st.caption(ui.md_escape(str(snap.extra["recipe"])))
    main = st.container()
    with main:
        smoothing = st.slider("Smoothing", 0.0, 0.99, 0.6, 0.01, key="smoothing", persist_state="session",
                              help="Exponential moving average of the curves (the raw values stay faint underneath).")
        rev = snap.id  # a new run resets the zoom; redraws of the same run keep it
        left, right = st.columns(2)
        # The server's Python time competes with the training thread for the GIL: thin the curves to
        # CHART_POINTS and rebuild the sample overlay only for a new preview, at most every 2 s.
        left.plotly_chart(plots.loss_figure(snap.history, smoothing, snap.markers, uirevision=rev,
                                            max_points=CHART_POINTS), key="chart_loss", width="stretch")
        right.plotly_chart(plots.d_output_figure(snap.history, smoothing, uirevision=rev, max_points=CHART_POINTS),
                           key="chart_d_output", width="stretch")
        left.plotly_chart(plots.grad_norm_figure(snap.history, smoothing, uirevision=rev, max_points=CHART_POINTS),
                          key="chart_grad_norm", width="stretch")
        cache_key = (snap.id, snap.preview_step)
        cached = st.session_state.get(_OVERLAY_KEY)
        now = time.monotonic()
        stale = cached is None or cached[0][0] != snap.id or (
            cached[0] != cache_key and (snap.finished or now - cached[2] >= OVERLAY_EVERY_S))
        if stale:
            real, preview, names = _real_and_preview(run, snap)
            title = f"Fixed-noise samples (step {snap.preview_step:,}) over real ones"  # short: a note may follow
            figure = plots.overlay_figure(real, preview, names or None, title=title, uirevision=rev)
            data = state.run_data(run)
            if preview is not None and data is not None and data.labels is not None:  # conditional: colour by class
                classes = np.arange(len(preview)) % data.n_classes  # the trainer's preview_labels: each class in turn
                figure = class_samples_figure(preview, classes, data.class_names, names or None, uirevision=rev,
                                              title=f"Fixed-noise samples by class (step {snap.preview_step:,})")
            st.session_state[_OVERLAY_KEY] = cached = (cache_key, figure, now)
        right.plotly_chart(cached[1], key="chart_preview", width="stretch")


# ------------------------------------------------------------------------------------ step by step
def _step_by_step(run: Run, snap: RunSnapshot, read_only: bool = False) -> None:
    active = snap.state in (RUNNING, PAUSED) and not read_only  # a queued run has no trainer to step yet
    left, right = st.columns([2, 3])
    with left:
        st.toggle("Slow motion", key=SLOW_KEY, on_change=_set_slow, args=(run.id,), disabled=read_only,
                  help="Pause after every sub-step so you can follow one training step.")
        st.caption("One step at a time (the run pauses afterwards):")
        b = st.columns(3)
        b[0].button("D step only", key="ctl_d_only", disabled=not active, on_click=_act,
                    args=(_step, run, True, False, 1), width="stretch")
        b[1].button("G step only", key="ctl_g_only", disabled=not active, on_click=_act,
                    args=(_step, run, False, True, 1), width="stretch")
        b[2].button("Both", key="ctl_both", disabled=not active, on_click=_act,
                    args=(_step, run, True, True, 1), width="stretch")
        if read_only:
            st.caption(READ_ONLY_NOTE)
        elif not active:
            st.caption({QUEUED: "A queued run can be stepped once it has a training slot.",
                        FINISHED: "Continue the run (above) to step it."}.get(snap.state, "Resume the run to step it."))
        st.markdown(f"**Just ran:** {diagram.explain(snap.substep)}")
        last = {k: v[-1] for k, v in snap.history.items() if v}
        if last:
            st.caption(
                f"step {int(last['step']):,} · loss D {last['loss_d']:.3f} · loss G {last['loss_g']:.3f} · "
                f"D(real) {last['d_real']:.2f} · D(fake) {last['d_fake']:.2f}"
            )
    with right:
        st.graphviz_chart(diagram.model_diagram(snap.substep), width="stretch")
