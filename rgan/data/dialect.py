"""Text -> dialect: the delimiter, the decimal mark and whether the first record is a header.

Works on a sample of lines from the start of the file; pandas then reads the whole text with the dialect
found here (see ``reading``).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass

import numpy as np

from rgan.data.decoding import _SNIFF_CHARS

_SNIFF_LINES = 100
# Cell texts (lower case) that mean 'missing'; pandas' defaults plus reading._EXTRA_NA.
_NA_TOKENS = {
    "", "na", "n/a", "nan", "-nan", "null", "none", "<na>", "#n/a", "#na", "-", "--", "?", ".",
    "missing", "#value!", "#div/0!", "#num!", "nat",
}
_NUMBER_RE = re.compile(
    r"^[+-]?(\d[\d.,'\s\u00a0\u202f]*|[.,]\d+)([eE][+-]?\d+)?%?$|^[+-]?(inf|infinity)$", re.IGNORECASE
)
_DATE_RE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|^\d{1,2}:\d{2}")


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
