"""Workbook 01: the self-assessment in one call: scores, disagreements, gaps, priorities and findings.

:func:`run` reads the engagement's maturity model and the workshop's answer files (scores, consensus, quick
test, role checklist), and computes with :mod:`cxmethods.methods.maturity_scores` what the room looks at:
where respondents disagree, the gaps between current and target weighted by importance, each component's
summary, and the findings of every "no" or "partly".

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
from cxmethods.io.artifacts import SELF_ASSESSMENT
from cxmethods.methodology.maturity import MaturityModel, model_for
from cxmethods.methods.maturity_scores import (
    component_summary,
    disagreements,
    findings,
    gaps,
    read_previous_scores,
    score_dimensions,
)
from cxmethods.plots.charts import plot_gaps, plot_heatmap, plot_radars
from cxmethods.workbooks.results import Note, Results

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

    def chart(self, name: str, *args: Any) -> Any:
        """``"heatmap"`` (every respondent's current level), ``"gaps"`` (the largest priorities) or ``"radars"``."""
        if name == "heatmap":
            return plot_heatmap(self.answers, [d.id for d in self.model.dimensions])
        return super().chart(name, *args)


def run(engagement: Engagement, run_dir: str | Path | None) -> SelfAssessment:
    """Read the engagement's self-assessment answers and compute scores, gaps and findings; ``result.write()`` saves them."""
    settings = engagement.settings.self_assessment
    result = SelfAssessment(model_for(engagement), run_dir)
    result.answers = load_answers(engagement, "self_assessment")
    result.consensus = load_answers(engagement, "consensus")
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
    return result


def _previous(engagement: Engagement, path: str | None) -> pd.DataFrame | None:
    return read_previous_scores(engagement.resolve(path)) if path else None
