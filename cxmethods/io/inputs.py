"""Read an engagement's input tables through its column mapping, checking every value.

:func:`read_input` returns a DataFrame with *our* field names and proper types, whatever the
user's export called its columns. :func:`check_input` returns every problem instead of raising.

Two kinds of table are treated differently on bad values:

* hand-made tables (workshop answers, initiatives) are **strict**: any unreadable value is an
  error, because a person can fix it and the method must not guess;
* system exports (contact logs, surveys) are **tolerant**: a few unreadable values become
  missing and are reported as warnings (a data-quality entry), never dropped silently. When more
  than one value in ten of a column cannot be read, a setting is usually wrong (date format,
  delimiter), so that is an error.

Row numbers in messages are spreadsheet rows: the header is row ``header_row`` (1 by default).
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement, InputFile
from cxmethods.core.errors import InputError, Problem
from cxmethods.core.files import (
    MAX_LINE,
    TABLE_LIMIT,
    Unreadable,
    column_name,
    described,
    file_format,
    first_line,
    first_lines,
    guarded,
    human_size,
    not_a_file,
    parser_problem,
    plausible_header,
    text_problem,
    too_big,
    unreadable,
    wrong_kind,
)
from cxmethods.core.paths import templates_dir
from cxmethods.core.schemas import INPUTS, KINDS, Field
from cxmethods.core.yamlfile import did_you_mean
from cxmethods.io.artifacts import restore_formula, restore_formulas
from cxmethods.io.questionnaire import survey_columns, survey_fields
from cxmethods.io.redact import redact_series
from cxmethods.io.values import NOTES, coerce, hint, rating_hint

__all__ = ["STRICT_INPUTS", "InputScan", "check_input", "read_input", "scan_input"]

#: Inputs where any unreadable value is an error rather than a data-quality warning.
STRICT_INPUTS = frozenset(
    {
        "initiatives",
        "stakeholders",
        "self_assessment",
        "consensus",
        "quick_test",
        "role_checklist",
        "segment_names",
        "levers",
        "assumptions",
        "backlog",
    }
)

_TOLERANCE = 0.10  # share of unreadable values above which a tolerant input fails
_CHUNK_ROWS = 100_000
#: Most columns an input may have. A survey export has a few hundred; 100,000 columns needed 5 GB and minutes
#: to read, so a wider file is refused before pandas reads it.
MAX_COLUMNS = 2_000
#: Most cells (rows x columns, estimated from the file's size and its first rows) a CSV input may have; at about a
#: million cells a second, more would take hours. A compressed file's cells cannot be estimated before reading.
MAX_CELLS = 500_000_000
#: Cells per chunk read: a wide file is read in fewer rows at a time, so memory stays the same whatever its width.
_CHUNK_CELLS = 2_000_000
_EXAMPLES = 5


def read_input(engagement: Engagement, name: str) -> pd.DataFrame:
    """Read input ``name`` (e.g. ``"contact_log"``) with our field names and types.

    Unmapped optional fields are absent from the result. Warnings (tolerated bad values, now
    missing) are in ``df.attrs["problems"]``. Free-text fields (``Field.free_text``: evidence, rationales,
    notes, descriptions, objectives) come back with personal data redacted (:mod:`cxmethods.io.redact`, with its
    name model except for the segments' personas).

    Raises
    ------
    InputError
        When the file cannot be read or has errors; lists every one.
    """
    loaded = scan_input(engagement, name)
    errors = [p for p in loaded.problems if p.severity == "error"]
    if errors or loaded.table is None:
        raise InputError(errors, title=f"The {name} input cannot be used")
    # What people typed may name someone: never into an output. Outputs quote it word for word, so the name model
    # runs too; not on segments, whose names are personas ("Busy Brenda") by the method's custom.
    for name_, field_ in INPUTS[name].fields.items():
        if field_.free_text and name_ in loaded.table:
            loaded.table[name_] = redact_series(loaded.table[name_], model=name != "segment_names")
    if name == "survey" and "respondent_id" not in loaded.table:  # an anonymous export: its rows are the respondents
        rows = loaded.table.attrs.get("rows", range(len(loaded.table)))
        loaded.table.insert(0, "respondent_id", pd.Series([f"row {r}" for r in rows], dtype="string"))
    loaded.table.attrs["problems"] = loaded.problems
    return loaded.table


def check_input(engagement: Engagement, name: str) -> list[Problem]:
    """Every problem with input ``name``: errors and data-quality warnings (reads in chunks, keeps no table)."""
    return scan_input(engagement, name, keep=False).problems


@dataclass
class InputScan:
    """What reading one input found. ``table`` is None when not kept or unreadable."""

    table: pd.DataFrame | None
    problems: list[Problem]
    rows: int = 0
    fields: int = 0
    first: pd.Timestamp | None = None  # earliest created_at, for tables that have one
    last: pd.Timestamp | None = None
    mapped: tuple[str, ...] = ()  # our fields the file provides


def scan_input(engagement: Engagement, name: str, *, keep: bool = True) -> InputScan:
    """Read and check input ``name``; keep the table only when ``keep`` (checking a big export does not)."""
    tables = engagement.tables()
    if name not in tables:
        where = engagement.path or "the engagement"
        raise InputError(
            [
                Problem(
                    str(where),
                    f"the engagement names no '{name}' input.{did_you_mean(name, INPUTS)}",
                    "Add it under inputs: (or workshop:) with a path; see templates/engagement.yaml.",
                )
            ]
        )
    section, spec = tables[name]
    path = engagement.resolve(spec.path)
    period, zone = getattr(engagement, "period", None), getattr(engagement, "timezone", None)
    return _Reader(name, section, spec, path, period, zone).run(keep)


def _as_is(value: object) -> object:
    return value


@dataclass
class _Issue:
    count: int = 0
    rows: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, name: str, section: str, spec: InputFile, path: Path, period=None, timezone: str | None = None):
        self.name, self.section, self.spec, self.path, self.period = name, section, spec, path, period
        self.timezone = timezone
        # a survey is read with its own questionnaire: the items and attributes the engagement declares
        self.fields = survey_fields(spec) if name == "survey" else INPUTS[name].fields
        self.columns = survey_columns(spec) if name == "survey" else dict(spec.columns)
        self.strict = name in STRICT_INPUTS
        self.where = str(path)
        self.key = f"{section}.{name}"
        self.problems: list[Problem] = []

    def error(self, message: str, fix: str, **kw) -> None:
        self.problems.append(Problem(self.where, message, fix, **kw))

    # -- file level --------------------------------------------------------

    def run(self, keep: bool) -> InputScan:
        if what := not_a_file(self.path):  # looked at unopened: a FIFO or a device would hang or never end
            fix = "Correct the path; relative paths start at the folder of the engagement YAML."
            if what != "file not found":
                fix = f"Point {self.key}.path at the {self.name.replace('_', ' ')} file itself (a CSV, Excel or Parquet file)."
            if re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", self.spec.path):  # only files on this machine are read
                what, fix = (
                    "this is a web address, not a file",
                    f"Download the file and set {self.key}.path to where it is saved.",
                )
            self.error(f"{what} ({self.key}.path is '{self.spec.path}', read from the engagement file's folder).", fix)
            return InputScan(None, self.problems)
        if self.path.stat().st_size == 0 and self.section == "workshop":  # as the forms see it: nothing answered yet
            self.problems.append(
                Problem(
                    self.where, "no answers yet (the file is empty).", "Nothing to do before the workshop.", severity="warning"
                )
            )
            return InputScan(pd.DataFrame(columns=list(self.fields)) if keep else None, self.problems)
        if self.path.stat().st_size == 0:
            self.error(
                "the file is empty (no header, no rows).", "Export the data again, or remove the input from the engagement."
            )
            return InputScan(None, self.problems)
        if self.strict and (size := too_big(self.path, TABLE_LIMIT)):
            # refused unread: a hand-made table this big is another file picked by mistake, and would fill memory
            layout = templates_dir() / f"{self.name}.csv"
            example = f" (templates/{layout.name} shows its layout)" if layout.is_file() else ""
            table = self.name.replace("_", " ")
            self.error(
                f"the file is {size}, far too big for the {table} table (a few kilobytes): this looks like the wrong "
                f"file, so it was not read (the limit is {human_size(TABLE_LIMIT)}).",
                f"Check that {self.key}.path points at the {table} table{example}.",
            )
            return InputScan(None, self.problems)
        fmt = file_format(self.path)
        if self.spec.sheet is not None and fmt != "xlsx":
            self.problems.append(
                Problem(
                    self.where,
                    f"{self.key}.sheet is '{self.spec.sheet}', but this file is read as {fmt.upper()}, which has no sheets; "
                    "the setting is ignored.",
                    f"Remove sheet: from {self.key}, or point the path at the Excel workbook (.xlsx) itself.",
                    severity="warning",
                )
            )
        if found := wrong_kind(self.path, fmt, self.key):
            self.error(*found)
            return InputScan(None, self.problems)
        try:
            frames = self._frames_csv() if fmt == "csv" else self._frames_other(fmt)
            if frames is None:
                return InputScan(None, self.problems)
            return self._convert(frames, keep)
        except Unreadable as exc:
            if fmt == "csv" and (parsed := parser_problem(first_line(exc.__cause__), self.spec.delimiter)):
                message, fix, row = parsed
                self.error(message, fix, rows=(row,))
                return InputScan(None, self.problems)
            fix = (
                "Check the delimiter, quoting and that every row has as many fields as the header."
                if fmt == "csv"
                else f"Open the file in the program that made it and save it again as {fmt}."
            )
            self.error(f"cannot be read as {fmt.upper()}: {first_line(exc.__cause__)}.", fix)
            return InputScan(None, self.problems)

    def _frames_csv(self):
        spec = self.spec
        encoding = "utf-8-sig" if codecs.lookup(spec.encoding).name == "utf-8" else spec.encoding
        with unreadable():
            if found := text_problem(self.path, encoding, spec.encoding, self.key):
                message, fix, row = found
                self.error(message, fix, rows=(row,) if row else ())
                return None
            lines = first_lines(self.path, encoding, spec.header_row + 20)
        if lines and len(lines[-1]) >= MAX_LINE and not lines[-1].endswith(("\n", "\r")):
            self.error(
                f"row {len(lines)} is over {human_size(MAX_LINE)} long with no line break: this does not look like a table.",
                f"Check that {self.key}.path points at the CSV export itself.",
                rows=(len(lines),),
            )
            return None
        if len(lines) < spec.header_row or not lines[spec.header_row - 1].strip():
            self.error(
                f"row {spec.header_row} should hold the column names but is empty"
                f"{' (the file has no data rows)' if len(lines) <= 1 else ''}.",
                "Export the data again with a header row, or set header_row to the row that holds the column names.",
            )
            return None
        # Workshop answers are saved with formula-like text prefixed (cxmethods.io.answers): read as typed.
        restore = restore_formula if self.section == "workshop" else _as_is
        with unreadable():
            rows = [[column_name(restore(c)) for c in row] for row in csv.reader(lines, delimiter=spec.delimiter)]
        header = rows[spec.header_row - 1]
        if not self._within_limits(len(header), lines, spec.header_row):
            return None
        if not self._check_header(header, rows, lines):
            return None
        self.first_row = spec.header_row + 1
        # All columns are parsed (no usecols): only then does pandas refuse a row with too many fields
        # (e.g. an unquoted comma in a comment) instead of silently shifting its values.
        with unreadable():
            reader = pd.read_csv(
                self.path,
                sep=spec.delimiter,
                encoding=encoding,
                skiprows=spec.header_row - 1,
                header=0,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                chunksize=max(1_000, min(_CHUNK_ROWS, _CHUNK_CELLS // len(header))),
                compression="infer",
            )
        if self.section == "workshop":
            return guarded(restore_formulas(chunk).rename(columns=column_name) for chunk in reader)
        return guarded(chunk.rename(columns=column_name) for chunk in reader)

    def _frames_other(self, fmt: str):
        spec = self.spec
        rows = None
        with unreadable(ValueError, ImportError):
            if fmt == "parquet":
                import pyarrow.parquet as pq

                raw_names = pq.read_schema(self.path).names  # the schema alone: nothing read yet
                names = [column_name(c) for c in raw_names]
                if not self._within_limits(len(names), None, 1) or not self._check_header(names, None, None):
                    return None
                # only the mapped columns are read (a Parquet file is read by column)
                wanted = sorted(set(self.mapping.values()), key=names.index)
                df = pd.read_parquet(self.path, columns=[c for c in raw_names if column_name(c) in wanted])
                df.columns = [column_name(c) for c in df.columns]
                self.first_row = 2
                return iter([df[wanted].astype("string").fillna("")])
            else:
                book = pd.ExcelFile(self.path)
                if spec.sheet is not None and spec.sheet not in book.sheet_names:
                    self.error(
                        f"the workbook has no sheet '{spec.sheet}'.{did_you_mean(spec.sheet, map(str, book.sheet_names))}",
                        f"Set sheet under {self.key} to one of: {', '.join(map(str, book.sheet_names))}.",
                    )
                    return None
                grid = pd.read_excel(book, sheet_name=spec.sheet or 0, header=None, dtype=str).fillna("")
                rows = [[column_name(c) for c in row] for row in grid.head(spec.header_row + 20).itertuples(index=False)]
                if len(rows) < spec.header_row:
                    self.error(
                        f"the sheet has fewer than {spec.header_row} rows.", f"Check sheet and header_row under {self.key}."
                    )
                    return None
                df = grid.iloc[spec.header_row :]
                df.columns = rows[spec.header_row - 1]
                self.first_row = spec.header_row + 1
        df.columns = [column_name(c) for c in df.columns]
        if not self._within_limits(len(df.columns), None, spec.header_row) or not self._check_header(
            list(df.columns), rows, None
        ):
            return None
        used = sorted(set(self.mapping.values()), key=list(df.columns).index)
        df = df[used].astype("string").fillna("")
        return iter([df])

    def _within_limits(self, columns: int, lines: list[str] | None, header_row: int) -> bool:
        """False (with the error) when the file has more than :data:`MAX_COLUMNS` columns, or, estimated from
        its size and first rows, more than :data:`MAX_CELLS` cells; checked before the table is read."""
        fix = (
            f"Export only the columns the engagement maps under {self.key}.columns (delete the others in your "
            f"spreadsheet or export tool), then point {self.key}.path at that file."
        )
        if columns > MAX_COLUMNS:
            self.error(
                f"row {header_row} names {columns:,} columns, more than the {MAX_COLUMNS:,} an input may have (a survey "
                "export has a few hundred), so the file was not read.",
                fix,
                rows=(header_row,),
            )
            return False
        data = (lines or [])[header_row:]
        if data and self.path.suffix.lower() not in (".gz", ".bz2", ".xz", ".zip"):
            per_row = max(1.0, sum(len(line.encode("utf-8", "replace")) for line in data) / len(data))
            cells = int(self.path.stat().st_size / per_row) * columns
            if cells > MAX_CELLS:
                self.error(
                    f"the file holds about {cells:,} values ({columns:,} columns x about {cells // columns:,} rows), more "
                    f"than the {MAX_CELLS:,} an input may have, so it was not read.",
                    fix + " A longer period can be split into several files, one per year.",
                )
                return False
        return True

    def _check_header(self, header: list[str], rows, lines) -> bool:
        spec, fields = self.spec, self.fields
        if len(header) == 1 and lines is not None:
            for delim, label in ((";", "';'"), ("\t", "a tab"), ("|", "'|'"), (",", "','")):
                if delim != spec.delimiter and delim in lines[spec.header_row - 1]:
                    self.error(
                        f"row {spec.header_row} has a single column; the file seems to use {label} between values, "
                        f"not {spec.delimiter!r}.",
                        f"Set 'delimiter: \"{delim if delim != chr(9) else chr(92) + 't'}\"' under {self.key}.",
                        rows=(spec.header_row,),
                    )
                    return False
        # the header row may be quoted in a message only when it is one: a path set to another file (a system
        # file, a letter, a log) must not have its first line printed
        self.shown = plausible_header(header, None if rows is None else rows[spec.header_row :])
        mapping = {ours: column_name(self.columns.get(ours, ours)) for ours in fields}
        mapping = {ours: theirs for ours, theirs in mapping.items() if ours in self.columns or theirs in header}
        # a column is found by its name, so one without a name cannot be read: said first, in words of its position
        nameless = {ours: theirs for ours, theirs in mapping.items() if not theirs or _unnamed(theirs, header) is not None}
        for ours, theirs in nameless.items():
            self._nameless(ours, theirs, header)
        mapping = {ours: theirs for ours, theirs in mapping.items() if ours not in nameless}
        missing = {ours: theirs for ours, theirs in mapping.items() if theirs not in header}
        unmapped = [ours for ours in self.fields if fields[ours].required and ours not in mapping and ours not in nameless]
        if (missing or unmapped or not mapping) and rows is not None:
            wanted = {column_name(c) for c in self.columns.values()} - {""} or set(fields)
            for i, row in enumerate(rows[spec.header_row :], start=spec.header_row + 1):
                if len(wanted & {c.strip() for c in row}) >= max(1, min(len(wanted), 2)):
                    self.error(
                        f"the column names seem to be on row {i}, not row {spec.header_row}.",
                        f"Set 'header_row: {i}' under {self.key}, or delete the rows above the header.",
                        rows=(i,),
                    )
                    return False
        if (missing or unmapped or not mapping) and not self.shown:
            table = self.name.replace("_", " ")
            layout = templates_dir() / f"{self.name}.csv"
            example = f" (templates/{layout.name} shows its layout)" if layout.is_file() else ""
            self.error(
                f"row {spec.header_row} does not look like a row of column names, so this is probably not the {table} "
                f"table ({described(self.path)}, {len(header)} column{'s' if len(header) != 1 else ''}); its content "
                "is not shown.",
                f"Check that {self.key}.path points at the {table} table{example}; if it is, check its delimiter and header_row.",
                rows=(spec.header_row,),
            )
            return False
        blanks = [i for i, c in enumerate(header) if not c]

        def unnamed(ours: str) -> str:  # a column without a name may be the one looked for
            if not blanks:
                return ""
            where, one = _positions(blanks), len(blanks) == 1
            return (
                f" {where[0].upper()}{where[1:]} of row {spec.header_row} {'has' if one else 'have'} no name: if "
                f"{'it holds' if one else 'one of them holds'} {ours}, give it a name in the file and map it."
            )

        def mapped(ours: str) -> str:  # a mapped field, or one of the survey's declared questions and attributes
            return f"{self.key}.columns maps '{ours}' to" if ours in spec.columns else f"{self.key} declares '{ours}' on"

        for ours, theirs in missing.items():
            near = [c for c in header if c and _folded(c) == _folded(theirs)]
            if near:  # the commonest slip: the name retyped with other capitals or spacing
                message = (
                    f"{mapped(ours)} column '{theirs}', which is not in the file; it has "
                    f"'{near[0]}', which differs only in capitals, spaces or punctuation."
                )
                line = f"{ours}: {near[0]}" if ours in spec.columns else f"column: {near[0]}"
                fix = f"Write the name exactly as in row {spec.header_row} of the file: '{line}'."
            else:
                message = (
                    f"{mapped(ours)} column '{theirs}', which is not in the file.{did_you_mean(theirs, header)}{unnamed(ours)}"
                )
                fix = f"Use one of the file's columns: {_listed(header)}."
            self.error(message, fix, column=theirs, rows=(spec.header_row,))
        for ours in unmapped:
            self.error(
                f"required field '{ours}' ({fields[ours].description}) is not mapped to a column.{unnamed(ours)}",
                f"Add '{ours}: <your column>' under {self.key}.columns.",
            )
        if not mapping and not nameless:  # only a table without required fields (a survey) gets here
            self.error(
                f"none of the file's columns is a field of the {self.name.replace('_', ' ')} "
                f"(its columns: {', '.join(header[:12])}{', ...' if len(header) > 12 else ''}).",
                f"Declare the columns to read under {self.key} (items, attributes, columns); see templates/engagement.yaml.",
                rows=(spec.header_row,),
            )
            return False
        dupes = sorted({c for c in header if c and header.count(c) > 1 and c in mapping.values()})
        for col in dupes:
            self.error(
                f"column '{col}' appears more than once in the header.", "Rename or remove the duplicate column.", column=col
            )
        self.mapping = {ours: theirs for ours, theirs in mapping.items() if ours not in missing}
        for ours in spec.values:  # a recoding of a field never read would do nothing, unseen
            if ours in fields and ours not in mapping and ours not in nameless:
                self.problems.append(
                    Problem(
                        self.where,
                        f"{self.key}.values recodes '{ours}', but the file has no column for it (it is not under "
                        f"{self.key}.columns, and no column is named '{ours}'), so the recoding does nothing.",
                        f"Map '{ours}: <your column>' under {self.key}.columns, or remove '{ours}' from {self.key}.values.",
                        severity="warning",
                    )
                )
        shared: dict[str, list[str]] = {}
        for ours, theirs in self.mapping.items():
            shared.setdefault(theirs, []).append(ours)
        for theirs, readers in shared.items():
            if len(readers) > 1:
                self.problems.append(
                    Problem(
                        self.where,
                        f"fields {' and '.join(readers)} {'both' if len(readers) == 2 else 'all'} read column '{theirs}'.",
                        f"Check {self.key}.columns: each field usually has a column of its own.",
                        column=theirs,
                        severity="warning",
                    )
                )
        return not (nameless or missing or unmapped or dupes)

    def _nameless(self, ours: str, theirs: str, header: list[str]) -> None:
        """``ours`` is mapped to an empty name (or to the name pandas makes up for a column without one)."""
        row, blanks = self.spec.header_row, [i for i, c in enumerate(header) if not c]
        if theirs:  # e.g. 'Unnamed: 4': the name pandas makes up, not one in the file
            blanks = [i for i in [_unnamed(theirs, header)] if i is not None]
            said = f"'{theirs}', the name pandas makes up for {_positions(blanks)}, which has no name in row {row}"
        elif blanks:
            has = "has" if len(blanks) == 1 else "have"
            said = f"a column with no name (''); {_positions(blanks)} of row {row} {has} none"
        if blanks:
            message = f"{self.key}.columns maps '{ours}' to {said}, and a column is found by the name in the file."
            fix = (
                f"Type a name into {'that cell' if len(blanks) == 1 else 'the cell of the column you mean'} in row {row} of "
                f"the file (e.g. {ours}) and map '{ours}: {ours}', or remove '{ours}' from {self.key}.columns if the file "
                "does not have it."
            )
        else:
            message = f"{self.key}.columns maps '{ours}' to a column with no name (''), but every column in row {row} has a name."
            fix = f"Write the name of the column that holds {ours}{', one of: ' + _listed(header) if self.shown else ''}."
        self.error(message, fix, rows=(row,))

    # -- value level -------------------------------------------------------

    def _convert(self, frames, keep: bool) -> InputScan:
        """Convert chunk by chunk; only ``keep`` holds the whole table in memory (checking a large export does not)."""
        issues: dict[tuple[str, str], _Issue] = {}
        blank = _Issue()
        parts, keys, dates, row_numbers = [], [], [], []
        key = INPUTS[self.name].key
        checks: dict[str, _Issue] = {}
        start, n_rows = self.first_row, 0
        for chunk in frames:
            rows = np.arange(start, start + len(chunk))
            start += len(chunk)
            chunk = chunk.reset_index(drop=True)
            raws = {ours: chunk[theirs].astype("string").fillna("").str.strip() for ours, theirs in self.mapping.items()}
            empty_row = np.logical_and.reduce([(r == "").to_numpy() for r in raws.values()]) if raws else np.zeros(0, bool)
            out = {}
            for ours, raw in raws.items():
                if ours in self.spec.values:
                    recode = {k: ("" if v is None else v) for k, v in self.spec.values[ours].items()}
                    raw = raw.replace(recode)
                out[ours], bad = coerce(raw, self.fields[ours].kind, self.spec, self.fields[ours], timezone=self.timezone)
                for reason, mask in bad.items():
                    _note(issues.setdefault((ours, reason), _Issue()), rows, mask.to_numpy(dtype=bool) & ~empty_row, raw)
            if empty_row.any():
                _note(blank, rows, empty_row)
            table = pd.DataFrame(out)[~empty_row]
            kept_rows = rows[~empty_row]
            for label, odd in self._row_checks(table).items():
                _note(checks.setdefault(label, _Issue()), kept_rows, odd)
            if keep:
                parts.append(table)
                row_numbers.append(kept_rows)
            if key and all(k in table for k in key):
                keys.append(pd.DataFrame({**{k: table[k].to_numpy() for k in key}, "row": kept_rows}))
            if "created_at" in table:
                dates += [table["created_at"].min(), table["created_at"].max()]
            n_rows += len(table)
        if blank.count:
            self.problems.append(
                Problem(
                    self.where,
                    f"{blank.count} blank row(s) were skipped.",
                    "Nothing to do unless rows are missing from the export.",
                    rows=tuple(blank.rows),
                    severity="warning",
                )
            )
        for (ours, reason), issue in issues.items():
            if issue.count and (reason != "empty" or self.fields[ours].required):
                self._report(ours, reason, issue, n_rows)
        for label, issue in checks.items():
            if issue.count:
                self.problems.append(
                    Problem(
                        self.where,
                        f"{issue.count} row(s) {label}.",
                        "The rows are kept and reported in the data-quality table; check the export.",
                        rows=tuple(issue.rows),
                        severity="warning",
                    )
                )
        if keys:
            self._check_key(pd.concat(keys, ignore_index=True))
        if not n_rows and self.section == "workshop":
            self.problems.append(Problem(self.where, "no answers yet.", "Nothing to do before the workshop.", severity="warning"))
        elif not n_rows:
            self.error("the file has a header but no data rows.", "Export the data again with its rows.")
        dates = [d for d in dates if pd.notna(d)]
        whole = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(self.mapping))) if keep else None
        if whole is not None:  # spreadsheet row of each table row, for messages from later checks
            whole.attrs["rows"] = _row_numbers(row_numbers)
        return InputScan(
            whole,
            self.problems,
            n_rows,
            len(self.mapping),
            min(dates) if dates else None,
            max(dates) if dates else None,
            tuple(self.mapping),
        )

    def _report(self, ours: str, reason: str, issue: _Issue, total: int) -> None:
        theirs, kind = self.mapping[ours], self.fields[ours].kind
        examples = ", ".join(repr(v) for v in issue.values)
        if reason == "empty" and self.section == "workshop" and ours not in INPUTS[self.name].key:
            # forms save every change, so a half-answered row is a normal state during a workshop
            message = f"{issue.count} answer(s) are not complete yet: no {ours.replace('_', ' ')}."
            fix = "Pick it in the workshop form or fill in the column; until then the answer is left out of that score."
            severity = "warning"
        elif reason in NOTES:  # kept values (cleaned labels, mixed offsets): a data-quality note, never an error
            message = f"{issue.count} value(s) of {ours} are {reason} (e.g. {examples})."
            fix, severity = NOTES[reason], "warning"
        elif reason == "empty":
            nulls = [label for label, to in self.spec.values.get(ours, {}).items() if to is None]
            recoded = f" or a label recoded to null ({', '.join(nulls)})" if nulls else ""
            message = f"{issue.count} row(s) have no value{recoded} in this required column."
            fix = (
                "Fill in the missing values."
                if self.strict
                else "The rows are kept and counted as unknown in the analysis; correct the source system if you can."
            )
            # in an export, gaps are a data-quality fact; only a column with no values at all is unusable
            severity = "error" if self.strict or issue.count >= total else "warning"
        else:
            message = f"{issue.count} value(s) of {ours} are not {reason or KINDS[kind]} (e.g. {examples})."
            fix = _hint(kind, issue.values, self.key, ours, self.spec, self.fields[ours])
            severity = "error" if self.strict or issue.count > _TOLERANCE * max(total, 1) else "warning"
        if severity == "warning" and reason != "empty" and reason not in NOTES:
            message += " They are treated as missing."
        self.problems.append(Problem(self.where, message, fix, column=theirs, rows=tuple(issue.rows), severity=severity))

    def _row_checks(self, table: pd.DataFrame) -> dict[str, np.ndarray]:
        """Rows that read fine but do not make sense: label -> mask."""
        found = {}
        for before, after in INPUTS[self.name].order:
            if before in table and after in table:
                found[f"have {after} before {before}"] = (table[after] < table[before]).fillna(False).to_numpy(dtype=bool)
        if self.period is not None and "created_at" in table:
            start = pd.Timestamp(self.period.start)
            end = pd.Timestamp(self.period.end) + pd.Timedelta(days=1)
            label = f"fall outside the engagement period ({self.period.start} to {self.period.end})"
            found[label] = ((table["created_at"] < start) | (table["created_at"] >= end)).fillna(False).to_numpy(dtype=bool)
        return found

    def _check_key(self, ids: pd.DataFrame) -> None:
        key = list(INPUTS[self.name].key)
        dup = ids[key].notna().all(axis=1) & ids.duplicated(subset=key, keep=False)
        if dup.any():
            values = ids.loc[dup, key].drop_duplicates().head(3).itertuples(index=False)
            shown = ", ".join(repr(v[0]) if len(key) == 1 else "(" + ", ".join(map(str, v)) + ")" for v in values)
            what = " + ".join(key)
            self.problems.append(
                Problem(
                    self.where,
                    f"{int(ids.loc[dup, key].drop_duplicates().shape[0])} value(s) of {what} appear more than once "
                    f"(e.g. {shown}); {int(dup.sum())} rows are involved.",
                    f"Each {what} must be unique: remove duplicate rows or fix the ids.",
                    column=self.mapping[key[-1]],
                    rows=tuple(int(r) for r in ids.loc[dup, "row"].head(_EXAMPLES)),
                    severity="error" if self.strict else "warning",
                )
            )


def _folded(name: str) -> str:
    """A column name without case, spaces or punctuation, to spot a mapping that differs from it only by those."""
    return re.sub(r"[\W_]+", "", name).casefold()


def _unnamed(name: str, header: list[str]) -> int | None:
    """Position of the nameless column that ``name`` ('Unnamed: 4', pandas' name for one) stands for, else None."""
    found = re.fullmatch(r"Unnamed: (\d+)", name)
    i = int(found.group(1)) if found else -1
    return i if 0 <= i < len(header) and not header[i] and name not in header else None


def _positions(indexes: list[int]) -> str:
    """Columns as people find them: ``'column 5 (E)'``, ``'columns 5 (E) and 9 (I)'`` (counted from 1)."""

    def letter(i: int) -> str:
        text = ""
        while i >= 0:
            text, i = chr(65 + i % 26) + text, i // 26 - 1
        return text

    shown = [f"{i + 1} ({letter(i)})" for i in indexes]
    if len(shown) == 1:
        return f"column {shown[0]}"
    if len(shown) > 5:
        return f"columns {', '.join(shown[:5])} and {len(shown) - 5} more"
    return f"columns {', '.join(shown[:-1])} and {shown[-1]}"


def _listed(header: list[str], limit: int = 30) -> str:
    """The file's column names for a fix, a nameless one shown by its position."""
    shown = [c or f"(column {i + 1}, no name)" for i, c in enumerate(header[:limit])]
    return ", ".join(shown) + (f" and {len(header) - limit} more" if len(header) > limit else "")


_NUMERIC = ("number", "money", "count", "share", "level")


def _hint(kind: str, examples: list[str], key: str, ours: str, spec: InputFile, field: Field) -> str:
    """How to fix unreadable numbers written the way people write them (45%, 1,5, '5 mins', 'two'); ratings get
    :func:`cxmethods.io.values.rating_hint`, other values :func:`cxmethods.io.values.hint`."""
    if kind == "likert":
        return rating_hint(examples, key, ours, field, spec)
    if kind not in _NUMERIC or not examples or re.search(r"[£$€¥]|\d,\d{3}", " ".join(examples)):
        return hint(kind, examples, key, ours, spec)
    if pd.to_numeric(pd.Series(examples), errors="coerce").notna().all():  # numbers (1e308 too), out of range
        return hint(kind, examples, key, ours, spec)
    percent = [v for v in examples if v.rstrip().endswith("%")]
    if percent:
        number = percent[0].rstrip().rstrip("%").strip()
        try:
            decimal = f"{float(number) / 100:g}"
        except ValueError:
            decimal = "0.45"
        return f"Write shares as decimals without the % sign: {decimal}, not {percent[0]}."
    if all(re.fullmatch(r"-?\d+,\d+", v) for v in examples) and spec.decimal != ",":
        return (
            f"These numbers use a decimal comma: set 'decimal: \",\"' under {key}, or write "
            f"{examples[0].replace(',', '.')}, not {examples[0]}."
        )
    for v in examples:
        found = re.search(r"-?\d+(?:\.\d+)?", v)
        if found and re.search(r"[A-Za-z]", v):
            return f"Write the number alone, without words or units: {found.group()}, not '{v}'."
    if any(re.fullmatch(r"[A-Za-z][A-Za-z\s'-]*", v) for v in examples):
        return f"Write numbers in figures (e.g. 2, not 'two'); each value should be {KINDS[kind]}."
    return hint(kind, examples, key, ours, spec)


def _note(issue: _Issue, rows: np.ndarray, mask: np.ndarray, raw: pd.Series | None = None) -> None:
    """Count the rows in ``mask``; keep a few row numbers and distinct example values of ``raw``."""
    n = int(mask.sum())
    if not n:
        return
    issue.count += n
    if len(issue.rows) < _EXAMPLES:
        idx = np.flatnonzero(mask)[: _EXAMPLES - len(issue.rows)]
        issue.rows.extend(int(r) for r in rows[idx])
    if raw is not None and len(issue.values) < _EXAMPLES:  # distinct example values: more telling than the same one several times
        for value in pd.unique(raw.to_numpy()[mask][:10_000]):
            if len(issue.values) >= _EXAMPLES:
                break
            if str(value) not in issue.values:
                issue.values.append(str(value))


def _row_numbers(parts: list[np.ndarray]) -> range | tuple[int, ...]:
    """Spreadsheet rows as a range when contiguous (no memory for a large export), else a tuple.

    Not an array: pandas compares ``attrs`` with ``==`` when it combines frames.
    """
    rows = np.concatenate(parts) if parts else np.zeros(0, int)
    if rows.size == 0 or (rows[-1] - rows[0] + 1 == rows.size):
        return range(int(rows[0]), int(rows[-1]) + 1) if rows.size else range(0)
    return tuple(int(r) for r in rows)
