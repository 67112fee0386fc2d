"""The engagement: one YAML file naming the organisation, its input files and the method settings.

>>> from cxmethods import load_engagement
>>> eng = load_engagement()          # the bundled sample engagement
>>> eng.name, eng.currency
('riverton', 'GBP')

Problems are collected, not raised one at a time: :func:`load_engagement` raises a single
:class:`~cxmethods.core.errors.ConfigError` whose ``problems`` name the file, the line, the key
and how to fix each one. Unknown keys are errors, with a "did you mean" where one is close.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from cxmethods.core.errors import ConfigError, Problem
from cxmethods.core.files import load_yaml_file, not_a_file
from cxmethods.core.paths import sample_engagement
from cxmethods.core.schemas import INPUTS
from cxmethods.core.yamlfile import did_you_mean, duplicate_keys, line_of, problem_from_pydantic, yaml_location

__all__ = ["Engagement", "InputFile", "SurveyAttribute", "SurveyItem", "load_engagement", "partial_engagement"]


class _Model(BaseModel):
    # numbers are accepted where text is expected: YAML reads `5` or a column named `2024` as numbers
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Period(_Model):
    """The period the engagement's data covers."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"period end ({self.end}) is before its start ({self.start})")
        return self


class SurveyItem(_Model):
    """One question of the client's questionnaire that people rated (``inputs.survey.items``).

    ``scale`` is ``[lowest, highest]`` (e.g. ``[0, 10]``), ``yes_no``, or a code list mapping each
    answer label to its point (``{Very poor: 1, Poor: 2, ...}``); default: the survey's ``scale``.
    ``dont_know`` lists the answers that mean "don't know" or "not applicable", numbers or text
    (default: the survey's ``dont_know_codes``). ``role``: the ``outcome`` the key-driver analysis
    explains (at most one item), a ``driver`` of it, or ``other`` (scored, not modelled).
    """

    column: str
    name: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$", description="Our name for it (default: from the column)")
    label: str | None = Field(None, description="The question as asked, shown in every output (default: the column)")
    scale: tuple[int, int] | Literal["yes_no"] | dict[str, float] | None = None
    dont_know: list[str] | None = None
    role: Literal["outcome", "driver", "other"] = "driver"

    @field_validator("scale")
    @classmethod
    def _scale(cls, v):
        if isinstance(v, tuple) and not v[0] < v[1]:
            raise ValueError("scale must be [lowest, highest] with lowest below highest, e.g. [1, 5] or [0, 10]")
        if isinstance(v, dict) and len(set(v.values())) < 2:
            raise ValueError("a code list needs at least two different points, e.g. {Poor: 1, Fair: 2, Good: 3}")
        return v

    @property
    def key(self) -> str:
        """The item's field name in the survey table: ``name``, or the column made into an identifier."""
        return self.name or identifier(self.column)


class SurveyAttribute(_Model):
    """A respondent attribute of the client's survey (``inputs.survey.attributes``), for segmentation.

    ``kind``: ``category`` (labels such as a ward or a tenure) or ``number`` (such as an age), which
    segmentation bins, at ``bins`` when given (edges, e.g. ``[18, 35, 55, 75]``). ``dont_know`` answers
    count as missing.
    """

    column: str
    name: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$", description="Our name for it (default: from the column)")
    label: str | None = Field(None, description="What it is, shown in every output (default: the column)")
    kind: Literal["category", "number"] = "category"
    bins: list[float] | None = None
    dont_know: list[str] = []

    @model_validator(mode="after")
    def _bins(self) -> SurveyAttribute:
        if self.bins is not None and (self.kind != "number" or len(self.bins) < 2 or sorted(set(self.bins)) != self.bins):
            raise ValueError("bins are for kind: number, as two or more increasing edges, e.g. [18, 35, 55, 75]")
        return self

    @property
    def key(self) -> str:
        return self.name or identifier(self.column)


def identifier(column: str) -> str:
    """A column name made into a field name: ``"Q2_6"`` -> ``"q2_6"``, ``"How easy?"`` -> ``"how_easy"``.

    >>> identifier("Q15 (b) - Courtesy"), identifier("2024 rating")
    ('q15_b_courtesy', 'q_2024_rating')
    """
    key = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
    return key if key[:1].isalpha() else f"q_{key}"


