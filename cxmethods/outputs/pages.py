"""The client report's pages, each built from the run's artifacts in the shape of the method it reports.

One function per page; each returns a :class:`Page` (or None when the run has nothing for it) whose parts are
HTML made by :mod:`cxmethods.outputs.html` from tables presented by :mod:`cxmethods.outputs.present`. A page
reads the artifacts through :class:`RunView`, which never raises for a missing table: what is missing becomes a
plain note of the input that would add it.

- **Self-assessment**: per component, where the organisation is against its target, its strengths and areas for
  improvement with the room's agreed reasons, an improvement plan to fill in (owner, date, measure), and where
  the room disagreed (counted by dimension, never by person).
- **What customers tell us**: why people contact, what failure demand costs, channels, resolution, what drives
  satisfaction, what comments say, and areas.
- **Who our customers are**: the segments, how each can be served online, the stakeholders.
- **The business case**, in the order of HM Treasury's Five Case Model (Green Book, 2022, section 2 and the
  Business Case Guidance): strategic, economic, commercial, financial and management case.
- **Road map and pilot**: the timeline with dependencies, decisions to take, the pilot, service standards.
- **Appendix**: how the figures were made and every table, long ones cut with a pointer to the Excel file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import (
    ARTIFACTS,
    BUSINESS_CASE,
    ROADMAP,
    SEGMENTATION,
    SELF_ASSESSMENT,
    START_HERE,
    VOICE_OF_CUSTOMER,
    read_table,
)
from cxmethods.outputs import html as h
from cxmethods.outputs.headlines import headlines
from cxmethods.outputs.interactive import contact_charts, survey_charts, table_html
from cxmethods.outputs.present import Field, as_number, format_value, id_names, present, table_info
from cxmethods.outputs.present import field as column_field

__all__ = ["PAGES", "SLUGS", "Page", "RunView"]

#: Rows of a table shown in the appendix; the Excel file has them all.
APPENDIX_ROWS = 100


@dataclass
class Page:
    """One page of the report: its file stem, title, the workbook steps it reports, one-line purpose, parts."""

    slug: str
    title: str
    steps: tuple[str, ...]
    purpose: str
    parts: list[str] = field(default_factory=list)

    def add(self, *parts: str) -> None:
        self.parts.extend(p for p in parts if p)


class RunView:
    """A run folder's tables and figures as the pages need them (tables read once; missing ones are None)."""

    def __init__(self, run_dir: str | Path, currency: str = "GBP") -> None:
        self.run_dir = Path(run_dir)
        self.currency = currency
        self.names = id_names(self.run_dir)
        self.headlines = {
            step: [self.named(s) for s in found] for step, found in headlines(self.run_dir, currency=currency).items()
        }
        self._tables: dict[tuple[str, str], pd.DataFrame | None] = {}
        self._used: dict[str, int] = {}

    def table(self, step: str, name: str) -> pd.DataFrame | None:
        key = (step, name)
        if key not in self._tables:
            try:
                frame = read_table(self.run_dir, step, name, optional=True)
            except CxmError:
                frame = None
            self._tables[key] = None if frame is None or frame.empty else frame
        return self._tables[key]

    def value(self, value: object, kind: str, decimals: int | None = None) -> str:
        return format_value(value, Field("", kind, decimals=decimals), currency=self.currency, names=self.names)

    def money(self, value: object) -> str:
        return self.value(value, "money")

    def named(self, text: object) -> str:
        return self.value(text, "text")

    def show(
        self,
        frame: pd.DataFrame,
        step: str,
        name: str,
        columns: Sequence[str] | None = None,
        *,
        caption: str | None = None,
        note_text: str | None = None,
    ) -> str:
        """``frame`` (a table of ``step``/``name`` or part of it) as a captioned client table."""
        key = f"{step}/{name}"
        keep = (
            [c for c in columns if c in frame.columns]
            if columns
            else [c for c in frame.columns if column_field(str(c), key).kind != "id"]
        )
        shown = present(frame, key, currency=self.currency, names=self.names, columns=keep)
        raw = frame[keep].reset_index(drop=True)  # the numbers each shown column sorts by
        return table_html(
            shown, caption=caption or table_info(key)[0], table_id=self.table_id(name), note=note_text, sort_values=raw
        )

    def table_id(self, name: str) -> str:
        """A table id unique within the report: the table's name, numbered when it is used again."""
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "table"
        self._used[base] = self._used.get(base, 0) + 1
        return base if self._used[base] == 1 else f"{base}-{self._used[base]}"


