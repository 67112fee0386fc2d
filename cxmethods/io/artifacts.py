"""The artifact registry: every table a workbook writes to the run folder, by step and name, in one place.

A workbook **writes** its tables through :func:`write_table` (CSV written deterministically: same data, same
bytes) and the next one **reads** them through :func:`read_table`, which checks the columns it relies on, so
method modules never build paths or take a run folder: the orchestrators in :mod:`cxmethods.workbooks` read
earlier steps' tables here and pass DataFrames down. :func:`run_folder` is the one place that decides where a
run folder is.

>>> artifact(VOICE_OF_CUSTOMER, "volumes").needs
('channel', 'reason', 'service', 'contacts', 'failure_contacts')
>>> [a.name for a in artifacts_of(START_HERE)]
['problems', 'inputs']
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as run:
...     table = pd.DataFrame({"quarter": ["2026 Q2"], "capacity": [4.0], "used": [3.5], "free": [0.5]})
...     path = write_table(table, run, ROADMAP, "capacity")
...     print(path.relative_to(run).as_posix(), read_table(run, ROADMAP, "capacity")["free"].tolist())
...     print(read_table(run, ROADMAP, "kpis", optional=True))
artifacts/05_roadmap/capacity.csv [0.5]
None
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import make_folder
from cxmethods.core.paths import workbooks_dir

__all__ = [
    "ARTIFACTS",
    "BUSINESS_CASE",
    "READS",
    "ROADMAP",
    "SEGMENTATION",
    "SELF_ASSESSMENT",
    "START_HERE",
    "STEPS",
    "STEP_RUNNING",
    "VOICE_OF_CUSTOMER",
    "Artifact",
    "artifact",
    "artifact_path",
    "artifacts_of",
    "csv_text",
    "neutralise_formulas",
    "read_table",
    "restore_formula",
    "restore_formulas",
    "run_folder",
    "write_table",
]

#: The workbooks' steps, in run order: each is the stem of a notebook and a folder under ``artifacts/``.
STEPS = ("00_start_here", "01_self_assessment", "02_voice_of_customer", "03_segmentation", "04_business_case", "05_roadmap")
START_HERE, SELF_ASSESSMENT, VOICE_OF_CUSTOMER, SEGMENTATION, BUSINESS_CASE, ROADMAP = STEPS

#: The earlier steps whose tables each step reads: ``cxm run`` starts a workbook once these have run, so steps that
#: read nothing of each other run side by side. :func:`read_table` refuses, in a workbook the runner started, a read
#: this does not list (tests/test_schedule.py also checks every read_table call in the workbook modules).
READS: dict[str, tuple[str, ...]] = {
    START_HERE: (),
    SELF_ASSESSMENT: (VOICE_OF_CUSTOMER,),  # facts before opinions: the room sees 02's headlines before it scores
    VOICE_OF_CUSTOMER: (),
    SEGMENTATION: (),
    BUSINESS_CASE: (VOICE_OF_CUSTOMER, SEGMENTATION),
    ROADMAP: (SELF_ASSESSMENT, VOICE_OF_CUSTOMER, SEGMENTATION, BUSINESS_CASE),
}

#: The environment variable naming the step a kernel runs, set by the runner when steps run side by side.
STEP_RUNNING = "CXM_STEP"


@dataclass(frozen=True)
class Artifact:
    """One file a workbook writes under ``artifacts/<step>/``.

    Attributes
    ----------
    step, name : str
        The workbook's step (e.g. ``"02_voice_of_customer"``) and the table's name; the file is
        ``artifacts/<step>/<name>.<kind>``.
    columns : tuple of str
        The columns, in order, as the workbook writes them (empty for files that are not tables).
    kind : str
        ``"csv"`` (a table), ``"parquet"`` (a large table) or ``"png"`` (a chart).
    needs : tuple of str
        The columns a later workbook or output relies on; :func:`read_table` checks them.
    more_columns : str or None
        What further columns follow ``columns`` when they depend on the data (e.g. one per channel).
    """

    step: str
    name: str
    columns: tuple[str, ...] = ()
    kind: str = "csv"
    needs: tuple[str, ...] = ()
    more_columns: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.kind}"


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# Columns that several tables share: the per-dimension scores (01) and the backlog (05).
_SCORES = _columns(
    "component component_name dimension_id dimension n median_current iqr range disagreement median_target consensus_current consensus_target consensus_rationale consensus_strengths consensus_areas current target gap weight priority previous_current change"
)
_BACKLOG = _columns(
    "id title source provenance value effort npv bcr prob_negative confidence dependencies earliest_start reach impact time_criticality risk_reduction scored_by"
)

#: Every artifact of every step, in each workbook's order.
ARTIFACTS: tuple[Artifact, ...] = (
    # workbook 00: the engagement's inputs and every problem found in them
    Artifact(START_HERE, "problems", _columns("severity where column rows message fix")),
    Artifact(START_HERE, "inputs", _columns("input file rows fields_mapped first last errors warnings")),
    # workbook 01: maturity scores, gaps, disagreements and findings
    Artifact(SELF_ASSESSMENT, "scores", _SCORES),
    Artifact(SELF_ASSESSMENT, "gaps", ("rank", *_SCORES), needs=_columns("dimension_id dimension gap")),
    Artifact(SELF_ASSESSMENT, "disagreements", _SCORES),
    Artifact(
        SELF_ASSESSMENT,
        "components",
        _columns("component component_name dimensions scored current target gap priority"),
        needs=_columns("component component_name current target gap"),
    ),
    Artifact(
        SELF_ASSESSMENT, "findings", _columns("source component item_id statement answer note"), needs=_columns("statement")
    ),
    # workbook 02: contact analyses, survey drivers and comment themes
    Artifact(VOICE_OF_CUSTOMER, "contact_reasons", _columns("reason service contacts share cumulative_share pareto")),
    Artifact(VOICE_OF_CUSTOMER, "channel_mix", _columns("reason channel contacts share")),
    Artifact(VOICE_OF_CUSTOMER, "patterns_time", _columns("pattern weekday hour month channel contacts")),
    Artifact(
        VOICE_OF_CUSTOMER,
        "volumes_over_time",
        _columns("granularity period period_start complete breakdown category contacts share"),
        needs=_columns("granularity period_start complete breakdown category contacts"),
    ),
    Artifact(VOICE_OF_CUSTOMER, "anomalies", _columns("level area reason weekday hours contacts expected ratio z")),
    Artifact(
        VOICE_OF_CUSTOMER, "resolution_times", _columns("reason closed auto_closed open median_hours p90_hours same_day_share")
    ),
    Artifact(
        VOICE_OF_CUSTOMER,
        "repeat_contact",
        _columns(
            "reason window_days contacts repeats follow_ups resolved_first_contact repeat_rate follow_up_rate fcr_by_repeat"
        ),
    ),
    Artifact(
        VOICE_OF_CUSTOMER,
        "failure_demand",
        _columns(
            "channel contacts failure_contacts by_reason by_repeat failure_share unit_cost failure_cost total_cost "
            "failure_cost_a_year price_base"
        ),
    ),
    Artifact(
        VOICE_OF_CUSTOMER,
        "volumes",
        _columns("channel reason service contacts failure_contacts mean_handling_minutes"),
        needs=_columns("channel reason service contacts failure_contacts"),
    ),
    Artifact(
        VOICE_OF_CUSTOMER,
        "areas",
        _columns("area contacts weekly_contacts fcr_rate failure_share online_share"),
        needs=_columns("area contacts"),
    ),
    # contacts by month x channel x area x reason for the report's filterable charts; the largest areas and reasons
    # named, the rest grouped (cxmethods.methods.contacts.ContactLog.contact_cube); month or area empty when not mapped
    Artifact(
        VOICE_OF_CUSTOMER,
        "contact_cube",
        _columns("month channel area reason contacts failure_contacts"),
        needs=_columns("month channel area reason contacts failure_contacts"),
    ),
    Artifact(VOICE_OF_CUSTOMER, "data_quality", _columns("check rows share treatment")),
    # how many working days each reason's cases took to close: workbook 05 checks the service levels on it
    Artifact(
        VOICE_OF_CUSTOMER, "closing_days", _columns("reason working_days cases"), needs=_columns("reason working_days cases")
    ),
    Artifact(
        VOICE_OF_CUSTOMER,
        "survey_items",
        _columns("item question role scale n missing_share mean score top2_share"),
        needs=_columns("item role top2_share"),
    ),
    Artifact(
        VOICE_OF_CUSTOMER,
        "drivers",
        _columns("driver question importance share share_low share_high rank performance quadrant outcome"),
        needs=_columns("driver share performance quadrant"),
    ),
    # top_category*: the source system's category most of a theme's comments have; category_ami: adjusted mutual
    # information of themes and categories over all comments (one figure, on every row); empty without a category
    Artifact(
        VOICE_OF_CUSTOMER,
        "themes",
        _columns("theme label top_terms comments share top_category top_category_share category_ami examples"),
    ),
    Artifact(VOICE_OF_CUSTOMER, "theme_selection", _columns("k silhouette coherence diversity quality best chosen")),
    Artifact(
        VOICE_OF_CUSTOMER,
        "theme_sentiment",
        _columns("theme label comments mean_compound share_negative share_neutral share_positive not_english"),
    ),
    # one row per comment by its row in the input file, never its text
    Artifact(
        VOICE_OF_CUSTOMER,
        "comment_themes",
        _columns("row theme theme_share other_themes sentiment compound rating category language"),
    ),
    Artifact(VOICE_OF_CUSTOMER, "personal_data_redacted", _columns("kind count measured_recall note")),
    # the tone scorers compared against the commenters' own ratings (Spearman), the chosen one marked
    Artifact(
        VOICE_OF_CUSTOMER,
        "tone_scorers",
        _columns("scorer comments spearman share_negative_low share_positive_high chosen"),
    ),
    # comments by language: only English ones are scored for tone
    Artifact(VOICE_OF_CUSTOMER, "comment_languages", _columns("language code comments share scored")),
    Artifact(
        VOICE_OF_CUSTOMER,
        "segment_hints",
        _columns("attribute label value respondents email face_to_face mobile_app phone post web_form"),
        more_columns="then one share column per channel",
    ),
    # workbook 03: stakeholders, segments, profiles and channel targets
    Artifact(
        SEGMENTATION, "stakeholders", _columns("group_id group category hats priority interest influence objective represents")
    ),
    Artifact(SEGMENTATION, "stakeholder_findings", _columns("finding group_id group detail")),
    Artifact(SEGMENTATION, "rule_segments", _columns("leaf_id name path size share objective size_source")),
    Artifact(SEGMENTATION, "rule_problems", _columns("severity where message fix")),
    Artifact(
        SEGMENTATION,
        "model_selection",
        _columns("k silhouette inertia bic stability smallest_share useful stable recommended chosen note"),
    ),
    Artifact(
        SEGMENTATION,
        "segments",
        _columns("segment size share name pen_portrait objective named_by below_min_share"),
        needs=_columns("name share"),
    ),
    Artifact(SEGMENTATION, "profiles", _columns("segment attribute label value segment_share population_share index")),
    Artifact(
        SEGMENTATION,
        "self_service",
        _columns("segment respondents prefers_self_service confident_online capacity"),
        needs=_columns("segment capacity"),
    ),
    Artifact(
        SEGMENTATION,
        "segment_channels",
        _columns("segment channel current_share target_share note"),
        needs=_columns("segment channel current_share target_share"),
    ),
    Artifact(
        SEGMENTATION,
        "suitability",
        _columns("service complexity phone web_form email face_to_face mobile_app post"),
        more_columns="then one column per channel",
    ),
    Artifact(SEGMENTATION, "process", _columns("step id title what output workbook_section")),
    # the segmentation guide (templates/segmentation_process.yaml): what it serves, its bases, its tests, its checks
    Artifact(SEGMENTATION, "decisions", _columns("id decision needs tests")),
    Artifact(
        SEGMENTATION,
        "bases",
        _columns("attribute label base characteristic law special_category stands_for role typing_question"),
    ),
    Artifact(SEGMENTATION, "segment_tests", _columns("segment name test verdict evidence question")),
    # the typing tool (cxmethods.methods.typing_tool): questions tried in turn, the points card (one column of points
    # per segment), its agreement with the segments on respondents set aside, and the confusion table
    Artifact(SEGMENTATION, "typing_questions", _columns("order attribute label cv_agreement gain asked")),
    Artifact(
        SEGMENTATION,
        "typing_tool",
        _columns("order attribute label answer"),
        more_columns="then one column of points per segment",
    ),
    Artifact(
        SEGMENTATION,
        "typing_check",
        _columns("check questions respondents agreement note"),
        needs=_columns("check questions agreement"),
    ),
    Artifact(SEGMENTATION, "typing_confusion", _columns("segment segment_name typed typed_name respondents share")),
    Artifact(SEGMENTATION, "equality_check", _columns("check segment attribute label characteristic law finding action")),
    Artifact(SEGMENTATION, "embedding", _columns("id question why suggestion")),
    # one row per respondent; rule_segment only with segment rules, segment_name once the segments are named
    Artifact(SEGMENTATION, "assignments", _columns("respondent_id segment rule_segment segment_name"), kind="parquet"),
    # respondents and the satisfied among them by segment x preferred channel x area x month, for the report's filterable
    # charts (cxmethods.methods.drivers.satisfaction_cube); a dimension the survey lacks is empty
    Artifact(
        SEGMENTATION,
        "survey_cube",
        _columns("segment channel area month respondents rated satisfied"),
        needs=_columns("segment channel area month respondents rated satisfied"),
    ),
    # workbook 04: cash flows, appraisal, options, sensitivity and channel mix
    Artifact(
        BUSINESS_CASE,
        "baseline",
        _columns("channel contacts failure_contacts failure_share failure_cost price_base"),
    ),
    Artifact(BUSINESS_CASE, "assumptions", _columns("name value low high min max distribution unit group description source")),
    Artifact(
        BUSINESS_CASE,
        "cashflows",
        _columns("initiative year cost cash_benefit noncash_benefit discount_factor net present_value price_base"),
    ),
    Artifact(
        BUSINESS_CASE,
        "appraisal",
        _columns(
            "initiative name pv_costs pv_cash_benefits pv_noncash_benefits npv cash_npv bcr bcr_convention bcr_note irr irr_note payback_years payback_note vfm_category p10 p50 p90 prob_negative cash_p10 cash_p90 prob_cash_negative price_base"
        ),
        needs=_columns("initiative npv"),
    ),
    Artifact(
        BUSINESS_CASE,
        "options",
        _columns(
            "option initiatives pv_costs pv_cash_benefits pv_noncash_benefits npv cash_npv bcr bcr_convention bcr_note irr irr_note payback_years payback_note vfm_category p10 p50 p90 prob_negative cash_p10 cash_p90 prob_cash_negative note price_base"
        ),
    ),
    # each option's yearly flows as a package (overlapping savings combined), for the Excel file's live business case
    Artifact(BUSINESS_CASE, "option_flows", _columns("option year cost cash_benefit noncash_benefit price_base")),
    # each initiative's and option's cash savings by cost per contact (contacts' worth saved by channel; "other":
    # the rest), for the Excel file's live business case
    Artifact(BUSINESS_CASE, "cash_drivers", _columns("output year driver quantity")),
    # the value-for-money categories by benefit-cost ratio the appraisal used (a ratio below `below`; the last: none)
    Artifact(BUSINESS_CASE, "vfm_bands", _columns("category below source")),
    # the preferred package's cash by year, undiscounted (real prices, price_base): paid out, saved, net, running total
    Artifact(BUSINESS_CASE, "affordability", _columns("year cash_out cash_back net cumulative price_base")),
    Artifact(
        BUSINESS_CASE,
        "sensitivity",
        _columns(
            "output assumption low high npv_low npv_high npv_base swing unit group description source switching_value change_pct within_range note "
            "price_base"
        ),
    ),
    Artifact(
        BUSINESS_CASE,
        "channel_mix",
        _columns("segment channel current_contacts optimal_contacts change unit_cost current_cost optimal_cost price_base"),
    ),
    Artifact(
        BUSINESS_CASE,
        "channel_mix_summary",
        _columns(
            "segment current_cost optimal_cost saving saving_share online_share_now online_share_optimal online_capacity "
            "price_base"
        ),
    ),
    # workbook 05: backlog, priorities, schedule, pilots and KPIs
    Artifact(ROADMAP, "backlog", _BACKLOG),
    Artifact(ROADMAP, "priorities", (*_BACKLOG, *_columns("score rank tied_with missing quadrant"))),
    Artifact(
        ROADMAP,
        "schedule",
        _columns(
            "id title rank start end start_quarter end_quarter quarters load horizon reason dependencies appraised decision owner"
        ),
    ),
    Artifact(ROADMAP, "capacity", _columns("quarter capacity used free")),
    # initiatives that depend on one that loses money: the board's choice (the schedule's decision column in full)
    Artifact(ROADMAP, "decisions", _columns("initiative title depends_on their_npv own_npv together_npv choice price_base")),
    # the business case re-appraised on the road map's start years (cxmethods.methods.case_timing)
    Artifact(
        ROADMAP,
        "reappraisal",
        _columns(
            "initiative title case_start_year scheduled_start_year years_later npv_as_appraised npv_as_scheduled change note price_base"
        ),
    ),
    Artifact(
        ROADMAP,
        "pilot_plan",
        _columns(
            "initiative title lever metric measure baseline target effect alpha power n_per_cell mde_in_26_weeks icc design_effect mde_in_26_weeks_clustered areas_per_arm_needed pilot_site comparison_site weekly_in_scope weeks design success_criterion cluster_note note"
        ),
    ),
    Artifact(
        ROADMAP,
        "pilot_sites",
        _columns(
            "unit role matched_with volume distance_to_population distance_to_pilot fcr_rate failure_share online_share reason initiative"
        ),
    ),
    Artifact(
        ROADMAP,
        "kpis",
        _columns(
            "principle standard_id standard measure metric unit direction target current gap met looser_than_today "
            "proposed_target frequency data_source note"
        ),
    ),
    Artifact(ROADMAP, "timeline", kind="png"),
)

_BY_KEY = {(a.step, a.name): a for a in ARTIFACTS}


def artifact(step: str, name: str) -> Artifact:
    """The registered artifact ``name`` of ``step``; an unregistered one is a programming error, named."""
    try:
        return _BY_KEY[(step, name)]
    except KeyError:
        known = ", ".join(a.name for a in artifacts_of(step)) if step in STEPS else ", ".join(STEPS)
        raise CxmError(
            f"No artifact '{name}' is registered for step '{step}' (known: {known}). Register it in cxmethods/io/artifacts.py."
        ) from None


def artifacts_of(step: str) -> tuple[Artifact, ...]:
    """The artifacts of one step, in the workbook's order."""
    return tuple(a for a in ARTIFACTS if a.step == step)