class InputFile(_Model):
    """One input table and how to read it.

    ``columns`` maps our field names to the columns of the user's file (``our field: your
    column``); a field left out is taken from a column of the same name if there is one.
    ``values`` recodes a field's values (e.g. ``channel: {Telephone: phone}``); a label recoded to
    ``null`` means "not known" and is counted as missing (e.g. ``channel: {UNKNOWN: null}``).
    """

    path: str
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str | None]] = {}
    encoding: str = "utf-8"
    delimiter: str = ","
    header_row: int = Field(1, ge=1, description="Spreadsheet row holding the column names")
    date_format: str | None = None
    decimal: Literal[".", ","] = "."
    sheet: str | None = None
    dont_know_codes: list[str] = Field([], description="Survey answers meaning don't know / not applicable (numbers or text)")
    scale: tuple[int, int] = (1, 5)
    items: list[SurveyItem] = Field([], description="Survey only: the questionnaire's rated questions")
    attributes: list[SurveyAttribute] = Field([], description="Survey only: respondent attributes for segmentation")

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, v: str) -> str:
        if v == "\\t":
            v = "\t"
        if len(v) != 1:
            raise ValueError("delimiter must be a single character such as ',' or ';'")
        return v

    @field_validator("scale")
    @classmethod
    def _ordered_scale(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not v[0] < v[1]:
            raise ValueError("scale must be [lowest, highest] with lowest below highest, e.g. [1, 5] or [0, 10]")
        return v

    @model_validator(mode="after")
    def _questionnaire(self) -> InputFile:
        keys = [i.key for i in self.items] + [a.key for a in self.attributes]
        if dupes := sorted({k for k in keys if keys.count(k) > 1}):
            raise ValueError(f"items and attributes must have distinct names; {', '.join(dupes)} appears twice (set name:)")
        if len([i for i in self.items if i.role == "outcome"]) > 1:
            raise ValueError("at most one item can have role: outcome (the one the key-driver analysis explains)")
        return self

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str) -> str:
        import codecs

        try:
            codecs.lookup(v)
        except LookupError:
            raise ValueError("unknown encoding; use e.g. utf-8, cp1252 or latin-1") from None
        return v


class Inputs(_Model):
    contact_log: InputFile | None = None
    survey: InputFile | None = None
    comments: InputFile | None = None
    initiatives: InputFile | None = None
    levers: InputFile | None = None
    stakeholders: InputFile | None = None


class Workshop(_Model):
    """Answer files written by the workshop forms (they may not exist before the workshop)."""

    self_assessment: InputFile | None = None
    consensus: InputFile | None = None
    quick_test: InputFile | None = None
    role_checklist: InputFile | None = None
    segment_names: InputFile | None = None
    assumptions: InputFile | None = None
    backlog: InputFile | None = None


