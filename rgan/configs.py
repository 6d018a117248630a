"""Rebuilding the frozen config dataclasses from the plain dicts stored in run files and checkpoints."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

C = TypeVar("C")


def config_from_dict(cls: type[C], values: dict[str, Any]) -> C:
    """``cls(**values)`` keeping only the fields ``cls`` knows, so files written by other versions still load.

    Missing fields take their defaults; the dataclass's own ``__post_init__`` checks the values.
    """
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in known})
