"""The data layer's public types: configuration, errors, scaler, load report, sequences."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LAYOUTS = ("auto", "time_rows", "sequence_rows", "long")
MISSING_POLICIES = ("interpolate", "drop", "zero", "refuse")
MAX_COLUMNS = 20_000  # wider files are refused before pandas allocates them


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
    time_column: str | tuple[str, ...] | None = None  # None = auto-detect; several columns: ("year", "quarter")
    id_column: str | None = None  # long layout; None = auto-detect
    label_column: str | None = None  # per-sequence class label to condition on (wide row or long id); None = none
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
        if self.time_column is not None and not isinstance(self.time_column, str):
            # several columns (a calendar such as year + quarter) are a tuple; a list from JSON becomes one
            names = tuple(str(c) for c in self.time_column)
            if not names:
                raise DataError("time_column is empty; choose a column, several calendar columns, or None to detect.")
            if len(set(names)) != len(names):
                raise DataError(f"time_column names a column twice ({', '.join(names)}); choose each column once.")
            object.__setattr__(self, "time_column", names[0] if len(names) == 1 else names)

    @property
    def time_columns(self) -> tuple[str, ...]:
        """The chosen time column(s) as a tuple; () to detect them."""
        if self.time_column is None:
            return ()
        return (self.time_column,) if isinstance(self.time_column, str) else tuple(self.time_column)


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
        low, high = flat.min(axis=0), flat.max(axis=0)
        with np.errstate(over="ignore"):
            if not np.isfinite(high - low).all():
                raise DataError("Cannot fit the scaler: a feature spans more than the largest number a float can "
                                "hold; divide it by a large power of ten first.")
        return cls(data_min=low, data_max=high)

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
    time_column: str | None = None  # column used as the time axis, if any (the first of time_columns)
    time_columns: list[str] = field(default_factory=list)  # all of them: ["year", "quarter"] for a calendar
    time_frequency: str = ""  # "quarterly", "yearly", "monthly", "daily", ... when known, else ""
    time_span: str = ""  # first and last period, e.g. "1972Q2–1998Q4" (calendars), else ""
    id_column: str | None = None  # column grouping rows into sequences (long layout)
    label_column: str | None = None  # per-sequence label column (sequence_rows layout)
    missing_policy: str = "interpolate"  # policy applied to missing cells
    missing_filled: int = 0  # cells filled by the policy
    rows_dropped: int = 0  # rows removed by the "drop" policy
    short_sequences: int = 0  # sequences shorter than seq_len, left out
    short_note: str = ""  # what was left out as too short, how long those were, the seq_len that keeps them
    shortest_sequence: int = 0  # steps in the shortest sequence (0: not grouped into sequences)
    notes: list[str] = field(default_factory=list)  # anything else worth telling the user

    def time_text(self) -> str:
        """The time axis in words, e.g. 'year + quarter (quarterly, 1972Q2–1998Q4)'; '' without one."""
        if self.time_column is None:
            return ""
        names = " + ".join(self.time_columns or [self.time_column])
        known = ", ".join(x for x in (self.time_frequency, self.time_span) if x)
        return names + (f" ({known})" if known else "")

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
        if self.time_column is not None:
            out.append(f"Time: {self.time_text()}")
        for label, col in (("Id", self.id_column), ("Label", self.label_column)):
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
    labels: np.ndarray | None = None  # (N,) int64 class index of each window; None = no label column chosen
    class_names: list[str] = field(default_factory=list)  # class index -> the label's value in the file
    layout_info: dict = field(default_factory=dict)  # the file's columns and time axis, to write samples alike

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
            {"name", "seq_len", "features", "layout"}, then ``file``: what the export needs to write samples in
            the file's own layout (``layout_info``: columns, time axis, lengths) and, with a label column,
            ``classes`` (names) and ``class_counts`` (windows per class: the frequencies labels are drawn with).
        """
        info = {
            "name": self.name,
            "seq_len": self.seq_len,
            "features": list(self.feature_names),
            "layout": self.report.layout,
        }
        if self.layout_info:
            info["file"] = dict(self.layout_info)
        if self.labels is not None:
            info["classes"] = list(self.class_names)
            info["class_counts"] = np.bincount(self.labels, minlength=len(self.class_names)).tolist()
        return info

    @property
    def n_classes(self) -> int:
        """Number of label classes (0 without a label column)."""
        return len(self.class_names) if self.labels is not None else 0


def _plural(n: int, word: str) -> str:
    """'1 row', '2 rows', '1,000 rows'."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")
