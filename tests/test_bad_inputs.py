"""A corpus of odd and broken files (tests/data/bad/): each loads as described or raises DataError.

Regenerate the corpus with `python tests/data/make_corpus.py`. The very wide and very long files
are generated here into tmp_path so nothing large is committed.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from rgan.data import DataConfig, DataError, SequenceData, load_csv

BAD = Path(__file__).parent / "data" / "bad"


def features(*names):
    return lambda d: d.feature_names == list(names)


def report(**expected):
    return lambda d: all(getattr(d.report, k) == v for k, v in expected.items())


def all_of(*checks):
    return lambda d: all(c(d) for c in checks)


def n_windows(n):
    return lambda d: d.n_sequences == n


def first_window_row(*values):
    """The first step of the first window, back in file units."""
    return lambda d: np.allclose(d.real_units(1)[0, 0], values)


def note_contains(text):
    return lambda d: any(text in n for n in d.report.notes)


SMALL = {"seq_len": 4}
# filename -> (DataConfig kwargs, "ok", check(SequenceData) -> bool) or (kwargs, "error", substring)
EXPECTED = {
    "empty.csv": ({}, "error", "The file is empty; upload a CSV file with a header row and rows of numbers."),
    "whitespace_only.csv": ({}, "error", "The file is empty;"),
    "header_only.csv": ({}, "error", "The file has a header but no data rows; add rows of numbers below the header."),
    "header_only_blank_lines.csv": ({}, "error", "The file has a header but no data rows"),
    "binary.csv": ({}, "error", "This file is not text (it contains binary data); upload a CSV text file."),
    "png_image.csv": ({}, "error", "This file is not text (it contains binary data)"),
    "excel_renamed.csv": ({}, "error", "This looks like an Excel workbook, not a CSV file; open it in Excel and save it as CSV."),
    "old_excel.csv": ({}, "error", "This looks like an Excel workbook"),
    "gzipped.csv": ({}, "error", "This file is gzip-compressed; decompress it and upload the CSV inside."),
    "all_text.csv": ({}, "error", "No numeric columns found (text columns: name, city, country); the file needs at least one column of numbers."),
    "html_page.csv": ({}, "error", "No numeric columns found"),
    "json_file.csv": ({}, "error", "The file has a header but no data rows"),
    "dates_only.csv": ({}, "error", "The file only has dates or times ('date') and no numbers; add at least one numeric column."),
    "only_commas.csv": ({}, "error", "The file has no values, only empty cells; upload a CSV with rows of numbers."),
    "nan_heavy.csv": ({}, "error", "Too many missing values: every numeric column is more than 50% empty; fill in the gaps or raise max_missing_fraction."),
    "inf_values.csv": ({}, "error", "Column 'y' contains infinite values; replace them with numbers or leave those cells empty."),
    "one_row.csv": ({}, "error", "The data has 1 row but seq_len is 24; lower seq_len to 1 or less."),
    "shorter_than_seq_len.csv": ({}, "error", "The data has 10 rows but seq_len is 24; lower seq_len to 10 or less."),
    "ragged_rows.csv": ({}, "error", "Line 4 has 4 fields but the file has 3 columns; fix that row or check the delimiter."),
    "unclosed_quote.csv": ({}, "error", "A quoted field is never closed; check the quotation marks in the file."),
    "id_one_row_groups.csv": ({"layout": "long", "id_column": "id"}, "error",
                              "No sequence is long enough: the longest has 1 rows but seq_len is 24; lower seq_len to 1 or less."),
    "comments_only.csv": ({}, "error", "The file only has comment lines ('#'); add a header row and rows of numbers."),
    "missing_values.csv": ({"missing": "refuse"}, "error",
                           "Column 'a' has 2 missing values and the missing-value policy is 'refuse'; fill them in or choose another policy."),
    # files that load
    "latin1_header.csv": (SMALL, "ok", all_of(
        features("Température", "Débit m³/h"), report(encoding="latin-1", delimiter=";", decimal=","))),
    "cp1252_euro.csv": (SMALL, "ok", all_of(features("Preis €", "Menge"), report(encoding="cp1252"),
                                            first_window_row(0.5, 0))),
    "utf8_bom.csv": (SMALL, "ok", all_of(features("Value2", "Value"), report(encoding="utf-8-sig"))),
    "utf16_excel_text.csv": (SMALL, "ok", all_of(features("x", "y"), report(encoding="utf-16", delimiter="\t"),
                                                 first_window_row(0, 0))),
    "semicolon_decimal_comma.csv": (SMALL, "ok", all_of(report(delimiter=";", decimal=","),
                                                        lambda d: np.allclose(d.real_units(2)[1, 0], [1 / 3, -1 / 7], atol=0.006))),
    "tab_separated.csv": (SMALL, "ok", all_of(features("p", "q", "r"), report(delimiter="\t"))),
    "pipe_separated.csv": (SMALL, "ok", all_of(features("p", "q"), report(delimiter="|"))),
    "whitespace_separated.csv": (SMALL, "ok", all_of(features("p", "q"), report(delimiter="whitespace"))),
    "quoted_numbers.csv": (SMALL, "ok", all_of(features("a", "b"), first_window_row(0.25, 0))),
    "thousands_separators.csv": (SMALL, "ok", all_of(features("price", "volume"), first_window_row(1000.5, 0),
                                                     lambda d: np.isclose(d.real_units(2)[1, 0, 0], 1111.5))),
    "thousands_eu.csv": (SMALL, "ok", all_of(report(decimal=","), first_window_row(1000.5, 0),
                                             lambda d: np.isclose(d.real_units(2)[1, 0, 0], 1111.5))),
    "constant_column.csv": (SMALL, "ok", all_of(features("a", "flat"),
                                                lambda d: np.all(d.windows[..., 1] == 0.5),
                                                lambda d: np.all(d.real_units()[..., 1] == 7.5))),
    "duplicated_columns.csv": (SMALL, "ok", all_of(features("x", "x_2", "y", "x_3"),
                                                   note_contains("Duplicate column name 'x' renamed to 'x_2'."),
                                                   first_window_row(0, 1, 2, 3))),
    "html_js_names.csv": (SMALL, "ok", features("<script>alert(1)</script>", "<img src=x onerror=alert(2)>",
                                                '=HYPERLINK("x")')),
    "mixed_types.csv": (SMALL, "ok", all_of(
        features("mostly_numbers", "value"), report(dropped_columns={"mostly_text": "text values"}, missing_filled=1),
        note_contains("Column 'mostly_numbers': 1 non-numeric cells treated as missing."))),
    "trailing_empty_lines.csv": (SMALL, "ok", all_of(report(n_rows=30), n_windows(27))),
    "blank_lines_inside.csv": (SMALL, "ok", all_of(report(n_rows=32), n_windows(29))),
    "unicode_names.csv": (SMALL, "ok", features("温度", "давление", "🌡️ temp")),
    "negative_numbers.csv": (SMALL, "ok", all_of(first_window_row(-0.5, 0),
                                                 lambda d: np.isclose(d.scaler.data_min[1], -2900))),
    "scientific_notation.csv": (SMALL, "ok", lambda d: np.allclose(d.real_units(2)[1, 0], [1e-3, 1.5e6])),
    "whitespace_padding.csv": (SMALL, "ok", all_of(features("a", "b"), first_window_row(0, 0))),
    "unnamed_index.csv": (SMALL, "ok", all_of(features("a", "b"),
                                              report(dropped_columns={"column_1": "unnamed index column"}))),
    "unnamed_index_pandas.csv": (SMALL, "ok", all_of(features("a"),
                                                     report(dropped_columns={"Unnamed: 0": "unnamed index column"}))),
    "crlf_line_endings.csv": (SMALL, "ok", all_of(features("a", "b"), n_windows(27))),
    "newest_first.csv": (SMALL, "ok", all_of(
        report(time_column="Date"), first_window_row(101), note_contains("newest first"))),
    "no_header.csv": (SMALL, "ok", features("column_1", "column_2", "column_3")),
    "excel_error_cells.csv": (SMALL, "ok", all_of(report(missing_filled=1), lambda d: np.isclose(
        d.real_units()[9, 0, 0], 9.0))),  # 8 and 10 around the #DIV/0! cell: interpolated
    "comment_preamble.csv": (SMALL, "ok", all_of(
        features("a", "b"), report(time_column="time"), note_contains("Skipped 2 comment lines"))),
    "single_column.csv": (SMALL, "ok", all_of(features("value"), n_windows(27))),
    "long_with_short_groups.csv": (SMALL, "ok", all_of(
        report(layout="long", id_column="series", time_column="step", short_sequences=1),
        n_windows((30 - 3) + (5 - 3) + (28 - 3)))),
}


def test_corpus_is_complete() -> None:
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == set(EXPECTED), on_disk ^ set(EXPECTED)
    assert len(on_disk) >= 30
    assert max(p.stat().st_size for p in BAD.iterdir()) < 50_000


def assert_valid(data: SequenceData, seq_len: int) -> None:
    w = data.windows
    assert w.dtype == np.float32 and w.shape[1:] == (seq_len, len(data.feature_names))
    assert w.shape[0] >= 1 and np.isfinite(w).all() and w.min() >= 0 and w.max() <= 1


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_corpus_file(filename: str) -> None:
    kwargs, outcome, expected = EXPECTED[filename]
    config = DataConfig(**kwargs)
    if outcome == "error":
        with pytest.raises(DataError) as info:
            load_csv(BAD / filename, config)
        assert expected in str(info.value)
        assert type(info.value) is DataError
    else:
        data = load_csv(BAD / filename, config)
        assert_valid(data, config.seq_len)
        assert expected(data), data.report.lines()


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_bytes_and_path_agree(filename: str) -> None:
    """Loading the bytes gives the same outcome as loading the path."""
    kwargs, outcome, _ = EXPECTED[filename]
    config = DataConfig(**kwargs)
    raw = (BAD / filename).read_bytes()
    if outcome == "error":
        with pytest.raises(DataError) as by_path:
            load_csv(BAD / filename, config)
        with pytest.raises(DataError) as by_bytes:
            load_csv(raw, config)
        assert str(by_path.value) == str(by_bytes.value)
    else:
        a, b = load_csv(BAD / filename, config), load_csv(raw, config)
        np.testing.assert_array_equal(a.windows, b.windows)
        assert a.report.source_name == filename and b.report.source_name == "data"


def test_missing_policies_on_the_same_file() -> None:
    path = BAD / "missing_values.csv"  # a: rows 3 and 4 empty; b: row 20 empty
    interp = load_csv(path, DataConfig(seq_len=4))
    assert interp.report.missing_filled == 3 and interp.report.rows_dropped == 0
    assert np.allclose(interp.frame["a"].iloc[2:6], [2, 3, 4, 5])  # linear between 2 and 5
    zero = load_csv(path, DataConfig(seq_len=4, missing="zero"))
    assert zero.report.missing_filled == 3 and zero.frame["a"].iloc[3] == 0
    drop = load_csv(path, DataConfig(seq_len=4, missing="drop"))
    assert drop.report.rows_dropped == 3 and len(drop.frame) == 27
    assert drop.n_sequences == 27 - 4 + 1


def test_very_wide_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n_cols, n_rows = 2500, 30
    values = rng.random((n_rows, n_cols))
    header = ",".join(f"sensor {k}" for k in range(n_cols))
    body = "\n".join(",".join(f"{v:.4f}" for v in row) for row in values)
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + body + "\n")
    data = load_csv(path, DataConfig(seq_len=5))
    assert data.report.layout == "time_rows" and data.n_features == n_cols
    assert_valid(data, 5)
    np.testing.assert_allclose(data.real_units(1)[0], values[:5], atol=6e-5)


def test_very_wide_wide_file_without_header_is_sequence_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    values = rng.random((20, 3000))
    path = tmp_path / "wide.csv"
    np.savetxt(path, values, delimiter=",", fmt="%.4f")
    data = load_csv(path, DataConfig(seq_len=3000))
    assert data.report.layout == "sequence_rows" and data.windows.shape == (20, 3000, 1)


def test_absurdly_wide_line_is_refused() -> None:
    data = b"," * 3_000_000 + b"\n" + b"1," * 1_000_000
    with pytest.raises(DataError, match=r"The file has 3,000,001 columns, more than the 20,000 supported"):
        load_csv(data)


def test_very_long_file(tmp_path: Path) -> None:
    n = 1_000_000
    rng = np.random.default_rng(0)
    values = rng.standard_normal((n, 3)).astype(np.float32)
    path = tmp_path / "long.csv"
    with path.open("w") as f:
        f.write("a,b,c\n")
        np.savetxt(f, values, delimiter=",", fmt="%.5f")
    start = time.perf_counter()
    data = load_csv(path)
    seconds = time.perf_counter() - start
    assert data.windows.shape == (n - 24 + 1, 24, 3)
    assert np.shares_memory(data.windows, data.windows[0])  # a strided view, not 24 copies
    assert data.windows.base is not None
    np.testing.assert_allclose(data.real_units(1)[0], values[:24], atol=1e-4)
    assert seconds < 20, f"1,000,000 rows took {seconds:.1f} s"


def test_file_larger_than_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"a\n" + b"1\n" * 600_000)
    with pytest.raises(DataError) as info:
        load_csv(path, DataConfig(max_bytes=2**20))
    assert str(info.value) == ("The file is 1.1 MB, over the 1.0 MB limit; upload a smaller file or raise "
                               "max_bytes.")
    with pytest.raises(DataError, match="over the 100 bytes limit"):
        load_csv(path.read_bytes(), DataConfig(max_bytes=100))


def test_a_column_too_wide_to_scale_is_refused_by_name() -> None:
    """Found by the fuzzer: max - min overflowed to inf and the windows held NaN."""
    content = b"a,b\n0,1\n1.7976931348623157e+308,2\n-9.9792015476736e+291,3\n0,4\n"
    with pytest.raises(DataError, match=r"^Column 'a' spans more than the largest number a float can hold"):
        load_csv(content, DataConfig(seq_len=3))
