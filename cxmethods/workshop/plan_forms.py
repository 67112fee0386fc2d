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
from cxmethods.workshop.forms import AMBER, GREY, Saver, WorkshopForm, column_names, not_configured, rows_by, status_html

__all__ = ["assumptions_form", "backlog_form"]

#: The scores each prioritisation method needs, in the order the backlog form shows them.
METHOD_SCORES = {
    "value_effort": ("value", "effort", "confidence"),
    "rice": ("reach", "impact", "confidence", "effort"),
    "wsjf": ("value", "time_criticality", "risk_reduction", "effort", "confidence"),
}


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

    Parameters
    ----------
    engagement : Engagement
        Names the answers file (``workshop.backlog``) and the method (``settings.roadmap.method``).
    backlog : DataFrame
        The backlog (:func:`cxmethods.workbooks.roadmap.run` -> ``tables["backlog"]``), which already holds the room's scores.

    Returns
    -------
    WorkshopForm
        One row per backlog item; ``.controls[score][id]`` (Text; empty = not scored) for each score the
        method uses, ``.controls["note"][id]`` (Text) and ``"status"``. Only rows the room touches are written.
    """
    if getattr(engagement.workshop, "backlog", None) is None:
        return not_configured("backlog")
    if not isinstance(backlog, pd.DataFrame):  # a Note: the workbook could not build the table (it says why)
        return backlog
    settings = engagement.settings.roadmap
    scores = METHOD_SCORES.get(settings.method, tuple(settings.weights) + ("effort", "confidence"))
    scores = tuple(dict.fromkeys(s for s in scores if s in backlog))
    store = store_for(engagement, "backlog")
    fields = column_names(store, "backlog")
    saved = rows_by(store, {}, fields["id"])
    status = widgets.HTML(status_html("", GREY))
    saver = Saver(store, status, engagement.folder)
    controls: dict[str, dict[str, widgets.Widget]] = {s: {} for s in (*scores, "note")}
    children: list[widgets.Widget] = [
        widgets.HTML(
            '<h3 style="margin:8px 0 4px 0">Score the backlog</h3>'
            f'<div style="color:{GREY}">Value is a score from 1 (little) to 5 (a lot); appraised initiatives start from their '
            "value-for-money category. Effort is in team-months, confidence from 0 to 1. Leave a box empty if nobody knows yet. "
            "Each change is saved at once; re-run the planning cell to see the new ranking.</div>"
        )
    ]

    def saver_for(item: str):
        def changed(change: dict) -> None:
            values, bad = {}, []
            for s in scores:
                text = controls[s][item].value.strip().replace(",", ".")
                try:
                    values[fields[s]] = float(text) if text else ""
                except ValueError:
                    bad.append(s)
            if bad:  # keep what was typed on screen; save once it is a number
                status.value = status_html(f"{item}: {', '.join(bad)} must be a number (or empty). Not saved yet.", AMBER)
                return
            saver.save({fields["id"]: item}, {**values, fields["note"]: controls["note"][item].value})

        return changed

    narrow = widgets.Layout(width="125px")
    for row in backlog.to_dict("records"):
        item = str(row["id"])
        label = widgets.HTML(
            f'<div title="{html.escape(str(row["provenance"]))}"><b>{html.escape(item)}</b> '
            f'{html.escape(str(row["title"]))}<br><span style="color:{GREY};font-size:0.85em">'
            f"{html.escape(str(row['source']))}</span></div>",
            layout=widgets.Layout(width="340px"),
        )
        boxes = {
            s: widgets.Text(
                value=_shown(row.get(s)),
                description=s.replace("_", " ")[:10],
                layout=narrow,
                placeholder="?",
                continuous_update=False,
                style={"description_width": "62px"},
            )
            for s in scores
        }
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


def _shown(value) -> str:
    """A score as the form shows it: empty when not scored (a NaN in a widget is not valid JSON for the browser)."""
    return "" if value is None or pd.isna(value) else f"{float(value):g}"
