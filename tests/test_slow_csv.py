"""Inputs built to be slow or huge: no quadratic path in the CSV reader, failed loads remembered by the
file's hash, and windows capped before they are allocated.

Time bounds: each whole-file bound is about 4x the time measured on this 2-core machine with other work
running, and below the time the quadratic code took (figures beside each test; `python -m
scripts.time_slow_csv` prints them). The function-level bounds are far apart: 20,000 names take
milliseconds now and tens of seconds with the old rename loop.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import rgan.data.loading as loading
import rgan.data.windows as windows
from rgan.data import DataConfig, DataError, load_csv, load_dataset
from rgan.data.layout import _find_id_column
from rgan.data.reading import _read_table, _unique_names

CONFIG = DataConfig(seq_len=3)


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


# ------------------------------------------------------------------------------ the worst cases
def duplicate_names(k: int, rows: int = 30) -> bytes:
    return (",".join(["x"] * k) + "\n" + "\n".join(",".join(["1"] * k) for _ in range(rows)) + "\n").encode()


def text_columns(k: int, rows: int = 30) -> bytes:
    header = ",".join(f"t{i}" for i in range(k)) + ",v"
    return (header + "\n" + "\n".join(",".join(["abc"] * k) + f",{r}" for r in range(rows)) + "\n").encode()


def huge_first_line(megabytes: int) -> bytes:
    return ("a" * (megabytes * 2**20) + ",b\n" + "\n".join(f"{i},{i}" for i in range(50)) + "\n").encode()


def huge_cells(rows: int, size: int) -> bytes:
    return ("a,b\n" + "\n".join(f"{'z' * size},{r}" for r in range(rows)) + "\n").encode()


# ------------------------------------------------------------------------------ function level
def test_renaming_20000_duplicate_names_is_linear():
    notes: list[str] = []
    (names, _), seconds = timed(_unique_names, ["x"] * 20_000, notes)
    assert names[:3] == ["x", "x_2", "x_3"] and names[-1] == "x_20000" and len(set(names)) == 20_000
    assert seconds < 1.0  # ~0.02 s; the old loop tried x_2, x_3, ... for each copy: ~25 s
    assert notes[0] == "Duplicate column name 'x' renamed to 'x_2'."
    assert len(notes) == 11 and notes[-1].startswith("... and 19,989 more duplicate columns renamed")


def test_renaming_when_generated_names_already_exist():
    names, _ = _unique_names(["x", "x_2", "x", "x", "x_2"], [])
    assert names == ["x", "x_2", "x_3", "x_4", "x_2_2"]


def test_id_column_search_over_20000_numeric_columns_is_linear():
    table, _ = _read_table("\n".join([",".join(f"c{i}" for i in range(20_000))]
                                     + [",".join(["1.5"] * 20_000)] * 4))
    assert len(table.numeric) == 20_000
    found, seconds = timed(_find_id_column, table)
    assert found is None
    assert seconds < 5.0  # ~0.5 s; a list lookup per column made it ~2.5 s more, growing as k^2


# ------------------------------------------------------------------------------ whole files
@pytest.mark.parametrize(("make", "size", "bound"), [
    (duplicate_names, 20_000, 12.0),  # 2.2-3.0 s now; 27 s before
    (text_columns, 5_000, 15.0),  # 3.3 s now; 34 s before (a dozen pandas calls per column)
    (huge_first_line, 8, 8.0),  # one 8 MB header line: 0.8 s
    (lambda n, _=None: huge_cells(n, 100_000), 300, 10.0),  # 300 rows of a 100 KB cell (30 MB): 1.5 s
], ids=["20000 duplicate names", "5000 text columns", "8 MB first line", "300 cells of 100 KB"])
def test_slow_inputs_load_in_bounded_time(make, size, bound):
    data = make(size)
    out, seconds = timed(load_csv, data, CONFIG)
    assert out.n_features >= 1
    assert seconds < bound, f"{seconds:.1f} s"


def test_text_columns_are_still_read_column_by_column_rules():
    # one column of European numbers, one of US numbers, one 95% numbers, one text, one of dates
    rows = [f'"1.{i:03d},5";"1,{i:03d}.5";{"x" if i == 3 else i};abc{i};2024-01-{i + 1:02d}' for i in range(20)]
    data = ("eu;us;mostly;text;day\n" + "\n".join(rows) + "\n").encode()
    out = load_csv(data, DataConfig(seq_len=3))
    assert out.feature_names == ["eu", "us", "mostly"]
    assert out.report.time_column == "day"
    assert out.report.dropped_columns == {"text": "text values"}
    first = out.real_units(1)[0, 0]
    assert np.allclose(first, [1000.5, 1000.5, 0.0])
    assert any("mostly" in note and "1 non-numeric" in note for note in out.report.notes)


# ------------------------------------------------------------------------------ failed loads
def test_a_failed_load_is_refused_again_without_parsing(monkeypatch):
    loading._FAILED_LOADS.clear()
    calls = []
    real_read = loading._read_table
    monkeypatch.setattr(loading, "_read_table", lambda text: calls.append(1) or real_read(text))
    bad = b"name,kind\nfoo,bar\nbaz,qux\n"
    with pytest.raises(DataError) as first:
        load_csv(bad, CONFIG)
    with pytest.raises(DataError) as second:
        load_csv(bad, CONFIG)
    assert str(first.value) == str(second.value) and str(first.value).startswith("No numeric columns found")
    assert type(second.value) is DataError
    assert len(calls) == 1  # the second refusal came from the cache
    with pytest.raises(DataError):
        load_csv(bad, DataConfig(seq_len=4))  # other settings: parsed again
    assert len(calls) == 2
    good = b"a,b\n1,2\n2,3\n3,4\n4,5\n"
    load_csv(good, CONFIG)
    load_csv(good, CONFIG)
    assert len(calls) == 4  # successes are not cached here (the pages cache those)


def test_the_failure_cache_is_bounded_and_forgets_the_least_recent():
    cache = loading._FailedLoads(2)
    cache.put(("a",), "A.")
    cache.put(("b",), "B.")
    assert cache.get(("a",)) == "A."  # a is now the most recent
    cache.put(("c",), "C.")
    assert cache.get(("b",)) is None and cache.get(("a",)) == "A." and cache.get(("c",)) == "C."


# ------------------------------------------------------------------------------ the window cap
def long_file(n_ids: int, length: int) -> bytes:
    rows = [f"{i},{t},{t * 0.5 + i}" for i in range(n_ids) for t in range(length)]
    return ("id,step,value\n" + "\n".join(rows) + "\n").encode()


def test_windows_over_the_cap_are_refused_before_allocating(monkeypatch):
    monkeypatch.setenv("RGAN_MAX_WINDOW_VALUES", "1000")
    monkeypatch.setattr(windows, "sliding_window_view", lambda *a, **k: pytest.fail("windows were allocated"))
    with pytest.raises(DataError) as info:
        load_csv(long_file(4, 100), DataConfig(seq_len=10))
    assert str(info.value) == (
        "The windows would hold 3,640 values (364 windows x 10 steps x 1 feature, 14.2 KB as float32), over "
        "the limit of 1,000 (3.9 KB); use a stride of about 4 or more, a shorter seq_len or fewer features "
        "(or raise RGAN_MAX_WINDOW_VALUES).")


def test_the_suggested_stride_fits(monkeypatch):
    monkeypatch.setenv("RGAN_MAX_WINDOW_VALUES", "1000")
    out = load_csv(long_file(4, 100), DataConfig(seq_len=10, stride=4))
    assert out.windows.size <= 1000


def test_the_default_cap_refuses_gigabytes_from_a_small_file():
    data = long_file(2, 60_000)  # 1.6 MB of text
    with pytest.raises(DataError, match=r"over the limit of 50,000,000 \(190.7 MB\)"):
        load_csv(data, DataConfig(seq_len=1000))  # 119,000 windows x 1000 steps: 454 MB


def test_a_bad_cap_setting_is_explained(monkeypatch):
    monkeypatch.setenv("RGAN_MAX_WINDOW_VALUES", "lots")
    with pytest.raises(DataError, match="RGAN_MAX_WINDOW_VALUES must be a positive whole number; got 'lots'."):
        load_csv(long_file(2, 20), DataConfig(seq_len=5))


def test_built_in_data_sets_refuse_huge_sizes_before_generating():
    with pytest.raises(DataError) as info:
        load_dataset("sines", seq_len=1000, n_samples=1_000_000)
    assert str(info.value) == (
        "1,000,000 sequences x 1000 steps x 5 features are 5,000,000,000 values, over the limit of "
        "50,000,000; ask for at most 10,000 sequences (or raise RGAN_MAX_WINDOW_VALUES).")
