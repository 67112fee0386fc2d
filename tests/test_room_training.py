"""Trainer mode of the workshop room (``cxm room --training``): the workbooks' exercises without code, prose answers
saved per participant, the discount control, and solutions and facilitator notes for the facilitator only."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from room_server import Session, running_room  # tests/ is on the path (rootdir conftest, no package)

from cxmethods import load_engagement
from cxmethods.core.paths import workbooks_dir
from cxmethods.run.room import Room, RoomError
from cxmethods.run.room.training import DISCOUNT_CONTROL, Training, exercises, other_notes, render_markdown
from cxmethods.sample import write_sample
from cxmethods.workbooks import business_case, voice_of_customer

WORKBOOKS = sorted(workbooks_dir().glob("[0-9][0-9]_*.ipynb"))


def _tagged(tag: str) -> list[str]:
    """The source of every cell of the installed workbooks carrying ``tag``, read straight from the notebooks."""
    return [
        c.source
        for book in WORKBOOKS
        for c in nbformat.read(book, as_version=4).cells
        if tag in c.get("metadata", {}).get("tags", [])
    ]


def _words(text: str) -> str:
    """Text as plain lower-case words: tags and entities gone, punctuation and markdown marks as spaces."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _public() -> str:
    """The workbooks' markdown a participant pack keeps (neither a solution nor a facilitator note), as plain words."""
    return " ".join(
        _words(c.source)
        for book in WORKBOOKS
        for c in nbformat.read(book, as_version=4).cells
        if c.cell_type == "markdown" and not {"solution", "facilitator"} & set(c.get("metadata", {}).get("tags", []))
    )


def _leaks(secret: str, shown: str, span: int = 7, public: str = "") -> list[str]:
    """Runs of ``span`` words of ``secret`` found in ``shown`` (both as plain words), but those the workbooks'
    public text also says (a note may repeat the narrative's question)."""
    words = _words(secret).split()
    haystack, allowed = f" {_words(shown)} ", f" {public} "
    runs = [f" {' '.join(words[i : i + span])} " for i in range(max(0, len(words) - span + 1))]
    return [r.strip() for r in runs if r in haystack and r not in allowed]


def _notebook(cells) -> nbformat.NotebookNode:
    return new_notebook(cells=cells)


@pytest.fixture
def folder(tmp_path) -> Path:
    """Two tiny workbooks: one with a section, notes, an exercise and its solutions; one with the discount control."""
    books = tmp_path / "workbooks"
    books.mkdir()
    first = _notebook(
        [
            new_markdown_cell("# 01 · First\n\nWhat this is for."),
            new_code_cell("engagement: str = None  # path", metadata={"tags": ["parameters"]}),
            new_markdown_cell("## Step 1 · Look\n\nThe table of reasons, largest first."),
            new_markdown_cell("**Facilitator:** allow ten minutes.", metadata={"tags": ["facilitator"]}),
            new_code_cell("result.view('secret_table')"),
            new_markdown_cell("**Exercise:** which reason <script>alert(1)</script> first?", metadata={"tags": ["exercise"]}),
            new_code_cell("# Solution: missed bins, by far.\nresult.view('answer')", metadata={"tags": ["solution"]}),
            new_markdown_cell("**Solution:** and chasing.", metadata={"tags": ["solution"]}),
            new_markdown_cell("**On the sample:** 412 missed bins.", metadata={"tags": ["facilitator", "sample"]}),
            new_markdown_cell("## Step 2 · No exercise here"),
            new_markdown_cell("**Facilitator:** a note of another step.", metadata={"tags": ["facilitator"]}),
        ]
    )
    second = _notebook(
        [
            new_markdown_cell("# 04 · Money"),
            new_markdown_cell("## 5 · Rates"),
            new_code_cell("plan_forms.discount_form(result.what_moved)"),
            new_markdown_cell("**Exercise:** discount at 1.5%.", metadata={"tags": ["exercise"]}),
        ]
    )
    nbformat.write(first, books / "01_first.ipynb")
    nbformat.write(second, books / "04_money.ipynb")
    nbformat.write(
        _notebook([new_markdown_cell("**Exercise:** not numbered", metadata={"tags": ["exercise"]})]), books / "notes.ipynb"
    )
    return books


