"""What kind of file an input is, and reading its first bytes and lines safely.

Formats by extension (CSV, optionally compressed; Excel; Parquet); anything a malformed file
raises while being parsed is turned into :class:`Unreadable` so it can be reported, not shown as
a traceback.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import unicodedata
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

# What a malformed file raises while being parsed; anything else is a bug and must surface as one.
_READ_ERRORS = (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, UnicodeDecodeError, OSError, EOFError, zipfile.BadZipFile)


class Unreadable(Exception):
    """A file could not be parsed; ``__cause__`` holds the parser's error."""


@contextmanager
def unreadable(*extra: type[BaseException]):
    try:
        yield
    except _READ_ERRORS + extra as exc:
        raise Unreadable() from exc


def guarded(frames):
    with unreadable():
        yield from frames



_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def column_name(column) -> str:
    """A column name as compared: stripped and in one Unicode form (macOS exports decompose accents)."""
    return unicodedata.normalize("NFC", str(column)).strip()


def file_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in (".parquet", ".pq"):
        return "parquet"
    if last in (".xlsx", ".xlsm"):
        return "xlsx"
    return "csv"


def open_binary(path: Path):
    return _COMPRESSED.get(path.suffix.lower(), open)(path, "rb")


def head_bytes(path: Path, n: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def first_lines(path: Path, encoding: str, n: int) -> list[str]:
    with open_binary(path) as fh, io.TextIOWrapper(fh, encoding=encoding, newline="") as text:
        lines = []
        for line in text:
            lines.append(line)
            if len(lines) >= n:
                break
    return lines


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
