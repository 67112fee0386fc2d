"""The workshop answers store: round trip, one row per key, atomic replace, crash safety."""

from __future__ import annotations

import csv
import os
import re
import stat
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmethods import CxmError, load_engagement, read_input
from cxmethods.io.answers import AnswerStore, answers_lock, atomic_write, store_for

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


def test_a_save_keeps_the_files_mode_and_a_new_file_gets_the_umasks(tmp_path):
    store = AnswerStore(tmp_path / "answers.csv", COLUMNS, KEY)
    old = os.umask(0o002)  # a team folder's usual umask
    try:
        store.upsert({"participant": "Ann", "dimension_id": "d1"}, {"current_level": 2})
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o664  # not mkstemp's 0o600
    os.chmod(store.path, 0o640)
    store.upsert({"participant": "Bob", "dimension_id": "d1"}, {"current_level": 3})
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o640
    assert store.load()["participant"].tolist() == ["Ann", "Bob"]


def test_a_save_waits_for_another_writer_then_gives_up_naming_the_file(tmp_path):
    store = AnswerStore(tmp_path / "answers.csv", COLUMNS, KEY, timeout=0.3)
    store.upsert({"participant": "Ann", "dimension_id": "d1"}, {"current_level": 2})
    before = store.path.read_bytes()
    holding, release = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:  # another process holds the lock until told to let go
        try:
            with answers_lock(store.path):
                os.write(holding[1], b"x")
                os.read(release[0], 1)
        finally:
            os._exit(0)
    assert os.read(holding[0], 1) == b"x"
    try:
        with pytest.raises(
            CxmError,
            match=rf"^{re.escape(str(store.path))}: the answers file is being saved by another writer, which has held "
            r"its lock \(\.answers\.csv\.lock\) for more than 0\.3 s, so this save was not made\. Fix: save again",
        ):
            store.upsert({"participant": "Ann", "dimension_id": "d1"}, {"current_level": 5})
        assert store.path.read_bytes() == before
    finally:
        os.write(release[1], b"x")
        os.waitpid(pid, 0)
    store.upsert({"participant": "Ann", "dimension_id": "d1"}, {"current_level": 5})  # free again
    assert store.load()["current_level"].tolist() == ["5"]


def test_a_lock_holder_killed_mid_save_leaves_nothing_that_blocks_the_next_save(tmp_path):
    store = AnswerStore(tmp_path / "answers.csv", COLUMNS, KEY, timeout=2)
    store.upsert({"participant": "Ann", "dimension_id": "d1"}, {"current_level": 2})
    # What a writer killed inside its save leaves: its lock file and its half-written temporary file.
    (tmp_path / ".answers.csv.lock").write_bytes(b"")
    (tmp_path / ".answers.csv.k1ll3d.tmp").write_bytes(b"participant,role,dimension_id,curr")
    store.upsert({"participant": "Bob", "dimension_id": "d1"}, {"current_level": 3})
    assert store.load()["participant"].tolist() == ["Ann", "Bob"]
    assert os.listdir(tmp_path) == ["answers.csv"]


def test_threads_of_one_process_saving_at_once_lose_nothing(tmp_path):
    store = AnswerStore(tmp_path / "answers.csv", COLUMNS, KEY)

    def save(who: str) -> None:
        for k in range(40):
            # each thread its own store, as each form is: the lock must not depend on sharing one object
            AnswerStore(store.path, COLUMNS, KEY).upsert({"participant": who, "dimension_id": f"d{k}"}, {"current_level": 1})

    threads = [threading.Thread(target=save, args=(who,)) for who in ("Ann", "Bob", "Cy", "Di")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    table = store.load()
    assert len(table) == 160 and not table.duplicated(list(KEY)).any()


# What a participant may type: formula starts (= + - @ tab CR), apostrophes, quotes, commas, line breaks, digits.
_TYPED = st.text(alphabet=st.sampled_from(list("'=+-@\t\r\n,\"a1. ")), max_size=8)
# A number written as text: spreadsheets read it as a number, so it is the one thing that may start with + or -.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _live_formulas(path) -> list[str]:
    """The cells of the CSV at ``path`` that a spreadsheet would run: a formula character first, not a number."""
    with open(path, newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    return [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not _NUMBER.fullmatch(c)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_TYPED, _TYPED, _TYPED), min_size=1, max_size=4))