def _missing_note(what: str, needs: str) -> str:
    """``Not shown: <what>. It needs <needs>``: what a page leaves out and the input that would add it."""
    return h.note(f"Not shown: {what}. {needs}")


# Self-assessment ------------------------------------------------------------------------------------------------


def self_assessment(run: RunView) -> Page | None:
    components, scores = run.table(SELF_ASSESSMENT, "components"), run.table(SELF_ASSESSMENT, "scores")
    findings = run.table(SELF_ASSESSMENT, "findings")
    if components is None and scores is None and findings is None:
        return None
    page = Page(
        "self-assessment",
        "Where we are: self-assessment",
        (SELF_ASSESSMENT,),
        "How customer-focused the organisation is today, by its own team's scores, against where it wants to be.",
    )
    page.add(h.points(run.headlines.get(SELF_ASSESSMENT, []), "cxm-lead"))
    scored = scores is not None and scores["current"].notna().any()
    if components is not None and scored:
        page.add(h.heading("Each part of the model: today against the target"))
        page.add(
            h.ranges(
                [
                    (
                        str(r.component_name),
                        float(r.current),
                        float(r.target),
                        f"{_level(r.current)} now, {_level(r.target)} target",
                    )
                    for r in components.itertuples()
                    if as_number(r.current) is not None and as_number(r.target) is not None
                ],
                caption="Maturity level today (left end) and target (right end), 1 to 5",
            )
        )
    if scores is not None and scored:
        page.add(h.heading("Strengths and areas for improvement"))
        for component, rows in scores.groupby("component_name", sort=False):
            page.add(_strengths_and_areas(run, str(component), rows))
        page.add(_improvement_plan(run, scores))
        page.add(_disagreement(run, scores))
    else:
        page.add(
            _missing_note(
                "where the organisation stands, its strengths and areas for improvement",
                "They need the room's self-assessment scores.",
            )
        )
    if findings is not None:
        page.add(h.heading("Answers to the quick test and role checklist", 3))
        if len(findings) and (findings["answer"] == "not answered").all():
            page.add(
                _missing_note(
                    "the findings of the quick test and the role checklist",
                    "Nobody has answered them yet: every 'no' or 'partly' the room gives becomes a finding here.",
                )
            )
        else:
            page.add(run.show(findings, SELF_ASSESSMENT, "findings", ["source", "component", "statement", "answer", "note"]))
    return page


def _level(value: object) -> str:
    """A maturity level as the room gave it: 2, or 2.5 where a median falls between two levels."""
    number = pd.to_numeric(value, errors="coerce")
    return "not scored" if pd.isna(number) else f"{float(number):g}"


def _agreed(row: pd.Series, recorded: str = "") -> str:
    """What the room recorded for a dimension: its strengths or areas for improvement (``recorded`` names the
    column), else the reason it gave for the agreed score."""
    for column, lead in ((recorded, ""), ("consensus_rationale", "The room's reason: ")):
        text = row.get(column) if column else None
        if isinstance(text, str) and text.strip():
            return f" {lead}{text.strip()}"
    return ""


def _strengths_and_areas(run: RunView, component: str, rows: pd.DataFrame) -> str:
    rows = rows.dropna(subset=["current"])
    if rows.empty:
        return ""
    areas = rows[rows["gap"].fillna(0) > 0].sort_values("gap", ascending=False).head(3)
    others = rows.drop(index=areas.index)
    strengths = others[others["current"] >= 3].sort_values("current", ascending=False)
    if strengths.empty:  # nothing at level 3 or above: the best of the rest, said as the strongest
        strengths = (others if not others.empty else rows).sort_values(["current", "gap"], ascending=[False, True]).head(1)
    strong = [
        f"{r['dimension']}: level {_level(r['current'])}.{_agreed(r, 'consensus_strengths')}"
        for _, r in strengths.head(3).iterrows()
    ]
    weak = [
        f"{r['dimension']}: level {_level(r['current'])}, target {_level(r['target'])}.{_agreed(r, 'consensus_areas')}"
        for _, r in areas.iterrows()
    ]
    label = "Strongest" if strengths["current"].max() < 3 else "Strengths"
    return (
        f'<section class="cxm-card"><h3>{h.esc(component)}</h3><div class="cxm-two">'
        f"<div><h4>{label}</h4>{h.points(strong) or h.note('None scored yet.')}</div>"
        f"<div><h4>Areas for improvement</h4>{h.points(weak) or h.note('None: every dimension meets its target.')}</div>"
        "</div></section>"
    )


