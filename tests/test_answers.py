"""The workshop answers store: round trip, one row per key, atomic replace, crash safety."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from cxmethods import load_engagement, read_input
from cxmethods.io.answers import AnswerStore, atomic_write, store_for

COLUMNS = ["participant", "role", "dimension_id", "current_level", "target_level", "evidence"]
KEY = ("participant", "dimension_id")


def test_round_trip_and_upsert(tmp_path):
    store = AnswerStore(tmp_path / "w" / "answers.csv", COLUMNS, KEY)
    assert store.load().empty and list(store.load().columns) == COLUMNS
    store.upsert({"participant": "Ann", "dimension_id": "understand.definition"}, {"current_level": 2})
    store.upsert(
        {"participant": "Ann", "dimension_id": "understand.definition"},
        {"target_level": 4, "evidence": 'a list of groups, "agreed", in 2024\nsecond line'},
    )
    store.upsert({"participant": "Bob", "dimension_id": "understand.definition"}, {"current_level": 1.0})
    table = store.load()
    assert table.to_dict("records") == [
        {
            "participant": "Ann",
            "role": "",
            "dimension_id": "understand.definition",
            "current_level": "2",
            "target_level": "4",
            "evidence": 'a list of groups, "agreed", in 2024\nsecond line',
        },
        {
            "participant": "Bob",
            "role": "",
            "dimension_id": "understand.definition",
            "current_level": "1",
            "target_level": "",
            "evidence": "",
        },
    ]
    assert os.listdir(tmp_path / "w") == ["answers.csv"]  # no temporary files left behind


def test_unknown_fields_are_refused(tmp_path):
    from cxmethods import CxmError

    store = AnswerStore(tmp_path / "a.csv", COLUMNS, KEY)
    with pytest.raises(
        CxmError,
        match=r"The 'values' parameter of AnswerStore\.upsert must be a mapping of a\.csv's columns \(participant, role, "
        r"dimension_id, current_level, target_level, evidence\) to values\. Got unknown column\(s\) 'colour' instead\.",
    ):
        store.upsert({"participant": "Ann", "dimension_id": "x"}, {"colour": "red"})
    with pytest.raises(
        CxmError,
        match=r"The 'key' parameter of AnswerStore\.upsert must be a mapping of the key columns \(participant, dimension_id\) "
        r"to values\. Got \{'participant': 'Ann'\} instead\.",
    ):
        store.upsert({"participant": "Ann"}, {"current_level": 2})
    with pytest.raises(
        CxmError,
        match=r"The 'key' parameter of AnswerStore must be names from 'columns' \(participant, role, dimension_id, "
        r"current_level, target_level, evidence\)\. Got \('colour',\) instead\.",
    ):
        AnswerStore(tmp_path / "a.csv", COLUMNS, ("colour",))


def test_a_crash_between_write_and_rename_leaves_the_previous_file(tmp_path, monkeypatch):
    store = AnswerStore(tmp_path / "answers.csv", COLUMNS, KEY)
    store.upsert({"participant": "Ann", "dimension_id": "d1"}, {"current_level": 2})
    before = (tmp_path / "answers.csv").read_bytes()

    def crash(*_):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        store.upsert({"participant": "Ann", "dimension_id": "d1"}, {"current_level": 5})
    assert (tmp_path / "answers.csv").read_bytes() == before
    assert os.listdir(tmp_path) == ["answers.csv"]


def test_a_crash_while_writing_leaves_the_previous_file(tmp_path, monkeypatch):
    atomic_write(tmp_path / "f.csv", b"old,complete\n")

    def crash(_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(tmp_path / "f.csv", b"new,complete\n")
    assert (tmp_path / "f.csv").read_bytes() == b"old,complete\n"
    assert os.listdir(tmp_path) == ["f.csv"]


def test_store_for_writes_what_the_engagement_reads(tiny):
    tiny.set_yaml(tiny.yaml.replace("    path: answers.csv", "    path: answers.csv\n    columns: {participant: Name}"))
    tiny.set_file("answers.csv", tiny.files["answers.csv"].replace("participant,", "Name,"))
    eng = load_engagement(tiny.path)
    store = store_for(eng, "self_assessment")
    assert store.columns[0] == "Name" and store.key == ("Name", "dimension_id")
    store.upsert(
        {"Name": "Cy", "dimension_id": "understand.segmentation"},
        {"role": "Adviser", "current_level": 2, "target_level": 3, "evidence": "seen it"},
    )
    answers = read_input(eng, "self_assessment")
    assert answers["participant"].tolist() == ["Ann", "Bob", "Cy"]
    assert answers.set_index("participant").loc["Cy", "target_level"] == 3
    assert isinstance(answers, pd.DataFrame)


def test_an_empty_answers_file_is_no_answers_yet_for_validate_analysis_and_forms(tmp_path):
    from cxmethods import load_engagement, validate_engagement
    from cxmethods.io.answers import load_answers, store_for
    from cxmethods.sample import write_sample

    write_sample(tmp_path)
    (tmp_path / "workshop" / "consensus.csv").write_bytes(b"")  # e.g. a spreadsheet program saved it with nothing in it
    eng = load_engagement(tmp_path / "engagement.yaml")
    report = validate_engagement(eng)
    assert not report.errors
    assert any("consensus.csv" in p.where and "no answers yet (the file is empty)" in p.message for p in report.warnings)
    assert load_answers(eng, "consensus").empty and store_for(eng, "consensus").load().empty