def artifact_path(run_dir: str | Path, step: str, name: str) -> Path:
    """Where artifact ``name`` of ``step`` lives in the run folder ``run_dir``."""
    return Path(run_dir) / "artifacts" / step / artifact(step, name).filename


def run_folder(run_dir: str | Path | None, engagement: Engagement, *, create: bool = True) -> Path:
    """The run folder (created unless ``create`` is false): ``run_dir`` when given, else ``<base>/<engagement name>``.

    The one place that decides the default: ``cxm run`` without ``--out``, a workbook opened live and the tests
    all call it. The base is ``$CXM_OUT`` when set; else ``out`` in the current folder, except that a workbook
    opened live from the package's own ``workbooks/`` folder writes to ``out/`` beside it (the run folder
    ``make demo`` fills), so nothing is written inside the workbooks folder.
    """
    if run_dir:
        folder = Path(run_dir)
    else:
        base: str | Path | None = os.environ.get("CXM_OUT")
        if base is None:
            here = Path.cwd().resolve()
            base = here.parent / "out" if here == workbooks_dir().resolve() else here / "out"
        folder = Path(base) / engagement.name
    if folder.exists() and not folder.is_dir():
        raise CxmError(f"--out {folder} is a file; give a folder for the run.")
    if create:
        make_folder(folder)
    return folder