def _improvement_plan(run: RunView, scores: pd.DataFrame) -> str:
    areas = scores.dropna(subset=["gap"])
    areas = areas[areas["gap"] > 0].sort_values(["priority", "gap"], ascending=False).head(8)
    if areas.empty:
        return ""
    plan = pd.DataFrame(
        {
            "Area for improvement": areas["dimension"].astype(str),
            "From level": [_level(v) for v in areas["current"]],
            "To level": [_level(v) for v in areas["target"]],
            "Owner": "to agree",
            "By when": "to agree",
            "How we will know": "to agree",
        }
    )
    return h.heading("Improvement plan", 3) + table_html(
        plan,
        caption="The largest gaps, highest priority first: owner, date and measure to agree",
        table_id=run.table_id("improvement-plan"),
        filterable=False,
    )


def _disagreement(run: RunView, scores: pd.DataFrame) -> str:
    if "disagreement" not in scores or not (pd.to_numeric(scores.get("n"), errors="coerce") > 0).any():
        return ""  # nobody has scored: there is no agreement or disagreement to report
    flagged = scores[scores["disagreement"].astype(str).str.lower() == "true"]
    if flagged.empty:
        return h.note("The room broadly agreed on every dimension.")
    rows = flagged.sort_values("range", ascending=False)
    return h.heading("Where the room disagreed", 3) + run.show(
        rows,
        SELF_ASSESSMENT,
        "scores",
        ["dimension", "n", "median_current", "range", "consensus_current", "consensus_rationale"],
        caption="Dimensions with a wide spread of scores (respondents are not named)",
    )


# Voice of the customer -----------------------------------------------------------------------------------------


def voice_of_customer(run: RunView) -> Page | None:
    step = VOICE_OF_CUSTOMER
    if not any(run.table(step, a.name) is not None for a in ARTIFACTS if a.step == step):
        return None
    page = Page(
        "customers",
        "What customers tell us",
        (step,),
        "Why people get in touch, what avoidable contact costs, and what residents say about the service.",
    )
    page.add(h.points(run.headlines.get(step, []), "cxm-lead"))
    reasons = run.table(step, "contact_reasons")
    if reasons is not None:
        top = reasons.head(10)
        page.add(h.heading("Why people get in touch"))
        page.add(
            h.bars(
                [
                    h.Bar(str(r.reason), float(r.contacts), f"{run.value(r.contacts, 'count')} ({run.value(r.share, 'share')})")
                    for r in top.itertuples()
                ],
                caption=f"The {len(top)} most common reasons for contact, of {len(reasons)}",
            )
        )
    page.add(_failure_demand(run))
    if run.table(step, "contact_cube") is not None:
        page.add(h.heading("How and when people get in touch"))
        page.add(h.paragraph("Choose a channel, area, reason or month to see its part of the picture.", "cxm-meta"))
        page.add(*_charts(lambda: contact_charts(run.run_dir, currency=run.currency)))
    repeats = run.table(step, "repeat_contact")
    if repeats is not None:
        page.add(h.heading("Resolved at the first contact?"))
        page.add(
            run.show(
                repeats.head(11),
                step,
                "repeat_contact",
                ["reason", "contacts", "resolved_first_contact", "repeat_rate", "fcr_by_repeat"],
                caption="First-contact resolution: the log's own flag, and from whether the customer came back",
            )
        )
    drivers = run.table(step, "drivers")
    if drivers is not None:
        page.add(h.heading("What drives satisfaction"))
        page.add(run.show(drivers, step, "drivers", ["question", "share", "share_low", "share_high", "performance", "quadrant"]))
    else:
        page.add(h.heading("What drives satisfaction"))
        page.add(_missing_note("what drives satisfaction", "It needs a resident survey with an overall satisfaction question."))
    page.add(_comments(run))
    areas = run.table(step, "areas")
    if areas is not None:
        page.add(h.heading("Areas"))
        page.add(run.show(areas, step, "areas"))
    return page


