"""Live workshop forms: the room's answers, saved to the answers file the moment they are given.

Each form is a view of its answers file (:mod:`cxmethods.io.answers`): it shows what the file holds
when it is built, and every change (a level, a yes/no, each keystroke of a note) is written
through :meth:`~cxmethods.io.answers.AnswerStore.upsert` at once, atomically. Re-running the cell
shows the answers again; a kernel crash loses nothing. A save that fails is shown in red on the
form's status line, the typed answer stays on screen and is written with the next change.

The functions return a widget and never display it: make the call the last line of a cell.
Headless runs (papermill) read the files, never the widgets.

Examples
--------
>>> import pathlib, tempfile
>>> from cxmethods import load_engagement
>>> from cxmethods.methodology.maturity import Question
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = pathlib.Path(tmp.name)
>>> _ = (folder / "engagement.yaml").write_text(
...     "name: demo\\norganisation: Demo Council\\ncurrency: GBP\\nperiod: {start: 2025-04-01, end: 2025-04-30}\\n"
...     "workshop:\\n  quick_test: {path: workshop/quick_test.csv}\\n")
>>> form = quick_test_form(load_engagement(folder / "engagement.yaml"),
...                        questions=[Question("q1", "understand", "Do staff know who the customers are?")])
>>> form.controls["answer"]["q1"].value = "no"
>>> print((folder / "workshop" / "quick_test.csv").read_text().strip())
question_id,answer,team_answer,note
q1,no,,
>>> tmp.cleanup()
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from cxmethods.core.checks import check_text
from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import first_line
from cxmethods.core.schemas import INPUTS
from cxmethods.io.answers import AnswerStore, store_for
from cxmethods.methodology.maturity import (
    Dimension,
    MaturityModel,
    Question,
    Statement,
    load_quick_test,
    load_role_checklist,
    model_for,
)
from cxmethods.methods.profiles import named_segments
from cxmethods.plots import charts

__all__ = [
    "WorkshopForm",
    "consensus_form",
    "quick_test_form",
    "role_checklist_form",
    "segment_names_form",
    "self_assessment_form",
]

GREY, AMBER, _RED, _BLUE, _GREEN = "#5f6368", "#8a5a00", "#b00020", "#1f5fa8", "#2e7d32"
_LEVELS = ("1", "2", "3", "4", "5")
_NOT_YET = ("not yet", "")


class WorkshopForm(widgets.VBox):
    """The widget a form function returns: a VBox with its named controls.

    Attributes
    ----------
    controls : dict
        Named widgets, so a notebook or a test can reach them without walking children.
        Dimension forms: ``"dimension"`` (Dropdown of dimension ids), ``"previous"``, ``"next"``
        (Buttons), ``"current"``, ``"target"`` (ToggleButtons, values ``""`` for not yet or ``"1"``
        .. ``"5"``), ``"evidence"`` (self-assessment) or ``"rationale"`` (consensus) (Textarea),
        ``"heading"`` (HTML: component, dimension and question), ``"levels"`` (HTML list of the level descriptors), ``"progress"`` and ``"status"`` (HTML), ``"chart"``
        (Image: a radar of the shown dimension's component, redrawn with every change).
        Checklist forms: ``"answer"`` and ``"note"`` (dicts of ToggleButtons and Text by question or
        statement id), ``"progress"`` and ``"status"``.
    store : AnswerStore
        The answers file the form is a view of.
    """

    def __init__(self, children: list[widgets.Widget], controls: dict, store: AnswerStore):
        super().__init__(
            children, layout=widgets.Layout(max_width="980px", padding="4px 16px 12px 16px", border="1px solid #dadce0")
        )
        self.controls, self.store = controls, store


def self_assessment_form(
    engagement: Engagement, participant: str, *, role: str = "", model: MaturityModel | None = None
) -> WorkshopForm:
    """One respondent scores every dimension of the maturity model, one dimension at a time.

    Parameters
    ----------
    engagement : Engagement
        Names the answers file (``workshop.self_assessment``).
    participant : str
        Who is answering; with the dimension id it identifies a row of the file.
    role : str, optional
        Their role, written on each row they change (left as it is in the file when empty).
    model : MaturityModel, optional
        Default: the engagement's model (:func:`cxmethods.methodology.maturity.model_for`).

    Returns
    -------
    WorkshopForm
        Previous/Next and a dimension list, the question, the five level descriptors, current and
        target levels and an evidence box; ``.controls`` names them.

    Raises
    ------
    CxmError
        When ``participant`` is empty, the engagement names no self-assessment file, or the file
        cannot be read (the form would otherwise write over it).
    """
    check_text(participant, "participant", "self_assessment_form", expected="a non-empty name")
    participant = participant.strip()
    if getattr(engagement.workshop, "self_assessment", None) is None:
        return not_configured("self_assessment")
    store = store_for(engagement, "self_assessment")
    who = html.escape(participant) + (f" ({html.escape(role)})" if role else "")
    model = model or model_for(engagement)
    return _dimension_form(
        store,
        "self_assessment",
        model,
        engagement.folder,
        key={"participant": participant},
        extra=({"role": role} if role else {}) | _version(model),
        text="evidence",
        title=f"Self-assessment · {who}",
        placeholder="Evidence: what do you see that puts us at this level? (an example, a document, a measure)",
    )


def consensus_form(engagement: Engagement, *, model: MaturityModel | None = None) -> WorkshopForm:
    """The facilitator records the levels the room agreed per dimension, with the rationale.

    Parameters
    ----------
    engagement : Engagement
        Names the consensus file (``workshop.consensus``).
    model : MaturityModel, optional
        Default: the engagement's model.

    Returns
    -------
    WorkshopForm
        As :func:`self_assessment_form`, with a ``"rationale"`` box instead of evidence; a dimension
        counts as agreed once current, target and rationale are all given.

    Raises
    ------
    CxmError
        When the engagement names no consensus file or it cannot be read.
    """
    if getattr(engagement.workshop, "consensus", None) is None:
        return not_configured("consensus")
    store = store_for(engagement, "consensus")
    model = model or model_for(engagement)
    return _dimension_form(
        store,
        "consensus",
        model,
        engagement.folder,
        key={},
        extra=_version(model),
        text="rationale",
        title="Consensus · the levels the room agreed",
        placeholder="Rationale (required): why did the room agree this level and this target?",
        more={
            "strengths": "Strengths: what the room saw that works, with the evidence",
            "areas_for_improvement": "Areas for improvement: what would take this dimension to the next level",
        },
    )


def quick_test_form(engagement: Engagement, *, questions: Iterable[Question] | None = None) -> WorkshopForm:
    """The quick test: yes or no for the organisation and for the respondent's own team, and a short note, per question.

    Parameters
    ----------
    engagement : Engagement
        Names the answers file (``workshop.quick_test``).
    questions : iterable of Question, optional
        Default: :func:`cxmethods.methodology.maturity.load_quick_test`.

    Returns
    -------
    WorkshopForm
        One row per question; ``.controls["answer"][question_id]`` (the organisation),
        ``.controls["team_answer"][question_id]`` and ``.controls["note"][question_id]``.
    """
    if getattr(engagement.workshop, "quick_test", None) is None:
        return not_configured("quick_test")
    store = store_for(engagement, "quick_test")
    items = [(q.id, "", q.text) for q in (load_quick_test() if questions is None else questions)]
    return _checklist_form(
        store,
        column_names(store, "quick_test"),
        items,
        ("yes", "no"),
        engagement.folder,
        id_field="question_id",
        title="Quick test",
        scopes=(("answer", "Organisation"), ("team_answer", "Your team")),
    )


def role_checklist_form(engagement: Engagement, *, statements: Iterable[Statement] | None = None) -> WorkshopForm:
    """The role checklist: yes, partly or no and a short note per statement, grouped by role.

    Parameters
    ----------
    engagement : Engagement
        Names the answers file (``workshop.role_checklist``).
    statements : iterable of Statement, optional
        Default: :func:`cxmethods.methodology.maturity.load_role_checklist`.

    Returns
    -------
    WorkshopForm
        One row per statement; ``.controls["answer"][statement_id]`` and ``.controls["note"][statement_id]``.
    """
    if getattr(engagement.workshop, "role_checklist", None) is None:
        return not_configured("role_checklist")
    store = store_for(engagement, "role_checklist")
    items = [(s.id, s.role_name, s.text) for s in (load_role_checklist() if statements is None else statements)]
    return _checklist_form(
        store,
        column_names(store, "role_checklist"),
        items,
        ("yes", "partly", "no"),
        engagement.folder,
        id_field="statement_id",
        title="Role checklist",
    )


# -- shared pieces -------------------------------------------------------------------------------


def segment_names_form(engagement: Engagement, suggestions) -> WorkshopForm:
    """The room names each data-driven segment and writes its pen portrait and outcome objective.

    The suggested name and portrait are shown apart, in grey, until the room accepts them (the Accept button) or
    types its own: a name box holds only what the room confirmed, so "0 of 5 named" means no box is filled.
    :func:`cxmethods.methods.profiles.named_segments` gives the same as plain data.

    Parameters
    ----------
    engagement : Engagement
        Names the answers file (``workshop.segment_names``).
    suggestions : DataFrame
        ``segment``, ``size``, ``share``, ``suggested_name``, ``pen_portrait`` (from
        :func:`cxmethods.methods.profiles.suggest_names`): offered to accept; what the room accepts or types is saved.

    Returns
    -------
    WorkshopForm
        One card per segment; ``.controls["name"|"pen_portrait"|"objective"][segment]`` (Text/Textarea),
        ``["suggested"][segment]`` (HTML: the suggestion, greyed), ``["accept"][segment]`` (Button: the suggested
        name, and the portrait where none is written, into the boxes, saved at once; disabled once the name is the
        suggestion), ``"progress"`` and ``"status"``.
    """
    if getattr(engagement.workshop, "segment_names", None) is None:
        return not_configured("segment_names")
    if suggestions is None:
        return widgets.HTML(f'<div style="color:{AMBER}">No data-driven segments to name: the segmentation needs a survey.</div>')
    store = store_for(engagement, "segment_names")
    fields = column_names(store, "segment_names")
    answers = _loaded(store).rename(columns={v: k for k, v in fields.items()})
    segments = named_segments(suggestions, answers)
    status, progress = widgets.HTML(status_html("", GREY)), widgets.HTML()
    saver = Saver(store, status, engagement.folder)
    keys = ("name", "pen_portrait", "objective")
    controls: dict[str, dict[str, widgets.Widget]] = {k: {} for k in (*keys, "suggested", "accept")}
    children: list[widgets.Widget] = [widgets.HTML('<h3 style="margin:8px 0 4px 0">Name the segments</h3>'), progress]

    def count() -> None:
        progress.value = _progress(sum(bool(w.value.strip()) for w in controls["name"].values()), len(controls["name"]), "named")

    def saver_for(segment: str, suggested: str) -> Callable[[dict], None]:
        def changed(change: dict) -> None:
            saver.save({fields["segment"]: segment}, {fields[k]: controls[k][segment].value for k in keys})
            controls["accept"][segment].disabled = controls["name"][segment].value.strip() == suggested.strip()
            count()

        return changed

    def accept_for(segment: str, name: str, portrait: str) -> Callable[[widgets.Button], None]:
        def accept(_: widgets.Button) -> None:
            if not controls["pen_portrait"][segment].value.strip():
                controls["pen_portrait"][segment].value = portrait
            controls["name"][segment].value = name

        return accept

    for row in segments.itertuples(index=False):
        segment = str(row.segment)
        heading = (
            f'<div style="font-size:1.15em;font-weight:600;margin:12px 0 2px 0">Segment {html.escape(segment)} · '
            f"{int(row.size):,} respondents ({row.share:.0%})</div>"
        )
        suggested = widgets.HTML(
            f'<div style="color:{GREY};font-style:italic">Suggested, not yet accepted: '
            f"<b>{html.escape(row.suggested_name)}</b>. {html.escape(row.suggested_portrait)}</div>",
            layout=widgets.Layout(width="80%"),
        )
        accept = widgets.Button(
            description="Accept",
            tooltip="Use the suggested name (and portrait, if none is written yet); you can still edit them",
            disabled=row.name.strip() == row.suggested_name.strip(),
            layout=widgets.Layout(width="90px"),
        )
        name = widgets.Text(
            value=row.name,
            placeholder="not named yet: type a name, or accept the suggestion",
            continuous_update=True,
            description="Name",
            layout=widgets.Layout(width="60%"),
        )
        portrait = widgets.Textarea(
            value=row.pen_portrait,
            placeholder="Pen portrait: who they are, in the room's words",
            continuous_update=True,
            description="Portrait",
            layout=widgets.Layout(width="95%", height="64px"),
        )
        objective = widgets.Textarea(
            value=row.objective,
            continuous_update=True,
            description="Objective",
            placeholder="Outcome-based objective: what should be different for these people?",
            layout=widgets.Layout(width="95%", height="48px"),
        )
        controls["suggested"][segment], controls["accept"][segment] = suggested, accept
        accept.on_click(accept_for(segment, row.suggested_name, row.suggested_portrait))
        for key, control in (("name", name), ("pen_portrait", portrait), ("objective", objective)):
            controls[key][segment] = control
            control.observe(saver_for(segment, row.suggested_name), "value")
        children.append(
            widgets.VBox(
                [widgets.HTML(heading), widgets.HBox([suggested, accept]), name, portrait, objective],
                layout=widgets.Layout(padding="4px 0 8px 0", border_bottom="1px solid #eee"),
            )
        )
    count()
    children.append(status)
    return WorkshopForm(children, {**controls, "progress": progress, "status": status}, store)


def not_configured(name: str) -> widgets.HTML:
    """What a form shows when the engagement names no answers file for it (a headless run goes on)."""
    return widgets.HTML(
        f'<div style="color:{AMBER}">This form needs an answers file: add <code>{name}: '
        f"{{path: workshop/{name}.csv}}</code> under <code>workshop:</code> in the engagement "
        "(see templates/engagement.yaml), then re-run this cell.</div>"
    )


class Saver:
    """Writes rows through the store and reports on the status line; a row that failed stays pending
    and is written again with the next change, so nothing typed is lost while the problem lasts."""

    def __init__(self, store: AnswerStore, status: widgets.HTML, folder: Path):
        self.store, self.status = store, status
        path = Path(store.path)
        self.where = str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)
        self.pending: dict[tuple, tuple[dict, dict]] = {}

    def save(self, key: dict[str, str], values: dict[str, str], warning: str = "") -> bool:
        self.pending[tuple(sorted(key.items()))] = (key, values)
        try:
            for k in list(self.pending):
                self.store.upsert(*self.pending[k])
                del self.pending[k]
        except Exception as exc:
            self.status.value = status_html(
                f"Not saved: {type(exc).__name__}: {first_line(exc)} ({self.where}). "
                "Your answers stay on screen and are saved with the next change.",
                _RED,
            )
            return False
        stamp = f"Saved {datetime.now():%H:%M:%S} · {self.where}"
        self.status.value = status_html(f"{stamp} · {warning}" if warning else stamp, AMBER if warning else GREY)
        return True


def column_names(store: AnswerStore, name: str) -> dict[str, str]:
    """Our field name -> the file's column (``store_for`` keeps the columns in the schema's order)."""
    return dict(zip(INPUTS[name].fields, store.columns))


def rows_by(store: AnswerStore, match: dict[str, str], by: str) -> dict[str, dict[str, str]]:
    """The file's rows matching ``match`` (column -> value), by the value of column ``by``; first row wins, as in upsert."""
    try:
        table = store.load()
    except CxmError:
        raise  # already names the file and what to do
    except Exception as exc:
        raise CxmError(
            f"{store.path}: the answers file cannot be read ({first_line(exc)}). "
            "Fix or move the file, then run this cell again; the form would otherwise write over it."
        ) from exc
    for column, value in match.items():
        table = table[table[column] == value]
    return {row[by]: row for row in table.to_dict("records")[::-1]}