def test_whatever_is_typed_comes_back_exactly_and_the_file_holds_no_live_formula(typed):
    with tempfile.TemporaryDirectory() as folder:
        store = AnswerStore(Path(folder) / "answers.csv", COLUMNS, KEY)
        expected: dict[tuple[str, str], dict[str, str]] = {}
        for k, (who, role, evidence) in enumerate(typed):
            store.upsert({"participant": who, "dimension_id": f"d{k % 2}"}, {"role": role, "evidence": evidence})
            expected.setdefault((who, f"d{k % 2}"), {}).update(role=role, evidence=evidence)
        table = store.load()
        got = {(r["participant"], r["dimension_id"]): {"role": r["role"], "evidence": r["evidence"]} for _, r in table.iterrows()}
        assert got == expected
        assert _live_formulas(store.path) == []


def test_formula_like_answers_are_prefixed_on_disk_numbers_are_not(tmp_path):
    store = AnswerStore(tmp_path / "answers.csv", COLUMNS, KEY)
    store.upsert({"participant": "@ann", "dimension_id": "d1"}, {"current_level": -5, "evidence": "=1+1"})
    store.upsert({"participant": "Bob", "dimension_id": "d1"}, {"target_level": "+2.5", "evidence": "-5 is too low"})
    store.upsert({"participant": "Cy", "dimension_id": "d1"}, {"evidence": "=cmd|' /C calc'!A0"})
    raw = store.path.read_text(encoding="utf-8")
    assert raw.splitlines()[1:] == [
        '"\'@ann",,d1,-5,,"\'=1+1"',
        'Bob,,d1,,+2.5,"\'-5 is too low"',
        "Cy,,d1,,,\"'=cmd|' /C calc'!A0\"",
    ]
    assert _live_formulas(store.path) == []
    back = store.load()
    assert back["participant"].tolist() == ["@ann", "Bob", "Cy"]
    assert back["evidence"].tolist() == ["=1+1", "-5 is too low", "=cmd|' /C calc'!A0"]
    assert back["current_level"].tolist() == ["-5", "", ""] and back["target_level"].tolist() == ["", "+2.5", ""]
    # the next save starts from what was typed, not from the prefixed text: no prefix is added twice
    store.upsert({"participant": "@ann", "dimension_id": "d1"}, {"role": "Adviser"})
    assert store.load()["evidence"].tolist() == ["=1+1", "-5 is too low", "=cmd|' /C calc'!A0"]


def test_the_engagement_reads_formula_like_answers_as_they_were_typed(tiny):
    eng = load_engagement(tiny.path)
    store = store_for(eng, "self_assessment")
    store.upsert(
        {"participant": "@cy", "dimension_id": "understand.segmentation"},
        {"role": "-Adviser", "current_level": 2, "target_level": 3, "evidence": "=1+1 and -5 is too low"},
    )
    assert "'=1+1 and -5 is too low" in store.path.read_text(encoding="utf-8")
    answers = read_input(eng, "self_assessment").set_index("participant")
    assert answers.loc["@cy", "role"] == "-Adviser" and answers.loc["@cy", "evidence"] == "=1+1 and -5 is too low"
    assert answers.loc["@cy", "current_level"] == 2


def test_saving_no_answers_writes_the_header_alone(tmp_path):
    store = AnswerStore(tmp_path / "answers.csv", COLUMNS, KEY)
    store.save(store.load())  # an empty table of pandas' string dtype: nothing to neutralise, nothing to fail on
    assert store.path.read_text(encoding="utf-8") == ",".join(COLUMNS) + "\n"
    assert store.load().empty


