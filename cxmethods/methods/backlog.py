"""The road map's backlog: the engagement's initiatives plus candidates drawn from the evidence.

Values are scores from 1 to 5: an appraised initiative's comes from its value-for-money category
(poor 1 .. very high 5, :data:`VFM_SCORE`), a candidate's from the room. Each row says where it came from (``source``) and why it is there (``provenance``): an initiative from
``initiatives.csv`` with its business-case figures, or a candidate generated from the self-assessment's
largest gaps, the voice of the customer's largest failure-demand reasons, or the segmentation's channel
targets. Candidates arrive unscored: the workshop gives them a value, an effort and a confidence in the
backlog form (``workshop.backlog``), whose answers override the computed scores for any row.

Columns: ``id, title, source, provenance, value, effort, npv, bcr, prob_negative`` (the Monte Carlo's chance of
a loss), ``confidence, dependencies,
earliest_start, reach, impact, time_criticality, risk_reduction, scored_by``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.errors import ConfigError, InputError, Problem
from cxmethods.core.schemas import INPUTS
from cxmethods.io.answers import load_answers, store_for
from cxmethods.io.artifacts import ROADMAP, artifact
from cxmethods.io.inputs import read_input
from cxmethods.io.redact import redact_series
from cxmethods.methods.backlog_scores import SCORE_RULES, check_backlog_score, parse_backlog_score

__all__ = ["BACKLOG_COLUMNS", "SCORES", "VFM_SCORE", "Evidence", "build_backlog", "candidates"]

#: Columns of the backlog (the registry names them).
BACKLOG_COLUMNS = list(artifact(ROADMAP, "backlog").columns)
#: Scores the workshop can set for any backlog row (the backlog answers file's columns besides id and note).
SCORES = ("value", "effort", "confidence", "reach", "impact", "time_criticality", "risk_reduction")
#: Value score (1-5) of an appraised initiative from its value-for-money category, so that initiatives and the
#: candidates the room scores 1-5 share one scale.
VFM_SCORE = {"poor": 1, "low": 2, "medium": 3, "high": 4, "very high": 5}
_MIN_GAP = 2.0  # levels between current and target before a gap becomes a candidate
_MIN_HEADROOM = 0.03  # online share a segment could still gain before it becomes a candidate


@dataclass(frozen=True)
class Evidence:
    """The earlier workbooks' tables the backlog draws on; None where that workbook has not run.

    Attributes
    ----------
    gaps, findings : DataFrame or None
        Workbook 01's ``gaps`` and ``findings``.
    volumes : DataFrame or None
        Workbook 02's ``volumes``.
    drivers : DataFrame or None
        Workbook 02's key ``drivers``.
    segment_channels : DataFrame or None
        Workbook 03's ``segment_channels``.
    appraisal : DataFrame or None
        Workbook 04's ``appraisal``.
    """

    gaps: pd.DataFrame | None = None
    findings: pd.DataFrame | None = None
    volumes: pd.DataFrame | None = None
    drivers: pd.DataFrame | None = None
    segment_channels: pd.DataFrame | None = None
    appraisal: pd.DataFrame | None = None


def build_backlog(engagement: Engagement, evidence: Evidence) -> pd.DataFrame:
    """The engagement's initiatives (with workbook 04's NPV and BCR when it has run), the evidence's
    candidates, then the workshop's scores on top."""
    rows = _initiatives(engagement, evidence.appraisal) if engagement.inputs.initiatives is not None else []
    levers = read_input(engagement, "levers") if engagement.inputs.levers is not None else None
    rows += candidates(evidence, levers, per_source=engagement.settings.roadmap.candidates)
    table = pd.DataFrame(rows, columns=BACKLOG_COLUMNS)
    return _apply_scores(engagement, table)


