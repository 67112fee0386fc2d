"""Workbook 03: segmentation in one call: stakeholders, rule-based and data-driven segments, channels, and the
checks that make a segmentation usable and fair.

:func:`run` runs what the engagement's inputs allow and keeps, for anything it cannot run, the
reason. Names, pen portraits and objectives come from the workshop's answers file when the room has
written them, else from the suggestions drawn from the segment profiles. Beside the segments it writes what the
segmentation guide (``templates/segmentation_process.yaml``) asks for: the decisions it serves, its bases, the
five tests of a good segment, a typing tool tested against the segments, an equality and data-protection check,
and how to keep it in use.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.io.answers import load_answers
from cxmethods.io.artifacts import SEGMENTATION
from cxmethods.io.inputs import read_input
from cxmethods.io.questionnaire import questionnaire
from cxmethods.methods.attributes import attribute_frame, attribute_labels, attributes_of, segmentation_attributes
from cxmethods.methods.channels import channel_preferences, migration_targets, read_suitability, self_service, suitability_matrix
from cxmethods.methods.drivers import satisfaction_cube
from cxmethods.methods.profiles import named_segments, profile, segment_sizes, suggest_names
from cxmethods.methods.segment_checks import (
    Guide,
    channel_reach,
    classify,
    differences,
    equality_check,
    good_segment_tests,
    load_guide,
)
from cxmethods.methods.segment_rules import OUTSIDE, apply_rules, load_rules
from cxmethods.methods.segment_rules import segment_sizes as rule_sizes
from cxmethods.methods.segmenter import ATTRIBUTES, Segmenter, segment_silhouettes, select_k
from cxmethods.methods.stakeholders import stakeholder_findings, stakeholder_table
from cxmethods.methods.typing_tool import TypingTool, typing_summary
from cxmethods.plots.stakeholders import plot_stakeholder_map
from cxmethods.workbooks.results import Results, missing_input

__all__ = ["Segmentation", "run"]

MIN_RESPONDENTS = 100  # fewer, and segments describe individuals rather than groups
#: The tables of the typing tool and the checks, which need data-driven segments.
CHECKS = ("bases", "typing_questions", "typing_tool", "typing_check", "typing_confusion", "segment_tests", "equality_check")


class Segmentation(Results):
    """Tables by name, for each analysis that could not run the reason, and the respondents' segments."""

    STEP = SEGMENTATION
    CHARTS: ClassVar[dict] = {"stakeholders": ("stakeholders", plot_stakeholder_map)}
    VIEWS: ClassVar[dict] = {
        "self_service_by_capacity": ("self_service", lambda t: t.sort_values("capacity")),
        "distinctive": ("profiles", lambda t: t[t["index"] >= 150].sort_values(["segment", "index"], ascending=[True, False])),
        "channel_targets": (
            "segment_channels",
            lambda t: t.pivot_table(index="segment", columns="channel", values=["current_share", "target_share"]).round(2),
        ),
        "confusion": (
            "typing_confusion",
            lambda t: t.pivot_table(index="segment_name", columns="typed_name", values="respondents", sort=False).astype(int),
        ),
        "tests_grid": (
            "segment_tests",
            lambda t: t.pivot_table(index="name", columns="test", values="verdict", aggfunc="first", sort=False),
        ),
    }

    def __init__(self, run_dir: str | Path | None = None) -> None:
        super().__init__(run_dir)
        self.suggestions: pd.DataFrame | None = None
        self.rule_assignment: pd.Series | None = None
        self.guide: Guide | None = None
        self.typing: TypingTool | None = None
        self.evidence: dict = {}  # what the five tests and the equality check need, kept to re-run them after naming

    @property
    def assignments(self) -> pd.DataFrame | None:
        """Each respondent's segment (written as ``assignments.parquet``), or None before segments are fitted."""
        return self.tables.get("assignments")

    @assignments.setter
    def assignments(self, table: pd.DataFrame) -> None:
        self.tables["assignments"] = table

    def refresh_names(self, engagement: Engagement):
        """Re-read the workshop's segment names (after the form) without refitting; return the segments table."""
        if self.suggestions is None:
            return self.table("segments")
        _name_segments(self, engagement)
        return self.tables["segments"]


