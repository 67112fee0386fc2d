"""Workbook 02: the voice of the customer, from contact log, survey and comments, in one call.

:func:`run` runs every analysis the engagement's data allows and keeps, for each one that it
cannot run, the reason (a field not mapped, no survey...), so the workbook shows a plain note
instead of failing. Only redacted text reaches any table.

>>> import tempfile
>>> from cxmethods import load_engagement
>>> with tempfile.TemporaryDirectory() as run_dir:
...     result = run(load_engagement(), run_dir)  # the sample engagement's data allow every analysis
>>> [name for name in ARTIFACTS if name not in result.tables], result.skipped
([], {})
>>> result.tables["contact_reasons"]["reason"].iloc[0]
'Missed bin collection'
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import VOICE_OF_CUSTOMER
from cxmethods.io.inputs import read_input
from cxmethods.methods.channels import channel_preferences
from cxmethods.methods.contacts import ContactLog
from cxmethods.plots.charts import plot_failure_demand, plot_importance_performance, plot_pareto, plot_week_heatmap
from cxmethods.plots.trends import plot_channel_trend, plot_reason_trend
from cxmethods.workbooks.results import Results

__all__ = ["ARTIFACTS", "VoiceOfCustomer", "run"]

#: The artifact tables the workbook writes, in the order of its questions.
CONTACT_TABLES = (
    "contact_reasons",
    "channel_mix",
    "patterns_time",
    "volumes_over_time",
    "anomalies",
    "resolution_times",
    "repeat_contact",
    "failure_demand",
    "volumes",
    "areas",
    "data_quality",
)
SURVEY_TABLES = ("survey_items", "drivers", "themes", "theme_sentiment", "personal_data_redacted", "segment_hints")
ARTIFACTS = CONTACT_TABLES + SURVEY_TABLES

#: Survey attributes whose channel preferences hint at segments (workbook 03 takes it further).
HINT_ATTRIBUTES = ("age_band", "digital_confidence", "language", "disability", "employment_status", "household")


class VoiceOfCustomer(Results):
    """Tables by name, for each analysis that could not run the reason, and views for the workbook."""

    STEP = VOICE_OF_CUSTOMER
    CHARTS: ClassVar[dict] = {
        "pareto": ("contact_reasons", plot_pareto),
        "week": ("patterns_time", plot_week_heatmap),
        "channel_trend": ("volumes_over_time", plot_channel_trend),
        "reason_trend": ("volumes_over_time", plot_reason_trend),
        "failure_demand": ("failure_demand", plot_failure_demand),
        "drivers": ("drivers", plot_importance_performance),
    }
    VIEWS: ClassVar[dict] = {
        "top_reasons": ("contact_reasons", lambda t: t.head(12)),
        "channel_mix_overall": ("channel_mix", lambda t: t[t["reason"] == "(all)"]),
        "channel_mix_by_reason": (
            "channel_mix",
            lambda t: (
                t[t["reason"] != "(all)"].pivot_table(index="reason", columns="channel", values="share", fill_value=0).round(2)
            ),
        ),
        "top_anomalies": ("anomalies", lambda t: t.head(10)),
        "resolution_times": ("resolution_times", lambda t: t.head(12)),
        "top_repeats": ("repeat_contact", lambda t: t.head(10)),
        "failure_by_reason": (
            "volumes",
            lambda t: (
                t.groupby("reason")[["contacts", "failure_contacts"]]
                .sum()
                .sort_values("failure_contacts", ascending=False)
                .head(5)
            ),
        ),
    }

    def __init__(self, run_dir: str | Path | None = None) -> None:
        super().__init__(run_dir)
        self.comments: pd.DataFrame | None = None  # redacted comments with theme and sentiment


def run(engagement: Engagement, run_dir: str | Path | None, *, n_themes: int = 6, memory_limit: str = "1GB") -> VoiceOfCustomer:
    """Run every voice-of-the-customer analysis the engagement's inputs allow; ``result.write()`` saves them in ``run_dir``."""
    result = VoiceOfCustomer(run_dir)
    if engagement.inputs.contact_log is None:
        result.skipped.update({name: "The engagement names no contact log." for name in CONTACT_TABLES})
    else:
        with ContactLog(engagement, memory_limit=memory_limit) as log:
            runs = (
                log.reasons,
                log.channel_mix,
                log.time_patterns,
                log.volumes_over_time,
                log.anomalies,
                log.resolution_times,
                log.repeat_contact,
                log.failure_demand,
                log.volumes,
                log.areas,
                log.data_quality,
            )
            for name, analysis in zip(CONTACT_TABLES, runs, strict=True):
                _attempt(result, name, analysis)
            _data_notes(result, log)
    if engagement.inputs.survey is None:
        result.skipped.update({name: "The engagement names no survey." for name in SURVEY_TABLES})
        return result
    survey = read_input(engagement, "survey")
    _survey(result, survey, engagement, n_themes)
    return result