def _initiatives(engagement: Engagement, appraisal: pd.DataFrame | None) -> list[dict]:
    initiatives = read_input(engagement, "initiatives")
    # Any: pandas-stubs type each .at cell as any scalar
    appraised: Any = appraisal.set_index("initiative") if appraisal is not None else None
    rows = []
    for r in initiatives.to_dict("records"):
        iid = r["initiative_id"]
        found = appraised is not None and iid in appraised.index
        npv = float(appraised.at[iid, "npv"]) if found else np.nan
        bcr = float(appraised.at[iid, "bcr"]) if found else np.nan
        category = appraised.at[iid, "vfm_category"] if found else ""
        risk = float(appraised.at[iid, "prob_negative"]) if found and "prob_negative" in appraised else np.nan
        provenance = "the engagement's initiatives" + (
            f"; business case: NPV {npv:,.0f}, BCR {bcr:.2f} ({category})" if found else "; not appraised"
        )
        rows.append(
            {
                "id": iid,
                "title": r["name"],
                "source": r.get("origin") or "initiatives",
                "provenance": provenance,
                "value": VFM_SCORE.get(category, np.nan),
                "effort": r.get("effort_team_months", np.nan),
                "npv": npv,
                "bcr": bcr,
                "prob_negative": risk,
                "confidence": r.get("confidence", np.nan),
                "dependencies": r.get("depends_on") or "",
                "earliest_start": r.get("earliest_start", pd.NaT),
                "scored_by": "business case" if found else "",
            }
        )
    return rows


def candidates(evidence: Evidence, levers: pd.DataFrame | None = None, *, per_source: int = 3) -> list[dict]:
    """Candidate initiatives from the earlier workbooks' evidence (each source is used when its workbook has run).

    - self-assessment: the dimensions with the largest priority gap of at least two levels;
    - voice of the customer: the reasons with the most failure demand that no lever already works on, and the
      key drivers to fix first (important to the outcome, performing below the others);
    - segmentation: segments whose online share could still rise by three points or more.
    """
    rows: list[dict] = []
    gaps, findings = evidence.gaps, evidence.findings
    if gaps is not None:
        top = gaps[gaps["gap"] >= _MIN_GAP].sort_values("priority", ascending=False).head(per_source)
        for g in top.itertuples(index=False):
            said = []  # the quick test's and role checklist's "no" answers in the same component back the gap up
            if findings is not None and "component" in top and "component" in findings:
                said = findings.loc[findings["component"] == g.component, "item_id"].astype(str).tolist()
            also = f"; {len(said)} quick-test or role-checklist answers in the same component back it" if said else ""
            rows.append(
                _candidate(
                    f"S:{g.dimension_id}",
                    f"Raise '{g.dimension}' from level {g.current:g} to {g.target:g}",
                    "self_assessment",
                    f"self-assessment gap of {g.gap:g} levels on '{g.dimension}'{also}",
                )
            )
    volumes = evidence.volumes
    if volumes is not None:
        covered = set(levers.loc[levers["lever"] == "failure_demand", "reason"].dropna()) if levers is not None else set()
        by_reason = volumes.groupby("reason")["failure_contacts"].sum().sort_values(ascending=False)
        by_reason = by_reason[(by_reason > 0) & ~by_reason.index.isin(covered)].head(per_source)
        for reason, n in by_reason.items():
            rows.append(
                _candidate(
                    f"V:{_slug(reason)}",
                    f"Cut failure demand on '{reason}'",
                    "voice_of_customer",
                    f"{n:,.0f} failure contacts in the log; no initiative's lever names this reason",
                )
            )
    drivers = evidence.drivers
    if drivers is not None:
        fix = drivers[drivers["quadrant"].astype(str).str.startswith("Fix first")].sort_values("share", ascending=False)
        d: Any  # a row of the drivers table: its fields are the table's columns
        for d in fix.head(per_source).itertuples(index=False):
            question = str(getattr(d, "question", d.driver))
            outcome = str(getattr(d, "outcome", "satisfaction"))
            rows.append(
                _candidate(
                    f"D:{_slug(d.driver)}",
                    f"Improve '{question}'",
                    "voice_of_customer",
                    f"key driver of '{outcome}': {d.share:.0%} of what the survey explains, scoring {d.performance:.0f} "
                    "of 100, below the other drivers",
                )
            )
    mix = evidence.segment_channels
    if mix is not None:
        online = mix[mix["channel"].isin(("web_form", "mobile_app"))].groupby("segment")[["current_share", "target_share"]].sum()
        online["headroom"] = online["target_share"] - online["current_share"]
        online = online[online["headroom"] >= _MIN_HEADROOM].sort_values("headroom", ascending=False).head(per_source)
        for segment, o in online.iterrows():
            rows.append(
                _candidate(
                    f"G:{_slug(segment)}",
                    f"Help '{segment}' move online",
                    "segmentation",
                    f"online share {o.current_share:.0%} could reach {o.target_share:.0%} by the segment's channel targets",
                )
            )
    return rows


