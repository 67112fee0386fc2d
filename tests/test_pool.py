"""Pooling the room (cxm pool): laptops' answers merged into one engagement, conflicts refused whole."""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxmethods.cli import app
from cxmethods.core.config import load_engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.paths import sample_dir
from cxmethods.io.answers import AnswerStore, store_for
from cxmethods.run.packs import make_pack
from cxmethods.run.pool import ANSWER_KINDS, pool_answers

SA = Path("riverton/workshop/self_assessment.csv")  # a pack's self-assessment answers
TYPED = 'Says "no", then yes;\n=1+1 is "fine", -5 is too low, @SUM(A1)'  # commas, quotes, a line break, formulas

LAPTOP_YAML = """\
name: laptop
organisation: Riverton Borough Council (fictional)
currency: GBP
period: {start: 2025-04-01, end: 2026-03-31}
workshop:
  self_assessment:
    path: answers/mine.csv
    columns: {participant: Who, role: Job, current_level: Now}
"""


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _add(store_path: Path, participant: str, dimension: str, current: int, target: int, evidence: str, *, role="Adviser"):
    store = AnswerStore(
        store_path,
        ["participant", "role", "dimension_id", "current_level", "target_level", "evidence"],
        ("participant", "dimension_id"),
    )
    store.upsert(
        {"participant": participant, "dimension_id": dimension},
        {"role": role, "current_level": current, "target_level": target, "evidence": evidence},
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pack") / "pack"
    make_pack("participant", folder)
    return folder


@pytest.fixture
def packs(pristine: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two participants' packs, as two laptops hold them."""
    return shutil.copytree(pristine, tmp_path / "laptop-a"), shutil.copytree(pristine, tmp_path / "laptop-b")


@pytest.fixture
def room(tmp_path: Path) -> Path:
    """A copy of the sample engagement receiving the answers (the bundled sample is never written)."""
    return shutil.copytree(sample_dir(), tmp_path / "room")


def test_two_packs_pool_into_the_room(packs, room):
    a, b = packs
    _add(a / SA, "Ann", "understand.definition", 2, 4, "A list of groups, unused")
    _add(a / SA, "Ann", "understand.segmentation", 1, 3, "")
    _add(b / SA, "Ben", "understand.definition", 3, 5, TYPED)
    before = (room / "workshop/self_assessment.csv").read_bytes()
    result = pool_answers([a, b], room / "engagement.yaml")
    assert result.ok
    done = {k.kind: k for k in result.kinds}
    assert set(done) == {"self_assessment", "consensus", "quick_test", "role_checklist", "backlog"}
    sa = done["self_assessment"]
    assert (sa.added, sa.already, sa.updated, sa.written) == (3, 240, 0, True)
    assert all(not k.changes and not k.written for k in result.kinds if k.kind != "self_assessment")
    after = (room / "workshop/self_assessment.csv").read_bytes()
    assert after.startswith(before)  # the room's rows as they were, the new ones after them
    assert b"'=1+1" not in after and b"\"'@SUM" not in after  # only a leading formula is prefixed ...
    table = store_for(load_engagement(room / "engagement.yaml"), "self_assessment").load()
    new = table.iloc[-3:].to_dict("records")
    assert [(r["participant"], r["dimension_id"], r["current_level"]) for r in new] == [
        ("Ann", "understand.definition", "2"),
        ("Ann", "understand.segmentation", "1"),
        ("Ben", "understand.definition", "3"),
    ]
    assert new[2]["evidence"] == TYPED  # ... and everything typed comes back exactly
    assert not (sample_dir() / "workshop" / "segment_names.csv").exists()
    # pooling again changes nothing: every row is already there
    again = {k.kind: k for k in pool_answers([a, b], room).kinds}["self_assessment"]
    assert (again.added, again.already, again.written) == (0, 243, False)
    assert (room / "workshop/self_assessment.csv").read_bytes() == after


def test_formula_text_round_trips(packs, room):
    a, _ = packs
    _add(a / SA, "Cy", "understand.definition", 2, 3, "=HYPERLINK(1)")
    pool_answers([a], room)
    raw = (room / "workshop/self_assessment.csv").read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(1)"' in raw  # a spreadsheet opening the file runs nothing
    table = store_for(load_engagement(room / "engagement.yaml"), "self_assessment").load()
    assert table.iloc[-1]["evidence"] == "=HYPERLINK(1)"


def test_conflict_between_sources_is_refused_with_a_report(packs, room):
    a, b = packs
    _add(a / SA, "Ann", "understand.definition", 2, 4, "ours")
    _add(a / SA, "Ann", "understand.segmentation", 1, 3, "no conflict here")
    _add(b / SA, "Ann", "understand.definition", 3, 4, "ours")
    quick = a / "riverton/workshop/quick_test.csv"  # another kind, agreeing: pooled on its own
    quick.write_text(quick.read_text().replace("q1,yes,yes,\n", "q1,yes,yes,Only on paper\n"))
    before = _digest(room)
    result = pool_answers([a, b], room)
    assert not result.ok
    done = {k.kind: k for k in result.kinds}
    sa = done["self_assessment"]
    assert not sa.written and len(sa.conflicts) == 1 and sa.added == 1  # the agreeing row is not written either
    conflict = sa.conflicts[0]
    assert conflict.key == {"participant": "Ann", "dimension_id": "understand.definition"}
    assert conflict.column == "current_level"
    assert [(p.parent.parent.parent.name, row, value) for p, row, value, _ in conflict.places] == [
        ("laptop-a", 242, "2"),
        ("laptop-b", 242, "3"),
    ]
    after = _digest(room)
    assert after["workshop/self_assessment.csv"] == before["workshop/self_assessment.csv"]
    assert done["quick_test"].written and done["quick_test"].updated == 1
    assert after["workshop/quick_test.csv"] != before["workshop/quick_test.csv"]
    text = "\n".join(result.report())
    assert "self_assessment: 1 added, 240 already there, 0 updated; REFUSED (1 conflict(s)); nothing written" in text
    assert "self_assessment: participant 'Ann', dimension_id 'understand.definition': current_level differs" in text
    assert f"'2'                      {a / SA}, row 242" in text
    assert f"'3'                      {b / SA}, row 242" in text
    assert "Fix: make the values agree" in text and "--prefer SOURCE" in text and "rename one in their file" in text


def test_conflict_with_the_room_and_prefer(packs, room):
    a, _ = packs
    consensus = a / "riverton/workshop/consensus.csv"
    consensus.write_text(consensus.read_text().replace("operations.behaviours,2,4,", "operations.behaviours,3,4,"))
    result = pool_answers([a], room)
    (conflict,) = {k.kind: k for k in result.kinds}["consensus"].conflicts
    assert conflict.column == "current_level"
    assert [(is_target, value) for _, _, value, is_target in conflict.places] == [(True, "2"), (False, "3")]
    assert "(target) " + str(room / "workshop/consensus.csv") + ", row 13" in "\n".join(result.report())
    kept = pool_answers([a], room, prefer=room / "engagement.yaml")  # the room's value stays: nothing to write
    assert kept.ok and not {k.kind: k for k in kept.kinds}["consensus"].written
    taken = {k.kind: k for k in pool_answers([a], room, prefer=a).kinds}["consensus"]
    assert taken.ok and taken.written and taken.updated == 1
    agreed = store_for(load_engagement(room / "engagement.yaml"), "consensus").load()
    assert agreed.loc[agreed["dimension_id"] == "operations.behaviours", "current_level"].tolist() == ["3"]
    with pytest.raises(CxmError, match=r"--prefer .* is not one of the sources"):
        pool_answers([a], room, prefer=room.parent)


def test_an_empty_cell_never_conflicts_the_filled_value_wins(room, tmp_path):
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    # q1's note is empty in the room and filled here; q2's note is filled in the room and empty here
    (laptop / "quick_test.csv").write_text('question_id,answer,note\nq1,,"Only on paper, for now"\nq2,no,\n', encoding="utf-8")
    result = pool_answers([laptop], room)
    (kind,) = result.kinds
    assert (kind.added, kind.already, kind.updated, kind.written) == (0, 1, 1, True)
    table = store_for(load_engagement(room / "engagement.yaml"), "quick_test").load().set_index("question_id")
    assert table.loc["q1", "answer"] == "yes" and table.loc["q1", "note"] == "Only on paper, for now"
    assert table.loc["q2", "note"].startswith("Segments appear in the 2023 customer strategy")


def test_a_file_the_room_has_not_made_yet_is_made_and_a_source_given_twice_counts_once(room, tmp_path):
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    names = laptop / "segment_names.csv"
    names.write_text('segment,name,pen_portrait\n1,Busy Brenda,"Works shifts; calls at 8am, ""always"" by phone"\n')
    assert not (room / "workshop/segment_names.csv").exists()
    (kind,) = pool_answers([laptop, names, laptop], room).kinds
    assert (kind.added, kind.written, kind.sources) == (1, True, [names])
    assert (room / "workshop/segment_names.csv").read_text() == (
        'segment,name,pen_portrait,objective\n1,Busy Brenda,"Works shifts; calls at 8am, ""always"" by phone",\n'
    )


def test_dry_run_writes_nothing(packs, room):
    a, b = packs
    _add(a / SA, "Ann", "understand.definition", 2, 4, "x")
    before = _digest(room)
    result = pool_answers([a, b], room, dry_run=True)
    sa = {k.kind: k for k in result.kinds}["self_assessment"]
    assert result.ok and sa.added == 1 and not sa.written
    assert "self_assessment: 1 added, 240 already there, 0 updated; dry run: not written" in result.report()[0]
    assert _digest(room) == before
    assert not list(room.rglob(".*.lock")) and not list(room.rglob("*.tmp"))


def test_columns_are_matched_by_each_engagements_mapping(room, tmp_path):
    # the room names its columns its own way ...
    yaml = room / "engagement.yaml"
    yaml.write_text(
        yaml.read_text().replace(
            "    path: workshop/self_assessment.csv\n",
            "    path: workshop/self_assessment.csv\n    columns: {participant: Name, dimension_id: Dimension}\n",
        )
    )
    answers = room / "workshop/self_assessment.csv"
    answers.write_text(answers.read_text().replace("participant,role,dimension_id,", "Name,role,Dimension,", 1))
    # ... a laptop another way (its engagement maps participant to Who, current_level to Now) ...
    laptop = tmp_path / "laptop"
    (laptop / "answers").mkdir(parents=True)
    (laptop / "engagement.yaml").write_text(LAPTOP_YAML)
    (laptop / "answers/mine.csv").write_text(
        "Who,Job,dimension_id,Now,target_level,evidence\n"
        "Helen,Director of Customer Services,understand.definition,1,3,\n"  # already in the room (evidence empty here)
        "Yan,Clerk,understand.definition,3,5,Seen it\n",
        encoding="utf-8",
    )
    # ... and a bare answers file uses our field names, in another order
    bare = tmp_path / "self_assessment.csv"
    bare.write_text("dimension_id,participant,current_level,target_level\nunderstand.definition,Zoe,2,2\n", encoding="utf-8")
    result = pool_answers([laptop, bare], yaml)
    (sa,) = result.kinds
    assert (sa.added, sa.already, sa.written) == (2, 1, True), result.report()
    header = answers.read_text().splitlines()[0]
    assert header == "Name,role,Dimension,current_level,target_level,evidence,model_version"  # as the room names them
    table = store_for(load_engagement(yaml), "self_assessment").load().set_index(["Name", "Dimension"])
    assert table.loc[("Yan", "understand.definition")].tolist() == ["Clerk", "3", "5", "Seen it", ""]
    assert table.loc[("Zoe", "understand.definition")].tolist() == ["", "2", "2", "", ""]


def test_pooling_while_the_room_saves_loses_nothing(packs, room):
    a, _ = packs
    for i in range(20):
        _add(a / SA, f"Laptop {i}", "understand.definition", 2, 3, f"pooled {i}")
    target = room / "workshop/self_assessment.csv"
    saving = threading.Thread(
        target=lambda: [_add(target, f"Room {i}", "understand.definition", 1, 2, f"saved {i}") for i in range(40)]
    )
    saving.start()
    result = pool_answers([a], room)
    saving.join()
    assert result.ok
    names = set(AnswerStore(target, ["participant"], ("participant",)).load()["participant"])
    assert {f"Laptop {i}" for i in range(20)} | {f"Room {i}" for i in range(40)} <= names


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (None, r"no such file or folder"),
        ({"notes.csv": "a,b\n1,2\n"}, r"notes\.csv: not an answers file pooling knows by its name"),
        (
            {"consensus.csv": "dimension,current_level\nx,2\n"},
            r"consensus\.csv: the consensus answers file has no column dimension_id",
        ),
        ({"x.txt": "hello"}, r"holds no engagement\.yaml .* and no answers file"),
    ],
)
def test_unusable_sources_are_refused_clearly(room, tmp_path, write, message):
    source = tmp_path / "source"
    if write is not None:
        source.mkdir()
        for name, text in write.items():
            (source / name).write_text(text, encoding="utf-8")
        if len(write) == 1 and name.endswith(".csv"):
            source = source / name
    before = _digest(room)
    with pytest.raises(CxmError, match=message):
        pool_answers([source], room)
    assert _digest(room) == before


