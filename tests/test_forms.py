"""Workshop forms, driven from Python as a facilitator would drive them: every change is on disk at once."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cxmethods import CxmError, load_engagement
from cxmethods.methodology.maturity import load_model, load_quick_test, load_role_checklist
from cxmethods.workshop.forms import consensus_form, quick_test_form, role_checklist_form, self_assessment_form

MODEL = """\
name: Tiny model
levels: [Initial, Emerging, Defined, Managed, Leading]
components:
  - id: understand
    name: Understand the customer
    dimensions:
      - id: understand.definition
        name: Who the customers are
        question: Do we know who our customers are?
        levels: [No shared list, A list exists, The list is used, Reviewed yearly, Drives every decision]
      - id: understand.segmentation
        name: Segmentation in use
        levels: [None, Ad hoc, Agreed, Measured, Embedded]
  - id: operations
    name: Build operations around the customer
    dimensions:
      - id: operations.measures
        name: Performance measures
        question: Do our measures reflect what customers value?
        levels: [Output counts, Some service levels, Customer measures, Used in reviews, Used to steer]
"""

QUICK_TEST = """\
questions:
  - {id: q1, component: understand, text: "Can staff name the main customer groups?"}
  - {id: q2, component: operations, text: "Is any measure set from the customer's point of view?"}
"""

CHECKLIST = """\
roles:
  - id: decision_maker
    name: Decision maker
    statements:
      - {id: decision_maker.1, component: operations, text: You review customer measures monthly.}
      - {id: decision_maker.2, component: outcomes, text: You fund redesign by segment.}
"""

WORKSHOP = """\
  consensus:
    path: workshop/consensus.csv
  quick_test:
    path: workshop/quick_test.csv
  role_checklist:
    path: workshop/role_checklist.csv
