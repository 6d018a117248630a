"""Small display helpers of the dashboard: escaping user text for Streamlit's markdown."""

from __future__ import annotations

import pytest

from rgan.dashboard import ui


@pytest.mark.parametrize("name, escaped", [
    ("a &amp; b.csv", r"a \&amp; b.csv"),  # Streamlit's markdown decodes entities: "&amp;" would show as "&"
    ("<b>x</b>", r"\<b\>x\</b\>"),
    ("plain name", "plain name"),
])
def test_md_escape_keeps_names_as_typed(name: str, escaped: str):
    assert ui.md_escape(name) == escaped
