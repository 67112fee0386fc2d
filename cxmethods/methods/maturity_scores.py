"""Self-assessment scores, disagreements, gaps, priorities and findings (workbook 01's methods).

Several respondents score each maturity dimension (current and target level, 1-5). The room
looks first at where they disagree, agrees a consensus score where it matters (kept beside the
median, with its rationale), then at the gaps between current and target weighted by importance.
The quick test and the role checklist turn every "no" or "partly" into a finding.

Every function returns a tidy DataFrame; :mod:`cxmethods.plots.charts` draws them, and
:mod:`cxmethods.workbooks.self_assessment` reads the answer files and calls them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_int, check_number
from cxmethods.core.errors import ConfigError, Problem
from cxmethods.core.files import Unreadable, first_line, unreadable
from cxmethods.io.artifacts import SELF_ASSESSMENT, artifact, restore_formulas
from cxmethods.io.kinds import check_setting_file
from cxmethods.methodology.maturity import MaturityModel, Question, Statement, load_quick_test, load_role_checklist

__all__ = [
    "DISAGREEMENT_SHARE",
    "SCORE_COLUMNS",
    "component_summary",
    "disagreements",
    "findings",
    "gaps",
    "read_previous_scores",
    "score_dimensions",
]

#: Share of the room that must sit on each side of a disagreement (``settings.self_assessment.disagreement_share``).
#:
#: Respondents disagree on a dimension when at least this share of them (rounded up to whole people,
#: at least one) scores ``disagreement_range`` levels or more above at least as many others: the
#: ``k``-th highest current level minus the ``k``-th lowest, ``k = ceil(share x n)``, reaches the
#: range. With the default quarter, one dissenter in a room of eight is heard but is not a dispute
#: (seven on level 2 and one on 5: k = 2, and the second highest is 2); a room split four and four two
#: levels apart is. A share of 0 is the plain range rule (highest minus lowest), under which any single
#: outlier makes a dispute, so that with ten or more respondents nearly every dimension is flagged.
DISAGREEMENT_SHARE = 0.25

#: Columns of ``scores.csv``, one row per dimension in model order (the registry names them).
SCORE_COLUMNS = list(artifact(SELF_ASSESSMENT, "scores").columns)


def read_previous_scores(path) -> pd.DataFrame:
    """An earlier assessment's ``scores.csv`` (``settings.self_assessment.previous_scores``), for the change since.

    Only ``dimension_id`` and ``current`` are used; a current score left empty is taken as not scored then.

    Raises
    ------
    ConfigError
        Naming the file, and the column and rows where one is wrong, with the fix; a file of another kind (a
        YAML, the survey) is named for what it is.
    """
    from pathlib import Path

    path, setting = Path(path), "settings.self_assessment.previous_scores"
    fix = "Give the scores.csv that workbook 01 wrote in an earlier run, or remove the setting."

    def refuse(message: str, **where) -> ConfigError:
        return ConfigError([Problem(str(path), message, fix, **where)], title="The previous assessment cannot be used")

    check_setting_file(path, "scores")  # first: a FIFO or a folder is named for what it is
    if not path.is_file():
        raise refuse(f"the previous assessment ({setting}) was not found.")
    try:
        with unreadable(ValueError):
            # an earlier run's scores.csv: its formula-like text was neutralised when written
            table = restore_formulas(pd.read_csv(path, dtype={"dimension_id": str}, encoding="utf-8-sig"))
    except Unreadable as exc:
        raise refuse(f"the previous assessment ({setting}) cannot be read as CSV ({first_line(exc.__cause__)}).") from None
    missing = {"dimension_id", "current"} - set(table.columns)
    if missing:
        check_setting_file(path, "scores", lacking=True)  # the survey or another known table: said so
        raise refuse(f"the previous assessment has no column(s) {', '.join(sorted(missing))}.")
    current = pd.to_numeric(table["current"], errors="coerce")
    bad = current.isna() & table["current"].notna()
    if bad.any():
        rows = tuple(int(i) + 2 for i in table.index[bad][:5])
        raise refuse("the previous assessment's scores must be numbers (levels 1-5).", column="current", rows=rows)
    return table.assign(current=current)


def score_dimensions(
    answers: pd.DataFrame,
    model: MaturityModel,
    *,
    consensus: pd.DataFrame | None = None,
    disagreement_range: int = 2,
    disagreement_share: float = DISAGREEMENT_SHARE,
    weights: dict[str, float] | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Aggregate respondents' levels per dimension.

    Parameters
    ----------
    answers : DataFrame
        ``dimension_id``, ``current_level``, ``target_level`` (one row per respondent and dimension).
    model : MaturityModel
        Gives the dimensions, their order and components. Dimensions nobody scored get ``n = 0``.
    consensus : DataFrame, optional
        ``dimension_id``, ``current_level``, ``target_level``, ``rationale`` agreed in the room: these
        replace the medians in ``current``/``target``; the medians are kept. Optional ``strengths`` and
        ``areas_for_improvement`` (what the room recorded) become ``consensus_strengths``/``consensus_areas``.
    disagreement_range : int
        Levels apart at which respondents disagree.
    disagreement_share : float
        Share of the room, in [0, 0.5], that must be ``disagreement_range`` levels or more above as many
        others for a dispute (:data:`DISAGREEMENT_SHARE`, a quarter by default; 0: any one respondent).
    weights : dict, optional
        Importance weight by dimension id or component id (dimension wins); default 1.
    previous : DataFrame, optional
        ``dimension_id``, ``current`` of an earlier assessment (its ``scores.csv``): gives ``change``.

    Returns
    -------
    DataFrame
        :data:`SCORE_COLUMNS`; ``gap = target - current``, ``priority = gap x weight``.

    Examples
    --------
    >>> from cxmethods.methodology.maturity import load_model
    >>> answers = pd.DataFrame({"dimension_id": ["operations.measures"] * 3,
    ...                         "current_level": [1, 2, 4], "target_level": [4, 4, 5]})
    >>> row = score_dimensions(answers, load_model()).set_index("dimension_id").loc["operations.measures"]
    >>> int(row["n"]), float(row["median_current"]), int(row["range"]), bool(row["disagreement"]), float(row["gap"])
    (3, 2.0, 3, True, 2.0)
    """
    check_number(disagreement_share, "disagreement_share", "score_dimensions", low=0, high=0.5)
    check_int(disagreement_range, "disagreement_range", "score_dimensions", low=1)
    frame = model.to_frame()[["component", "component_name", "dimension_id", "dimension"]]
    levels = answers[["dimension_id", "current_level", "target_level"]].astype({"current_level": float, "target_level": float})
    grouped = levels.groupby("dimension_id")
    stats = pd.DataFrame(
        {
            "n": grouped["current_level"].count(),
            "median_current": grouped["current_level"].median(),
            "iqr": grouped["current_level"].quantile(0.75) - grouped["current_level"].quantile(0.25),
            "range": grouped["current_level"].max() - grouped["current_level"].min(),
            "median_target": grouped["target_level"].median(),
        }
    )
    scores = frame.merge(stats, left_on="dimension_id", right_index=True, how="left")
    scores["n"] = scores["n"].fillna(0).astype(int)
    spread = grouped["current_level"].agg(lambda levels: _spread(levels, disagreement_share))
    scores["disagreement"] = scores["dimension_id"].map(spread).fillna(0) >= disagreement_range
    agreed = _consensus(consensus)
    scores = scores.merge(agreed, on="dimension_id", how="left")
    scores["current"] = scores["consensus_current"].combine_first(scores["median_current"])
    scores["target"] = scores["consensus_target"].combine_first(scores["median_target"])
    scores["gap"] = scores["target"] - scores["current"]
    weights = weights or {}
    scores["weight"] = [float(weights.get(d, weights.get(c, 1.0))) for d, c in zip(scores["dimension_id"], scores["component"])]
    scores["priority"] = scores["gap"] * scores["weight"]
    before = (
        previous.set_index("dimension_id")["current"].astype(float)
        if previous is not None and not previous.empty
        else pd.Series(dtype=float)
    )
    scores["previous_current"] = scores["dimension_id"].map(before)
    scores["change"] = scores["current"] - scores["previous_current"]
    for column in ("consensus_rationale", "consensus_strengths", "consensus_areas"):
        scores[column] = scores[column].astype(object).where(scores[column].notna(), "")
    return scores[SCORE_COLUMNS]


