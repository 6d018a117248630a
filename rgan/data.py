"""Reading time-series CSV files into scaled, windowed sequences.

The pipeline of `load_csv` is: bytes -> text (encoding, binary checks) -> dialect (delimiter, decimal,
header) -> typed columns (numeric / dates / text) -> layout (time_rows, sequence_rows, long) ->
missing values -> per-feature min-max scaling -> windows of `seq_len` steps, shape (N, T, F).

Every rejection a person can cause is a `DataError` with one sentence saying what is wrong and what to
do. Nothing here imports streamlit.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

LAYOUTS = ("auto", "time_rows", "sequence_rows", "long")
MISSING_POLICIES = ("interpolate", "drop", "zero", "refuse")
MAX_COLUMNS = 20_000  # wider files are refused before pandas allocates them
_SNIFF_CHARS = 64 * 1024  # text sample used to guess the dialect
_SNIFF_LINES = 100
_NUMERIC_SHARE = 0.9  # a text column is numeric when this share of its filled cells parse as numbers
_MIXED_DATES_MAX_ROWS = 50_000  # format="mixed" parses each cell in Python; only for small columns

# Cells read as missing, on top of pandas' defaults ("", "NA", "NaN", "null", "None", ...).
_EXTRA_NA = ["-", "--", "?", ".", "na", "NAN", "none", "missing", "#VALUE!", "#DIV/0!", "#NUM!"]
_NA_TOKENS = {
    "", "na", "n/a", "nan", "-nan", "null", "none", "<na>", "#n/a", "#na", "-", "--", "?", ".",
    "missing", "#value!", "#div/0!", "#num!", "nat",
}
_NUMBER_RE = re.compile(
    r"^[+-]?(\d[\d.,'\s\u00a0\u202f]*|[.,]\d+)([eE][+-]?\d+)?%?$|^[+-]?(inf|infinity)$", re.IGNORECASE
)
_DATE_RE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|^\d{1,2}:\d{2}")
_EU_NUMBER_RE = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?:[eE][+-]?\d+)?$"
_US_NUMBER_RE = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:[eE][+-]?\d+)?$"
_TIME_NAME_RE = re.compile(
    r"^(date|time|datetime|timestamp|time_?stamp|date_?time|t|step|time_?step|epoch|tick|"
    r"seconds?|secs?|ms|period|day|year|index_time)$",
    re.IGNORECASE,
)
_ID_NAME_RE = re.compile(
    r"(^|[_\s-])(id|ids|series|unit|entity|ticker|symbol|subject|sensor|station|group|item|"
    r"device|store|user|customer|patient|sequence|seq|key|name)($|[_\s-])",
    re.IGNORECASE,
)
# numbers are ids only under an unmistakable name ("sensor_3" may well be a reading)
_NUMERIC_ID_NAME_RE = re.compile(
    r"^(id|ID|Id|.*[_\s-](id|ID)|(id|ID)[_\s-].*|.*[a-z](Id|ID)|series|unit|entity|subject|sequence|"
    r"seq|group|run)$"
)
_LABEL_NAME_RE = re.compile(r"^(label|labels|class|classes|target|y|category|cls)$", re.IGNORECASE)
_UNNAMED_RE = re.compile(r"^(Unnamed: \d+|)$")
_DATE_FORMATS = (
    "ISO8601", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M", "%d.%m.%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%H:%M:%S", "%H:%M", "%H:%M:%S.%f",
)


class DataError(ValueError):
    """A problem with the user's data; the message says what is wrong and what to do."""