def _failure_demand(run: RunView) -> str:
    failure = run.table(VOICE_OF_CUSTOMER, "failure_demand")
    if failure is None:
        return h.heading("Failure demand") + _missing_note(
            "the cost of failure demand",
            "It needs a contact log with reasons marked as failure demand, or customer ids to find repeat contacts.",
        )
    channels = failure[failure["channel"].astype(str) != "(all)"]
    contacts, failed = channels["contacts"].sum(), channels["failure_contacts"].sum()  # every contact, costed or not
    rows = channels.dropna(subset=["failure_cost_a_year"]).sort_values("failure_cost_a_year", ascending=False)
    total = rows["failure_cost_a_year"].sum()
    uncosted = channels["failure_cost_a_year"].isna() & (channels["failure_contacts"] > 0)
    base = str(rows["price_base"].iloc[0]) if "price_base" in rows and len(rows) else ""
    lead = (
        f"{run.value(failed, 'count')} of {run.value(contacts, 'count')} contacts ({run.value(failed / contacts if contacts else None, 'share')}) "
        f"were failure demand: contact caused by a failure to do something or to do it right. They cost about "
        f"{run.money(total)} a year{f' ({base})' if base else ''}."
    )
    if uncosted.any():
        lead += (
            f" The {run.value(channels.loc[uncosted, 'failure_contacts'].sum(), 'count')} on channels with no cost per "
            "contact are counted but not costed."
        )
    return (
        h.heading("Failure demand")
        + h.paragraph(lead)
        + h.bars(
            [
                h.Bar(run.value(r.channel, "category"), float(r.failure_cost_a_year), run.money(r.failure_cost_a_year))
                for r in rows.itertuples()
            ],
            caption="What failure demand costs a year, by channel",
        )
    )


def _charts(make: Callable[[], list[str]]) -> list[str]:
    """The filterable charts ``make`` draws, or a note when their table is from an older run."""
    try:
        return make()
    except CxmError as exc:
        return [h.note(f"These charts could not be drawn: {exc}")]


def _comments(run: RunView) -> str:
    themes = run.table(VOICE_OF_CUSTOMER, "themes")
    tone = run.table(VOICE_OF_CUSTOMER, "theme_sentiment")
    if themes is None:
        return h.heading("What comments say") + _missing_note(
            "themes in residents' comments", "They need a file of free-text comments."
        )
    frame = themes.copy()
    if tone is not None:
        frame = frame.merge(tone[["theme", "share_negative", "share_positive"]], on="theme", how="left")
    frame["examples"] = frame["examples"].astype(str).str.split(" | ").str[0]
    return h.heading("What comments say") + run.show(
        frame,
        VOICE_OF_CUSTOMER,
        "themes",
        ["label", "comments", "share", "share_negative", "share_positive", "examples"],
        caption="Themes in residents' comments, with the share of each theme's comments that are negative and positive",
        note_text="Examples are quoted with personal details removed.",
    )


# Segmentation ---------------------------------------------------------------------------------------------------


def segmentation(run: RunView) -> Page | None:
    step = SEGMENTATION
    segments, stakeholders = run.table(step, "segments"), run.table(step, "stakeholders")
    if segments is None and stakeholders is None:
        return None
    page = Page("segments", "Who our customers are", (step,), "Groups of residents with different needs, and who has a stake.")
    page.add(h.points(run.headlines.get(step, []), "cxm-lead"))
    if segments is not None:
        page.add(h.heading("Customer segments"))
        page.add(
            h.bars(
                [
                    h.Bar(str(r.name), float(r.share), run.value(r.share, "share"), detail=str(r.pen_portrait))
                    for r in segments.itertuples()
                ],
                caption="Segments by their share of survey respondents",
            )
        )
    if run.table(step, "survey_cube") is not None:
        page.add(h.heading("How satisfied each group is"))
        page.add(*_charts(lambda: survey_charts(run.run_dir)))
    service = run.table(step, "self_service")
    if service is not None:
        page.add(h.heading("Who can be served online"))
        page.add(run.show(service, step, "self_service"))
    tests = run.table(step, "segment_tests")
    if tests is not None and len(tests):
        page.add(h.heading("Are these good segments?"))
        page.add(h.points(_segment_tests(tests)))
    typing = run.table(step, "typing_check")
    if typing is not None and len(typing):
        page.add(h.heading("Placing a new customer in a segment"))
        page.add(h.points([str(n) for n in typing["note"] if isinstance(n, str) and n.strip()][:1]))
        card = run.table(step, "typing_tool")
        if card is not None:  # one column of points per segment, headed by the segment's name
            names = {} if segments is None else {f"segment_{s}": str(n) for s, n in zip(segments["segment"], segments["name"])}
            card = card.rename(columns=names)
            page.add(run.show(card, step, "typing_tool", [c for c in card.columns if c not in ("order", "attribute")]))
    equality = run.table(step, "equality_check")
    if equality is not None and len(equality):
        page.add(h.heading("Equality and data protection"))
        page.add(h.points(_equality_points(equality)))
    if stakeholders is not None:
        page.add(h.heading("Stakeholders"))
        page.add(
            run.show(stakeholders, step, "stakeholders", ["group", "category", "priority", "interest", "influence", "objective"])
        )
    return page


