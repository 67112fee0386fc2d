"""Workshop answer files: every change saved at once, atomically.

A form is a view of its answers file, not the other way round: each change reads the file,
updates one row and writes the whole file again to a temporary file in the same folder, flushes
it to disk and renames it over the old one. A crash at any moment leaves either the previous
complete file or the new complete file, never half of one. Headless runs read the same files.

Several writers share one file (every laptop in the room through one Jupyter server, or colleagues
on a shared folder): each read-modify-write holds an exclusive lock on a hidden lock file beside the
answers file (``.self_assessment.csv.lock``), so no writer rewrites the file from a copy read before
another's save; a save returns only once it is on disk, and the lock is given up after that. A
writer killed while it holds the lock loses it with its process, so the others go on. The rewritten
file keeps the old file's permissions (and its group where the writer may set it), so a file the
team could read stays readable.

Text a spreadsheet would run as a formula (``=1+1``, ``-5 is too low``, ``@SUM(...)``) is saved with a leading
``'`` as the artifacts are (:func:`~cxmethods.io.artifacts.csv_text`), so opening the file in a spreadsheet runs
nothing; :meth:`AnswerStore.load` and the engagement's reader take the prefix off again, so what was typed
comes back exactly. Numbers, negative ones included, are saved as they are.

>>> import pathlib, tempfile
>>> folder = tempfile.TemporaryDirectory()
>>> store = AnswerStore(pathlib.Path(folder.name) / "quick_test.csv", ["question_id", "answer", "note"], ("question_id",))
>>> _ = store.upsert({"question_id": "q1"}, {"answer": "no", "note": "segments exist on paper only"})
>>> store.load().to_dict("records")
[{'question_id': 'q1', 'answer': 'no', 'note': 'segments exist on paper only'}]
>>> folder.cleanup()
"""

from __future__ import annotations

import csv
import glob
import os
import random
import secrets
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from cxmethods.core.checks import parameter_error
from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import TABLE_LIMIT, column_name, first_line, parser_problem, too_big
from cxmethods.core.schemas import INPUTS
from cxmethods.io.artifacts import csv_text, restore_formulas
from cxmethods.io.inputs import read_input

__all__ = ["LOCK_TIMEOUT", "AnswerStore", "SaveQueue", "answers_lock", "atomic_write", "load_answers", "store_for"]

LOCK_TIMEOUT = 30.0
"""Seconds a save waits for another writer's save of the same file before it gives up with a clear error.
A save takes milliseconds, and a killed writer's lock goes with its process: waiting this long means a
writer is stuck (e.g. a frozen network share), which waiting longer would not cure."""


