"""Small display helpers: escaping user text, error boxes, state badges."""

from __future__ import annotations

import re

import streamlit as st

from rgan.runs import FAILED, FINISHED, PAUSED, QUEUED, RUNNING, STOPPED

# Characters that Streamlit's markdown would interpret; user text (file and column names) is escaped
# so that a column called "**x**" or "[a](b)" shows as typed. HTML is never enabled.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~$&])")  # with "&": a name holding "&amp;" shows as typed

_BADGE = {
    QUEUED: ("queued", "gray", ":material/hourglass_empty:"),
    RUNNING: ("running", "blue", ":material/play_arrow:"),
    PAUSED: ("paused", "orange", ":material/pause:"),
    FINISHED: ("finished", "green", ":material/check:"),
    STOPPED: ("stopped", "gray", ":material/stop:"),
    FAILED: ("failed", "red", ":material/error:"),
}


def md_escape(text: object) -> str:
    """``text`` with markdown control characters backslash-escaped, for st.markdown/st.error."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _number_text(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def checked_number(where, label: str, lo: float, hi: float, *, key: str, problems: list[str], **kwargs) -> float:
    """``where.number_input`` whose range is checked here, in Python, instead of in the browser.

    Given ``min_value``/``max_value``, Streamlit's browser side refuses an entry outside them with a
    red border and a tooltip, keeps the old value without saying so, and a form with such a field
    does not submit at all. Here every entry comes through; one outside ``[lo, hi]`` (or empty)
    adds a sentence to ``problems`` naming the field, its range and the entry. ``lo`` and ``hi``
    also fix the widget's type: ints give whole numbers (step 1 unless ``step`` is given).
    """
    if isinstance(lo, int) and isinstance(hi, int):
        kwargs.setdefault("step", 1)
    value = where.number_input(label, key=key, **kwargs)
    if value is None or not lo <= value <= hi:
        entered = "nothing" if value is None else _number_text(value)
        problems.append(f"{label} must be from {_number_text(lo)} to {_number_text(hi)}; it is {entered}.")
    return value


def show_error(message: object, what_to_do: str | None = None) -> None:
    """An error box with the (escaped) message; never a traceback."""
    text = md_escape(message)
    if what_to_do:
        text += "  \n" + what_to_do
    st.error(text, icon=":material/error:")


def state_badge(state: str) -> None:
    label, color, icon = _BADGE.get(state, (state, "gray", None))
    st.badge(label, color=color, icon=icon)


def short_id(run_id: str) -> str:
    return run_id[:8]


def run_label(run_id: str, name: str, state: str, step: int, total: int) -> str:
    """One-line description of a run for lists and select boxes (plain text, no markdown)."""
    return f"{name} · {short_id(run_id)} · {state} · step {step:,}/{total:,}"
