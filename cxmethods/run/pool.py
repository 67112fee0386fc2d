"""Pooling the room: the answers each laptop saved, merged into one engagement's workshop answers (``cxm pool``).

In a training room every participant works in a pack of their own (:func:`~cxmethods.run.packs.make_pack`), so
each laptop saves its answers to its own copy of the workshop answers files. :func:`pool_answers` brings them
back into one engagement, one answers file kind at a time (``self_assessment``, ``consensus``, ``quick_test``,
``role_checklist``, ``segment_names``, ``assumptions``, ``backlog``):

* A row is placed by the file's key (``participant`` and ``dimension_id`` for the self-assessment,
  ``dimension_id`` for the consensus, see :data:`~cxmethods.core.schemas.INPUTS`). A key the engagement does
  not hold yet is **added**; a row it already holds, word for word, is **already there**.
* An empty cell never conflicts with a filled one: the filled value wins (a laptop that left a note empty does
  not erase the note another typed), and a row of the engagement so completed is **updated**.
* Two different filled values for the same key and column, whether between the engagement and a source or
  between two sources, are a **conflict**. A file kind with any conflict is not written at all, so nothing is
  half-merged; the report names the key, the column and every file and row holding a value. Fix one side, or
  keep one source's values with ``prefer``.

Columns are read by the name each engagement gives them (its ``columns`` mapping) or by our field name, and
written by the name the receiving engagement gives them; other columns of the receiving file are kept. Every
write goes through :class:`~cxmethods.io.answers.AnswerStore` under the file's lock, read and write together,
so pooling while the room is still saving loses no one's save. What was typed comes back exactly: commas,
quotes, line breaks and text a spreadsheet would take for a formula.

A source may be:

* a **pack** folder (``cxm pack``: its ``*/engagement.yaml``), or any folder holding an ``engagement.yaml``;
* an **engagement YAML**: the answers files its ``workshop:`` section names;
* a **workshop folder** without an engagement: the CSV files in it named after a kind (``self_assessment.csv``)
  or as the receiving engagement names that kind's file;
* a single **answers CSV**, named the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxmethods.core.config import Engagement, Workshop, load_engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import column_name
from cxmethods.core.schemas import INPUTS
from cxmethods.io.answers import AnswerStore, store_for

__all__ = ["ANSWER_KINDS", "Answers", "Conflict", "KindPool", "PoolResult", "answers_files", "pool_answers"]

#: The workshop answers file kinds, in the order the workbooks fill them.
ANSWER_KINDS: tuple[str, ...] = tuple(Workshop.model_fields)

_FIX = (
    "make the values agree in one of the files (or empty the cell on one side: a filled cell wins over an "
    "empty one), then pool again; or keep one source's values with --prefer SOURCE."
)


@dataclass(frozen=True)
class Answers:
    """One answers file read for pooling.

    Attributes
    ----------
    kind : str
        The answers file kind (one of :data:`ANSWER_KINDS`).
    path : pathlib.Path
        The file.
    origin : pathlib.Path
        The source it came from, as given (resolved): a pack folder, an engagement YAML, a folder or the file.
    table : pandas.DataFrame
        Its rows as text ("" for no value), with our field names (columns the file lacks are empty) and any
        other columns the file has; the index is the spreadsheet row number (the header is row 1).
    """

    kind: str
    path: Path
    origin: Path
    table: pd.DataFrame


@dataclass(frozen=True)
class Conflict:
    """Different filled values for one key and column: ``places`` holds (file, row, value, is the target)."""

    kind: str
    key: dict[str, str]
    column: str
    places: tuple[tuple[Path, int, str, bool], ...]

    def lines(self) -> list[str]:
        key = ", ".join(f"{k} {v!r}" for k, v in self.key.items())
        out = [f"{self.kind}: {key}: {self.column} differs"]
        for path, row, value, is_target in self.places:
            shown = value if len(value) <= 70 else value[:67] + "..."
            out.append(f"    {shown!r:<24} {'(target) ' if is_target else ''}{path}, row {row}")
        return out


@dataclass
class KindPool:
    """What pooling did to one answers file kind of the receiving engagement.

    ``added``: keys new to the target; ``already``: keys the sources hold that the target held as they are;
    ``updated``: rows of the target whose empty cells were filled (or replaced by the ``prefer`` source).
    ``written`` is True only when the target file was rewritten.
    """

    kind: str
    target: Path | None
    sources: list[Path] = field(default_factory=list)
    added: int = 0
    already: int = 0
    updated: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.problems

    @property
    def changes(self) -> bool:
        return bool(self.added or self.updated)


@dataclass
class PoolResult:
    """Every answers file kind the sources held, in :data:`ANSWER_KINDS` order."""

    kinds: list[KindPool]
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return all(k.ok for k in self.kinds)

    def report(self) -> list[str]:
        """The report as lines of text: one summary line per kind, then each conflict and problem with its fix."""
        lines = []
        for k in self.kinds:
            counts = f"{k.added} added, {k.already} already there, {k.updated} updated"
            if not k.ok:
                what = f"{len(k.conflicts)} conflict(s)" if k.conflicts else f"{len(k.problems)} problem(s)"
                state = f"REFUSED ({what}); nothing written"
            elif not k.changes:
                state = "nothing to change"
            else:
                state = "dry run: not written" if self.dry_run else "written"
            lines.append(f"{k.kind}: {counts}; {state} ({k.target or 'no answers file in the target engagement'})")
        for k in self.kinds:
            for conflict in k.conflicts:
                lines += conflict.lines()
            if k.conflicts:
                same = (
                    " Two people who typed the same name: rename one in their file."
                    if "participant" in INPUTS[k.kind].key
                    else ""
                )
                lines.append(f"  Fix: {_FIX}{same} {k.target} was left as it was.")
            lines += [f"{k.kind}: {p}" for p in k.problems]
        return lines


def pool_answers(
    sources: list[str | Path], into: str | Path, *, dry_run: bool = False, prefer: str | Path | None = None
) -> PoolResult:
    """Merge the workshop answers of ``sources`` into those of engagement ``into``.

    Parameters
    ----------
    sources : list of path
        Pack folders, engagement YAMLs, workshop folders or single answers CSVs (see the module's notes).
    into : path
        The receiving engagement's YAML, or a folder holding ``engagement.yaml``.
    dry_run : bool, default False
        Work out and report everything, write nothing.
    prefer : path, optional
        One of ``sources`` (as given) or ``into``: where values conflict, this source's filled value is kept
        and the conflict counts as resolved. Conflicts it has no value in stay conflicts.

    Returns
    -------
    PoolResult
        Per kind: rows added, already there, updated, and the conflicts (a kind with any is not written).

    Raises
    ------
    CxmError
        When a source or the engagement cannot be read, or ``prefer`` is none of them.

    Examples
    --------
    >>> import pathlib, shutil, tempfile
    >>> from cxmethods.core.paths import sample_dir
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = shutil.copytree(sample_dir(), folder / "room")
    >>> laptop = folder / "laptop" / "quick_test.csv"
    >>> laptop.parent.mkdir()
    >>> _ = laptop.write_text("question_id,answer,note\\nq1,yes,\\nq9,,\\"Asked, but nobody knows\\"\\n")
    >>> pool_answers([laptop], folder / "room").report()[0].split(" (")[0]
    'quick_test: 0 added, 1 already there, 1 updated; written'
    >>> (folder / "room" / "workshop" / "quick_test.csv").read_text().splitlines()[-1]
    'q9,yes,yes,"Asked, but nobody knows"'
    >>> _ = laptop.write_text("question_id,answer,note\\nq9,no,\\n")
    >>> print("\\n".join(pool_answers([laptop], folder / "room").report()))  # doctest: +ELLIPSIS
    quick_test: 0 added, 0 already there, 0 updated; REFUSED (1 conflict(s)); nothing written (...quick_test.csv)
    quick_test: question_id 'q9': answer differs
        'yes'                    (target) .../room/workshop/quick_test.csv, row 10
        'no'                     .../laptop/quick_test.csv, row 2
      Fix: make the values agree in one of the files ...
    >>> shutil.rmtree(folder)
    """
    into_path = _engagement_file(Path(into).expanduser(), "--into")
    target = load_engagement(into_path)
    given = [Path(s).expanduser() for s in sources]
    origins = [p.resolve() for p in given]
    preferred = Path(prefer).expanduser().resolve() if prefer is not None else None
    if preferred is not None and preferred not in {*origins, into_path.resolve(), Path(into).expanduser().resolve()}:
        raise CxmError(
            f"--prefer {prefer} is not one of the sources nor the target engagement, so it would keep nothing. "
            f"Fix: give --prefer one of the SOURCES exactly as listed ({', '.join(map(str, given))}) or {into}."
        )
    if preferred is not None and preferred == Path(into).expanduser().resolve():
        preferred = into_path.resolve()
    found = list({a.path.resolve(): a for source in given for a in answers_files(source, target)}.values())
    kinds = [k for k in ANSWER_KINDS if any(a.kind == k for a in found)]
    return PoolResult([_pool_kind(k, [a for a in found if a.kind == k], target, preferred, dry_run) for k in kinds], dry_run)


def answers_files(source: str | Path, target: Engagement) -> list[Answers]:
    """The answers files source ``source`` holds, read (kinds the sources name but whose file does not exist yet
    are left out); ``target`` is the receiving engagement, whose file names and columns a source without an
    engagement of its own is read by."""
    path = Path(source).expanduser()
    origin = path.resolve()
    if not path.exists():
        raise CxmError(
            f"{path}: no such file or folder. Fix: give a pack folder, an engagement YAML, a workshop folder or an "
            "answers CSV file."
        )
    if path.is_dir():
        if (path / "engagement.yaml").is_file():
            return _from_engagement(path / "engagement.yaml", origin)
        if packs := sorted(path.glob("*/engagement.yaml")):
            return [a for yaml in packs for a in _from_engagement(yaml, origin)]
        files = {p: kind for p in sorted(path.iterdir()) if p.is_file() and (kind := _kind_of(p, target))}
        if not files:
            names = ", ".join(f"{k}.csv" for k in ANSWER_KINDS)
            raise CxmError(
                f"{path} holds no engagement.yaml (nor a pack's */engagement.yaml) and no answers file ({names}), "
                "so there is nothing to pool from it. Fix: give the pack folder, its engagement YAML or the "
                "workshop folder of the laptop's answers."
            )
        return [_from_file(p, kind, target, origin) for p, kind in files.items()]
    if path.suffix.lower() in (".yaml", ".yml"):
        return _from_engagement(path, origin)
    kind = _kind_of(path, target)
    if kind is None:
        names = ", ".join(f"{k}.csv" for k in ANSWER_KINDS)
        raise CxmError(
            f"{path}: not an answers file pooling knows by its name ({names}, or as the target engagement names "
            "them under workshop:), nor an engagement YAML or folder. Fix: give the laptop's engagement YAML or "
            "pack folder, or rename the file after what it holds (e.g. self_assessment.csv)."
        )
    return [_from_file(path, kind, target, origin)]


def _engagement_file(path: Path, option: str) -> Path:
    if path.is_dir():
        if not (path / "engagement.yaml").is_file():
            raise CxmError(f"{path} holds no engagement.yaml. Fix: give {option} the engagement YAML itself.")
        return path / "engagement.yaml"
    return path


def _from_engagement(yaml: Path, origin: Path) -> list[Answers]:
    eng = load_engagement(yaml)
    found = []
    for kind in ANSWER_KINDS:
        spec = getattr(eng.workshop, kind)
        if spec is not None and eng.resolve(spec.path).is_file():
            found.append(_read(kind, eng.resolve(spec.path), spec.columns, origin))
    return found


def _from_file(path: Path, kind: str, target: Engagement, origin: Path) -> Answers:
    spec = getattr(target.workshop, kind)
    return _read(kind, path, spec.columns if spec is not None else {}, origin)


def _kind_of(path: Path, target: Engagement) -> str | None:
    """The answers kind a file holds, by its name: the kind's own (``consensus.csv``) or the target's file name."""
    if path.suffix.lower() != ".csv":
        return None
    if path.stem in ANSWER_KINDS:
        return path.stem
    for kind in ANSWER_KINDS:
        spec = getattr(target.workshop, kind)
        if spec is not None and Path(spec.path).name == path.name:
            return kind
    return None


def _read(kind: str, path: Path, columns: dict[str, str], origin: Path) -> Answers:
    """Read ``path`` as the forms do (formula prefixes taken off), columns renamed to our field names."""
    raw = AnswerStore(path, [], ()).load()  # every column, as text; a file that is not a table is refused
    return Answers(kind, path, origin, _ours(raw, kind, columns, path))


def _ours(raw: pd.DataFrame, kind: str, columns: dict[str, str], path: Path) -> pd.DataFrame:
    """``raw`` with our field names: each field's column as ``columns`` maps it, else the column of its name."""
    spec = INPUTS[kind]
    rename = {}
    for ours in spec.fields:
        theirs = column_name(columns.get(ours, ours))
        if theirs in raw.columns:
            rename[theirs] = ours
        elif ours in raw.columns:
            rename[ours] = ours
    table = raw.rename(columns=rename)
    if len(raw.columns) and (missing := [k for k in spec.key if k not in table.columns]):
        header = ", ".join(map(str, raw.columns[:8]))
        wanted = " or ".join(dict.fromkeys([column_name(columns.get(k, k)) for k in missing] + missing))
        raise CxmError(
            f"{path}: the {kind.replace('_', ' ')} answers file has no column {wanted} (its header reads: "
            f"{header[:200]}), so its rows cannot be matched. Fix: name the column as the engagement's "
            f"workshop.{kind}.columns does, or '{missing[0]}'."
        )
    for ours in spec.fields:
        if ours not in table:
            table[ours] = ""
    table = table.astype("string").fillna("")
    table.index = pd.RangeIndex(2, 2 + len(table))
    return table


def _pool_kind(kind: str, sources: list[Answers], target: Engagement, prefer: Path | None, dry_run: bool) -> KindPool:
    try:
        store = store_for(target, kind)
    except CxmError as exc:
        return KindPool(kind, None, [a.path for a in sources], problems=[str(exc)])
    here = store.path.resolve()
    sources = [a for a in sources if a.path.resolve() != here]  # the target's own file, given as a source too
    mapping = dict(zip(INPUTS[kind].fields, store.columns, strict=True))
    origin = target.path.resolve() if target.path else here
    outcome: list[KindPool] = []

    def change(table: pd.DataFrame) -> pd.DataFrame | None:
        current = Answers(kind, store.path, origin, _ours(table, kind, mapping, store.path))
        pool, merged = _merge(current, sources, prefer)
        outcome.append(pool)
        if dry_run or merged is None:
            return None
        return merged.rename(columns=mapping).reset_index(drop=True)

    try:
        if dry_run:
            change(store.load())  # no lock: nothing is written
        else:
            store.update(change)  # read, merged and written under the file's lock
    except CxmError as exc:  # the target's file unreadable, or its lock held too long: this kind only
        return KindPool(kind, store.path, [a.path for a in sources], problems=[str(exc)])
    pool = outcome[-1]
    pool.written = not dry_run and pool.ok and pool.changes
    return pool


def _merge(target: Answers, sources: list[Answers], prefer: Path | None) -> tuple[KindPool, pd.DataFrame | None]:
    """Pool ``sources`` into ``target``'s table; the merged table (our names) when all agree and something changes."""
    kind = target.kind
    spec = INPUTS[kind]
    fields, key = list(spec.fields), spec.key
    pool = KindPool(kind, target.path, [a.path for a in sources])
    rows: dict[tuple[str, ...], list[tuple[Answers, int, dict[str, str]]]] = {}
    for answers in (target, *sources):
        records: list[dict[str, str]] = answers.table[fields].to_dict("records")  # type: ignore[assignment]
        for number, row in zip(answers.table.index.tolist(), records, strict=True):
            if not any(v.strip() for v in row.values()):
                continue  # an empty line
            if empty := [k for k in key if not row[k].strip()]:
                pool.problems.append(
                    f"{answers.path}, row {number}: no {empty[0]}, so the row cannot be matched. Fix: fill in its "
                    f"{' and '.join(empty)} (or delete the row), then pool again."
                )
                continue
            rows.setdefault(tuple(row[k] for k in key), []).append((answers, number, row))
    merged: dict[tuple[str, ...], dict[str, str]] = {}
    for k, found in rows.items():
        row = dict(zip(key, k, strict=True))
        held = [r for a, _, r in found if a is target]
        disputed = False
        for column in fields:
            if column in key:
                continue
            filled = [(a, n, r[column]) for a, n, r in found if r[column].strip()]
            values = list(dict.fromkeys(v for _, _, v in filled))
            if len(values) > 1:
                kept = {v for a, _, v in filled if prefer is not None and a.origin == prefer}
                if len(kept) == 1:
                    values = list(kept)
                else:
                    places = tuple((a.path, n, v, a is target) for a, n, v in filled)
                    pool.conflicts.append(Conflict(kind, dict(zip(key, k, strict=True)), column, places))
                    disputed = True
            row[column] = values[0] if values else found[0][2][column]
        merged[k] = row
        if disputed:
            continue  # counted as a conflict, neither added nor there
        if not held:
            pool.added += 1
        elif any(r != row for r in held):
            pool.updated += 1
        elif any(a is not target for a, _, _ in found):
            pool.already += 1
    if not pool.ok or not pool.changes:
        return pool, None
    table = target.table.copy()
    keys = [tuple(r) for r in table[list(key)].itertuples(index=False)]
    for i, k in zip(table.index, keys, strict=True):
        if k in merged:
            for column, value in merged[k].items():
                table.loc[i, column] = value
    held_keys = set(keys)
    new = [row for k, row in merged.items() if k not in held_keys]
    if new:
        table = pd.concat([table, pd.DataFrame(new, dtype="string")], ignore_index=True).fillna("")
    return pool, table