class AnswerStore:
    """One answers CSV with a key (e.g. participant + dimension).

    Parameters
    ----------
    path : path
        The CSV file; it need not exist yet.
    columns : list of str
        Its columns, in order.
    key : tuple of str
        Columns that identify a row; :meth:`upsert` replaces the row with the same key.
    timeout : float, default LOCK_TIMEOUT
        Seconds a save waits for other writers of the same file (see :func:`answers_lock`).
    """

    def __init__(self, path: str | Path, columns: list[str], key: tuple[str, ...], *, timeout: float = LOCK_TIMEOUT):
        self.path, self.columns, self.key, self.timeout = Path(path), list(columns), tuple(key), timeout
        missing = [k for k in self.key if k not in self.columns]
        if missing:
            raise parameter_error("key", "AnswerStore", f"names from 'columns' ({', '.join(self.columns)})", self.key)

    def load(self) -> pd.DataFrame:
        """The answers as text (empty string for no value); an empty table when the file does not exist yet.

        Raises
        ------
        CxmError
            When the file exists but is not this answers table (another encoding or delimiter, far too big,
            binary, no key columns). The file is left as it is: saving over it would lose what it holds.
        """
        empty = pd.DataFrame({c: pd.Series(dtype="string") for c in self.columns})
        if not self.path.exists():
            return empty
        if size := too_big(self.path, TABLE_LIMIT):
            raise self._unreadable(f"it is {size}, far too big for workshop answers: it looks like the wrong file")
        try:
            table = pd.read_csv(self.path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
        except pd.errors.EmptyDataError:
            return empty  # no header, no rows: nothing to lose
        except UnicodeDecodeError as exc:
            raise self._unreadable(
                f"it is not UTF-8 text (byte {exc.object[exc.start]:#04x} at position {exc.start}): "
                "it was probably saved from Excel in another encoding"
            ) from None
        except (pd.errors.ParserError, csv.Error, OSError, ValueError) as exc:
            found = parser_problem(str(exc), ",")
            raise self._unreadable(found[0] if found else first_line(exc)) from None
        # saved with formula-like text prefixed (see _write): given back as it was typed
        table = restore_formulas(table).rename(columns=column_name)
        missing = [k for k in self.key if k not in table.columns]
        if missing:
            header = ", ".join(map(str, table.columns[:8]))
            raise self._unreadable(f"it has no column {' or '.join(missing)}; its header reads: {header[:200]}")
        for c in self.columns:
            if c not in table:
                table[c] = ""
        return table

    def _unreadable(self, why: str) -> CxmError:
        return CxmError(
            f"{self.path}: the answers file cannot be used ({why}), so the form leaves it as it is. "
            "Fix: run `cxm validate` on the engagement, which names the row and the setting to change (encoding, "
            "delimiter), and correct the file; or move it away to start a new one."
        )

    def upsert(self, key: dict[str, object], values: dict[str, object]) -> pd.DataFrame:
        """Set ``values`` on the row with ``key`` (adding it at the end if new), save at once, return the table."""
        return self.upsert_many([(key, values)])

    def upsert_many(self, changes: list[tuple[dict[str, object], dict[str, object]]]) -> pd.DataFrame:
        """Several upserts, in order, with one read and one write under the file's lock: the file then holds all of
        them (or, if the write fails, none). See :class:`SaveQueue` for saves arriving from many people at once."""
        for key, values in changes:
            self._check(key, values)

        # Read, change and write under one lock: a table read before another writer's save and written after
        # it would silently drop that save.
        def apply(table: pd.DataFrame) -> pd.DataFrame:
            for key, values in changes:
                match = pd.Series(True, index=table.index)
                for k, v in key.items():
                    match &= table[k] == _text(v)
                if match.any():
                    index = table.index[match][0]
                    for c, v in values.items():
                        table.loc[index, c] = _text(v)
                else:
                    row = {**{c: "" for c in self.columns}, **{k: _text(v) for k, v in key.items()}}
                    row.update({c: _text(v) for c, v in values.items()})
                    table = pd.concat([table, pd.DataFrame([row], dtype="string")], ignore_index=True)
            return table

        return self.update(apply)

    def _check(self, key: dict[str, object], values: dict[str, object]) -> None:
        if set(key) != set(self.key):
            raise parameter_error(
                "key", "AnswerStore.upsert", f"a mapping of the key columns ({', '.join(self.key)}) to values", key
            )
        if unknown := sorted(set(values) - set(self.columns)):
            raise parameter_error(
                "values",
                "AnswerStore.upsert",
                f"a mapping of {self.path.name}'s columns ({', '.join(self.columns)}) to values",
                f"unknown column(s) {', '.join(map(repr, unknown))}",
                as_text=True,
            )

    def update(self, change: Callable[[pd.DataFrame], pd.DataFrame | None]) -> pd.DataFrame:
        """Read the table, pass it to ``change`` and save the table it returns, all under the file's lock, so no
        other writer's save falls between the read and the write; ``change`` returning None saves nothing.
        Returns the table as the file now holds it. Used to change many rows at once (``cxm pool``): the file
        is then either as it was or holds every change, never some of them."""
        with answers_lock(self.path, self.timeout):
            table = self.load()
            changed = change(table)
            if changed is None:
                return table
            self._write(changed)
        return changed

    def save(self, table: pd.DataFrame) -> None:
        """Write the whole table atomically, under the file's lock (other columns a user added to the file are
        kept after ours). It replaces what the file holds: to change one row, use :meth:`upsert`."""
        with answers_lock(self.path, self.timeout):
            self._write(table)

    def _write(self, table: pd.DataFrame) -> None:
        """Write under the lock, which the caller holds: any temporary file of this answers file found now was
        left by a writer killed mid-save (no other writer can be saving), so it goes."""
        for orphan in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            orphan.unlink(missing_ok=True)
        extra = [c for c in table.columns if c not in self.columns]
        # formula-like text neutralised as in every CSV the package writes; load() takes the prefix off
        atomic_write(self.path, csv_text(table[self.columns + extra]).encode("utf-8"))


class SaveQueue:
    """Saves to one answers file from many threads at once (a workshop room), written together.

    Each caller of :meth:`upsert` waits until the file on disk holds its change. The first caller writes; changes
    that arrive while it writes wait for the next write, which takes all of them, so thirty people saving at once
    cost a few writes instead of thirty in a row (group commit). Other processes still take the file's lock.
    A change the store refuses (unknown column) is refused at once, alone; a write that fails fails every
    change it carried, and none of them is in the file.
    """

    def __init__(self, store: AnswerStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._pending: list[tuple[dict, dict, Future]] = []
        self._writing = False

    def upsert(self, key: dict[str, object], values: dict[str, object]) -> pd.DataFrame:
        """As :meth:`AnswerStore.upsert`; returns the table as written with this change in it."""
        self.store._check(key, values)
        done: Future = Future()
        with self._lock:
            self._pending.append((key, values, done))
            lead, self._writing = not self._writing, True
        while lead:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._writing = False
                    break
            try:
                table = self.store.upsert_many([(k, v) for k, v, _ in batch])
            except BaseException as exc:
                for *_, waiting in batch:
                    waiting.set_exception(exc)
            else:
                for *_, waiting in batch:
                    waiting.set_result(table)
        return done.result()


def load_answers(engagement: Engagement, name: str) -> pd.DataFrame:
    """A workshop answers table with our field names, free text redacted; empty (with its columns) before the
    workshop has begun."""
    spec = getattr(engagement.workshop, name, None)
    if spec is None or not engagement.resolve(spec.path).exists():
        return pd.DataFrame(columns=list(INPUTS[name].fields))
    return read_input(engagement, name)  # free text comes back redacted; the file keeps what was typed


def store_for(engagement: Engagement, name: str) -> AnswerStore:
    """The answers store of workshop input ``name`` (``self_assessment``, ``consensus``, ``quick_test``,
    ``role_checklist``), writing the column names the engagement's mapping reads."""
    spec = getattr(engagement.workshop, name, None)
    if spec is None:
        raise CxmError(
            f"The engagement names no workshop answers file for '{name}'. "
            f"Add under workshop: {name}: {{path: workshop/{name}.csv}} (see templates/engagement.yaml)."
        )
    fields = INPUTS[name].fields
    column = {ours: spec.columns.get(ours, ours) for ours in fields}
    return AnswerStore(engagement.resolve(spec.path), list(column.values()), tuple(column[k] for k in INPUTS[name].key))


def atomic_write(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file, complete.

    The new file keeps the old one's permission bits (and its group, where the writer may set it); a file that
    did not exist gets the usual mode for new files (0o666 less the umask). Returns once data and rename are
    on disk. It does not lock: callers that read the file first hold :func:`answers_lock` around both.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        old = os.stat(path)
    except FileNotFoundError:
        old = None
    fd, tmp = _new_temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            if old is not None:
                # A temporary file starts with the writer's umask; renamed over the old file it would take a
                # shared file's group-read away from the team.
                os.chmod(tmp, stat.S_IMODE(old.st_mode))
                if hasattr(os, "chown") and old.st_gid != os.fstat(fh.fileno()).st_gid:
                    try:
                        os.chown(tmp, -1, old.st_gid)
                    except OSError:
                        pass  # not a member of the file's group: the mode is kept, the group is the writer's
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _new_temporary(path: Path) -> tuple[int, str]:
    """A new, empty file beside ``path``, opened for writing, with the umask's mode (``mkstemp`` would give 0o600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp"))
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{path.parent}: no free name for a temporary file after 100 tries")


# One in-process lock per answers file: threads of one kernel must take turns too, and over NFS the file lock
# below is a POSIX record lock, which the threads of one process would share.
_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextmanager
def answers_lock(path: str | Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of answers file ``path`` (any process, any thread) for a read-modify-write.

    The lock is the hidden file ``.<name>.lock`` beside ``path``, locked with ``flock`` (``msvcrt.locking`` on
    Windows). The operating system releases it when its holder's process ends, however it ends, so a killed
    writer never blocks the others. On POSIX the lock file is removed on release; one left by a killed writer
    is taken over by the next.

    Parameters
    ----------
    path : path
        The answers file (it need not exist yet; its folder is created).
    timeout : float
        Seconds to wait for another writer.

    Raises
    ------
    CxmError
        When the lock is not free within ``timeout``, naming the file and the lock file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> answers = pathlib.Path(folder.name) / "consensus.csv"
    >>> with answers_lock(answers):
    ...     atomic_write(answers, b"dimension_id,agreed_level\\n")
    >>> sorted(p.name for p in pathlib.Path(folder.name).iterdir())
    ['consensus.csv']
    >>> folder.cleanup()
    """
    path = Path(path).absolute()
    lock_path = path.with_name(f".{path.name}.lock")
    deadline = time.monotonic() + timeout
    with _THREAD_LOCKS_GUARD:
        in_process = _THREAD_LOCKS.setdefault(path, threading.Lock())
    if not in_process.acquire(timeout=max(timeout, 0)):
        raise _lock_busy(path, lock_path, timeout)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = _take(path, lock_path, deadline, timeout)
        try:
            yield
        finally:
            _give_back(lock_path, fd)
    finally:
        in_process.release()


def _open_lock_file(lock_path: Path) -> int:
    try:
        return os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:
        # Left by a colleague whose umask made it read-only to us; flock needs no write access.
        return os.open(lock_path, os.O_RDONLY)


def _take(path: Path, lock_path: Path, deadline: float, timeout: float) -> int:
    """Lock ``lock_path``, polling until ``deadline``; return its open descriptor."""
    pause = 0.001
    while True:
        fd = _open_lock_file(lock_path)
        try:
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise _lock_busy(path, lock_path, timeout)
                # Random pauses, short at first: saves take milliseconds, and waiters must not wake in step.
                time.sleep(random.uniform(0, pause))
                pause = min(pause * 2, 0.005)
            if sys.platform == "win32" or _same_file(fd, lock_path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        # The holder we waited for removed the lock file on release; the lock we got is on a file nobody else
        # will open again, so start over with the current one.
        os.close(fd)


def _same_file(fd: int, lock_path: Path) -> bool:
    try:
        on_disk = os.stat(lock_path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _give_back(lock_path: Path, fd: int) -> None:
        # Windows cannot remove a file that is open, so the lock file stays (empty) for the next writer.
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _give_back(lock_path: Path, fd: int) -> None:
        # Removed while still held, so no other writer can be holding this file's lock at that moment; a waiter
        # on the removed file notices (_same_file) and starts over.
        try:
            lock_path.unlink()
        except OSError:
            pass  # e.g. a folder where only a file's owner may remove it: the empty file stays, harmlessly
        finally:
            os.close(fd)


def _lock_busy(path: Path, lock_path: Path, timeout: float) -> CxmError:
    return CxmError(
        f"{path}: the answers file is being saved by another writer, which has held its lock ({lock_path.name}) "
        f"for more than {timeout:g} s, so this save was not made. Fix: save again in a moment; if it keeps "
        "happening, look for a frozen notebook kernel or form using the same file (restart it), or a network "
        "folder that stopped responding."
    )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
