"""The frozen config dataclasses as plain data: rebuilt from stored dicts, described by their own source.

``config_from_dict`` reads the dicts stored in run files and checkpoints. ``field_comments`` reads the
one-line comment each field carries in the source, and ``add_config_arguments`` /
``config_from_arguments`` turn a dataclass into command-line options, so names, defaults and help live
in one place: the dataclass.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import io
import textwrap
import tokenize
import typing
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

C = TypeVar("C")


def config_from_dict(cls: type[C], values: dict[str, Any]) -> C:
    """``cls(**values)`` keeping only the fields ``cls`` knows, so files written by other versions still load.

    A missing field takes the value files meant before the field existed, where ``cls.STORED_BEFORE`` names
    one (a field added with a new default: an old checkpoint must rebuild the network it was trained as),
    else its default. The dataclass's own ``__post_init__`` checks the values.
    """
    known = {f.name for f in fields(cls)}
    older = {k: v for k, v in getattr(cls, "STORED_BEFORE", {}).items() if k not in values}
    return cls(**older, **{k: v for k, v in values.items() if k in known})


def field_comments(cls: type) -> dict[str, str]:
    """The comment that ends each field's declaration in the source of dataclass ``cls`` (and its bases).

    ``name: int = 8  # hidden units`` gives ``{"name": "hidden units"}``. For a default written over
    several lines the comment on the declaration's last line counts, else the first comment inside it.
    Fields without a comment are left out.

    Raises:
        TypeError: ``cls`` is not a dataclass.
        OSError: its source is not available (e.g. defined in an interactive shell).
    """
    if not (isinstance(cls, type) and is_dataclass(cls)):
        raise TypeError(f"field_comments needs a dataclass, got {cls!r}.")
    comments: dict[str, str] = {}
    for klass in reversed(cls.__mro__):  # base classes first, so a subclass's comment wins
        if is_dataclass(klass) and klass is not object:
            comments.update(_own_field_comments(klass))
    names = {f.name for f in fields(cls)}
    return {name: text for name, text in comments.items() if name in names}


def _own_field_comments(klass: type) -> dict[str, str]:
    source = textwrap.dedent(inspect.getsource(klass))
    by_line: dict[int, str] = {}  # line number -> comment text
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            by_line[token.start[0]] = token.string.lstrip("#").strip()
    class_def = ast.parse(source).body[0]
    comments = {}
    for node in class_def.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            last = node.end_lineno or node.lineno
            inside = [by_line[n] for n in range(node.lineno, last + 1) if n in by_line]
            text = by_line.get(last) or (inside[0] if inside else "")
            if text:
                comments[node.target.id] = text
    return comments


def add_config_arguments(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    cls: type,
    *,
    skip: Iterable[str] = (),
    rename: Mapping[str, str] | None = None,
    choices: Mapping[str, Iterable[Any]] | None = None,
) -> list[str]:
    """Add one option per field of dataclass ``cls`` to ``parser`` (a parser or an argument group).

    Field ``g_hidden`` becomes ``--g-hidden`` (``rename`` maps a field to another option name), with the
    field's default, a type from its annotation, ``choices[field]`` where given and the field's source
    comment as help. A ``bool`` field that defaults to False becomes a flag (``--diff-moment``); one that
    defaults to True gets ``--name`` / ``--no-name``. The value lands in ``args.<field name>`` whatever
    the option is called, which is what :func:`config_from_arguments` reads.

    Args:
        skip: fields to leave out (the caller adds its own option for them, or none).

    Returns:
        The names of the fields added, in declaration order.

    Raises:
        TypeError: a field has no default or a type other than bool, int, float or str.
    """
    skip, rename, choices = set(skip), dict(rename or {}), dict(choices or {})
    unknown = (skip | set(rename) | set(choices)) - {f.name for f in fields(cls)}
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}.")
    comments, hints = field_comments(cls), typing.get_type_hints(cls)
    added = []
    for f in fields(cls):
        if f.name in skip or not f.init:
            continue
        if f.default is MISSING:
            raise TypeError(f"{cls.__name__}.{f.name} has no plain default to offer on the command line.")
        option = "--" + rename.get(f.name, f.name.replace("_", "-"))
        kind = _scalar_type(hints.get(f.name), f.default)
        help_text = comments.get(f.name, "").replace("%", "%%")  # argparse formats help with %
        if kind is bool:
            if f.default:
                parser.add_argument(option, dest=f.name, action=argparse.BooleanOptionalAction, default=True,
                                    help=help_text)
            else:
                parser.add_argument(option, dest=f.name, action="store_true", help=help_text)
        else:
            if kind is None:
                raise TypeError(f"{cls.__name__}.{f.name}: no command-line type for {hints.get(f.name)!r}.")
            extra = {"choices": tuple(choices[f.name])} if f.name in choices else {}
            parser.add_argument(option, dest=f.name, type=kind, default=f.default,
                                help=f"{help_text} (default %(default)s)".lstrip(), **extra)
        added.append(f.name)
    return added


def _scalar_type(hint: Any, default: Any) -> type | None:
    """bool, int, float or str from an annotation (``X | None`` counts as X), else from the default."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if len(args) == 1:  # Optional[X] / X | None
        hint = args[0]
    for kind in (bool, int, float, str):  # bool first: it is an int too
        if hint is kind:
            return kind
    for kind in (bool, int, float, str):
        if isinstance(default, kind):
            return kind
    return None


def config_from_arguments(cls: type[C], args: argparse.Namespace, **overrides: Any) -> C:
    """``cls`` built from the fields of ``args`` named like its fields, then ``overrides``.

    Fields neither in ``args`` nor in ``overrides`` keep their defaults; ``cls`` checks the values.
    """
    values = {f.name: getattr(args, f.name) for f in fields(cls) if f.init and hasattr(args, f.name)}
    return cls(**{**values, **overrides})
