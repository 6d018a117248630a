"""Where a run's data comes from: a built-in dataset, an uploaded CSV's bytes, or a local file.

A ``DataSource`` is what a run records so that its data can be loaded again after a restart; the Data
page, the CLI and the presets all build one, and ``load()`` turns it into windows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rgan.configs import config_from_dict
from rgan.data.builtin import load_dataset
from rgan.data.loading import load_csv
from rgan.data.schema import DataConfig, DataError, SequenceData


@dataclass(frozen=True)
class DataSource:
    """Where a run's data comes from, so that it can be loaded again after a restart."""

    kind: str  # "dataset", "csv" (uploaded bytes) or "file" (a local path, command line only)
    name: str  # dataset name, uploaded file's display name (never used as a path), or the local path
    config: DataConfig = DataConfig()  # parsing and windowing settings
    params: dict[str, Any] = field(default_factory=dict)  # extra load_dataset() keyword arguments
    csv_bytes: bytes | None = field(default=None, repr=False)  # the uploaded file's content

    def load(self) -> SequenceData:
        """Load the data this source describes.

        Raises:
            DataError: the data cannot be loaded (the message says why).
        """
        if self.kind == "dataset":
            return load_dataset(self.name, seq_len=self.config.seq_len, stride=self.config.stride, **self.params)
        if self.kind == "file":
            return load_csv(self.name, self.config, name=Path(self.name).name)
        if self.csv_bytes is None:
            raise DataError("The uploaded file for this run is missing; upload it again.")
        return load_csv(self.csv_bytes, self.config, name=self.name)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "config": asdict(self.config), "params": dict(self.params)}

    @classmethod
    def from_json(cls, d: dict[str, Any], csv_bytes: bytes | None = None) -> "DataSource":
        cfg = dict(d.get("config", {}))
        if cfg.get("features") is not None:
            cfg["features"] = tuple(cfg["features"])
        return cls(d["kind"], d["name"], config_from_dict(DataConfig, cfg), dict(d.get("params", {})), csv_bytes)