def _spread(levels: pd.Series, share: float) -> float:
    """The k-th highest level minus the k-th lowest, k = ceil(share x n) (at least 1): the gap a share of the room spans."""
    ordered = np.sort(levels.dropna().to_numpy(dtype=float))
    if not len(ordered):
        return 0.0
    # a share of n, rounded up; the small allowance keeps 0.25 x 8 at 2 despite floating point
    k = min(max(1, int(np.ceil(share * len(ordered) - 1e-9))), len(ordered))
    return float(ordered[-k] - ordered[k - 1])


def _consensus(consensus: pd.DataFrame | None) -> pd.DataFrame:
    columns = {
        "current_level": "consensus_current",
        "target_level": "consensus_target",
        "rationale": "consensus_rationale",
        "strengths": "consensus_strengths",
        "areas_for_improvement": "consensus_areas",
    }
    if consensus is None or consensus.empty:
        return pd.DataFrame(columns=["dimension_id", *columns.values()]).astype(
            {"consensus_current": float, "consensus_target": float}
        )
    agreed = consensus.reindex(columns=["dimension_id", *columns]).rename(columns=columns)
    return agreed.astype({"consensus_current": float, "consensus_target": float})


def disagreements(scores: pd.DataFrame) -> pd.DataFrame:
    """Dimensions where respondents disagree, widest first (interquartile range, then range): the order to discuss them in."""
    flagged = scores[scores["disagreement"]]
    return flagged.sort_values(["iqr", "range", "n"], ascending=[False, False, False], kind="stable").reset_index(drop=True)


