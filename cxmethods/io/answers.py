"""Workshop answer files: every change saved at once, atomically.

A form is a view of its answers file, not the other way round: each change reads the file,
updates one row and writes the whole file again to a temporary file in the same folder, flushes
it to disk and renames it over the old one. A crash at any moment leaves either the previous
complete file or the new complete file, never half of one. Headless runs read the same files.

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
import io
import os
import tempfile
from pathlib import Path

import pandas as pd

from cxmethods.core.checks import parameter_error
from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import TABLE_LIMIT, column_name, first_line, parser_problem, too_big
from cxmethods.core.schemas import INPUTS
from cxmethods.io.inputs import read_input

__all__ = ["AnswerStore", "atomic_write", "load_answers", "store_for"]


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
    """

    def __init__(self, path: str | Path, columns: list[str], key: tuple[str, ...]):
        self.path, self.columns, self.key = Path(path), list(columns), tuple(key)
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
        table = table.rename(columns=column_name)
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
        table = self.load()
        match = pd.Series(True, index=table.index)
        for k, v in key.items():
            match &= table[k] == _text(v)
        row = {**{c: "" for c in self.columns}, **{k: _text(v) for k, v in key.items()}}
        if match.any():
            index = table.index[match][0]
            for c, v in values.items():
                table.loc[index, c] = _text(v)
        else:
            row.update({c: _text(v) for c, v in values.items()})
            table = pd.concat([table, pd.DataFrame([row], dtype="string")], ignore_index=True)
        self.save(table)
        return table

    def save(self, table: pd.DataFrame) -> None:
        """Write the whole table atomically (other columns a user added to the file are kept after ours)."""
        extra = [c for c in table.columns if c not in self.columns]
        buffer = io.StringIO()
        table[self.columns + extra].to_csv(buffer, index=False, lineterminator="\n")
        atomic_write(self.path, buffer.getvalue().encode("utf-8"))


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
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file, complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
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


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
