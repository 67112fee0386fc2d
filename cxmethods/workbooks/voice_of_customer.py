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

import ctypes
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pandas as pd

from cxmethods.core.config import Engagement, InputFile
from cxmethods.core.errors import CxmError
from cxmethods.core.parallel import available_cores, close_workers, map_parts
from cxmethods.io.artifacts import VOICE_OF_CUSTOMER
from cxmethods.io.inputs import read_input
from cxmethods.io.questionnaire import questionnaire
from cxmethods.methods.channels import channel_preferences
from cxmethods.methods.contact_costs import cost_price_year, engagement_benchmarks
from cxmethods.methods.contacts import ContactLog
from cxmethods.methods.prices import price_base
from cxmethods.outputs.headlines import first_contact_sentence
from cxmethods.plots.charts import plot_failure_demand, plot_importance_performance, plot_pareto, plot_week_heatmap
from cxmethods.plots.trends import plot_channel_trend, plot_reason_trend
from cxmethods.workbooks.results import Results, missing_input

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
    "contact_cube",
    "data_quality",
    "closing_days",
)
SURVEY_TABLES = ("survey_items", "drivers", "segment_hints")
#: From the comments input when the engagement names one, else from the survey's comment column.
COMMENT_TABLES = (
    "themes",
    "theme_selection",
    "theme_sentiment",
    "comment_themes",
    "tone_scorers",
    "comment_languages",
    "personal_data_redacted",
)
ARTIFACTS = CONTACT_TABLES + SURVEY_TABLES + COMMENT_TABLES

#: Standard survey fields whose channel preferences hint at segments (workbook 03 takes it further); the
#: survey's declared attributes (inputs.survey.attributes) come first.
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
        "comment_themes": ("comment_themes", lambda t: t.head(10)),
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


def run(
    engagement: Engagement, run_dir: str | Path | None, *, n_themes: int | None = None, memory_limit: str = "1GB"
) -> VoiceOfCustomer:
    """Run every voice-of-the-customer analysis the engagement's inputs allow; ``result.write()`` saves them in ``run_dir``.

    ``n_themes`` fixes the number of themes found in the comments; None takes ``settings.voc.n_themes``, and when
    that is null too the number is chosen from the data (:func:`cxmethods.methods.text.theme_selection`).
    """
    result = VoiceOfCustomer(run_dir)
    if engagement.inputs.contact_log is None:
        why = missing_input("contact_log", "to see why, how and when customers make contact, and what failure demand costs")
        result.skipped.update(dict.fromkeys(CONTACT_TABLES, why))
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
                log.contact_cube,
                log.data_quality,
                log.closing_days,
            )
            for name, analysis in zip(CONTACT_TABLES, runs, strict=True):
                _attempt(result, name, analysis)
            _data_notes(result, log)
    survey = None
    if engagement.inputs.survey is None:
        why = missing_input("survey", "to find which of its questions drive satisfaction, and hints of segments")
        result.skipped.update(dict.fromkeys(SURVEY_TABLES, why))
    else:
        survey = read_input(engagement, "survey")
        _release_memory()  # what reading it in chunks freed
        _survey(result, survey, engagement)
    n_themes = n_themes if n_themes is not None else engagement.settings.voc.n_themes
    if engagement.inputs.comments is not None:
        if survey is not None and "comment" in survey:
            result.notes.append("The themes come from the comments input; the survey's comment column is left aside.")
        comments = read_input(engagement, "comments")
        _comments(
            result,
            comments,
            "text",
            _rows(comments),
            engagement,
            n_themes,
            what="rows of the comments file",
            category=comments.get("category"),
            rating=comments.get("rating"),
            rating_name="the rating given with each comment",
        )
    elif survey is not None and "comment" in survey:
        outcome = questionnaire(engagement.inputs.survey).outcome
        rating = survey[outcome.key] if outcome is not None and outcome.key in survey else None
        _comments(
            result,
            survey,
            "comment",
            _rows(survey),
            engagement,
            n_themes,
            what="survey respondents",
            rating=rating,
            rating_name=outcome.label if rating is not None and outcome is not None else None,
        )
    else:
        why = missing_input(
            "comments", "(or map the survey's comment column) to find the themes and tone of what customers write"
        )
        result.skipped.update(dict.fromkeys(COMMENT_TABLES, why))
    return result


