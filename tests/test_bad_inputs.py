"""The bad-input corpus (tests/bad_inputs/): every broken file gives its pinned message, never a traceback.

Each case in ``bad_inputs/cases.yaml`` gives one corpus file to a small engagement built in a temporary folder.
The same message must come from ``cxm validate`` (:func:`validate_engagement`) and from the reader a run uses:

* tables: :func:`read_input` (workshop answers: :func:`load_answers`); initiatives and levers also go through
  the business case's own checks, as :func:`cxmethods.workbooks.business_case.run` does before it models anything;
* the segment rule tree: :func:`load_rules`, then :func:`apply_rules` on the survey;
* the benchmarks override: :func:`load_benchmarks`; the other files the settings name (maturity model, previous
  scores, suitability, service standards): the loader the workbook that uses each calls;
* the engagement YAML: :func:`load_engagement`, then its tables.

For every error, ``cxm run`` (:func:`run_engagement`) must refuse before it runs anything. A 2 GB file given by
mistake is made here (sparse, so instant) and must be refused without being read into memory.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cxmethods import CxmError, load_engagement, read_input, validate_engagement
from cxmethods.core.config import Inputs, Workshop
from cxmethods.core.errors import ConfigError, InputError
from cxmethods.io.answers import load_answers, store_for
from cxmethods.methodology.benchmarks import load_benchmarks
from cxmethods.methodology.maturity import load_model
from cxmethods.methodology.service_standards import load_service_standards
from cxmethods.methods.case_inputs import check_case_inputs
from cxmethods.methods.channels import read_suitability
from cxmethods.methods.maturity_scores import read_previous_scores
from cxmethods.methods.segment_rules import apply_rules, load_rules

CORPUS = Path(__file__).parent / "bad_inputs"
CASES: list[dict] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))["cases"]
WORKSHOP = set(Workshop.model_fields)
#: Files the settings name, as the corpus calls them: input -> (settings section, key).
SETTINGS = {
    "segment_rules": ("segmentation", "rules"),
    "benchmarks": ("business_case", "benchmarks"),
    "maturity_model": ("self_assessment", "model"),
    "previous_scores": ("self_assessment", "previous_scores"),
    "suitability": ("segmentation", "suitability"),
    "service_standards": ("roadmap", "service_standards"),
}
#: Every input an engagement can name; the corpus must break each one.
ALL_INPUTS = set(Inputs.model_fields) | WORKSHOP | set(SETTINGS) | {"engagement"}
#: Good files an input needs beside it to be checked at all (levers need initiatives; the rule tree, a survey).
COMPANIONS = {
    "levers": {"initiatives": "initiatives/good.csv", "contact_log": "contact_log/good.csv"},
    "benchmarks": {"initiatives": "initiatives/good.csv"},
    "segment_rules": {"survey": "survey/good.csv"},
}
#: What no message may show: parser internals and tracebacks instead of a sentence saying what to do.
RAW = ("Traceback", "<unicode string>", "Error tokenizing", "codec can't", "Errno", "NoneType", "KeyError", "ParserError")


def _case_id(case: dict) -> str:
    options = case.get("options")
    return case["file"] + (" with " + ", ".join(options) if options else "")


def build(case: dict, folder: Path) -> Path:
    """Write the case's engagement into ``folder``; return the engagement YAML's path."""
    source, name = CORPUS / case["file"], case["input"]
    if name == "engagement":
        shutil.copy(CORPUS / "initiatives" / "good.csv", folder / "initiatives.csv")
        return Path(shutil.copy(source, folder / "engagement.yaml"))
    doc: dict = {
        "name": "corpus",
        "organisation": "Corpus Council",
        "currency": "GBP",
        "period": {"start": "2025-04-01", "end": "2026-03-31"},
    }
    entries = {}
    for other, good in COMPANIONS.get(name, {}).items():
        shutil.copy(CORPUS / good, folder / f"companion_{other}.csv")
        entries[other] = {"path": f"companion_{other}.csv"}
    shutil.copy(source, folder / source.name)
    if name in SETTINGS:
        section, key = SETTINGS[name]
        doc["settings"] = {section: {key: source.name}}
    else:
        entries[name] = {"path": source.name, **case.get("options", {})}
    for table, entry in entries.items():
        doc.setdefault("workshop" if table in WORKSHOP else "inputs", {})[table] = entry
    path = folder / "engagement.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def read_at_run_time(case: dict, path: Path) -> list:
    """Read the input the way a run does; return the problems it reports without raising (warnings, rule problems)."""
    name, eng = case["input"], load_engagement(path)
    if name == "engagement":
        return [p for table in eng.tables() for p in read_input(eng, table).attrs["problems"]]
    if name == "segment_rules":
        return apply_rules(load_rules(eng.resolve(eng.settings.segmentation.rules)), read_input(eng, "survey"))[1]
    if name in SETTINGS:  # each file-valued setting, read by the loader the workbook that uses it calls
        section, key = SETTINGS[name]
        loader = {
            "benchmarks": load_benchmarks,
            "maturity_model": load_model,
            "previous_scores": read_previous_scores,
            "suitability": read_suitability,
            "service_standards": load_service_standards,
        }[name]
        loader(eng.resolve(getattr(getattr(eng.settings, section), key)))
        return []
    if name in WORKSHOP:
        return list(load_answers(eng, name).attrs.get("problems", []))
    table = read_input(eng, name)
    found = list(table.attrs["problems"])
    if name in ("initiatives", "levers"):  # the business case checks costs, timing and levers before modelling
        initiatives = table if name == "initiatives" else read_input(eng, "initiatives")
        levers = table if name == "levers" else None
        errors = [p for p in check_case_inputs(eng, initiatives, levers, load_benchmarks()) if p.severity == "error"]
        if errors:
            raise InputError(errors, title="The business case inputs have problems")
    return found


def texts(problems, folder: Path) -> list[str]:
    """Problems as cxm validate prints them, paths relative to the engagement's folder."""
    return [str(p).replace(f"{folder}/", "") for p in problems]