"""


@pytest.fixture
def eng(tiny):
    tiny.yaml += WORKSHOP
    return load_engagement(tiny.write())


@pytest.fixture
def model(tmp_path: Path):
    (tmp_path / "model.yaml").write_text(MODEL, encoding="utf-8")
    return load_model(tmp_path / "model.yaml")


@pytest.fixture
def questions(tmp_path: Path):
    (tmp_path / "quick_test.yaml").write_text(QUICK_TEST, encoding="utf-8")
    return load_quick_test(tmp_path / "quick_test.yaml")


@pytest.fixture
def statements(tmp_path: Path):
    (tmp_path / "role_checklist.yaml").write_text(CHECKLIST, encoding="utf-8")
    return load_role_checklist(tmp_path / "role_checklist.yaml")


def rows(path: Path) -> list[dict[str, str]]:
    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def row(path: Path, **match: str) -> dict[str, str]:
    found = [r for r in rows(path) if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


# -- self-assessment --------------------------------------------------------------------------------


def test_form_shows_the_answers_already_in_the_file(eng, model):
    c = self_assessment_form(eng, "Ann", model=model).controls
    assert c["dimension"].value == "understand.definition"
    assert (c["current"].value, c["target"].value, c["evidence"].value) == ("2", "4", "We have a list of customer groups")
    assert "1 of 3 dimensions answered" in plain(c["progress"].value)


def test_each_change_is_written_at_once(eng, model, tiny):
    answers = tiny.folder / "answers.csv"
    c = self_assessment_form(eng, "Ann", role="Director", model=model).controls
    c["current"].value = "3"
    assert row(answers, participant="Ann", dimension_id="understand.definition")["current_level"] == "3"
    c["target"].value = "5"
    assert row(answers, participant="Ann", dimension_id="understand.definition")["target_level"] == "5"
    for typed in ("M", "Mo", "Monthly"):  # a browser sends each keystroke
        c["evidence"].value = typed
        assert row(answers, participant="Ann", dimension_id="understand.definition")["evidence"] == typed
    c["current"].value = ""  # back to "not yet"
    assert row(answers, participant="Ann", dimension_id="understand.definition")["current_level"] == ""
    bob = row(answers, participant="Bob")
    assert (bob["current_level"], bob["target_level"], bob["evidence"]) == ("1", "3", "Not used in practice")
    assert "Saved" in c["status"].value and "answers.csv" in c["status"].value


def test_the_radar_of_the_shown_component_is_redrawn_with_each_change(eng, tmp_path):
    third = (
        "      - id: understand.insight\n        name: Insight from complaints\n"
        "        levels: [Ignored, Counted, Read, Acted on, Designed in]\n"
    )
    (tmp_path / "model3.yaml").write_text(MODEL.replace("  - id: operations\n", third + "  - id: operations\n"), encoding="utf-8")
    c = self_assessment_form(eng, "Ann", model=load_model(tmp_path / "model3.yaml")).controls
    before = bytes(c["chart"].value)
    assert before.startswith(b"\x89PNG")
    c["current"].value = "5"
    after = bytes(c["chart"].value)
    assert after.startswith(b"\x89PNG") and after != before
    c["dimension"].value = "operations.measures"  # a component of one dimension: no radar, nothing stale shown
    assert bytes(c["chart"].value) == b""


def test_navigation_keeps_answers_and_writes_nothing_by_itself(eng, model, tiny):
    answers = tiny.folder / "answers.csv"
    form = self_assessment_form(eng, "Cem", role="Adviser", model=model)
    c = form.controls
    c["next"].click()
    before = answers.read_bytes()
    c["previous"].click()
    c["next"].click()
    assert answers.read_bytes() == before  # looking is not answering
    assert c["dimension"].value == "understand.segmentation"
    assert c["dimension"].label == "2 of 3 · Segmentation in use"
    c["current"].value, c["evidence"].value = "2", "Ad hoc lists in two teams"
    c["next"].click()
    assert c["dimension"].value == "operations.measures" and c["next"].disabled
    assert (c["current"].value, c["evidence"].value) == ("", "")
    assert "Build operations around the customer" in c["heading"].value
    c["previous"].click()
    assert (c["current"].value, c["evidence"].value) == ("2", "Ad hoc lists in two teams")
    assert [r["dimension_id"] for r in rows(answers) if r["participant"] == "Cem"] == ["understand.segmentation"]
    assert row(answers, participant="Cem", dimension_id="understand.segmentation")["role"] == "Adviser"
    c["dimension"].value = "understand.definition"
    assert c["previous"].disabled and c["current"].value == ""


def test_reopening_the_form_shows_what_was_saved(eng, model):
    c = self_assessment_form(eng, "Dee", model=model).controls
    c["dimension"].value = "operations.measures"
    c["current"].value, c["target"].value, c["evidence"].value = "1", "4", "Only call volumes"
    again = self_assessment_form(load_engagement(eng.path), "Dee", model=model).controls
    again["dimension"].value = "operations.measures"
    assert (again["current"].value, again["target"].value, again["evidence"].value) == ("1", "4", "Only call volumes")
    other = self_assessment_form(eng, "Eve", model=model).controls
    other["dimension"].value = "operations.measures"
    assert other["current"].value == ""  # another participant's rows are not theirs


def test_level_list_names_levels_and_highlights_the_choices(eng, model):
    c = self_assessment_form(eng, "Ann", model=model).controls
    text = c["levels"].value
    assert "2 · Emerging</b>" in text and "A list exists" in text and "5 · Leading</b>" in text
    items = text.split("<li")[1:]
    assert ">current<" in items[1] and ">target<" in items[3]
    assert ">current<" not in items[0] and ">target<" not in items[2]
    c["current"].value = "3"
    items = c["levels"].value.split("<li")[1:]
    assert ">current<" in items[2] and ">current<" not in items[1]


def test_target_below_current_is_saved_with_a_warning(eng, model, tiny):
    c = self_assessment_form(eng, "Ann", model=model).controls
    c["current"].value = "5"
    assert row(tiny.folder / "answers.csv", participant="Ann", dimension_id="understand.definition")["current_level"] == "5"
    assert "below the current level" in c["status"].value
    c["target"].value = "5"
    assert "below" not in c["status"].value


def test_a_failed_save_is_shown_and_nothing_typed_is_lost(eng, model, tiny, monkeypatch):
    answers = tiny.folder / "answers.csv"
    before = answers.read_bytes()
    c = self_assessment_form(eng, "Ann", model=model).controls

    def full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cxmethods.io.answers.atomic_write", full)
    c["current"].value = "4"  # must not raise
    c["evidence"].value = "Written while the disk was full"
    assert "No space left on device" in c["status"].value and "#b00020" in c["status"].value
    assert (c["current"].value, c["evidence"].value) == ("4", "Written while the disk was full")
    assert answers.read_bytes() == before
    monkeypatch.undo()
    c["target"].value = "5"
    saved = row(answers, participant="Ann", dimension_id="understand.definition")
    assert (saved["current_level"], saved["target_level"], saved["evidence"]) == ("4", "5", "Written while the disk was full")
    assert "Saved" in c["status"].value and "#b00020" not in c["status"].value


def test_an_answer_that_failed_on_another_dimension_is_saved_with_the_next_change(eng, model, tiny, monkeypatch):
    c = self_assessment_form(eng, "Fay", model=model).controls
    monkeypatch.setattr(
        "cxmethods.io.answers.AnswerStore.upsert", lambda self, key, values: (_ for _ in ()).throw(PermissionError("read-only"))
    )
    c["current"].value = "2"
    assert "read-only" in c["status"].value
    monkeypatch.undo()
    c["next"].click()
    c["current"].value = "3"
    saved = {r["dimension_id"]: r["current_level"] for r in rows(tiny.folder / "answers.csv") if r["participant"] == "Fay"}
    assert saved == {"understand.definition": "2", "understand.segmentation": "3"}


def test_empty_participant_is_refused(eng, model):
    with pytest.raises(
        CxmError, match=r"'participant' parameter of self_assessment_form must be a non-empty name. Got ' ' instead"
    ):
        self_assessment_form(eng, " ", model=model)


def test_an_unreadable_answers_file_is_reported_not_overwritten(eng, model, tiny):
    tiny.set_file("answers.csv", b'participant,dimension_id\n"Ann,unterminated\n')
    with pytest.raises(
        CxmError,
        match=r"answers\.csv: the answers file cannot be used \(a double quote opened on row 2 is "
        r"never closed.*\), so the form leaves it as it is",
    ):
        self_assessment_form(eng, "Ann", model=model)


# -- consensus ------------------------------------------------------------------------------------


def test_consensus_form_writes_levels_and_rationale(eng, model, tiny):
    consensus = tiny.folder / "workshop" / "consensus.csv"
    c = consensus_form(eng, model=model).controls
    assert "evidence" not in c and not consensus.exists()
    c["dimension"].value = "understand.segmentation"
    c["current"].value, c["target"].value = "2", "4"
    assert "Add the rationale" in c["status"].value
    assert "0 of 3" in plain(c["progress"].value)
    c["rationale"].value = "Two teams segment; nobody else does"
    assert rows(consensus) == [
        {
            "dimension_id": "understand.segmentation",
            "current_level": "2",
            "target_level": "4",
            "rationale": "Two teams segment; nobody else does",
            "strengths": "",
            "areas_for_improvement": "",
            "model_version": "",  # the test model has no version; the bundled one writes its own
        }
    ]
    assert "Add the rationale" not in c["status"].value
    c["strengths"].value = "Housing and waste use segments"
    c["areas_for_improvement"].value = "Refresh the segments every two years"
    assert row(consensus, dimension_id="understand.segmentation")["areas_for_improvement"] == (
        "Refresh the segments every two years"
    )
    assert "1 of 3" in plain(c["progress"].value)
    again = consensus_form(load_engagement(eng.path), model=model).controls
    again["dimension"].value = "understand.segmentation"
    assert again["rationale"].value == "Two teams segment; nobody else does" and again["target"].value == "4"
    assert again["strengths"].value == "Housing and waste use segments"


def test_forms_write_the_column_names_the_engagement_maps(tiny, model):
    tiny.yaml += "  consensus:\n    path: agreed.csv\n    columns: {rationale: Why, dimension_id: Dimension}\n"
    c = consensus_form(load_engagement(tiny.write()), model=model).controls
    c["current"].value, c["rationale"].value = "3", "Agreed after debate"
    assert rows(tiny.folder / "agreed.csv") == [
        {
            "Dimension": "understand.definition",
            "current_level": "3",
            "target_level": "",
            "Why": "Agreed after debate",
            "strengths": "",
            "areas_for_improvement": "",
            "model_version": "",
        }
    ]


# -- quick test and role checklist ----------------------------------------------------------------


def test_quick_test_form_writes_each_answer_and_note(eng, questions, tiny):
    path = tiny.folder / "workshop" / "quick_test.csv"
    c = quick_test_form(eng, questions=questions).controls
    assert set(c["answer"]) == {"q1", "q2"} and c["answer"]["q1"].value == ""
    c["answer"]["q2"].value = "no"
    assert rows(path) == [{"question_id": "q2", "answer": "no", "team_answer": "", "note": ""}]
    c["note"]["q2"].value = "Only call volumes"
    c["answer"]["q1"].value = "yes"
    assert "0 of 2" in plain(c["progress"].value)  # answered for the organisation, not yet for the team
    c["team_answer"]["q2"].value = "yes"
    c["team_answer"]["q1"].value = "no"
    assert rows(path) == [
        {"question_id": "q2", "answer": "no", "team_answer": "yes", "note": "Only call volumes"},
        {"question_id": "q1", "answer": "yes", "team_answer": "no", "note": ""},
    ]
    assert "2 of 2" in plain(c["progress"].value)
    again = quick_test_form(load_engagement(eng.path), questions=questions).controls
    assert (again["answer"]["q2"].value, again["note"]["q2"].value, again["team_answer"]["q1"].value) == (
        "no",
        "Only call volumes",
        "no",
    )


def test_role_checklist_form_offers_partly_and_keeps_values_when_saving_fails(eng, statements, tiny, monkeypatch):
    path = tiny.folder / "workshop" / "role_checklist.csv"
    form = role_checklist_form(eng, statements=statements)
    c = form.controls
    assert [o[1] for o in c["answer"]["decision_maker.1"].options] == ["", "yes", "partly", "no"]
    assert any("Decision maker" in getattr(w, "value", "") for w in form.children)
    c["answer"]["decision_maker.1"].value = "partly"
    assert row(path, statement_id="decision_maker.1")["answer"] == "partly"
    monkeypatch.setattr(
        "cxmethods.io.answers.atomic_write", lambda p, d: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
    )
    c["note"]["decision_maker.2"].value = "Not yet"
    assert "Permission denied" in c["status"].value and c["note"]["decision_maker.2"].value == "Not yet"
    assert [r["statement_id"] for r in rows(path)] == ["decision_maker.1"]


def test_a_form_without_an_answers_file_says_how_to_add_one_instead_of_failing(tiny, questions):
    form = quick_test_form(load_engagement(tiny.path), questions=questions)  # a headless run must go on
    assert "add <code>quick_test: {path: workshop/quick_test.csv}</code> under <code>workshop:</code>" in form.value
    assert not (tiny.folder / "workshop").exists()


def test_dimension_forms_share_one_layout(eng, model):
    a, b = self_assessment_form(eng, "Ann", model=model), consensus_form(eng, model=model)
    assert [type(w).__name__ for w in a.children] == [type(w).__name__ for w in b.children]
    assert a.controls["current"].tooltips[2] == "2 · Emerging"


def test_segment_names_form_saves_every_keystroke_and_reopens_with_it(tiny):
    import pandas as pd

    from cxmethods.workshop.forms import segment_names_form

    tiny.set_yaml(tiny.yaml + "  segment_names:\n    path: segment_names.csv\n")
    eng = load_engagement(tiny.path)
    suggestions = pd.DataFrame(
        {
            "segment": [1, 2],
            "size": [800, 200],
            "share": [0.8, 0.2],
            "suggested_name": ["Mostly 16-24, prefer web_form", "Mostly 75+, prefer phone"],
            "pen_portrait": ["Young and online.", "Older, phones us."],
        }
    )
    form = segment_names_form(eng, suggestions)
    assert form.controls["name"]["1"].value == "" and "Mostly 16-24" not in form.controls["name"]["1"].placeholder
    form.controls["name"]["2"].value = "Phone-first older residents"
    form.controls["objective"]["2"].value = "Every call resolved first time"
    saved = pd.read_csv(tiny.folder / "segment_names.csv", dtype=str, keep_default_na=False)
    assert saved.to_dict("records") == [
        {"segment": "2", "name": "Phone-first older residents", "pen_portrait": "", "objective": "Every call resolved first time"}
    ]
    again = segment_names_form(eng, suggestions)
    assert again.controls["name"]["2"].value == "Phone-first older residents" and again.controls["name"]["1"].value == ""
    assert "1 of 2" in again.controls["progress"].value


def test_segment_suggestions_look_unconfirmed_until_accepted(tiny):
    """A suggestion is shown apart, greyed, and the name box stays empty (so "0 of 2 named" is what the room sees);
    Accept puts it in the boxes and saves it; named_segments gives the same as plain data."""
    import pandas as pd

    from cxmethods.io.answers import load_answers
    from cxmethods.methods.profiles import named_segments
    from cxmethods.workshop.forms import segment_names_form

    tiny.set_yaml(tiny.yaml + "  segment_names:\n    path: segment_names.csv\n")
    eng = load_engagement(tiny.path)
    suggestions = pd.DataFrame(
        {
            "segment": [1, 2],
            "size": [800, 200],
            "share": [0.8, 0.2],
            "suggested_name": ["Mostly 16-24, prefer web_form", "Mostly 75+, prefer phone"],
            "pen_portrait": ["Young and online.", "Older, phones us."],
        }
    )
    form = segment_names_form(eng, suggestions)
    assert [w.value for w in form.controls["name"].values()] == ["", ""] and "0 of 2" in form.controls["progress"].value
    shown = plain(form.controls["suggested"]["1"].value)
    assert "Suggested, not yet accepted: Mostly 16-24, prefer web_form. Young and online." in shown
    assert "font-style:italic" in form.controls["suggested"]["1"].value
    assert not (tiny.folder / "segment_names.csv").exists()  # showing a suggestion writes nothing
    assert not named_segments(suggestions, load_answers(eng, "segment_names"))["confirmed"].any()
    form.controls["accept"]["1"].click()
    assert form.controls["name"]["1"].value == "Mostly 16-24, prefer web_form"
    assert form.controls["pen_portrait"]["1"].value == "Young and online."
    assert form.controls["accept"]["1"].disabled and not form.controls["accept"]["2"].disabled
    assert "1 of 2" in form.controls["progress"].value
    assert row(tiny.folder / "segment_names.csv", segment="1") == {
        "segment": "1",
        "name": "Mostly 16-24, prefer web_form",
        "pen_portrait": "Young and online.",
        "objective": "",
    }
    form.controls["pen_portrait"]["2"].value = "Our own words."
    form.controls["accept"]["2"].click()  # a portrait the room wrote is kept
    assert form.controls["pen_portrait"]["2"].value == "Our own words."
    named = named_segments(suggestions, load_answers(eng, "segment_names"))
    assert named[["segment", "name", "pen_portrait", "confirmed"]].to_dict("records") == [
        {"segment": "1", "name": "Mostly 16-24, prefer web_form", "pen_portrait": "Young and online.", "confirmed": True},
        {"segment": "2", "name": "Mostly 75+, prefer phone", "pen_portrait": "Our own words.", "confirmed": True},
    ]
    again = segment_names_form(eng, suggestions)
    assert "2 of 2" in again.controls["progress"].value and again.controls["accept"]["2"].disabled