def _segment_tests(tests: pd.DataFrame) -> list[str]:
    """The five tests of a good segment in a few sentences: which segments meet them all, and what is to check."""
    settled = tests[tests["test"] != "Actionable"]  # whether a segment is actionable is the organisation's call
    verdicts = settled.groupby("name", sort=False)["verdict"].apply(list)
    all_met = [str(n) for n, v in verdicts.items() if all(x == "meets" for x in v)]
    out = [
        f"{len(all_met)} of {len(verdicts)} segments pass every test the data can settle (measurable, substantial, "
        "reachable, distinct); whether each is actionable is for the organisation to judge."
    ]
    for test, part in tests[tests["verdict"] == "check"].groupby("test", sort=False):
        names = ", ".join(f"'{n}'" for n in part["name"].head(4))
        out.append(f"{test}: check {names}. {part['evidence'].iloc[0]}")
    return out[:6]


def _equality_points(table: pd.DataFrame) -> list[str]:
    """The equality check's findings (bases, typing questions, segment profiles) in a few sentences, then the rules
    that hold for every segmentation."""
    found = table[table["check"] != "always"]
    out = [str(f) for f in found.loc[found["check"].isin(["basis", "stand_in", "typing_question"]), "finding"].head(6)]
    profiles = found[found["check"] == "profile"]
    if len(profiles):
        out.append(
            f"{profiles['segment'].nunique()} segment{'s' if profiles['segment'].nunique() != 1 else ''} differ strongly by a "
            "protected characteristic or a stand-in for one: check that what each is offered is no worse than for others."
        )
    out += [str(a) for a in table.loc[table["check"] == "always", "action"]]
    return out


# Business case --------------------------------------------------------------------------------------------------


def business_case(run: RunView) -> Page | None:
    step = BUSINESS_CASE
    options, appraisal = run.table(step, "options"), run.table(step, "appraisal")
    if options is None and appraisal is None:
        return None
    page = Page(
        "business-case",
        "The business case",
        (step,),
        "The options appraised as HM Treasury's Five Case Model sets out: why act, which option gives best value, "
        "how to buy it, whether it is affordable, and how to deliver it.",
    )
    page.add(h.points(run.headlines.get(step, []), "cxm-lead"))
    base = str((options if options is not None else appraisal)["price_base"].iloc[0])
    page.add(
        h.note(
            f"All money is in {base}, discounted as the Green Book sets out; cash is money to the organisation's budget, "
            "non-cash value is residents' time saved, valued in money."
        )
    )
    # 1. Strategic case
    page.add(h.heading("1. Strategic case: why act"))
    strategic = [s for s in run.headlines.get(VOICE_OF_CUSTOMER, []) if "failure demand" in s.lower()]
    strategic += run.headlines.get(SELF_ASSESSMENT, [])[:2]
    page.add(
        h.points(strategic)
        or h.note("The case for change draws on the self-assessment and the contact log; neither is in this run.")
    )
    # 2. Economic case
    page.add(h.heading("2. Economic case: which option gives best value"))
    if options is not None:
        shown = options.copy()
        shown["initiatives"] = shown["initiatives"].fillna("").astype(str).str.replace(";", ", ")
        page.add(
            h.bars(
                [
                    h.Bar(
                        run.value(r.option, "category"),
                        float(r.npv),
                        f"NPV {run.money(r.npv)}",
                        parts=(("cash", max(float(r.cash_npv), 0.0)), ("non-cash", max(float(r.pv_noncash_benefits), 0.0))),
                    )
                    for r in options.itertuples()
                    if as_number(r.npv) is not None and str(r.option) != "do_nothing"
                ],
                caption="Net present value of each option, split into cash to the budget and value to residents",
                legend=("Cash to the budget (cash NPV)", "Residents' time (present value)"),
            )
        )
        page.add(
            h.points(
                [
                    f"{run.value(r.option, 'category')}: {run.named(r.initiatives)}"
                    for r in shown.itertuples()
                    if str(r.initiatives).strip()
                ]
            )
        )
        page.add(
            run.show(
                shown,
                step,
                "options",
                [
                    "option",
                    "pv_costs",
                    "pv_noncash_benefits",
                    "npv",
                    "cash_npv",
                    "bcr",
                    "vfm_category",
                    "prob_cash_negative",
                ],
            )
        )
    page.add(_trade_off(run, options))
    if appraisal is not None:
        page.add(
            run.show(
                appraisal,
                step,
                "appraisal",
                ["name", "pv_costs", "npv", "cash_npv", "bcr", "vfm_category", "payback_years", "prob_negative"],
            )
        )
    page.add(_sensitivity(run))
    # 3. Commercial case
    page.add(h.heading("3. Commercial case: how to buy it"))
    page.add(
        h.note(
            "Not assessed by this analysis: the procurement route, contract terms and risk transfer for each initiative are to be set out by the commissioning team."
        )
    )
    # 4. Financial case
    page.add(h.heading("4. Financial case: is it affordable"))
    afford = run.table(step, "affordability")
    if afford is not None:
        page.add(run.show(afford, step, "affordability", ["year", "cash_out", "cash_back", "net", "cumulative"]))
    else:
        page.add(_missing_note("affordability by year", "It needs costed initiatives."))
    # 5. Management case
    page.add(h.heading("5. Management case: how to deliver it"))
    page.add(h.points(run.headlines.get(ROADMAP, [])) or h.note("The road map is not in this run."))
    page.add('<p><a href="road-map.html">The road map, pilot and service standards</a></p>')
    return page


