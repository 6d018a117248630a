"""Data page sections: choose a built-in data set or a CSV, preview it, explain how it was read."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from rgan import limits, plots
from rgan.dashboard import state, ui, widgets
from rgan.data import DataConfig, DataError, SequenceData, list_datasets
from rgan.data.calendar import period_starts
from rgan.data.export import samples_frame
from rgan.data.source import DataSource
from rgan.train.config import TrainConfig
from rgan.train.recipe import describe, recipe_for, whole_length_to_offer
from rgan.train.warp import skewed_note

_COLUMNS_KEY = "csv_columns"  # file digest -> (all columns, numeric columns, detected layout)
_FILE_KEY = "csv_digest"
PREVIEW_ROWS = 200


_SHOWN_KEY = "ds_shown"  # the data choice the built-in inputs were last set from
_SIZES = ("n_samples", "n_features", "seed")  # a synthetic set's size inputs (keys "ds_" + name), 0 = default


def _show_current_dataset(current: DataSource, names: set[str]) -> tuple[int, int]:
    """Set the built-in inputs to the data training uses, when that choice changed (e.g. a Learn
    experiment chose its own sizes) or the inputs were dropped (Streamlit forgets a page's widgets
    when another page is shown). Changes the user makes afterwards are left alone.

    Returns the window inputs' defaults, ``(seq_len, stride)``: those inputs take their value as a
    default (see ``widgets.window_options``), so they are cleared here rather than set.
    """
    builtin = current.kind == "dataset" and current.name in names
    windows = (current.config.seq_len, current.config.stride) if builtin else (24, 1)
    chosen = repr(current.to_json())
    if "ds_name" in st.session_state and st.session_state.get(_SHOWN_KEY) == chosen:
        return windows
    st.session_state[_SHOWN_KEY] = chosen
    params = current.params if builtin else {}
    st.session_state["ds_name"] = current.name if builtin else "sines"
    st.session_state.pop("ds_seq_len", None)
    st.session_state.pop("ds_stride", None)
    for key in _SIZES:
        st.session_state["ds_" + key] = int(params.get(key, 0))
    return windows


def use_source(source: DataSource) -> None:
    """Train on ``source`` from now on: the *Use this data* button's callback, so the choice is kept before the
    page reruns (a page link clicked right after cannot drop it). The inputs on this page chose it and already
    show it: they are marked as set from it, not reset (a length typed in the same gesture as the click reaches
    the inputs in this rerun, after the callback was given the page's previous source; reset, it would be lost)."""
    state.set_current_data(source)
    st.session_state[_SHOWN_KEY] = repr(source.to_json())


def _default_sizes() -> None:
    """Another data set was picked: sizes chosen for the previous one (e.g. by an experiment) do not carry over."""
    for key in _SIZES:
        st.session_state["ds_" + key] = 0


def dataset_source() -> DataSource:
    """A built-in data set with its window sizes (and sizes of the synthetic ones)."""
    infos = {i.name: i for i in list_datasets()}
    seq_len, stride = _show_current_dataset(state.current_source(), set(infos))
    name = st.selectbox("Data set", list(infos), key="ds_name", on_change=_default_sizes,
                        format_func=lambda n: f"{infos[n].title} ({infos[n].kind})")
    st.caption(infos[name].description)
    seq_len, stride = widgets.window_options("ds_", seq_len, stride, with_stride=infos[name].kind != "synthetic")
    params = {}
    if infos[name].kind == "synthetic":
        with st.expander("Size of the synthetic data"):
            c1, c2, c3 = st.columns(3)
            problems: list[str] = []
            n_samples = ui.checked_number(c1, "Sequences", *limits.SYNTHETIC["n_samples"], step=500,
                                          key="ds_n_samples", problems=problems, help="0 = the data set's default.")
            n_features = ui.checked_number(c2, "Features", *limits.SYNTHETIC["n_features"], key="ds_n_features",
                                           problems=problems, help="0 = the data set's default.")
            seed = ui.checked_number(c3, "Seed", *limits.SYNTHETIC["seed"], key="ds_seed", problems=problems)
            if problems:
                raise DataError(" ".join(problems))
            params = {k: int(v) for k, v in (("n_samples", n_samples), ("n_features", n_features)) if v}
            if seed:
                params["seed"] = int(seed)
    # seq_len/stride validated by DataConfig (DataError), like the CSV options
    return DataSource("dataset", name, DataConfig(seq_len=seq_len, stride=stride), params)


def _remember_columns(digest: str, data: SequenceData) -> bool:
    """Keep the file's column names for the pickers; True if they were not known before."""
    r = data.report
    values = [] if r.layout == "sequence_rows" else list(r.feature_names)  # "value" is not a file column
    # numeric columns the loader left out (not chosen, or too empty) can still be picked as features
    numeric = values + [
        c for c, why in r.dropped_columns.items() if why == "not selected" or why.startswith("too many")
    ]
    axes = [c for c in (*(r.time_columns or [r.time_column]), r.id_column, r.label_column) if c]
    # label candidates: the label column, text columns, and (long files) whole-number features such as "speaker"
    text = [c for c, why in r.dropped_columns.items() if why == "text values"]
    whole = []
    if r.layout == "long" and data.frame is not None:
        whole = [c for c in values if c in data.frame and data.frame[c].nunique() <= 50
                 and (data.frame[c] == data.frame[c].round()).all()]
    labels = list(dict.fromkeys([c for c in (r.label_column,) if c] + text + whole))
    known = st.session_state.setdefault(_COLUMNS_KEY, {})
    new = digest not in known
    if not new:  # candidates seen with earlier settings stay on offer
        labels = list(dict.fromkeys([*known[digest][3], *labels]))
    known[digest] = (list(dict.fromkeys([*axes, *values, *r.dropped_columns])), list(dict.fromkeys(numeric)), r.layout,
                     labels)
    return new


def csv_source() -> tuple[DataSource | None, str | None]:
    """An uploaded file with the user's layout/column/window choices; (None, None) before an upload."""
    # No type filter: the browser would refuse an .xlsx with only a red mark; the reader says what it is.
    upload = st.file_uploader("CSV file (comma, semicolon or tab separated)", key="data_file")
    if upload is None:
        current = state.current_source()
        if current.kind == "csv" and current.csv_bytes is not None:
            # The uploader forgets its file when the page is left; the file in use is kept with the choice.
            c = current.config
            st.info(f"Showing **{ui.md_escape(current.name)}**, the file training uses (sequence length "
                    f"{c.seq_len}, stride {c.stride}, layout {c.layout}). To read it differently, upload it again; "
                    "to use another file, upload that one.", icon=":material/description:")
            return current, None
        st.info("Choose a file: rows as time steps, one sequence per row, or a long table with an id column "
                "all work. Up to 50 MB.", icon=":material/upload_file:")
        return None, None
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    if st.session_state.get(_FILE_KEY) != digest:
        widgets.reset_csv_options()  # column choices of a previous file do not apply
        st.session_state[_FILE_KEY] = digest
    columns, numeric, layout, labels = st.session_state.get(_COLUMNS_KEY, {}).get(digest, ([], [], "time_rows", []))
    with st.expander("Layout, columns and windows", expanded=True, icon=":material/tune:"):
        config = widgets.csv_options(columns, numeric, layout, labels)
    return DataSource("csv", upload.name, config, csv_bytes=content), digest


def after_load(data: SequenceData, digest: str | None) -> None:
    """Remember a CSV's columns; the first time, rerun so the column pickers list them."""
    if digest is not None and _remember_columns(digest, data):
        st.rerun()


def summary(data: SequenceData, seq_len_key: str | None = None) -> None:
    """The data's figures, layout, time axis, label, recipe and warnings. ``seq_len_key``: the session-state key
    of the sequence-length input above, for the button that keeps sequences left out as too short."""
    r = data.report
    c = st.columns(4)
    c[0].metric("Sequences", f"{data.n_sequences:,}")
    c[1].metric("Features", data.n_features)
    c[2].metric("Length (steps)", data.seq_len)
    c[3].metric("Rows read", f"{r.n_rows:,}" if r.n_rows else "—")
    st.markdown(f"**Detected layout:** `{r.layout}` — {ui.md_escape(r.layout_reason)}")
    if r.time_column is not None:
        st.markdown(f"**Time:** {ui.md_escape(r.time_text())}")
    if data.labels is not None:
        counts = np.bincount(data.labels, minlength=data.n_classes)
        shown = ", ".join(f"{ui.md_escape(name)} ({count:,})" for name, count in zip(data.class_names, counts))
        st.markdown(f"**Conditioned on** `{ui.md_escape(r.label_column or '')}`: {data.n_classes} classes, "
                    f"windows per class: {shown}")
    recipe = recipe_for(data)
    st.markdown(f"**{ui.md_escape(describe(recipe))}**" if recipe.name != "standard" else ui.md_escape(describe(recipe)))
    skewed = skewed_note(data, TrainConfig().skew_limit)
    if skewed:
        st.markdown(ui.md_escape(skewed))
    if recipe.warning:
        st.warning(recipe.warning, icon=":material/warning:")
    if r.short_note:  # sequences of varied length: what windows of seq_len cannot hold is said on the page's face
        st.warning(ui.md_escape(r.short_note), icon=":material/content_cut:")
        shortest = max(r.shortest_sequence, limits.DATA["seq_len"][0])
        if seq_len_key and shortest < data.seq_len:
            st.button(f"Use seq_len {shortest}", icon=":material/content_cut:", key="keep_short_sequences",
                      on_click=st.session_state.__setitem__, args=(seq_len_key, shortest),
                      help="Windows as long as the shortest sequence, so that every sequence is trained on.")
    whole = whole_length_to_offer(data)
    if seq_len_key and whole:
        st.info(f"Every sequence in this file is {whole:,} steps long; windows of {data.seq_len} cut each into "
                f"pieces, and samples come back {data.seq_len} steps long. To make synthetic copies of whole "
                "sequences, train on all their steps.", icon=":material/straighten:")
        st.button(f"Use whole sequences (seq_len {whole:,})", icon=":material/straighten:", key="use_whole_sequences",
                  on_click=st.session_state.__setitem__, args=(seq_len_key, whole),
                  help="Windows as long as the file's sequences: one window per sequence.")
    with st.expander("How the data was read", icon=":material/description:"):
        st.text("\n".join(r.lines()))


def preview(data: SequenceData) -> None:
    names = data.feature_names
    # A table of up to 3 columns fits beside the chart; a wider one gets the page's full width below it
    # (the table shows the time or id columns too: sample_id and step for sequences).
    columns = len(data.frame.columns) if data.frame is not None else len(names) + 2
    if columns > 3:
        chart, table = st.container(), st.container()
    else:
        table, chart = st.columns([2, 3])
    with table:
        if data.frame is not None:
            st.caption(f"First {min(PREVIEW_ROWS, len(data.frame)):,} rows of the table the model sees")
            st.dataframe(data.frame.head(PREVIEW_ROWS), height=420, key="data_table")
        else:
            st.caption("The first 3 sequences (sample_id, step, features)")
            st.dataframe(samples_frame(data.real_units(3), names), height=420, hide_index=True, key="data_table")
    with chart:
        shown = _chart_features(names)
        r = data.report
        if r.layout == "time_rows" and data.frame is not None:
            frame, time_column = _chart_time_axis(data)
            fig = plots.series_figure(frame, shown, time_column)
        else:
            picks = [names.index(n) for n in shown]
            fig = plots.sequences_figure(data.real_units(10)[:, :, picks], shown, title="The first 10 sequences")
        st.plotly_chart(fig, key="data_chart", width="stretch")


def _chart_time_axis(data: SequenceData) -> tuple[pd.DataFrame, str | None]:
    """The preview table and the column for the chart's x axis: the time column, or for calendar columns
    (year + quarter, Excel day numbers) a column of dates named after them."""
    r, frame = data.report, data.frame
    starts = period_starts(frame, data.layout_info.get("calendar") or {})
    if starts is not None:
        name = " + ".join(r.time_columns)
        return frame.assign(**{name: starts}), name
    return frame, (r.time_column if r.time_column in frame.columns else None)


def _chart_features(names: list[str]) -> list[str]:
    """All features, or for more than the chart holds, the ones the user picks (the first ones at first)."""
    cap = plots.MAX_FEATURES
    if len(names) <= cap:
        return list(names)
    key = "data_chart_features"
    if any(n not in names for n in st.session_state.get(key, [])):
        del st.session_state[key]  # another file's columns
    picked = st.multiselect(f"Features in the chart (up to {cap})", names, default=names[:cap], key=key,
                            max_selections=cap)
    return picked or names[:cap]
