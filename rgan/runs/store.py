"""The on-disk format of runs, in one place: folder layout, ``run.json``, ``metrics.jsonl``, checkpoints.

Every run lives in ``<runs_dir>/<id>/``:

- ``run.json``: a :class:`RunRecord` (configs, state, live settings, markers, notes), rewritten atomically;
- ``metrics.jsonl``: one line of :data:`~rgan.runs.config.METRIC_KEYS` per step, appended about once a second;
- ``checkpoint.pt``: the trainer's state, written atomically every few seconds;
- an uploaded file is kept once per content, as ``<runs_dir>/uploads/<sha256>.csv``, named by
  ``"upload"`` in ``run.json`` (so runs can resume after a restart); runs of older versions kept it as
  ``data.csv`` in their own folder, which is still read. Deleting the last run that names an upload
  deletes the upload.

A run id is also its folder name, so only ids made of URL-safe characters are ever turned into paths.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from rgan.configs import config_from_dict
from rgan.data import SequenceData
from rgan.data.source import DataSource
from rgan.logs import append_jsonl, atomic_write_bytes, read_jsonl, truncate_jsonl, write_json_atomic
from rgan.models import ModelConfig
from rgan.runs.config import METRIC_KEYS, STOPPED
from rgan.train import TrainConfig, Trainer
from rgan.train.checkpoints import read_state

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
    UPLOADS = "uploads"  # a folder beside the runs (its name is too short to be a run id)

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._uploads: dict[str, str] = {}  # run id -> sha256 of its uploaded file, once stored

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
        """Make the run's folder and keep its uploaded data, once per content (runs of one file share it).

        Raises:
            OSError: the disk is full or not writable.
        """
        folder = self.folder(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        if csv_bytes is not None and not (folder / self.DATA).exists() and self._upload_of(run_id) is None:
            digest = hashlib.sha256(csv_bytes).hexdigest()
            path = self.upload_path(digest)
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(path, lambda f: f.write(csv_bytes))
            self._uploads[run_id] = digest

    def _upload_of(self, run_id: str) -> str | None:
        """The digest of the run's upload, once kept (a resume must not swap the run's data)."""
        if run_id not in self._uploads:
            meta = self._read_meta(run_id)
            digest = meta.get("upload") if isinstance(meta, dict) else None
            if _valid_digest(digest):
                self._uploads[run_id] = digest
        return self._uploads.get(run_id)

    def upload_path(self, digest: str) -> Path:
        return self.root / self.UPLOADS / f"{digest}.csv"

    def write_record(self, record: RunRecord) -> None:
        meta = record.to_json()
        digest = self._uploads.get(record.id)
        if digest is not None:
            meta["upload"] = digest
        write_json_atomic(self.folder(record.id) / self.META, meta)

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
        """The run's record with its data source (and uploaded data), or None if ``run.json`` is missing,
        unreadable or damaged (one bad file must not break the listing of the others)."""
        meta = self._read_meta(run_id)
        if not isinstance(meta, dict):
            return None
        csv_path = self.folder(run_id) / self.DATA
        digest = meta.get("upload")
        if not csv_path.exists() and _valid_digest(digest):
            csv_path = self.upload_path(digest)
            self._uploads[run_id] = digest
        meta["id"] = run_id  # the folder name is the id
        try:
            return RunRecord.from_json(meta, csv_path.read_bytes() if csv_path.exists() else None)
        except (KeyError, TypeError, ValueError, AttributeError, OSError):
            return None

    # -------------------------------------------------------------------------------- disk space
    def size_of(self, run_id: str) -> int:
        """Bytes in the run's folder."""
        return _tree_size(self.folder(run_id))

    def disk_usage(self) -> int:
        """Bytes under the runs directory (runs and uploads)."""
        return _tree_size(self.root)

    def last_change(self, run_id: str) -> float:
        """When a file of the run last changed (seconds since the epoch); 0 if it has none."""
        try:
            return max((p.stat().st_mtime for p in self.folder(run_id).iterdir()), default=0.0)
        except OSError:
            return 0.0

    def delete(self, run_id: str) -> None:
        """Delete a run's folder, and its uploaded file when no other run uses it."""
        digest = self._uploads.pop(run_id, None)
        if digest is None:
            meta = self._read_meta(run_id)
            digest = meta.get("upload") if isinstance(meta, dict) else None
        shutil.rmtree(self.folder(run_id), ignore_errors=True)
        if _valid_digest(digest) and not any(
            isinstance(m := self._read_meta(other), dict) and m.get("upload") == digest for other in self.ids()
        ):
            self.upload_path(digest).unlink(missing_ok=True)

    # ------------------------------------------------------------------------------- metrics.jsonl
    def append_metrics(self, run_id: str, records: list[dict[str, float]]) -> None:
        append_jsonl(self.folder(run_id) / self.METRICS, records)

    def cut_metrics(self, run_id: str, step: int) -> int:
        """Drop logged steps after ``step`` (a resume trains them again); returns how many were dropped."""
        return truncate_jsonl(self.folder(run_id) / self.METRICS, lambda r: (r.get("step") or 0) <= step)

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
        return int(read_state(self.checkpoint_path(run_id), torch.device("cpu"))["step"])  # the checked loader


def _valid_digest(digest: object) -> bool:
    """A sha256 hex digest (and so safe as a file name)."""
    return isinstance(digest, str) and len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def _tree_size(folder: Path) -> int:
    total = 0
    try:
        for path in folder.rglob("*"):
            try:
                if path.is_file():
                    total += path.stat().st_size
            except OSError:  # deleted while counting
                continue
    except OSError:
        pass
    return total