def gaps(scores: pd.DataFrame) -> pd.DataFrame:
    """Dimensions in priority order (priority, then gap, then model order); unscored dimensions last."""
    order = scores.assign(_order=np.arange(len(scores)))
    ranked = order.sort_values(["priority", "gap", "_order"], ascending=[False, False, True], na_position="last", kind="stable")
    ranked = ranked.drop(columns="_order").reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked


def component_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per component: the median current level, target and gap of its dimensions (levels are ordered
    categories, so a median, not a mean), how many of them are scored, and its total priority."""
    grouped = scores.groupby(["component", "component_name"], sort=False)
    return grouped.agg(
        dimensions=("dimension_id", "count"),
        scored=("current", "count"),
        current=("current", "median"),
        target=("target", "median"),
        gap=("gap", "median"),
        priority=("priority", "sum"),
    ).reset_index()


#: Columns of ``findings.csv``.
FINDING_COLUMNS = ["source", "component", "item_id", "statement", "answer", "note"]


def findings(
    quick_test: pd.DataFrame,
    checklist: pd.DataFrame,
    *,
    questions: tuple[Question, ...] | None = None,
    statements: tuple[Statement, ...] | None = None,
) -> pd.DataFrame:
    """Every quick-test "no" and every checklist "no" or "partly", as a finding with its component.

    Unanswered items are findings too ("not answered"): a question the room skipped is worth a look. The quick
    test is answered for the organisation (``answer``) and for the team (``team_answer``); the team's answers
    count once any is given (a file from before they were asked has none).
    Columns: :data:`FINDING_COLUMNS` (``source`` is ``quick test: organisation``, ``quick test: team`` or
    ``Role checklist: <role>``).
    """
    questions = questions if questions is not None else load_quick_test()
    statements = statements if statements is not None else load_role_checklist()
    scopes = [("answer", "organisation")]
    if (
        quick_test is not None
        and "team_answer" in quick_test
        and quick_test["team_answer"].fillna("").astype(str).str.strip().any()
    ):
        scopes.append(("team_answer", "team"))
    asked: list[tuple[str, dict[str, tuple[str, str]], Question | Statement]] = []
    for column, scope in scopes:
        given = _answers_by_id(quick_test, "question_id", column)
        asked += [(f"quick test: {scope}", given, q) for q in questions]
    given = _answers_by_id(checklist, "statement_id")
    asked += [(f"Role checklist: {s.role_name}", given, s) for s in statements]
    rows = []
    for source, given, item in asked:
        answer, note = given.get(item.id, ("", ""))
        if answer != "yes":
            rows.append(
                {
                    "source": source,
                    "component": item.component,
                    "item_id": item.id,
                    "statement": item.text,
                    "answer": answer or "not answered",
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _answers_by_id(table: pd.DataFrame, key: str, column: str = "answer") -> dict[str, tuple[str, str]]:
    if table is None or table.empty or column not in table:
        return {}
    notes = table["note"] if "note" in table else pd.Series([""] * len(table), index=table.index)
    return {
        str(k): (str(a).strip().lower() if pd.notna(a) else "", str(n) if pd.notna(n) else "")
        for k, a, n in zip(table[key], table[column], notes)
    }