class VocSettings(_Model):
    repeat_window_days: int = Field(7, ge=1, le=365)
    failure_reasons: list[str] = Field(
        [], description="Regular expressions (case-insensitive) for reasons that are failure demand"
    )
    unit_costs: dict[str, float] = Field({}, description="Cost per contact by channel; default templates/benchmarks.yaml")
    unit_costs_price_year: int | None = Field(
        None,
        ge=1900,
        le=2200,
        description="The year whose prices unit_costs are in (default: the price base year, "
        "settings.business_case.price_base_year)",
    )
    n_themes: int | None = Field(
        None, ge=1, le=30, description="Themes to find in the comments (default: chosen from the data, 2-10)"
    )
    theme_method: Literal["clusters", "nmf"] = Field(
        "clusters",
        description="How themes are found: 'clusters' groups like comments (each mostly about one thing, as "
        "complaints are); 'nmf' treats each comment as a mixture of themes (comments that list several things)",
    )
    theme_sample: int = Field(
        50_000,
        ge=100,
        le=1_000_000,
        description="Most comments the themes are found in; above it a seeded random sample of this many, and every "
        "comment then gets its theme and tone",
    )
    tone_sample: int | None = Field(
        200_000,
        ge=1_000,
        description="Most English comments whose tone is scored; above it a seeded random sample of this many (the "
        "shares of negative and positive comments are then estimates, within about 0.2 percentage points at the "
        "default); null scores every comment",
    )
    text_workers: int | Literal["cores"] = Field(
        1,
        description="Processes that redact the comments, tell their language and score their tone, from 100,000 "
        "comments (the results do not depend on it); 'cores': one per core available. Each worker takes ~300 MB more "
        "memory: 1, the workbook's own process, keeps a million comments under 2 GB",
    )

    @field_validator("text_workers")
    @classmethod
    def _workers_in_range(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 64:
            raise ValueError("text_workers must be 'cores' or a number of processes from 1 to 64")
        return value


class SelfAssessmentSettings(_Model):
    model: str | None = Field(None, description="A maturity model YAML of your own (default: templates/maturity_model.yaml)")
    disagreement_range: int = Field(2, ge=1, le=4, description="Levels apart at which respondents disagree")
    disagreement_share: float = Field(
        0.25,
        ge=0,
        le=0.5,
        description="Share of the room that must be disagreement_range levels above as many others for a dispute "
        "(a quarter: one dissenter in a room of eight is not a dispute; 0: any one respondent is)",
    )
    weights: dict[str, float] = Field({}, description="Importance weight by dimension or component id (default 1)")
    previous_scores: str | None = Field(None, description="scores.csv of an earlier assessment, for the change since")


class SegmentationSettings(_Model):
    attributes: list[str] = Field(
        [],
        description="Survey attributes to segment on, declared (by name) or standard fields (default: the declared "
        "attributes, else the needs and behaviour fields present)",
    )
    k_min: int = Field(2, ge=2, le=20)
    k_max: int = Field(8, ge=2, le=20)
    k: int | None = Field(
        None, ge=2, le=20, description="Number of segments to keep (default: the best by statistic and stability)"
    )
    min_share: float = Field(0.05, ge=0, lt=0.5, description="Smallest useful segment, as a share of respondents")
    bootstrap: int = Field(5, ge=2, le=50, description="Bootstrap runs per k for stability")
    rules: str | None = Field(None, description="A rule-based segment tree (YAML like templates/segment_rules_dwp.yaml)")
    suitability: str | None = Field(None, description="Service x channel suitability (CSV); default by service complexity")

    @model_validator(mode="after")
    def _k_range(self) -> SegmentationSettings:
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) is below k_min ({self.k_min})")
        return self


class AssumptionOverride(_Model):
    value: float
    low: float | None = None
    high: float | None = None
    source: str = "set in the engagement"


class BusinessCaseSettings(_Model):
    benchmarks: str | None = Field(None, description="A benchmarks YAML of your own (default: templates/benchmarks.yaml)")
    horizon_years: int = Field(10, ge=1, le=100, description="Years appraised, from the base year")
    base_year: int | None = Field(
        None, ge=1900, le=2200, description="Year 0 of the appraisal (default: the year the period ends)"
    )
    price_base_year: int | None = Field(
        None,
        ge=1900,
        le=2200,
        description="The year whose prices every money figure is converted to before discounting (real prices; "
        "default: year 0 of the appraisal, base_year)",
    )
    deflator: str | None = Field(
        None,
        description="A GDP deflator series of your own (CSV with columns year,index) to convert money between price "
        "years; default: the series shipped for the currency (GBP: HM Treasury; USD: BEA)",
    )
    discount: str = Field(
        "green_book", description="A discount schedule in the benchmarks (green_book, green_book_health, us_omb_a94_2023, ...)"
    )
    discount_rate: float | None = Field(None, ge=0, lt=1, description="A flat real rate instead of the schedule")
    optimism_bias_mitigation: float = Field(
        0.0, ge=0, le=1, description="Share of the upper-bound uplift the project has mitigated (Green Book)"
    )
    default_project_type: str = Field("equipment_development", description="Optimism-bias category for initiatives without one")
    options: dict[str, list[str]] = Field(
        {}, description="Named options (lists of initiative ids); do_minimum and preferred have defaults"
    )
    draws: int = Field(10_000, ge=100, le=1_000_000, description="Monte Carlo draws")
    distribution: Literal["pert", "triangular"] = "pert"
    # Two conventions are cited for the same flows; the NPV is the same under both, the ratio is not.
    # green_book: HM Treasury Green Book (2022), BCR = PV of all benefits / PV of costs.
    # dft: DfT Value for Money Framework (2015, updated 2024) and TAG unit A1.1: BCR = PV of benefits to users and
    # others / PV of costs to the public sector net of its revenues and savings, so the organisation's cash savings
    # reduce the denominator instead of counting as benefits.
    bcr_convention: Literal["green_book", "dft"] = Field(
        "green_book",
        description="Benefit-cost ratio: green_book (PV benefits / PV costs; HM Treasury Green Book 2022) or dft "
        "(PV non-cash benefits / PV costs net of cash savings; DfT Value for Money Framework, TAG A1.1)",
    )
    assumptions: dict[str, AssumptionOverride] = Field(
        {}, description="Override any assumption by name: {value, low, high, source}"
    )
    channel_capacity: dict[str, float] = Field(
        {}, description="Most contacts a year each channel can take (channel optimisation)"
    )
    min_assisted_share: dict[str, float] = Field({}, description="Smallest assisted-channel share by segment name")