def test_exercises_carry_their_section_solutions_and_notes_and_no_code(folder):
    found = exercises(folder)
    assert [(e.id, e.workbook_title, e.section, e.control) for e in found] == [
        ("01-1", "01 · First", "Step 1 · Look", None),
        ("04-1", "04 · Money", "5 · Rates", DISCOUNT_CONTROL),
    ]
    first = found[0]
    assert first.context == "<p>The table of reasons, largest first.</p>\n"
    assert "&lt;script&gt;" in first.html and "<script>" not in first.html  # raw HTML shown as text, never run
    assert len(first.solutions) == 2
    assert "missed bins, by far." in first.solutions[0] and "<code>result.view(&#x27;answer&#x27;)</code>" in first.solutions[0]
    assert first.notes == (
        "<p><strong>Facilitator:</strong> allow ten minutes.</p>\n",
        "<p><strong>On the sample:</strong> 412 missed bins.</p>\n",
    )
    shown = json.dumps(first.for_participant())
    for secret in ("secret_table", "Solution", "by far", "chasing", "ten minutes", "412", "another step", "answer"):
        assert secret not in shown, secret
    assert "412" in json.dumps(first.for_facilitator()) and "by far" in json.dumps(first.for_facilitator())
    assert other_notes(folder) == [
        {
            "id": "01_first",
            "title": "01 · First",
            "notes": [
                {"section": "Step 2 · No exercise here", "html": "<p><strong>Facilitator:</strong> a note of another step.</p>\n"}
            ],
        },
        {"id": "04_money", "title": "04 · Money", "notes": []},
    ]
    # another engagement than the sample: its notes tagged sample go, as in `cxm run`
    assert exercises(folder, sample=False)[0].notes == ("<p><strong>Facilitator:</strong> allow ten minutes.</p>\n",)


def test_every_exercise_of_the_installed_workbooks_is_served_with_its_solution():
    found = exercises()
    assert len(found) == len(_tagged("exercise"))
    assert sum(len(e.solutions) for e in found) == len(_tagged("solution"))
    assert [e.id for e in found if e.control] == ["04-2"]
    assert all(e.section and e.html.startswith("<p><strong>Exercise:</strong>") for e in found)


def test_markdown_is_rendered_without_raw_html_or_unsafe_links():
    shown = render_markdown('Hi <img src=x onerror="alert(1)"> [x](javascript:alert(1)) [ok](https://gov.uk) `a<b`')
    assert "<img" not in shown and 'href="javascript' not in shown  # as text, not as a tag or a link
    assert '<a href="https://gov.uk">ok</a>' in shown and "<code>a&lt;b</code>" in shown


@pytest.fixture
def training(tmp_path) -> Training:
    write_sample(tmp_path / "riverton")
    return Training(Room(load_engagement(tmp_path / "riverton" / "engagement.yaml")), None)