def _trade_off(run: RunView, options: pd.DataFrame | None) -> str:
    """What the preferred package buys over the minimum one, in cash and in residents' time, when they pull apart."""
    if options is None or not {"preferred", "do_minimum"} <= set(options["option"].astype(str)):
        return ""
    by = options.set_index(options["option"].astype(str))
    more_npv = float(by.at["preferred", "npv"]) - float(by.at["do_minimum", "npv"])
    more_cash = float(by.at["preferred", "cash_npv"]) - float(by.at["do_minimum", "cash_npv"])
    if more_cash >= 0 or more_npv <= 0:
        return ""
    return h.paragraph(
        f"The choice between the two: the preferred package adds {run.money(more_npv)} of net present value over the "
        f"minimum option, but {run.money(-more_cash)} less cash to the budget. It buys residents' time with the "
        "organisation's money; the appraisal of each initiative below shows which ones cost the budget most."
    )


def _sensitivity(run: RunView) -> str:
    sens = run.table(BUSINESS_CASE, "sensitivity")
    options = run.table(BUSINESS_CASE, "options")
    if sens is None:
        return ""
    target = "preferred" if "preferred" in set(sens["output"].astype(str)) else None
    if target is None and options is not None and len(options):
        target = str(options.sort_values("npv", ascending=False)["option"].iloc[0])
    rows = (
        sens[sens["output"].astype(str) == (target or str(sens["output"].iloc[0]))].sort_values("swing", ascending=False).head(8)
    )
    if rows.empty:
        return ""
    items = []
    for r in rows.itertuples():
        low, high = as_number(r.npv_low), as_number(r.npv_high)
        if low is None or high is None:
            continue
        items.append(
            h.Bar(run.named(r.description), float(r.swing), f"{run.money(min(low, high))} to {run.money(max(low, high))}")
        )
    return h.heading("What the result depends on", 3) + h.bars(
        items,
        caption=f"The assumptions that move the NPV of the {run.value(target, 'category').lower()} option most: its range over each assumption's range",
    )


# Road map -------------------------------------------------------------------------------------------------------


def roadmap(run: RunView) -> Page | None:
    step = ROADMAP
    schedule = run.table(step, "schedule")
    pilot, kpis = run.table(step, "pilot_plan"), run.table(step, "kpis")
    if schedule is None and pilot is None and kpis is None:
        return None
    page = Page(
        "road-map",
        "Road map and pilot",
        (step,),
        "What to do when, what to decide first, how to test it, and the standards to hold to.",
    )
    page.add(h.points(run.headlines.get(step, []), "cxm-lead"))
    if schedule is not None:
        page.add(h.heading("The road map"))
        page.add(_timeline(run, schedule))
    decisions = run.table(step, "decisions")
    if decisions is not None:
        page.add(h.heading("Decisions to take first"))
        page.add(
            run.show(decisions, step, "decisions", ["title", "depends_on", "their_npv", "own_npv", "together_npv", "choice"])
        )
    if pilot is not None:
        page.add(h.heading("The pilot"))
        page.add(
            run.show(
                pilot,
                step,
                "pilot_plan",
                [
                    "title",
                    "measure",
                    "baseline",
                    "target",
                    "pilot_site",
                    "comparison_site",
                    "weeks",
                    "areas_per_arm_needed",
                    "success_criterion",
                ],
            )
        )
    if kpis is not None:
        page.add(h.heading("Service standards"))
        page.add(run.show(kpis, step, "kpis", ["principle", "standard", "target", "current", "met", "proposed_target", "note"]))
    return page