def raised(exc: CxmError, folder: Path) -> list[str]:
    return texts(getattr(exc, "problems", None) or [exc], folder)


def names_a_file(problem, folder: Path) -> bool:
    """The problem says which file: one in the engagement's folder (or the one it names and cannot find). Rule
    problems found in the data name the rule file by its name alone, as workbook 03's table shows them."""
    where = folder / re.sub(r" line \d+$", "", problem.where)  # an absolute path stays as it is
    return where.is_relative_to(folder) and where.suffix in (".csv", ".xlsx", ".parquet", ".zip", ".yaml")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path.resolve()  # the engagement resolves paths; messages name them so


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_validate_reports_the_pinned_message(case, folder):
    report = validate_engagement(build(case, folder))
    shown = texts(report.problems, folder)
    for problem in report.problems:
        assert names_a_file(problem, folder), str(problem)
        assert not any(raw in str(problem) for raw in RAW), str(problem)
    if case["kind"] == "works":
        assert shown == []
        return
    pool = texts(report.errors if case["kind"] == "error" else report.warnings, folder)
    assert [t for t in pool if re.search(case["expect"], t)], shown
    if case["kind"] == "warning":
        assert report.ok, texts(report.errors, folder)  # a warning never stops a run


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_the_run_time_reader_gives_the_same_message(case, folder):
    path = build(case, folder)
    try:
        problems = read_at_run_time(case, path)
    except CxmError as exc:  # anything else fails the test with its traceback: that is the bug
        assert case["kind"] == "error", raised(exc, folder)
        assert case.get("checked") != "validate", "a cross-file check: the reader alone should read the file"
        assert [t for t in raised(exc, folder) if re.search(case["expect"], t)], raised(exc, folder)
        assert not any(raw in str(exc) for raw in RAW), str(exc)
        return
    shown = texts(problems, folder)
    if case["kind"] == "works":
        assert shown == []
    elif case.get("checked") != "validate":
        wanted = "error" if case["kind"] == "error" else "warning"
        # only rule problems come back as errors without raising (workbook 03 lists them in a table)
        assert case["kind"] == "warning" or case["input"] == "segment_rules", shown
        assert [t for p, t in zip(problems, shown) if p.severity == wanted and re.search(case["expect"], t)], shown


ERRORS = [c for c in CASES if c["kind"] == "error"]


@pytest.mark.parametrize("case", ERRORS, ids=_case_id)
def test_cxm_run_runs_nothing_when_an_input_has_an_error(case, folder):
    from cxmethods.run.runner import run_engagement

    out = folder / "out"
    with pytest.raises(ConfigError) as info:
        run_engagement(build(case, folder), out=out)
    assert [t for t in raised(info.value, folder) if re.search(case["expect"], t)], raised(info.value, folder)
    assert not out.exists()


ANSWERS = [c for c in CASES if c["input"] in WORKSHOP]


