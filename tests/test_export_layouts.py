"""Samples written in the training file's own layout: wide, long and rows-are-time-steps round-trip."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from rgan.data import DataConfig, load_csv
from rgan.data.export import draw_lengths, own_layout_frame, samples_frame


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _read(table: pd.DataFrame) -> pd.DataFrame:
    """What a user gets back: the table written to CSV and read again."""
    return pd.read_csv(io.StringIO(table.to_csv(index=False)))


def _wide_file(n: int = 12, steps: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(n, steps)).round(4) * 100
    frame = pd.DataFrame(values, columns=[f"t{i}" for i in range(steps)])
    frame.insert(0, "kind", np.where(np.arange(n) % 3 == 0, 7, 3))  # two classes, numbers
    return frame


def test_wide_in_wide_out_round_trips_columns_order_units_and_labels() -> None:
    file = _wide_file()
    data = load_csv(_csv(file), DataConfig(label_column="kind", seq_len=10))
    assert data.class_names == ["3", "7"]
    # the real sequences themselves, in data units, stand in for samples: the table must be the file again
    out = _read(own_layout_frame(data.real_units(), data.feature_names, data.to_dict_info(), data.labels))
    assert list(out.columns) == list(file.columns)
    np.testing.assert_allclose(out[[f"t{i}" for i in range(10)]].to_numpy(), file.iloc[:, 1:].to_numpy(), atol=1e-4)  # windows are float32
    assert out["kind"].tolist() == file["kind"].tolist()


def test_wide_out_longer_than_the_file_carries_the_step_names_on() -> None:
    data = load_csv(_csv(_wide_file()), DataConfig(label_column="kind", seq_len=10))
    longer = np.zeros((2, 13, 1))
    out = own_layout_frame(longer, data.feature_names, data.to_dict_info(), np.array([0, 1]))
    assert list(out.columns) == ["kind"] + [f"t{i}" for i in range(13)]
    assert out["kind"].tolist() == [3, 7]


def _long_file() -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(1)
    for uid in range(8):
        for frame in range(6 + uid % 3):  # lengths 6, 7, 8
            rows.append({"step": frame * 10, "a": round(rng.normal(), 4), "speaker": "ab"[uid % 2], "uid": 100 + uid,
                         "b": round(rng.normal() * 5, 4)})
    return pd.DataFrame(rows)


def test_long_in_long_out_round_trips_ids_steps_label_and_feature_order() -> None:
    file = _long_file()
    data = load_csv(_csv(file), DataConfig(id_column="uid", time_column="step", label_column="speaker", seq_len=6,
                                           stride=100))
    assert data.n_sequences == 8 and data.class_names == ["a", "b"]
    info = data.to_dict_info()
    lengths = np.array([6 + i % 3 for i in range(8)])
    samples = np.zeros((8, 8, 2))
    for i, (_, group) in enumerate(file.groupby("uid", sort=True)):
        samples[i, :len(group)] = group[data.feature_names].to_numpy()
    out = _read(own_layout_frame(samples, data.feature_names, info, data.labels, lengths))
    assert list(out.columns) == ["step", "a", "speaker", "uid", "b"]  # the file's own order
    assert out["uid"].tolist() == np.repeat(np.arange(8), lengths).tolist()  # new ids
    assert out["step"].tolist() == file["step"].tolist()  # 0, 10, 20, ... carried at the file's step
    assert out["speaker"].tolist() == file["speaker"].tolist()
    np.testing.assert_allclose(out[["a", "b"]].to_numpy(), file[["a", "b"]].to_numpy(), atol=1e-5)
    drawn = draw_lengths(info, 400, seed=0)
    assert set(drawn.tolist()) == {6, 7, 8}  # the file's own length distribution


def _dated_file(freq: str, periods: int = 40) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=periods, freq=freq)
    rng = np.random.default_rng(2)
    return pd.DataFrame({"load": rng.normal(size=periods).round(3), "when": dates, "temp": rng.normal(size=periods).round(3)})


@pytest.mark.parametrize("freq, text", [("D", "2024-03-10"), ("h", "2024-01-03 21:00:00"), ("B", "2024-04-05")])
def test_rows_are_time_steps_give_one_continuous_series_at_the_files_frequency(freq: str, text: str) -> None:
    file = _dated_file(freq)
    data = load_csv(_csv(file), DataConfig(seq_len=8))
    info = data.to_dict_info()
    samples = np.arange(70 * 2, dtype=float).reshape(1, 70, 2)  # --n 1 --length 70: longer than the file
    out = _read(own_layout_frame(samples, data.feature_names, info))
    assert list(out.columns) == ["load", "when", "temp"]
    when = pd.to_datetime(out["when"])
    assert when.iloc[0] == file["when"].iloc[0]
    assert (when.diff().dropna() > pd.Timedelta(0)).all()
    assert pd.DatetimeIndex(when).equals(pd.date_range(file["when"].iloc[0], periods=70, freq=freq))
    assert out["when"].iloc[69] == text  # dates stay dates, written as the file wrote them
    assert out["load"].iloc[1] == 2.0 and out["temp"].iloc[1] == 3.0  # features keep their names


def test_a_numeric_time_column_carries_on_as_whole_numbers_and_several_samples_get_ids() -> None:
    file = pd.DataFrame({"year": np.arange(1950, 1990), "gdp": np.linspace(1, 5, 40)})
    data = load_csv(_csv(file), DataConfig(seq_len=5))
    out = _read(own_layout_frame(np.ones((2, 45, 1)), data.feature_names, data.to_dict_info()))
    assert list(out.columns) == ["sample_id", "year", "gdp"]
    assert out["year"].tolist() == list(range(1950, 1995)) * 2


def test_without_a_record_of_the_file_the_long_table_is_written() -> None:
    samples = np.zeros((2, 3, 1))
    old_info = {"name": "x", "seq_len": 3, "features": ["v"], "layout": "time_rows"}  # an older checkpoint
    out = own_layout_frame(samples, ["v"], old_info)
    pd.testing.assert_frame_equal(out, samples_frame(samples, ["v"]))
    labelled = samples_frame(samples, ["v"], np.array([1, 0]), ["x", "y"], "cls")
    assert list(labelled.columns) == ["sample_id", "step", "v", "cls"]
    assert labelled["cls"].tolist() == ["y"] * 3 + ["x"] * 3