def _survey(result: VoiceOfCustomer, survey: pd.DataFrame, engagement: Engagement) -> None:
    from cxmethods.methods.drivers import item_scores, key_drivers

    spec = engagement.inputs.survey
    questions = questionnaire(spec)
    _attempt(result, "survey_items", lambda: _non_empty(item_scores(survey, scale=spec.scale, questionnaire=questions)))
    _attempt(result, "drivers", lambda: key_drivers(survey, scale=spec.scale, questionnaire=questions))
    if "drivers" in result.tables:
        drivers = result.tables["drivers"]
        result.notes.append(
            f"Key drivers of '{drivers['outcome'].iloc[0]}': {drivers.attrs['method']}, over "
            f"{drivers.attrs['n']:,} complete responses (R² {drivers.attrs['r2']:.2f}); each share's interval "
            f"(share_low to share_high): {drivers.attrs['interval']}."
        )
    _attempt(result, "segment_hints", lambda: segment_hints(survey, spec))


def _rows(table: pd.DataFrame) -> pd.Series:
    """Each row's number in its input file, as a spreadsheet shows it: a reference that names no one."""
    rows = table.attrs.get("rows")
    numbers = list(rows) if rows is not None and len(rows) == len(table) else range(1, len(table) + 1)
    return pd.Series(numbers, index=table.index, name="row")


