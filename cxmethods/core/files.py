"""What kind of file an input is, and reading its first bytes and lines safely.

Formats by extension (CSV, optionally compressed; Excel; Parquet); anything a malformed file
raises while being parsed is turned into :class:`Unreadable` so it can be reported, not shown as
a traceback. A file of another kind than its name says (a workbook saved as .csv, a PDF, binary
data), text in another encoding and the parser errors people cause are described in words here,
and settings YAML is read with the same care (:func:`load_yaml_file`). Files far bigger than
their kind ever is are refused before they are read (:data:`TABLE_LIMIT`, :data:`YAML_LIMIT`).
"""

from __future__ import annotations

import bz2
import codecs
import csv
import errno
import gzip
import hashlib
import io
import lzma
import os
import re
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cxmethods.core.errors import ConfigError, CxmError, Problem

# What a malformed file raises while being parsed; anything else is a bug and must surface as one.
_READ_ERRORS = (
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
    csv.Error,
    UnicodeDecodeError,
    OSError,
    EOFError,
    zipfile.BadZipFile,
)


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


_COMPRESSED: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}

#: Largest hand-made table (initiatives, levers, stakeholders, workshop answers) read. Such tables are a few
#: kilobytes; a file this big is almost certainly the wrong one (an export or a backup picked by mistake),
#: and reading it would only fill memory. System exports (contact logs, surveys) have no limit: they are
#: read in chunks.
TABLE_LIMIT = 50 * 1024**2
#: Largest settings file (engagement, benchmarks, segment rules, maturity model) read; they are a few kilobytes.
YAML_LIMIT = 5 * 1024**2
#: Longest line looked at while finding the header: a text file with no line breaks is not a table.
MAX_LINE = 1 << 20


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, in words (``'file not found'``, ``'is a folder, not a file'``), or
    None for a regular file that can be read.

    Looked at without opening it: a named pipe (FIFO) would wait for a writer forever and a device such as
    ``/dev/zero`` never ends, so neither may be read; a loop of symbolic links raises where a path is resolved.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a loop of symbolic links (a link that leads, through links, back to itself), not a file"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return "file not found"
        if exc.errno == errno.EACCES:
            return "cannot be read: permission denied on a folder on its path"
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file: reading it would wait for whatever writes into it"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device (such as /dev/zero or a disk), not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    if not os.access(path, os.R_OK):
        return "cannot be read: permission denied"
    return None


# --------------------------------------------------------------------------- folders a command writes into


def check_folder(folder: Path, option: str = "--out") -> None:
    """Refuse, before anything is read or written, a folder that cannot be made or written into.

    Nothing is created: the nearest part of ``folder``'s path that exists is looked at. It must be a folder (not a
    file, as in ``--out report.csv/run``) that this user may write into. ``option`` names the setting the folder
    came from in the message (``--out``).

    Raises
    ------
    CxmError
        Naming the folder, what is in the way and the fix.
    """
    folder = Path(folder).expanduser()
    existing = next((p for p in (folder, *folder.parents) if os.path.lexists(p)), None)
    if existing is None:
        return
    if not existing.is_dir():
        raise _in_the_way(folder, existing, option)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _denied(folder, existing, option)


def make_folder(folder: Path, option: str = "--out") -> Path:
    """Make ``folder`` (and the folders above it) and check that files can be written into it.

    A folder that exists but is read-only would otherwise fail on the first file written, as a traceback. The
    check writes a nameless temporary file, which leaves nothing behind.

    Raises
    ------
    CxmError
        Naming the folder, what is wrong (a file in the way, permission denied, a read-only or full disk) and the fix.
    """
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except (FileExistsError, NotADirectoryError):
        existing = next((p for p in (folder, *folder.parents) if os.path.lexists(p) and not p.is_dir()), folder)
        raise _in_the_way(folder, existing, option) from None
    except PermissionError as exc:  # denied on the nearest folder that exists (making one inside it, or writing)
        tried = Path(exc.filename) if isinstance(exc.filename, str) else folder
        denied = next((p for p in (tried, *tried.parents) if p.is_dir()), folder)
        raise _denied(folder, denied, option) from None
    except OSError as exc:
        why = (
            "the disk is read-only"
            if exc.errno == errno.EROFS
            else "the disk is full"
            if exc.errno == errno.ENOSPC
            else exc.strerror
        )
        raise CxmError(
            f"{option} {folder} cannot be written: {why or type(exc).__name__}. Fix: give a folder on another disk ({option})."
        ) from None
    return folder


