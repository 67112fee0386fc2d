"""Workbook 05: service standards as data, and the KPI table the pilot and re-assessments measure against.

A vision seen from the customer's side, principles (dignity, trust, accessibility, transparency,
clarity), and for each principle the standards a customer can expect, an aspirational target and how
it is measured: the structure of PwC, Customer-focused government (2002), Component 4 (the DWP Pension
Credit example). The standards live in ``templates/service_standards.yaml``; an engagement may point
``settings.roadmap.service_standards`` at its own copy. :func:`load_service_standards` validates the
whole file and raises one :class:`~cxmethods.core.errors.ConfigError` listing every problem with its line.

Timeliness is a service level, not an average: "80% of cases within 5 working days, every case within 15"
(PwC's DWP example sets its target so), measured from the contact log's opening and closing dates
(:func:`closed_within_share` on the counts :meth:`~cxmethods.methods.contacts.ContactLog.closed_within` gives).
A share that should fall, such as failure demand, may be set as a cut against a stated baseline (``reduction``).

>>> standards = load_service_standards()
>>> [p.id for p in standards.principles]
['dignity', 'trust', 'accessibility', 'transparency', 'clarity']
>>> print(standards.publishing.sentence)
Performance against every standard, the trend since the baseline period, and what is being done where a standard is missed, published quarterly on the service's website, on the page that sets out these standards, and in the annual report.
>>> closing = pd.DataFrame({"reason": ["Benefit claim", "Benefit claim", "Complaint", "Complaint"],
...                         "within_days": [5, 15, 5, 15], "closed": [100, 100, 10, 10], "within": [70, 97, 9, 10]})
>>> kpis = kpi_table(standards, {"first_contact_resolution": 0.62}, closing=closing).set_index("standard_id")
>>> kpis.loc[["trust.sorted_first_time", "accessibility.decision_5_days", "accessibility.decision_15_days",
...           "dignity.extra_help"], ["direction", "target", "current", "gap", "met"]]  # doctest: +NORMALIZE_WHITESPACE
                               direction  target  current     gap    met
standard_id
trust.sorted_first_time         at_least    0.80   0.6200  0.1800  False
accessibility.decision_5_days   at_least    0.80   0.7182  0.0818  False
accessibility.decision_15_days  at_least    1.00   0.9727  0.0273  False
dignity.extra_help              at_least    0.95      NaN     NaN   <NA>
>>> print(kpis.at["accessibility.decision_15_days", "note"])
97.3% of 110 cases closed within 15 working days, against a target of at least 100%: 2.7 percentage points to go (3 cases took longer)
>>> print(kpis.at["dignity.extra_help", "note"])
not measured yet: collect it (Case records of support requests, checked by a sample review); it would show whether the customers who need most help get it, which averages over all customers hide

A share that should fall is cut against its baseline: this assessment's own figure and period unless the file
states one (then later re-assessments measure against the same baseline):

>>> cut = kpi_table(standards, {"failure_demand_share": 0.122}, period="1 April 2025 to 31 March 2026")
>>> print(cut.set_index("standard_id").at["transparency.no_chasing", "note"])
12.2% now against a target of at most 8.5% (30% below the baseline of 12.2%, measured 1 April 2025 to 31 March 2026; this assessment's own figure: record it as the standard's baseline in the standards file so later assessments measure against it): 3.7 percentage points to go

A target today's performance already beats steers nothing: it is flagged, and a stretching target is
proposed from today's figure (:func:`stretch_target`, :data:`STRETCH` of the way from today's figure to
the best possible one):

>>> loose = kpi_table(standards, {"repeat_rate": 0.039}).set_index("standard_id")
>>> loose.loc[["dignity.tell_once"], ["target", "current", "looser_than_today", "proposed_target"]]
... # doctest: +NORMALIZE_WHITESPACE
                   target  current  looser_than_today  proposed_target
standard_id
dignity.tell_once     0.1    0.039               True            0.033
>>> print(loose.at["dignity.tell_once", "note"])
met: 3.9% now against a target of at most 10%; the target is looser than today: propose at most 3.3% (15% of the way from today's figure to 0%)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cxmethods.core.checks import check_number, check_one_of, check_type, parameter_error
from cxmethods.core.errors import ConfigError, CxmError, Problem
from cxmethods.core.files import YamlTooComplex, parse_yaml
from cxmethods.core.paths import templates_dir
from cxmethods.core.yamlfile import did_you_mean, duplicate_keys, line_of, yaml_location
from cxmethods.io.artifacts import ROADMAP, artifact
from cxmethods.io.kinds import check_setting_file

__all__ = [
    "CLOSING_COLUMNS",
    "DIRECTIONS",
    "KNOWN_METRICS",
    "STRETCH",
    "UNITS",
    "WITHIN_UNITS",
    "Principle",
    "Publishing",
    "ServiceStandards",
    "Standard",
    "closed_within_share",
    "closing_counts",
    "kpi_table",
    "load_service_standards",
    "standards_table",
    "stretch_target",
]

#: Metrics cxmethods computes from the contact log and survey: name -> what it is and its unit.
KNOWN_METRICS: dict[str, str] = {
    "closed_within": "Share of cases closed within the standard's limit in working days of the first contact (share)",
    "first_contact_resolution": "Share of contacts resolved at the first contact (share)",
    "repeat_rate": "Share of contacts from a customer coming back about the same reason within the repeat window (share)",
    "failure_demand_share": "Share of contacts that are failure demand: chasing, repeats, putting things right (share)",
    "online_share": "Share of contacts self-served online, by web form or app (share)",
    "median_resolution_days": "Median time from a contact being opened to it being closed (days; a median hides the slow cases)",
    "satisfaction": "Share of survey respondents satisfied: 4 or 5 on the 5-point satisfaction item (share)",
    "trust": "Share of survey respondents answering 4 or 5 on the 5-point trust item (share)",
    "ease": "Share of survey respondents answering 4 or 5 on the 5-point ease item (share)",
    "complaint_share": "Share of contacts that are complaints (share)",
}
_METRIC_UNITS = {name: "days" if name == "median_resolution_days" else "share" for name in KNOWN_METRICS}
_MEASURED_BY_STANDARD = ("closed_within",)  # metrics computed per standard (from its limit and scope), not given in `current`

#: Units a target may be in, and the directions a target may point.
UNITS = ("share", "days", "minutes", "score 1-5")
DIRECTIONS = ("at_least", "at_most")
#: Units of a service level's time limit (``within: 5 working days``).
WITHIN_UNITS = ("seconds", "minutes", "hours", "days", "working days")
#: The columns of the closing counts :func:`kpi_table` takes (``ContactLog.closed_within``): per contact reason and
#: limit in working days, the cases whose time is measured and those closed within the limit.
CLOSING_COLUMNS = ("reason", "within_days", "closed", "within")

_TOP_KEYS = ("vision", "source", "publishing", "principles")
_PRINCIPLE_KEYS = ("id", "name", "meaning", "standards")
_STANDARD_KEYS = (
    "id",
    "standard",
    "measure",
    "metric",
    "within",
    "scope",
    "target",
    "reduction",
    "baseline",
    "unit",
    "direction",
    "frequency",
    "data_source",
    "shows",
)
_REQUIRED = ("id", "standard", "measure", "metric", "unit", "direction", "frequency", "data_source")
_PUBLISHING_KEYS = ("frequency", "where", "what")
_RANGES = {
    "share": ("a share", 0, 1),
    "days": ("a number of days", 0, math.inf),
    "minutes": ("a number of minutes", 0, math.inf),
    "score 1-5": ("a score", 1, 5),
}
_LOADED = "a ServiceStandards from load_service_standards"  # what kpi_table and standards_table take
_TOLERANCE = 1e-9  # a current value equal to its target counts as met despite floating-point noise

#: How far a stretching target moves today's figure towards the best possible one (``settings.roadmap.stretch``).
#:
#: When today's performance already beats a target, the target is flagged and a new one proposed:
#: today's figure improved by this share of the distance to the best value the unit allows (0 for a
#: share, a number of days or minutes that should be at most; 100% for a share and 5 for a score that
#: should be at least; 1 for a score that should be at most). For an at-most share or time that is a
#: relative cut of today's figure: 12.2% today becomes 10.4% (12.2% x 0.85). An at-least number of days
#: or minutes has no best value and is raised by the share instead. A fifth to a tenth better than today
#: is the improvement a service can plan for in a year and see in its monthly figures; 15% is the middle.
STRETCH = 0.15
_BEST = {("share", "at_most"): 0.0, ("share", "at_least"): 1.0, ("score 1-5", "at_least"): 5.0, ("score 1-5", "at_most"): 1.0}
_DECIMALS = {"share": 3, "days": 1, "minutes": 1, "score 1-5": 1}  # a proposed target to 0.1 of a point or unit

_KPI_COLUMNS = list(artifact(ROADMAP, "kpis").columns)  # the KPI table's (the registry names them)


@dataclass(frozen=True)
class Standard:
    """What a customer can expect, the target that makes it measurable, and how it is measured.

    ``target`` is a number in ``unit`` (a share is a fraction: 0.8 is 80%); ``direction`` says whether
    the value should be ``at_least`` or ``at_most`` the target; ``metric`` names one of
    :data:`KNOWN_METRICS`, or is None when the organisation collects the figure itself.

    A service level has a time limit, ``within`` in ``within_unit`` ("80% within 5 working days"); ``scope``
    narrows a contact-log measure to the reasons matching it (a regular expression, case ignored). A share that
    should fall may instead give ``reduction``, a cut against ``baseline`` (measured in ``baseline_period``; None:
    this assessment's own figure), and then ``target`` is NaN until the baseline is known. ``shows`` says what the
    figure adds, for the note of a standard not measured yet.
    """

    id: str
    standard: str
    measure: str
    metric: str | None
    target: float
    unit: str
    direction: str
    frequency: str
    data_source: str
    within: float | None = None
    within_unit: str = ""
    scope: str | None = None
    reduction: float | None = None
    baseline: float | None = None
    baseline_period: str = ""
    shows: str = ""

    @property
    def within_text(self) -> str:
        """The time limit in words (``"5 working days"``, ``"60 seconds"``), or ``""`` for none."""
        if self.within is None:
            return ""
        unit = self.within_unit[:-1] if self.within == 1 else self.within_unit
        return f"{_number(self.within)} {unit}"

    @property
    def target_text(self) -> str:
        """The target in words, e.g. ``"at least 80% within 5 working days"``, ``"at most 10%"`` or
        ``"at least 30% below the baseline"``."""
        if self.reduction is not None:
            base = f" of {_amount(self.baseline, self.unit)} ({self.baseline_period})" if self.baseline is not None else ""
            return f"at least {_number(self.reduction * 100)}% below the baseline{base}"
        within = f" within {self.within_text}" if self.within is not None else ""
        return f"{self.direction.replace('_', ' ')} {_amount(self.target, self.unit)}{within}"


@dataclass(frozen=True)
class Principle:
    """One principle of the vision (e.g. trust) and the standards that put it into practice."""

    id: str
    name: str
    meaning: str
    standards: tuple[Standard, ...]


@dataclass(frozen=True)
class Publishing:
    """The commitment to publish performance against the standards: how often, where and what."""

    frequency: str
    where: str
    what: str

    @property
    def sentence(self) -> str:
        """The commitment as one sentence."""
        return f"{self.what[0].upper()}{self.what[1:]}, published {self.frequency} {self.where}."


@dataclass(frozen=True)
class ServiceStandards:
    """The vision, where the structure comes from, the publishing commitment (None: the file gives none), and the
    principles in the file's order."""

    vision: str
    source: str
    principles: tuple[Principle, ...]
    publishing: Publishing | None = None

    @property
    def standards(self) -> tuple[Standard, ...]:
        """Every standard, principle by principle."""
        return tuple(s for p in self.principles for s in p.standards)

    @property
    def closing_limits(self) -> tuple[int, ...]:
        """The limits in working days the standards measure from the contact log (``closed_within``), ascending."""
        return tuple(sorted({int(s.within) for s in self.standards if s.metric == "closed_within" and s.within is not None}))

    def principle(self, principle_id: str) -> Principle:
        for p in self.principles:
            if p.id == principle_id:
                return p
        raise KeyError(principle_id)


def load_service_standards(path: str | Path | None = None) -> ServiceStandards:
    """Read and validate a service-standards YAML (default ``templates/service_standards.yaml``).

    Parameters
    ----------
    path : str or Path, optional
        The file. An engagement's own copy is usually named by ``settings.roadmap.service_standards``.

    Returns
    -------
    ServiceStandards
        ``vision``, ``source``, ``publishing`` and ``principles``, each with its ``standards`` (see :class:`Standard`).

    Raises
    ------
    ConfigError
        One error listing every problem, each with its line: missing or unknown keys, duplicate ids,
        an unknown metric (with a "did you mean"), a metric whose unit differs from the standard's, an
        unknown unit or direction, a target that is not a number or is outside its unit's range, a time limit
        that is not "a number and a unit", a scope that is not a regular expression, both or neither of target
        and reduction.
    """
    if path is not None:  # an engagement's own file: one of another kind is named for what it is
        check_setting_file(path, "service_standards")
    check = _Checker(Path(path).expanduser() if path is not None else templates_dir() / "service_standards.yaml")
    raw = check.raw
    check.keys(raw, (), _TOP_KEYS, required=("vision", "principles"), what="the file")
    vision = check.text(raw, "vision", ())
    source = str(raw.get("source") or "")
    publishing = _publishing(check, raw)
    principles, principle_ids, standard_ids = [], set[str](), set[str]()
    for pi, node in check.items(raw, "principles", (), what="principle"):
        ploc = ("principles", pi)
        pid = check.ident(node, ploc, principle_ids, what="principle", n=pi + 1)
        label = f"principle '{pid}'" if pid else f"principle {pi + 1}"
        check.keys(node, ploc, _PRINCIPLE_KEYS, required=_PRINCIPLE_KEYS, what=label)
        standards = []
        for si, item in check.items(node, "standards", ploc, what="standard"):
            sloc = ploc + ("standards", si)
            standards.append(_standard(check, item, sloc, standard_ids, n=si + 1, principle=label))
        principles.append(Principle(pid, check.text(node, "name", ploc), check.text(node, "meaning", ploc), tuple(standards)))
    check.raise_if_any("The service standards have problems")
    return ServiceStandards(vision, source, tuple(principles), publishing)


def kpi_table(
    standards: ServiceStandards,
    current: Mapping[str, float],
    *,
    closing: pd.DataFrame | None = None,
    closing_note: str = "",
    period: str = "",
    stretch: float = STRETCH,
) -> pd.DataFrame:
    """One row per standard: its target, today's value where it is measured, and how far there is to go.

    Parameters
    ----------
    standards : ServiceStandards
        From :func:`load_service_standards`.
    current : mapping of str to float
        Today's value of each known metric measured so far (names from :data:`KNOWN_METRICS`; shares as
        fractions). A metric left out, or given as None or NaN, is "not measured".
    closing : DataFrame, optional
        For the ``closed_within`` standards: per contact reason and limit, the cases timed and those closed within
        it (:data:`CLOSING_COLUMNS`, from ``ContactLog.closed_within``). None: they are not measured.
    closing_note : str
        Why there are no closing counts (e.g. "the contact log gives no closing dates"), for those standards' notes.
    period : str
        The period today's figures cover, in words: the baseline period of a ``reduction`` that states none.
    stretch : float
        For a target today's figure already beats: how far the proposed target moves today's figure
        towards the best possible value (:data:`STRETCH`, 0.15 by default; see :func:`stretch_target`).

    Returns
    -------
    DataFrame
        ``principle`` (name), ``standard_id``, ``standard``, ``measure``, ``metric`` (missing when the
        organisation collects it itself), ``unit``, ``direction``, ``target`` (a ``reduction``'s: the baseline cut
        by it; NaN while the baseline is unknown), ``current`` (NaN when not measured), ``gap`` (how far there is
        still to go: ``target - current`` for ``at_least``, ``current - target`` for ``at_most``, so negative means
        the target is beaten; NaN when not measured), ``met`` (nullable boolean: NA when not measured),
        ``looser_than_today`` (nullable boolean: today's figure beats the target, so the target asks for less than
        the service already does; NA when not measured), ``proposed_target`` (a stretching target from today's
        figure where the target is looser than today, else NaN), ``frequency``, ``data_source``, ``note`` (the row
        in plain language: a service level says how many cases it counts; a standard not measured says why and
        what it would show).

    Raises
    ------
    CxmError
        When ``current`` names a metric that is not known, or a value is not a number or out of range; when
        ``closing`` lacks a column.
    """
    check_type(standards, "standards", "kpi_table", ServiceStandards, _LOADED)
    check_number(stretch, "stretch", "kpi_table", low=0, high=1, closed="neither")
    values = _current_values(current)
    if closing is not None:
        check_type(closing, "closing", "kpi_table", pd.DataFrame, "a table of closing counts (ContactLog.closed_within)")
        if missing := [c for c in CLOSING_COLUMNS if c not in closing]:
            raise parameter_error(
                "closing",
                "kpi_table",
                f"a table with columns {', '.join(CLOSING_COLUMNS)}",
                f"no {', '.join(missing)}",
                as_text=True,
            )
    rows = []
    for principle in standards.principles:
        for s in principle.standards:
            counted: tuple[int, int] | None = None
            why = ""
            if s.metric == "closed_within":
                now, counted, why = _closing_share(s, closing, closing_note)
            else:
                now = values.get(s.metric, math.nan) if s.metric else math.nan
            target, base_note = _resolved_target(s, now, period)
            measured = not (math.isnan(now) or math.isnan(target))
            gap = round((target - now) * (1 if s.direction == "at_least" else -1), 9) if measured else math.nan
            met = pd.NA if math.isnan(gap) else bool(gap <= _TOLERANCE)
            # beaten, not merely reached: a target equal to today's figure still asks the service to hold it
            looser = pd.NA if math.isnan(gap) else bool(gap < -_TOLERANCE)
            proposed = stretch_target(now, s.unit, s.direction, stretch) if looser is True else math.nan
            rows.append(
                {
                    "principle": principle.name,
                    "standard_id": s.id,
                    "standard": s.standard,
                    "measure": s.measure,
                    "metric": s.metric,
                    "unit": s.unit,
                    "direction": s.direction,
                    "target": float(target),
                    "current": now,
                    "gap": gap,
                    "met": met,
                    "looser_than_today": looser,
                    "proposed_target": proposed,
                    "frequency": s.frequency,
                    "data_source": s.data_source,
                    "note": _note(s, now, target, gap, proposed, stretch, counted=counted, why=why, base_note=base_note),
                }
            )
    table = pd.DataFrame(rows, columns=_KPI_COLUMNS)
    table["met"] = table["met"].astype("boolean")
    table["looser_than_today"] = table["looser_than_today"].astype("boolean")
    return table


def closing_counts(closing_days: pd.DataFrame, days: Iterable[int]) -> pd.DataFrame:
    """Per reason and limit, the cases timed and those closed within the limit (:data:`CLOSING_COLUMNS`), from how many
    working days each reason's cases took (``reason``, ``working_days``, ``cases``: ``ContactLog.closing_days``).

    >>> took = pd.DataFrame({"reason": ["Repair", "Repair", "Repair"], "working_days": [0, 3, 9], "cases": [5, 4, 1]})
    >>> closing_counts(took, [5, 10]).to_dict("records")
    [{'reason': 'Repair', 'within_days': 5, 'closed': 10, 'within': 9}, {'reason': 'Repair', 'within_days': 10, 'closed': 10, 'within': 10}]
    """
    limits = sorted({int(d) for d in days})
    if not limits or limits[0] < 1:
        raise CxmError(f"closing counts need limits of at least 1 working day; got {limits or 'none'}.")
    rows = []
    for reason, cases in closing_days.groupby("reason", sort=True):
        took, count = cases["working_days"].to_numpy(), cases["cases"].to_numpy()
        for n in limits:
            rows.append({"reason": reason, "within_days": n, "closed": int(count.sum()), "within": int(count[took <= n].sum())})
    return pd.DataFrame(rows, columns=list(CLOSING_COLUMNS))


def closed_within_share(closing: pd.DataFrame, days: int, scope: str | None = None) -> tuple[float, int, int] | None:
    """The share of timed cases closed within ``days`` working days, over the reasons ``scope`` matches.

    Parameters
    ----------
    closing : DataFrame
        Per contact reason and limit: ``reason``, ``within_days``, ``closed`` (cases timed), ``within`` (closed within
        the limit); :data:`CLOSING_COLUMNS`, from ``ContactLog.closed_within``.
    days : int
        The limit, in working days.
    scope : str, optional
        A regular expression (case ignored) the reasons must match; None: every reason.

    Returns
    -------
    tuple of (float, int, int) or None
        ``(share, cases timed, cases closed within)``; None when no row has this limit, or no reason matches
        ``scope``, or none of the matching cases is timed.

    >>> closing = pd.DataFrame({"reason": ["Repair", "Complaint about staff"], "within_days": [20, 20],
    ...                         "closed": [300, 40], "within": [290, 30]})
    >>> closed_within_share(closing, 20, "complain")
    (0.75, 40, 30)
    >>> closed_within_share(closing, 20) == (320 / 340, 340, 320), closed_within_share(closing, 5)
    (True, None)
    """
    rows = closing[closing["within_days"] == days]
    if scope:
        rows = rows[rows["reason"].astype(str).str.contains(scope, flags=re.IGNORECASE, regex=True, na=False)]
    timed, within = int(rows["closed"].sum()), int(rows["within"].sum())
    return (within / timed, timed, within) if timed else None


def stretch_target(today: float, unit: str, direction: str, stretch: float = STRETCH) -> float:
    """A stretching target from today's figure: ``stretch`` of the way from it to the best possible value.

    Parameters
    ----------
    today : float
        Today's figure, in ``unit`` (a share as a fraction).
    unit : str
        One of :data:`UNITS`.
    direction : str
        ``at_least`` or ``at_most`` (:data:`DIRECTIONS`).
    stretch : float
        Share of the distance to the best value, in (0, 1) (:data:`STRETCH`).

    Returns
    -------
    float
        ``today + stretch x (best - today)``, where best is 0 for an at-most share, time or count, 1 (100%)
        for an at-least share, 5 or 1 for a score; an at-least number of days or minutes, with no best
        value, is ``today x (1 + stretch)``. Rounded to 0.1 of a percentage point, day, minute or point.

    Examples
    --------
    >>> stretch_target(0.122, "share", "at_most")  # 15% fewer failure-demand contacts than today
    0.104
    >>> stretch_target(0.90, "share", "at_least", 0.2)  # a fifth of the way from 90% to 100%
    0.92
    >>> stretch_target(4.0, "days", "at_most", 0.1)
    3.6
    """
    check_one_of(unit, "unit", "stretch_target", UNITS)
    check_one_of(direction, "direction", "stretch_target", DIRECTIONS)
    check_number(today, "today", "stretch_target")
    check_number(stretch, "stretch", "stretch_target", low=0, high=1, closed="neither")
    best = _BEST.get((unit, direction), 0.0 if direction == "at_most" else None)
    proposed = today * (1 + stretch) if best is None else today + stretch * (best - today)
    return round(float(proposed), _DECIMALS[unit])


def standards_table(standards: ServiceStandards) -> pd.DataFrame:
    """The standards for display, one row per standard, in the file's order.

    Columns: ``principle`` (name), ``meaning`` (of the principle), ``standard`` (in the customer's
    words), ``target`` (in words, e.g. "at least 80% within 5 working days", "at least 30% below the baseline"),
    ``measure``.

    >>> standards_table(load_service_standards()).iloc[3][["principle", "standard", "target"]].tolist()
    ['Trust', 'The decision on my case is correct.', 'at least 95%']
    """
    check_type(standards, "standards", "standards_table", ServiceStandards, _LOADED)
    rows = [
        {"principle": p.name, "meaning": p.meaning, "standard": s.standard, "target": s.target_text, "measure": s.measure}
        for p in standards.principles
        for s in p.standards
    ]
    return pd.DataFrame(rows, columns=["principle", "meaning", "standard", "target", "measure"])


# --------------------------------------------------------------------------- checking a standard


def _publishing(check: _Checker, raw: dict) -> Publishing | None:
    node = raw.get("publishing")
    if "publishing" not in raw:
        return None
    if not isinstance(node, dict):
        check.problem(
            ("publishing",),
            "'publishing' should be a mapping with frequency, where and what.",
            "Write e.g. publishing: {frequency: quarterly, where: on our website, what: performance against every standard}.",
        )
        return None
    check.keys(node, ("publishing",), _PUBLISHING_KEYS, required=_PUBLISHING_KEYS, what="publishing")
    return Publishing(*(check.text(node, key, ("publishing",)) for key in _PUBLISHING_KEYS))


def _standard(check: _Checker, node: dict, loc: tuple, seen: set[str], *, n: int, principle: str) -> Standard:
    sid = check.ident(node, loc, seen, what="standard", n=n)
    label = f"standard '{sid}'" if sid else f"{principle}, standard {n}"
    check.keys(node, loc, _STANDARD_KEYS, required=_REQUIRED, what=label)
    unit, direction, metric = node.get("unit"), node.get("direction"), node.get("metric")
    for key, allowed, fix in (
        ("unit", UNITS, f"Use one of {', '.join(UNITS)}."),
        ("direction", DIRECTIONS, "Use at_least (higher is better) or at_most (lower is better)."),
        ("metric", (*KNOWN_METRICS, None), f"Use one of {', '.join(KNOWN_METRICS)}, or null when you collect it yourself."),
    ):
        if key in node and node[key] not in allowed:
            close = did_you_mean(str(node[key]), [a for a in allowed if a])
            check.problem(loc + (key,), f"{label}: unknown {key} {node[key]!r}.{close}", fix)
    if isinstance(metric, str) and metric in KNOWN_METRICS and unit in UNITS and unit != (measured := _METRIC_UNITS[metric]):
        check.problem(
            loc + ("unit",),
            f"{label}: metric '{metric}' is measured in {measured}, but the unit is '{unit}'.",
            f"Set unit: {measured}, or metric: null if you measure it another way.",
        )
    within, within_unit = _within(check, node, loc, label, metric)
    scope = _scope(check, node, loc, label, metric)
    if "target" in node and "reduction" in node:
        check.problem(
            loc + ("reduction",),
            f"{label}: gives both target and reduction.",
            "Keep one: target for a fixed figure, or reduction (with baseline) for a cut against the baseline.",
        )
    if "target" not in node and "reduction" not in node:
        check.problem(
            loc,
            f"{label}: missing key target.",
            "Add target as in templates/service_standards.yaml (or reduction for a cut against a baseline).",
        )
    target, reduction, baseline, period = math.nan, None, None, ""
    if "reduction" in node:
        reduction, baseline, period = _reduction(check, node, loc, label, unit, direction)
    else:
        target = _target(check, node, loc, label, unit)
    if "baseline" in node and "reduction" not in node:
        check.problem(
            loc + ("baseline",),
            f"{label}: a baseline is only used with reduction.",
            "Remove baseline, or give reduction instead of target.",
        )
    return Standard(
        sid,
        check.text(node, "standard", loc),
        check.text(node, "measure", loc),
        metric,
        target,
        str(unit),
        str(direction),
        check.text(node, "frequency", loc),
        check.text(node, "data_source", loc),
        within=within,
        within_unit=within_unit,
        scope=scope,
        reduction=reduction,
        baseline=baseline,
        baseline_period=period,
        shows=check.text(node, "shows", loc) if "shows" in node else "",
    )


def _target(check: _Checker, node: dict, loc: tuple, label: str, unit: Any, key: str = "target") -> float:
    if key not in node:
        return math.nan  # reported as a missing key
    value = node[key]
    what = "the target" if key == "target" else f"the {key}"
    # bool is an int in Python, but "target: yes" is a slip, not a number
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        hint = " Write shares as fractions: 0.8 for 80%." if isinstance(value, str) and value.strip().endswith("%") else ""
        check.problem(
            loc + (key,),
            f"{label}: {what} should be a number. Got {value!r} instead.",
            f"Write {what} as a number in its unit.{hint}",
        )
        return math.nan
    kind, low, high = _RANGES.get(unit, ("", -math.inf, math.inf))
    if not low <= value <= high:
        span = f"between {low:g} and {high:g}" if math.isfinite(high) else f"at least {low:g}"
        fix = f"Write a target {span}."
        if unit == "share":
            fix = "Write shares as fractions" + (f": {value / 100:g} for {value:g}%." if 1 < value <= 100 else ".")
        check.problem(loc + (key,), f"{label}: {what} is {kind}, so it must be {span}. Got {value!r} instead.", fix)
    return float(value)


_WITHIN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+([a-z ]+?)\s*$")


def _within(check: _Checker, node: dict, loc: tuple, label: str, metric: Any) -> tuple[float | None, str]:
    """The time limit of a service level, ``"5 working days"`` -> ``(5.0, "working days")``."""
    if "within" not in node:
        if metric == "closed_within":
            check.problem(
                loc,
                f"{label}: metric closed_within needs a time limit.",
                "Add within: with a number of working days, e.g. within: 5 working days.",
            )
        return None, ""
    value = node["within"]
    match = _WITHIN.match(str(value).lower()) if isinstance(value, str) else None
    unit = match.group(2) if match else ""
    unit = unit if unit in WITHIN_UNITS else f"{unit}s" if f"{unit}s" in WITHIN_UNITS else unit  # "1 working day"
    if match is None or unit not in WITHIN_UNITS:
        check.problem(
            loc + ("within",),
            f"{label}: the time limit should be a number and a unit. Got {value!r} instead.",
            f"Write e.g. within: 5 working days, or within: 60 seconds (units: {', '.join(WITHIN_UNITS)}).",
        )
        return None, ""
    number = float(match.group(1))
    if metric == "closed_within" and (unit != "working days" or number != int(number) or number < 1):
        check.problem(
            loc + ("within",),
            f"{label}: closed_within is counted in whole working days. Got {value!r} instead.",
            "Write the limit as a whole number of working days, e.g. within: 5 working days.",
        )
        return None, ""
    return number, unit


def _scope(check: _Checker, node: dict, loc: tuple, label: str, metric: Any) -> str | None:
    if "scope" not in node:
        return None
    value = node["scope"]
    if metric != "closed_within":
        check.problem(
            loc + ("scope",),
            f"{label}: scope only narrows closed_within (the contact reasons it counts).",
            "Remove scope, or use metric: closed_within.",
        )
        return None
    if not isinstance(value, str) or not value.strip():
        check.problem(
            loc + ("scope",),
            f"{label}: scope should be text. Got {value!r} instead.",
            "Write the contact reasons to count, e.g. scope: complain.",
        )
        return None
    try:
        re.compile(value)
    except re.error as exc:
        check.problem(
            loc + ("scope",),
            f"{label}: scope {value!r} is not a valid regular expression ({exc}).",
            "Write words the reasons contain, e.g. scope: complain, or several as complain|appeal.",
        )
        return None
    return value.strip()


def _reduction(
    check: _Checker, node: dict, loc: tuple, label: str, unit: Any, direction: Any
) -> tuple[float | None, float | None, str]:
    """A cut against a baseline: ``(reduction, baseline value or None, baseline period)``."""
    if direction != "at_most" or unit != "share":
        check.problem(
            loc + ("reduction",),
            f"{label}: reduction is a cut in a share that should fall (unit: share, direction: at_most).",
            "Use target for this standard, or set unit: share and direction: at_most.",
        )
    value = node["reduction"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        check.problem(
            loc + ("reduction",),
            f"{label}: the reduction should be a share between 0 and 1 (0.3 for 30% below the baseline). Got {value!r} instead.",
            "Write the cut as a fraction of the baseline: 0.3 for 30% fewer.",
        )
        value = None
    if "baseline" not in node:
        return value, None, ""
    base = node["baseline"]
    if not isinstance(base, dict) or set(base) != {"value", "period"}:
        check.problem(
            loc + ("baseline",),
            f"{label}: the baseline should give value and period. Got {base!r} instead.",
            'Write e.g. baseline: {value: 0.122, period: "April 2025 to March 2026"}, or leave it out to use this assessment\'s figure.',
        )
        return value, None, ""
    figure = _target(check, base, loc + ("baseline",), label, "share", key="value")
    period = str(base["period"]).strip()
    if not period:
        check.problem(
            loc + ("baseline", "period"),
            f"{label}: the baseline period is empty.",
            "Say when the baseline was measured, e.g. April 2025 to March 2026.",
        )
    return value, None if math.isnan(figure) else figure, period


class _Checker:
    """Reads one YAML file and collects problems, each with the line it is on (after cxmethods.methodology.maturity)."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        if not path.is_file():
            raise ConfigError(
                [
                    Problem(
                        str(path),
                        "service standards file not found.",
                        "Check the path, or copy templates/service_standards.yaml and edit the copy.",
                    )
                ],
                title="Cannot read the service standards",
            )
        try:
            text = path.read_text(encoding="utf-8-sig")
            self.raw, self.root = parse_yaml(text)
        except YamlTooComplex as exc:
            raise ConfigError([Problem(exc.where(path), f"{exc.problem}.", exc.fix)], title=f"Cannot read {path.name}") from None
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path} line {mark.line + 1}" if mark else str(path)
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(
                [
                    Problem(
                        where, f"cannot be read as YAML: {reason}.", "Save the file as UTF-8 and indent with spaces, not tabs."
                    )
                ],
                title=f"Cannot read {path.name}",
            ) from None
        if not isinstance(self.raw, dict):
            raise ConfigError(
                [
                    Problem(
                        str(path),
                        "should be a YAML mapping with vision, source and principles.",
                        "Start from templates/service_standards.yaml.",
                    )
                ],
                title=f"Cannot read {path.name}",
            )
        self.problems += duplicate_keys(self.root, str(path))

    def problem(self, loc: tuple, message: str, fix: str) -> None:
        self.problems.append(Problem(yaml_location(str(self.path), self.root, loc), message, fix))

    def keys(self, node: dict, loc: tuple, allowed: tuple[str, ...], *, required: tuple[str, ...], what: str) -> None:
        for key in node:
            if key not in allowed:
                self.problem(
                    loc + (str(key),),
                    f"{what}: unknown key '{key}'.{did_you_mean(str(key), allowed)}",
                    f"Allowed keys here: {', '.join(allowed)}.",
                )
        missing = [key for key in required if key not in node]
        if missing:
            null = " (metric: null when you collect the figure yourself)" if "metric" in missing else ""
            self.problem(
                loc,
                f"{what}: missing {'key' if len(missing) == 1 else 'keys'} {', '.join(missing)}.",
                f"Add {' and '.join(missing)} as in templates/service_standards.yaml{null}.",
            )

    def items(self, node: dict, key: str, loc: tuple, *, what: str) -> list[tuple[int, dict]]:
        """The mapping entries of a list, with their positions (other entries are reported)."""
        value = node.get(key)
        if not isinstance(value, list) or not value:
            if key in node:  # a missing key is reported by keys()
                self.problem(loc + (key,), f"'{key}' should be a non-empty list.", f"List at least one {what} under {key}:.")
            return []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.problem(
                    loc + (key, i),
                    f"{what} {i + 1} under {key} should be a mapping (id: ..., and so on).",
                    "See templates/service_standards.yaml.",
                )
        return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]

    def ident(self, node: dict, loc: tuple, seen: set[str], *, what: str, n: int) -> str:
        value = node.get("id")
        if "id" not in node:
            return ""  # reported as a missing key
        if not isinstance(value, str) or not value.strip():
            self.problem(
                loc + ("id",),
                f"{what} {n}: the id should be a word such as 'trust'. Got {value!r} instead.",
                f"Give every {what} a unique id.",
            )
            return ""
        if value in seen:
            self.problem(loc + ("id",), f"duplicate {what} id '{value}'.", f"Give every {what} its own id.")
        seen.add(value)
        return value

    def text(self, node: dict, key: str, loc: tuple) -> str:
        value = node.get(key)
        if key not in node:
            return ""  # reported as a missing key
        # YAML reads `frequency: 12` as a number; text fields take it as written
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not value.strip():
            self.problem(loc + (key,), f"'{key}' should be text. Got {value!r} instead.", f"Write the {key} in words.")
            return ""
        return value.strip()

    def raise_if_any(self, title: str) -> None:
        if self.problems:
            # the walk goes top to bottom, but duplicate keys are found separately: report in file order
            raise ConfigError(sorted(self.problems, key=line_of), title=f"{title} ({self.path})")


# --------------------------------------------------------------------------- KPI values and notes


def _current_values(current: Mapping[str, float]) -> dict[str, float]:
    check_type(current, "current", "kpi_table", Mapping, "a mapping of metric to value")
    values = {}
    for name, value in current.items():
        if name not in KNOWN_METRICS:
            raise parameter_error(
                "current",
                "kpi_table",
                f"a mapping of known metrics ({', '.join(KNOWN_METRICS)}) to values",
                f"unknown metric {name!r}",
                fix=f"check the spelling.{did_you_mean(str(name), KNOWN_METRICS)}",
                as_text=True,
            )
        if name in _MEASURED_BY_STANDARD:
            raise parameter_error(
                "current",
                "kpi_table",
                "a mapping of metrics measured once for the whole service",
                f"{name!r}, which each standard measures against its own limit and scope",
                fix="give the contact log's closing counts as closing= (ContactLog.closed_within).",
                as_text=True,
            )
        if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
            continue  # not measured
        check_number(value, f"current[{name!r}]", "kpi_table")
        if _METRIC_UNITS[name] == "share" and not 0 <= value <= 1:
            raise parameter_error(
                f"current[{name!r}]", "kpi_table", "a share in [0, 1]", value, fix="write shares as fractions, e.g. 0.62 for 62%."
            )
        check_number(value, f"current[{name!r}]", "kpi_table", low=0)
        values[name] = float(value)
    return values


def _closing_share(s: Standard, closing: pd.DataFrame | None, why: str) -> tuple[float, tuple[int, int] | None, str]:
    """A closed_within standard's share today, with ``(cases timed, closed within)``, or NaN and why not."""
    if closing is None:
        return math.nan, None, why or "the contact log's opening and closing dates were not given"
    days = int(s.within or 0)
    found = closed_within_share(closing, days, s.scope)
    if found is not None:
        return round(found[0], 4), found[1:], ""
    limits = set(closing["within_days"].astype(int))
    if days not in limits:
        return math.nan, None, f"the closing counts have no limit of {s.within_text}"
    reasons = closing.loc[closing["within_days"] == days, "reason"].astype(str)
    if s.scope and not reasons.str.contains(s.scope, flags=re.IGNORECASE, regex=True, na=False).any():
        return (
            math.nan,
            None,
            f"no contact reason in the log matches '{s.scope}': name this standard's reasons in the standards file",
        )
    return math.nan, None, "no case in the log has both an opening and a closing date"


def _resolved_target(s: Standard, now: float, period: str) -> tuple[float, str]:
    """The target (a reduction's: its baseline cut by it) and, for a reduction, the words on its baseline."""
    if s.reduction is None:
        return s.target, ""
    cut = f"{_number(s.reduction * 100)}% below the baseline"
    if s.baseline is not None:
        return round(s.baseline * (1 - s.reduction), 4), f"{cut} of {_amount(s.baseline, s.unit)}, measured {s.baseline_period}"
    if math.isnan(now):
        return math.nan, cut
    when = f", measured {period}" if period else ""
    own = (
        f"{cut} of {_amount(now, s.unit)}{when}; this assessment's own figure: record it as the standard's baseline "
        "in the standards file so later assessments measure against it"
    )
    return round(now * (1 - s.reduction), 4), own


def _note(
    s: Standard,
    now: float,
    target: float,
    gap: float,
    proposed: float = math.nan,
    stretch: float = STRETCH,
    *,
    counted: tuple[int, int] | None = None,
    why: str = "",
    base_note: str = "",
) -> str:
    shows = f"; it would show {s.shows}" if s.shows else ""
    if s.metric is None:
        return f"not measured yet: collect it ({s.data_source}){shows}"
    if math.isnan(now):
        reason = why or "the data gave no current figure"
        return f"not measured yet: {reason} (source: {s.data_source}){shows}"
    if counted is not None:  # a service level: how many cases it counts, and how many missed the limit
        timed, within = counted
        today = f"{_amount(now, s.unit)} of {timed:,} cases closed within {s.within_text}"
        text = f"{today}, against a target of {s.direction.replace('_', ' ')} {_amount(target, s.unit)}"
        late = timed - within
        after = f" ({late:,} case{'s' * (late != 1)} took longer)" if late else ""
    else:
        goal = f"{s.direction.replace('_', ' ')} {_amount(target, s.unit)} ({base_note})" if base_note else s.target_text
        text = f"{_amount(now, s.unit)} now against a target of {goal}"
        after = ""
    if not math.isnan(proposed):
        best = _BEST.get((s.unit, s.direction), 0.0 if s.direction == "at_most" else None)
        how = (
            f"{stretch:.0%} of the way from today's figure to {_amount(best, s.unit)}"
            if best is not None
            else f"today's figure raised by {stretch:.0%}"
        )
        return (
            f"met: {text}; the target is looser than today: propose {s.direction.replace('_', ' ')} "
            f"{_amount(proposed, s.unit)} ({how})"
        )
    if gap <= _TOLERANCE:
        return f"met: {text}"
    return f"{text}: {_difference(gap, s.unit)} to go{after}"


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def _amount(value: float, unit: str) -> str:
    if unit == "share":
        return f"{_number(value * 100)}%"
    if unit == "score 1-5":
        return f"{_number(value)} out of 5"
    return f"{_number(value)} {unit[:-1] if value == 1 else unit}"


def _difference(gap: float, unit: str) -> str:
    if unit == "share":
        return f"{_number(gap * 100)} percentage points"
    if unit == "score 1-5":
        return f"{_number(gap)} points"
    return _amount(gap, unit)
