"""Learn: how a recurrent GAN works, how to read every chart, what goes wrong — with one-click experiments."""

import streamlit as st

from rgan.dashboard import diagram, runs_view, state
from rgan.dashboard import learn_content as lc
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
st.caption(f"Presets train on {PRESETS['healthy'].source.params['n_samples']:,} sines (24 steps × 2 features) and "
           "fill in the Train form with their settings, so you can change one thing and start again. Starting an "
           "experiment stops your previous one (resume it from *Your runs* on the Train page).")

tabs = st.tabs(["What a GAN is", "Recurrent G and D", "Reading the charts", "Failure modes",
                "Why the naive version fails", "The article's questions", "Your experiments"], key="learn_tab")

with tabs[0]:
    st.markdown(lc.WHAT_IS_A_GAN)
    st.markdown(lc.OBJECTIVE_INTRO)
    st.latex(lc.MINIMAX)
    st.markdown(lc.D_LOSS_INTRO)
    st.latex(lc.D_LOSS)
    st.markdown(lc.G_LOSS_INTRO)
    left, right = st.columns(2)
    left.latex(lc.G_LOSS_SATURATING)
    right.latex(lc.G_LOSS_NON_SATURATING)
    st.plotly_chart(lc.generator_gradient_figure(), key="learn_grad_fig", width="stretch")
    st.caption(lc.GRADIENT_FIGURE_CAPTION)
    st.latex(lc.EQUILIBRIUM)
    st.markdown(lc.EQUILIBRIUM_TEXT)

with tabs[1]:
    st.markdown(lc.RECURRENT_TEXT)
    per_step = st.segmented_control("D judges", ["every step", "whole sequence"], default="every step",
                                    key="learn_d_judges", required=True) == "every step"
    st.graphviz_chart(lc.unrolled_diagram(4, per_step), width="stretch")
    st.caption(lc.DIAGRAM_CAPTION)
    st.latex(lc.RECURRENCE)
    st.latex(lc.PER_STEP_LOSS)
    st.markdown(lc.PER_STEP_TEXT)

with tabs[2]:
    for guide in lc.CHARTS:
        with st.expander(guide.name, expanded=True):
            st.markdown(f"**Shows:** {guide.shows}  \n**Healthy:** {guide.healthy}  \n**Worrying:** {guide.warning}")

with tabs[3]:
    for i, mode in enumerate(lc.FAILURE_MODES):
        st.subheader(mode.name)
        st.markdown(f"**What it looks like.** {mode.looks_like}  \n**Why.** {mode.why}  \n"
                    f"**What to change.** {mode.what_to_change}")
        if mode.name == "Vanishing gradients":
            st.caption(lc.VANISHING_NOTE)
        lc.start_presets((mode.preset,), f"Try it: {PRESETS[mode.preset].title}", f"try_{i}_{mode.preset}",
                         icon=":material/science:")

with tabs[4]:
    st.markdown("The article this project grew from sketches a recurrent GAN in Keras. The idea is right; the code "
                "cannot work. Each defect is a lesson; the numbers on the right point at the lines (comments translated):")
    st.code(lc.SEED_CODE, language="python")
    for defect in lc.DEFECTS:
        st.markdown(f"**{defect.title}**")
        left, right = st.columns([2, 3])
        left.caption("Wrong")
        left.code(defect.wrong, language="python", wrap_lines=True)
        right.caption("Fixed")
        right.code(defect.fix, language="python", wrap_lines=True)
        st.markdown(defect.what_happens)
        if defect.demo:
            st.info(lc.DEMOS[defect.demo](), icon=":material/play_circle:")

with tabs[5]:
    for i, q in enumerate(lc.QUESTIONS):
        st.markdown(f"#### {q.english}")
        st.caption(f"{q.asked} — the article answers: “{q.article_says}”")
        st.markdown(q.answer)
        st.info(q.see, icon=":material/visibility:")
        lc.start_presets((q.preset,), f"Try it: {PRESETS[q.preset].title}", f"q{i}_{q.preset}", icon=":material/science:")
        if i == 1 and (run := state.current_run(reg)) is not None:
            runs_view.discriminator_view(run.id)  # live: D's per-step verdicts on the last opened run
    st.graphviz_chart(diagram.model_diagram(("G", "gradients")), width="stretch")
    st.caption("One sub-step of training as the Step by step tab draws it: G phase, gradients flow from the loss "
               "back through the frozen D into G.")

with tabs[6]:
    lc.experiments(reg, me)
