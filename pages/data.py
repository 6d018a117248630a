"""Data: a built-in data set or an uploaded CSV -> preview, detected layout, summary -> "Use this data"."""

import streamlit as st

from rgan.dashboard import data_view, state, ui
from rgan.data import DataError

state.owner()
st.title("Data")
current = state.current_source()
st.caption(f"Training currently uses: {ui.md_escape(current.name)}"
           + (" (uploaded file)" if current.kind == "csv" else " (built-in)"))

kind = st.segmented_control("Source", ["Built-in data set", "Upload a CSV"], key="data_kind", required=True,
                            default="Upload a CSV" if current.kind == "csv" else "Built-in data set")
digest = None
try:
    if kind == "Upload a CSV":
        source, digest = data_view.csv_source()
        if source is None:
            st.stop()
    else:
        source = data_view.dataset_source()
    data = state.load_source(source)
except DataError as e:
    ui.show_error(e)
    st.stop()

data_view.after_load(data, digest)
data_view.summary(data, seq_len_key="d_seq_len" if kind == "Upload a CSV" else "ds_seq_len")

use, note, link = st.columns([1, 3, 1], vertical_alignment="center")
# Kept in the click's callback (see data_view.use_source). A setting changed in the same gesture (a length typed,
# then the button clicked at once) reaches only this run: then this run's data is the one meant.
if (use.button("Use this data", type="primary", icon=":material/check:", width="stretch",
               on_click=data_view.use_source, args=(source,))
        and state.current_source() != source):
    data_view.use_source(source)
    st.rerun()  # so the caption at the top says so
if state.current_source() == source:
    note.success(f"Training will use {ui.md_escape(data.name)}.", icon=":material/check_circle:")
    link.page_link("pages/train.py", label="Go to Train", icon=":material/arrow_forward:")

data_view.preview(data)
