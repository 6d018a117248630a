"""Learn: how a recurrent GAN works, how to read every chart, what goes wrong — with one-click experiments."""

import streamlit as st

from rgan.dashboard import learn as lc
from rgan.dashboard import state
from rgan.presets import PRESETS

reg, me = state.registry(), state.owner()
st.title("Learn")
st.markdown("How a recurrent GAN learns to make time series, how to read every chart of the **Train** page, and "
            "what goes wrong. Each experiment below starts a small run (about a minute on two CPU cores) and "
            "opens it on the Train page, with what to watch for beside the charts.")

st.subheader("Guided experiments")
cols = st.columns(4)
for col, key in zip(cols, ("healthy", "mode-collapse", "d-wins", "lr-too-high")):
    with col:
        lc.preset_card(key)
with st.container(border=True):
    st.markdown("**LSTM vs GRU** — the healthy run twice, same data, sizes and seed, only the cell differs.")
    c = st.columns([1, 1, 1, 3], vertical_alignment="center")
    with c[0]:
        lc.start_presets(("lstm",), "Start LSTM", "preset_lstm", icon=":material/play_arrow:", width="stretch")
    with c[1]:
        lc.start_presets(("gru",), "Start GRU", "preset_gru", icon=":material/play_arrow:", width="stretch")
    with c[2]:
        lc.start_presets(("lstm", "gru"), "Start both", "preset_both", icon=":material/play_arrow:", width="stretch",
                         help="Starts both runs; the second waits in the queue if only one run may train at a time.")
    c[3].caption("Then compare them in **Your experiments** (last tab below): steps/s, D(real) vs D(fake), diversity "
                 "and MMD to real. On the **Compare** page, *Runs side by side* overlays their curves and *Scores* "
                 "rates each run's samples.")
st.caption(f"Presets train on {PRESETS['healthy'].source.params['n_samples']:,} sines (24 steps × 2 features), "
           "make that the data for your next run, and fill in the Train form with their settings, so you can change "
           "one thing and start again. Starting an "
           "experiment stops your previous experiment (resume it from *Your runs* on the Train page); a run of "
           "your own that is training or paused keeps its place, and the experiment may wait for it.")

tabs = st.tabs(["What a GAN is", "Recurrent G and D", "Reading the charts", "Failure modes",
                "Why the naive version fails", "The article's questions", "Your experiments"], key="learn_tab")
with tabs[0]:
    lc.section_gan()
with tabs[1]:
    lc.section_recurrent()
with tabs[2]:
    lc.section_charts()
with tabs[3]:
    lc.section_failures()
with tabs[4]:
    lc.section_naive()
with tabs[5]:
    lc.section_questions(reg)
with tabs[6]:
    lc.experiments(reg, me)
