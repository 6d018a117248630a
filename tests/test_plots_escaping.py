"""User strings (column, file and run names) reach every figure escaped: Plotly reads a subset of HTML
in titles, legends, axis titles, annotations, tick labels and hovers, and ``%{...}`` in hovertemplates."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rgan import plots
from rgan.plots.style import _axis_title, escape_text

NASTY = "<b>x</b> %{y} & <img src=x onerror=alert(1)>"
ESCAPED = "&lt;b&gt;x&lt;/b&gt; %&#123;y&#125; &amp; &lt;img src=x onerror=alert(1)&gt;"
RAW_PARTS = ("<b>", "</b>", "<img", "%{y}", "& <")  # none of these may reach the figure as written


def strings(value) -> list[str]:
    """Every string anywhere in a figure's JSON."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v)]
    if isinstance(value, np.ndarray) and value.dtype == object:
        return [s for v in value.ravel() for s in strings(v)]
    return []


def _or_empty(value) -> np.ndarray:
    return np.zeros(0) if value is None else np.asarray(value, dtype=object)


def check(fig: go.Figure, *places: str) -> None:
    """No raw part of NASTY anywhere; ESCAPED in each of ``places`` ("title", "legend", "hover",
    "axis", "annotation", "ticks")."""
    everything = strings(fig.to_plotly_json())
    for part in RAW_PARTS:
        assert not any(part in s for s in everything), (part, [s for s in everything if part in s][:3])
    layout = fig.layout
    found = {
        "title": [layout.title.text or ""],
        "legend": [t.name or "" for t in fig.data],
        "hover": [t.hovertemplate or "" for t in fig.data] + [str(c) for t in fig.data
                                                             for c in np.ravel(_or_empty(t.customdata))],
        "axis": [a.title.text or "" for a in (layout[k] for k in layout if k.startswith(("xaxis", "yaxis")))],
        "annotation": [a.text or "" for a in layout.annotations],
        "ticks": [str(t) for k in layout if k.startswith("yaxis") for t in (layout[k].ticktext or ())],
    }
    for place in places:
        assert any(ESCAPED in s or _axis_title(ESCAPED) in s for s in found[place]), (place, found[place])


@pytest.fixture
def real() -> np.ndarray:
    return np.random.default_rng(0).random((6, 8, 2))


@pytest.fixture
def fake() -> np.ndarray:
    return np.random.default_rng(1).random((5, 8, 2))


NAMES = [NASTY, "plain"]


def test_escape_text_turns_markup_and_template_braces_into_entities():
    assert escape_text(NASTY) == ESCAPED
    assert escape_text("Close (USD)") == "Close (USD)"  # ordinary names are unchanged
    assert escape_text(3) == "3"


@given(st.text())
def test_escaped_text_has_no_markup_or_template_and_reads_back_as_typed(text):
    out = escape_text(text)
    assert "<" not in out and ">" not in out and "%{" not in out
    assert html.unescape(out) == text  # what Plotly draws: the entities turned back into the characters


def test_overlay_figure(real, fake):
    check(plots.overlay_figure(real, fake, NAMES, title=f"data {NASTY}"), "title", "hover", "axis")


def test_sequences_and_sample_grid(real, fake):
    check(plots.sequences_figure(real, NAMES), "hover", "axis")
    check(plots.sample_grid_figure(fake, NAMES, n=4), "legend", "hover")


def test_series_figure():
    frame = pd.DataFrame({NASTY: np.arange(10.0), "plain": np.ones(10), f"time {NASTY}": np.arange(10)})
    fig = plots.series_figure(frame, [NASTY, "plain"], time_column=f"time {NASTY}", title=f"preview of {NASTY}")
    check(fig, "title", "legend", "hover", "axis")
    assert fig.data[0].y.tolist() == list(np.arange(10.0))  # the raw name still finds the column


def test_nearest_pairs_figure(real, fake):
    check(plots.nearest_pairs_figure([(fake[0], real[0], 0.1)], NAMES), "hover")


def test_marginal_and_acf(real, fake):
    check(plots.marginal_figure(real, fake, NAMES), "annotation", "hover")  # subplot titles are annotations
    acf = np.random.default_rng(2).random((2, 5))
    check(plots.acf_figure(acf, acf, NAMES), "legend", "hover")


def test_embedding_axis_prefix():
    xy = np.random.default_rng(3).random((4, 2))
    check(plots.embedding_figure(xy, xy, NASTY, axis_prefix=NASTY), "title", "axis")


