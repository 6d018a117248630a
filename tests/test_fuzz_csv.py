"""Fuzzing load_csv: any bytes either load into valid windows or raise DataError, nothing else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rgan.data import DataConfig, DataError, load_csv

DATA = Path(__file__).parent / "data"
SEEDS = sorted(p for p in (DATA / "bad").iterdir() if p.stat().st_size < 4000) + [DATA / "panel_long.csv"]
CONFIG = DataConfig(seq_len=3, stride=2)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# the loader's last-resort message for unexpected exceptions: seeing it means a bug to fix
INTERNAL = "Could not read the file ("


def check(data: bytes, config: DataConfig = CONFIG) -> None:
    try:
        out = load_csv(data, config)
    except DataError as e:
        message = str(e)
        assert message and message.endswith("."), message
        assert INTERNAL not in message, f"unexpected internal error for {data[:200]!r}: {e.__cause__!r}"
        return
    w = out.windows
    assert w.dtype == np.float32 and w.ndim == 3
    assert w.shape[0] >= 1 and w.shape[1] == config.seq_len
    assert w.shape[2] == out.n_features == len(out.feature_names) == len(out.report.feature_names)
    assert np.isfinite(w).all() and w.min() >= 0.0 and w.max() <= 1.0
    assert np.isfinite(out.real_units(2)).all()
    assert out.report.layout in ("time_rows", "sequence_rows", "long")


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=False).map(repr),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["", "NA", "nan", "-", "?", "abc", '"1,5"', '"x"', "2024-01-02", "01.02.2024 10:00",
                     "1.234,5", "1,234.5", "  7 ", "TRUE", "inf", "#DIV/0!", "é", "<b>", '"', "1e5"]),
)


@FUZZ
@given(
    header=st.lists(st.sampled_from(["a", "b", "id", "time", "label", "", "x", "Date", "t1", "t2", "# note"]),
                    min_size=1, max_size=6),
    rows=st.lists(st.lists(CELLS, min_size=1, max_size=7), min_size=0, max_size=25),
    delimiter=st.sampled_from([",", ";", "\t", "|", " "]),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
    layout=st.sampled_from(["auto", "auto", "time_rows", "sequence_rows", "long"]),
    missing=st.sampled_from(["interpolate", "drop", "zero", "refuse"]),
)
def test_structured_tables(header, rows, delimiter, newline, encoding, layout, missing) -> None:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    data = newline.join(lines).encode(encoding, errors="replace")
    check(data, DataConfig(seq_len=3, stride=1, layout=layout, missing=missing))


@FUZZ
@given(
    seed_file=st.sampled_from(SEEDS),
    edits=st.lists(
        st.tuples(st.sampled_from(["insert", "delete", "replace", "duplicate"]), st.floats(0, 1),
                  st.binary(min_size=1, max_size=8)),
        min_size=1, max_size=6),
)
def test_mutated_real_files(seed_file: Path, edits) -> None:
    data = bytearray(seed_file.read_bytes())
    for kind, where, payload in edits:
        i = int(where * len(data))
        if kind == "insert":
            data[i:i] = payload
        elif kind == "delete":
            del data[i:i + len(payload)]
        elif kind == "replace":
            data[i:i + len(payload)] = payload
        else:  # duplicate a slice, e.g. a line or a delimiter run
            data[i:i] = data[i:i + 40]
    check(bytes(data))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_files_never_fail_unexpectedly(path: Path) -> None:
    check(path.read_bytes())


def test_a_date_column_with_a_year_out_of_pythons_range_is_read() -> None:
    """Found by test_structured_tables: '-1' beside a date made pandas read year -1, and the report's
    time span (strftime) raised; the span is now written without strftime."""
    out = load_csv(b"a\n-1\n,0.0,0.0\n2024-01-02,0.0,0.0", DataConfig(seq_len=2))
    assert out.report.time_span == "-001-01-01\u20132024-01-02"
    check(b"a\n-1\n,0.0,0.0\n2024-01-02,0.0,0.0")