def run(engagement: Engagement, run_dir: str | Path | None) -> Segmentation:
    """Run the segmentation workbook's analyses on the engagement; ``result.write()`` saves them in ``run_dir``."""
    result = Segmentation(run_dir)
    settings = engagement.settings.segmentation
    result.guide = load_guide()
    result.tables["process"] = result.guide.steps
    result.tables["decisions"] = result.guide.decisions
    result.tables["embedding"] = result.guide.embedding
    stakeholders = stakeholder_table(engagement)
    if stakeholders.empty:
        why = missing_input("stakeholders", "to check that every customer group has someone to speak for it")
        result.skipped["stakeholders"] = result.skipped["stakeholder_findings"] = why
    else:
        result.tables["stakeholders"] = stakeholders
        result.tables["stakeholder_findings"] = stakeholder_findings(stakeholders)
    if engagement.inputs.survey is None:
        why = missing_input("survey", "with respondent attributes (inputs.survey.attributes) to find segments")
        for name in (
            "rule_segments",
            "rule_problems",
            "model_selection",
            "segments",
            "profiles",
            "self_service",
            "segment_channels",
            "suitability",
            "survey_cube",
            *CHECKS,
        ):
            result.skipped[name] = why
        return result
    survey = read_input(engagement, "survey")
    _rules(result, engagement, survey)
    try:
        _data_driven(result, engagement, survey, settings)
    except CxmError as exc:  # no attributes to segment on, all of them empty or constant...: a note, not a crash
        for name in ("model_selection", "segments", "profiles", *CHECKS):
            if name not in result.tables:
                result.skipped.setdefault(name, str(exc))
    _channels(result, engagement, survey)
    _survey_cube(result, engagement, survey)
    return result


def _survey_cube(result: Segmentation, engagement: Engagement, survey: pd.DataFrame) -> None:
    """Respondents and satisfied by segment, preferred channel and area, for the report's filterable charts."""
    segments = None
    if result.assignments is not None and "segment_name" in result.assignments:
        segments = result.assignments["segment_name"].set_axis(survey.index)
    try:
        result.tables["survey_cube"] = satisfaction_cube(
            survey, outcome=questionnaire(engagement.inputs.survey).outcome, segments=segments
        )
    except CxmError as exc:
        result.skipped["survey_cube"] = str(exc)


def _rules(result: Segmentation, engagement: Engagement, survey: pd.DataFrame) -> None:
    path = engagement.settings.segmentation.rules
    if not path:
        why = "No rule-based tree: set settings.segmentation.rules (see templates/segment_rules_dwp.yaml)."
        result.skipped["rule_segments"] = result.skipped["rule_problems"] = why
        return
    tree = load_rules(engagement.resolve(path))
    assignment, problems = apply_rules(tree, survey)
    result.tables["rule_segments"] = rule_sizes(tree, assignment)
    for p in tree.parameters:
        result.notes.append(f"The segment tree uses {p.name.replace('_', ' ')} = {p.value:g} ({p.source}).")
    outside = int((assignment == OUTSIDE).sum())
    if tree.scope:
        result.notes.append(
            f"The segment tree covers only people with {tree.scope_rule.replace('_', ' ')}: {outside:,} respondent"
            f"{'s' if outside != 1 else ''} outside it {'are' if outside != 1 else 'is'} counted apart, in no segment and no share."
        )
    result.tables["rule_problems"] = pd.DataFrame(
        [{"severity": p.severity, "where": p.where, "message": p.message, "fix": p.fix} for p in problems],
        columns=["severity", "where", "message", "fix"],
    )
    result.rule_assignment = assignment