def test_discriminator_figures():
    z = np.random.default_rng(4).random((2, 6))
    check(plots.realness_heatmap(z, [NASTY, "generated #1"]), "ticks", "hover")
    check(plots.realness_line_figure(np.arange(6.0), z[0], feature_name=NASTY, title=NASTY),
          "title", "legend", "axis")


def test_evolution_figure(real):
    snaps = [(10, real[:3]), (20, real[:3])]
    check(plots.evolution_figure(snaps, 0, real, feature_name=NASTY), "axis")


def test_runs_loss_figure():
    history = {"step": [1, 2, 3], "loss_g": [1.0, 0.8, 0.7]}
    check(plots.runs_loss_figure({NASTY: history, "run b": history}), "legend", "hover")


def test_empty_figures_escape_their_title():
    check(plots.overlay_figure(None, None, NAMES, title=NASTY), "title")


def test_long_names_are_cut_on_characters_not_inside_an_entity():
    cut = _axis_title(escape_text("<<<<<<<<<<<<<<<<<<<<"))
    assert cut == "&lt;" * 15 + "…"


# ------------------------------------------------------------------------------ in the browser
SVG_TEXT = """sel => Array.from(document.querySelectorAll(sel + ' .js-plotly-plot'))
    .map(el => Array.from(el.querySelectorAll('text')).map(t => t.textContent).join(' | ')).join(' || ')"""
CUT = "<b>x</b> %{y} &…"  # NASTY cut to 16 characters for a y axis
INJECTED = """sel => Array.from(document.querySelectorAll(sel + ' .js-plotly-plot img, '
    + sel + ' .js-plotly-plot tspan[style*="bold"]')).map(el => el.tagName + ':' + el.textContent)"""



def markup(elements: list[str]) -> list[str]:
    """What NASTY would have drawn had it been read as HTML: an image, or 'x' in bold."""
    return [e for e in elements if e.startswith("IMG") or e == "tspan:x"]


@pytest.mark.browser
def test_a_column_named_like_markup_shows_literally_on_the_data_and_train_charts(page, server, tmp_path):
    from browser_util import (
        ARTIFACTS,
        TIMEOUT_MS,
        go,
        no_exception,
        open_csv_upload,
        poll_until,
        set_number,
        shot,
        upload_csv,
        wait_idle,
    )
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)  # a busy two-core machine

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({NASTY: rng.random(200).round(4), "plain": rng.random(200).round(4)})
    path = tmp_path / "<i>escape me &amp; %{x}.csv"
    frame.to_csv(path, index=False)

    open_csv_upload(page, server)
    upload_csv(page, path)
    main = '[data-testid="stMain"]'
    # the y axis shows the name cut to 16 characters, as typed
    poll_until(lambda: page.evaluate(SVG_TEXT, main), lambda t: CUT in t, "the cut name on the preview's axis")
    page.locator(f"{main} .js-plotly-plot .nsewdrag").first.hover()  # the hover shows the whole name
    poll_until(lambda: page.evaluate(SVG_TEXT, main), lambda t: f"{NASTY}: " in t, "the whole name in the hover")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(f"{main} .js-plotly-plot").first.screenshot(path=str(ARTIFACTS / "escaping_hover.png"))
    assert not markup(page.evaluate(INJECTED, main))
    page.get_by_role("button", name="Use this data").click()
    wait_idle(page)
    no_exception(page)
    shot(page, "escaping_data")

    go(page, "Train")
    sidebar = page.get_by_test_id("stSidebar")
    for net in ("g", "d"):
        set_number(page, f"m_{net}_hidden", 8)
        set_number(page, f"m_{net}_layers", 1)
    set_number(page, "t_steps", 40)
    sidebar.get_by_role("button", name="Start training").click()
    preview = ".st-key-chart_preview"
    expect(page.locator(f"{preview} .js-plotly-plot").first).to_be_visible()
    poll_until(lambda: page.evaluate(SVG_TEXT, preview), lambda t: CUT in t, "the cut name on the live chart's axis")
    page.locator(f"{preview} .js-plotly-plot .nsewdrag").first.hover()
    poll_until(lambda: page.evaluate(SVG_TEXT, preview), lambda t: NASTY in t, "the whole name in the hover")
    assert not markup(page.evaluate(INJECTED, preview))
    no_exception(page)
    shot(page, "escaping_train")
