"""RGAN Studio: the process-wide allocator setting, page configuration and navigation; each page lives in pages/."""

import streamlit as st

from rgan.alloc import keep_freed_memory
from rgan.dashboard import state

# Training steps reuse freed memory instead of faulting in fresh pages (rgan/alloc.py). The setting is
# process-wide and applied once: later reruns of this script find it in effect.
keep_freed_memory()

st.set_page_config(page_title="RGAN Studio", page_icon=":material/ssid_chart:", layout="wide")

page = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/data.py", title="Data", icon=":material/table_chart:"),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
        st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
    ]
)
state.keep_owner_cookie()  # first in the main area on every run: the browser keeps the owner token
page.run()