def _in_the_way(folder: Path, existing: Path, option: str) -> CxmError:
    where = "is a file" if existing == folder else f"cannot be made: {existing} is a file, not a folder"
    return CxmError(
        f"{option} {folder} {where}. Fix: give a folder ({option}) whose path has no file in it, or move {existing} away."
    )


def _denied(folder: Path, denied: Path, option: str) -> CxmError:
    what = "cannot be written: permission denied" if denied == folder else f"cannot be made: permission denied on {denied}"
    return CxmError(
        f"{option} {folder} {what}. Fix: give a folder you can write to ({option}), or get write permission on {denied}."
    )


def human_size(n: int) -> str:
    """A file size as people say it: ``'2.0 GB'``, ``'51.2 MB'``, ``'812 bytes'``."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def too_big(path: Path, limit: int) -> str | None:
    """The file's size in words when it is over ``limit`` bytes, else None (checked before anything is read)."""
    size = path.stat().st_size
    return human_size(size) if size > limit else None


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
    """The first ``n`` lines; a line is cut at :data:`MAX_LINE` characters (a huge file with no line breaks
    must not be read whole to find its header). A cut line is the last one returned."""
    with open_binary(path) as fh, io.TextIOWrapper(fh, encoding=encoding, newline="") as text:
        lines: list[str] = []
        while len(lines) < n and (line := text.readline(MAX_LINE)):
            lines.append(line)
            if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
                break
    return lines


def first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__


#: Longest column name a header may have and still be shown: survey exports name columns by their whole
#: question, a few hundred characters at most; a longer "name" is a line of prose or data.
MAX_NAME = 300
#: What a lone column's name may be made of: a label, not a line of a configuration file, log or prose.
_LABEL = re.compile(r"[^\W_][\w .#%&()?'-]{0,59}")


def plausible_header(header: list[str], rows: list[list[str]] | None = None) -> bool:
    """Whether ``header`` looks like the column names of a real table, so that a message may show them.

    A message may quote a table's header row (its column names are what a fix names) but nothing else of a file:
    a path set to the wrong file, ``/etc/passwd`` say, must not have its first line printed. ``rows`` are the
    rows below the header as split by the same delimiter (CSV); None for a format that is a table by construction
    (Excel, Parquet), where only the names themselves are looked at.

    A header is plausible when its names are short printable labels and, in a CSV, most rows below it have as
    many values as it has names. A single column must be a short label with at least one row below it (one
    line of text is not a table).

    >>> plausible_header(["id", "created_at"], [["1", "2025-04-01"]])
    True
    >>> plausible_header(["root:x:0:0:root:/root:/bin/bash"], [["daemon:x:1:1::/usr/sbin:/usr/sbin/nologin"]])
    False
    >>> plausible_header(["Dear colleagues", " please find attached"], [["Best"], ["Ann"]])
    False
    """
    if not header or not any(header):
        return False
    for name in header:
        if len(name) > MAX_NAME or any(unicodedata.category(ch)[0] == "C" for ch in name):
            return False
    data = [row for row in rows or [] if any(cell.strip() for cell in row)]
    if len(header) == 1:
        return rows is None or (bool(data) and _LABEL.fullmatch(header[0]) is not None)
    if not data:
        return True
    return sum(len(row) == len(header) for row in data) * 2 >= len(data)


def described(path: Path) -> str:
    """A file in words without its content, for a message that must not quote it: ``'a 2.1 KB text file'``."""
    try:
        size = human_size(path.stat().st_size)
    except OSError:
        return "a file"
    return f"a {'text ' if file_format(path) == 'csv' else ''}file of {size}"