def _loaded(store: AnswerStore) -> pd.DataFrame:
    """The answers file's rows as text (:func:`rows_by`'s reading, its clear error when the file cannot be read)."""
    return pd.DataFrame(list(rows_by(store, {}, store.key[0]).values()), columns=store.columns)


def _level(value: object) -> str:
    try:
        number = float(str(value))
    except ValueError:
        return ""
    return str(int(number)) if number.is_integer() and 1 <= number <= 5 else ""


def status_html(text: str, colour: str) -> str:
    return f'<div style="color:{colour};font-size:0.95em;min-height:1.4em">{html.escape(text)}</div>'


def _progress(done: int, total: int, noun: str) -> str:
    share = 100 * done / total if total else 0
    return (
        f'<div style="color:{GREY}"><b style="color:#202124">{done} of {total}</b> {noun}'
        f'<div style="background:#e8eaed;height:6px;border-radius:3px;margin-top:3px">'
        f'<div style="background:{_BLUE};width:{share:.0f}%;height:6px;border-radius:3px"></div></div></div>'
    )


def _toggles(choices: Iterable[tuple[str, str]], tooltips: list[str], width: str) -> widgets.ToggleButtons:
    return widgets.ToggleButtons(
        options=list(choices), value="", tooltips=tooltips, style={"button_width": width, "font_weight": "bold"}
    )


