"""Time-series data: CSV files and built-in data sets as scaled windows (N, T, F).

The pipeline of `load_csv` is: bytes -> text (encoding, binary checks) -> dialect (delimiter, decimal,
header) -> typed columns (numeric / dates / text) -> layout (time_rows, sequence_rows, long) ->
missing values -> per-feature min-max scaling -> windows of `seq_len` steps, shape (N, T, F).

Modules, in pipeline order:
    ``schema``    DataConfig, DataError, MinMaxScaler, LoadReport, SequenceData
    ``decoding``  bytes -> text: size limits, encoding, binary files refused
    ``dialect``   delimiter, decimal mark and header, sniffed from the first lines
    ``reading``   text -> typed table: numbers, dates, text columns
    ``layout``    which layout the table has, and the column-name patterns it goes by
    ``calendar``  calendar columns as the time axis: year + quarter/month, a year, period text, Excel days
    ``series``    features, time order, groups, missing values
    ``windows``   scaling and sliding windows; ``from_array`` for arrays
    ``loading``   ``load_csv``: runs the stages above in order
    ``builtin``   the built-in data sets (``list_datasets``, ``load_dataset``)
    ``source``    ``DataSource``: where a run's data comes from, to load it again after a restart
    ``labels``    a class label per sequence (conditional GANs) and the file's layout, recorded for export
    ``export``    ``samples_frame`` (a long table) and ``own_layout_frame`` (the training file's own layout)

Every rejection a person can cause is a `DataError` with one sentence saying what is wrong and what to
do. Nothing here imports streamlit.
"""

# The submodules import each other directly, never from this package, so no import cycle can form here.
from rgan.data.builtin import DatasetInfo, list_datasets, load_dataset
from rgan.data.loading import load_csv
from rgan.data.schema import (
    LAYOUTS,
    MAX_COLUMNS,
    MISSING_POLICIES,
    DataConfig,
    DataError,
    LoadReport,
    MinMaxScaler,
    SequenceData,
)
from rgan.data.source import DataSource
from rgan.data.windows import from_array, sliding_windows

__all__ = ["LAYOUTS", "MAX_COLUMNS", "MISSING_POLICIES", "DataConfig", "DataError", "DataSource", "DatasetInfo",
           "LoadReport", "MinMaxScaler", "SequenceData", "from_array", "list_datasets", "load_csv", "load_dataset",
           "sliding_windows"]
