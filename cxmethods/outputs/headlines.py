"""Headline findings of each workbook, in plain language, from the run folder's artifacts.

The HTML report's index page and the slide deck both show them, so a reader who never opens a notebook
gets the same three to five points per workbook. Each finding is computed from an artifact table; a
workbook whose artifacts are missing gets none (never an invented sentence).

>>> headlines("/nonexistent/run")["01_self_assessment"]
[]
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import (
    BUSINESS_CASE,
    ROADMAP,
    SEGMENTATION,
    SELF_ASSESSMENT,
    START_HERE,
    VOICE_OF_CUSTOMER,
    read_table,
)
from cxmethods.outputs.present import CURRENCY_SYMBOLS

__all__ = [
    "CURRENCY_SYMBOLS",
    "WORKBOOKS",
    "channel_shift_sentence",
    "earlier_runs",
    "first_contact_sentence",
    "headlines",
    "money",
    "read_manifest",
    "run_date",
    "run_started",
]

#: Workbook step -> title, in run order.
WORKBOOKS = {
    START_HERE: "Start here: the engagement's inputs",
    SELF_ASSESSMENT: "Self-assessment: where we are",
    VOICE_OF_CUSTOMER: "Voice of the customer",
    SEGMENTATION: "Segmentation: who our customers are",
    BUSINESS_CASE: "Business case",
    ROADMAP: "Road map and pilot",
}
_MONTHS = (  # not strftime("%B"): the outputs must not depend on the machine's locale
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def read_manifest(run_dir: str | Path) -> dict:
    """The run folder's ``run.json`` as a dict; empty when it is missing or unreadable."""
    import json

    try:
        manifest = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def run_started(manifest: dict) -> datetime | None:
    """When the outputs say the run was: ``$SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention, for
    byte-identical outputs on another day), else run.json's start (preferred to its finish: a run makes its report
    and deck before it records when it finished, so outputs made again later show the same date)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    for key in ("started_at", "finished_at"):
        try:
            return datetime.fromisoformat(str(manifest[key]))
        except (KeyError, TypeError, ValueError):
            continue
    return None


def run_date(manifest: dict) -> str | None:
    """The run's date (:func:`run_started`) as '25 November 2026'; None when it has no readable date.

    >>> run_date({"started_at": "2026-11-25T05:41:02+00:00"}), run_date({})
    ('25 November 2026', None)
    """
    when = run_started(manifest)
    return None if when is None else _day(when)


def _day(when: datetime) -> str:
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def earlier_runs(manifest: dict) -> dict[str, str]:
    """Step -> a note for each workbook whose tables an earlier run left, as run.json records them.

    ``cxm run --only NN`` into an earlier run's folder leaves the other workbooks' tables there and records them
    in run.json with status ``earlier run``, that run's start (``run_at``) and how it ended there
    (``earlier_status``). The report, the Excel file and the deck all say so; this is the deck's wording:
    the earlier run's date, and whether the workbook failed or was interrupted there.

    >>> earlier_runs({"workbooks": [{"workbook": "01_x", "status": "ok"},
    ...     {"workbook": "02_y", "status": "earlier run", "run_at": "2026-03-09T23:58:00+00:00", "earlier_status": "ok"},
    ...     {"workbook": "03_z", "status": "earlier run", "earlier_status": "failed"}]})
    {'02_y': 'From an earlier run (9 March 2026), not this one', '03_z': 'From an earlier run (which failed), not this one'}
    """
    notes = {}
    for w in manifest.get("workbooks", []):
        if not (isinstance(w, dict) and w.get("status") == "earlier run" and w.get("workbook")):
            continue
        try:
            details = [_day(datetime.fromisoformat(str(w["run_at"])))]
        except (KeyError, TypeError, ValueError):
            details = []  # an unreadable date: the note still says the tables are not this run's
        if w.get("earlier_status") in ("failed", "interrupted"):
            details.append(f"which {w['earlier_status']}")
        when = f" ({', '.join(details)})" if details else ""
        notes[str(w["workbook"])] = f"From an earlier run{when}, not this one"
    return notes


def money(value: float, currency: str = "GBP") -> str:
    """``£12,300`` / ``-£4,100`` / ``£1.2m``: money as a slide or a report shows it.

    >>> money(1234567), money(-4100.4, "EUR"), money(812, "NOK")
    ('£1.2m', '-€4,100', 'NOK 812')
    """
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    v = abs(value)
    text = f"{v / 1e6:.1f}m" if v >= 1e6 else f"{v:,.0f}"
    return f"{sign}{symbol}{text}"


def headlines(run_dir: str | Path, *, currency: str = "GBP") -> dict[str, list[str]]:
    """Three to five findings per workbook step (an empty list where the step's artifacts are missing)."""
    found: dict[str, list[str]] = {step: [] for step in WORKBOOKS}
    for step, make in _MAKERS.items():
        try:
            found[step] = [s for s in make(functools.partial(_read, run_dir, step), currency) if s][:5]
        except (CxmError, KeyError, IndexError, ValueError, AttributeError):
            found[step] = []  # an artifact missing or of an older shape: no headline rather than a wrong one
    return found


#: A step's table by name (an error when it is missing): what each headline maker reads.
Read = Callable[[str], pd.DataFrame]


def _read(run_dir: str | Path, step: str, name: str) -> pd.DataFrame:
    table = read_table(run_dir, step, name)
    assert table is not None  # read_table raises rather than return None when not optional
    return table


def _start(read_step: Read, currency: str) -> list[str]:
    inputs = read_step("inputs")
    read = ", ".join(f"{r.input.replace('_', ' ')} ({int(r.rows):,} rows)" for r in inputs.itertuples() if r.rows > 0)
    errors, warnings = int(inputs["errors"].sum()), int(inputs["warnings"].sum())
    return [
        f"Inputs read: {read}.",
        f"{errors} errors and {warnings} data-quality warnings; rows with problems are kept and counted, never dropped.",
    ]


def _self_assessment(read_step: Read, currency: str) -> list[str]:
    scores = read_step("scores")
    scored = scores.dropna(subset=["current", "target"])
    if scored.empty:
        out = ["Nobody has scored the maturity model yet: the gaps appear once the room has."]
    else:
        gaps = read_step("gaps").dropna(subset=["current", "target"]).head(3)
        out = [
            "Largest gaps: "
            + "; ".join(f"{g.dimension} (level {g.current:g} now, {g.target:g} wanted)" for g in gaps.itertuples())
            + "."
        ]
    wide = scores[scores["disagreement"].astype(str) == "True"]
    if len(wide):
        out.append(f"The room disagrees most on {', '.join(wide['dimension'].head(3))}: the scores need evidence, not a vote.")
    if not scored.empty:
        out.append(  # levels are ordered categories: the typical dimension is the median one, not an average
            f"The typical dimension is at level {scored['current'].median():g} of 5 today, against a target of "
            f"{scored['target'].median():g}."
        )
    findings = read_step("findings")
    counts = findings["answer"].value_counts()
    said = [f"{counts[a]} '{a}'" for a in ("no", "partly") if counts.get(a)]
    if said:
        example = findings.loc[findings["answer"].isin(["no", "partly"]), "statement"].iloc[0]
        out.append(f'The quick test and role checklist drew {" and ".join(said)} answers, e.g. "{example}"')
    if counts.get("not answered"):
        out.append(f"{counts['not answered']} quick-test or role-checklist items are not answered yet.")
    return out


def _voice(read_step: Read, currency: str) -> list[str]:
    """One sentence per analysis that ran: a survey without a contact log still gets its drivers, and so on."""
    out = []
    for sentence in (_top_reasons, _failure_demand, _first_contact, _drivers, _tone, _main_channel, _anomaly):
        try:
            said = sentence(read_step, currency)
        except (CxmError, KeyError, IndexError, ValueError):
            continue  # that analysis did not run, or its table is of another shape: nothing said rather than a guess
        if said:
            out.append(said)
    return out


def _channel_shift(read_step: Read) -> str | None:
    try:
        trend = read_step("volumes_over_time")
    except CxmError:
        return None  # a log too short for a trend, or no log: nothing to say about a shift
    return channel_shift_sentence(trend)


def channel_shift_sentence(trend: pd.DataFrame) -> str | None:
    """'Web form rose from 5% to 60% of contacts between 2011 and 2015', from workbook 02's ``volumes_over_time``.

    None unless the log has two complete periods and a channel's share moved enough to say so (see
    :func:`cxmethods.methods.contacts.channel_shift`).

    >>> years = pd.date_range("2011-01-01", "2012-12-01", freq="MS")
    >>> trend = pd.DataFrame({"granularity": "month", "period_start": list(years) * 2, "complete": True,
    ...     "breakdown": "channel", "category": ["web_form"] * 24 + ["phone"] * 24,
    ...     "contacts": [50] * 12 + [600] * 12 + [950] * 12 + [400] * 12})
    >>> channel_shift_sentence(trend)
    'Web form rose from 5% to 60% of contacts between 2011 and 2012, while phone fell from 95% to 40%.'
    """
    from cxmethods.methods.contacts import channel_label, channel_shift  # DuckDB loads only when a log was analysed

    shift = channel_shift(trend)
    if shift is None:
        return None

    def when(start: pd.Timestamp) -> str:
        if shift.unit == "year":
            return str(start.year)
        month = f"{_MONTHS[start.month - 1]} {start.year}"
        return month if shift.unit == "month" else f"the week of {start.day} {month}"

    def moved(before: float, after: float) -> str:
        return f"{'rose' if after > before else 'fell'} from {before:.0%} to {after:.0%}"

    of = "of contacts with a recorded channel" if shift.recorded_only else "of contacts"
    said = f"{channel_label(shift.channel)} {moved(shift.before, shift.after)} {of} between {when(shift.first)} and {when(shift.last)}"
    if shift.counter is not None:
        other, before, after = shift.counter
        said += f", while {channel_label(other).lower()} {moved(before, after)}"
    return said + "."


def _top_reasons(read_step: Read, currency: str) -> str:
    top = read_step("contact_reasons").head(3)
    return f"The top three reasons for contact ({', '.join(top['reason'])}) make up {top['share'].sum():.0%} of all contacts."


def _failure_demand(read_step: Read, currency: str) -> str | None:
    failure = read_step("failure_demand").set_index("channel").loc["(all)"]
    if pd.isna(failure["failure_share"]):
        return None
    # a year's cost, the figure the business case starts from (failure_cost is over the log's period)
    yearly = failure.get("failure_cost_a_year", failure.get("failure_cost"))
    prices = _prices(failure)
    cost = f", costing about {money(yearly, currency)} a year{f' ({prices})' if prices else ''}" if pd.notna(yearly) else ""
    return f"{failure['failure_share']:.0%} of contacts are failure demand (chasing, repeats, unclear letters){cost}."


def _first_contact(read_step: Read, currency: str) -> str:
    return first_contact_sentence(read_step("repeat_contact"))


def first_contact_sentence(repeats: pd.DataFrame) -> str:
    """Both first-contact resolution figures side by side, and why they differ, from the ``repeat_contact`` table.

    >>> t = pd.DataFrame({"reason": ["(all)"], "window_days": [7], "resolved_first_contact": [0.637],
    ...                   "fcr_by_repeat": [0.961]})
    >>> print(first_contact_sentence(t))  # doctest: +NORMALIZE_WHITESPACE
    First-contact resolution: 96.1% of contacts had no repeat about the same reason within 7 days,
    while the log's flag says 63.7% were resolved first time. They differ because the flag
    is the adviser's judgement at the time, and repeat contact is what customers did next (within the window, about
    the same reason).
    """
    overall = repeats[repeats["reason"] == "(all)"].iloc[0]
    said = (
        f"First-contact resolution: {overall['fcr_by_repeat']:.1%} of contacts had no repeat about the same reason "
        f"within {int(overall['window_days'])} days"
    )
    if pd.isna(overall["resolved_first_contact"]):
        return said + "; the log has no resolved-first-time flag to set beside it."
    return (
        f"{said}, while the log's flag says {overall['resolved_first_contact']:.1%} were resolved first time. "
        "They differ because the flag is the adviser's judgement at the time, and repeat "
        "contact is what customers did next (within the window, about the same reason)."
    )


def _main_channel(read_step: Read, currency: str) -> str:
    """The channel shift over the log when there is one to state, else the channel carrying most contacts."""
    shift = _channel_shift(read_step)
    if shift is not None:
        return shift
    mix = read_step("channel_mix")
    overall = mix[mix["reason"] == "(all)"].sort_values("share", ascending=False)
    return f"{overall['channel'].iloc[0].replace('_', ' ').capitalize()} carries {overall['share'].iloc[0]:.0%} of contacts."


def _drivers(read_step: Read, currency: str) -> str:
    drivers = read_step("drivers")
    names = drivers["question"] if "question" in drivers else drivers["driver"].str.replace("_", " ")
    outcome = drivers["outcome"].iloc[0] if "outcome" in drivers else "satisfaction"
    return f"What drives '{outcome}' most: '{names.iloc[0]}', then '{names.iloc[1]}'."


def _tone(read_step: Read, currency: str) -> str | None:
    """The share of comments written in a negative tone, the theme most negative, and any not in English."""
    per_comment = read_step("comment_themes")
    labels = per_comment["sentiment"].dropna()
    scored = labels[labels.isin(["negative", "neutral", "positive"])]
    if scored.empty:
        return None
    said = f"{(scored == 'negative').mean():.0%} of comments are negative in tone"
    themes = read_step("theme_sentiment")
    themes = themes[themes["comments"] >= max(5, 0.05 * themes["comments"].sum())]  # not a theme of a handful
    if len(themes):
        worst = themes.loc[themes["mean_compound"].idxmin()]
        said += f"; the most negative theme is '{worst['label']}' ({worst['share_negative']:.0%} of its comments negative)"
    others = int((labels == "not English").sum())
    if others:
        said += f"; {others:,} comment{'s' if others != 1 else ''} not in English {'are' if others != 1 else 'is'} counted, not scored"
    return said + "."


def _anomaly(read_step: Read, currency: str) -> str | None:
    a = read_step("anomalies").iloc[0]
    if pd.isna(a["weekday"]) or pd.isna(a["area"]):
        return None  # an anomaly without its day or area cannot be said plainly
    return (
        f"Unusual pattern: {a['reason']} in {a['area']} on {a['weekday']}s, {a['contacts']:.0f} contacts against "
        f"{a['expected']:.0f} expected."
    )


def _segmentation(read_step: Read, currency: str) -> list[str]:
    segments = read_step("segments")
    doubt = _k_doubt(read_step)
    listed = "; ".join(f"{s.name} ({s.share:.0%})" for s in segments.itertuples())
    out = [f"{len(segments)} {'draft ' if doubt else ''}segments: {listed}.", doubt, _typing(read_step)]
    try:
        capacity = read_step("self_service").sort_values("capacity")
    except CxmError:  # no preferred channel in the survey: the segments are still worth stating
        return out
    capacity = capacity[capacity["capacity"].notna()]
    if capacity.empty:
        return out
    low, high = capacity.iloc[0], capacity.iloc[-1]
    out.append(f"Only {low['capacity']:.0%} of '{low['segment']}' {_able(low)}: keep assisted channels open for them.")
    out.append(f"'{high['segment']}' could self-serve ({high['capacity']:.0%} {_able(high)}).")
    return out


def _typing(read_step: Read) -> str | None:
    """The typing tool's test in a sentence: how many questions place how many respondents in their segment."""
    try:
        check = read_step("typing_check").set_index("check")
        questions = read_step("typing_questions")
    except CxmError:  # no typing tool (too few respondents, or a run from before it existed)
        return None
    if "heldout" not in check.index:
        return None
    row = check.loc["heldout"]
    n = int(row["questions"])
    asked = questions.loc[questions["asked"].astype(str) == "True", "label"].astype(str).tolist()
    count = ("one", "two", "three", "four", "five", "six", "seven")[n - 1] if 1 <= n <= 7 else str(n)
    about = f" (about {', '.join(asked[:-1])} and {asked[-1]})" if len(asked) > 1 else (f" (about {asked[0]})" if asked else "")
    return (
        f"{count.capitalize()} question{'s' if n != 1 else ''}{about} place {row['agreement']:.0%} of respondents in the "
        "same segment as the full analysis, tested on respondents the questions were not built on: staff can use them "
        "to place a new customer."
    )


def _able(row: pd.Series) -> str:
    """What a segment's self-service capacity measures (the larger of the two): confidence online, or a preference
    for the web or an app."""
    confident, prefers = row.get("confident_online"), row.get("prefers_self_service")
    if pd.notna(confident) and (pd.isna(prefers) or confident >= prefers):
        return "are confident online"
    return "prefer the web or an app"


def _k_doubt(read_step: Read) -> str | None:
    """The model-selection note when the number of segments kept is not stable (or leaves one too small), else None."""
    try:
        selection = read_step("model_selection")
        chosen = selection[selection["chosen"].astype(str) == "True"].iloc[0]
    except (CxmError, KeyError, IndexError):
        return None  # segments named without a selection table (an older run): nothing to say about k
    if str(chosen["stable"]) == "True" and str(chosen["useful"]) == "True":
        return None
    return str(chosen["note"]) if pd.notna(chosen["note"]) else None


def _cash_spread(p: pd.Series, currency: str) -> str:
    """The simulation's range of cash NPV (to the organisation's budget), when the run has it (runs before it did not)."""
    if "cash_p10" not in p or pd.isna(p["cash_p10"]):
        return ""
    return (
        f" In cash to the organisation alone, between {money(p['cash_p10'], currency)} and {money(p['cash_p90'], currency)}; "
        f"chance of a cash loss {p['prob_cash_negative']:.0%}."
    )


def _business_case(read_step: Read, currency: str) -> list[str]:
    options = read_step("options").set_index("option")
    out = []
    if "preferred" in options.index and options.loc["preferred", "initiatives"] == options.loc["preferred", "initiatives"]:
        p = options.loc["preferred"]
        prices = _prices(p)
        out.append(
            f"Preferred package ({p['initiatives'].replace(';', ', ')}){f', in {prices}' if prices else ''}: "
            f"net present value {money(p['npv'], currency)} "
            f"({money(p['cash_npv'], currency)} cash to the organisation, {money(p['pv_noncash_benefits'], currency)} "
            f"customers' time), {_ratio(p)}: {p['vfm_category']} value for money."
        )
        out += _affordability(read_step, currency)
        out.append(
            f"In eight of ten simulations its NPV lies between {money(p['p10'], currency)} and {money(p['p90'], currency)}; "
            f"chance of a loss {p['prob_negative']:.0%}." + _cash_spread(p, currency)
        )
    appraisal = read_step("appraisal").sort_values("npv", ascending=False)
    best, worst = appraisal.iloc[0], appraisal.iloc[-1]
    out.append(
        f"Best single initiative: {best['name']} (NPV {money(best['npv'], currency)}); weakest: {worst['name']} "
        f"(NPV {money(worst['npv'], currency)})."
    )
    try:
        mix = read_step("channel_mix_summary").set_index("segment").loc["(all)"]
        out.append(
            f"A channel mix that respects each segment's abilities would save {mix['saving_share']:.0%} of contact-handling "
            "costs, a ceiling rather than a forecast."
        )
    except (CxmError, KeyError):
        pass
    return out


def _prices(row: pd.Series) -> str:
    """``"2026 prices"`` from a row's ``price_base`` (``"GBP, 2026 prices"``); empty for a run from before it existed.

    >>> _prices(pd.Series({"price_base": "GBP, 2026 prices"})), _prices(pd.Series({"npv": 1.0}))
    ('2026 prices', '')
    """
    label = row.get("price_base")
    return str(label).split(", ")[-1] if isinstance(label, str) and label else ""


def _ratio(p: pd.Series) -> str:
    """The benefit-cost ratio with its convention, or why it has none."""
    dft = p.get("bcr_convention") == "dft"  # runs before the setting existed used the Green Book's
    if pd.notna(p["bcr"]):
        return f"benefit-cost ratio {p['bcr']:.1f} ({'DfT, costs net of cash savings' if dft else 'Green Book'})"
    if p.get("bcr_note") == "net saving to the budget":
        return "no DfT benefit-cost ratio (its cash savings repay its costs)"
    return "no benefit-cost ratio (no costs)"


def _affordability(read_step: Read, currency: str) -> list[str]:
    """The preferred package's cash by year in one sentence: paid out, got back, when the running total turns."""
    try:
        cash = read_step("affordability")
    except CxmError:  # a run before the table existed, or no preferred package
        return []
    if cash.empty:
        return []
    first, last = int(cash["year"].iloc[0]), int(cash["year"].iloc[-1])
    # the year from which the running total stays at or above zero (it can dip again when a cost comes late)
    before = cash["cumulative"][::-1].lt(0).cummax()[::-1]
    turn = cash.loc[~before, "year"]
    when = (
        f"the running total is positive from {int(turn.iloc[0])}"
        if len(turn)
        else f"the running total is still {money(cash['cumulative'].iloc[-1], currency)} in {last}"
    )
    prices = _prices(cash.iloc[0])
    return [
        f"In cash ({prices or 'real prices'}, undiscounted) it costs the organisation {money(cash['cash_out'].sum(), currency)} "
        f"and saves {money(cash['cash_back'].sum(), currency)} over {first}-{last}; {when}."
    ]


def _decisions(read_step: Read, sched: pd.DataFrame, currency: str) -> list[str]:
    """The choices the road map leaves to the board: initiatives that wait because what they depend on loses money."""
    try:
        decisions = read_step("decisions")
    except CxmError:  # a run from before the road map listed its decisions
        return []
    if not len(decisions):
        return []
    titles = dict(zip(sched["id"].astype(str), sched["title"]))
    first = decisions.iloc[0]
    needs = [titles.get(d, d) for d in str(first["depends_on"]).split(", ")]
    it = "it" if len(needs) == 1 else "them"
    others = f" ({len(decisions) - 1} more in the decisions table)" if len(decisions) > 1 else ""
    own = f"NPV {money(first['own_npv'], currency)}" if pd.notna(first["own_npv"]) else "not appraised"
    return [
        f"{len(decisions)} {'initiative waits' if len(decisions) == 1 else 'initiatives wait'} for a decision, each "
        f"depending on one that loses money: e.g. {first['title']} ({own}) needs {' and '.join(needs)} "
        f"(NPV {money(first['their_npv'], currency)}); fund {it} as an enabler or drop the dependency{others}."
    ]


def _roadmap(read_step: Read, currency: str) -> list[str]:
    sched = read_step("schedule")
    counts = sched["horizon"].value_counts()
    now = sched[sched["horizon"] == "now"]
    unscored = sched[sched["reason"].astype(str).str.startswith("no effort")] if "reason" in sched else sched.iloc[:0]
    if not len(sched):
        out = [
            "No initiatives to plan yet: the road map needs a list of candidate initiatives, or evidence from the other analyses to draw them from."
        ]
    elif len(unscored) == len(sched):  # nothing can be scheduled before the room estimates the effort
        out = [
            f"{len(sched)} candidate initiative{' waits' if len(sched) == 1 else 's wait'} for the room's estimates of value, "
            "effort and confidence: "
            f"{', '.join(sched['title'].head(3))}{' and more' if len(sched) > 3 else ''}."
        ]
    else:
        more = f" and {len(now) - 4} more" if len(now) > 4 else ""
        named = f" ({', '.join(now['title'].head(4))}{more})" if len(now) else ""
        out = [
            f"{counts.get('now', 0)} {'initiative starts' if counts.get('now', 0) == 1 else 'initiatives start'} now{named}, "
            f"{counts.get('next year', 0)} next year, "
            f"{counts.get('wait and see', 0)} wait and see."
        ]
    out += _decisions(read_step, sched, currency)
    try:
        pilot = read_step("pilot_plan").iloc[0]
        out.append(
            f"Pilot {pilot['title']} in {pilot['pilot_site']} against {pilot['comparison_site']}: {int(pilot['n_per_cell']):,} "
            f"contacts in each group before and after, about {int(pilot['weeks'])} weeks."
            # one area an arm cannot show an effect, whatever its contacts: say so where the plan is summarised
            + (
                f" One area against one area cannot show the effect: about {int(pilot['areas_per_arm_needed'])} "
                "areas an arm are needed (the pilot plan's cluster note)."
                if pd.notna(pilot.get("areas_per_arm_needed"))
                else ""
            )
        )
    except (CxmError, IndexError):
        pass
    kpis = read_step("kpis")
    measured = kpis["current"].notna().sum()
    met = kpis["met"].astype(str).eq("True").sum()
    if measured:
        out.append(f"{len(kpis)} service standards: {measured} measured today, {met} already met; the rest need data collected.")
        looser = int(kpis["looser_than_today"].astype(str).eq("True").sum()) if "looser_than_today" in kpis else 0
        if looser:
            which = (
                ("The one measured target is" if measured == 1 else f"All {measured} measured targets are")
                if looser == measured
                else f"{looser} of the {measured} measured targets {'is' if looser == 1 else 'are'}"
            )
            out.append(f"{which} looser than today's performance: the KPI table proposes stretching ones from today's figures.")
    else:
        out.append(
            f"No service standard can be measured from these inputs yet ({len(kpis)} in all): the road map lists the "
            "data each needs."
        )
    return out


_MAKERS = {
    START_HERE: _start,
    SELF_ASSESSMENT: _self_assessment,
    VOICE_OF_CUSTOMER: _voice,
    SEGMENTATION: _segmentation,
    BUSINESS_CASE: _business_case,
    ROADMAP: _roadmap,
}