def _data_driven(result: Segmentation, engagement: Engagement, survey: pd.DataFrame, settings) -> None:
    spec = engagement.inputs.survey
    attributes = segmentation_attributes(settings.attributes, spec, list(survey.columns))
    missing = [a for a in attributes if a not in survey]
    if missing:
        raise CxmError(
            f"settings.segmentation.attributes names {', '.join(missing)}, which the survey does not have: "
            "declare them under inputs.survey.attributes (or map a standard field under inputs.survey.columns), "
            "or remove them from the list."
        )
    if not attributes:
        raise CxmError(
            "The survey has no attributes to segment on: declare the respondents' attributes under "
            "inputs.survey.attributes (e.g. {column: Q20, label: Age, kind: number}), or map standard fields such as "
            f"{', '.join(ATTRIBUTES[:3])} under inputs.survey.columns."
        )
    if len(survey) < MIN_RESPONDENTS:
        note = (
            f"Segmenting {len(survey)} respondents would describe individuals, not groups: at least "
            f"{MIN_RESPONDENTS} are needed. Use the rule-based tree, or gather more responses."
        )
        for name in ("model_selection", "segments", "profiles", "self_service", "segment_channels", "suitability", *CHECKS):
            result.skipped[name] = note
        return
    X = survey[attributes]  # declared numbers are modelled as numbers and described in bands (methods.attributes)
    described = attribute_frame(survey, attributes, spec)
    for key, attribute in attributes_of(spec).items():
        if key in attributes and attribute.binned:
            chosen_by = (
                "as declared" if attribute.bins else "chosen from the data; give bins: under inputs.survey.attributes to set them"
            )
            bands = ", ".join(map(str, described[key].cat.categories))
            result.notes.append(f"{attribute.label} is segmented as a number and described in bands ({chosen_by}): {bands}.")
    k_max = min(max(settings.k_max, settings.k or 0), len(X) - 1)  # a chosen k outside the range is evaluated too
    selection = select_k(
        X,
        k_min=min(settings.k_min, k_max),
        k_max=k_max,
        bootstrap=settings.bootstrap,
        min_share=settings.min_share,
        random_state=engagement.seed,
    )
    k = settings.k or int(selection.loc[selection["recommended"], "k"].iloc[0])
    selection["chosen"] = selection["k"] == k
    chosen = selection.loc[selection["chosen"]].iloc[0]
    if settings.k and not (chosen["stable"] and chosen["useful"]):
        selection.loc[selection["chosen"], "note"] = _workshop_choice(chosen, settings.min_share)
    elif settings.k:
        selection.loc[selection["chosen"], "note"] = f"Chosen by the workshop (settings.segmentation.k): {k} segments."
    if not (chosen["stable"] and chosen["useful"]):
        result.notes.append(selection.loc[selection["chosen"], "note"].iloc[0])
    result.tables["model_selection"] = selection[[c for c in selection.columns if c != "note"] + ["note"]]
    model = Segmenter(n_segments=k, random_state=engagement.seed).fit(X)
    labels = pd.Series(model.labels_, index=survey.index, name="segment")
    profiles = profile(described, labels, attribute_labels=attribute_labels(attributes, spec))
    result.tables["profiles"] = profiles
    result.suggestions = segment_sizes(labels).merge(suggest_names(profiles), on="segment")
    result.assignments = pd.DataFrame({"respondent_id": survey["respondent_id"].astype(str), "segment": labels.astype(int)})
    if result.rule_assignment is not None:
        result.assignments["rule_segment"] = result.rule_assignment.reindex(survey.index).astype("string")
    _evidence(result, engagement, survey, described, labels, model, X)
    _name_segments(result, engagement)


