"""Bytes -> text: read the source (bytes, path or file-like), refuse oversized files, pick the text
encoding and reject binary files (Excel, gzip, anything with control bytes) with a specific message."""

from __future__ import annotations

import os
import re
from pathlib import Path

from rgan.data.schema import DataError

_SNIFF_CHARS = 64 * 1024  # text sample used to spot binary files and to guess the dialect


def _fmt_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 2**20:
        return f"{n / 1024:.1f} KB"
    return f"{n / 2**20:.1f} MB"


def _read_source(source, max_bytes: int) -> tuple[bytes, str]:
    """Return the raw bytes and a display name; refuse missing or oversized files."""
    limit = _fmt_size(max_bytes)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = "data"
    elif isinstance(source, str) and "\n" in source:
        raise DataError("Got CSV text where a path was expected; pass the text as bytes (text.encode()).")
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = path.name
        try:
            size = path.stat().st_size
        except (OSError, ValueError):
            raise DataError(f"File not found: '{source}'; check the path.") from None
        if path.is_dir():
            raise DataError(f"'{source}' is a folder, not a file; choose a CSV file.")
        if size > max_bytes:
            raise DataError(
                f"The file is {_fmt_size(size)}, over the {limit} limit; "
                "upload a smaller file or raise max_bytes."
            )
        try:
            data = path.read_bytes()
        except OSError as e:
            raise DataError(f"Could not read '{source}' ({e.strerror}); check the path and permissions.") from e
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = Path(str(getattr(source, "name", "data"))).name
    else:
        raise DataError(f"Cannot read a {type(source).__name__}; pass the file's bytes or its path.")
    if len(data) > max_bytes:
        raise DataError(
            f"The file is {_fmt_size(len(data))}, over the {limit} limit; "
            "upload a smaller file or raise max_bytes."
        )
    return data, name


def _decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name). Rejects binary files with a specific message."""
    if not data or data.isspace():
        raise DataError("The file is empty; upload a CSV file with a header row and rows of numbers.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DataError(
            "This looks like an Excel workbook, not a CSV file; open it in Excel and save it as CSV."
        )
    if data.startswith(b"\x1f\x8b"):
        raise DataError("This file is gzip-compressed; decompress it and upload the CSV inside.")
    head = data[:_SNIFF_CHARS]
    encoding = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            encoding = "utf-16-le"
        elif even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            encoding = "utf-16-be"
        else:
            raise DataError("This file is not text (it contains binary data); upload a CSV text file.")
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise DataError(
                "The file's text encoding could not be read; save it as UTF-8 CSV and upload it again."
            ) from None
        text = text.lstrip("\ufeff")
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise DataError(
                "The file's text encoding could not be read; save it as UTF-8 CSV and upload it again."
            ) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # Latin-1 and cp1252 agree except on bytes 0x80-0x9F (cp1252 has printable signs there)
            if re.search(rb"[\x80-\x9f]", data) is None:
                text, encoding = data.decode("latin-1"), "latin-1"
            else:
                try:
                    text, encoding = data.decode("cp1252"), "cp1252"
                except UnicodeDecodeError:
                    text, encoding = data.decode("latin-1"), "latin-1"
    sample = text[:_SNIFF_CHARS]
    controls = len(re.findall(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]", sample))
    if controls > max(2, 0.01 * len(sample)) or "\x00" in text:
        raise DataError("This file is not text (it contains binary data); upload a CSV text file.")
    if not text or text.isspace():
        raise DataError("The file is empty; upload a CSV file with a header row and rows of numbers.")
    return text, encoding