def _comments(
    result: VoiceOfCustomer,
    table: pd.DataFrame,
    column: str,
    rows: pd.Series,
    engagement: Engagement,
    n_themes: int | None,
    *,
    what: str,
    category: pd.Series | None = None,
    rating: pd.Series | None = None,
    rating_name: str | None = None,
) -> None:
    """Themes, tone and personal data of free-text comments (the comments input, or the survey's comment column).

    Rows with no text are not comments: they are skipped and counted in a note (``what`` names them). Every
    table is made from redacted text, and ``comment_themes`` carries each comment's row number, never its text.
    The text ``column`` leaves ``table`` and is let go once redacted: in a large survey it is most of the memory.
    """
    from cxmethods.methods.text import comment_themes, sentiment, theme_categories, theme_sentiment, themes

    texts = table.pop(column)
    # counted a part at a time: on a whole column each step would copy every comment
    empty = sum(
        int((texts.iloc[s : s + _REDACT_CHUNK].fillna("").astype(str).str.strip() == "").sum())
        for s in range(0, len(texts), _REDACT_CHUNK)
    )
    if empty:
        result.notes.append(f"{empty:,} of {len(texts):,} {what} have no comment text: they were skipped.")
    workers = _text_workers(engagement, len(texts))
    try:
        redacted = _redact(result, texts, workers)
    finally:
        close_workers()  # idle while the themes are fitted: their memory back until they are needed again
    del texts  # the last reference to the raw text: only its redacted copy is held from here on
    _release_memory()
    sample = engagement.settings.voc.theme_sample
    try:
        found = themes(
            redacted,
            n_themes=n_themes,
            random_state=engagement.seed,
            compare=True,
            sample=sample,
            redacted=True,
            method=engagement.settings.voc.theme_method,
            workers=workers,
        )
    except CxmError as exc:
        close_workers()
        result.skipped.update(dict.fromkeys(("themes", "theme_selection", "theme_sentiment", "comment_themes"), str(exc)))
        return
    table = found.table
    if "sample" in table.attrs:
        result.notes.append(
            f"The themes were found in a random sample of {table.attrs['sample']:,} of the {table.attrs['of']:,} comments "
            f"(seed {engagement.seed}; settings.voc.theme_sample sets the size): their terms and examples come from "
            "the sample; every comment was then given its theme and tone, so the counts and shares are of all of them."
        )
    if category is not None:
        try:
            by_category = theme_categories(found, category)
        except CxmError as exc:
            result.notes.append(str(exc))
            by_category = None
        if by_category is not None:
            table = table.merge(by_category, on="theme", how="left")
    for column in ("top_category", "top_category_share", "category_ami"):
        if column not in table:
            table[column] = pd.NA  # no category mapped: the columns stay, empty
    result.tables["themes"] = table[[*table.columns.drop("examples"), "examples"]]
    if found.selection is not None:  # None only when too few comments or terms to compare two numbers of themes
        result.tables["theme_selection"] = found.selection
    else:
        result.skipped["theme_selection"] = "Too few comments or distinct terms to compare numbers of themes."
    if n_themes is not None:
        result.notes.append(f"The number of themes was set to {n_themes} (settings.voc.n_themes or n_themes).")
    try:
        mood = sentiment(
            redacted,
            ratings=rating,
            workers=workers,
            sample=engagement.settings.voc.tone_sample,
            random_state=engagement.seed,
        )
    finally:
        close_workers()
    _tone_notes(result, mood, rating_name)
    if mood.attrs.get("sampled"):
        scored, of = mood.attrs["sampled"]
        margin = 1.96 * math.sqrt(0.25 / scored * (1 - scored / of))  # a share's 95% margin at its widest (50%)
        result.notes.append(
            f"Tone was scored on a random sample of {scored:,} of the {of:,} comments in English (seed "
            f"{engagement.seed}; settings.voc.tone_sample sets the size): the shares of negative and positive comments "
            f"are estimates, within {margin * 100:.1f} percentage points overall (95% confidence; wider for a small "
            "theme), and the other comments are marked 'not scored'. Their language and theme are given for all."
        )
    result.tables["theme_sentiment"] = theme_sentiment(found, mood)
    per_comment = comment_themes(found, mood, rows=rows, category=category, rating=rating)
    per_comment["language"] = mood["language"].to_numpy()[mood["label"].notna().to_numpy()]
    result.tables["comment_themes"] = per_comment
    comments = pd.DataFrame({"comment": redacted, "theme": found.assignment, "sentiment": mood["label"]})
    # filtered only when a comment is missing: filtering copies every comment's text
    result.comments = comments.dropna(subset=["comment"]) if comments["comment"].isna().any() else comments


def _tone_notes(result: VoiceOfCustomer, mood: pd.DataFrame, rating_name: str | None) -> None:
    """The tone scorers compared (``tone_scorers``), the comments by language (``comment_languages``), and notes
    saying in words which scorer was used, why, and how many comments are not in English."""
    from cxmethods.methods.tone import DEFAULT_SCORER, MIN_RATED, language_counts

    scorers = mood.attrs.get("scorers")
    if scorers is not None:
        result.tables["tone_scorers"] = scorers
        best = scorers[scorers["chosen"]].iloc[0]
        rho = "no correlation could be measured" if pd.isna(best["spearman"]) else f"rank correlation {best['spearman']:.2f}"
        top = scorers["spearman"].max()
        if int(best["comments"]) >= MIN_RATED and pd.notna(top) and top <= 0:
            result.notes.append(
                f"Tone runs against {rating_name or 'the ratings'} of the {int(best['comments']):,} commenters who gave "
                f"one (the best rank correlation is {top:.2f}): check that a higher rating means a "
                f"better experience; {DEFAULT_SCORER} was used."
            )
        elif int(best["comments"]) >= MIN_RATED:
            result.notes.append(
                f"Tone was scored with {best['scorer']}: of the scorers compared (tone_scorers), its scores follow "
                f"{rating_name or 'the ratings'} of the {int(best['comments']):,} commenters who gave one most closely "
                f"({rho}; 1 would be the same order)."
            )
        else:
            result.notes.append(
                f"Only {int(best['comments']):,} comments come with a rating, too few (under {MIN_RATED}) to choose the "
                f"tone scorer by them: {DEFAULT_SCORER} was used."
            )
    else:
        result.skipped["tone_scorers"] = (
            f"The comments come with no rating, so the tone scorers could not be measured against what respondents "
            f"said: {DEFAULT_SCORER} was used. Map a rating (the comments' rating column, or the survey's overall "
            "satisfaction) to choose the scorer by it."
        )
    languages = language_counts(mood)
    result.tables["comment_languages"] = languages
    others = languages[~languages["scored"]]
    if len(others):
        n = int(others["comments"].sum())
        listed = ", ".join(f"{r.language} {int(r.comments):,}" for r in others.head(8).itertuples())
        result.notes.append(
            f"{n:,} comment{'s are' if n != 1 else ' is'} not in English ({listed}): tone is not scored for "
            f"{'them' if n != 1 else 'it'}, so {'they are' if n != 1 else 'it is'} left out of the tone shares and "
            "labelled 'not English' in comment_themes. Have them translated to include them."
        )


