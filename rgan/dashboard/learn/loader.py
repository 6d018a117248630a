"""Reads the Learn page's Markdown texts from ``text/`` (shipped next to this module), cached.

Two kinds of file:

- a *prose* file (``read_text``) is one piece of markdown, used as it is;
- an *entries* file (``read_entries``) is a list of items: each starts at a ``## title`` line and holds fields,
  each starting at a ``### field`` line. A field is either one fenced code block, kept verbatim, or prose
  whose lines are joined with single spaces (so it can be wrapped in the file). An HTML comment before the first
  entry describes the file and is skipped.
"""

from __future__ import annotations

import functools
from importlib import resources
from types import MappingProxyType
from typing import Mapping

TEXT_DIR = "text"
FENCE = "```"


@functools.cache
def read_text(name: str) -> str:
    """The markdown of ``text/<name>.md``, without leading or trailing blank lines."""
    path = resources.files(__package__).joinpath(TEXT_DIR, f"{name}.md")
    return path.read_text(encoding="utf-8").strip()


def _field_value(lines: list[str]) -> str:
    body = "\n".join(lines).strip()
    if body.startswith(FENCE):
        code = body.split("\n")
        if len(code) < 2 or code[-1].strip() != FENCE:
            raise ValueError(f"an unterminated code block: {body[:60]!r}")
        return "\n".join(code[1:-1])
    return " ".join(line.strip() for line in body.split("\n") if line.strip())


@functools.cache
def read_entries(name: str) -> tuple[tuple[str, Mapping[str, str]], ...]:
    """The entries of ``text/<name>.md``: (title, {field: value}) in file order."""
    entries: list[tuple[str, dict[str, str]]] = []
    field: str | None = None
    lines: list[str] = []
    in_code = False

    def close_field() -> None:
        if field is not None:
            entries[-1][1][field] = _field_value(lines)

    for line in read_text(name).split("\n"):
        if line.startswith(FENCE):
            in_code = not in_code
        elif not in_code and line.startswith("## "):
            close_field()
            entries.append((line[3:].strip(), {}))
            field, lines = None, []
            continue
        elif not in_code and line.startswith("### "):
            if not entries:
                raise ValueError(f"{name}.md: a field before the first entry: {line!r}")
            close_field()
            field, lines = line[4:].strip(), []
            continue
        if field is not None:
            lines.append(line)
    close_field()
    return tuple((title, MappingProxyType(fields)) for title, fields in entries)