def test_what_the_room_types_is_redacted_by_rules_and_model_but_personas_keep_their_names(tiny):
    """Workshop text reaches the outputs word for word: a name no rule or list knows is found by the name model;
    segment names are personas by the method's custom, so they get the rules only."""
    tiny.set_yaml(tiny.yaml + "  segment_names:\n    path: segments.csv\n")
    tiny.set_file("segments.csv", "segment,name,pen_portrait\n1,Busy Brenda,Brenda works two jobs\n")
    eng = load_engagement(tiny.path)
    store_for(eng, "self_assessment").upsert(
        {"participant": "Cy", "dimension_id": "understand.segmentation"},
        {"role": "Adviser", "current_level": 2, "target_level": 3, "evidence": "Zanele Dlamini showed us the map"},
    )
    answers = read_input(eng, "self_assessment").set_index("participant")
    assert answers.loc["Cy", "evidence"] == "[NAME] showed us the map"
    assert read_input(eng, "segment_names")["name"].tolist() == ["Busy Brenda"]


def test_update_changes_many_rows_in_one_locked_save_or_none(tmp_path):
    store = AnswerStore(tmp_path / "answers.csv", COLUMNS, KEY)
    store.upsert({"participant": "Ann", "dimension_id": "d1"}, {"current_level": 2})
    seen = []

    def add_two(table: pd.DataFrame) -> pd.DataFrame:
        seen.append(len(table))
        assert (tmp_path / ".answers.csv.lock").exists()  # read and changed under the file's lock
        rows = pd.DataFrame([{"participant": p, "dimension_id": "d1"} for p in ("Bob", "Cy")], dtype="string")
        return pd.concat([table, rows], ignore_index=True).fillna("")

    after = store.update(add_two)
    assert seen == [1] and list(after["participant"]) == ["Ann", "Bob", "Cy"]
    assert list(store.load()["participant"]) == ["Ann", "Bob", "Cy"]
    before = (tmp_path / "answers.csv").read_bytes()
    assert list(store.update(lambda table: None)["participant"]) == ["Ann", "Bob", "Cy"]  # None: nothing saved
    assert (tmp_path / "answers.csv").read_bytes() == before
    assert not (tmp_path / ".answers.csv.lock").exists()


def test_save_queue_writes_saves_from_many_threads_together_and_loses_none(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from cxmethods.io.answers import SaveQueue

    store = AnswerStore(tmp_path / "answers.csv", ["participant", "dimension_id", "level"], ("participant", "dimension_id"))
    writes: list[int] = []
    many = store.upsert_many

    def counted(changes):
        if not writes:  # the first write waits until the other 19 threads have queued a save behind it
            deadline = time.monotonic() + 30
            while len(queue._pending) < 19 and time.monotonic() < deadline:
                time.sleep(0.01)
        writes.append(len(changes))
        return many(changes)

    store.upsert_many = counted  # type: ignore[method-assign]
    queue = SaveQueue(store)
    saves = [(f"p{p}", f"d{d}") for p in range(20) for d in range(10)]
    with ThreadPoolExecutor(20) as pool:
        tables = list(
            pool.map(lambda pd_: queue.upsert({"participant": pd_[0], "dimension_id": pd_[1]}, {"level": len(pd_[1])}), saves)
        )
    table = store.load()
    assert sorted(zip(table["participant"], table["dimension_id"])) == sorted(saves)
    assert all(((t["participant"] == p) & (t["dimension_id"] == d)).any() for t, (p, d) in zip(tables, saves))  # each saw its own
    assert sum(writes) == len(saves) and writes[1] == 19  # the 19 waiting saves went in one write
    with pytest.raises(CxmError, match="unknown column"):
        queue.upsert({"participant": "x", "dimension_id": "y"}, {"nope": 1})