def _timeline(run: RunView, schedule: pd.DataFrame) -> str:
    planned = schedule.dropna(subset=["start_quarter", "end_quarter"])
    if planned.empty:
        return h.note("Nothing is scheduled yet.")
    pilots = run.table(ROADMAP, "pilot_plan")
    pilot_weeks = {} if pilots is None else dict(zip(pilots["initiative"].astype(str), pilots["weeks"], strict=True))
    ends = [str(q) for q in planned["end_quarter"]]
    for r in planned.itertuples():
        weeks = as_number(pilot_weeks.get(str(r.id)))
        if weeks is not None and pd.notna(r.start):
            ends.append(_quarter(pd.Timestamp(r.start) + pd.Timedelta(weeks=weeks)))
    periods = _quarters(min(planned["start_quarter"]), max(ends))
    index = {q: i for i, q in enumerate(periods)}
    spans = []
    for r in planned.itertuples():
        deps = str(r.dependencies) if isinstance(r.dependencies, str) else ""
        after = tuple(run.names.get(d.strip(), d.strip()) for d in deps.split(";") if d.strip())
        marks = []
        weeks = as_number(pilot_weeks.get(str(r.id)))
        if weeks is not None and pd.notna(r.start):
            marks.append((index[_quarter(pd.Timestamp(r.start) + pd.Timedelta(weeks=weeks))], "pilot results due"))
        owner = str(getattr(r, "owner", "") or "")
        spans.append(
            h.Span(
                str(r.title),
                index[r.start_quarter],
                index[r.end_quarter],
                owner="" if owner == "nan" else owner,
                detail=run.named(r.reason),
                after=after,
                marks=tuple(marks),
                kind={"now": "now", "next year": "next"}.get(str(r.horizon), "later"),
            )
        )
    waiting = schedule[schedule["start_quarter"].isna()]
    rest = h.points([f"{r.title}: {run.named(r.reason)}" for r in waiting.itertuples()]) if not waiting.empty else ""
    legend = (
        '<p class="cxr-legend"><span><span class="cxr-swatch cxr-c0"></span>Starts now</span>'
        '<span><span class="cxr-swatch cxr-c1"></span>Next year</span>'
        '<span><span class="cxr-swatch cxr-mark"></span>Pilot results due</span><span>Arrows: what waits for what</span></p>'
    )
    return (
        legend
        + h.timeline(spans, periods, caption="When each initiative runs, by quarter, with its owner")
        + (h.heading("Not scheduled yet", 3) + rest if rest else "")
    )


def _quarter(when: pd.Timestamp) -> str:
    return f"{when.year} Q{(when.month - 1) // 3 + 1}"


def _quarters(first: str, last: str) -> list[str]:
    y, q = int(first[:4]), int(first[-1])
    out = []
    while True:
        out.append(f"{y} Q{q}")
        if out[-1] == last or len(out) > 200:
            return out
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)


# Appendix -------------------------------------------------------------------------------------------------------