# --------------------------------------------------------------------------- what kind of file, and is it text


#: What a file's first bytes say it is, whatever its name: ``sniff`` token -> the kind in words.
BINARY_KINDS = {
    "pdf": "a PDF document",
    "zip": "a zip archive (or an Excel workbook)",
    "ole": "an old-style Excel file (.xls)",
    "gzip": "a gzip-compressed file",
    "parquet": "a Parquet file",
}


def sniff(path: Path) -> str | None:
    """The kind of file its first bytes show, as a key of :data:`BINARY_KINDS`; None for anything else (text)."""
    head = head_bytes(path, 8)
    for token, magic in (
        ("pdf", b"%PDF"),
        ("zip", b"PK\x03\x04"),
        ("ole", b"\xd0\xcf\x11\xe0"),
        ("gzip", b"\x1f\x8b"),
        ("parquet", b"PAR1"),
    ):
        if head.startswith(magic):
            return token
    return None


def wrong_kind(path: Path, fmt: str, key: str) -> tuple[str, str] | None:
    """``(message, fix)`` when the first bytes show a file of another kind than its name says, before a parser trips on it.

    ``key`` is the engagement's entry for the file (e.g. ``inputs.contact_log``), named in the fix.
    """
    token = sniff(path)
    zipped, ole = token == "zip", token == "ole"
    if token == "pdf":
        return (
            "this is a PDF document, not a table.",
            f"Export the data from the system that made it as CSV or Excel, and point {key}.path at that file.",
        )
    if fmt == "csv" and token == "gzip" and path.suffix.lower() != ".gz":
        return (
            "this is a gzip-compressed file, but its name does not end in .gz.",
            f"Rename it to end in .csv.gz (and {key}.path with it) so that it is decompressed when read.",
        )
    if fmt == "csv" and token is None and path.suffix.lower() in (".yaml", ".yml"):
        return (
            "this is a YAML settings file, not a table.",
            f"Point {key}.path at the table itself (a CSV, Excel or Parquet file).",
        )
    if fmt == "csv" and zipped and path.suffix.lower() == ".zip":
        return "this is a zip archive.", f"Unzip it and point {key}.path at the CSV file inside."
    if fmt == "csv" and (zipped or ole):
        return (
            "this is an Excel workbook, not a CSV file.",
            "Save it from your spreadsheet program as 'CSV UTF-8', or rename it to .xlsx so it is read as a workbook.",
        )
    if fmt == "xlsx" and ole:
        return "this is an old-style Excel file (.xls).", "Save it as .xlsx or as 'CSV UTF-8' from your spreadsheet program."
    if fmt == "xlsx" and not zipped:
        return "this is not an Excel workbook (it looks like a text file).", "Rename it to .csv so it is read as CSV."
    if fmt == "parquet" and token != "parquet":
        return "this is not a Parquet file.", "Give the file its real extension (.csv or .xlsx)."
    return None