@pytest.mark.parametrize("case", ANSWERS, ids=_case_id)
def test_forms_never_write_over_an_answers_file(case, folder):
    """A form saves by rewriting the whole answers file: one it cannot read must be left exactly as it was."""
    path = build(case, folder)
    answers = folder / Path(case["file"]).name
    before = answers.read_bytes()
    store = store_for(load_engagement(path), case["input"])
    key = dict.fromkeys(store.key, "corpus-check")
    if case.get("forms") == "refuses":
        with pytest.raises(
            CxmError,
            match=re.escape(str(answers)) + r": the answers file cannot be used \(.*\), so the form "
            r"leaves it as it is\. Fix: run `cxm validate`",
        ):
            store.upsert(key, {})
        assert answers.read_bytes() == before
        return
    store.upsert(key, {})
    old = pd.read_csv(io.BytesIO(before), dtype=str, keep_default_na=False, encoding="utf-8-sig").astype(str)
    new = store.load()
    assert len(new) == len(old) + 1
    assert new.iloc[: len(old)][list(old.columns)].astype(str).reset_index(drop=True).equals(old)  # every answer kept


CONTACT_LOGS = [pytest.param(c, id=_case_id(c)) for c in CASES if c["input"] == "contact_log"]


@pytest.mark.parametrize("case", CONTACT_LOGS)
def test_the_contact_log_database_opens_or_says_which_file(case, folder):
    """Workbook 02 reads the log with DuckDB; a broken file gives a CxmError naming it, never DuckDB's own error."""
    from cxmethods.methods.contacts import ContactLog

    eng = load_engagement(build(case, folder))
    try:
        with ContactLog(eng) as log:
            rows = int(log.query("SELECT count(*) AS n FROM contacts")["n"].iloc[0])
    except CxmError as exc:
        assert case["kind"] == "error"
        assert str(exc).startswith(str(folder / Path(case["file"]).name) + ": ")
        return
    if case["kind"] == "works":
        assert rows == 12


def test_the_corpus_covers_every_input_with_at_least_40_bad_files():
    bad = [c for c in CASES if c["kind"] in ("error", "warning")]
    assert len(bad) >= 40 and len({c["file"] for c in bad}) >= 40
    assert {c["input"] for c in bad} >= ALL_INPUTS - {"segment_names"} and {c["input"] for c in CASES} == ALL_INPUTS
    assert {c["kind"] for c in CASES} == {"error", "warning", "works"}
    for case in CASES:
        assert set(case) <= {"file", "input", "options", "kind", "expect", "forms", "checked"}, case
        assert (CORPUS / case["file"]).is_file(), case["file"]
        assert ("expect" in case) == (case["kind"] != "works"), case["file"]
        re.compile(case.get("expect", ""))
    ids = [_case_id(c) for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_file_in_the_corpus_is_in_the_manifest_and_the_corpus_stays_small():
    files = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file()} - {"cases.yaml"}
    assert files == {c["file"] for c in CASES}
    assert sum((CORPUS / f).stat().st_size for f in files) < 200_000


# --------------------------------------------------------------------------- a 2 GB file given by mistake

_BIG = textwrap.dedent("""
    import os, resource, sys, time
    from pathlib import Path
    import yaml
    from cxmethods import CxmError, load_engagement, read_input, validate_engagement
    from cxmethods.io.answers import load_answers, store_for

    folder, name, header = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    big = folder / f"{name}.csv"
    big.write_text(header + "\\n", encoding="utf-8")
    os.truncate(big, 2 * 1024**3)  # sparse: no disk, no time
    section = "workshop" if name == "self_assessment" else "inputs"
    doc = {"name": "big", "organisation": "Big", "currency": "GBP", "period": {"start": "2025-04-01", "end": "2026-03-31"},
           section: {name: {"path": big.name}}}
    (folder / "engagement.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    eng = load_engagement(folder / "engagement.yaml")
    start, began = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
    messages = [str(p) for p in validate_engagement(eng).errors]
    try:
        (load_answers if section == "workshop" else read_input)(eng, name)
        messages.append("read without an error")
    except CxmError as exc:
        messages.append(str(exc))
    if section == "workshop":
        try:
            store_for(eng, name).upsert({"participant": "x", "dimension_id": "y"}, {})
            messages.append("the form wrote to it")
        except CxmError as exc:
            messages.append(str(exc))
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) / 1024  # kilobytes on Linux
    print(yaml.safe_dump({"messages": messages, "grown_mb": grown, "seconds": time.perf_counter() - began,
                          "size": big.stat().st_size}))
""")


