"""Workshop forms for planning: the business case's assumptions (workbook 04) and the road map's backlog scores (05).

Like the forms in :mod:`cxmethods.workshop.forms`, each is a view of its answers file: every change is written
at once, atomically, and re-running the cell shows what the file holds. Re-run the appraisal cell after
changing an assumption to see its effect; headless runs read the same file.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import first_line
from cxmethods.io.answers import store_for
from cxmethods.methods.backlog_scores import ScoreRule, backlog_score_choices, check_backlog_score, parse_backlog_score
from cxmethods.workshop.forms import AMBER, GREY, Saver, WorkshopForm, column_names, not_configured, rows_by, status_html

__all__ = ["assumptions_form", "backlog_form", "discount_form", "moved_html"]

#: What a form calls to learn what a change moves: :meth:`cxmethods.workbooks.business_case.BusinessCase.what_moved`
#: (changes as a table of name and value, or a flat ``rate``) -> its before/after table, or a Note (text) saying why not.
WhatMoved = Callable[..., "pd.DataFrame | str"]


def assumptions_form(
    engagement: Engagement, assumptions: pd.DataFrame | str, *, what_moved: WhatMoved | None = None
) -> WorkshopForm | str:
    """The room reviews and changes the business case's assumptions: value, range and why.

    Parameters
    ----------
    engagement : Engagement
        Names the answers file (``workshop.assumptions``).
    assumptions : DataFrame
        The assumptions table (:func:`cxmethods.workbooks.business_case.run` -> ``tables["assumptions"]``), which
        already holds the room's earlier changes.
    what_moved : callable, optional
        The run's :meth:`~cxmethods.workbooks.business_case.BusinessCase.what_moved`: with it, every change of a
        value shows under the form what it moves (each initiative's and option's NPV, cash NPV, BCR and value for
        money, against the appraisal the cell last ran), at once and without re-running.

    Returns
    -------
    WorkshopForm
        Grouped rows; ``.controls["value"|"low"|"high"|"note"][name]`` (FloatText/Text), ``"status"`` and
        ``"moved"`` (HTML: the before/after table). Only assumptions the room touches are written, so the defaults'
        sources stay visible for the rest.
    """
    if getattr(engagement.workshop, "assumptions", None) is None:
        return not_configured("assumptions")
    if not isinstance(assumptions, pd.DataFrame):  # a Note: the workbook could not build the table (it says why)
        return assumptions
    store = store_for(engagement, "assumptions")
    fields = column_names(store, "assumptions")
    saved = rows_by(store, {}, fields["name"])
    status = widgets.HTML(status_html("", GREY))
    saver = Saver(store, status, engagement.folder)
    controls: dict[str, dict[str, widgets.Widget]] = {"value": {}, "low": {}, "high": {}, "note": {}}
    children: list[widgets.Widget] = [
        widgets.HTML(
            '<h3 style="margin:8px 0 4px 0">Assumptions</h3>'
            f'<div style="color:{GREY}">Change a value or its range (low to high) where the room knows better, and say why. '
            "Each change is saved at once"
            + ("; what a new value moves shows under the form" if what_moved is not None else "")
            + "; re-run the appraisal cell to see everything it does (the simulation of the ranges too).</div>"
        )
    ]

    def saver_for(name: str):
        def changed(change: dict) -> None:
            low, value, high = (controls[k][name].value for k in ("low", "value", "high"))
            warning = "" if low <= value <= high else f"{name}: low should be at most the value and high at least the value."
            saver.save(
                {fields["name"]: name},
                {fields["value"]: value, fields["low"]: low, fields["high"]: high, fields["note"]: controls["note"][name].value},
                warning,
            )
            if what_moved is not None and change.get("owner") is controls["value"][name]:
                show_moved()

        return changed

    def show_moved() -> None:
        now = pd.DataFrame({"name": list(controls["value"]), "value": [w.value for w in controls["value"].values()]})
        try:
            moved.value = moved_html(what_moved(now), against="the appraisal as the cell last ran it")  # type: ignore[misc]
        except CxmError as exc:
            moved.value = status_html(first_line(exc), AMBER)

    narrow = widgets.Layout(width="124px")
    for group, rows in assumptions.groupby("group", sort=False):
        children.append(widgets.HTML(f'<div style="font-weight:600;margin:10px 0 2px 0">{html.escape(str(group))}</div>'))
        for row in rows.to_dict("records"):
            name = row["name"]
            label = widgets.HTML(
                f'<div title="{html.escape(str(row["source"]))}">{html.escape(str(row["description"]))}'
                f'<br><span style="color:{GREY};font-size:0.85em">{html.escape(name)} · {html.escape(str(row["unit"]))}</span></div>',
                layout=widgets.Layout(width="380px"),
            )
            boxes = {
                k: widgets.FloatText(value=float(row[k]), description=k, layout=narrow, style={"description_width": "44px"})
                for k in ("value", "low", "high")
            }
            note = widgets.Text(
                value=saved.get(name, {}).get(fields["note"], ""),
                placeholder="why the room changed it",
                continuous_update=True,
                layout=widgets.Layout(width="220px"),
            )
            for k, control in {**boxes, "note": note}.items():
                controls[k][name] = control
                control.observe(saver_for(name), "value")
            children.append(widgets.HBox([label, *boxes.values(), note]))
    moved = widgets.HTML("")
    children += [status, moved]
    return WorkshopForm(children, {**controls, "status": status, "moved": moved}, store)


def discount_form(what_moved: WhatMoved, *, rate: float = 0.015) -> widgets.VBox:
    """Workbook 04's exercise without code: every initiative's and option's figures at one flat discount rate.

    Parameters
    ----------
    what_moved : callable
        The run's :meth:`~cxmethods.workbooks.business_case.BusinessCase.what_moved`.
    rate : float, default 0.015
        The rate shown first (1.5%: the Green Book's rate for health effects, close to the US OMB's).

    Returns
    -------
    VBox
        ``.controls["rate"]`` (BoundedFloatText, percent a year, 0-10) and ``["moved"]`` (HTML: the table against
        the engagement's discount schedule, what changes category, sign or package marked).
    """
    box = widgets.BoundedFloatText(
        value=round(100 * rate, 2),
        min=0,
        max=10,
        step=0.5,
        description="flat rate, % a year",
        style={"description_width": "120px"},
        layout=widgets.Layout(width="230px"),
    )
    moved = widgets.HTML()

    def show(change: dict | None = None) -> None:
        try:
            moved.value = moved_html(what_moved(rate=box.value / 100), against="the discount schedule", every=True)
        except CxmError as exc:
            moved.value = status_html(first_line(exc), AMBER)

    box.observe(show, "value")
    show()
    form = widgets.VBox(
        [
            widgets.HTML(
                '<h3 style="margin:8px 0 4px 0">Discount at a flat rate</h3>'
                f'<div style="color:{GREY}">Each initiative\'s yearly flows discounted at this rate instead of the '
                "engagement's schedule. Nothing is saved: set settings.business_case.discount_rate to appraise at "
                "another rate for real.</div>"
            ),
            box,
            moved,
        ],
        layout=widgets.Layout(max_width="980px", padding="4px 16px 12px 16px", border="1px solid #dadce0"),
    )
    form.controls = {"rate": box, "moved": moved}
    return form


def moved_html(table: pd.DataFrame | str, *, against: str, every: bool = False) -> str:
    """A before/after table from ``what_moved`` as a form shows it: the rows whose figures change (``every``: all),
    the moved ones (category, a sign, the package) in bold with what moved; a Note as it is."""
    if not isinstance(table, pd.DataFrame):
        return status_html(str(table), AMBER)
    changed = table[
        table["moved"] | (table["npv_before"] != table["npv_after"]) | (table["cash_npv_before"] != table["cash_npv_after"])
    ]
    shown = table if every else changed
    if shown.empty:
        return f"<div style=\"color:{GREY}\">Against {html.escape(against)}: no initiative's or option's figures change.</div>"

    def pair(a, b, fmt: str) -> str:
        return html.escape(f"{format(a, fmt)} → {format(b, fmt)}" if a != b else format(a, fmt))

    cells = "".join(
        f'<tr style="{"font-weight:600;color:" + AMBER if r["moved"] else ""}">'
        f"<td>{html.escape(str(r['id']))}</td><td>{html.escape(str(r['name']))}</td>"
        f'<td style="text-align:right">{pair(r["npv_before"], r["npv_after"], ",.0f")}</td>'
        f'<td style="text-align:right">{pair(r["cash_npv_before"], r["cash_npv_after"], ",.0f")}</td>'
        f'<td style="text-align:right">{pair(r["bcr_before"], r["bcr_after"], ".2f")}</td>'
        f"<td>{pair(r['vfm_before'], r['vfm_after'], '')}</td><td>{html.escape(r['what'])}</td></tr>"
        for r in shown.to_dict("records")
    )
    n = int(table["moved"].sum())
    head = "".join(
        f'<th style="text-align:left">{h}</th>' for h in ("", "", "NPV", "cash NPV", "BCR", "value for money", "what moved")
    )
    return (
        f'<div style="margin-top:8px"><b>What moved</b> <span style="color:{GREY}">against {html.escape(against)}: '
        f"{n} change{'s' * (n != 1)} of category, sign or package "
        f'{"(in bold)" if n else ""}</span><table style="font-size:0.9em"><tr>{head}</tr>{cells}</table></div>'
    )


def backlog_form(engagement: Engagement, backlog: pd.DataFrame | str) -> WorkshopForm | str:
    """The room scores the backlog: the scores the engagement's prioritisation method needs, and why.

    What each score may hold is :func:`cxmethods.methods.backlog_scores.backlog_score_choices`: the 1-5 scores,
    RICE's impact and the confidence are lists to choose from ("not scored" first); effort and reach are number
    boxes. A value outside its rule is refused with one line on the status line: that score is not saved (the
    row's other scores are) and what was typed stays on screen to correct.

    Parameters
    ----------
    engagement : Engagement
        Names the answers file (``workshop.backlog``) and the method (``settings.roadmap.method``).
    backlog : DataFrame
        The backlog (:func:`cxmethods.workbooks.roadmap.run` -> ``tables["backlog"]``), which already holds the room's scores.

    Returns
    -------
    WorkshopForm
        One row per backlog item; ``.controls[score][id]`` (Dropdown for a choice, Text for a number; value ``""``
        = not scored) for each score the method uses, ``.controls["note"][id]`` (Text) and ``"status"``. Only rows
        the room touches are written.
    """
    if getattr(engagement.workshop, "backlog", None) is None:
        return not_configured("backlog")
    if not isinstance(backlog, pd.DataFrame):  # a Note: the workbook could not build the table (it says why)
        return backlog
    settings = engagement.settings.roadmap
    store = store_for(engagement, "backlog")
    fields = column_names(store, "backlog")
    chosen = backlog_score_choices(settings.method, settings.weights or None)
    rules = {s: r for s, r in chosen.items() if s in backlog and s in fields}
    saved = rows_by(store, {}, fields["id"])
    status = widgets.HTML(status_html("", GREY))
    saver = Saver(store, status, engagement.folder)
    controls: dict[str, dict[str, widgets.Widget]] = {s: {} for s in (*rules, "note")}
    children: list[widgets.Widget] = [
        widgets.HTML(
            '<h3 style="margin:8px 0 4px 0">Score the backlog</h3>'
            f'<div style="color:{GREY}">Value is a score from 1 (little) to 5 (a lot); appraised initiatives start from their '
            "value-for-money category. Effort is in team-months (more than 0, at most 120). Confidence: 100% high, 80% "
            f"medium, 50% low; below {settings.min_confidence:.0%} an initiative waits and sees. Leave a score "
            '"not scored" if nobody knows yet. Each change is saved at once; re-run the planning cell to see the new '
            "ranking.</div>"
        )
    ]

    def saver_for(item: str):
        def changed(change: dict) -> None:
            values, refused = {}, []
            for s in rules:
                typed = controls[s][item].value
                if problem := check_backlog_score(s, typed):
                    refused.append(problem)  # not saved: the file keeps its value, the screen what was typed
                else:
                    number = parse_backlog_score(s, typed)
                    values[fields[s]] = "" if pd.isna(number) else f"{number:g}"
            said = f"{item}: {' '.join(refused)} Not saved" if refused else ""
            changed_score = next((s for s in rules if controls[s][item] is change.get("owner")), None)
            if changed_score is not None and fields[changed_score] not in values:
                status.value = status_html(said + ".", AMBER)  # the change itself is refused: nothing to write
                return
            if saver.save({fields["id"]: item}, {**values, fields["note"]: controls["note"][item].value}) and refused:
                status.value = status_html(said + "; the other scores are.", AMBER)

        return changed

    for row in backlog.to_dict("records"):
        item = str(row["id"])
        label = widgets.HTML(
            f'<div title="{html.escape(str(row["provenance"]))}"><b>{html.escape(item)}</b> '
            f'{html.escape(str(row["title"]))}<br><span style="color:{GREY};font-size:0.85em">'
            f"{html.escape(str(row['source']))}</span></div>",
            layout=widgets.Layout(width="340px"),
        )
        boxes = {s: _score_box(rule, _shown(row.get(s))) for s, rule in rules.items()}
        note = widgets.Text(
            value=saved.get(item, {}).get(fields["note"], ""),
            placeholder="why",
            continuous_update=True,
            layout=widgets.Layout(width="200px"),
        )
        for key, control in {**boxes, "note": note}.items():
            controls[key][item] = control
            control.observe(saver_for(item), "value")
        children.append(widgets.HBox([label, *boxes.values(), note]))
    children.append(status)
    return WorkshopForm(children, {**controls, "status": status}, store)


def _score_box(rule: ScoreRule, shown: str) -> widgets.Widget:
    """A list for a choice score (with the row's own value added when it is valid but not on the list, e.g. a
    confidence of 70% from initiatives.csv), a text box for a number score."""
    common = {
        "description": rule.label,
        "layout": widgets.Layout(width="150px"),
        "style": {"description_width": "62px"},
        "tooltip": f"{rule.name}: {rule.rule}",
    }
    if rule.kind == "choice":
        options = list(rule.choices)
        if shown not in [t for _, t in options] and check_backlog_score(rule.name, shown) is None:
            as_given = f"{float(shown):.0%}" if rule.name == "confidence" else shown
            options.append((f"{as_given} · as given", shown))
        return widgets.Dropdown(options=options, value=shown if shown in [t for _, t in options] else "", **common)
    return widgets.Text(value=shown, placeholder="?", continuous_update=False, **common)


def _shown(value) -> str:
    """A score as the form shows it: empty when not scored (a NaN in a widget is not valid JSON for the browser)."""
    return "" if value is None or pd.isna(value) else f"{float(value):g}"