def text_problem(path: Path, encoding: str, declared: str, key: str) -> tuple[str, str, int | None] | None:
    """``(message, fix, row)`` for the first reason the file is not ``encoding`` text, else None.

    Reads the whole file in 1 MB blocks (memory stays flat); stops at UTF-16 text given as another encoding, at
    the first NUL byte (binary data: no text export holds one) or at the first byte that does not decode.
    ``declared`` is the encoding as the engagement names it, for the message.
    """
    with open_binary(path) as fh:
        bom = fh.read(2)
    if bom in (b"\xff\xfe", b"\xfe\xff") and not encoding.startswith("utf-16"):
        return (
            "the file is UTF-16 text (Excel's 'Unicode text' export).",
            (
                f"Set 'encoding: utf-16' under {key} (such files are usually tab-separated: also set "
                f"'delimiter: \"\\t\"'), or re-save the file as CSV UTF-8."
            ),
            None,
        )
    decoder = codecs.getincrementaldecoder(encoding)()
    wide = codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))  # their text is full of NUL bytes
    line = 1
    with open_binary(path) as fh:
        while chunk := fh.read(1 << 20):
            if not wide and (nul := chunk.find(b"\x00")) >= 0:
                line += chunk[:nul].count(b"\n")
                return (
                    f"row {line} holds binary data (NUL bytes): this is not a text file.",
                    (
                        f"Point {key}.path at the CSV export itself; a database, backup, image or document cannot be "
                        "read as a table."
                    ),
                    line,
                )
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].count(b"\n")
                bad = chunk[exc.start : exc.start + 1].hex()
                guess = "cp1252 (Windows) or latin-1" if encoding.startswith("utf") else "utf-8"
                return (
                    f"row {line} is not valid {declared} text (byte 0x{bad}); the file looks like {guess}.",
                    f"Set 'encoding: {guess.split()[0]}' under {key}, or re-save the file as CSV UTF-8.",
                    line,
                )
            line += chunk.count(b"\n")
    return None


def parser_problem(text: str, delimiter: str) -> tuple[str, str, int] | None:
    """``(message, fix, row)`` for the CSV parser errors people cause (``text``: pandas' message), else None.

    The parser counts rows as a spreadsheet does: a line break inside quotes does not start a row.
    """
    delim = "a tab" if delimiter == "\t" else f"'{delimiter}'"
    if match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        expected, row, saw = map(int, match.groups())
        return (
            (
                f"row {row} has {saw} values but the header has {expected}: a value probably contains {delim} without "
                "quotes around it."
            ),
            (
                f"Put double quotes around values that contain {delim} (spreadsheet programs do this when they save CSV), "
                "or export the file again."
            ),
            row,
        )
    if match := re.search(r"EOF inside string starting (?:at|on) (?:row|line) (\d+)", text):
        row = int(match.group(1)) + 1  # counted from 0 in this message
        return (
            f"a double quote opened on row {row} is never closed, so the rest of the file reads as one value.",
            'Close the quote, or remove the stray double quote (write it twice, "", inside a quoted value).',
            row,
        )
    return None


# --------------------------------------------------------------------------- settings files (YAML)

#: Most values a settings YAML may hold once its aliases (``*name``) are expanded. A settings file holds a few
#: hundred; a "billion laughs" file of 700 bytes holds billions, and walking or validating them takes minutes.
YAML_MAX_VALUES = 100_000


class YamlTooComplex(yaml.MarkedYAMLError):
    """A YAML file whose aliases expand to more than :data:`YAML_MAX_VALUES` values or refer to themselves, or
    that is nested too deeply to read; ``problem_mark`` is where (the first alias)."""

    def where(self, path: str | Path) -> str:
        """``<path> line N``, as problems name a place."""
        return f"{path} line {self.problem_mark.line + 1}" if self.problem_mark else str(path)

    #: The fix every loader gives for it.
    fix = (
        "Write the values out instead of repeating them with anchors (&name) and aliases (*name), and nest "
        "lists and mappings a few levels deep at most: a settings file needs neither."
    )


class _CountingLoader(yaml.SafeLoader):
    """The safe loader, noting where each alias is, so a refusal can name the line."""

    def __init__(self, stream):
        super().__init__(stream)
        self.alias_marks: list[yaml.Mark] = []

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.alias_marks.append(self.peek_event().start_mark)
        return super().compose_node(parent, index)


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """``(data, node tree)`` of a YAML document, parsed once and safely; both None when it holds no document.

    Aliases are checked on the node tree before anything is built from it: one that refers to the value
    containing it, or aliases that would expand to more than :data:`YAML_MAX_VALUES` values, raise
    :class:`YamlTooComplex` (a ``yaml.YAMLError``) naming the first alias's line, at once, whatever the file.

    >>> parse_yaml("a: &one [1, 2]\\nb: *one")[0]
    {'a': [1, 2], 'b': [1, 2]}
    >>> bomb = "a: &a [x, x]\\n" + "".join(f"{k}: &{k} [*{p}, *{p}]\\n" for p, k in zip("abcdefghijklmnopq", "bcdefghijklmnopqr"))
    >>> parse_yaml(bomb)
    Traceback (most recent call last):
    ...
    cxmethods.core.files.YamlTooComplex: aliases (*name) expand the file to more than 100,000 values ...
    """
    loader = _CountingLoader(text)
    try:
        try:
            root = loader.get_single_node()
            if root is not None and loader.alias_marks:  # without aliases, YAML_LIMIT bounds the work
                _check_size(root, loader.alias_marks)
        except RecursionError:
            raise YamlTooComplex(problem="lists or mappings are nested too deeply to read", problem_mark=None) from None
        return (loader.construct_document(root) if root is not None else None), root
    finally:
        loader.dispose()


