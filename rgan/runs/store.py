"""The on-disk format of runs, in one place: folder layout, ``run.json``, ``metrics.jsonl``, checkpoints.

Every run lives in ``<runs_dir>/<id>/``:

- ``run.json``: a :class:`RunRecord` (configs, state, live settings, markers, notes), rewritten atomically;
- ``metrics.jsonl``: one line of :data:`~rgan.runs.config.METRIC_KEYS` per step, appended about once a second;
- ``checkpoint.pt``: the trainer's state, written atomically every few seconds;
- ``data.csv``: the uploaded file, for runs trained on one (so they can resume after a restart).

A run id is also its folder name, so only ids made of URL-safe characters are ever turned into paths.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from rgan.configs import config_from_dict
from rgan.data import SequenceData
from rgan.data.source import DataSource
from rgan.logs import append_jsonl, read_jsonl, write_json_atomic
from rgan.models import ModelConfig
from rgan.runs.config import METRIC_KEYS, STOPPED
from rgan.train import TrainConfig, Trainer

_SAFE_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _valid_id(run_id: str) -> bool:
    return 16 <= len(run_id) <= 64 and set(run_id) <= _SAFE_ID_CHARS


@dataclass
class RunRecord:
    """What ``run.json`` holds: enough to list a run and rebuild it after a restart."""

    id: str
    owner: str  # the browser token that started it
    state: str
    error: str | None
    step: int
    created: float | None  # None when an old record lacks it
    source: DataSource
    model: ModelConfig
    train: TrainConfig  # the run's starting configuration
    lr_g: float  # the live settings, which may differ from ``train`` after a change mid-run
    lr_d: float
    d_steps: int
    markers: list[tuple[int, str]] = field(default_factory=list)  # (step, what changed) on the charts
    notes: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # free-form JSON-able tags

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "state": self.state,
            "error": self.error,
            "step": self.step,
            "created": self.created,
            "updated": time.time(),
            "source": self.source.to_json(),
            "model": asdict(self.model),
            "train": asdict(self.train),
            "lr_g": self.lr_g,
            "lr_d": self.lr_d,
            "d_steps": self.d_steps,
            "markers": [list(m) for m in self.markers],
            "notes": list(self.notes),
            "feature_names": list(self.feature_names),
            "extra": dict(self.extra),
        }

    @classmethod
    def from_json(cls, meta: dict[str, Any], csv_bytes: bytes | None = None) -> "RunRecord":
        """Read a record back; fields missing from older files get their defaults."""
        train = config_from_dict(TrainConfig, meta["train"])
        return cls(
            id=meta["id"],
            owner=meta.get("owner", ""),
            state=meta.get("state", STOPPED),
            error=meta.get("error"),
            step=meta.get("step", 0),
            created=meta.get("created"),
            source=DataSource.from_json(meta["source"], csv_bytes),
            model=config_from_dict(ModelConfig, meta["model"]),
            train=train,
            lr_g=meta.get("lr_g", train.lr_g),
            lr_d=meta.get("lr_d", train.lr_d),
            d_steps=meta.get("d_steps", train.d_steps),
            markers=[tuple(m) for m in meta.get("markers", [])],
            notes=list(meta.get("notes", [])),
            feature_names=list(meta.get("feature_names", [])),
            extra=meta.get("extra", {}),
        )


class RunStore:
    """Reads and writes runs under one folder; the only code that knows file names and layouts."""

    META, METRICS, CHECKPOINT, DATA = "run.json", "metrics.jsonl", "checkpoint.pt", "data.csv"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # ---------------------------------------------------------------------------------------- ids
    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(18)  # 144 random bits: unguessable, URL-safe

    @staticmethod
    def valid_id(run_id: object) -> bool:
        """Whether ``run_id`` is shaped like an id this store makes (and so is safe as a folder name)."""
        return isinstance(run_id, str) and _valid_id(run_id)

    def folder(self, run_id: str) -> Path:
        if not self.valid_id(run_id):
            raise ValueError("Not a valid run id.")
        return self.root / run_id

    def ids(self) -> Iterator[str]:
        """Ids of the run folders on disk (in no particular order)."""
        if self.root.is_dir():
            for entry in self.root.iterdir():
                if entry.is_dir() and _valid_id(entry.name):
                    yield entry.name

    # ------------------------------------------------------------------------------------ run.json
    def create(self, run_id: str, csv_bytes: bytes | None = None) -> None:
        """Make the run's folder and keep its uploaded data (once: a resume does not rewrite it)."""
        folder = self.folder(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        if csv_bytes is not None and not (folder / self.DATA).exists():
            (folder / self.DATA).write_bytes(csv_bytes)

    def write_record(self, record: RunRecord) -> None:
        write_json_atomic(self.folder(record.id) / self.META, record.to_json())

    def _read_meta(self, run_id: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.folder(run_id) / self.META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def owner_of(self, run_id: str) -> str | None:
        """The owner token in ``run.json`` without reading the rest; None if there is no readable record."""
        meta = self._read_meta(run_id)
        return meta.get("owner") if meta else None

    def read_record(self, run_id: str) -> RunRecord | None:
        """The run's record with its data source (and uploaded data), or None if ``run.json`` is missing or unreadable."""
        meta = self._read_meta(run_id)
        if meta is None:
            return None
        csv_path = self.folder(run_id) / self.DATA
        meta["id"] = run_id  # the folder name is the id
        return RunRecord.from_json(meta, csv_path.read_bytes() if csv_path.exists() else None)

    # ------------------------------------------------------------------------------- metrics.jsonl
    def append_metrics(self, run_id: str, records: list[dict[str, float]]) -> None:
        append_jsonl(self.folder(run_id) / self.METRICS, records)

    def read_history(self, run_id: str) -> dict[str, list[float]]:
        """The logged metrics as one list per :data:`METRIC_KEYS` key (NaN where a value was not finite)."""
        records = read_jsonl(self.folder(run_id) / self.METRICS)
        return {k: [float(r.get(k) if r.get(k) is not None else math.nan) for r in records] for k in METRIC_KEYS}

    # ------------------------------------------------------------------------------- checkpoint.pt
    def checkpoint_path(self, run_id: str) -> Path:
        return self.folder(run_id) / self.CHECKPOINT

    def has_checkpoint(self, run_id: str) -> bool:
        return self.checkpoint_path(run_id).exists()

    def save_checkpoint(self, run_id: str, trainer: Trainer) -> None:
        """Write atomically (:meth:`Trainer.save` writes a temporary file, then renames it)."""
        trainer.save(self.checkpoint_path(run_id))

    def load_trainer(self, run_id: str, data: SequenceData | None, device: str) -> Trainer:
        return Trainer.load(self.checkpoint_path(run_id), data=data, device=device)

    def checkpoint_step(self, run_id: str) -> int:
        """The step the checkpoint was saved at, read on the CPU without building a trainer.

        Raises:
            Exception: whatever ``torch.load`` raises for a missing, torn or foreign file.
        """
        return int(torch.load(self.checkpoint_path(run_id), map_location="cpu", weights_only=True)["step"])