def _examples(examples: tuple[str, ...]) -> str:
    """A level's examples of evidence, in grey under its descriptor (none for a model written without them)."""
    if not examples:
        return ""
    return f'<div style="color:{GREY};font-size:0.92em">For example: {html.escape("; ".join(examples))}.</div>'


def _label(text: str) -> widgets.HTML:
    return widgets.HTML(f"<b>{text}</b>", layout=widgets.Layout(width="8em"))


# -- one dimension at a time ---------------------------------------------------------------------


def _version(model: MaturityModel) -> dict[str, str]:
    """Written on every row saved, so a later version of the model knows what descriptors an answer was given against."""
    return {"model_version": model.version} if model.version else {}


def _dimension_form(
    store: AnswerStore,
    name: str,
    model: MaturityModel,
    folder: Path,
    *,
    key: dict[str, str],
    extra: dict[str, str],
    text: str,
    title: str,
    placeholder: str,
    more: dict[str, str] | None = None,
) -> WorkshopForm:
    """The form shared by the self-assessment and the consensus (workshop file ``name``): ``key`` (our
    fields) picks the rows that are this form's, ``extra`` is written on every row saved, ``text`` names
    the free-text field (a dimension counts as done without it only when the schema does not require it);
    ``more`` adds optional free-text fields (field: placeholder), each in a box of its own."""
    more = more or {}
    dims, fields = model.dimensions, column_names(store, name)
    required_text = INPUTS[name].fields[text].required
    rows = rows_by(store, {fields[k]: v for k, v in key.items()}, fields["dimension_id"])
    answers = {
        d: {
            "current": _level(r.get(fields["current_level"], "")),
            "target": _level(r.get(fields["target_level"], "")),
            "text": r.get(fields[text], ""),
            **{m: r.get(fields[m], "") for m in more},
        }
        for d, r in rows.items()
    }
    components = {c.id: c.name for c in model.components}
    n = len(dims)

    dropdown = widgets.Dropdown(
        options=[(f"{i} of {n} · {d.name}", d.id) for i, d in enumerate(dims, 1)],
        layout=widgets.Layout(flex="1 1 auto", width="auto", margin="0 8px"),
    )
    previous = widgets.Button(description="Previous", icon="arrow-left", layout=widgets.Layout(width="8.5em"))
    following = widgets.Button(description="Next", icon="arrow-right", layout=widgets.Layout(width="8.5em"))
    tips = ["Not scored yet"] + [f"{i} · {name}" for i, name in enumerate(model.level_names, 1)]
    current, target = (_toggles([_NOT_YET, *((lv, lv) for lv in _LEVELS)], tips, "5.6em") for _ in range(2))
    box = widgets.Textarea(placeholder=placeholder, continuous_update=True, layout=widgets.Layout(width="auto", height="6em"))
    boxes = {
        m: widgets.Textarea(placeholder=tip, continuous_update=True, layout=widgets.Layout(width="auto", height="4em"))
        for m, tip in more.items()
    }
    heading, levels, progress = widgets.HTML(), widgets.HTML(), widgets.HTML()
    chart = widgets.Image(format="png", layout=widgets.Layout(width="360px", flex="0 0 auto", margin="0 0 0 16px"))
    status = widgets.HTML()
    saver = Saver(store, status, folder)
    status.value = status_html(f"Each answer is saved to {saver.where} as you give it.", GREY)
    loading = False

    def done(a: dict[str, str]) -> bool:
        return bool(a["current"] and a["target"] and (a["text"].strip() or not required_text))

    def draw(d: Dimension, radar: bool = True) -> None:
        a = answers.get(d.id, {"current": "", "target": "", "text": ""})
        items = []
        for i, (level_name, descriptor) in enumerate(zip(model.level_names, d.levels), 1):
            tags = [which for which in ("current", "target") if a[which] == str(i)]
            colour = _BLUE if "current" in tags else _GREEN if tags else "transparent"
            badges = "".join(
                f' <span style="background:{_BLUE if t == "current" else _GREEN};color:white;border-radius:8px;'
                f'padding:0 7px;font-size:0.8em">{t}</span>'
                for t in tags
            )
            items.append(
                f'<li style="list-style:none;padding:5px 10px;margin:3px 0;border-left:5px solid {colour};'
                f'background:{"#f1f5fb" if tags else "transparent"}"><b>{i} · {html.escape(level_name)}</b>{badges}'
                f" — {html.escape(descriptor)}{_examples(d.examples(i))}</li>"
            )
        levels.value = f'<ul style="padding:0;margin:4px 0 10px 0;font-size:1.05em;line-height:1.4">{"".join(items)}</ul>'
        progress.value = _progress(
            sum(done(x) for x in answers.values()), n, "dimensions agreed" if required_text else "dimensions answered"
        )
        if radar:
            chart.value = profile(d)

    def profile(d: Dimension) -> bytes:
        """This form's answers for the shown dimension's component: current against target, redrawn on each change."""
        near = [x for x in dims if x.component == d.component]
        if len(near) < 3:
            return b""
        scores = pd.DataFrame(
            {
                "component": d.component,
                "component_name": components.get(d.component, d.component),
                "dimension": [x.name for x in near],
                "current": [float(answers.get(x.id, {}).get("current") or "nan") for x in near],
                "target": [float(answers.get(x.id, {}).get("target") or "nan") for x in near],
            }
        )
        return charts.radar_png(scores, d.component, highlight=d.name)

    def show(change: dict | None = None) -> None:
        nonlocal loading
        d = dims[dropdown.index]
        a = answers.get(d.id, {"current": "", "target": "", "text": ""})
        loading = True  # showing answers is not a change to save
        try:
            current.value, target.value, box.value = a["current"], a["target"], a["text"]
            for m, other in boxes.items():
                other.value = a.get(m, "")
        finally:
            loading = False
        question = d.question or "Where is the organisation today, and where should it be?"
        heading.value = (
            f'<div style="color:{GREY};font-size:0.9em;text-transform:uppercase;letter-spacing:0.04em">'
            f"{html.escape(components.get(d.component, d.component))}</div>"
            f'<div style="font-size:1.5em;font-weight:600;margin:2px 0">{html.escape(d.name)}</div>'
            f'<div style="font-size:1.15em;margin-bottom:4px">{html.escape(question)}</div>'
        )
        previous.disabled, following.disabled = dropdown.index == 0, dropdown.index == n - 1
        draw(d)

    def changed(change: dict) -> None:
        if loading:
            return
        d = dims[dropdown.index]
        a = answers.setdefault(d.id, {})
        scored = (a.get("current"), a.get("target")) != (current.value, target.value)
        a.update(current=current.value, target=target.value, text=box.value, **{m: b.value for m, b in boxes.items()})
        warning = ""
        if a["current"] and a["target"] and int(a["target"]) < int(a["current"]):
            warning = f"Note: the target ({a['target']}) is below the current level ({a['current']}). Intended?"
        elif required_text and (a["current"] or a["target"]) and not a["text"].strip():
            warning = f"Add the {text}: why the room agreed this level."
        values = {
            fields["current_level"]: a["current"],
            fields["target_level"]: a["target"],
            fields[text]: a["text"],
            **{fields[m]: a[m] for m in more},
            **{fields[k]: v for k, v in extra.items()},
        }
        saver.save({**{fields[k]: v for k, v in key.items()}, fields["dimension_id"]: d.id}, values, warning)
        draw(d, radar=scored)  # typing the evidence leaves the radar as it is

    def step(by: int) -> Callable[[widgets.Button], None]:
        def move(_: widgets.Button) -> None:
            dropdown.index = min(max(dropdown.index + by, 0), n - 1)

        return move

    dropdown.observe(show, "value")
    previous.on_click(step(-1))
    following.on_click(step(+1))
    for control in (current, target, box, *boxes.values()):
        control.observe(changed, "value")
    show()

    controls = {
        "dimension": dropdown,
        "previous": previous,
        "next": following,
        "current": current,
        "target": target,
        text: box,
        **boxes,
        "heading": heading,
        "levels": levels,
        "progress": progress,
        "status": status,
        "chart": chart,
    }
    answer = widgets.VBox(
        [
            widgets.HBox([_label("Current level"), current]),
            widgets.HBox([_label("Target level"), target]),
            _label(text.capitalize()),
            box,
            *(w for m, b in boxes.items() for w in (_label(m.replace("_", " ").capitalize()), b)),
            status,
        ],
        layout=widgets.Layout(flex="1 1 540px", min_width="540px"),
    )
    children = [
        widgets.HTML(f'<h3 style="margin:8px 0 4px 0">{title}</h3>'),
        widgets.HBox([previous, dropdown, following], layout=widgets.Layout(align_items="center")),
        progress,
        heading,
        levels,
        widgets.HBox([answer, chart], layout=widgets.Layout(align_items="flex-start", flex_flow="row wrap")),
    ]
    return WorkshopForm(children, controls, store)


