"""Streamlit helpers shared by the pages; the only part of ``rgan`` that imports streamlit."""
