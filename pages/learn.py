"""Learn: how a recurrent GAN works and how to read every chart (placeholder; the full page comes later)."""

import streamlit as st

from rgan.dashboard import state

state.owner()
st.title("Learn")
st.info("Guided explanations and experiments are coming here. Meanwhile, try the Train page's Step by step tab.")
st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
