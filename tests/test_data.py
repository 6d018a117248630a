"""rgan.data: layouts on realistic files, windows, scaling, missing values, messages."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rgan.data import (
    DataConfig,
    DataError,
    LoadReport,
    MinMaxScaler,
    SequenceData,
    from_array,
    load_csv,
    sliding_windows,
)

DATA = Path(__file__).parent / "data"
STOCKS = Path(__file__).parents[1] / "rgan" / "data" / "_files" / "stock_data.csv"


def assert_valid(data: SequenceData, seq_len: int) -> None:
    w = data.windows
    assert w.dtype == np.float32 and w.ndim == 3 and w.shape[1] == seq_len
    assert w.shape[2] == len(data.feature_names) == data.n_features
    assert np.isfinite(w).all() and w.min() >= 0.0 and w.max() <= 1.0


# ------------------------------------------------------------------------------------------------
# Realistic files, one per layout
# ------------------------------------------------------------------------------------------------


def test_sensor_log_semicolon_decimal_comma_with_timestamps() -> None:
    data = load_csv(DATA / "sensor_log.csv")
    r = data.report
    assert (r.layout, r.delimiter, r.decimal, r.encoding) == ("time_rows", ";", ",", "utf-8")
    assert r.layout_reason == "column 'Zeitstempel' orders the rows in time"
    assert r.time_column == "Zeitstempel"
    assert data.feature_names == ["Temperatur °C", "Luftfeuchte %", "Druck hPa"]
    assert r.dropped_columns == {"Status": "text values"}
    assert r.missing_filled == 3 and r.rows_dropped == 0
    assert data.windows.shape == (96 - 24 + 1, 24, 3)
    assert_valid(data, 24)
    # day-first timestamps were parsed: 96 quarter hours starting 1 March 2024
    stamps = data.frame["Zeitstempel"]
    assert stamps.iloc[0] == pd.Timestamp("2024-03-01 00:00") and stamps.iloc[-1] == pd.Timestamp("2024-03-01 23:45")
    # rows 10 and 11 of the temperature were empty: filled linearly between rows 9 and 12
    t = data.frame["Temperatur °C"].to_numpy()
    assert np.allclose(t[10:12], t[9] + (t[12] - t[9]) * np.array([1, 2]) / 3)


def test_ucr_wide_file_without_header_is_sequence_rows() -> None:
    data = load_csv(DATA / "ucr_wide.csv")
    r = data.report
    assert r.layout == "sequence_rows"
    assert r.layout_reason == "no header and 64 numeric columns per row"
    assert r.label_column == "column_1"
    assert data.feature_names == ["value"]
    # each 64-step row gives 64 - 24 + 1 windows
    assert data.windows.shape == (40 * 41, 24, 1)
    raw = np.loadtxt(DATA / "ucr_wide.csv", delimiter=",")
    np.testing.assert_allclose(data.real_units(1)[0, :, 0], raw[0, 1:25], atol=1e-6)
    # the first window of the second row starts at that row's first value
    np.testing.assert_allclose(data.real_units(42)[41, :, 0], raw[1, 1:25], atol=1e-6)


def test_sequence_rows_with_equal_length_uses_rows_as_they_are() -> None:
    data = load_csv(DATA / "ucr_wide.csv", DataConfig(seq_len=64))
    assert data.windows.shape == (40, 64, 1)


def test_sequence_rows_with_header_and_label_column() -> None:
    header = "label," + ",".join(f"t{k}" for k in range(1, 13))
    rows = [f"{k % 3}," + ",".join(f"{np.sin(k + s):.3f}" for s in range(12)) for k in range(10)]
    data = load_csv(("\n".join([header] + rows)).encode(), DataConfig(seq_len=12))
    assert data.report.layout == "sequence_rows" and data.report.label_column == "label"
    assert data.report.layout_reason == "12 columns named t1..t12 hold the time steps of each row"
    assert data.windows.shape == (10, 12, 1)


def test_a_leading_class_column_of_any_name_before_step_columns_is_kept_out_of_the_values() -> None:
    """UCR files name the class as they like (arrowhead.csv: ``shape``, then t0..t250): a first column of a few
    whole numbers before columns named as time steps is the label, and each row is a sequence."""
    header = "shape," + ",".join(f"t{k}" for k in range(30))
    rows = [f"{k % 3}," + ",".join(f"{np.sin(k + s / 3):.3f}" for s in range(30)) for k in range(12)]
    data = load_csv(("\n".join([header] + rows)).encode(), DataConfig(seq_len=30))
    assert data.report.layout == "sequence_rows" and data.report.label_column == "shape"
    assert data.report.layout_reason == "30 columns named t0..t29 hold the time steps of each row"
    assert data.windows.shape == (12, 30, 1)
    # the same first column before columns named as features stays a feature
    plain = "shape,width,height\n" + "\n".join(f"{k % 3},{k * 0.5 + 0.1:.2f},{k * 0.3 + 0.2:.2f}" for k in range(40))
    assert load_csv(plain.encode(), DataConfig(seq_len=8)).report.layout == "time_rows"


def test_sequence_rows_of_different_lengths() -> None:
    text = "label,t1,t2,t3,t4,t5,t6,t7,t8\n1,1,2,3,4,5,6,7,8\n2,1,2,3,4,5,,,\n1,8,7,6,5,4,3,2,1\n"
    data = load_csv(text.encode(), DataConfig(seq_len=6))
    assert data.report.layout == "sequence_rows"
    assert data.report.missing_filled == 0  # trailing empty cells end a row, they are not gaps
    assert data.report.short_sequences == 1
    assert data.n_sequences == 3 + 3
    assert any("different lengths" in n for n in data.report.notes)


def test_panel_long_file() -> None:
    data = load_csv(DATA / "panel_long.csv")
    r = data.report
    assert (r.layout, r.id_column, r.time_column) == ("long", "unit_id", "date")
    assert r.layout_reason == "column 'unit_id' groups the rows into 4 sequences"
    assert data.feature_names == ["load_kw", "temp_c"]
    assert r.short_sequences == 1  # unit D has 10 days
    assert data.n_sequences == 3 * (60 - 24 + 1)
    assert_valid(data, 24)
    # rows were interleaved by date; windows follow one unit in date order
    raw = pd.read_csv(DATA / "panel_long.csv")
    unit_a = raw[raw.unit_id == "A"].sort_values("date")["load_kw"].to_numpy()
    np.testing.assert_allclose(data.real_units(1)[0, :, 0], unit_a[:24], atol=1e-9)
    unit_b = raw[raw.unit_id == "B"].sort_values("date")["load_kw"].to_numpy()
    np.testing.assert_allclose(data.real_units(38)[37, :, 0], unit_b[:24], atol=1e-9)


def test_long_windows_never_cross_sequences() -> None:
    # each id's value is 100 * id + step, so a window inside one id has steps of exactly 1
    rows = [f"{i},{t},{100 * i + t}" for i in range(5) for t in range(30)]
    data = load_csv(("series_id,step,v\n" + "\n".join(rows)).encode(), DataConfig(seq_len=8, stride=3))
    steps = np.diff(data.real_units()[:, :, 0], axis=1)
    assert np.allclose(steps, 1.0, atol=1e-4)  # float32 windows over a range of 429
    assert data.n_sequences == 5 * ((30 - 8) // 3 + 1)


def test_numbered_sequences_with_a_step_counter_are_read_as_long() -> None:
    """Like japanese_vowels_long.csv: whole-number ids under a plain name ('utterance'), a counter that
    restarts at 0 in each ('frame'), different lengths. The id groups, the counter orders, neither is a
    feature; a label column given in the settings leaves the features too."""
    rng = np.random.default_rng(0)
    lengths = [9, 14, 7, 12, 20, 11]
    rows = [f"{u},{f},{u % 3 + 1},{rng.normal():.4f},{100 * u + f}" for u, n in enumerate(lengths) for f in range(n)]
    csv = ("utterance,frame,speaker,lpc1,lpc2\n" + "\n".join(rows)).encode()
    data = load_csv(csv, DataConfig(seq_len=8, label_column="speaker"))
    r = data.report
    assert (r.layout, r.id_column, r.time_column) == ("long", "utterance", "frame")
    assert r.layout_reason == "column 'utterance' groups the rows into 6 sequences"
    assert data.feature_names == ["lpc1", "lpc2"] and r.short_sequences == 1  # the 7-frame utterance
    assert np.allclose(np.diff(data.real_units()[:, :, 1], axis=1), 1.0, atol=1e-3)  # frames in order


def test_runs_of_whole_numbers_without_a_counter_or_as_a_calendar_stay_features() -> None:
    regimes = "regime,reading\n" + "\n".join(f"{t // 10},{np.sin(t / 3):.4f}" for t in range(60))
    data = load_csv(regimes.encode(), DataConfig(seq_len=8))
    assert data.report.layout == "time_rows" and data.feature_names == ["regime", "reading"]
    days = "day,hour,load\n" + "\n".join(f"{t // 24 + 1},{t % 24},{t % 7}" for t in range(24 * 5))
    data = load_csv(days.encode(), DataConfig(seq_len=8))
    assert data.report.layout == "time_rows" and data.report.id_column is None


def test_stock_file_keeps_its_order() -> None:
    data = load_csv(STOCKS)
    assert data.report.layout == "time_rows"
    assert data.feature_names == ["Open", "High", "Low", "Close", "Adj_Close", "Volume"]
    assert data.windows.shape == (3685 - 24 + 1, 24, 6)
    raw = np.loadtxt(STOCKS, delimiter=",", skiprows=1)
    np.testing.assert_allclose(data.real_units(1)[0], raw[:24], rtol=1e-6)  # oldest first, not flipped


@pytest.mark.parametrize(
    ("layout", "kwargs", "expected_layout"),
    [
        ("time_rows", {}, "time_rows"),
        ("auto", {"id_column": "unit_id"}, "long"),
        ("long", {}, "long"),
    ],
)
def test_layout_override(layout, kwargs, expected_layout) -> None:
    data = load_csv(DATA / "panel_long.csv", DataConfig(layout=layout, seq_len=5, **kwargs))
    assert data.report.layout == expected_layout
    if layout != "auto":
        assert data.report.layout_reason == "chosen in the settings"


def test_time_rows_override_on_wide_file_treats_columns_as_features() -> None:
    data = load_csv(DATA / "ucr_wide.csv", DataConfig(layout="time_rows", seq_len=5))
    assert data.report.layout == "time_rows" and data.n_features == 65


def test_features_selection_and_time_column() -> None:
    data = load_csv(DATA / "sensor_log.csv", DataConfig(features=["Druck hPa"], time_column="Zeitstempel"))
    assert data.feature_names == ["Druck hPa"]
    assert data.report.dropped_columns["Temperatur °C"] == "not selected"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"features": ("nope",)}, ("Column 'nope' not found; the columns are: Zeitstempel, Temperatur °C, "
                                  "Luftfeuchte %, Druck hPa, Status.")),
        ({"features": ("Status",)}, "Column 'Status' is not numeric; choose numeric columns as features."),
        ({"time_column": "Status"}, ("Column 'Status' could not be read as dates, times or numbers; choose "
                                    "another time column.")),
        ({"layout": "long"}, "The long layout needs an id column and none was found; choose one with id_column."),
        ({"id_column": "missing"}, "Column 'missing' not found;"),
    ],
)
def test_column_choice_errors(kwargs, message) -> None:
    with pytest.raises(DataError) as info:
        load_csv(DATA / "sensor_log.csv", DataConfig(**kwargs))
    assert str(info.value).startswith(message)


def test_numeric_time_column_is_not_a_feature() -> None:
    text = "time,a\n" + "\n".join(f"{0.5 * i},{i * i}" for i in range(10))
    data = load_csv(text.encode(), DataConfig(seq_len=3))
    assert data.report.time_column == "time" and data.feature_names == ["a"]


def test_unsorted_dates_are_sorted() -> None:
    text = "date,v\n2024-01-03,3\n2024-01-01,1\n2024-01-02,2\n2024-01-04,4\n"
    data = load_csv(text.encode(), DataConfig(seq_len=4))
    assert np.allclose(data.real_units()[0, :, 0], [1, 2, 3, 4])
    assert "Rows sorted by 'date'." in data.report.notes


# ------------------------------------------------------------------------------------------------
# Parsing details: encodings, delimiters, numbers
# ------------------------------------------------------------------------------------------------

ROWS = [(1.5, -2.0), (2.5, 3.25), (4.0, 0.0), (10.0, -1.5)]


def table_text(delim: str, decimal: str = ".") -> str:
    lines = [delim.join(["Débit", "Tempé"])]
    for row in ROWS:
        lines.append(delim.join(f"{v}".replace(".", decimal) for v in row))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("delim", "decimal", "expected_delim"),
    [(",", ".", ","), (";", ".", ";"), (";", ",", ";"), ("\t", ".", "\t"), ("\t", ",", "\t"), ("|", ".", "|")],
)
@pytest.mark.parametrize(
    ("encoding", "bom", "expected_encoding"),
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("latin-1", b"", "latin-1"),
     ("utf-16", b"", "utf-16")],
)
def test_delimiters_decimals_and_encodings(delim, decimal, expected_delim, encoding, bom, expected_encoding) -> None:
    raw = bom + table_text(delim, decimal).encode(encoding)
    data = load_csv(raw, DataConfig(seq_len=4))
    r = data.report
    assert (r.delimiter, r.decimal, r.encoding) == (expected_delim, decimal, expected_encoding)
    assert data.feature_names == ["Débit", "Tempé"]
    np.testing.assert_allclose(data.real_units()[0], ROWS, atol=1e-5)


@pytest.mark.parametrize(
    ("cell", "value"),
    [('"1,234.5"', 1234.5), ('"1.234,5"', 1234.5), ("1e3", 1000.0), ("-2.5E-2", -0.025), (" 7 ", 7.0),
     ('"42"', 42.0), ('"1 234,5"', 1234.5), ("+3", 3.0)],
)
def test_number_formats(cell, value) -> None:
    text = f"a,b\n{cell},0\n0,1\n"
    data = load_csv(text.encode(), DataConfig(seq_len=2))
    assert np.isclose(data.real_units()[0, 0, 0], value)


def test_missing_markers_are_missing() -> None:
    text = "a\n1\nNA\n-\n?\n#N/A\n\n6\n"
    data = load_csv(text.encode(), DataConfig(seq_len=2, max_missing_fraction=0.8))
    assert data.report.missing_filled == 4
    np.testing.assert_allclose(data.frame["a"], [1, 2, 3, 4, 5, 6])


def test_file_like_and_path_inputs(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,4\n5,6\n")
    by_str, by_path = load_csv(str(path), DataConfig(seq_len=2)), load_csv(path, DataConfig(seq_len=2))
    by_file = load_csv(io.BytesIO(path.read_bytes()), DataConfig(seq_len=2), name="upload")
    for d in (by_str, by_path, by_file):
        np.testing.assert_array_equal(d.windows, by_path.windows)
    assert by_path.name == "x" and by_path.report.source_name == "x.csv" and by_file.name == "upload"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/nonexistent/dir/data.csv", "File not found: '/nonexistent/dir/data.csv'; check the path."),
        (12345, "Cannot read a int; pass the file's bytes or its path."),
    ],
)
def test_bad_sources(source, message) -> None:
    with pytest.raises(DataError) as info:
        load_csv(source)
    assert str(info.value) == message


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is a folder, not a file; choose a CSV file."):
        load_csv(tmp_path)


# ------------------------------------------------------------------------------------------------
# Exact messages
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kwargs", "message"),
    [
        (b"", {}, "The file is empty; upload a CSV file with a header row and rows of numbers."),
        (b"a,b\n", {}, "The file has a header but no data rows; add rows of numbers below the header."),
        (b"PK\x03\x04\x14\x00rest", {}, ("This looks like an Excel workbook, not a CSV file; open it in Excel and "
                                        "save it as CSV.")),
        (b"a,b\x00\x01\x02\n1,2\n", {}, "This file is not text (it contains binary data); upload a CSV text file."),
        (b"\xef\xbb\xbfa\n\xff\xfe\n", {}, ("The file's text encoding could not be read; save it as UTF-8 CSV and "
                                           "upload it again.")),
        (b"a,b\nx,y\nz,w\n", {}, ("No numeric columns found (text columns: a, b); the file needs at least one "
                                 "column of numbers.")),
        (b"when\n2024-01-01\n2024-01-02\n", {}, ("The file only has dates or times ('when') and no numbers; add "
                                                "at least one numeric column.")),
        (b"a,b\n1,2\n3,4\n", {}, "The data has 2 rows but seq_len is 24; lower seq_len to 2 or less."),
        (b"a,b\n1,2\n3,-inf\n", {"seq_len": 2}, ("Column 'b' contains infinite values; replace them with numbers "
                                                "or leave those cells empty.")),
        (b"a\n1\nNA\n4\n", {"seq_len": 2, "missing": "refuse"},
         ("Column 'a' has 1 missing value and the missing-value policy is 'refuse'; fill them in or choose "
         "another policy.")),
        (b"a,b\n1,\n,\n,\n4,5\n", {"seq_len": 2, "features": ("a", "b")},
         ("Too many missing values in column 'b' (75% empty, limit 50%); fill in the gaps or raise "
         "max_missing_fraction.")),
        (b"a,b\n1,\n,2\n3,\n", {"seq_len": 2, "missing": "drop", "max_missing_fraction": 1.0},
         "No complete rows remain after removing missing values; choose the 'interpolate' policy."),
        (b"a,b\n1,2\n3,4,5,6\n", {}, ("Line 3 has 4 fields but the file has 2 columns; fix that row or check "
                                     "the delimiter.")),
        (b"id,v\na,1\na,2\nb,3\nb,4\n", {"seq_len": 3}, ("No sequence is long enough: the longest has 2 rows but "
                                                       "seq_len is 3; lower seq_len to 2 or less.")),
        (b"label,t1,t2,t3,t4,t5,t6,t7,t8\n1,1,2,3,4,5,6,7,8\n", {"seq_len": 9},
         "No sequence is long enough: the longest has 8 values but seq_len is 9; lower seq_len to 8 or less."),
        (b"\x1f\x8b\x08\x00", {}, "This file is gzip-compressed; decompress it and upload the CSV inside."),
    ],
)
def test_exact_messages(raw, kwargs, message) -> None:
    with pytest.raises(DataError) as info:
        load_csv(raw, DataConfig(**kwargs))
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layout": "wide"}, "Unknown layout 'wide'; use one of: auto, time_rows, sequence_rows, long."),
        ({"seq_len": 0}, "seq_len must be a positive whole number; got 0."),
        ({"stride": 1.5}, "stride must be a positive whole number; got 1.5."),
        ({"seq_len": True}, "seq_len must be a positive whole number; got True."),
        ({"missing": "mean"}, "Unknown missing-value policy 'mean'; use one of: interpolate, drop, zero, refuse."),
        ({"max_missing_fraction": 1.5}, "max_missing_fraction must be between 0 and 1; got 1.5."),
        ({"features": ()}, "features is empty; choose at least one column or pass None for all."),
    ],
)
def test_config_validation(kwargs, message) -> None:
    with pytest.raises(DataError) as info:
        DataConfig(**kwargs)
    assert str(info.value) == message


def test_config_is_frozen_and_features_become_a_tuple() -> None:
    cfg = DataConfig(features=["a", "b"])
    assert cfg.features == ("a", "b")
    with pytest.raises(AttributeError):
        cfg.seq_len = 3  # type: ignore[misc]


def test_data_error_is_a_value_error() -> None:
    assert issubclass(DataError, ValueError)


# ------------------------------------------------------------------------------------------------
# Windows
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("T", [24, 25, 100, 101])
@pytest.mark.parametrize("seq_len", [1, 7, 24])
@pytest.mark.parametrize("stride", [1, 2, 5, 24])
def test_window_count(T, seq_len, stride) -> None:
    series = np.arange(T * 3, dtype=np.float32).reshape(T, 3)
    windows = sliding_windows(series, seq_len, stride)
    n = (T - seq_len) // stride + 1
    assert windows.shape == (n, seq_len, 3)
    for i in (0, n - 1):
        np.testing.assert_array_equal(windows[i], series[i * stride:i * stride + seq_len])


def test_windows_are_views_not_copies() -> None:
    series = np.random.default_rng(0).random((1000, 4)).astype(np.float32)
    windows = sliding_windows(series, 24, 1)
    assert np.shares_memory(windows, series)
    assert not windows.flags.writeable
    data = load_csv(STOCKS)
    assert np.shares_memory(data.windows[0], data.windows[1])  # overlapping windows share memory
    assert data.windows.base is not None


def test_sliding_windows_rejects_short_series() -> None:
    with pytest.raises(DataError) as info:
        sliding_windows(np.zeros((5, 2)), 6)
    assert str(info.value) == "The data has 5 rows but seq_len is 6; lower seq_len to 5 or less."


def test_stride_applies_to_csv() -> None:
    data = load_csv(STOCKS, DataConfig(seq_len=24, stride=24))
    assert data.n_sequences == (3685 - 24) // 24 + 1


# ------------------------------------------------------------------------------------------------
# Scaling
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(50, 3), (10, 24, 5), (7, 1)])
def test_scaler_round_trip(shape) -> None:
    x = np.random.default_rng(1).normal(100, 50, size=shape)
    scaler = MinMaxScaler.fit(x)
    scaled = scaler.transform(x)
    assert scaled.min() == 0.0 and scaled.max() == 1.0
    np.testing.assert_allclose(scaler.inverse_transform(scaled), x, rtol=1e-12, atol=1e-9)
    per_feature = scaled.reshape(-1, shape[-1])
    assert np.all(per_feature.min(axis=0) == 0.0) and np.all(per_feature.max(axis=0) == 1.0)


def test_constant_column_scales_to_half_and_back() -> None:
    x = np.column_stack([np.arange(10.0), np.full(10, 3.7), np.zeros(10)])
    scaler = MinMaxScaler.fit(x)
    scaled = scaler.transform(x)
    assert np.isfinite(scaled).all()
    assert np.all(scaled[:, 1:] == 0.5)
    back = scaler.inverse_transform(scaled)
    assert np.all(back[:, 1] == 3.7) and np.all(back[:, 2] == 0.0)
    np.testing.assert_array_equal(back[:, 0], x[:, 0])
    # even generated values away from 0.5 map back to the constant
    assert np.all(scaler.inverse_transform(np.full((2, 3), 0.9))[:, 1] == 3.7)


def test_scaler_dict_round_trip_is_json() -> None:
    scaler = MinMaxScaler.fit(np.array([[1.0, -5.0], [3.0, 5.0]]))
    d = json.loads(json.dumps(scaler.to_dict()))
    assert d == {"data_min": [1.0, -5.0], "data_max": [3.0, 5.0]}
    again = MinMaxScaler.from_dict(d)
    np.testing.assert_array_equal(again.data_min, scaler.data_min)
    np.testing.assert_array_equal(again.data_max, scaler.data_max)


@pytest.mark.parametrize("bad", [np.zeros((0, 2)), np.array([[1.0, np.nan]]), np.array([[np.inf, 1.0]])])
def test_scaler_rejects_empty_or_non_finite(bad) -> None:
    with pytest.raises(DataError):
        MinMaxScaler.fit(bad)


def test_real_units_round_trip_through_csv() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1000, size=(40, 3))
    buf = io.StringIO()
    pd.DataFrame(x, columns=["p", "q", "r"]).to_csv(buf, index=False, float_format="%.10g")
    data = load_csv(buf.getvalue().encode(), DataConfig(seq_len=10, stride=10))
    assert data.n_sequences == 4
    # float32 windows: relative precision ~1e-7 of each feature's range
    span = x.max(axis=0) - x.min(axis=0)
    np.testing.assert_allclose(data.real_units(), x.reshape(4, 10, 3), atol=float(span.max()) * 1e-6)
    np.testing.assert_allclose(data.real_units(2), data.real_units()[:2])


# ------------------------------------------------------------------------------------------------
# from_array, report, info
# ------------------------------------------------------------------------------------------------


def test_from_array_long_series() -> None:
    x = np.cumsum(np.random.default_rng(0).normal(size=(100, 2)), axis=0)
    data = from_array(x, ["a", "b"], DataConfig(seq_len=10, stride=5), name="walk", report_notes=("hello",))
    assert data.windows.shape == ((100 - 10) // 5 + 1, 10, 2)
    assert data.frame is None and data.name == "walk" and data.report.notes == ["hello"]
    np.testing.assert_allclose(data.real_units(1)[0], x[:10], atol=1e-5 * np.ptp(x))


def test_from_array_ready_sequences() -> None:
    x = np.random.default_rng(0).random((8, 24, 3))
    data = from_array(x, ["a", "b", "c"])
    assert data.windows.shape == (8, 24, 3) and data.report.layout == "long"
    np.testing.assert_allclose(data.real_units(), x, atol=1e-6)
    longer = from_array(np.random.default_rng(0).random((4, 30, 1)), ["v"], DataConfig(seq_len=24, stride=3))
    assert longer.windows.shape == (4 * 3, 24, 1)


@pytest.mark.parametrize(
    ("x", "names", "message"),
    [
        (np.zeros((5,)), ["a"], "Expected a non-empty (T, F) or (N, T, F) array; got shape (5,)."),
        (np.zeros((30, 2)), ["a"], "Got 1 feature names for 2 features; pass one per feature."),
        (np.full((30, 1), np.nan), ["a"], "The array contains NaN or infinite values; replace them before loading."),
        (np.zeros((3, 10, 1)), ["a"], "The sequences have 10 steps but seq_len is 24; lower seq_len to 10 or less."),
        (np.zeros((10, 1)), ["a"], "The data has 10 rows but seq_len is 24; lower seq_len to 10 or less."),
    ],
)
def test_from_array_errors(x, names, message) -> None:
    with pytest.raises(DataError) as info:
        from_array(x, names)
    assert str(info.value) == message


def test_report_lines_and_info() -> None:
    data = load_csv(DATA / "sensor_log.csv", name="sensors")
    lines = data.report.lines()
    assert lines[0] == "Layout: time_rows (column 'Zeitstempel' orders the rows in time)"
    assert "Read 96 rows x 5 columns (encoding utf-8, delimiter ';', decimal ',')" in lines
    assert "Left out 'Status': text values" in lines
    assert "Missing values (interpolate): 3 filled, 0 rows dropped" in lines
    info = data.to_dict_info()
    assert {k: v for k, v in info.items() if k != "file"} == {
        "name": "sensors", "seq_len": 24, "features": ["Temperatur °C", "Luftfeuchte %", "Druck hPa"],
        "layout": "time_rows"}
    assert info["file"]["time_column"] == "Zeitstempel"  # the file's layout, for writing samples alike
    json.dumps(info)
    assert (data.n_sequences, data.seq_len, data.n_features) == (73, 24, 3)
    assert isinstance(LoadReport().lines(), list)


def test_a_time_column_with_repeats_and_a_constant_column_are_noted() -> None:
    rows = ["day,level,flag"] + [f"2024-01-{1 + i % 28:02d},{i * 0.5},1" for i in range(80)]
    data = load_csv(("\n".join(rows) + "\n").encode(), DataConfig(seq_len=8))
    notes = " ".join(data.report.notes)
    assert "'day' has 28 distinct values for 80 rows" in notes
    assert "Constant column 'flag'" in notes
    plain = load_csv(b"t,x\n" + b"".join(f"{i},{i % 5}\n".encode() for i in range(40)), DataConfig(seq_len=8))
    assert not any("distinct values" in n or "Constant" in n for n in plain.report.notes)
