"""Compare: how real are the samples? Views, scores against baselines, runs side by side, downloads."""

import streamlit as st

from rgan.dashboard import compare, compare_views, state

reg, me = state.registry(), state.owner()
st.title("Compare")

model = compare.choose_model(reg, me)
if model is None:
    st.stop()
c1, c2, c3 = st.columns([2, 1, 1])
n = c1.slider("Generated sequences", 16, 2000, 500, 16, key="cmp_n")
seed = c2.number_input("Sampling seed", 0, 2**31 - 1, 0, key="cmp_seed")
length, classes = compare.length_and_classes(model, c3)
result = compare.compare(model, int(n), int(seed), length, classes)
if result is None:
    st.info("This run has no trained weights yet; wait for its first steps.", icon=":material/hourglass_empty:")
    st.stop()

# Only the open tab runs (on_change="rerun"), so t-SNE, nearest windows and D's verdicts cost nothing unseen.
tabs = dict(zip(compare_views.TABS, st.tabs(compare_views.TABS, key="cmp_tab", on_change="rerun")))
views = {
    "Samples": compare_views.samples_view,
    "Scores": compare_views.scores_view,
    "Dynamics": compare_views.dynamics_view,
    "PCA / t-SNE": compare_views.embeddings_view,
    "Memorisation": compare_views.memorisation_view,
    "Discriminator": compare_views.discriminator_view,
}
for name, tab in tabs.items():
    if tab.open:
        with tab:
            if name == "Runs side by side":
                compare.guarded(compare_views.runs_view, reg, me)
            else:
                compare.guarded(views[name], result)

st.subheader("Downloads")
compare_views.downloads(result)