#: What a spreadsheet takes for the start of a formula in a CSV cell (OWASP, "CSV Injection"): = + - @, tab, CR.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text a spreadsheet would run: a formula character, after any apostrophes (so that text which already starts
# with apostrophes is prefixed too, and the prefix can always be taken off again: the round trip is exact).
_NEUTRALISED = re.compile(r"'*[=+\-@\t\r]")
# A number written as text (-5, +1.5e3) is no formula: spreadsheets read it as a number, so it is left alone.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _risky(value: object) -> bool:
    return isinstance(value, str) and bool(_NEUTRALISED.match(value)) and not _NUMBER.fullmatch(value)


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text cell (and column name) a spreadsheet would run as a formula prefixed with ``'``.

    OWASP's guidance for CSV files: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    (a DDE payload such as ``=cmd|' /C calc'!A0``) gets a leading apostrophe, so spreadsheets show it as text.
    Numbers stay numbers, and text that is a number (``"-5"``) is left as it is. Text that already starts with
    apostrophes before such a character gets one more, so :func:`restore_formulas` gives back exactly what was
    written. A table with nothing to neutralise is returned as it is.

    >>> table = pd.DataFrame({"reason": ["=1+2", "-2 days", "fine", "'=x"], "change": [-1.5, 2, 3, -4]})
    >>> neutralise_formulas(table)["reason"].tolist()
    ["'=1+2", "'-2 days", 'fine', "''=x"]
    >>> restore_formulas(neutralise_formulas(table)).equals(table)
    True
    """
    text = [c for c in table.columns if table[c].dtype == object or pd.api.types.is_string_dtype(table[c].dtype)]
    # any() over the cells, not Series.map(...).any(): an empty column of pandas' string dtype cannot reduce
    changed = {c: _each(table[c], _neutralise) for c in text if any(_risky(v) for v in table[c])}
    names = [f"'{c}" if _risky(c) else c for c in table.columns]
    if not changed and names == list(table.columns):
        return table
    out = table.assign(**changed) if changed else table.copy()
    out.columns = names
    return out


def _each(column: pd.Series, change) -> pd.Series:
    """``change`` applied to each cell, the column's dtype kept (``map`` would make text of an object column)."""
    return pd.Series([change(v) for v in column], index=column.index, dtype=column.dtype, name=column.name)