def _evidence(
    result: Segmentation, engagement: Engagement, survey: pd.DataFrame, described: pd.DataFrame, labels: pd.Series, model, X
) -> None:
    """The bases, the typing tool and what the five tests and the equality check rest on (names come later)."""
    guide, spec, seed = result.guide or load_guide(), engagement.inputs.survey, engagement.seed
    attributes = list(described.columns)
    # sensitive fields the survey has beside the bases (an area, a declared sex): profiled, not segmented on
    others = [k for k in [*attributes_of(spec), *ATTRIBUTES, "area"] if k in survey and k not in attributes]
    names = attribute_labels([*attributes, *others], spec)
    bases = classify([*attributes, *dict.fromkeys(others)], names, guide, data=survey)
    bases = bases[(bases["attribute"].isin(attributes)) | (bases["characteristic"] != "") | (bases["stands_for"] != "")]
    bases["role"] = np.where(bases["attribute"].isin(attributes), "basis", "described")
    try:
        tool = TypingTool(random_state=seed).fit(described, labels)
    except CxmError as exc:
        tool = None
        for name in ("typing_questions", "typing_tool", "typing_check", "typing_confusion"):
            result.skipped[name] = str(exc)
    bases["typing_question"] = bases["attribute"].isin(tool.questions_ if tool else [])
    result.tables["bases"] = bases.reset_index(drop=True)
    missing_bases = [b.title for b in guide.bases if b.id not in set(bases.loc[bases["role"] == "basis", "base"])]
    if missing_bases:
        result.notes.append(
            f"No attribute the segments are built on describes {' or '.join(b.lower() for b in missing_bases)}: "
            "the segments say nothing about it. Consider asking about it in the next survey, or describe the segments "
            "by it in the pen portraits."
        )
    without, left_out = None, []
    if tool is not None:
        result.typing = tool
        sensitive = set(bases.loc[bases["characteristic"] != "", "attribute"])
        left_out = [q for q in tool.questions_ if q in sensitive]
        if left_out and len(set(attributes) - sensitive) >= 1:
            try:
                without = TypingTool(random_state=seed).fit(described.drop(columns=sorted(sensitive & set(attributes))), labels)
            except CxmError:
                without = None
        steps = tool.steps_.copy()
        steps.insert(2, "label", steps["attribute"].map(names))
        result.tables["typing_questions"] = steps
        result.tables["typing_tool"] = tool.scorecard(names)
        result.tables["typing_check"] = typing_summary(tool, without=without, left_out=[names[q] for q in left_out])
    found = differences(result.tables["profiles"], guide.flags)
    described_only = [k for k in bases.loc[bases["role"] == "described", "attribute"]]
    if described_only:
        more = profile(attribute_frame(survey, described_only, spec), labels, attribute_labels=names)
        found = pd.concat([found, differences(more, guide.flags)], ignore_index=True)
    silhouettes = segment_silhouettes(model, X, random_state=seed)
    reach = channel_reach(labels, survey["preferred_channel"]) if "preferred_channel" in survey else None
    result.evidence = {
        "found": found,
        "silhouettes": dict(zip(silhouettes["segment"], silhouettes["silhouette"])),
        "reach": reach,
        "without": without,
        "left_out": [names[q] for q in left_out],
    }


def _checks(result: Segmentation, engagement: Engagement) -> None:
    """The five tests of a good segment, the typing tool's confusion table and the equality check, by segment name
    (run again after the room names the segments)."""
    if result.guide is None or not result.evidence or "segments" not in result.tables:
        return
    guide, segments, tool, ev = result.guide, result.tables["segments"], result.typing, result.evidence
    names = dict(zip(segments["segment"], segments["name"]))
    recall = None
    if tool is not None:
        confusion = tool.confusion_.copy()
        size = confusion.groupby("segment")["respondents"].transform("sum")
        confusion["share"] = (confusion["respondents"] / size.where(size > 0)).fillna(0.0)
        confusion.insert(1, "segment_name", confusion["segment"].map(names))
        confusion.insert(3, "typed_name", confusion["typed"].map(names))
        result.tables["typing_confusion"] = confusion
        same = confusion[confusion["segment"] == confusion["typed"]]
        recall = dict(zip(same["segment"], same["share"]))
    result.tables["segment_tests"] = good_segment_tests(
        segments,
        guide,
        min_share=engagement.settings.segmentation.min_share,
        recall=recall,
        silhouettes=ev["silhouettes"],
        found=ev["found"],
        reach=ev["reach"],
    )
    bases = result.tables["bases"]
    sensitive = set(bases.loc[(bases["characteristic"] != "") | (bases["stands_for"] != ""), "attribute"])
    without = ""
    if ev["without"] is not None:
        w = ev["without"]
        without = (
            f"Without asking about {', '.join(ev['left_out'])}, {len(w.questions_)} questions place {w.agreement_:.0%} of the "
            f"respondents set aside in the same segment (against {tool.agreement_:.0%} with them)."  # type: ignore[union-attr]
        )
    result.tables["equality_check"] = equality_check(
        bases,
        guide,
        questions=tool.questions_ if tool is not None else (),
        found=ev["found"][ev["found"]["attribute"].isin(sensitive)],
        names=names,
        without=without,
    )


