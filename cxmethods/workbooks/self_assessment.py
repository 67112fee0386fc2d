"""Workbook 01: the self-assessment in one call: scores, disagreements, gaps, priorities and findings.

:func:`run` reads the engagement's maturity model and the workshop's answer files (scores, consensus, quick
test, role checklist), and computes with :mod:`cxmethods.methods.maturity_scores` what the room looks at:
where respondents disagree, the gaps between current and target weighted by importance, each component's
summary, and the findings of every "no" or "partly". Facts come before opinions: :meth:`SelfAssessment.facts`
gives workbook 02's voice-of-the-customer headlines for the room to read before it scores. Answers given
against an earlier version of the model are carried over by its change log, with a note of what changed.

>>> import tempfile
>>> from cxmethods import load_engagement
>>> with tempfile.TemporaryDirectory() as run_dir:
...     result = run(load_engagement(), run_dir)
...     written = [p.name for p in result.write()]
>>> len(result.table("scores")) == len(result.model.dimensions)
True
>>> written
['scores.csv', 'gaps.csv', 'disagreements.csv', 'components.csv', 'findings.csv']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.io.answers import load_answers
from cxmethods.io.artifacts import SELF_ASSESSMENT, VOICE_OF_CUSTOMER
from cxmethods.methodology.maturity import MaturityModel, model_for, repeated_phrases
from cxmethods.methods.maturity_scores import (
    component_summary,
    disagreements,
    findings,
    gaps,
    read_previous_scores,
    score_dimensions,
)
from cxmethods.outputs.headlines import headlines
from cxmethods.plots.charts import plot_gaps, plot_heatmap, plot_radars
from cxmethods.workbooks.results import Note, Remarks, Results

__all__ = ["SelfAssessment", "run"]


class SelfAssessment(Results):
    """Everything workbook 01 computes for an engagement, from its answer files.

    Attributes
    ----------
    model : MaturityModel
        The engagement's maturity model.
    answers, consensus : DataFrame
        The respondents' scores and the room's agreed scores, as read.
    tables : dict
        ``scores``, ``gaps``, ``disagreements``, ``components`` and ``findings`` (written rounded to 3 decimals), and
        the model's ``dimensions``.
    """

    STEP = SELF_ASSESSMENT
    WRITE_DECIMALS = 3
    VIEWS: ClassVar[dict] = {
        # the model's dimensions with their crosswalk to CAF 2020, Customer Service Excellence and OMB A-11
        "dimensions": ("dimensions", lambda t: t[["component_name", "dimension", "caf", "cse", "a11"]]),
        "disagreements": (
            "disagreements",
            lambda t: t[["component_name", "dimension", "n", "median_current", "iqr", "range"]],
        ),
        "top_gaps": (
            "gaps",
            lambda t: t[["rank", "component_name", "dimension", "current", "target", "gap", "priority", "disagreement"]].head(10),
        ),
        "components": ("components", lambda t: t.round(2)),
    }
    CHARTS: ClassVar[dict] = {"gaps": ("gaps", plot_gaps), "radars": ("scores", plot_radars)}

    def __init__(self, model: MaturityModel, run_dir: str | Path | None = None) -> None:
        super().__init__(run_dir)
        self.model = model
        self.answers = pd.DataFrame()
        self.consensus = pd.DataFrame()

    def disputed_by_role(self) -> pd.DataFrame | Note:
        """Each role's current level on the dimensions where respondents disagree (workbook 01's exercise)."""
        if self.answers.empty:
            return Note("Nobody has scored yet: the self-assessment answers file is empty.")
        disputed = self.tables["disagreements"]["dimension_id"]
        answers = self.answers[self.answers["dimension_id"].isin(disputed)]
        return answers.pivot_table(index="role", columns="dimension_id", values="current_level")

    def facts(self) -> Remarks | Note:
        """Workbook 02's headlines (what customers do and say), for the room to read before anyone scores."""
        found = headlines(self.run_dir)[VOICE_OF_CUSTOMER] if self.run_dir is not None else []
        if not found:
            return Note(
                "Workbook 02 (voice of the customer) has not run for this engagement yet, so there are no facts to "
                "show. Run it first: the room should see what customers do and say before it scores itself."
            )
        return Remarks("\n".join(f"- {line}" for line in found))

    def not_agreed(self) -> pd.DataFrame | Remarks | Note:
        """Dimensions the room has not yet agreed (no consensus row), or agreed without strengths or areas for
        improvement: the consensus step is done when this is empty."""
        scores = self.tables.get("scores")
        if scores is None:
            return Note("No scores yet.")
        missing = scores[
            scores["consensus_current"].isna() | (scores["consensus_strengths"] == "") | (scores["consensus_areas"] == "")
        ]
        if missing.empty:
            return Remarks("Every dimension is agreed, with its strengths and areas for improvement.")
        return missing.assign(
            still_to_record=[
                "agreed level" if pd.isna(r.consensus_current) else "strengths and areas for improvement"
                for r in missing.itertuples()
            ]
        )[["component_name", "dimension", "median_current", "still_to_record"]].reset_index(drop=True)

    def chart(self, name: str, *args: Any) -> Any:
        """``"heatmap"`` (every respondent's current level), ``"gaps"`` (the largest priorities) or ``"radars"``."""
        if name == "heatmap":
            return plot_heatmap(self.answers, [d.id for d in self.model.dimensions])
        return super().chart(name, *args)


