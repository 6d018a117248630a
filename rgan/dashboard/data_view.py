"""Data page sections: choose a built-in data set or a CSV, preview it, explain how it was read."""

from __future__ import annotations

import hashlib

import streamlit as st

from rgan import plots
from rgan.cli import samples_frame
from rgan.dashboard import state, ui, widgets
from rgan.data import DataConfig, SequenceData
from rgan.datasets import list_datasets
from rgan.runs import DataSource

_COLUMNS_KEY = "csv_columns"  # file digest -> (all columns, numeric columns, detected layout)
_FILE_KEY = "csv_digest"
PREVIEW_ROWS = 200


def dataset_source() -> DataSource:
    """A built-in data set with its window sizes (and sizes of the synthetic ones)."""
    infos = {i.name: i for i in list_datasets()}
    current = state.current_source()
    if "ds_name" not in st.session_state:
        st.session_state["ds_name"] = current.name if current.kind == "dataset" and current.name in infos else "sines"
    name = st.selectbox("Data set", list(infos), key="ds_name",
                        format_func=lambda n: f"{infos[n].title} ({infos[n].kind})")
    st.caption(infos[name].description)
    seq_len, stride = widgets.window_options("ds_")
    params = {}
    if infos[name].kind == "synthetic":
        with st.expander("Size of the synthetic data"):
            c1, c2, c3 = st.columns(3)
            n_samples = c1.number_input("Sequences", 0, 100_000, 0, step=500, key="ds_n_samples",
                                        help="0 = the data set's default.")
            n_features = c2.number_input("Features", 0, 64, 0, key="ds_n_features", help="0 = the data set's default.")
            seed = c3.number_input("Seed", 0, 2**31 - 1, 0, key="ds_seed")
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
    axes = [c for c in (r.time_column, r.id_column, r.label_column) if c]
    known = st.session_state.setdefault(_COLUMNS_KEY, {})
    new = digest not in known
    known[digest] = (list(dict.fromkeys([*axes, *values, *r.dropped_columns])), list(dict.fromkeys(numeric)), r.layout)
    return new


def csv_source() -> tuple[DataSource | None, str | None]:
    """An uploaded file with the user's layout/column/window choices; (None, None) before an upload."""
    upload = st.file_uploader(
        "CSV file (comma, semicolon or tab separated)", type=["csv", "txt", "tsv"], key="data_file"
    )
    if upload is None:
        st.info("Choose a file: rows as time steps, one sequence per row, or a long table with an id column "
                "all work. Up to 50 MB.", icon=":material/upload_file:")
        return None, None
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    if st.session_state.get(_FILE_KEY) != digest:
        widgets.reset_csv_options()  # column choices of a previous file do not apply
        st.session_state[_FILE_KEY] = digest
    columns, numeric, layout = st.session_state.get(_COLUMNS_KEY, {}).get(digest, ([], [], "time_rows"))
    with st.expander("Layout, columns and windows", expanded=True, icon=":material/tune:"):
        config = widgets.csv_options(columns, numeric, layout)
    return DataSource("csv", upload.name, config, csv_bytes=content), digest


def after_load(data: SequenceData, digest: str | None) -> None:
    """Remember a CSV's columns; the first time, rerun so the column pickers list them."""
    if digest is not None and _remember_columns(digest, data):
        st.rerun()


def summary(data: SequenceData) -> None:
    r = data.report
    c = st.columns(4)
    c[0].metric("Sequences", f"{data.n_sequences:,}")
    c[1].metric("Features", data.n_features)
    c[2].metric("Length (steps)", data.seq_len)
    c[3].metric("Rows read", f"{r.n_rows:,}" if r.n_rows else "—")
    st.markdown(f"**Detected layout:** `{r.layout}` — {ui.md_escape(r.layout_reason)}")
    with st.expander("How the data was read", icon=":material/description:"):
        st.text("\n".join(r.lines()))


def preview(data: SequenceData) -> None:
    names = data.feature_names
    # A table of up to 4 features fits beside the chart; a wider one gets the page's full width below it.
    if len(names) > 4:
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
        r = data.report
        if r.layout == "time_rows" and data.frame is not None:
            fig = plots.series_figure(data.frame, names, r.time_column if r.time_column in data.frame.columns else None)
        else:
            fig = plots.sequences_figure(data.real_units(10), names, title="The first 10 sequences")
        st.plotly_chart(fig, key="data_chart", width="stretch")