class RoadmapSettings(_Model):
    method: Literal["value_effort", "rice", "wsjf", "weighted"] = Field("value_effort", description="How the backlog is ranked")
    weights: dict[str, float] = Field({}, description="weighted method: criterion -> weight (negative: less is better)")
    start: date | None = Field(None, description="First day of the plan (default: the day after the period ends)")
    capacity: float | list[float] = Field(6.0, description="Team-months available per quarter (one number, or one per quarter)")
    quarters: int = Field(12, ge=1, le=40, description="Quarters planned")
    # A team-month is one team's work for a month, so one team on an initiative gives it 3 team-months a quarter; an
    # initiative therefore lasts effort / 3 quarters (rounded up) unless it is staffed by more than one team.
    max_team_months_per_quarter: float = Field(
        3.0,
        gt=0,
        description="Most effort one initiative can absorb in a quarter (3: one team for three months; raise it for "
        "initiatives staffed by several teams). An initiative lasts its effort over this, and at least its pilot's weeks",
    )
    min_confidence: float = Field(0.5, ge=0, le=1, description="Below this confidence an initiative waits and sees")
    candidates: int = Field(3, ge=0, le=20, description="Candidate initiatives drawn from each kind of evidence")
    pilots: int = Field(3, ge=0, le=10, description="Initiatives to plan a pilot for (the best ranked that start now)")
    pilot_alpha: float = Field(0.05, gt=0, lt=1)
    pilot_power: float = Field(0.8, gt=0, lt=1)
    # An assumption, not a measurement: the median of 1,039 intra-cluster correlations from UK primary-care
    # datasets was 0.010 (interquartile range 0 to 0.032; Adams et al., J Clin Epidemiol 2004;57:785-94).
    # Contact-centre areas are not GP practices; set your own when pilot-like data by area and period exist.
    pilot_icc: float = Field(
        0.01,
        ge=0,
        lt=1,
        description="Intra-cluster correlation of the pilot's outcome within an area and period (an assumption; "
        "0.01 is a typical published ICC for service outcomes)",
    )
    service_standards: str | None = Field(
        None, description="Your service standards YAML (default: templates/service_standards.yaml)"
    )
    stretch: float = Field(
        0.15,
        gt=0,
        lt=1,
        description="A target today's figure already beats is flagged, and one proposed this share of the way from "
        "today's figure to the best possible (0.15: 12.2% today becomes at most 10.4%)",
    )


class Settings(_Model):
    voc: VocSettings = VocSettings()
    self_assessment: SelfAssessmentSettings = SelfAssessmentSettings()
    segmentation: SegmentationSettings = SegmentationSettings()
    business_case: BusinessCaseSettings = BusinessCaseSettings()
    roadmap: RoadmapSettings = RoadmapSettings()


#: The settings that name a file (besides ``inputs.*.path`` and ``workshop.*.path``); each is read from the
#: engagement's folder like an input. :data:`cxmethods.io.kinds.SETTINGS_FILES` says what each takes.
PATH_SETTINGS = (
    "settings.self_assessment.model",
    "settings.self_assessment.previous_scores",
    "settings.segmentation.rules",
    "settings.segmentation.suitability",
    "settings.business_case.benchmarks",
    "settings.roadmap.service_standards",
)


