"""The workshop room's other moments (``cxm room``): segment names, the backlog vote, an assumption of the business
case changed with what moved and the road map from it; and the moment the facilitator picks, which participants'
pages follow. They start from the sample's run (the session's ``sample_run``), read only; answers go to a copy."""

from __future__ import annotations

import pandas as pd
import pytest
from room_server import Session, running_room  # tests/ is on the path (rootdir conftest, no package)

from cxmethods import load_engagement
from cxmethods.run.room import Room
from cxmethods.run.room.moments import MOMENTS, RoomError
from cxmethods.sample import write_sample
from cxmethods.workbooks import roadmap


@pytest.fixture
def room(tmp_path, sample_run) -> Room:
    write_sample(tmp_path / "riverton")
    return Room(load_engagement(tmp_path / "riverton" / "engagement.yaml"), sample_run.out)


def _csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_the_facilitators_moment_is_kept_and_an_unknown_one_refused(room):
    moments = room.moments
    assert moments.current() == "scoring"
    assert moments.choose("backlog") == "backlog"
    assert Room(room.engagement, moments.run_dir).moments.current() == "backlog"  # a restarted room opens there
    with pytest.raises(RoomError, match="no moment 'dance'") as refused:
        moments.choose("dance")
    assert "\n" not in str(refused.value) and moments.current() == "backlog"
    assert list(MOMENTS) == ["scoring", "segments", "backlog", "business_case"]


def test_without_a_run_each_moment_says_what_to_run_first(tmp_path):
    write_sample(tmp_path / "riverton")
    room = Room(load_engagement(tmp_path / "riverton" / "engagement.yaml"), tmp_path / "no-run")
    for view in (room.moments.segments_view(), room.moments.backlog_view(), room.moments.case_view()):
        assert "cxm run" in view["missing"] and str(tmp_path / "no-run") in view["missing"], view
    assert "missing" in room.moments.participant_backlog("Ana")
    with pytest.raises(RoomError, match="cxm run"):
        room.moments.save_segment_name("1", "Anyone")
    with pytest.raises(RoomError, match="not open yet"):
        room.moments.save_vote("Ana", "Librarian", "I01", "value", "3")


def test_segment_suggestions_stay_unconfirmed_until_the_room_names_them(room):
    moments = room.moments
    segments = moments.segments_view()["segments"]
    assert len(segments) >= 2 and not any(s["confirmed"] for s in segments)
    assert all(s["suggested_name"] and s["name"] == "" for s in segments)
    first, second = segments[0], segments[1]
    moments.save_segment_name(first["segment"], first["suggested_name"], first["suggested_portrait"])  # accepted
    moments.save_segment_name(second["segment"], "  Phone   first ")  # typed
    after = {s["segment"]: s for s in moments.segments_view()["segments"]}
    assert after[first["segment"]]["confirmed"] and after[first["segment"]]["name"] == first["suggested_name"]
    assert after[second["segment"]]["name"] == "Phone first"
    assert sum(s["confirmed"] for s in after.values()) == 2
    saved = _csv(room.engagement.resolve(room.engagement.workshop.segment_names.path))
    assert dict(zip(saved["segment"], saved["name"])) == {
        first["segment"]: first["suggested_name"],
        second["segment"]: "Phone first",
    }
    for segment, name, message in (
        ("99", "x", "no segment '99'"),
        (first["segment"], "  ", "Type a name"),
        (first["segment"], "x" * 81, "80 characters"),
    ):
        with pytest.raises(RoomError, match=message):
            moments.save_segment_name(segment, name)