@pytest.mark.skipif(sys.platform != "linux", reason="peak memory is read from getrusage in kilobytes (Linux)")
@pytest.mark.parametrize(
    "name, header, expect",
    [
        pytest.param(
            "contact_log",
            "contact_id,created_at,closed_at,channel,reason",
            r"contact_log\.csv, row 2: row 2 holds binary data \(NUL bytes\): this is not a text file\. Fix: Point "
            r"inputs\.contact_log\.path at the CSV export itself",
            id="contact_log",
        ),
        pytest.param(
            "initiatives",
            "initiative_id,name,capital_cost,annual_operating_cost",
            r"initiatives\.csv: the file is 2\.0 GB, far too big for the initiatives table \(a few kilobytes\): this looks like the "
            r"wrong file, so it was not read \(the limit is 50\.0 MB\)\. Fix: Check that inputs\.initiatives\.path points at",
            id="initiatives",
        ),
        pytest.param(
            "self_assessment",
            "participant,role,dimension_id,current_level,target_level,evidence",
            r"self_assessment\.csv: the file is 2\.0 GB, far too big for the self assessment table",
            id="self_assessment answers",
        ),
    ],
)
def test_a_2gb_file_given_by_mistake_is_refused_without_being_read(tmp_path, name, header, expect):
    done = subprocess.run(
        [sys.executable, "-c", _BIG, str(tmp_path), name, header],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr
    result = yaml.safe_load(done.stdout)
    assert result["size"] == 2 * 1024**3
    validate_says, reader_says, *form_says = result["messages"]
    assert re.search(expect, validate_says) and re.search(expect, reader_says), result["messages"]
    if form_says:
        assert re.search(r"self_assessment\.csv: the answers file cannot be used \(it is 2\.0 GB, far too big", form_says[0])
    assert result["grown_mb"] < 100, result  # refused unread: the peak memory hardly moves
    assert result["seconds"] < 20, result


@pytest.mark.parametrize(
    "name, expect",
    [
        ("engagement", r"engagement\.yaml: the file is 6\.0 MB, but an engagement file is a few kilobytes"),
        ("benchmarks", r"own\.yaml: the file is 6\.0 MB, but a benchmarks file is a few kilobytes"),
        ("segment_rules", r"own\.yaml: the file is 6\.0 MB, but a methodology file is a few kilobytes"),
    ],
)
def test_a_settings_file_far_too_big_is_refused_unread(folder, name, expect):
    """YAML files are parsed whole (and PyYAML needs many times their size), so a huge one is refused first."""
    big = folder / ("engagement.yaml" if name == "engagement" else "own.yaml")
    big.write_text("name: corpus\n", encoding="utf-8")
    os.truncate(big, 6 * 1024**2)
    path = big
    if name != "engagement":  # an engagement naming it, with the table it is checked with (initiatives; the survey)
        setting = "business_case" if name == "benchmarks" else "segmentation"
        case = {
            "file": "initiatives/good.csv" if name == "benchmarks" else "survey/good.csv",
            "input": "initiatives" if name == "benchmarks" else "survey",
        }
        path = build(case, folder)
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["settings"] = {setting: {"benchmarks" if name == "benchmarks" else "rules": big.name}}
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    report = validate_engagement(path)
    assert [t for t in texts(report.errors, folder) if re.search(expect, t)], texts(report.problems, folder)


def test_a_text_file_without_line_breaks_is_not_taken_for_a_table(folder):
    case = {"file": "contact_log/good.csv", "input": "contact_log"}
    path = build(case, folder)
    (folder / "good.csv").write_text("contact_id,created_at,channel,reason" + "x" * (1 << 20) + "\n", encoding="utf-8")
    expect = r"^good\.csv, row 1: row 1 is over 1\.0 MB long with no line break: this does not look like a table\."
    assert [t for t in texts(validate_engagement(path).errors, folder) if re.search(expect, t)]
    with pytest.raises(InputError, match=expect[1:]):
        read_input(load_engagement(path), "contact_log")


#: Files that are not tables at all, given where a table goes (a path set to the wrong file): nothing of their
#: content may appear in any message, not even their first line.
FOREIGN = [
    "survey/system_file_given_as_survey.csv",
    "contact_log/one_line_of_text.csv",
    "suitability/letter_given_as_suitability.csv",
]


@pytest.mark.parametrize("case", [c for c in CASES if c["file"] in FOREIGN], ids=_case_id)
def test_a_file_that_is_not_a_table_is_never_quoted(case, folder):
    path = build(case, folder)
    content = (CORPUS / case["file"]).read_text(encoding="utf-8")
    pieces = {p.strip() for p in re.split(r"[\n:,;/]", content) if len(p.strip()) >= 4}
    assert len(pieces) >= 1
    shown = texts(validate_engagement(path).problems, folder)
    try:
        shown += texts(read_at_run_time(case, path), folder)
    except CxmError as exc:
        shown += raised(exc, folder)
    assert shown
    for text in shown:
        assert not [p for p in pieces if p in text], text
