"""Home: what RGAN Studio is, a 30-second quick start, and links to the pages."""

import streamlit as st

from rgan.dashboard import state

state.owner()  # this browser's token (a cookie), so a refresh finds its runs

st.title("RGAN Studio")
st.markdown(
    "Train **recurrent GANs** on time series in your browser. A generator (an LSTM or GRU) turns random "
    "noise into sequences; a discriminator (another LSTM or GRU) tries to tell them from real ones. "
    "Watch the two learn from each other live, then measure and download what the generator makes."
)

st.subheader("Quick start (30 seconds)")
st.markdown(
    "1. **Train** — press *Start training* in the sidebar. The built-in *Sines* data is already loaded.\n"
    "2. Watch the losses, D(real) vs D(fake), and the generated sequences (orange) drawing closer to the "
    "real ones (blue). Pause, step, or change the learning rates while it runs.\n"
    "3. **Compare** — look at samples side by side with real data and download them as CSV, or the model.\n"
    "4. Your own data? Open **Data**, upload a CSV and press *Use this data*."
)

c = st.columns(4)
c[0].page_link("pages/data.py", label="Data: pick or upload", icon=":material/table_chart:")
c[1].page_link("pages/train.py", label="Train: start a run", icon=":material/model_training:")
c[2].page_link("pages/compare.py", label="Compare: samples, scores", icon=":material/compare:")
c[3].page_link("pages/learn.py", label="Learn: how it works", icon=":material/school:")

st.caption(
    "Runs train on this server in the background and keep going when you switch pages. This browser "
    "remembers your runs (a cookie). A run's link, copied from the address bar, lets others watch it "
    "but not control it."
)