def test_each_participant_votes_their_own_and_the_accepted_median_reaches_the_road_map(room):
    moments = room.moments
    items = moments.participant_backlog("Ana")["items"]
    item = items[0]["id"]
    for who, value, effort, confidence in (("Ana", "2", "6", "0.8"), ("Ben", "4", "10", "0.5"), ("Cy", "5", "", "1")):
        moments.save_vote(who, "Librarian", item, "value", value)
        moments.save_vote(who, "Librarian", item, "effort", effort)
        assert moments.save_vote(who, "Librarian", item, "confidence", confidence)["voted"] == (1 if effort else 0)
    assert moments.participant_backlog("Ben")["votes"] == {item: {"value": "4", "effort": "10", "confidence": "0.5"}}
    assert moments.participant_backlog("Dee")["votes"] == {}  # nobody sees another's votes
    voted = next(i for i in moments.backlog_view()["items"] if i["id"] == item)
    # a choice: the lower middle vote (always one of the choices); a number: the median
    assert voted["votes"] == 3 and voted["median"] == {"value": "4", "effort": "8", "confidence": "0.8"}
    assert voted["accepted"] == {"value": "", "effort": "", "confidence": ""}

    before = moments.votes.path.read_bytes()
    for score, value, message in (
        ("value", "7", "value must be a whole score from 1 to 5; got 7."),
        ("value", "2.5", "whole score from 1 to 5"),
        ("effort", "0", "more than 0 and at most 120; got 0."),
        ("effort", "121", "at most 120"),
        ("effort", "eight", "must be a number"),
        ("confidence", "2", "a share above 0 and at most 1"),
        ("confidence", "0.37", "confidence is one of 1, 0.8, 0.5, 0.3; got 0.37"),  # the room offers buttons, not any share
        ("reach", "10", "scored on value, effort, confidence"),
    ):
        with pytest.raises(RoomError, match=message) as refused:
            moments.save_vote("Ana", "Librarian", item, score, value)
        assert "\n" not in str(refused.value)
    with pytest.raises(RoomError, match="no item 'nope'"):
        moments.save_vote("Ana", "Librarian", "nope", "value", "3")
    assert moments.votes.path.read_bytes() == before  # nothing written

    assert moments.accept_votes(item)["accepted"] == {"value": "4", "effort": "8", "confidence": "0.8"}
    backlog = _csv(room.engagement.resolve(room.engagement.workshop.backlog.path)).set_index("id")
    assert backlog.loc[item, ["value", "effort", "confidence"]].tolist() == ["4", "8", "0.8"]
    assert backlog.loc[item, "note"] == "room vote (value, effort, confidence): median of 3 votes"
    ranked = roadmap.run(room.engagement, moments.run_dir).tables["backlog"].set_index("id")
    assert ranked.loc[item, ["value", "effort", "confidence"]].tolist() == [4, 8, 0.8]  # what workbook 05 reads
    with pytest.raises(RoomError, match="Nobody has voted"):
        moments.accept_votes(items[1]["id"])

    # an item the workshop had already noted keeps its note; the vote says what it gave
    answers = room.engagement.resolve(room.engagement.workshop.backlog.path)
    noted = _csv(answers).set_index("id")["note"]
    noted = noted[(noted != "") & noted.index.isin([i["id"] for i in items])]
    first = noted.index[0]
    moments.save_vote("Ana", "Librarian", first, "value", "3")
    moments.accept_votes(first)
    assert _csv(answers).set_index("id").loc[first, "note"] == f"{noted[first]} | room vote (value): median of 1 vote"


def test_changing_an_assumption_shows_what_moved_and_the_road_map_from_it(room):
    moments = room.moments
    view = moments.case_view()
    names = {a["name"]: a for a in view["assumptions"]}
    name = "optimism_bias.equipment_development"
    low, high = names[name]["low"], names[name]["high"]
    new = round((low + names[name]["value"]) / 2, 3)
    moved = moments.what_moved(name, new)
    case = moments._appraised()[0]
    direct = case.what_moved({name: new})
    assert [r["npv_after"] for r in moved["rows"]] == direct["npv_after"].tolist()
    assert [r["vfm_after"] for r in moved["rows"]] == direct["vfm_after"].tolist()
    assert any(r["moved"] for r in moved["rows"]) and any(r["npv_before"] != r["npv_after"] for r in moved["rows"])
    # the road map: workbook 05 run with the appraisal after the change, against the same before it
    after = direct[direct["kind"] == "initiative"].set_index("id")
    changed = case.tables["appraisal"].set_index("initiative")
    changed.loc[after.index, ["npv", "bcr", "vfm_category"]] = after[["npv_after", "bcr_after", "vfm_after"]].to_numpy()
    sched = roadmap.run(room.engagement, moments.run_dir, appraisal=changed.reset_index()).tables["schedule"]
    ranks = dict(zip(sched["id"].astype(str), sched["rank"]))
    assert moved["roadmap"]["items"], "a change that moves value-for-money categories moves the road map here"
    assert all(float(ranks[i["id"]]) == float(i["rank_after"] or "nan") for i in moved["roadmap"]["items"] if i["rank_after"])
    unchanged = moments.what_moved(name, names[name]["value"])
    assert not any(r["moved"] for r in unchanged["rows"]) and unchanged["roadmap"]["items"] == []

    for value, message in ((high * 10, "within its range"), ("lots", "must be a number"), (float("nan"), "within its range")):
        with pytest.raises(RoomError, match=message) as refused:
            moments.what_moved(name, value)
        assert "\n" not in str(refused.value)
    with pytest.raises(RoomError, match="no assumption 'nope'"):
        moments.save_assumption("nope", 1)
    # a bound typed as the screen shows it (rounded) counts as the bound, not as outside the range
    assert moments.what_moved(name, high * (1 + 5e-4)) == moments.what_moved(name, high)

    moments.save_assumption(name, new, "The supplier has done this twice")
    saved = _csv(room.engagement.resolve(room.engagement.workshop.assumptions.path)).set_index("name")
    assert float(saved.loc[name, "value"]) == new and float(saved.loc[name, "low"]) == low
    assert saved.loc[name, "note"] == "The supplier has done this twice"
    again = {a["name"]: a for a in moments.case_view(fresh=True)["assumptions"]}
    assert again[name]["value"] == pytest.approx(new) and again[name]["saved"]  # the business case reads the answer


