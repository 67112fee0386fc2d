"""Workbook 00 (start here): check an engagement and every input it names, reporting all problems at once.

:func:`validate_engagement` is what ``cxm validate`` and ``cxm run`` call before anything runs; :func:`run` is the
workbook's entry point, which also keeps the problems and the inputs read as the step's tables.

>>> from cxmethods import validate_engagement
>>> report = validate_engagement()        # the bundled sample
>>> report.ok
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement, load_engagement, partial_engagement
from cxmethods.core.errors import ConfigError, Problem
from cxmethods.core.files import sha256
from cxmethods.core.yamlfile import did_you_mean
from cxmethods.io.artifacts import START_HERE
from cxmethods.io.inputs import InputScan, scan_input
from cxmethods.methodology.maturity import MaturityModel, load_quick_test, load_role_checklist, model_for, repeated_phrases
from cxmethods.workbooks.results import Results

__all__ = ["StartHere", "ValidationReport", "input_checksums", "run", "validate_engagement"]


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate_engagement` found. ``engagement`` is None when the YAML itself is invalid."""

    source: str
    problems: tuple[Problem, ...]
    engagement: Engagement | None = None
    inputs: tuple[dict, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing stops a run (warnings allowed)."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """One row per problem: severity, where, column, rows, message, fix.

        Paths inside the engagement's folder are shown relative to it, so the table reads the same on any machine.
        """
        folder = str(self.engagement.folder) + "/" if self.engagement else None
        return pd.DataFrame(
            [
                {
                    "severity": p.severity,
                    "where": p.where.removeprefix(folder) if folder else p.where,
                    "column": p.column or "",
                    "rows": ", ".join(map(str, p.rows)),
                    "message": p.message,
                    "fix": p.fix,
                }
                for p in self.problems
            ],
            columns=["severity", "where", "column", "rows", "message", "fix"],
        )

    def inputs_frame(self) -> pd.DataFrame:
        """One row per input table: file, rows read, fields mapped, date range where there is one, problems.

        Columns: ``input``, ``file``, ``rows``, ``fields_mapped``, ``first``, ``last``, ``errors``, ``warnings``.
        """
        return pd.DataFrame(list(self.inputs), columns=_INPUT_COLUMNS)

    def save(self, path: str | Path, checksums: dict[str, str] | None = None) -> Path:
        """Write the report as JSON with the inputs' checksums (computed unless given), for
        ``validate_engagement(reuse=path)``."""
        if checksums is None:
            checksums = input_checksums(self.engagement) if self.engagement else {}
        data = {
            "source": self.source,
            "problems": [asdict(p) for p in self.problems],
            "inputs": list(self.inputs),
            "inputs_sha256": checksums,
        }
        Path(path).write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
        return Path(path)

    def raise_for_errors(self) -> None:
        if self.errors:
            raise ConfigError(self.errors, title=f"{self.source} cannot be used")


def validate_engagement(
    engagement: str | Path | Engagement | None = None, *, reuse: str | Path | None = None
) -> ValidationReport:
    """Check the engagement YAML and read every input and answer file it names.

    Parameters
    ----------
    engagement : path, Engagement or None
        The engagement YAML (or its folder); None means the bundled sample.
    reuse : path, optional
        A report saved by :meth:`ValidationReport.save` (``cxm run`` writes ``validation.json`` in the run
        folder). It is reused when every input file still has the checksum it had then, so a large log is
        not read twice; otherwise the engagement is checked afresh.

    Returns
    -------
    ValidationReport
        Every problem found, errors and warnings, each naming file, column and rows.
    """
    if reuse is not None and Path(reuse).is_file():
        eng = engagement if isinstance(engagement, Engagement) else load_engagement(engagement)
        saved = json.loads(Path(reuse).read_text(encoding="utf-8"))
        if saved.get("inputs_sha256") == input_checksums(eng):
            return ValidationReport(
                saved["source"],
                tuple(Problem(**{**p, "rows": tuple(p["rows"])}) for p in saved["problems"]),
                eng,
                tuple(saved["inputs"]),
            )
        engagement = eng
    problems: list[Problem] = []
    if isinstance(engagement, Engagement):
        eng = engagement
    else:
        try:
            eng = load_engagement(engagement)
        except ConfigError as exc:
            # still check the input files whose entries are valid: every problem at once
            partial = partial_engagement(engagement)
            if partial is None:
                return ValidationReport(str(engagement or "sample engagement"), tuple(exc.problems))
            checked = validate_engagement(partial)
            return ValidationReport(str(partial.path), tuple(exc.problems) + checked.problems, None, checked.inputs)
    tables: dict[str, pd.DataFrame] = {}
    summary = []
    problems += _settings_files(eng)
    for name, (section, spec) in eng.tables().items():
        path = eng.resolve(spec.path)
        if section == "workshop" and not path.exists():
            loaded = InputScan(
                None,
                [
                    Problem(
                        str(path),
                        "no answers yet; the workshop form creates this file.",
                        "Nothing to do before the workshop.",
                        severity="warning",
                    )
                ],
            )
        else:  # large exports are checked in chunks without being kept
            # the survey is kept (a few thousand respondents, not a contact log's millions): the segmentation
            # attributes and the rule tree are checked on it
            loaded = scan_input(eng, name, keep=name in _CROSS_CHECKED or name == "survey")
        problems += loaded.problems
        if loaded.table is not None:
            tables[name] = loaded.table
        if name == "survey":
            problems += _segmentation_checks(eng, loaded)
        summary.append(_summarise(name, path, loaded))
    problems += _cross_checks(eng, tables)
    log = str(eng.resolve(eng.inputs.contact_log.path)) if eng.inputs.contact_log else None
    log_ok = log is not None and not any(p.severity == "error" and p.where.startswith(log) for p in problems)
    problems += _lever_reasons(eng, tables.get("initiatives"), tables.get("levers"), log_ok)
    return ValidationReport(str(eng.path), tuple(problems), eng, tuple(summary))


def input_checksums(engagement: Engagement) -> dict[str, str]:
    """SHA-256 of every input and answer file the engagement names that exists: ``{input: hex digest}``."""
    found = {}
    for name, (_, spec) in engagement.tables().items():
        path = engagement.resolve(spec.path)
        if path.is_file():
            found[name] = sha256(path)
    return found


_INPUT_COLUMNS = ["input", "file", "rows", "fields_mapped", "first", "last", "errors", "warnings"]


def _summarise(name: str, path: Path, loaded: InputScan) -> dict:
    return {
        "input": name,
        "file": path.name,
        "rows": loaded.rows,
        "fields_mapped": loaded.fields,
        "first": loaded.first.date().isoformat() if loaded.first is not None else "",
        "last": loaded.last.date().isoformat() if loaded.last is not None else "",
        "errors": sum(p.severity == "error" for p in loaded.problems),
        "warnings": sum(p.severity == "warning" for p in loaded.problems),
    }


_CROSS_CHECKED = frozenset(
    {"self_assessment", "consensus", "quick_test", "role_checklist", "initiatives", "levers"}
)  # tables _cross_checks reads (small, hand-made)


def _segmentation_checks(eng: Engagement, survey: InputScan) -> list[Problem]:
    """Segmentation settings against the survey: attributes it lacks, attributes too varied to segment on (an id,
    free text, a number read as a category), and the rule tree's overlaps and gaps."""
    from cxmethods.methods.attributes import level_problems, segmentation_attributes
    from cxmethods.methods.segment_rules import apply_rules, load_rules

    settings, where = eng.settings.segmentation, str(eng.path)
    problems = [
        Problem(
            where,
            f"settings.segmentation.attributes names '{a}', which the survey does not provide.",
            "Declare it under inputs.survey.attributes (or map a standard field under inputs.survey.columns), "
            "or remove it from the list.",
        )
        for a in settings.attributes
        if survey.mapped and a not in survey.mapped
    ]
    if survey.table is not None:
        spec = eng.inputs.survey
        attributes = segmentation_attributes(settings.attributes, spec, list(survey.table.columns))
        problems += [
            Problem(str(eng.resolve(spec.path)) if spec else where, message, fix, column=column)
            for column, message, fix in level_problems(survey.table, attributes, spec, named=bool(settings.attributes))
        ]
    if settings.rules and survey.table is not None:
        # labelled by spreadsheet row, so that messages name the rows a user sees in the survey file
        rows, data = survey.table.attrs.get("rows"), survey.table
        if rows is not None and len(rows) == len(data):
            data = data.set_axis(list(rows), axis=0).rename_axis("row")
        try:
            rules = load_rules(eng.resolve(settings.rules))
        except ConfigError:  # the file's own problems are reported by _settings_files
            return problems
        try:
            problems += apply_rules(rules, data)[1]
        except ConfigError as exc:  # rules testing fields the survey lacks
            problems += exc.problems
    return problems


def _cross_checks(eng: Engagement, tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Checks that span a table and the methodology or another table."""
    problems = []
    try:
        model = model_for(eng)
        dimensions: set[str] | None = {d.id for d in model.dimensions}
    except ConfigError:  # the engagement's own model file: _settings_files reports its problems
        dimensions = None
    for name in ("self_assessment", "consensus"):  # ids of an earlier model version: carried over, with a warning
        table = tables.get(name)
        if table is None or dimensions is None:
            continue
        moved = {i: model.carry_over(i) for i in set(table["dimension_id"].dropna()) - dimensions}
        moved = {i: why for i, (_, why) in moved.items() if why.startswith(("renamed", "removed"))}
        if moved:
            problems.append(
                Problem(
                    str(eng.resolve(getattr(eng.workshop, name).path)),
                    f"answers for dimension ids of an earlier version of the maturity model: "
                    f"{'; '.join(f'{i} ({why})' for i, why in sorted(moved.items())[:5])}.",
                    "Renamed ones are read under the new id, removed ones are left out; the change log in the "
                    "maturity model says what changed. Ask the room to check these scores against the new descriptors.",
                    column=_column(eng, name, "dimension_id"),
                    rows=_rows(table, table["dimension_id"].isin(moved)),
                    severity="warning",
                )
            )
            tables = {**tables, name: table[~table["dimension_id"].isin(moved)]}
    for name, column, known, where_to_look in (
        ("self_assessment", "dimension_id", dimensions, "the maturity model"),
        ("consensus", "dimension_id", dimensions, "the maturity model"),
        ("quick_test", "question_id", {q.id for q in load_quick_test()}, "templates/quick_test.yaml"),
        ("role_checklist", "statement_id", {s.id for s in load_role_checklist()}, "templates/role_checklist.yaml"),
    ):
        table = tables.get(name)
        if table is None or known is None:
            continue
        unknown = table[column].notna() & ~table[column].isin(known)
        if unknown.any():
            values = sorted(set(table.loc[unknown, column]))
            problems.append(
                Problem(
                    str(eng.resolve(getattr(eng.workshop, name).path)),
                    f"unknown {column.replace('_', ' ')}(s): {', '.join(values[:5])}.{did_you_mean(values[0], known)}",
                    f"Use the ids in {where_to_look}.",
                    column=_column(eng, name, column),
                    rows=_rows(table, unknown),
                )
            )
    answers = tables.get("self_assessment")
    if answers is not None:
        below = (answers["target_level"] < answers["current_level"]).fillna(False).astype(bool)
        if below.any():
            problems.append(
                Problem(
                    str(eng.resolve(eng.workshop.self_assessment.path)),
                    f"{int(below.sum())} answer(s) have a target level below the current level.",
                    "Check these scores with the participant.",
                    column=_column(eng, "self_assessment", "target_level"),
                    rows=_rows(answers, below),
                    severity="warning",
                )
            )
    initiatives = tables.get("initiatives")
    if initiatives is not None and "depends_on" in initiatives:
        ids = set(initiatives["initiative_id"].dropna())
        rows = _rows(initiatives, pd.Series(True, index=initiatives.index), limit=None) or (0,) * len(initiatives)
        for row, iid, deps in zip(rows, initiatives["initiative_id"], initiatives["depends_on"]):
            missing = [d for d in (deps.split(";") if isinstance(deps, str) else []) if d and d not in ids]
            if missing:
                problems.append(
                    Problem(
                        str(eng.resolve(eng.inputs.initiatives.path)),
                        f"initiative {iid} depends on unknown initiative(s) {', '.join(missing)}.",
                        "Use ids from the initiative_id column.",
                        column=_column(eng, "initiatives", "depends_on"),
                        rows=(row,) if row else (),
                    )
                )
    if initiatives is not None and eng.period is not None:
        # a partial engagement (its YAML has errors) has no period or settings to check the business case against
        problems += _business_case_checks(eng, initiatives, tables.get("levers"))
    return problems


def _lever_reasons(eng: Engagement, initiatives: pd.DataFrame | None, levers: pd.DataFrame | None, log_ok: bool) -> list[Problem]:
    """Levers naming a reason or service the contact log does not have: workbook 04 refuses them (against 02's
    volumes), so validation finds them first, reading the log as workbook 02 does (the same cleaning and recoding)."""
    from cxmethods.core.errors import CxmError
    from cxmethods.methodology.benchmarks import load_benchmarks
    from cxmethods.methods.case_inputs import Baseline, check_case_inputs

    if levers is None or "reason" not in levers or not levers["reason"].notna().any() or eng.period is None:
        return []
    if initiatives is None or not log_ok:
        return []  # without a readable log, workbook 04 has no baseline at all: its own message says so
    from cxmethods.methods.contacts import ContactLog

    try:
        with ContactLog(eng) as log:
            service = "service" if "service" in log.fields else "NULL"
            volumes = log.query(
                f"SELECT DISTINCT coalesce(reason, 'unknown') AS reason, coalesce({service}, '') AS service FROM contacts"
            )
    except CxmError:  # the log's own problems are reported by its scan
        return []
    baseline = Baseline(volumes, None, 1.0, ())
    found = check_case_inputs(eng, initiatives, levers, load_benchmarks(), baseline)
    return [p for p in found if p.column == "reason" and "contact log" in p.message]


def _rows(table: pd.DataFrame, mask: pd.Series, *, limit: int | None = 5) -> tuple[int, ...]:
    """Spreadsheet rows of the table rows in ``mask`` (recorded by the reader; empty when it did not)."""
    rows = table.attrs.get("rows")
    if rows is None or len(rows) != len(table):
        return ()
    picked = [int(rows[i]) for i in np.flatnonzero(mask.to_numpy(dtype=bool))]
    return tuple(picked[:limit] if limit else picked)


def _column(eng: Engagement, name: str, field: str) -> str:
    """The user's column for one of our fields (the mapping's right side, or the field's own name)."""
    spec = eng.tables()[name][1]
    return spec.columns.get(field, field)


def _business_case_checks(eng: Engagement, initiatives: pd.DataFrame, levers: pd.DataFrame | None) -> list[Problem]:
    """Costs, timing and levers (reasons and segments are checked when workbook 04 runs, against 02's volumes)."""
    from cxmethods.methodology.benchmarks import load_benchmarks
    from cxmethods.methods.case_inputs import check_case_inputs

    own = eng.settings.business_case.benchmarks
    try:
        bench = load_benchmarks(eng.resolve(own) if own else None)
    except ConfigError:  # the file's own problems are reported by _settings_files
        return []
    return check_case_inputs(eng, initiatives, levers, bench)


# --------------------------------------------------------------------------- files named by the settings


def _settings_files(eng: Engagement) -> list[Problem]:
    """Every file the settings name (:data:`cxmethods.io.kinds.SETTINGS_FILES`), read by the loader a run uses:
    found, of the kind the setting takes (a CSV where a YAML model is expected, a benchmarks file given as segment
    rules or the survey given as suitability are named for what they are), and valid."""
    from cxmethods.io.kinds import SETTINGS_FILES
    from cxmethods.methodology.benchmarks import load_benchmarks
    from cxmethods.methodology.maturity import load_model
    from cxmethods.methodology.service_standards import load_service_standards
    from cxmethods.methods.channels import read_suitability
    from cxmethods.methods.maturity_scores import read_previous_scores
    from cxmethods.methods.segment_rules import load_rules

    loaders = {
        "maturity_model": load_model,
        "scores": read_previous_scores,
        "segment_rules": load_rules,
        "suitability": read_suitability,
        "benchmarks": load_benchmarks,
        "service_standards": load_service_standards,
    }
    problems = []
    if eng.settings.business_case.deflator:  # a CSV of the engagement's own: checked as a run reads it
        from cxmethods.methodology.deflators import read_deflator_csv

        try:
            read_deflator_csv(eng.resolve(eng.settings.business_case.deflator))
        except ConfigError as exc:
            problems += exc.problems
    for kind, (setting, _, _) in SETTINGS_FILES.items():
        _, section, key = setting.split(".")
        value = getattr(getattr(eng.settings, section, None), key, None)
        if not value:
            continue
        try:
            loaded = loaders[kind](eng.resolve(value))
        except ConfigError as exc:
            problems += exc.problems
            continue
        if kind == "maturity_model":
            problems += _repeated(loaded, str(eng.resolve(value)))
    return problems


def _repeated(model: MaturityModel, path: str) -> list[Problem]:
    """A warning for an engagement's own maturity model that repeats a phrase across levels or dimensions."""
    found = repeated_phrases(model)
    if found.empty:
        return []
    listed = "; ".join(f"'{r.phrase}' ({r.where})" for r in found.head(5).itertuples())
    return [
        Problem(
            path,
            f"{len(found)} phrase(s) appear at more than one level or in more than one dimension: {listed}.",
            "Two assessors may place that evidence at different levels: reword so each piece of evidence sits at one "
            "level of one dimension, or list a term every dimension may use under shared_phrases.",
            severity="warning",
        )
    ]


class StartHere(Results):
    """The engagement's check: ``problems`` (every error and warning) and ``inputs`` (each input read), and
    the :class:`ValidationReport` itself as ``report``."""

    STEP = START_HERE

    def __init__(self, report: ValidationReport, run_dir: str | Path | None = None) -> None:
        super().__init__(run_dir)
        self.report = report
        self.tables.update(problems=report.to_frame(), inputs=report.inputs_frame())


def run(engagement: Engagement, run_dir: str | Path) -> StartHere:
    """Check the engagement and its inputs, reusing ``validation.json`` in ``run_dir`` while the inputs are unchanged
    (``cxm run`` saves it there first, so a big log is not read twice)."""
    return StartHere(validate_engagement(engagement, reuse=Path(run_dir) / "validation.json"), run_dir)