# --------------------------------------------------------------------------------------------------
# Public dataclasses
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataConfig:
    """How to read a CSV into sequences. Every field has a default; invalid values raise DataError."""

    layout: str = "auto"  # "auto" | "time_rows" | "sequence_rows" | "long"
    seq_len: int = 24  # steps per training window (T)
    stride: int = 1  # steps between the starts of consecutive windows
    features: tuple[str, ...] | None = None  # None = all numeric columns
    time_column: str | None = None  # None = auto-detect a date/time column
    id_column: str | None = None  # long layout; None = auto-detect
    label_column: str | None = None  # sequence_rows layout; None = auto-detect
    missing: str = "interpolate"  # "interpolate" | "drop" | "zero" | "refuse"
    max_missing_fraction: float = 0.5  # a column emptier than this is left out (or refused)
    max_bytes: int = 50 * 2**20  # larger files are refused before parsing

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise DataError(f"Unknown layout '{self.layout}'; use one of: {', '.join(LAYOUTS)}.")
        for name in ("seq_len", "stride", "max_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise DataError(f"{name} must be a positive whole number; got {value!r}.")
        if self.missing not in MISSING_POLICIES:
            raise DataError(
                f"Unknown missing-value policy '{self.missing}'; use one of: "
                f"{', '.join(MISSING_POLICIES)}."
            )
        fraction = self.max_missing_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 <= fraction <= 1.0:
            raise DataError(
                f"max_missing_fraction must be between 0 and 1; got {self.max_missing_fraction!r}."
            )
        if self.features is not None:
            if isinstance(self.features, str):
                object.__setattr__(self, "features", (self.features,))
            else:
                object.__setattr__(self, "features", tuple(str(f) for f in self.features))
            if not self.features:
                raise DataError("features is empty; choose at least one column or pass None for all.")


@dataclass
class MinMaxScaler:
    """Per-feature min-max scaling to [0, 1] with an exact inverse.

    A constant feature maps to 0.5 and its inverse gives the constant back (never NaN).
    """

    data_min: np.ndarray  # (F,) float64 minimum of each feature
    data_max: np.ndarray  # (F,) float64 maximum of each feature

    @classmethod
    def fit(cls, x: np.ndarray) -> MinMaxScaler:
        """Learn per-feature minimum and maximum.

        Args:
            x: array of shape (..., F) with finite values.

        Returns:
            A fitted scaler.

        Raises:
            DataError: if x is empty or holds NaN or infinite values.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 0 or x.shape[-1] == 0 or x.size == 0:
            raise DataError("Cannot fit the scaler on empty data; provide at least one value.")
        flat = x.reshape(-1, x.shape[-1])  # (rows, F)
        if not np.isfinite(flat).all():
            raise DataError("Cannot fit the scaler: the data contains NaN or infinite values.")
        return cls(data_min=flat.min(axis=0), data_max=flat.max(axis=0))

    def _range(self) -> tuple[np.ndarray, np.ndarray]:
        span = np.asarray(self.data_max, np.float64) - np.asarray(self.data_min, np.float64)
        constant = span == 0
        return np.where(constant, 1.0, span), constant

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Scale data to [0, 1] per feature.

        Args:
            x: values in data units, shape (..., F).

        Returns:
            float64 array of the same shape; constant features become 0.5.
        """
        span, constant = self._range()
        out = (np.asarray(x, dtype=np.float64) - self.data_min) / span
        return np.where(constant, 0.5, out)

    def inverse_transform(self, x: np.ndarray) -> np.ndarray:
        """Map scaled values back to data units.

        Args:
            x: scaled values, shape (..., F).

        Returns:
            float64 array of the same shape; constant features give back their constant.
        """
        span, constant = self._range()
        out = np.asarray(x, dtype=np.float64) * span + self.data_min
        # a constant column has span 1 above; any scaled value maps back to the constant
        return np.where(constant, np.asarray(self.data_min, np.float64), out)

    def to_dict(self) -> dict[str, list[float]]:
        """The scaler as plain lists of floats.

        Returns:
            {"data_min": [...], "data_max": [...]}, safe for JSON and `torch.load(weights_only=True)`.
        """
        return {
            "data_min": [float(v) for v in np.asarray(self.data_min).ravel()],
            "data_max": [float(v) for v in np.asarray(self.data_max).ravel()],
        }

    @classmethod
    def from_dict(cls, d: dict) -> MinMaxScaler:
        """Rebuild a scaler saved with `to_dict`.

        Args:
            d: a dict with "data_min" and "data_max" lists.

        Returns:
            The scaler.
        """
        return cls(
            data_min=np.asarray(d["data_min"], dtype=np.float64),
            data_max=np.asarray(d["data_max"], dtype=np.float64),
        )


@dataclass
class LoadReport:
    """What the loader found and did, shown to the user beside the data."""

    source_name: str = ""  # file name or dataset name
    layout: str = ""  # "time_rows" | "sequence_rows" | "long"
    layout_reason: str = ""  # why this layout was chosen, in words
    encoding: str = ""  # "utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16" ("" for arrays)
    delimiter: str = ""  # ",", ";", "\t", "|" or "whitespace"
    decimal: str = ""  # "." or ","
    n_rows: int = 0  # data rows in the file (header excluded)
    n_columns: int = 0  # columns in the file
    feature_names: list[str] = field(default_factory=list)  # the modelled features, in order
    dropped_columns: dict[str, str] = field(default_factory=dict)  # column -> why it was left out
    time_column: str | None = None  # column used as the time axis, if any
    id_column: str | None = None  # column grouping rows into sequences (long layout)
    label_column: str | None = None  # per-sequence label column (sequence_rows layout)
    missing_policy: str = "interpolate"  # policy applied to missing cells
    missing_filled: int = 0  # cells filled by the policy
    rows_dropped: int = 0  # rows removed by the "drop" policy
    short_sequences: int = 0  # sequences shorter than seq_len, left out
    notes: list[str] = field(default_factory=list)  # anything else worth telling the user

    def lines(self) -> list[str]:
        """A short human-readable summary.

        Returns:
            One fact per line: layout and why, how the file was read, features, columns left out,
            missing values, then the notes.
        """
        delim = {"\t": "tab", " ": "space"}.get(self.delimiter, self.delimiter)
        out = [f"Layout: {self.layout} ({self.layout_reason})"]
        if self.encoding:
            out.append(
                f"Read {self.n_rows:,} rows x {self.n_columns:,} columns "
                f"(encoding {self.encoding}, delimiter '{delim}', decimal '{self.decimal}')"
            )
        shown = ", ".join(self.feature_names[:12]) + (" ..." if len(self.feature_names) > 12 else "")
        out.append(f"Features ({len(self.feature_names)}): {shown}")
        for label, col in (("Time", self.time_column), ("Id", self.id_column),
                           ("Label", self.label_column)):
            if col is not None:
                out.append(f"{label} column: {col}")
        for name, reason in list(self.dropped_columns.items())[:20]:
            out.append(f"Left out '{name}': {reason}")
        if len(self.dropped_columns) > 20:
            out.append(f"... and {len(self.dropped_columns) - 20} more columns left out")
        out.append(
            f"Missing values ({self.missing_policy}): {self.missing_filled:,} filled, "
            f"{self.rows_dropped:,} rows dropped"
        )
        if self.short_sequences:
            out.append(f"Sequences shorter than seq_len left out: {self.short_sequences:,}")
        out.extend(self.notes)
        return out


@dataclass
class SequenceData:
    """Windows ready for training plus everything needed to map them back to the file's units."""

    windows: np.ndarray  # (N, T, F) float32 scaled to [0,1]; may be a read-only strided view
    feature_names: list[str]  # F names, in the file's own words
    scaler: MinMaxScaler  # maps windows back to data units
    report: LoadReport  # what was read and how
    frame: pd.DataFrame | None  # the parsed table (for previews), None for built-ins made from arrays
    name: str  # short name shown in the UI and stored in checkpoints

    @property
    def n_sequences(self) -> int:
        """Number of windows N."""
        return int(self.windows.shape[0])

    @property
    def seq_len(self) -> int:
        """Steps per window T."""
        return int(self.windows.shape[1])

    @property
    def n_features(self) -> int:
        """Features per step F."""
        return int(self.windows.shape[2])

    def real_units(self, n: int | None = None) -> np.ndarray:
        """Windows in the data's own units.

        Args:
            n: how many windows from the start; None for all.

        Returns:
            float64 array (n, T, F).
        """
        return self.scaler.inverse_transform(self.windows[:n])

    def to_dict_info(self) -> dict:
        """A small JSON-able description stored in checkpoints.

        Returns:
            {"name", "seq_len", "features", "layout"}.
        """
        return {
            "name": self.name,
            "seq_len": self.seq_len,
            "features": list(self.feature_names),
            "layout": self.report.layout,
        }


# --------------------------------------------------------------------------------------------------
# Windows and arrays
# --------------------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    """'1 row', '2 rows', '1,000 rows'."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def sliding_windows(series: np.ndarray, seq_len: int, stride: int = 1) -> np.ndarray:
    """Overlapping windows of one long series, without copying.

    Args:
        series: array (T, F).
        seq_len: window length.
        stride: steps between window starts.

    Returns:
        A read-only view (N, seq_len, F) with N = (T - seq_len) // stride + 1.

    Raises:
        DataError: if the series is shorter than seq_len or the arguments are invalid.
    """
    series = np.asarray(series)
    if series.ndim != 2:
        raise DataError(f"Expected a (T, F) array for windowing; got shape {series.shape}.")
    if seq_len < 1 or stride < 1:
        raise DataError(f"seq_len and stride must be positive; got {seq_len} and {stride}.")
    n_steps = series.shape[0]
    if n_steps < seq_len:
        raise DataError(
            f"The data has {_plural(n_steps, 'row')} but seq_len is {seq_len}; "
            f"lower seq_len to {n_steps} or less."
        )
    view = sliding_window_view(series, seq_len, axis=0)  # (T - seq_len + 1, F, seq_len)
    return view[::stride].transpose(0, 2, 1)  # (N, seq_len, F), still a view


def _group_windows(scaled: np.ndarray, starts: np.ndarray, lengths: np.ndarray, seq_len: int,
                   stride: int) -> np.ndarray:
    """Windows inside each group [start, start + length) of a (n, F) array; one copy, no loop."""
    counts = np.where(lengths >= seq_len, (lengths - seq_len) // stride + 1, 0)
    total = int(counts.sum())
    first = np.repeat(starts, counts)  # group start of each window
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)  # index within group
    window_starts = first + offset * stride
    view = sliding_window_view(scaled, seq_len, axis=0)  # (n - seq_len + 1, F, seq_len)
    return view[window_starts].transpose(0, 2, 1)  # (N, seq_len, F), one copy


def _scale(values: np.ndarray) -> tuple[MinMaxScaler, np.ndarray]:
    """Fit a scaler on (n, F) values and return it with the float32 scaled copy in [0, 1]."""
    scaler = MinMaxScaler.fit(values)
    scaled = np.clip(scaler.transform(values), 0.0, 1.0).astype(np.float32)
    return scaler, scaled


def from_array(x: np.ndarray, feature_names, config: DataConfig = DataConfig(),
               name: str = "array", report_notes=()) -> SequenceData:
    """Build SequenceData from numbers already in memory.

    Args:
        x: (T, F) one long series, windowed with config.seq_len and config.stride, or (N, T, F)
            ready sequences (used as they are when T == seq_len, windowed when longer).
        feature_names: F column names.
        config: seq_len and stride are used.
        name: short name for the data.
        report_notes: extra lines for the report.

    Returns:
        SequenceData with frame None.

    Raises:
        DataError: on a wrong shape, non-finite values, mismatched names or too short sequences.
    """
    x = np.asarray(x, dtype=np.float64)
    names = [str(n) for n in feature_names]
    if x.ndim not in (2, 3) or x.size == 0:
        raise DataError(f"Expected a non-empty (T, F) or (N, T, F) array; got shape {x.shape}.")
    if len(names) != x.shape[-1]:
        raise DataError(f"Got {len(names)} feature names for {x.shape[-1]} features; pass one per feature.")
    if not np.isfinite(x).all():
        raise DataError("The array contains NaN or infinite values; replace them before loading.")
    seq_len, stride = config.seq_len, config.stride
    if x.ndim == 2:
        scaler, scaled = _scale(x)
        windows = sliding_windows(scaled, seq_len, stride)
        layout, reason, n_rows = "time_rows", "one long series given as an array", x.shape[0]
    else:
        n_seq, steps, n_feat = x.shape
        if steps < seq_len:
            raise DataError(
                f"The sequences have {steps} steps but seq_len is {seq_len}; "
                f"lower seq_len to {steps} or less."
            )
        scaler, scaled = _scale(x.reshape(-1, n_feat))
        if steps == seq_len:
            windows = scaled.reshape(n_seq, steps, n_feat)
        else:
            starts = np.arange(n_seq) * steps
            windows = _group_windows(scaled, starts, np.full(n_seq, steps), seq_len, stride)
        layout, reason, n_rows = "long", f"{n_seq:,} sequences of {steps} steps given as an array", n_seq * steps
    report = LoadReport(
        source_name=name, layout=layout, layout_reason=reason, n_rows=int(n_rows),
        n_columns=len(names), feature_names=names, missing_policy=config.missing,
        notes=[str(n) for n in report_notes],
    )
    return SequenceData(windows=windows, feature_names=names, scaler=scaler, report=report,
                        frame=None, name=name)


# --------------------------------------------------------------------------------------------------
# Bytes -> text
# --------------------------------------------------------------------------------------------------


def _fmt_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 2**20:
        return f"{n / 1024:.1f} KB"
    return f"{n / 2**20:.1f} MB"


def _read_source(source, max_bytes: int) -> tuple[bytes, str]:
    """Return the raw bytes and a display name; refuse missing or oversized files."""
    limit = _fmt_size(max_bytes)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = "data"
    elif isinstance(source, str) and "\n" in source:
        raise DataError("Got CSV text where a path was expected; pass the text as bytes (text.encode()).")
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = path.name
        try:
            size = path.stat().st_size
        except (OSError, ValueError):
            raise DataError(f"File not found: '{source}'; check the path.") from None
        if path.is_dir():
            raise DataError(f"'{source}' is a folder, not a file; choose a CSV file.")
        if size > max_bytes:
            raise DataError(
                f"The file is {_fmt_size(size)}, over the {limit} limit; "
                "upload a smaller file or raise max_bytes."
            )
        try:
            data = path.read_bytes()
        except OSError as e:
            raise DataError(f"Could not read '{source}' ({e.strerror}); check the path and permissions.") from e
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = Path(str(getattr(source, "name", "data"))).name
    else:
        raise DataError(f"Cannot read a {type(source).__name__}; pass the file's bytes or its path.")
    if len(data) > max_bytes:
        raise DataError(
            f"The file is {_fmt_size(len(data))}, over the {limit} limit; "
            "upload a smaller file or raise max_bytes."
        )
    return data, name


def _decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name). Rejects binary files with a specific message."""
    if not data or data.isspace():
        raise DataError("The file is empty; upload a CSV file with a header row and rows of numbers.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DataError(
            "This looks like an Excel workbook, not a CSV file; open it in Excel and save it as CSV."
        )
    if data.startswith(b"\x1f\x8b"):
        raise DataError("This file is gzip-compressed; decompress it and upload the CSV inside.")
    head = data[:_SNIFF_CHARS]
    encoding = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            encoding = "utf-16-le"
        elif even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            encoding = "utf-16-be"
        else:
            raise DataError("This file is not text (it contains binary data); upload a CSV text file.")
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise DataError(
                "The file's text encoding could not be read; save it as UTF-8 CSV and upload it again."
            ) from None
        text = text.lstrip("\ufeff")
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise DataError(
                "The file's text encoding could not be read; save it as UTF-8 CSV and upload it again."
            ) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # Latin-1 and cp1252 agree except on bytes 0x80-0x9F (cp1252 has printable signs there)
            if re.search(rb"[\x80-\x9f]", data) is None:
                text, encoding = data.decode("latin-1"), "latin-1"
            else:
                try:
                    text, encoding = data.decode("cp1252"), "cp1252"
                except UnicodeDecodeError:
                    text, encoding = data.decode("latin-1"), "latin-1"
    sample = text[:_SNIFF_CHARS]
    controls = len(re.findall(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]", sample))
    if controls > max(2, 0.01 * len(sample)) or "\x00" in text:
        raise DataError("This file is not text (it contains binary data); upload a CSV text file.")
    if not text or text.isspace():
        raise DataError("The file is empty; upload a CSV file with a header row and rows of numbers.")
    return text, encoding


# --------------------------------------------------------------------------------------------------
# Text -> dialect -> DataFrame
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dialect:
    delimiter: str  # ",", ";", "\t", "|" or " " (any run of whitespace)
    decimal: str  # "." or ","


def _count_outside_quotes(line: str, delim: str) -> int:
    line = re.sub(r'"[^"]*"', "", line)
    if delim == " ":
        return len(line.split()) - 1
    return line.count(delim)


def _sniff(lines: list[str]) -> _Dialect:
    """Pick the delimiter whose count per line is most consistent, then the decimal mark."""
    best, best_score = ",", (-1.0, 0)
    # order breaks ties: a file consistent in both ';' and ',' uses ',' as decimal mark
    for delim in ("\t", ";", "|", ",", " "):
        counts = [_count_outside_quotes(line, delim) for line in lines]
        values, freq = np.unique(counts, return_counts=True)
        mode = int(values[np.argmax(freq)])
        if mode <= 0:
            continue
        consistency = float(np.mean([c == mode for c in counts]))
        if delim == " ":
            consistency -= 0.05  # whitespace only wins when nothing else fits
        if consistency > best_score[0] + 1e-9:
            best, best_score = delim, (consistency, mode)
    decimal = "."
    if best != ",":
        tokens = []
        for line in lines[:_SNIFF_LINES]:
            tokens.extend(t.strip().strip('"') for t in (line.split() if best == " " else line.split(best)))
        comma = sum(bool(re.fullmatch(r"[+-]?\d+,\d+([eE][+-]?\d+)?|[+-]?\d{1,3}(\.\d{3})+,\d+", t)) for t in tokens)
        dot = sum(bool(re.fullmatch(r"[+-]?\d*\.\d+([eE][+-]?\d+)?|[+-]?\d{1,3}(,\d{3})+\.\d+", t)) for t in tokens)
        if comma > dot:
            decimal = ","
    return _Dialect(best, decimal)


def _sample_lines(text: str) -> tuple[list[str], list[int]]:
    """Up to _SNIFF_LINES complete non-blank lines from the start (at least two, however long),
    with their 1-based line numbers."""
    lines: list[str] = []
    numbers: list[int] = []
    end, number = 0, 0
    while (end < len(text) and len(lines) < _SNIFF_LINES and number < 10 * _SNIFF_LINES
           and (end < _SNIFF_CHARS or len(lines) < 2)):
        stop = text.find("\n", end)
        stop = len(text) if stop == -1 else stop
        number += 1
        if text[end:stop].strip():
            lines.append(text[end:stop])
            numbers.append(number)
        end = stop + 1
    return lines, numbers


def _records(text: str, lines: list[str], numbers: list[int], delim: str) -> list[tuple[int, list[str]]]:
    """The sampled records as (line number where the record ends, fields), quote-aware like pandas
    (a quoted field may span lines). Blank lines are left out, as pandas skips them."""
    if delim == " ":
        return [(n, ln.split()) for n, ln in zip(numbers, lines)]
    end = 0
    for _ in range(numbers[-1]):
        end = text.find("\n", end) + 1 or len(text)
    reader = csv.reader(io.StringIO(text[:end]), delimiter=delim, skipinitialspace=True)
    out = []
    try:
        for fields in reader:
            if len(fields) > 1 or (fields and fields[0].strip()):
                out.append((reader.line_num, fields))
    except csv.Error:  # e.g. a field over csv's size limit: fall back to plain splitting
        return [(n, ln.split(delim)) for n, ln in zip(numbers, lines)]
    if end < len(text) and len(out) > 2:
        out = out[:-1]  # the last record may continue past the sample
    return out or [(numbers[0], lines[0].split(delim))]


def _cell_kind(cell: str) -> str:
    """'empty', 'data' (number, date, missing marker) or 'text'."""
    s = cell.strip().strip('"').strip()
    if s.lower() in _NA_TOKENS:
        return "empty"
    if _NUMBER_RE.match(s) or _DATE_RE.match(s):
        return "data"
    return "text"


def _consecutive_ints(fields: list[str]) -> bool:
    nums = [f.strip() for f in fields if f.strip()]
    if len(nums) < 3 or not all(re.fullmatch(r"\d+", n) for n in nums):
        return False
    ints = [int(n) for n in nums]
    return all(b - a == 1 for a, b in itertools.pairwise(ints))


def _has_header(first: list[str], second: list[str] | None) -> bool:
    kinds = [_cell_kind(f) for f in first]
    if "text" not in kinds:
        # all numbers: a header only when it is 0..n or 1..n column numbers above real data
        return _consecutive_ints(first) and not (second is not None and _consecutive_ints(second))
    if second is None or all(k != "data" for k in kinds):
        return True
    kinds2 = [_cell_kind(f) for f in second]
    return any(k1 == "text" and k2 == "data" for k1, k2 in zip(kinds, kinds2))


def _fields_error(line: int, saw: int, expected: int) -> DataError:
    return DataError(
        f"Line {line} has {saw} fields but the file has {expected} columns; "
        "fix that row or check the delimiter."
    )


def _parser_error(e: Exception, line_offset: int) -> DataError:
    msg = str(e)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        return _fields_error(int(m.group(2)) + line_offset, int(m.group(3)), int(m.group(1)))
    if "EOF inside string" in msg or "EOF while" in msg:
        return DataError("A quoted field is never closed; check the quotation marks in the file.")
    return DataError(
        "Could not parse the file as CSV; check that it is comma, semicolon or tab separated."
    )


@dataclass
class _Table:
    """The typed table before the layout is applied."""

    frame: pd.DataFrame  # columns named as in the file (deduplicated), typed
    numeric: list[str]  # numeric columns (float64)
    dates: list[str]  # columns parsed as datetimes
    text: list[str]  # other columns
    dropped: dict[str, str]  # column -> reason
    notes: list[str]
    has_header: bool
    n_rows: int
    n_columns: int


def _unique_names(raw: list[str], notes: list[str]) -> tuple[list[str], set[str]]:
    """Strip names, name blanks 'column_<k>', rename duplicates 'x_2'; return names + unnamed set."""
    names, unnamed, seen = [], set(), set()
    for k, name in enumerate(raw, start=1):
        name = str(name).strip()
        blank = bool(_UNNAMED_RE.match(name))
        if name == "":
            name = f"column_{k}"
        base, n = name, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        if name != base and not blank:
            notes.append(f"Duplicate column name '{base}' renamed to '{name}'.")
        seen.add(name)
        names.append(name)
        if blank:
            unnamed.add(name)
    return names, unnamed


def _read_numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Cleaned cell text -> float64 (NaN where unreadable), one number style for the whole column."""
    plain = pd.to_numeric(text, errors="coerce")
    eu = pd.to_numeric(
        text.where(text.str.match(_EU_NUMBER_RE)).str.replace(".", "", regex=False)
        .str.replace(",", ".", regex=False), errors="coerce")
    us = pd.to_numeric(
        text.where(text.str.match(_US_NUMBER_RE)).str.replace(",", "", regex=False), errors="coerce")
    # the style that reads the most cells wins, ties go to the file's decimal mark
    eu_first, us_first = eu.fillna(plain), us.fillna(plain)
    n_eu, n_us = int(eu_first.notna().sum()), int(us_first.notna().sum())
    return eu_first if (n_eu > n_us or (n_eu == n_us and decimal == ",")) else us_first