class Engagement(_Model):
    """A validated engagement. Input paths are resolved against the YAML file's folder."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    organisation: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    period: Period
    #: The zone times are read in (IANA name such as Europe/London): a time written with an offset (+01:00, Z) is
    #: converted to this zone's clock time. None keeps the clock time written and ignores offsets (and ``cxm
    #: validate`` warns when a column mixes them).
    timezone: str | None = None
    seed: int = 0
    #: Whether the files the engagement names may lie outside its folder. Off by default: a path such as
    #: ``../../etc/passwd``, ``/home/someone/notes.csv`` or a link leading out of the folder is refused, so an
    #: engagement file received from someone else reads nothing but the files beside it.
    allow_paths_outside: bool = False
    inputs: Inputs = Inputs()
    workshop: Workshop = Workshop()
    settings: Settings = Settings()

    _path: Path | None = PrivateAttr(default=None)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            hint = did_you_mean(value, sorted(available_timezones()))
            raise ValueError(
                f"'{value}' is not a time zone: use an IANA name such as Europe/London or America/New_York.{hint}"
            ) from None
        return value

    @property
    def path(self) -> Path | None:
        """The YAML file this engagement was read from."""
        return self._path

    @property
    def folder(self) -> Path:
        return self._path.parent if self._path else Path.cwd()

    def resolve(self, relative: str | Path) -> Path:
        """Resolve a path from the engagement file's folder."""
        return _resolved(self.folder, relative)

    def tables(self) -> dict[str, tuple[str, InputFile]]:
        """Every table the engagement names: ``{name: (yaml section, InputFile)}``."""
        out: dict[str, tuple[str, InputFile]] = {}
        for section in ("inputs", "workshop"):
            block = getattr(self, section)
            for name in type(block).model_fields:
                spec = getattr(block, name)
                if spec is not None:
                    out[name] = (section, spec)
        return out


def _resolved(folder: Path, relative: str | Path) -> Path:
    p = Path(relative).expanduser()
    p = p if p.is_absolute() else folder / p
    try:
        return p.resolve()
    except (RuntimeError, OSError):  # a loop of symbolic links: kept as written, so the reader can say so
        return Path(os.path.abspath(p))


def _outside(folder: Path, relative: str | Path) -> Path | None:
    """``relative`` resolved from ``folder`` (``..`` and links followed) when it leads outside it, else None."""
    path = _resolved(folder, relative)
    return None if path.is_relative_to(folder.resolve()) else path


def load_engagement(path: str | Path | None = None) -> Engagement:
    """Read and validate an engagement YAML (the bundled sample when ``path`` is None).

    Checks the file's structure, types and column mappings. :func:`cxmethods.validate_engagement`
    also reads every input the engagement names.

    Raises
    ------
    ConfigError
        With every problem found, each naming the file, line and key, and how to fix it.
    """
    path, raw, root = _read_yaml(path)
    problems = []
    try:
        eng = Engagement.model_validate(raw)
    except ValidationError as exc:
        problems = [
            problem_from_pydantic(err, str(path), root, model=Engagement, fixes=_FIXES, example="templates/engagement.yaml")
            for err in exc.errors()
        ]
    problems += _mapping_problems(raw, str(path), root) + duplicate_keys(root, str(path))
    problems += _outside_problems(raw, path, root)
    if problems:
        raise ConfigError(sorted(problems, key=line_of))
    eng._path = path.resolve()
    return eng


def _named_paths(raw: dict) -> dict[str, str]:
    """Every file path the raw YAML names, by its setting (read from the raw YAML, so even when other keys are wrong)."""
    named = {}
    for section in ("inputs", "workshop"):
        tables = raw.get(section)
        for name, spec in tables.items() if isinstance(tables, dict) else ():
            if isinstance(spec, dict) and isinstance(spec.get("path"), str | int):
                named[f"{section}.{name}.path"] = str(spec["path"])
    for setting in PATH_SETTINGS:
        _, section, key = setting.split(".")
        block = raw.get("settings", {}).get(section) if isinstance(raw.get("settings"), dict) else None
        if isinstance(block, dict) and isinstance(block.get(key), str) and block[key]:
            named[setting] = block[key]
    return named


def _outside_problems(raw: dict, path: Path, root: yaml.Node | None) -> list[Problem]:
    """Paths leading outside the engagement's folder, unless the engagement allows them (``allow_paths_outside``)."""
    if raw.get("allow_paths_outside") is True:
        return []
    folder = path.resolve().parent
    problems = []
    for setting, value in _named_paths(raw).items():
        if (resolved := _outside(folder, value)) is not None:
            problems.append(
                Problem(
                    yaml_location(str(path), root, tuple(setting.split("."))),
                    f"{setting} leads outside the engagement's folder (to {resolved}); files are read only from "
                    f"the folder of the engagement file ({folder}) and the folders within it.",
                    OUTSIDE_FIX,
                )
            )
    return problems