def test_answers_are_saved_per_participant_and_each_sees_only_their_own(training):
    ana, ben = training.room.join("Ana", "Librarian"), training.room.join("Ben", "Adviser")
    assert training.save_answer(ana, "01-1", 'Start with "what have you seen?", =SUM(A1)') == {"saved": True, "answered": 1}
    training.save_answer(ana, "01-1", "Changed my mind")
    training.save_answer(ben, "02-1", "Parking on Sundays")
    on_disk = pd.read_csv(training.room.folder / "exercises.csv", dtype=str, keep_default_na=False)
    assert on_disk[["participant", "role", "exercise_id", "answer"]].values.tolist() == [
        ["Ana", "Librarian", "01-1", "Changed my mind"],
        ["Ben", "Adviser", "02-1", "Parking on Sundays"],
    ]
    assert training.participant_view(ana)["answers"] == {"01-1": "Changed my mind"}
    assert training.participant_view(ben)["answers"] == {"02-1": "Parking on Sundays"}
    given = {e["id"]: e["answers"] for w in training.facilitator_view()["workbooks"] for e in w["exercises"]}
    assert given["01-1"] == [{"name": "Ana", "role": "Librarian", "answer": "Changed my mind"}]
    assert given["02-1"] == [{"name": "Ben", "role": "Adviser", "answer": "Parking on Sundays"}]
    # personal data typed into an answer is redacted in the facilitator's view (projected), kept in the file
    training.save_answer(ben, "02-2", "Mrs Patel rang 07700 900123 three times")
    given = {e["id"]: e["answers"] for w in training.facilitator_view()["workbooks"] for e in w["exercises"]}
    assert given["02-2"][0]["answer"] == "[NAME] rang [PHONE] three times"
    assert training.participant_view(ben)["answers"]["02-2"] == "Mrs Patel rang 07700 900123 three times"


@pytest.mark.parametrize(
    ("exercise", "answer", "message"),
    [("nope", "x", "no exercise 'nope'"), ("01-1", "x" * 4001, "limited to 4,000 characters")],
)
def test_bad_answers_are_refused_with_one_line_and_nothing_saved(training, exercise, answer, message):
    ana = training.room.join("Ana", "Librarian")
    with pytest.raises(RoomError, match=message):
        training.save_answer(ana, exercise, answer)
    assert not (training.room.folder / "exercises.csv").exists()


def test_the_discount_control_says_what_to_run_first_without_a_run(training, tmp_path):
    shown = training.discount(1.5)
    assert shown["rows"] == [] and "cxm run" in shown["problem"] and "--only 02,03" in shown["problem"]
    assert shown["problem"] == training.missing_run()
    with pytest.raises(RoomError, match="from 0 to 10; got 12"):
        training.discount(12)


@pytest.fixture(scope="module")
def sample_with_02(tmp_path_factory) -> tuple[Path, Path]:
    """The sample and a run folder holding workbook 02's artifacts (what the business case starts from)."""
    folder = tmp_path_factory.mktemp("sample02")
    write_sample(folder / "riverton")
    engagement = load_engagement(folder / "riverton" / "engagement.yaml")
    voice_of_customer.run(engagement, folder / "run").write()
    return folder / "riverton", folder / "run"


def test_the_discount_control_gives_what_moved_at_the_rate(sample_with_02, tmp_path):
    riverton, run = sample_with_02
    engagement = load_engagement(riverton / "engagement.yaml")
    training = Training(Room(engagement), run)
    shown = training.discount(1.5)
    assert shown["problem"] is None
    expected = business_case.run(engagement, run, draws=100).what_moved(rate=0.015)
    assert [r["id"] for r in shown["rows"]] == list(expected["id"])
    assert [r["npv_after"] for r in shown["rows"]] == list(expected["npv_after"])
    assert [r["what"] for r in shown["rows"]] == list(expected["what"])
    assert shown["rows"] != training.discount(7)["rows"]


def _participant_corpus(me: Session) -> str:
    """Everything a participant's browser can fetch in trainer mode."""
    parts = [me.get(url)[1].decode() for url in ("/", "/score", "/assets/training.js", "/assets/training.css", "/assets/room.js")]
    parts.append(json.dumps(me.json("/api/training")))
    parts.append(json.dumps(me.json("/api/training/discount?rate=1.5")))
    return "\n".join(parts)