def _clean_cells(col: pd.Series) -> pd.Series:
    text = col.astype(str).str.strip().str.strip('"').str.strip()
    return text.str.replace(r"[\s\u00a0\u202f']", "", regex=True)  # spaces as thousands separators


def _parse_numbers(col: pd.Series, decimal: str) -> tuple[pd.Series, int] | None:
    """Text column -> float64 with quotes, spaces, thousands separators and decimal commas handled.

    Returns (values, cells made missing) when at least 90% of the filled cells are numbers, else None.
    """
    filled = col.notna()
    n_filled = int(filled.sum())
    if n_filled == 0:
        return None
    cells = col[filled]
    if n_filled > 1000:  # decide on a sample first: most text columns are rejected cheaply
        sample = _clean_cells(cells.iloc[:1000])
        markers = int(sample.str.lower().isin(_NA_TOKENS).sum())
        if int(_read_numbers(sample, decimal).notna().sum()) < _NUMERIC_SHARE * (len(sample) - markers):
            return None
    text = _clean_cells(cells)
    markers = int(text.str.lower().isin(_NA_TOKENS).sum())
    if markers == n_filled:
        return None
    best = _read_numbers(text, decimal)
    n_ok = int(best.notna().sum())
    if n_ok == 0 or n_ok < _NUMERIC_SHARE * (n_filled - markers):
        return None
    out = pd.Series(np.nan, index=col.index, dtype=np.float64)
    out[filled] = best.to_numpy(dtype=np.float64)
    return out, n_filled - markers - n_ok


