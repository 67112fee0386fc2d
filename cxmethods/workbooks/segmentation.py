"""Workbook 03: segmentation in one call: stakeholders, rule-based and data-driven segments, channels.

:func:`run` runs what the engagement's inputs allow and keeps, for anything it cannot run, the
reason. Names, pen portraits and objectives come from the workshop's answers file when the room has
written them, else from the suggestions drawn from the segment profiles.
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
from cxmethods.methods.segment_rules import apply_rules, load_process, load_rules
from cxmethods.methods.segment_rules import segment_sizes as rule_sizes
from cxmethods.methods.segmenter import ATTRIBUTES, Segmenter, select_k
from cxmethods.methods.stakeholders import stakeholder_findings, stakeholder_table
from cxmethods.plots.stakeholders import plot_stakeholder_map
from cxmethods.workbooks.results import Results, missing_input

__all__ = ["Segmentation", "run"]

MIN_RESPONDENTS = 100  # fewer, and segments describe individuals rather than groups


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
    }

    def __init__(self, run_dir: str | Path | None = None) -> None:
        super().__init__(run_dir)
        self.suggestions: pd.DataFrame | None = None
        self.rule_assignment: pd.Series | None = None

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
    result.tables["process"] = load_process()
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
        ):
            result.skipped[name] = why
        return result
    survey = read_input(engagement, "survey")
    _rules(result, engagement, survey)
    try:
        _data_driven(result, engagement, survey, settings)
    except CxmError as exc:  # no attributes to segment on, all of them empty or constant...: a note, not a crash
        for name in ("model_selection", "segments", "profiles"):
            if name not in result.tables:
                result.skipped[name] = str(exc)
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
        for name in ("model_selection", "segments", "profiles", "self_service", "segment_channels", "suitability"):
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
    _name_segments(result, engagement)


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
