"""RGAN Studio: page configuration and navigation; each page lives in pages/."""

import streamlit as st

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
page.run()