def test_a_row_without_its_key_is_refused(room, tmp_path):
    bare = tmp_path / "self_assessment.csv"
    bare.write_text(
        "participant,dimension_id,current_level,target_level\nZoe,understand.definition,2,2\n,understand.definition,3,3\n"
    )
    (sa,) = pool_answers([bare], room).kinds
    assert not sa.ok and not sa.written
    assert sa.problems == [
        f"{bare}, row 3: no participant, so the row cannot be matched. Fix: fill in its participant (or delete the row), "
        "then pool again."
    ]


def test_every_workshop_kind_is_pooled():
    assert set(ANSWER_KINDS) == {
        "self_assessment",
        "consensus",
        "quick_test",
        "role_checklist",
        "segment_names",
        "assumptions",
        "backlog",
    }


def test_cli_exit_codes(packs, room):
    a, b = packs
    runner = CliRunner()
    _add(a / SA, "Ann", "understand.definition", 2, 4, "x")
    dry = runner.invoke(app, ["pool", str(a), str(b), "--into", str(room / "engagement.yaml"), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "self_assessment: 1 added, 240 already there, 0 updated; dry run: not written" in dry.output
    ok = runner.invoke(app, ["pool", str(a), str(b), "--into", str(room)])
    assert ok.exit_code == 0 and "; written (" in ok.output
    _add(b / SA, "Ann", "understand.definition", 5, 5, "x")
    before = _digest(room)
    refused = runner.invoke(app, ["pool", str(a), str(b), "--into", str(room)])
    assert refused.exit_code == 1
    assert "REFUSED (2 conflict(s))" in refused.output and str(b / SA) in refused.output
    assert _digest(room) == before
    missing = runner.invoke(app, ["pool", str(room.parent / "nowhere"), "--into", str(room)])
    assert missing.exit_code == 1 and "no such file or folder" in missing.output
    usage = runner.invoke(app, ["pool", str(a)])  # --into is required
    assert usage.exit_code == 2
