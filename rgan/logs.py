"""Durable files: atomic writes (fsync'd file and folder) and append-only JSON-lines logs that
survive a crash mid-write."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Iterable


def _clean(value: Any) -> Any:
    # JSON has no NaN/Inf; keep the record readable by any JSON parser.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fsync_dir(folder: Path) -> None:
    # The rename lives in the folder's entry table: without this a power cut can forget it.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some systems cannot open a folder; the rename still happened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, writer: Callable[[IO[bytes]], Any]) -> Path:
    """Write a file so that readers see the old file or the whole new one, even after a crash.

    ``writer(f)`` writes into a temporary file with a unique name in the same folder (so concurrent
    writers never share one), which is flushed and fsync'd, renamed over ``path``, and then the
    folder is fsync'd so the rename itself survives a power cut. On any error the temporary file is
    removed and ``path`` is left as it was.

    Raises:
        OSError: the file could not be written (e.g. ``ENOSPC``, the disk is full).
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)
    return path


def write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    """Write JSON atomically and durably (see :func:`atomic_write_bytes`)."""
    data = json.dumps(obj, indent=2, default=str).encode("utf-8")
    atomic_write_bytes(path, lambda f: f.write(data))


def _torn_tail_start(f: IO[bytes], size: int) -> int | None:
    """Where a torn last line (no closing newline) starts, or None if the file ends with a newline."""
    f.seek(size - 1)
    if f.read(1) == b"\n":
        return None
    pos, chunk = size, 4096
    while pos > 0:  # scan back for the previous newline
        start = max(0, pos - chunk)
        f.seek(start)
        block = f.read(pos - start)
        cut = block.rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        pos = start
    return 0


def repair_jsonl(path: str | os.PathLike) -> bool:
    """Cut off a torn last line (a crash in the middle of an append); True if one was cut.

    Appending after a torn line would glue the next record onto it and lose both.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size == 0:
        return False
    with open(path, "r+b") as f:
        start = _torn_tail_start(f, size)
        if start is None:
            return False
        f.truncate(start)
        f.flush()
        os.fsync(f.fileno())
    return True


def append_jsonl(path: str | os.PathLike, records: Iterable[dict[str, Any]], fsync: bool = False) -> None:
    """Append records, one JSON object per line, each line written whole (a torn last line is cut first)."""
    lines = "".join(json.dumps({k: _clean(v) for k, v in r.items()}) + "\n" for r in records)
    if not lines:
        return
    repair_jsonl(path)
    with open(path, "a", encoding="utf-8") as f:
        f.write(lines)
        f.flush()
        if fsync:
            os.fsync(f.fileno())


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read a log, skipping a torn last line left by a killed process (and any other unreadable line)."""
    path = Path(path)
    if not path.exists():
        return []
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                out.append(record)
    return out


def truncate_jsonl(path: str | os.PathLike, keep: Callable[[dict[str, Any]], bool]) -> int:
    """Rewrite a log atomically with only the records ``keep`` accepts; returns how many were dropped.

    Used on resume: steps logged after the checkpoint will be trained again, and a log whose steps
    went backwards would draw charts that go backwards.
    """
    path = Path(path)
    records = read_jsonl(path)
    kept = [r for r in records if keep(r)]
    dropped = len(records) - len(kept)
    if dropped:
        data = "".join(json.dumps(r) + "\n" for r in kept).encode("utf-8")
        atomic_write_bytes(path, lambda f: f.write(data))
    return dropped