def _parse_dates(col: pd.Series) -> pd.Series | None:
    """Text column -> datetimes when at least 90% of the filled cells read as one date format."""
    filled = col.dropna()
    if filled.empty:
        return None
    sample = filled.iloc[:200].astype(str).str.strip()
    if not sample.str.contains(r"\d").all() or not sample.str.contains(r"[-/.:\s]").all():
        return None
    formats = list(_DATE_FORMATS)
    if len(filled) <= _MIXED_DATES_MAX_ROWS:
        formats.append("mixed")
    best_fmt, best_share = None, 0.0
    for fmt in formats:
        try:
            share = float(pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean())
        except (ValueError, TypeError, OverflowError):
            continue
        if share > best_share + 1e-9:
            best_fmt, best_share = fmt, share
        if share == 1.0:
            break
    if best_fmt is None or best_share < _NUMERIC_SHARE:
        return None
    try:
        parsed = pd.to_datetime(col, format=best_fmt, errors="coerce")
        if parsed.notna().sum() < _NUMERIC_SHARE * len(filled):  # maybe padded with spaces
            parsed = pd.to_datetime(col.astype(str).str.strip().where(col.notna()), format=best_fmt,
                                    errors="coerce")
    except (ValueError, TypeError, OverflowError):
        return None
    if parsed.notna().sum() < _NUMERIC_SHARE * len(filled):
        return None
    return parsed