def _check_size(root: yaml.Node, aliases: list[yaml.Mark]) -> None:
    """Count the values with aliased nodes expanded, each node once (linear time); refuse past the limit."""
    first = aliases[0] if aliases else None
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise YamlTooComplex(
                problem="an alias (*name) refers to the value that contains it, so the value never ends; it was not read",
                problem_mark=first,
            )
        open_.add(key)
        children = node.value if isinstance(node, yaml.SequenceNode) else []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        total = 1
        for child in children:
            total += size(child)
            if total > YAML_MAX_VALUES:
                raise YamlTooComplex(
                    problem=(
                        f"aliases (*name) expand the file to more than {YAML_MAX_VALUES:,} values "
                        "(a 'billion laughs' file); it was not read"
                    ),
                    problem_mark=first,
                )
        open_.discard(key)
        sizes[key] = total
        return total

    size(root)


def load_yaml_file(
    path: Path, *, what: str, example: str, title: str = "The engagement has problems"
) -> tuple[Any, yaml.Node | None]:
    """Parse a settings YAML (``what``, e.g. "an engagement file"): ``(data, node tree)``; both None when the
    file holds no YAML document (only comments).

    Raises :class:`ConfigError` naming the line when the file is far too big, empty, not UTF-8 or not YAML.
    """
    where = str(path)

    def refuse(at: str, message: str, fix: str) -> ConfigError:
        return ConfigError([Problem(at, message, fix)], title=title)

    if size := too_big(path, YAML_LIMIT):
        # refused unread: settings files are a few kilobytes, and PyYAML needs many times a file's size in memory
        raise refuse(
            where,
            f"the file is {size}, but {what} is a few kilobytes: this looks like the wrong file, so it was not read.",
            f"Check the path; {example} shows what the file looks like.",
        )
    data = path.read_bytes()
    if not data.strip():
        raise refuse(where, "the file is empty.", f"Start from {example}: copy it and fill it in.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise refuse(
            f"{where} line {line}", f"not UTF-8 text (byte 0x{data[exc.start]:02x}).", "Save the file as UTF-8 in your editor."
        ) from None
    try:
        return parse_yaml(text)
    except YamlTooComplex as exc:
        raise refuse(exc.where(where), f"{exc.problem}.", exc.fix) from None
    except yaml.YAMLError as exc:
        at_line, detail = yaml_detail(exc, text)
        raise refuse(
            f"{where}{at_line}",
            f"not valid YAML{detail}.",
            "Check indentation (spaces, not tabs) and that each 'key: value' has a space after the colon.",
        ) from None


def yaml_detail(exc: yaml.YAMLError, text: str) -> tuple[str, str]:
    """``(" line N", " (tabs): what is wrong (where it began)")`` for a YAML parse error, without PyYAML's source excerpts."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or first_line(exc)
    context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and opened is not None and mark is not None and opened.line != mark.line:
        problem += f" ({context} that began on line {opened.line + 1})"
    tabs = " (it contains tab characters: YAML indents with spaces)" if "\t" in text else ""
    return (f" line {mark.line + 1}" if mark else ""), f"{tabs}: {problem}"


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks (inputs can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