def test_a_training_room_serves_exercises_and_never_solutions_to_participants(sample_with_02, tmp_path):
    riverton, run = sample_with_02
    import shutil

    shutil.copytree(riverton, tmp_path / "riverton")
    with running_room(tmp_path / "riverton", "--training", "--run", str(run)) as served:
        assert "Trainer mode: 10 exercises" in served.output and "discount control needs" not in served.output
        stranger = Session(served.base)
        for url in ("/", "/api/training", "/api/training/room", "/facilitator/training", "/api/training/discount?rate=2"):
            assert stranger.get(url)[0] == 403, url
        assert stranger.post("/api/training/answer", {"exercise_id": "01-1", "answer": "x"})[0] == 403

        ana = Session(served.base)
        assert ana.get(served.join_url)[0] == 200
        assert ana.json("/api/training")["joined"] is False
        assert ana.post("/api/training/answer", {"exercise_id": "01-1", "answer": "x"})[0] == 401
        assert ana.post("/api/join", {"name": "Ana", "role": "Librarian"})[0] == 200
        page = ana.get("/")[1].decode()
        assert "/assets/training.js" in page and "participant.js" not in page
        assert "/assets/participant.js" in ana.get("/score")[1].decode()  # the scoring stays reachable
        status, saved = ana.post("/api/training/answer", {"exercise_id": "04-2", "answer": "I03 turns positive"})
        assert status == 200 and saved == {"saved": True, "answered": 1}
        answers = pd.read_csv(tmp_path / "riverton" / "workshop" / "room" / "exercises.csv", dtype=str)
        assert answers.values.tolist() == [["Ana", "Librarian", "04-2", "I03 turns positive"]]  # on disk when acknowledged
        mine = ana.json("/api/training")
        assert mine["answers"] == {"04-2": "I03 turns positive"}
        assert [e["id"] for w in mine["workbooks"] for e in w["exercises"]][-3:] == ["04-2", "05-1", "05-2"]
        moved = ana.json("/api/training/discount?rate=1.5")
        assert moved["problem"] is None and len(moved["rows"]) > 10
        assert ana.get("/api/training/discount?rate=abc")[0] == 422
        assert ana.get("/api/training/room")[0] == 403 and ana.get("/facilitator/training")[0] == 403

        # nothing a participant can fetch holds a solution or a facilitator note (seven words in a row of any)
        corpus = _participant_corpus(ana)
        secrets_ = _tagged("solution") + _tagged("facilitator")
        assert len(secrets_) > 20
        public = _public()
        assert {s[:60]: _leaks(s, corpus, public=public) for s in secrets_ if _leaks(s, corpus, public=public)} == {}
        for s in _tagged("exercise"):  # while every exercise is there
            assert _leaks(s, corpus), s[:60]

        boss = Session(served.base)
        assert boss.get(served.facilitator_url.replace("?", "/training?", 1))[0] == 200
        assert "training_facilitator.js" in boss.get("/facilitator/training")[1].decode()
        view = boss.json("/api/training/room")
        shown = json.dumps(view)
        assert all(_leaks(s, shown, public=public) for s in secrets_ if len(_words(s).split()) > 12)  # the facilitator has them
        given = {e["id"]: e["answers"] for w in view["workbooks"] for e in w["exercises"]}
        assert given["04-2"] == [{"name": "Ana", "role": "Librarian", "answer": "I03 turns positive"}]
        # the next change wakes the facilitator's view at once (long polling on the room's counter)
        assert ana.post("/api/training/answer", {"exercise_id": "01-1", "answer": "Ask each side"})[0] == 200
        later = boss.json(f"/api/training/room?since={view['version']}")
        assert later["version"] > view["version"]
        assert any(a["answer"] == "Ask each side" for w in later["workbooks"] for e in w["exercises"] for a in e["answers"])


def test_without_training_the_training_routes_are_absent(tmp_path):
    with running_room(tmp_path / "riverton") as served:
        ana = Session(served.base)
        assert ana.get(served.join_url)[0] == 200
        assert "/assets/participant.js" in ana.get("/")[1].decode()
        for url in ("/api/training", "/api/training/discount?rate=1", "/score"):
            assert ana.get(url)[0] == 404, url
        assert ana.post("/api/training/answer", {"exercise_id": "01-1", "answer": "x"})[0] == 404
        assert "Trainer mode" not in served.output
