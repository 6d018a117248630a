"""Compare: real vs generated sequences of one model; downloads; (soon) the metric suite."""

import streamlit as st

from rgan import plots
from rgan.dashboard import compare, state

reg, me = state.registry(), state.owner()
st.title("Compare")

model = compare.choose_model(reg, me)
if model is None:
    st.stop()
c1, c2 = st.columns(2)
n = c1.slider("Generated sequences", 16, 2000, 500, 16, key="cmp_n")
seed = c2.number_input("Sampling seed", 0, 2**31 - 1, 0, key="cmp_seed")
result = compare.compare(model, int(n), int(seed))
if result is None:
    st.info("This run has no trained weights yet; wait for its first steps.", icon=":material/hourglass_empty:")
    st.stop()

names = model.feature_names
st.plotly_chart(plots.overlay_figure(result.real, result.fake, names, title="Real (blue) vs generated (orange)"),
                key="cmp_overlay", width="stretch")
left, right = st.columns(2)
left.plotly_chart(plots.sample_grid_figure(result.fake, names, n=16), key="cmp_grid", width="stretch")
right.plotly_chart(plots.marginal_figure(result.real, result.fake, names), key="cmp_marginals", width="stretch")
if result.real is None:
    st.caption("No real data to compare with for this model.")

st.subheader("Downloads")
compare.downloads(result)

st.divider()
st.subheader("Scores")
# Metric suite placeholder: rgan/dashboard/evaluate.py (a colleague's module) renders here from `result`
# (a compare.Comparison: real_scaled / fake_scaled (N, T, F) float32 in [0, 1], feature names, data units).
st.info("Discriminative and predictive scores, autocorrelation and PCA/t-SNE views will appear here.",
        icon=":material/analytics:")