def _neutralise(value: object) -> object:
    return f"'{value}" if _risky(value) else value


def restore_formula(value: object) -> object:
    """``value`` as it was before :func:`neutralise_formulas`: the one leading ``'`` it added taken off.

    Only text made of apostrophes then a formula character can have been neutralised (any such text is), so
    the round trip is exact; anything else is returned as it is.

    >>> [restore_formula(v) for v in ["'=1+2", "''=x", "'quoted", "-5", 3]]
    ['=1+2', "'=x", "'quoted", '-5', 3]
    """
    return value[1:] if isinstance(value, str) and value.startswith("'") and _risky(value) else value


def restore_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as it was before :func:`neutralise_formulas`: :func:`restore_formula` on every text cell and
    column name, so later workbooks and the Excel file see the real values."""
    text = [c for c in table.columns if table[c].dtype == object or pd.api.types.is_string_dtype(table[c].dtype)]
    changed = {}
    for c in text:
        column = table[c]
        if any(isinstance(v, str) and v.startswith("'") for v in column):
            changed[c] = _each(column, restore_formula)
    names = [restore_formula(c) for c in table.columns]
    if not changed and names == list(table.columns):
        return table
    out = table.copy()
    for c, column in changed.items():
        out[c] = column
    out.columns = names
    return out


def csv_text(table: pd.DataFrame) -> str:
    """The table as CSV, its neutralised cells also in double quotes (OWASP: prefix, then quote the cell).

    Every CSV the package writes from text people or data supplied goes through here: the artifacts
    (:func:`write_table`) and the workshop answers (:class:`~cxmethods.io.answers.AnswerStore`), so formulas are
    neutralised the same way everywhere. Lines end in ``\n``.

    pandas formats the values (its number formats kept); the rows are then written again so that neutralised
    cells, and cells holding a carriage return (which pandas leaves unquoted when lines end in ``\\n``), are
    quoted: no spreadsheet's CSV import can split a cell or take its prefix away.
    """
    safe = neutralise_formulas(table)
    text = safe.to_csv(index=False, lineterminator="\r\n")  # so that every field holding \r or \n is quoted
    out = io.StringIO()
    for row in csv.reader(io.StringIO(text, newline="")):
        out.write((",".join(_quoted(cell) for cell in row) if row != [""] else '""') + "\n")
    return out.getvalue()


def _quoted(cell: str) -> str:
    if (cell.startswith("'") and _risky(cell)) or any(ch in cell for ch in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def write_table(table: pd.DataFrame, run_dir: str | Path, step: str, name: str) -> Path:
    """Write ``table`` as the registered artifact ``name`` of ``step`` (CSV or Parquet) and return the path.

    A CSV's text that a spreadsheet would run as a formula is neutralised (:func:`neutralise_formulas`);
    :func:`read_table` gives the values back as they were.
    """
    path = artifact_path(run_dir, step, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        table.to_parquet(path, index=False)
    else:
        path.write_text(csv_text(table), encoding="utf-8", newline="")
    return path


def read_table(run_dir: str | Path, step: str, name: str, *, optional: bool = False) -> pd.DataFrame | None:
    """Read a table an earlier workbook wrote, checking the columns later steps rely on.

    Empty cells are missing values and every other text is kept as written (a reason called "NA" stays "NA");
    text :func:`write_table` neutralised as a formula is given back as it was.
    A missing file is ``None`` when ``optional``, else an error naming the workbook to run first.
    """
    running = os.environ.get(STEP_RUNNING)
    if running in READS and step != running and step not in READS[running]:
        raise CxmError(
            f"workbook {running} reads {step}'s table {name!r}, but cxmethods.io.artifacts.READS does not list {step} "
            f"for {running}: cxm run could run them side by side. Fix: add {step} to READS[{running!r}]."
        )
    path = artifact_path(run_dir, step, name)
    if not path.is_file():
        if optional:
            return None
        raise CxmError(f"{path} is missing: run workbook {step} first (cxm run --only {step[:2]}).")
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
    else:
        table = restore_formulas(pd.read_csv(path, keep_default_na=False, na_values=[""]))
    missing = [c for c in artifact(step, name).needs if c not in table.columns]
    if missing:
        raise CxmError(
            f"{path} has no column(s) {', '.join(missing)}: it was written by another version of cxmethods. "
            f"Fix: run workbook {step} again (cxm run --only {step[:2]})."
        )
    return table