# -- one row per question or statement -----------------------------------------------------------


def _checklist_form(
    store: AnswerStore,
    fields: dict[str, str],
    items: list[tuple[str, str, str]],
    choices: tuple[str, ...],
    folder: Path,
    *,
    id_field: str,
    title: str,
    scopes: tuple[tuple[str, str], ...] = (("answer", ""),),
) -> WorkshopForm:
    """Rows of (id, group heading, text), each with answer toggles (one set per ``scopes`` entry: answer field and
    its label) and a note, saved on every change."""
    rows = rows_by(store, {}, fields[id_field])
    answers = {
        i: {
            **{f: r.get(fields[f], "").strip().lower() for f, _ in scopes},
            "note": r.get(fields["note"], ""),
        }
        for i, r in rows.items()
    }
    progress, status = widgets.HTML(), widgets.HTML(status_html("", GREY))
    saver = Saver(store, status, folder)
    toggles: dict[str, dict[str, widgets.ToggleButtons]] = {f: {} for f, _ in scopes}
    notes: dict[str, widgets.Text] = {}
    children: list[widgets.Widget] = [widgets.HTML(f'<h3 style="margin:8px 0 4px 0">{title}</h3>'), progress]
    group = None

    def count() -> None:
        done = [all(toggles[f][i].value for f, _ in scopes) for i in notes]
        progress.value = _progress(sum(done), len(done), "answered")

    def saver_for(item_id: str) -> Callable[[dict], None]:
        def changed(change: dict) -> None:
            saver.save(
                {fields[id_field]: item_id},
                {**{fields[f]: toggles[f][item_id].value for f, _ in scopes}, fields["note"]: notes[item_id].value},
            )
            count()

        return changed

    for number, (item_id, heading, text) in enumerate(items, 1):
        if heading and heading != group:
            group = heading
            children.append(
                widgets.HTML(f'<div style="font-size:1.2em;font-weight:600;margin:12px 0 2px 0">{html.escape(heading)}</div>')
            )
        a = answers.get(item_id, {})
        for f, _ in scopes:
            toggles[f][item_id] = _toggles([_NOT_YET, *((c, c) for c in choices)], ["Not answered yet", *choices], "6.5em")
            toggles[f][item_id].value = a.get(f, "") if a.get(f, "") in choices else ""
        notes[item_id] = widgets.Text(
            value=a.get("note", ""),
            placeholder="Short note: what the room said",
            continuous_update=True,
            layout=widgets.Layout(flex="1 1 auto", width="auto", margin="0 0 0 12px"),
        )
        for control in (*(toggles[f][item_id] for f, _ in scopes), notes[item_id]):
            control.observe(saver_for(item_id), "value")
        children.append(
            widgets.VBox(
                [
                    widgets.HTML(f'<div style="font-size:1.1em;line-height:1.35"><b>{number}.</b> {html.escape(text)}</div>'),
                    *(
                        widgets.HBox(
                            [*([_label(label)] if label else []), toggles[f][item_id], *([notes[item_id]] if last else [])],
                            layout=widgets.Layout(align_items="center"),
                        )
                        for last, (f, label) in ((k == len(scopes) - 1, sc) for k, sc in enumerate(scopes))
                    ),
                ],
                layout=widgets.Layout(padding="6px 0", border_bottom="1px solid #eee"),
            )
        )
    count()
    children.append(status)
    return WorkshopForm(children, {**toggles, "note": notes, "progress": progress, "status": status}, store)