def run(engagement: Engagement, run_dir: str | Path | None) -> SelfAssessment:
    """Read the engagement's self-assessment answers and compute scores, gaps and findings; ``result.write()`` saves them."""
    settings = engagement.settings.self_assessment
    result = SelfAssessment(model_for(engagement), run_dir)
    result.answers = _carried_over(result, load_answers(engagement, "self_assessment"), "self-assessment answers")
    result.consensus = _carried_over(result, load_answers(engagement, "consensus"), "agreed scores")
    scores = score_dimensions(
        result.answers,
        result.model,
        consensus=result.consensus,
        disagreement_range=settings.disagreement_range,
        disagreement_share=settings.disagreement_share,
        weights=settings.weights,
        previous=_previous(engagement, settings.previous_scores),
    )
    result.tables.update(
        dimensions=result.model.to_frame(),
        scores=scores,
        gaps=gaps(scores),
        disagreements=disagreements(scores),
        components=component_summary(scores),
        findings=findings(load_answers(engagement, "quick_test"), load_answers(engagement, "role_checklist")),
    )
    repeated = repeated_phrases(result.model)
    if len(repeated):
        result.notes.append(
            f"The maturity model repeats {len(repeated)} phrase(s) across levels or dimensions (for example "
            f"'{repeated['phrase'].iloc[0]}' in {repeated['where'].iloc[0]}): two assessors may place the same "
            "evidence at different levels. Reword so each piece of evidence sits at one level of one dimension."
        )
    return result


def _carried_over(result: SelfAssessment, answers: pd.DataFrame, what: str) -> pd.DataFrame:
    """Answers with dimension ids of this model version: renamed ids followed (:meth:`MaturityModel.carry_over`),
    removed ones dropped; a note says what happened and, for answers given against another version, that the
    level descriptors changed."""
    model = result.model
    if answers.empty or "dimension_id" not in answers:
        return answers
    given = answers["model_version"].fillna("").astype(str) if "model_version" in answers else pd.Series([""])
    versions = sorted(set(given) - {model.version})
    if model.version and versions:
        named = ", ".join("an unstated (earlier) version" if not v else f"version {v}" for v in versions)
        result.notes.append(
            f"Some {what} were given against {named} of the maturity model; this is version {model.version}, whose "
            "level descriptors differ (see the model's change log). They are read as given: ask the room to check "
            "them against the new descriptors, or score again."
        )
    moved = {old: model.carry_over(old) for old in set(answers["dimension_id"].astype(str))}
    renamed = sorted(f"'{old}' as '{new}' ({why})" for old, (new, why) in moved.items() if new and new != old)
    dropped = sorted(f"'{old}' ({why})" for old, (new, why) in moved.items() if new is None)
    if renamed:
        result.notes.append(f"{what.capitalize()} for renamed dimensions are read under their new ids: {'; '.join(renamed)}.")
    if dropped:
        result.notes.append(
            f"{what.capitalize()} for dimensions this model does not have are left out: {'; '.join(dropped)}. "
            "The answers file keeps them."
        )
    new_ids = answers["dimension_id"].astype(str).map(lambda d: moved[d][0])
    return answers.assign(dimension_id=new_ids)[new_ids.notna()].reset_index(drop=True)


def _previous(engagement: Engagement, path: str | None) -> pd.DataFrame | None:
    return read_previous_scores(engagement.resolve(path)) if path else None