def _workshop_choice(row: pd.Series, min_share: float) -> str:
    """The note on a number of segments the workshop chose that is not stable or leaves a segment too small."""
    doubts = []
    if not row["stable"]:
        doubts.append(f"they are not stable across resamples (stability {row['stability']:.2f})")
    if not row["useful"]:
        doubts.append(f"the smallest is {row['smallest_share']:.0%} of respondents, under {min_share:.0%}")
    return (
        f"The workshop chose {int(row['k'])} segments (settings.segmentation.k); {' and '.join(doubts)}: "
        "check that they hold before acting on them."
    )


def _name_segments(result: Segmentation, engagement: Engagement) -> None:
    """Segments table and assignment names: the names the workshop confirmed, else the suggestions (``named_by``)."""
    named = named_segments(result.suggestions, load_answers(engagement, "segment_names"))
    table = result.suggestions[["segment", "size", "share"]].copy()
    table["name"] = np.where(named["confirmed"], named["name"].str.strip(), named["suggested_name"])
    portrait = named["pen_portrait"].str.strip()
    table["pen_portrait"] = np.where(portrait != "", portrait, named["suggested_portrait"])
    table["objective"] = named["objective"].str.strip().to_numpy()
    table["named_by"] = np.where(named["confirmed"], "workshop", "suggestion")
    table["below_min_share"] = table["share"] < engagement.settings.segmentation.min_share
    result.tables["segments"] = table
    result.assignments["segment_name"] = result.assignments["segment"].map(dict(zip(table["segment"], table["name"])))
    _checks(result, engagement)


def _channels(result: Segmentation, engagement: Engagement, survey: pd.DataFrame) -> None:
    if result.assignments is None or "preferred_channel" not in survey:
        why = (
            "Needs data-driven segments and the channel each respondent prefers: map the survey's preferred_channel "
            "under inputs.survey.columns."
        )
        for name in ("segment_channels", "self_service", "suitability"):
            result.skipped.setdefault(name, why)
        return
    names = result.assignments["segment_name"].set_axis(survey.index)
    capacity = self_service(survey, names)
    result.tables["self_service"] = capacity
    result.tables["segment_channels"] = migration_targets(channel_preferences(survey, names), capacity)
    own = engagement.settings.segmentation.suitability
    if own:
        result.tables["suitability"] = read_suitability(engagement.resolve(own))
        return
    services = _services(engagement)
    if services:
        result.tables["suitability"] = suitability_matrix(services)
    else:
        result.skipped["suitability"] = (
            "How well each service suits each channel is drawn from the contact log's services: map its service field "
            "(or give settings.segmentation.suitability)."
        )


def _services(engagement: Engagement) -> list[str]:
    """The services named in the contact log (a quick DuckDB scan), for the suitability matrix."""
    if engagement.inputs.contact_log is None:
        return []
    from cxmethods.methods.contacts import ContactLog

    with ContactLog(engagement) as log:
        if "service" not in log.fields:
            return []
        return [s for s in log.query("SELECT DISTINCT service FROM contacts WHERE service IS NOT NULL ORDER BY 1")["service"]]