def _parse_frame(text: str) -> tuple[pd.DataFrame, _Dialect, bool, set[str], list[str], int]:
    """CSV text -> untyped DataFrame via the pandas C engine.

    Returns (frame with unique column names, dialect, has_header, unnamed columns, notes, columns).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lead = re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*", text)  # blank lines and '# comment' lines on top
    skipped_lines = text[: lead.end()].count("\n")
    text = text[lead.end():]
    notes: list[str] = []
    n_comments = len(re.findall(r"(?m)^[ \t]*#", lead.group(0)))
    if n_comments:
        notes.append(f"Skipped {_plural(n_comments, 'comment line')} at the top of the file.")
    lines, line_numbers = _sample_lines(text)
    if not lines:
        raise DataError("The file only has comment lines ('#'); add a header row and rows of numbers.")
    dialect = _sniff(lines)
    n_first = _count_outside_quotes(lines[0], dialect.delimiter) + 1
    if n_first > MAX_COLUMNS:  # refuse before splitting an absurd line into fields
        raise _too_wide(n_first)
    records = _records(text, lines, line_numbers, dialect.delimiter)
    header_end, first = records[0]
    second = records[1][1] if len(records) > 1 else None
    has_header = _has_header(first, second)
    # the header may name fewer columns than the rows hold (e.g. a nameless index); a single
    # longer row is an error, not a reason to add a column
    counts = [len(fields) for _, fields in records[1:]] or [len(first)]
    values, freq = np.unique(counts, return_counts=True)
    n_fields = max(len(first), int(values[np.argmax(freq)]))
    for count, (number, _) in zip(counts, records[1:]):
        if count > n_fields:
            raise _fields_error(number + skipped_lines, count, n_fields)
    if n_fields > MAX_COLUMNS:
        raise _too_wide(n_fields)
    if has_header:
        raw_names = list(first) + [""] * (n_fields - len(first))
    else:
        raw_names = [f"column_{k}" for k in range(1, n_fields + 1)]
    names, unnamed = _unique_names(raw_names, notes)
    body = text
    if has_header:
        end = 0
        for _ in range(header_end):
            end = text.find("\n", end) + 1 or len(text)
        body = text[end:]
    if has_header and (not body or body.isspace()):
        raise DataError("The file has a header but no data rows; add rows of numbers below the header.")
    sep = r"\s+" if dialect.delimiter == " " else dialect.delimiter
    try:
        df = pd.read_csv(
            io.BytesIO(body.encode("utf-8")), sep=sep, header=None, names=list(range(n_fields)),
            engine="c", encoding="utf-8", decimal=dialect.decimal, na_values=_EXTRA_NA, keep_default_na=True,
            skipinitialspace=True, low_memory=False, skip_blank_lines=True, quotechar='"',
        )
    except pd.errors.EmptyDataError:
        raise DataError("The file has a header but no data rows; add rows of numbers below the header.") from None
    except pd.errors.ParserError as e:
        raise _parser_error(e, skipped_lines + int(has_header)) from e
    if not df.index.equals(pd.RangeIndex(len(df))):  # pandas made an index of surplus fields
        raise DataError(
            f"The first data row has more fields than the file has columns ({n_fields}); "
            "fix that row or check the delimiter."
        )
    df.columns = names
    filled_rows = np.flatnonzero(df.notna().any(axis=1).to_numpy())
    if len(filled_rows) == 0:
        raise DataError("The file has no values, only empty cells; upload a CSV with rows of numbers.")
    first_row, last_row = int(filled_rows[0]), int(filled_rows[-1])
    if first_row > 0 or last_row < len(df) - 1:
        # empty rows around the data are export leftovers; empty rows inside are missing time steps
        n_empty = len(df) - (last_row - first_row + 1)
        df = df.iloc[first_row:last_row + 1].reset_index(drop=True)
        notes.append(f"Skipped {_plural(n_empty, 'empty row')} before or after the data.")
    return df, dialect, has_header, unnamed, notes, n_fields


def _too_wide(n_columns: int) -> DataError:
    return DataError(
        f"The file has {n_columns:,} columns, more than the {MAX_COLUMNS:,} supported; "
        "keep only the columns you need."
    )


def _read_table(text: str) -> tuple[_Table, _Dialect]:
    """Parse CSV text and sort its columns into numeric, dates and text."""
    df, dialect, has_header, unnamed, notes, n_fields = _parse_frame(text)
    n_rows = len(df)
    numeric, dates, text_cols, dropped = [], [], [], {}
    converted: dict[str, pd.Series] = {}
    for name in df.columns:
        col = df[name]
        if col.isna().all():
            dropped[name] = "empty column"
            continue
        if pd.api.types.is_bool_dtype(col):
            converted[name] = col.astype(np.float64)
            numeric.append(name)
            notes.append(f"Column '{name}' holds true/false values, read as 1/0.")
        elif pd.api.types.is_numeric_dtype(col):
            if col.dtype != np.float64:
                converted[name] = col.astype(np.float64)
            numeric.append(name)
        else:
            parsed = _parse_numbers(col, dialect.decimal)
            if parsed is not None:
                converted[name], n_bad = parsed
                numeric.append(name)
                if n_bad:
                    notes.append(f"Column '{name}': {n_bad:,} non-numeric cells treated as missing.")
                continue
            as_dates = _parse_dates(col)
            if as_dates is not None:
                converted[name] = as_dates
                dates.append(name)
            else:
                text_cols.append(name)
    if converted:
        df = _replace_columns(df, converted)
    for name in list(numeric):
        if name not in unnamed and name.lower() != "index":
            continue
        values = df[name].to_numpy()
        if np.array_equal(values, np.arange(n_rows)) or np.array_equal(values, np.arange(1, n_rows + 1)):
            numeric.remove(name)
            dropped[name] = "unnamed index column" if name in unnamed else "row index column"
    table = _Table(frame=df, numeric=numeric, dates=dates, text=text_cols, dropped=dropped, notes=notes,
                   has_header=has_header, n_rows=n_rows, n_columns=n_fields)
    return table, dialect


def _replace_columns(df: pd.DataFrame, converted: dict[str, pd.Series]) -> pd.DataFrame:
    out = {name: converted.get(name, df[name]) for name in df.columns}
    return pd.DataFrame(out, index=df.index)


# --------------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    layout: str
    reason: str
    time_column: str | None = None
    id_column: str | None = None
    label_column: str | None = None
    value_columns: list[str] = field(default_factory=list)  # sequence_rows: the time-step columns


def _names_list(names, limit: int = 10) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" (and {len(names) - limit:,} more)" if len(names) > limit else "")


def _require_column(table: _Table, name: str) -> None:
    if name not in table.frame.columns:
        raise DataError(f"Column '{name}' not found; the columns are: {_names_list(table.frame.columns)}.")


def _is_increasing_numeric(values: np.ndarray) -> bool:
    return bool(len(values) > 1 and np.isfinite(values).all() and (np.diff(values) > 0).all())


def _find_time_column(table: _Table, exclude: set[str], must_increase: bool = True) -> str | None:
    """A parsed date/time column, else a numeric column named like time (increasing, if asked)."""
    for name in table.dates:
        if name not in exclude:
            return name
    for name in table.numeric:
        if name in exclude or not _TIME_NAME_RE.match(name.strip()):
            continue
        values = table.frame[name].to_numpy()
        if _is_increasing_numeric(values) if must_increase else not np.isnan(values).any():
            return name
    return None


def _find_id_column(table: _Table) -> tuple[str, int] | None:
    n = table.n_rows
    candidates = []
    for name in table.text + table.numeric:
        col = table.frame[name]
        if name in table.numeric:
            named = bool(_NUMERIC_ID_NAME_RE.match(name.strip()))
            values = col.to_numpy()
            if not named or np.isnan(values).any() or not np.array_equal(values, np.round(values)):
                continue
        else:
            named = bool(_ID_NAME_RE.search(name))
        n_unique = int(col.nunique(dropna=True))
        if not 2 <= n_unique <= n // 2:
            continue
        codes = pd.factorize(col)[0]
        blocked = int((np.diff(codes) != 0).sum()) + 1 == n_unique  # each id in one run of rows
        if named or blocked:
            candidates.append((0 if named else 1, name, n_unique))
    if not candidates:
        return None
    _, name, n_unique = min(candidates, key=lambda c: c[0])
    return name, n_unique


def _find_label_column(table: _Table) -> str | None:
    for name in table.numeric + table.text:
        if _LABEL_NAME_RE.match(name.strip()):
            return name
    if table.text:
        return table.text[0]
    if table.numeric:
        first = table.frame[table.numeric[0]].to_numpy()
        rest = table.frame[table.numeric[1:6]].to_numpy() if len(table.numeric) > 1 else np.zeros((0, 0))
        few = len(np.unique(first[~np.isnan(first)])) <= max(2, min(100, len(first) // 2))
        integer = np.array_equal(first[~np.isnan(first)], np.round(first[~np.isnan(first)]))
        rest_float = rest.size > 0 and not np.array_equal(rest[~np.isnan(rest)], np.round(rest[~np.isnan(rest)]))
        if few and integer and rest_float and not table.has_header:
            return table.numeric[0]
    return None


def _step_names(names: list[str]) -> str | None:
    """'t1..t140' when the names are a time-step prefix plus consecutive integers, else None.

    Only step-like prefixes count ('', 't', 'step', 'time', ...): 'sensor 1..sensor 500' are features.
    """
    if len(names) < 8:
        return None
    parts = [re.fullmatch(r"(.*?)(\d+)", n) for n in names]
    if not all(parts) or len({p.group(1) for p in parts}) != 1:
        return None
    if not re.fullmatch(r"(t|ts|step|steps|time|timestep|time_step|lag|att)?[ _.-]?",
                        parts[0].group(1), re.IGNORECASE):
        return None
    ints = np.array([int(p.group(2)) for p in parts])
    if not (np.diff(ints) == 1).all():
        return None
    return f"{names[0]}..{names[-1]}"


def _detect_layout(table: _Table, config: DataConfig) -> _Layout:
    for col in (config.time_column, config.id_column, config.label_column):
        if col is not None:
            _require_column(table, col)
    if config.layout != "auto":
        return _Layout(config.layout, "chosen in the settings")
    if config.id_column is not None:
        return _Layout("long", f"id column '{config.id_column}' chosen in the settings")
    if config.label_column is not None:
        return _Layout("sequence_rows", f"label column '{config.label_column}' chosen in the settings")
    found = _find_id_column(table)
    if found is not None:
        name, n_ids = found
        return _Layout("long", f"column '{name}' groups the rows into {n_ids:,} sequences", id_column=name)
    if not table.dates:
        label = _find_label_column(table)
        values = [n for n in table.numeric if n != label]
        steps = _step_names(values) if table.has_header else None
        if not table.has_header and len(values) >= 20:
            return _Layout("sequence_rows", f"no header and {len(values):,} numeric columns per row")
        if steps is not None:
            return _Layout("sequence_rows",
                           f"{len(values):,} columns named {steps} hold the time steps of each row")
        if label is not None and _LABEL_NAME_RE.match(label.strip()) and len(values) >= 8:
            return _Layout("sequence_rows", f"a '{label}' column and {len(values):,} numeric columns per row")
    time_col = _find_time_column(table, set())
    if time_col is not None:
        return _Layout("time_rows", f"column '{time_col}' orders the rows in time")
    n = len(table.numeric)
    return _Layout("time_rows", f"{n:,} numeric column{'s' if n != 1 else ''}, one row per time step")


# --------------------------------------------------------------------------------------------------
# Missing values
# --------------------------------------------------------------------------------------------------


def _interpolate(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Linear interpolation along rows within each group, constant at the edges; (n, F) -> (n, F)."""
    nan = np.isnan(values)
    n = values.shape[0]
    position = np.where(nan, np.nan, np.arange(n, dtype=np.float64)[:, None])  # (n, F)
    pos, val = pd.DataFrame(position), pd.DataFrame(values)
    by_pos, by_val = pos.groupby(codes, sort=False), val.groupby(codes, sort=False)
    prev_pos, next_pos = by_pos.ffill().to_numpy(), by_pos.bfill().to_numpy()
    prev_val, next_val = by_val.ffill().to_numpy(), by_val.bfill().to_numpy()
    rows, cols = np.nonzero(nan)
    p0, p1 = prev_pos[rows, cols], next_pos[rows, cols]
    v0, v1 = prev_val[rows, cols], next_val[rows, cols]
    both = ~np.isnan(p0) & ~np.isnan(p1)
    fill = np.where(np.isnan(v0), v1, v0)  # edges: nearest value
    w = (rows[both] - p0[both]) / (p1[both] - p0[both])  # p1 > p0 wherever both exist
    fill[both] = v0[both] + w * (v1[both] - v0[both])
    out = values.copy()
    out[rows, cols] = fill
    return out


