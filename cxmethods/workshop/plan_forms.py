"""Workshop forms for planning: the business case's assumptions (workbook 04) and the road map's backlog scores (05).

Like the forms in :mod:`cxmethods.workshop.forms`, each is a view of its answers file: every change is written
at once, atomically, and re-running the cell shows what the file holds. Re-run the appraisal cell after
changing an assumption to see its effect; headless runs read the same file.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.io.answers import store_for
from cxmethods.methods.backlog_scores import ScoreRule, backlog_score_choices, check_backlog_score, parse_backlog_score
from cxmethods.workshop.forms import AMBER, GREY, Saver, WorkshopForm, column_names, not_configured, rows_by, status_html

__all__ = ["assumptions_form", "backlog_form"]


def assumptions_form(engagement: Engagement, assumptions: pd.DataFrame | str) -> WorkshopForm | str:
    """The room reviews and changes the business case's assumptions: value, range and why.

    Parameters
    ----------
    engagement : Engagement
        Names the answers file (``workshop.assumptions``).
    assumptions : DataFrame
        The assumptions table (:func:`cxmethods.workbooks.business_case.run` -> ``tables["assumptions"]``), which
        already holds the room's earlier changes.

    Returns
    -------
    WorkshopForm
        Grouped rows; ``.controls["value"|"low"|"high"|"note"][name]`` (FloatText/Text), ``"status"``.
        Only assumptions the room touches are written, so the defaults' sources stay visible for the rest.
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
            "Each change is saved at once; re-run the appraisal cell to see what it does.</div>"
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

        return changed

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
    children.append(status)
    return WorkshopForm(children, {**controls, "status": status}, store)


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