def _slug(text: object) -> str:
    """A stable id from a name: the room's scores stay with the same candidate when others come and go."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def _candidate(cid: str, title: str, source: str, provenance: str) -> dict:
    return {"id": cid, "title": title, "source": source, "provenance": provenance, "dependencies": "", "scored_by": ""}


def _answers(engagement: Engagement) -> pd.DataFrame:
    """The backlog answers; when only scores stop the reader (a 7, a 150% edited in by hand), the file as typed, so
    each score is checked on its own (:func:`check_backlog_score`) and a bad one becomes a note, not a failed run."""
    try:
        return load_answers(engagement, "backlog")
    except InputError as exc:
        store = store_for(engagement, "backlog")
        ours = dict(zip(store.columns, INPUTS["backlog"].fields))  # the file's column -> our field
        if any(ours.get(str(p.column)) not in SCORES for p in exc.problems):
            raise  # the ids or the file itself: nothing can be matched safely
        typed = store.load().rename(columns=ours)
        typed = typed.replace("", np.nan)
        if "note" in typed:  # what people typed may name someone, as read_input would redact it
            typed["note"] = redact_series(typed["note"], model=True)
        return typed


def _apply_scores(engagement: Engagement, table: pd.DataFrame) -> pd.DataFrame:
    """The workshop's scores override the computed ones, row by row; an unknown id is an error naming the row."""
    if engagement.workshop.backlog is None:
        return table
    where = str(engagement.resolve(engagement.workshop.backlog.path))
    answers = _answers(engagement)
    if answers.empty:
        return table
    rows = answers.attrs.get("rows") or range(2, len(answers) + 2)
    index = {iid: i for i, iid in enumerate(table["id"])}
    problems, unused, refused = [], [], []
    for row_number, answer in zip(rows, answers.to_dict("records")):
        if answer["id"] not in index:
            if str(answer["id"])[:2] in ("S:", "V:", "G:"):  # a candidate from evidence this run does not have
                unused.append(str(answer["id"]))
            else:
                problems.append(
                    Problem(
                        where,
                        f"unknown backlog id '{answer['id']}'.",
                        "Use an id from backlog.csv, or delete the row.",
                        column="id",
                        rows=(row_number,),
                    )
                )
            continue
        i = index[answer["id"]]
        given = []
        for score in (s for s in SCORES if s in answer):
            bad = check_backlog_score(score, answer[score])
            if bad:  # a hand-edited cell: the run goes on without it, and says which cell and how to fix it
                column = engagement.workshop.backlog.columns.get(score, score)
                refused.append(
                    Problem(
                        where,
                        f"{answer['id']}'s {bad}",
                        f"enter {SCORE_RULES[score].rule}, or leave it empty (not scored), in the file or in "
                        "workbook 05's form; until then this score is not used.",
                        column=column,
                        rows=(row_number,),
                        severity="warning",
                    )
                )
            elif pd.notna(number := parse_backlog_score(score, answer[score])):
                table.at[i, score] = number
                given.append(score)
        if given:
            table.at[i, "scored_by"] = "workshop" + (
                f": {answer['note']}" if pd.notna(answer.get("note")) and answer.get("note") else ""
            )
    if problems:
        raise ConfigError(problems)
    table.attrs["notes"] = [str(p) for p in refused]
    if unused:
        table.attrs["notes"] += [
            f"The workshop scored {', '.join(unused)}, which this run's evidence does not suggest "
            "(has every earlier workbook run?); those scores are kept in the file but not used."
        ]
    return table