def _survey(result: VoiceOfCustomer, survey: pd.DataFrame, engagement: Engagement, n_themes: int) -> None:
    from cxmethods.methods.drivers import item_scores, key_drivers

    scale = tuple(engagement.inputs.survey.scale)
    _attempt(result, "survey_items", lambda: item_scores(survey, scale=scale))
    _attempt(result, "drivers", lambda: key_drivers(survey, scale=scale))
    _attempt(result, "segment_hints", lambda: segment_hints(survey))
    if "comment" not in survey:
        result.skipped.update(
            {n: "The survey has no comment column mapped." for n in ("themes", "theme_sentiment", "personal_data_redacted")}
        )
        return
    from cxmethods.io.redact import personal_data_counts, redact_series
    from cxmethods.methods.text import sentiment, theme_sentiment, themes

    comments = survey["comment"]
    _attempt(result, "personal_data_redacted", lambda: personal_data_counts(comments))
    redacted = redact_series(comments)
    found = None
    try:
        found = themes(redacted, n_themes=n_themes, random_state=engagement.seed)
        result.tables["themes"] = found.table
    except CxmError as exc:
        result.skipped["themes"] = result.skipped["theme_sentiment"] = str(exc)
    mood = sentiment(redacted)
    if found is not None:
        result.tables["theme_sentiment"] = theme_sentiment(found, mood)
        result.comments = pd.DataFrame({"comment": redacted, "theme": found.assignment, "sentiment": mood["label"]}).dropna(
            subset=["comment"]
        )


def segment_hints(survey: pd.DataFrame) -> pd.DataFrame:
    """Preferred channel by respondent attribute: ``attribute``, ``value``, ``respondents``, one share column per channel.

    Large differences between groups (e.g. by age band or digital confidence) are the first hint of
    needs-based segments and of who can be moved to which channel.
    """
    if "preferred_channel" not in survey:
        raise CxmError("Segment hints need the survey's preferred_channel: map it under inputs.survey.columns.")
    present = [a for a in HINT_ATTRIBUTES if a in survey]
    if not present:
        raise CxmError(f"Segment hints need at least one of {', '.join(HINT_ATTRIBUTES)} in the survey.")
    parts = []
    for attribute in present:
        values = survey[attribute]
        if pd.api.types.is_numeric_dtype(values) and (values.dropna() % 1 == 0).all():
            values = values.astype("Int64")
        values = values.astype("string")
        prefs = channel_preferences(survey, values)
        shares = prefs.pivot(index="segment", columns="channel", values="share").fillna(0.0).round(3)
        shares.insert(0, "respondents", values.value_counts().reindex(shares.index))
        shares.insert(0, "attribute", attribute)
        parts.append(shares.rename_axis("value").reset_index())
    table = pd.concat(parts, ignore_index=True)
    table.columns.name = None
    return table[["attribute", "value", *[c for c in table.columns if c not in ("attribute", "value")]]]


def _data_notes(result: VoiceOfCustomer, log: ContactLog, *, named: int = 10) -> None:
    """Say in full what the data-quality table can only count: auto-closed cases left out of the resolution times,
    and reasons recorded under several services (which, with their counts)."""
    times = result.tables.get("resolution_times")
    if times is not None:
        overall = times[times["reason"] == "(all)"].iloc[0]
        auto, closed = int(overall["auto_closed"]), int(overall["closed"])
        if auto:
            result.notes.append(
                f"{auto:,} cases ({auto / (auto + closed):.0%} of those closed) were closed within a second of being opened "
                "(auto-closed, or typed in after the event): they are left out of the resolution times, whose medians "
                "describe the cases that were worked."
            )
    spread = log.reasons_across_services()
    if not spread.empty:
        listed = "; ".join(f"{r.reason} ({r.services})" for r in spread.head(named).itertuples())
        more = f"; and {len(spread) - named} more (data_quality.csv counts them)" if len(spread) > named else ""
        result.notes.append(
            f"{len(spread)} reason{' is' if len(spread) == 1 else 's are'} recorded under several services, and counted "
            f"under each (contact_reasons names the services, volumes has a row for each): {listed}{more}."
        )


def _attempt(result: VoiceOfCustomer, name: str, run: Callable[[], pd.DataFrame]) -> None:
    """Run one analysis; a CxmError (a field not mapped, too few rows...) becomes a note, anything else is a bug."""
    try:
        result.tables[name] = run()
    except CxmError as exc:
        result.skipped[name] = str(exc)
