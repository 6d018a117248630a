"""The first line of defence against a crafted checkpoint: the file itself, before anything in it is used.

A checkpoint is a zip archive that ``torch.save`` writes: uncompressed entries named ``<folder>/data.pkl``
(the pickled description), ``<folder>/data/<n>`` (tensor bytes) and a few small ones. :func:`check_archive`
reads only the zip's directory and scans the pickle without running it, so a file that would inflate,
list millions of entries or unpickle into millions of objects is refused for the price of reading its
end; :func:`load` is ``torch.load(weights_only=True)`` with its failures told in one sentence. Nothing is
read on a torch older than :data:`TORCH_FLOOR`.
"""

from __future__ import annotations

import pickletools
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import torch

from rgan import limits

# torch.load(weights_only=True) could run code from a file before 2.6 (CVE-2025-32434, GHSA-53q9-r3pm-6pq6)
# and corrupt memory before 2.10 (CVE-2026-24747, GHSA-63cw-57p8-fm3p): no checkpoint is read on those.
TORCH_FLOOR = (2, 10, 0)
NOT_OURS = "it was not written by RGAN Studio or was modified"
_ENTRY = re.compile(r"(data\.pkl|version|\.format_version|\.storage_alignment|byteorder|\.data/serialization_id"
                    r"|\.data/version|data/\d{1,9})")


class CheckpointError(ValueError):
    """A checkpoint was refused; the message says why in one sentence."""


def torch_floor_problem(version: str | None = None) -> str | None:
    """Why checkpoints cannot be read with this torch (``version``, default the running one), or None."""
    text = str(torch.__version__ if version is None else version)
    found = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    numbers = tuple(int(g or 0) for g in found.groups()) if found else (0, 0, 0)
    if numbers >= TORCH_FLOOR:
        return None
    need = ".".join(map(str, TORCH_FLOOR))
    return (f"Checkpoints are not read on this server because it runs PyTorch {text}, whose torch.load has known "
            f"security flaws; install torch {need} or newer (pip install 'torch>={need}').")


def check_archive(path: str | Path, max_bytes: int) -> int:
    """Check the zip archive at ``path`` from its directory alone (no entry is inflated or loaded).

    Returns:
        The total size of its tensor data (``data/<n>`` entries) in bytes.

    Raises:
        CheckpointError: not a complete zip, too many or unknown entries, compressed or encrypted entries,
            more than ``max_bytes`` in all, or a pickle too large or too long to read.
    """
    size = Path(path).stat().st_size
    with open(path, "rb") as f:
        n_entries, directory_bytes = _directory(f, size)
        if n_entries > limits.CHECKPOINT_ENTRIES or directory_bytes > limits.CHECKPOINT_ENTRIES * 512:
            raise CheckpointError(f"This file holds {n_entries:,} entries; a checkpoint has at most "
                                  f"{limits.CHECKPOINT_ENTRIES:,}, so {NOT_OURS}.")
        try:
            archive = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise CheckpointError(f"This file is not a complete checkpoint ({e}); choose a .pt file saved by "
                                  "RGAN Studio.") from e
        with archive:
            infos = archive.infolist()
            prefix = _check_entries(infos)
            total = sum(i.file_size for i in infos)
            if total > max_bytes:
                raise CheckpointError(
                    f"This checkpoint holds {_mb(total)} MB; at most {_mb(max_bytes)} MB are allowed on this server "
                    f"({limits.CHECKPOINT_MB_ENV} sets the limit).")
            if total > size:  # stored entries cannot hold more than the file: they would overlap
                raise CheckpointError(f"This file's entries overlap each other, so {NOT_OURS}.")
            pickle_info = archive.getinfo(prefix + "data.pkl")
            if pickle_info.file_size > limits.CHECKPOINT_PICKLE_MB * 2**20:
                raise CheckpointError(f"This checkpoint's description (data.pkl) is over {limits.CHECKPOINT_PICKLE_MB} "
                                      f"MB; RGAN Studio's are far smaller, so {NOT_OURS}.")
            _scan_pickle(archive.read(pickle_info))
    return sum(i.file_size for i in infos if i.filename[len(prefix):].startswith("data/"))