@dataclass
class _Series:
    """Feature values sorted into contiguous groups (one group per sequence)."""

    values: np.ndarray  # (n, F) float64
    codes: np.ndarray  # (n,) group number of each row, non-decreasing
    keep_rows: np.ndarray  # (n,) index into the frame rows (for the preview)


def _groups(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(codes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    lengths = np.diff(np.r_[starts, len(codes)])
    return starts, lengths


def _apply_missing(series: _Series, names: list[str], config: DataConfig, report: LoadReport,
                   whole_groups: bool = False) -> _Series:
    """Apply config.missing to the grouped values; counts go into the report."""
    nan = np.isnan(series.values)
    n_missing = int(nan.sum())
    if n_missing == 0:
        return series
    policy = config.missing
    if policy == "refuse":
        j = int(np.flatnonzero(nan.any(axis=0))[0])
        count = int(nan[:, j].sum())
        raise DataError(
            f"Column '{names[j]}' has {count:,} missing value{'s' if count != 1 else ''} and the "
            "missing-value policy is 'refuse'; fill them in or choose another policy."
        )
    if policy == "zero":
        report.missing_filled = n_missing
        return _Series(np.where(nan, 0.0, series.values), series.codes, series.keep_rows)
    if policy == "drop":
        keep = ~nan.any(axis=1)
        if whole_groups:  # sequence_rows: a row of the file is a whole sequence
            bad = np.unique(series.codes[~keep])
            keep = ~np.isin(series.codes, bad)
            report.rows_dropped = len(bad)
        else:
            report.rows_dropped = int((~keep).sum())
        return _Series(series.values[keep], series.codes[keep], series.keep_rows[keep])
    filled = _interpolate(series.values, series.codes)
    still = np.isnan(filled).any(axis=1)
    if still.any():  # a group where some column has no value at all: nothing to interpolate from
        bad_groups = np.unique(series.codes[still])
        keep = ~np.isin(series.codes, bad_groups)
        report.notes.append(
            f"Left out {_plural(len(bad_groups), 'sequence')} where a feature has no values at all."
        )
        report.missing_filled = int((nan & keep[:, None]).sum())
        return _Series(filled[keep], series.codes[keep], series.keep_rows[keep])
    report.missing_filled = n_missing
    return _Series(filled, series.codes, series.keep_rows)


def _check_missing_share(table: _Table, features: list[str], explicit: bool, config: DataConfig,
                         report: LoadReport) -> list[str]:
    """Leave out (or refuse, when chosen explicitly) columns emptier than max_missing_fraction."""
    limit = config.max_missing_fraction
    share = table.frame[features].isna().mean().to_numpy()
    over = share > limit
    if not over.any():
        return features
    if explicit:
        j = int(np.flatnonzero(over)[0])
        raise DataError(
            f"Too many missing values in column '{features[j]}' ({share[j]:.0%} empty, limit "
            f"{limit:.0%}); fill in the gaps or raise max_missing_fraction."
        )
    if over.all():
        raise DataError(
            f"Too many missing values: every numeric column is more than {limit:.0%} empty; "
            "fill in the gaps or raise max_missing_fraction."
        )
    for j in np.flatnonzero(over):
        report.dropped_columns[features[j]] = f"too many missing values ({share[j]:.0%} empty)"
    return [f for f, o in zip(features, over) if not o]


def _check_finite(frame: pd.DataFrame, features: list[str]) -> None:
    values = frame[features].to_numpy(dtype=np.float64)
    inf = np.isinf(values).any(axis=0)
    if inf.any():
        name = features[int(np.flatnonzero(inf)[0])]
        raise DataError(
            f"Column '{name}' contains infinite values; replace them with numbers or leave those "
            "cells empty."
        )


# --------------------------------------------------------------------------------------------------
# Layout -> grouped series
# --------------------------------------------------------------------------------------------------


def _select_features(table: _Table, config: DataConfig, exclude: set[str], report: LoadReport) -> list[str]:
    candidates = [n for n in table.numeric if n not in exclude]
    if config.features is not None:
        for name in config.features:
            _require_column(table, name)
            if name in exclude:
                raise DataError(f"Column '{name}' is used as the time, id or label column; it cannot also be a feature.")
            if name not in table.numeric:
                raise DataError(f"Column '{name}' is not numeric; choose numeric columns as features.")
        for name in candidates:
            if name not in config.features:
                report.dropped_columns[name] = "not selected"
        return list(dict.fromkeys(config.features))
    if not candidates:
        if table.dates and not table.numeric:
            raise DataError(
                f"The file only has dates or times ('{table.dates[0]}') and no numbers; "
                "add at least one numeric column."
            )
        if table.numeric:
            raise DataError(
                f"The only numeric column ('{table.numeric[0]}') is used as the time, id or label "
                "column; add a column of values to model."
            )
        text = [n for n in table.text if n not in exclude]
        hint = f" (text columns: {_names_list(text, 5)})" if text else ""
        raise DataError(
            f"No numeric columns found{hint}; the file needs at least one column of numbers."
        )
    return candidates


def _time_key(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(col):
        return (col - col.min()).dt.total_seconds().to_numpy(dtype=np.float64)
    return col.to_numpy(dtype=np.float64)


def _build_time_rows(table: _Table, lay: _Layout, config: DataConfig, report: LoadReport):
    time_col = config.time_column or _find_time_column(table, set())
    if config.time_column is not None:
        _validate_time_column(table, config.time_column)
    lay.time_column = time_col
    features = _select_features(table, config, {time_col} if time_col else set(), report)
    features = _check_missing_share(table, features, config.features is not None, config, report)
    _check_finite(table.frame, features)
    order = np.arange(table.n_rows)
    if time_col is not None:
        key = _time_key(table.frame[time_col])
        if np.isfinite(key).all() and not (np.diff(key) >= 0).all():
            if (np.diff(key) <= 0).all():
                order = order[::-1].copy()
                report.notes.append(f"Rows were newest first; reversed to oldest first by '{time_col}'.")
            else:
                order = np.argsort(key, kind="stable")
                report.notes.append(f"Rows sorted by '{time_col}'.")
    values = table.frame[features].to_numpy(dtype=np.float64)[order]
    return features, _Series(values, np.zeros(len(order), np.int64), order)


def _validate_time_column(table: _Table, name: str) -> None:
    if name in table.dates or name in table.numeric:
        return
    raise DataError(
        f"Column '{name}' could not be read as dates, times or numbers; choose another time column."
    )


def _build_long(table: _Table, lay: _Layout, config: DataConfig, report: LoadReport):
    id_col = config.id_column or lay.id_column
    if id_col is None:
        found = _find_id_column(table)
        if found is None:
            raise DataError(
                "The long layout needs an id column and none was found; choose one with id_column."
            )
        id_col = found[0]
    lay.id_column = id_col
    if config.time_column is not None:
        _validate_time_column(table, config.time_column)
    time_col = config.time_column or _find_time_column(table, {id_col}, must_increase=False)
    lay.time_column = time_col
    exclude = {id_col} | ({time_col} if time_col else set())
    features = _select_features(table, config, exclude, report)
    features = _check_missing_share(table, features, config.features is not None, config, report)
    _check_finite(table.frame, features)
    ids = table.frame[id_col]
    has_id = ids.notna().to_numpy()
    if not has_id.all():
        report.notes.append(f"Skipped {_plural(int((~has_id).sum()), 'row')} without an id.")
    codes = pd.factorize(ids)[0]
    rows = np.flatnonzero(has_id)
    if time_col is not None:
        key = _time_key(table.frame[time_col])[rows]
        order = rows[np.lexsort((key, codes[rows]))]
    else:
        order = rows[np.argsort(codes[rows], kind="stable")]
    values = table.frame[features].to_numpy(dtype=np.float64)[order]
    return features, _Series(values, codes[order], order)


def _build_sequence_rows(table: _Table, lay: _Layout, config: DataConfig, report: LoadReport):
    label = config.label_column or _find_label_column(table)
    lay.label_column = label
    exclude = {label} if label else set()
    value_cols = _select_features(table, config, exclude, report)
    lay.value_columns = value_cols
    for name in table.dates:
        report.dropped_columns.setdefault(name, "dates or times")
    wide = table.frame[value_cols].to_numpy(dtype=np.float64)  # (N, L): one sequence per row
    inf_rows = np.isinf(wide).any(axis=0)
    if inf_rows.any():
        name = value_cols[int(np.flatnonzero(inf_rows)[0])]
        raise DataError(
            f"Column '{name}' contains infinite values; replace them with numbers or leave those "
            "cells empty."
        )
    present = ~np.isnan(wide)
    # trailing empty cells end a shorter sequence; they are not missing values
    lengths = np.where(present.any(axis=1), wide.shape[1] - np.argmax(present[:, ::-1], axis=1), 0)
    if (lengths == 0).any():
        report.notes.append(f"Skipped {_plural(int((lengths == 0).sum()), 'row')} without values.")
    inside = np.arange(wide.shape[1])[None, :] < lengths[:, None]  # (N, L)
    n_cells = int(inside.sum())
    share = float((inside & ~present).sum()) / max(n_cells, 1)
    if share > config.max_missing_fraction:
        raise DataError(
            f"Too many missing values: {share:.0%} of the cells are empty (limit "
            f"{config.max_missing_fraction:.0%}); fill in the gaps or raise max_missing_fraction."
        )
    if len(set(lengths[lengths > 0].tolist())) > 1:
        report.notes.append("Rows have different lengths; trailing empty cells end a sequence.")
    values = wide[inside][:, None]  # (sum of lengths, 1), row-major keeps each row contiguous
    codes = np.repeat(np.arange(len(wide)), lengths)
    return ["value"], _Series(values, codes, codes)


# --------------------------------------------------------------------------------------------------
# load_csv
# --------------------------------------------------------------------------------------------------


def load_csv(source, config: DataConfig = DataConfig(), name: str | None = None) -> SequenceData:
    """Read a CSV (bytes, a path or a file-like object) into scaled windows.

    Args:
        source: the file's bytes, a path, or an object with `.read()` (e.g. an uploaded file).
        config: layout, window and missing-value settings.
        name: display name; defaults to the file name ("data" for bytes).

    Returns:
        SequenceData with windows (N, seq_len, F) float32 in [0, 1] and a LoadReport.

    Raises:
        DataError: for every problem with the input, with one sentence saying what to do. No other
            exception type escapes for any byte input.
    """
    try:
        return _load_csv(source, config, name)
    except DataError:
        raise
    except MemoryError as e:
        raise DataError("The file is too large to load into memory; upload a smaller file.") from e
    except pd.errors.ParserError as e:
        raise _parser_error(e, 0) from e
    except Exception as e:  # a last line of defence: the UI must get a DataError, never a traceback
        raise DataError(
            f"Could not read the file ({type(e).__name__}); check that it is a valid CSV file."
        ) from e


def _load_csv(source, config: DataConfig, name: str | None) -> SequenceData:
    data, file_name = _read_source(source, config.max_bytes)
    text, encoding = _decode(data)
    del data
    table, dialect = _read_table(text)
    del text
    lay = _detect_layout(table, config)
    report = LoadReport(
        source_name=name or file_name, layout=lay.layout, layout_reason=lay.reason,
        encoding=encoding, delimiter=dialect.delimiter if dialect.delimiter != " " else "whitespace",
        decimal=dialect.decimal, n_rows=table.n_rows, n_columns=table.n_columns,
        dropped_columns=dict(table.dropped), missing_policy=config.missing, notes=list(table.notes),
    )
    build = {"time_rows": _build_time_rows, "long": _build_long, "sequence_rows": _build_sequence_rows}
    features, series = build[lay.layout](table, lay, config, report)
    used = {lay.time_column, lay.id_column, lay.label_column} | set(features)
    for col in table.text + table.dates:
        if col not in used:
            report.dropped_columns.setdefault(col, "dates or times" if col in table.dates else "text values")
    series = _apply_missing(series, features, config, report, whole_groups=lay.layout == "sequence_rows")
    report.time_column, report.id_column, report.label_column = lay.time_column, lay.id_column, lay.label_column
    report.feature_names = list(features)
    starts, lengths = _groups(series.codes)
    seq_len, stride = config.seq_len, config.stride
    if len(series.values) == 0:
        raise DataError(
            "No complete rows remain after removing missing values; choose the 'interpolate' policy."
        )
    if lay.layout == "time_rows":
        scaler, scaled = _scale(series.values)
        windows = sliding_windows(scaled, seq_len, stride)
    else:
        longest = int(lengths.max())
        if longest < seq_len:
            unit = "values" if lay.layout == "sequence_rows" else "rows"
            raise DataError(
                f"No sequence is long enough: the longest has {longest:,} {unit} but seq_len is "
                f"{seq_len}; lower seq_len to {longest} or less."
            )
        report.short_sequences = int((lengths < seq_len).sum())
        if report.short_sequences:
            report.notes.append(
                f"Left out {_plural(report.short_sequences, 'sequence')} shorter than seq_len {seq_len}."
            )
        scaler, scaled = _scale(series.values)
        windows = _group_windows(scaled, starts, lengths, seq_len, stride)
    frame = _preview_frame(table, lay, features, series)
    return SequenceData(windows=windows, feature_names=list(features), scaler=scaler, report=report,
                        frame=frame, name=name or Path(file_name).stem or "data")


def _preview_frame(table: _Table, lay: _Layout, features: list[str], series: _Series) -> pd.DataFrame:
    """The table the model sees: axis columns plus features (filled) in model order."""
    if lay.layout == "sequence_rows":
        cols = ([lay.label_column] if lay.label_column else []) + lay.value_columns
        return table.frame[cols]
    axis = [c for c in (lay.id_column, lay.time_column) if c is not None]
    frame = table.frame[axis].iloc[series.keep_rows].reset_index(drop=True)
    filled = pd.DataFrame(series.values, columns=features)
    return pd.concat([frame, filled], axis=1)