#: Comments redacted at a time: the text of a large survey is never copied into one list of Python strings.
_REDACT_CHUNK = 20_000
#: Comments from which settings.voc.text_workers is followed: below it, starting processes costs more than it saves.
PARALLEL_FROM = 100_000


def _text_workers(engagement: Engagement, comments: int) -> int:
    """The processes that redact, tell the language of and score the comments: settings.voc.text_workers ("cores":
    one per core available) from :data:`PARALLEL_FROM` comments; otherwise the workbook's own process. One by
    default: each worker holds its own ~300 MB of libraries and models, which a million comments cannot afford
    under 2 GB, and a batch or a parallel run already gives each core its own work (issue 22's benchmark)."""
    chosen = engagement.settings.voc.text_workers
    if comments < PARALLEL_FROM:
        return 1
    return available_cores() if chosen == "cores" else chosen


def _redact(result: VoiceOfCustomer, texts: pd.Series, workers: int = 1) -> pd.Series:
    """The texts redacted, and the count of personal data removed (``personal_data_redacted``), a part at a time,
    in ``workers`` processes (the same result in any number)."""
    from cxmethods.io.redact import redact_and_count

    chunk = _REDACT_CHUNK if workers == 1 else min(_REDACT_CHUNK, max(1_000, -(-len(texts) // (4 * workers))))
    slices = (texts.iloc[start : start + chunk] for start in range(0, max(1, len(texts)), chunk))
    parts, counts = [], []
    for redacted, count in map_parts(redact_and_count, slices, workers):
        parts.append(redacted)
        counts.append(count)
    total = counts[0].copy()
    total["count"] = sum(c["count"].to_numpy() for c in counts)
    result.tables["personal_data_redacted"] = total
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def _release_memory() -> None:
    """Hand memory freed after reading or redacting a large table back to the system: text columns are Arrow-backed,
    and Arrow's allocator keeps what it frees for itself; so does the C library's, after many small objects. Either
    way NumPy could not use it, and the peak would grow by it (~250 MB for a million comments)."""
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # older pyarrow: the memory is reused by Arrow alone
        pass
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to trim
            pass


def _non_empty(items: pd.DataFrame) -> pd.DataFrame:
    if items.empty:
        raise CxmError(
            "The survey has none of the questionnaire's rated questions. Fix: declare them under inputs.survey.items "
            "(column, label, scale), or map the standard ones under inputs.survey.columns."
        )
    return items


def segment_hints(survey: pd.DataFrame, spec: InputFile | None = None) -> pd.DataFrame:
    """Preferred channel by respondent attribute: ``attribute``, ``label``, ``value``, ``respondents``, one share
    column per channel.

    Large differences between groups (e.g. by age band or digital confidence) are the first hint of
    needs-based segments and of who can be moved to which channel. The attributes are the survey's
    declared ones (``spec``: ``inputs.survey``; numbers in the bands segmentation uses) and the standard
    :data:`HINT_ATTRIBUTES` it has; an attribute with more than
    :data:`~cxmethods.methods.segmenter.MAX_LEVELS` values (an id, free text) is left out.
    """
    from cxmethods.methods.attributes import attribute_frame, attribute_labels, attributes_of
    from cxmethods.methods.segmenter import MAX_LEVELS

    if "preferred_channel" not in survey:
        raise CxmError("Segment hints need the survey's preferred_channel: map it under inputs.survey.columns.")
    declared = [a for a in attributes_of(spec) if a in survey and a != "preferred_channel"]
    present = declared + [a for a in HINT_ATTRIBUTES if a in survey and a not in declared]
    if not present:
        raise CxmError(
            f"Segment hints need respondent attributes: declare them under inputs.survey.attributes, or map one of "
            f"{', '.join(HINT_ATTRIBUTES)} under inputs.survey.columns."
        )
    frame, labels = attribute_frame(survey, present, spec), attribute_labels(present, spec)
    parts = []
    for attribute in present:
        values = frame[attribute]
        if pd.api.types.is_numeric_dtype(values) and (values.dropna() % 1 == 0).all():
            values = values.astype("Int64")
        values = values.astype("string")
        if values.nunique() > MAX_LEVELS:
            continue
        prefs = channel_preferences(survey, values)
        shares = prefs.pivot(index="segment", columns="channel", values="share").fillna(0.0).round(3)
        if isinstance(frame[attribute].dtype, pd.CategoricalDtype):  # bands in their order
            shares = shares.reindex([str(c) for c in frame[attribute].cat.categories if str(c) in shares.index])
        shares.insert(0, "respondents", values.value_counts().reindex(shares.index))
        shares.insert(0, "label", labels[attribute])
        shares.insert(0, "attribute", attribute)
        parts.append(shares.rename_axis("value").reset_index())
    if not parts:
        raise CxmError(
            f"Segment hints need attributes with a few values; {', '.join(present)} {'has' if len(present) == 1 else 'each have'} "
            f"more than {MAX_LEVELS} (an id, "
            "free text, or a number read as a category): declare numbers with kind: number under inputs.survey.attributes."
        )
    table = pd.concat(parts, ignore_index=True)
    table.columns.name = None
    return table[["attribute", "label", "value", *[c for c in table.columns if c not in ("attribute", "label", "value")]]]


def _data_notes(result: VoiceOfCustomer, log: ContactLog, *, named: int = 10) -> None:
    """Say in full what the data-quality table can only count: auto-closed cases left out of the resolution times,
    and reasons recorded under several services (which, with their counts)."""
    repeats = result.tables.get("repeat_contact")
    if repeats is not None:
        result.notes.append(first_contact_sentence(repeats))
    failure = result.tables.get("failure_demand")
    if failure is not None:
        overall = failure.set_index("channel").loc["(all)"]
        period = log.engagement.period
        if pd.notna(overall["failure_cost"]):  # what prices the costs are in, converted as the business case's
            engagement = log.engagement
            base = price_base(engagement)
            result.notes += base.notes({"costs per contact": cost_price_year(engagement, engagement_benchmarks(engagement))})
        if pd.notna(overall["failure_cost"]) and overall["failure_cost_a_year"] != overall["failure_cost"]:
            result.notes.append(
                f"Failure demand cost {overall['failure_cost']:,.0f} over the log's period ({period.start} to "
                f"{period.end}), {overall['failure_cost_a_year']:,.0f} scaled to a year (failure_cost_a_year): the "
                "figure the business case starts from."
            )
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