#: What to do about a path outside the engagement's folder (one wording wherever it is refused).
OUTSIDE_FIX = (
    "Move the file into the engagement's folder, or set allow_paths_outside: true at the top of the engagement file "
    "if reading from elsewhere is intended."
)


def partial_engagement(path: str | Path | None = None) -> Engagement | None:
    """An engagement holding only the input entries that are valid on their own, so their files can be
    checked even when other keys of the YAML are wrong. None when the YAML cannot be read at all."""
    try:
        path, raw, _ = _read_yaml(path)
    except ConfigError:
        return None
    folder = path.resolve().parent
    blocks: dict[str, Any] = {}
    for section, model in (("inputs", Inputs), ("workshop", Workshop)):
        tables = raw[section] if isinstance(raw.get(section), dict) else {}
        valid: dict[str, Any] = {}
        for name, spec in tables.items():
            if name in model.model_fields:
                try:
                    valid[name] = InputFile.model_validate(spec)
                except ValidationError:
                    pass
                else:  # a path leading outside the folder is not read: load_engagement's problems name it
                    if raw.get("allow_paths_outside") is not True and _outside(folder, valid[name].path):
                        del valid[name]
        blocks[section] = model.model_construct(**valid)
    try:
        period = Period.model_validate(raw.get("period"))
    except ValidationError:
        period = None
    allowed = raw.get("allow_paths_outside") is True
    # unvalidated on purpose: the period is None when the file's period is wrong
    eng = Engagement.model_construct(
        name=str(raw.get("name", "engagement")),
        period=period,  # type: ignore[arg-type]
        allow_paths_outside=allowed,
        **blocks,
    )
    eng._path = path.resolve()
    return eng


def _read_yaml(path: str | Path | None) -> tuple[Path, dict, yaml.Node | None]:
    path = Path(path).expanduser() if path is not None else sample_engagement()
    if path.is_dir():
        path = path / "engagement.yaml"
    where = str(path)
    if (what := not_a_file(path)) and what != "file not found":  # a FIFO would hang, /dev/zero never end: unopened
        raise ConfigError([Problem(where, f"{what}.", "Give the path of the engagement YAML file itself.")])
    if not path.is_file():
        raise ConfigError(
            [
                Problem(
                    where, "engagement file not found.", "Give the path of an engagement YAML, or copy templates/engagement.yaml."
                )
            ]
        )
    raw, root = load_yaml_file(path, what="an engagement file", example="templates/engagement.yaml")
    if not isinstance(raw, dict):
        raise ConfigError(
            [
                Problem(
                    where,
                    "this is not an engagement file: it should be YAML with keys such as name, "
                    "organisation, currency, period and inputs.",
                    "Start from templates/engagement.yaml.",
                )
            ]
        )
    return path, raw, root


def _mapping_problems(raw: dict, where: str, root: yaml.Node | None) -> list[Problem]:
    """Mapping keys must be fields of the table (checked on the raw YAML, so even when other keys are wrong)."""
    problems = []
    for section in ("inputs", "workshop"):
        tables = raw.get(section)
        for name, spec in tables.items() if isinstance(tables, dict) else ():
            if name not in INPUTS or not isinstance(spec, dict):
                continue
            fields = list(INPUTS[name].fields)
            for declared in (spec.get("items") or []) + (spec.get("attributes") or []):  # the questionnaire's own fields
                if isinstance(declared, dict) and isinstance(declared.get("column"), str | int):
                    fields.append(str(declared.get("name") or identifier(str(declared["column"]))))
            for key in ("columns", "values"):
                mapping = spec.get(key)
                for ours in mapping if isinstance(mapping, dict) else ():
                    if ours in fields:
                        continue
                    loc = (section, name, key, str(ours))
                    problems.append(
                        Problem(
                            yaml_location(where, root, loc),
                            f"{'.'.join(loc)}: '{ours}' is not a field of {name}.{did_you_mean(str(ours), fields)}",
                            f"Fields of {name}: {', '.join(fields)}. The left side is our field, the right side your column.",
                        )
                    )
    return problems


_FIXES = {
    "name": "Use lower-case letters, digits, '-' or '_', e.g. name: riverton.",
    "currency": "Use a three-letter ISO 4217 code such as GBP, EUR or USD.",
    "start": "Write dates as YYYY-MM-DD.",
    "end": "Write dates as YYYY-MM-DD.",
    "period": "Write period: {start: YYYY-MM-DD, end: YYYY-MM-DD} with end after start.",
}
