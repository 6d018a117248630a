"""Buttons and cards that start the Learn page's preset experiments and open the Train page on them."""

from __future__ import annotations

import streamlit as st

from rgan.dashboard import state, ui, widgets
from rgan.data import DataError
from rgan.presets import PRESETS, get_preset
from rgan.runs import ACTIVE_STATES, Run

TRAIN_PAGE = "pages/train.py"


def _start_preset(key: str) -> Run:
    preset = get_preset(key)
    widgets.set_train_form(preset.model, preset.train)  # the Train sidebar then shows these settings
    state.set_current_data(preset.source)
    return state.start_run(preset.model, preset.train, preset.source, extra=preset.extra())


def start_presets(keys: tuple[str, ...], label: str, button_key: str, **button_args) -> None:
    """A button that starts the presets ``keys`` (in order) and opens the Train page on the first one.

    This browser's experiments that are still active are stopped first (their checkpoints are kept).
    """
    if not st.button(label, key=button_key, **button_args):
        return
    reg, me = state.registry(), state.owner()
    for run in reg.list_runs(me):  # one experiment at a time, or clicks would pile up in the queue
        if run.extra.get("preset") and run.state in ACTIVE_STATES:
            run.stop()  # keeps a checkpoint: it can be resumed from "Your runs"
    try:
        runs = [_start_preset(k) for k in keys]
    except (DataError, ValueError) as e:
        ui.show_error(e, "The preset could not start; try again or start a run from the Train page.")
        return
    state.set_current_run(runs[0].id)
    st.switch_page(TRAIN_PAGE, query_params={"me": state.owner(), "run": runs[0].id})


def preset_card(key: str, button_key: str | None = None) -> None:
    """A bordered card: title, summary, sizes, and a Start button."""
    p = PRESETS[key]
    with st.container(border=True, height="stretch"):  # cards in a row share the tallest one's height
        st.markdown(f"**{p.title}**")
        st.caption(p.summary)
        m, t = p.model, p.train
        st.caption(f"G {m.g_cell.upper()} {m.g_hidden}×{m.g_layers} · D {m.d_cell.upper()} {m.d_hidden}×{m.d_layers} · "
                   f"lr G {t.lr_g:g} · lr D {t.lr_d:g} · D steps {t.d_steps} · {t.steps:,} steps")
        st.space("stretch")  # the buttons line up at the bottom
        start_presets((key,), "Start", button_key or f"preset_{key}", icon=":material/play_arrow:",
                      type="primary", width="stretch")
