"""The workshop room in trainer mode (``cxm room --training``): the workbooks' exercises without code, for the room.

The workbooks mark their teaching cells with tags (see :mod:`cxmethods.run.packs`): ``exercise`` (a task for
the room), ``solution`` (its answer, straight after it), ``facilitator`` (notes for the trainer) and ``sample``
(what the sample engagement shows). Here each exercise becomes a card:

- a participant sees the exercise's text (its markdown rendered, raw HTML shown as text, never run), the
  heading it sits under, and a box for a prose answer; no code cell, no solution and no facilitator note ever
  leaves the server for a participant. Answers are saved in ``room/exercises.csv`` beside the room's other files,
  one row per participant and exercise, and acknowledged only once the file on disk holds them;
- the facilitator sees each exercise with its solution, the facilitator notes of its section, and every
  participant's answer as it arrives (personal data redacted, as in every output); and the notes of the sections without an exercise, workbook by workbook;
- the exercise whose section offers workbook 04's discount control (``plan_forms.discount_form``) gets the same
  control in the page: a flat discount rate, and what moves at that rate
  (:meth:`~cxmethods.workbooks.business_case.BusinessCase.what_moved`, the deterministic appraisal, no Monte Carlo).

>>> ex = exercises()
>>> ex[0].id, ex[0].workbook_title
('01-1', '01 · Self-assessment: how customer-focused are we today?')
>>> "Solution" in ex[0].html or any("Solution" in s for s in ex[0].solutions)
True
>>> [e.id for e in ex if e.control]
['04-2']
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
from markdown_it import MarkdownIt

from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.io.answers import AnswerStore, SaveQueue
from cxmethods.io.redact import redact
from cxmethods.run.room.state import Participant, Room, RoomError
from cxmethods.run.runner import list_workbooks
from cxmethods.sample import is_sample

__all__ = ["ANSWER_LIMIT", "DISCOUNT_CONTROL", "Exercise", "Training", "exercises", "other_notes", "render_markdown"]

ANSWER_LIMIT = 4000
DISCOUNT_CONTROL = "discount_rate"
_RATE_RANGE = (0.0, 10.0)  # percent a year, as the notebook's control
_COLUMNS = ["participant", "role", "exercise_id", "answer"]
_DRAWS = 100  # the Monte Carlo is not shown here; what_moved is deterministic

# markdown as CommonMark with tables, raw HTML shown as text (html=False) and only safe links (markdown-it's own check)
_MARKDOWN = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> str:
    """Markdown as HTML for the room's pages: raw HTML in the text is escaped, not passed on.

    >>> render_markdown("**Exercise:** pick one <script>alert(1)</script>")
    '<p><strong>Exercise:</strong> pick one &lt;script&gt;alert(1)&lt;/script&gt;</p>\\n'
    """
    return _MARKDOWN.render(text)


@dataclass(frozen=True)
class Exercise:
    """One exercise of one workbook, and what only the facilitator sees of it.

    ``id`` is the workbook's number and the exercise's place in it (``"04-2"``); ``section`` the heading it sits
    under and ``context`` that section's opening words; ``html`` the exercise's text;
    ``solutions`` the rendered solution cells after it (a code solution as its comments, its code in a block);
    ``notes`` the facilitator notes of its section (rendered); ``sources`` the raw text of those solution and note
    cells (what a participant must never be sent); ``control`` :data:`DISCOUNT_CONTROL` or None.
    """

    id: str
    workbook: str
    workbook_title: str
    section: str
    context: str
    html: str
    solutions: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    control: str | None = None

    def for_participant(self) -> dict:
        return {"id": self.id, "section": self.section, "context": self.context, "html": self.html, "control": self.control}

    def for_facilitator(self) -> dict:
        return {**self.for_participant(), "solutions": list(self.solutions), "notes": list(self.notes)}


def exercises(folder: str | Path | None = None, *, sample: bool = True) -> list[Exercise]:
    """Every exercise in the numbered workbooks of ``folder`` (default: the installed workbooks), in order.

    Parameters
    ----------
    folder : path, optional
        Where the workbooks are; None takes those installed with the package.
    sample : bool, default True
        Keep the facilitator notes tagged ``sample`` (the sample engagement's own figures); pass False for any
        other engagement, as ``cxm run`` does.
    """
    out: list[Exercise] = []
    for book in list_workbooks(folder=folder):
        out += _read_workbook(nbformat.read(book, as_version=4), book.stem, sample=sample)[0]
    return out


def other_notes(folder: str | Path | None = None, *, sample: bool = True) -> list[dict]:
    """The facilitator notes of the sections with no exercise, workbook by workbook (``id``, ``title``, ``notes``:
    ``section`` and ``html`` each): the rest of what the trainer reads, for the facilitator's view only."""
    out = []
    for book in list_workbooks(folder=folder):
        _, notes, title = _read_workbook(nbformat.read(book, as_version=4), book.stem, sample=sample)
        out.append({"id": book.stem, "title": title, "notes": notes})
    return out


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _heading(cell) -> tuple[int, str] | None:
    """A markdown cell's first line as (level, text) when it is a heading."""
    if cell.cell_type != "markdown":
        return None
    match = re.match(r"^(#{1,6})\s+(.+)$", cell.source.strip().splitlines()[0] if cell.source.strip() else "")
    return (len(match.group(1)), match.group(2).strip()) if match else None


def _read_workbook(nb: nbformat.NotebookNode, stem: str, *, sample: bool) -> tuple[list[Exercise], list[dict], str]:
    """A workbook's exercises, the facilitator notes of its sections without one, and its title."""
    cells = [c for c in nb.cells if sample or "sample" not in _tags(c)]
    title, sections, current = stem, [], []  # sections: lists of cells under one level-2 heading (or above any)
    for cell in cells:
        found = _heading(cell)
        if found and found[0] == 1 and title == stem:
            title = found[1]
        if found and found[0] <= 2 and current:
            sections.append(current)
            current = []
        current.append(cell)
    sections.append(current)
    out: list[Exercise] = []
    rest: list[dict] = []
    for section in sections:
        found = _heading(section[0])
        name = found[1] if found else title
        if not any("exercise" in _tags(c) and c.cell_type == "markdown" for c in section):
            rest += [{"section": name, "html": render_markdown(c.source)} for c in section if "facilitator" in _tags(c)]
            continue
        context = _context(section)
        control = DISCOUNT_CONTROL if any(c.cell_type == "code" and "discount_form(" in c.source for c in section) else None
        for i, cell in enumerate(section):
            if "exercise" not in _tags(cell) or cell.cell_type != "markdown":
                continue
            answer = []
            for later in section[i + 1 :]:
                if "solution" not in _tags(later):
                    break
                answer.append(later)
            notes = [c for c in section if "facilitator" in _tags(c) and all(c is not a for a in answer)]
            out.append(
                Exercise(
                    id=f"{stem[:2]}-{len(out) + 1}",
                    workbook=stem,
                    workbook_title=title,
                    section=name,
                    context=context,
                    html=render_markdown(cell.source),
                    solutions=tuple(_solution_html(c) for c in answer),
                    notes=tuple(render_markdown(c.source) for c in notes),
                    sources=tuple(c.source for c in answer + notes),
                    control=control,
                )
            )
    return out, rest, title


def _context(section: list) -> str:
    """The section's opening words (the heading cell's text under its heading, else its first untagged markdown
    cell), rendered: what an exercise that says "look at the table above" is about."""
    for cell in section:
        if cell.cell_type != "markdown" or _tags(cell):
            continue
        text = cell.source.strip()
        if _heading(cell):
            text = "\n".join(text.splitlines()[1:]).strip()
        if text:
            return render_markdown(text)
    return ""


def _solution_html(cell) -> str:
    """A solution as the facilitator reads it: markdown rendered; a code cell's comments as prose, its code after."""
    if cell.cell_type == "markdown":
        return render_markdown(cell.source)
    prose, code = [], []
    for line in cell.source.splitlines():
        (prose if line.lstrip().startswith("#") else code).append(re.sub(r"^\s*#\s?", "", line))
    text = re.sub(r"^Solution:\s*", "", " ".join(p.strip() for p in prose).strip())
    shown = render_markdown(f"**Solution:** {text}") if text else ""
    if any(c.strip() for c in code):
        shown += f'<p class="small">In the workbook: <code>{html.escape(chr(10).join(code).strip())}</code></p>\n'
    return shown


class Training:
    """The room's exercises, the participants' answers to them, and the discount control's business case.

    Parameters
    ----------
    room : Room
        The room whose participants answer.
    run_dir : path, optional
        The run folder holding workbook 02's (and 03's) artifacts, from which the business case is appraised for
        the discount control; None disables the control with a message saying what to run.
    workbooks : path, optional
        Where the workbooks are (default: the installed ones).
    """

    def __init__(self, room: Room, run_dir: str | Path | None = None, *, workbooks: str | Path | None = None) -> None:
        self.room = room
        self.engagement: Engagement = room.engagement
        sample = is_sample(room.engagement)
        self.exercises = {e.id: e for e in exercises(workbooks, sample=sample)}
        self.other_notes = other_notes(workbooks, sample=sample)
        self.store = AnswerStore(room.folder / "exercises.csv", _COLUMNS, ("participant", "exercise_id"))
        self._saves = SaveQueue(self.store)
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self._case_lock = threading.Lock()
        self._case: object | None = None
        self._case_problem: str | None = None
        self._moved: dict[float, dict] = {}
        self._redactions: dict[str, str] = {}

    def start(self) -> None:
        """Appraise the business case in the background now, so the first use of the control is quick."""
        if any(e.control for e in self.exercises.values()):
            threading.Thread(target=self._business_case, name="cxm-room-case", daemon=True).start()

    # ---- participants -------------------------------------------------------------------------------------
    def participant_view(self, who: Participant) -> dict:
        """The exercises (text and section only) by workbook, and this participant's own answers."""
        mine = self.store.load()
        mine = mine[mine["participant"] == who.name]
        return {
            "participant": {"name": who.name, "role": who.role},
            "organisation": self.engagement.organisation,
            "workbooks": self._by_workbook(lambda e: e.for_participant()),
            "answers": {r["exercise_id"]: r["answer"] for r in mine.to_dict("records") if r["exercise_id"] in self.exercises},
            "limit": ANSWER_LIMIT,
        }

    def save_answer(self, who: Participant, exercise_id: str, answer: str) -> dict:
        """Save a participant's answer to one exercise; returns once the file on disk holds it."""
        if exercise_id not in self.exercises:
            raise RoomError(f"There is no exercise '{exercise_id[:20]}' in this room.")
        if len(answer) > ANSWER_LIMIT:
            raise RoomError(f"An answer is limited to {ANSWER_LIMIT:,} characters; shorten it and save again.")
        table = self._saves.upsert({"participant": who.name, "exercise_id": exercise_id}, {"role": who.role, "answer": answer})
        mine = table[(table["participant"] == who.name) & (table["answer"].str.strip() != "")]
        return {"saved": True, "answered": int(mine["exercise_id"].isin(self.exercises).sum())}

    # ---- the facilitator ----------------------------------------------------------------------------------
    def facilitator_view(self) -> dict:
        """Every exercise with its solution and notes, and every participant's answer to it (personal data redacted, as
        in every output that quotes what the room typed)."""
        table = self.store.load()
        given = table[(table["answer"].str.strip() != "") & table["exercise_id"].isin(self.exercises)]
        answers: dict[str, list[dict]] = {}
        for r in given.to_dict("records"):
            answer = self._redacted(r["answer"])
            answers.setdefault(r["exercise_id"], []).append({"name": r["participant"], "role": r["role"], "answer": answer})
        joined = self.room.participants().values()
        return {
            "organisation": self.engagement.organisation,
            "participants": len(joined),
            "workbooks": self._by_workbook(lambda e: {**e.for_facilitator(), "answers": answers.get(e.id, [])}),
            "other_notes": [b for b in self.other_notes if b["notes"]],
        }

    def _redacted(self, text: str) -> str:
        """An answer as every output quotes what the room typed: personal data replaced (rules and the name model),
        each distinct text once (the view is recomputed at every save)."""
        if text not in self._redactions:
            self._redactions[text] = redact(text, model=True) or ""
        return self._redactions[text]

    def _by_workbook(self, show) -> list[dict]:
        books: dict[str, dict] = {}
        for e in self.exercises.values():
            books.setdefault(e.workbook, {"id": e.workbook, "title": e.workbook_title, "exercises": []})["exercises"].append(
                show(e)
            )
        return list(books.values())

    # ---- the discount control -----------------------------------------------------------------------------
    def discount(self, percent: float) -> dict:
        """What moves when every initiative's yearly flows are discounted at ``percent`` a year (flat) instead of the
        engagement's schedule: one row per initiative and option, before and after; or the reason there are none."""
        low, high = _RATE_RANGE
        if not low <= percent <= high:
            raise RoomError(f"The rate is a percentage from {low:g} to {high:g}; got {percent:g}.")
        percent = round(float(percent), 2)
        case = self._business_case()
        if case is None:
            return {"rate": percent, "problem": self._case_problem, "rows": []}
        if percent not in self._moved:
            table = case.what_moved(rate=percent / 100)  # type: ignore[attr-defined]
            if not isinstance(table, pd.DataFrame):
                return {"rate": percent, "problem": str(table), "rows": []}
            rows = [
                {
                    "kind": r["kind"],
                    "id": r["id"],
                    "name": r["name"],
                    **{k: _money(r[k]) for k in ("npv_before", "npv_after", "cash_npv_before", "cash_npv_after")},
                    "vfm_before": r["vfm_before"],
                    "vfm_after": r["vfm_after"],
                    "preferred_before": bool(r["preferred_before"]),
                    "preferred_after": bool(r["preferred_after"]),
                    "what": r["what"],
                    "moved": bool(r["moved"]),
                }
                for r in table.to_dict("records")
            ]
            self._moved[percent] = {"rate": percent, "problem": None, "rows": rows, "currency": self.engagement.currency}
        return self._moved[percent]

    def missing_run(self) -> str | None:
        """What to run before the session when the run folder has no results for the discount control, else None."""
        if self.run_dir is not None and (self.run_dir / "artifacts").is_dir():
            return None
        yaml = self.engagement.path or "ENGAGEMENT.yaml"
        where = self.run_dir or Path("out") / self.engagement.name
        return (
            f"The discount control needs workbook 02's results for this engagement, and {where} has none. Before the "
            f"session run: cxm run {yaml} --only 02,03 --out {where}; then open the room again with "
            f"cxm room {yaml} --training --run {where}."
        )

    def _business_case(self):
        with self._case_lock:
            if self._case is None and self._case_problem is None:
                self._case, self._case_problem = self._appraise()
            return self._case

    def _appraise(self):
        from cxmethods.workbooks import business_case

        missing = self.missing_run()
        if missing:
            return None, missing
        assert self.run_dir is not None  # missing_run says so otherwise
        try:
            case = business_case.run(self.engagement, self.run_dir, draws=_DRAWS)
        except CxmError as exc:
            return None, f"The business case cannot be appraised from {self.run_dir}: {str(exc).splitlines()[0]}"
        if case.model is None:
            return None, next(iter(case.skipped.values()), "The business case was not appraised.")
        return case, None


def _money(value: object) -> float | None:
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]