def _mb(n_bytes: int) -> str:
    mb = n_bytes / 2**20
    return f"{mb:,.0f}" if mb >= 10 else f"{mb:.2g}"


def _directory(f, size: int) -> tuple[int, int]:
    """Number of entries and size of the zip's central directory, read from its end record (the directory
    itself is not parsed: a crafted one could list millions of entries)."""
    f.seek(max(0, size - 22 - 65535))
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise CheckpointError("This file is not a checkpoint (not a zip archive, or cut short); choose a .pt file "
                              "saved by RGAN Studio.")
    n_entries, directory_bytes, offset = struct.unpack("<HLL", tail[at + 10:at + 20])
    if n_entries == 0xFFFF or 0xFFFFFFFF in (directory_bytes, offset):  # zip64: the real numbers are elsewhere
        locator = tail[at - 20:at] if at >= 20 else b""
        if not locator.startswith(b"PK\x06\x07"):
            raise CheckpointError(f"This file's zip directory is damaged, so {NOT_OURS}.")
        (record_at,) = struct.unpack("<Q", locator[8:16])
        f.seek(min(record_at, size))
        record = f.read(56)
        if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
            raise CheckpointError(f"This file's zip directory is damaged, so {NOT_OURS}.")
        n_entries, directory_bytes = struct.unpack("<QQ", record[32:48])
    return n_entries, directory_bytes


def _check_entries(infos: list[zipfile.ZipInfo]) -> str:
    """The archive's folder name (``archive/``) after checking every entry's name and storage; see
    :func:`check_archive`."""
    if not infos:
        raise CheckpointError(f"This file is an empty archive, so {NOT_OURS}.")
    prefix = infos[0].filename.split("/", 1)[0] + "/"
    names = set()
    for info in infos:
        rest = info.filename[len(prefix):] if info.filename.startswith(prefix) else None
        if rest is None or not _ENTRY.fullmatch(rest) or info.filename in names:
            raise CheckpointError(f"This file holds {info.filename[:80]!r}, which a checkpoint never holds, so "
                                  f"{NOT_OURS}.")
        names.add(info.filename)
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise CheckpointError(f"This checkpoint's entries are compressed, which PyTorch never does, so {NOT_OURS}.")
        if info.flag_bits & 0x1:
            raise CheckpointError(f"This checkpoint's entries are encrypted, so {NOT_OURS}.")
    if prefix + "data.pkl" not in names:
        raise CheckpointError(f"This file has no data.pkl, so it is not a PyTorch checkpoint; {NOT_OURS}.")
    return prefix


def _scan_pickle(data: bytes) -> None:
    """Count the pickle's instructions without running them: each may make a Python object (a memo entry,
    an empty list), so their number bounds the memory that unpickling takes."""
    n = 0
    try:
        for n, _ in enumerate(pickletools.genops(data)):
            if n >= limits.CHECKPOINT_PICKLE_OPS:
                break
    except (ValueError, UnicodeDecodeError) as e:  # unknown opcode, cut short
        raise CheckpointError(f"This checkpoint's description cannot be read ({str(e)[:80]}), so {NOT_OURS}.") from e
    if n >= limits.CHECKPOINT_PICKLE_OPS:
        raise CheckpointError(f"This checkpoint's description has over {limits.CHECKPOINT_PICKLE_OPS:,} pickle "
                              f"instructions; RGAN Studio's have far fewer, so {NOT_OURS}.")


def load(path: str | Path, device: torch.device | str) -> Any:
    """``torch.load(weights_only=True)`` with every failure as one sentence; on ``meta`` no tensor data is read."""
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as e:  # refused global, bad storage, truncated entry, ...
        found = re.search(r"GLOBAL ([\w.]+)", str(e))
        if found:
            raise CheckpointError(f"This checkpoint holds a Python object ({found.group(1)[:80]}) where only tensors "
                                  f"and plain values belong, so {NOT_OURS}.") from e
        text = str(e).strip()
        inner = re.search(r"WeightsUnpickler error: ([^\n]*)", text)  # the reason inside torch's long advice
        first = (inner.group(1) if inner else text.splitlines()[0] if text else "")[:120].rstrip(".") or "no reason"
        raise CheckpointError(f"This checkpoint cannot be read ({type(e).__name__}: {first}), so {NOT_OURS}.") from e
