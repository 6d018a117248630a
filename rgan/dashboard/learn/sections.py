"""The Learn page's tabs, one function each: they lay out the texts, formulas, figures and preset buttons."""

from __future__ import annotations

import streamlit as st

from rgan.dashboard import diagram, runs_view, state
from rgan.dashboard.learn import formulas as fx
from rgan.dashboard.learn.figures import generator_gradient_figure, unrolled_diagram
from rgan.dashboard.learn.guides import CHARTS, FAILURE_MODES, QUESTIONS
from rgan.dashboard.learn.loader import read_text
from rgan.dashboard.learn.naive import DEFECTS, DEMOS, SEED_CODE
from rgan.dashboard.learn.presets_ui import start_presets
from rgan.presets import PRESETS


def section_gan() -> None:
    """What a GAN is: the objective, both losses, the generator's gradient and the equilibrium."""
    st.markdown(read_text("gan_intro"))
    st.markdown(read_text("gan_objective"))
    st.latex(fx.MINIMAX)
    st.markdown(read_text("gan_d_loss"))
    st.latex(fx.D_LOSS)
    st.markdown(read_text("gan_g_loss"))
    left, right = st.columns(2)
    left.latex(fx.G_LOSS_SATURATING)
    right.latex(fx.G_LOSS_NON_SATURATING)
    st.plotly_chart(generator_gradient_figure(), key="learn_grad_fig", width="stretch")
    st.caption(read_text("gan_gradient_caption"))
    st.latex(fx.EQUILIBRIUM)
    st.markdown(read_text("gan_equilibrium"))


def section_recurrent() -> None:
    """Recurrent G and D: the cells, the unrolled diagram and the per-step loss."""
    st.markdown(read_text("recurrent_intro"))
    judges = st.segmented_control("D judges", ["every step", "whole sequence"], default="every step",
                                  key="learn_d_judges", required=True)
    st.graphviz_chart(unrolled_diagram(4, per_step=judges == "every step"), width="stretch")
    st.caption(read_text("recurrent_diagram_caption"))
    st.latex(fx.RECURRENCE)
    st.latex(fx.PER_STEP_LOSS)
    st.markdown(read_text("recurrent_moment_loss"))


def section_charts() -> None:
    """How to read each chart of the Train page."""
    for guide in CHARTS:
        with st.expander(guide.name, expanded=True):
            st.markdown(f"**Shows:** {guide.shows}  \n**Healthy:** {guide.healthy}  \n**Worrying:** {guide.warning}")


def section_failures() -> None:
    """Each failure mode with a button that starts the preset showing it."""
    for i, mode in enumerate(FAILURE_MODES):
        st.subheader(mode.name)
        st.markdown(f"**What it looks like.** {mode.looks_like}  \n**Why.** {mode.why}  \n"
                    f"**What to change.** {mode.what_to_change}")
        if mode.note:
            st.caption(mode.note)
        start_presets((mode.preset,), f"Try it: {PRESETS[mode.preset].title}", f"try_{i}_{mode.preset}",
                      icon=":material/science:")


def section_naive() -> None:
    """The seed article's Keras sketch and its defects, wrong and fixed side by side, with live demonstrations."""
    st.markdown(read_text("naive_intro"))
    st.code(SEED_CODE, language="python")
    for defect in DEFECTS:
        st.markdown(f"**{defect.title}**")
        left, right = st.columns([2, 3])
        left.caption("Wrong")
        left.code(defect.wrong, language="python", wrap_lines=True)
        right.caption("Fixed")
        right.code(defect.fix, language="python", wrap_lines=True)
        st.markdown(defect.what_happens)
        if defect.demo:
            st.info(DEMOS[defect.demo](), icon=":material/play_circle:")


def section_questions(reg) -> None:
    """The article's questions: its answers, fuller ones, and where to see them live."""
    for i, q in enumerate(QUESTIONS):
        st.markdown(f"#### {q.english}")
        st.caption(f"{q.asked} — the article answers: “{q.article_says}”")
        st.markdown(q.answer)
        st.info(q.see, icon=":material/visibility:")
        start_presets((q.preset,), f"Try it: {PRESETS[q.preset].title}", f"q{i}_{q.preset}", icon=":material/science:")
        if i == 1 and (run := state.current_run(reg)) is not None:
            runs_view.discriminator_view(run.id)  # live: D's per-step verdicts on the last opened run
    st.graphviz_chart(diagram.model_diagram(("G", "gradients")), width="stretch")
    st.caption(read_text("questions_substep_caption"))