# -- over HTTP, against `cxm room --run` -------------------------------------------------------------


def test_the_moments_over_http(tmp_path, sample_run):
    with running_room(tmp_path / "riverton", "--run", str(sample_run.out)) as served:
        stranger = Session(served.base)
        for path in ("/api/moment", "/api/segments", "/api/backlog", "/api/case", "/assets/moments.js"):
            assert stranger.get(path)[0] == 403, path
        for path in ("/api/moment", "/api/segments", "/api/vote", "/api/backlog/accept", "/api/case/moved", "/api/case/save"):
            assert stranger.post(path, {"moment": "backlog"})[0] == 403, path

        ana = Session(served.base)
        ana.get(served.join_url)
        assert ana.json("/api/moment")["moment"] == "scoring"
        assert ana.post("/api/vote", {"id": "I01", "score": "value", "value": "3"})[0] == 401  # join first
        ana.post("/api/join", {"name": "Ana", "role": "Librarian"})
        for path in ("/api/segments", "/api/case"):
            assert ana.get(path)[0] == 403, path
        for path in ("/api/moment", "/api/segments", "/api/backlog/accept", "/api/case/moved", "/api/case/save"):
            assert ana.post(path, {"moment": "backlog"})[0] == 403, path

        facilitator = Session(served.base)
        facilitator.get(served.facilitator_url)
        status, refused = facilitator.post("/api/moment", {"moment": "dance"})
        assert status == 422 and "no moment" in refused["error"]
        assert facilitator.post("/api/moment", {"moment": "backlog"}) == (200, {"moment": "backlog", "label": "Backlog vote"})
        assert ana.json("/api/moment")["moment"] == "backlog"  # the participant's page follows

        mine = ana.json("/api/backlog")
        item = mine["items"][0]["id"]
        assert [r["name"] for r in mine["rules"]] == ["value", "effort", "confidence"]
        assert ana.post("/api/vote", {"id": item, "score": "value", "value": "4"}) == (200, {"saved": True, "voted": 0})
        status, refused = ana.post("/api/vote", {"id": item, "score": "effort", "value": "0"})
        assert status == 422 and refused["error"] == "effort must be team-months: more than 0 and at most 120; got 0."
        votes = _csv(served.folder / "workshop" / "room" / "backlog_votes.csv")  # on disk once acknowledged
        assert votes[["participant", "id", "value", "effort"]].values.tolist() == [["Ana", item, "4", ""]]
        room = facilitator.json("/api/backlog")
        assert next(i for i in room["items"] if i["id"] == item)["median"]["value"] == "4"
        assert facilitator.post("/api/backlog/accept", {"id": item})[0] == 200
        assert _csv(served.folder / "workshop" / "backlog.csv").set_index("id").loc[item, "value"] == "4"

        segments = facilitator.json("/api/segments")["segments"]
        first = segments[0]
        assert facilitator.post("/api/segments", {"segment": first["segment"], "name": first["suggested_name"]})[0] == 200
        assert facilitator.json("/api/segments")["segments"][0]["confirmed"]
        assert facilitator.post("/api/segments", {"segment": first["segment"], "name": ""})[0] == 422

        case = facilitator.json("/api/case")
        a = next(x for x in case["assumptions"] if x["name"] == "optimism_bias.equipment_development")
        status, moved = facilitator.post("/api/case/moved", {"name": a["name"], "value": a["low"]})
        assert status == 200 and len(moved["rows"]) > 0 and "items" in moved["roadmap"]
        status, refused = facilitator.post("/api/case/moved", {"name": a["name"], "value": a["high"] * 10})
        assert status == 422 and "within its range" in refused["error"]
        assert facilitator.post("/api/case/save", {"name": a["name"], "value": a["low"], "note": "why"})[0] == 200
        assert _csv(served.folder / "workshop" / "assumptions.csv").set_index("name").loc[a["name"], "note"] == "why"