def appendix(run: RunView) -> Page:
    page = Page(
        "appendix",
        "Appendix: the data and every table",
        (START_HERE,),
        "What went in, how it was checked, and every table behind the findings.",
    )
    inputs = run.table(START_HERE, "inputs")
    if inputs is not None:
        page.add(
            h.heading("What went in"),
            run.show(inputs, START_HERE, "inputs", ["input", "rows", "first", "last", "errors", "warnings"]),
        )
    problems = run.table(START_HERE, "problems")
    if problems is not None:
        counts = problems["severity"].astype(str).value_counts()
        said = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items())
        page.add(
            h.heading("Problems found in the data"),
            h.paragraph(
                f"The checks of the inputs found {said}. Rows with problems are kept and counted, never dropped; the "
                "Excel file lists each problem with the rows it affects and how to fix it at source."
            ),
        )
    page.add(h.heading("How the figures were made"), h.points(_method_notes(run)))
    redacted = run.table(VOICE_OF_CUSTOMER, "personal_data_redacted")
    if redacted is not None:
        caught = int(pd.to_numeric(redacted["count"], errors="coerce").fillna(0).sum())
        page.add(
            h.paragraph(
                f"Personal details in residents' comments (names, e-mail addresses, phone numbers, account numbers and the "
                f"like) were removed before any analysis: {run.value(caught, 'count')} were found and removed. Automatic "
                "removal misses some; the table of what was removed gives the share caught in testing for each kind."
            )
        )
    page.add(h.heading("Every table"))
    for a in ARTIFACTS:
        if a.kind != "csv" or a.step == START_HERE:
            continue
        frame = run.table(a.step, a.name)
        if frame is None:
            continue
        title, tells = table_info(f"{a.step}/{a.name}")
        cut = len(frame) > APPENDIX_ROWS
        body = run.show(
            frame.head(APPENDIX_ROWS),
            a.step,
            a.name,
            caption=title,
            note_text=f"The first {APPENDIX_ROWS} of {len(frame):,} rows; the Excel file has them all." if cut else None,
        )
        summary = f'{h.esc(title)} <span class="cxr-count">({len(frame):,} rows)</span>'
        page.add(
            f'<details class="cxm-appendix"><summary>{summary}</summary>{h.paragraph(tells) if tells else ""}{body}</details>'
        )
    return page


def _chosen(frame: pd.DataFrame | None) -> pd.Series | None:
    if frame is None or "chosen" not in frame:
        return None
    rows = frame[frame["chosen"].astype(str).str.lower() == "true"]
    return rows.iloc[0] if len(rows) else None


def _method_notes(run: RunView) -> list[str]:
    """One sentence per analysis the run made: how its figures were reached, with the choices the data made."""
    notes = []
    v = VOICE_OF_CUSTOMER
    if run.table(v, "failure_demand") is not None:
        notes.append(
            "Failure demand counts contacts whose reason is marked as caused by a failure (chasing, correcting, "
            "asking again) and contacts that repeat the same customer's reason within the repeat window; each is "
            "costed at its channel's cost per contact."
        )
    if run.table(v, "drivers") is not None:
        notes.append(
            "What drives satisfaction is the share of the explained variation in overall satisfaction each question "
            "accounts for (relative weights), with a range from resampling the respondents."
        )
    theme = _chosen(run.table(v, "theme_selection"))
    if theme is not None:
        notes.append(
            f"Comment themes group comments by the words they share; the number of themes ({run.value(theme['k'], 'count')}) "
            "was chosen from the data, as the number that gave the clearest and most distinct themes."
        )
    tone = _chosen(run.table(v, "tone_scorers"))
    if tone is not None:
        agreement = as_number(tone.get("spearman"))
        said = (
            f"; its tone agrees with the commenters' own ratings at a rank correlation of {agreement:.2f}"
            if agreement is not None
            else ""
        )
        notes.append(f"The tone of each comment was scored with {tone['scorer']}{said}.")
    segment = _chosen(run.table(SEGMENTATION, "model_selection"))
    if segment is not None:
        notes.append(
            f"Segments group survey respondents by their answers; {run.value(segment['k'], 'count')} segments were chosen "
            "as the number that stays stable when the respondents are resampled and leaves no segment too small to act on."
        )
    appraisal = run.table(BUSINESS_CASE, "appraisal")
    if appraisal is not None:
        base = str(appraisal["price_base"].iloc[0]) if "price_base" in appraisal else "one price base"
        notes.append(
            f"The business case converts every cost and benefit to {base}, discounts them at the Green Book's rates, "
            "and tests each result by simulation over the ranges of its assumptions."
        )
    if run.table(ROADMAP, "pilot_plan") is not None:
        notes.append(
            "Each pilot compares a pilot area with a matched comparison area before and after (difference in "
            "differences), sized for areas that differ from one another, and judged by randomisation over areas."
        )
    return notes or ["This run made no analysis that needs a word on method."]


#: Every page, in the report's order; each returns None when the run has nothing for it (the appendix always shows).
PAGES: tuple[Callable[[RunView], Page | None], ...] = (
    self_assessment,
    voice_of_customer,
    segmentation,
    business_case,
    roadmap,
    appendix,
)
#: The file stems of those pages (a test checks they are the ones the pages use).
SLUGS = ("self-assessment", "customers", "segments", "business-case", "road-map", "appendix")
