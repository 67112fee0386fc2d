"""A process killed while it saves workshop answers leaves the previous or the new file, complete: never half."""

from __future__ import annotations

import os
import random
import signal
import stat
import time
from pathlib import Path

import pandas as pd

from cxmethods.io.answers import AnswerStore

COLUMNS = ["participant", "dimension_id", "current_level", "target_level", "evidence"]
PEOPLE = 40
KILLS = 200


def _state(version: int) -> dict[str, str]:
    """The evidence each participant's row holds once saves 1..version are done (save k writes participant k % PEOPLE)."""
    evidence = {f"P{i:02d}": "seed" for i in range(PEOPLE)}
    for k in range(max(version - PEOPLE + 1, 1), version + 1):
        evidence[f"P{k % PEOPLE:02d}"] = f"v{k} " + "a sentence of evidence, long enough to make each save a real write. " * 3
    return evidence


def _saver(store: AnswerStore, start: int, saved: int) -> None:
    """In the child: save versions start, start+1, ... until killed, as the form does (one row per change),
    writing a byte to the pipe ``saved`` after each completed save."""
    try:
        k = start
        while True:
            store.upsert(
                {"participant": f"P{k % PEOPLE:02d}", "dimension_id": "understand.definition"},
                {"current_level": str(k % 5 + 1), "target_level": "5", "evidence": _state(k)[f"P{k % PEOPLE:02d}"]},
            )
            os.write(saved, b".")
            k += 1
    finally:
        os._exit(0)


def test_killing_a_saving_process_at_random_moments_never_leaves_a_broken_answers_file(tmp_path):
    store = AnswerStore(tmp_path / "self_assessment.csv", COLUMNS, ("participant", "dimension_id"))
    seed = pd.DataFrame(
        {
            "participant": [f"P{i:02d}" for i in range(PEOPLE)],
            "dimension_id": "understand.definition",
            "current_level": "1",
            "target_level": "5",
            "evidence": "seed",
        }
    )
    seed.to_csv(store.path, index=False)
    rng = random.Random(20261125)
    version, seen = 0, set()
    for _ in range(KILLS):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _saver(store, version + 1, write_end)
        os.close(write_end)
        # Kill after 0-3 completed saves (counted, not timed, so a busy machine cannot change which cases occur),
        # then a random moment into the next save: kills land before, during and after saves.
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            assert os.read(read_end, 1) == b".", "the saving process stopped by itself"
        time.sleep(rng.uniform(0, 0.005))  # a save takes a few milliseconds
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        table = store.load()  # the file parses, with its header
        assert list(table.columns) == COLUMNS and len(table) == PEOPLE, "rows lost or duplicated"
        evidence = dict(zip(table["participant"], table["evidence"]))
        newest = max([int(e.split()[0][1:]) for e in evidence.values() if e != "seed"], default=0)
        assert newest >= version, "an earlier version came back"
        assert evidence == _state(newest), f"the file mixes versions after save {newest}"
        seen.add(newest > version)
        version = newest
    assert seen == {True, False}, "kills should land both before a save completes and after"
    assert version > KILLS  # on average more than one save completed per child


WRITERS = 6  # each its own process, all saving into one file at once
SAVES = 500  # per writer
VICTIMS = 2  # writers killed (SIGKILL) part-way, at a random moment of a save
MODE = 0o664  # a shared folder's answers file, readable by the team: saves must not change it


def _writer(path: str, writer: int, log: str) -> None:
    """In the child: save ``SAVES`` answers as the form does, each a new row of its own, appending the save's
    number to ``log`` only after ``upsert`` has returned (the form's "saved"); exit 1 with the error if a save fails."""
    code = 1
    try:
        store = AnswerStore(path, COLUMNS, ("participant", "dimension_id"))
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        for k in range(SAVES):
            store.upsert(
                {"participant": f"W{writer}", "dimension_id": f"d{k:03d}"},
                {"current_level": str(k % 5 + 1), "target_level": "5", "evidence": f"W{writer} save {k}, said in the room"},
            )
            os.write(fd, f"{k}\n".encode())
        code = 0
    except BaseException as exc:
        with open(f"{log}.error", "w") as fh:
            fh.write(f"{type(exc).__name__}: {exc}")
    finally:
        os._exit(code)


def _acknowledged(log: Path) -> list[int]:
    """The saves a writer logged as done; a line cut short by the kill is no acknowledgement."""
    text = log.read_text() if log.exists() else ""
    return [int(line) for line in text.split("\n")[:-1]]


def run_writers(folder: Path, seed: int = 20261126) -> dict:
    """Run ``WRITERS`` processes saving into ``folder/self_assessment.csv`` at once, kill ``VICTIMS`` of them at
    random moments, and read the file while they write. Returns what was acknowledged and what the file holds.

    Kept apart from the test so the same run can be measured against another version of the store.
    """
    path = folder / "self_assessment.csv"
    path.write_text(",".join(COLUMNS) + "\n")
    os.chmod(path, MODE)
    rng = random.Random(seed)
    victims = dict.fromkeys(rng.sample(range(WRITERS), VICTIMS))
    for w in victims:  # killed after 10-300 acknowledged saves, then a random moment into the next ones
        victims[w] = rng.randint(10, 300)
    logs = {w: folder / f"writer{w}.log" for w in range(WRITERS)}
    pids = {}
    for w in range(WRITERS):
        pid = os.fork()
        if pid == 0:
            _writer(str(path), w, str(logs[w]))
        pids[w] = pid
    status, reads, incomplete = {}, 0, []
    reader = AnswerStore(path, COLUMNS, ("participant", "dimension_id"))
    deadline = time.monotonic() + 240
    try:
        while len(status) < WRITERS:
            assert time.monotonic() < deadline, "the writers did not finish in 240 s: a save is stuck"
            for w, after in victims.items():
                if w not in status and after is not None and len(_acknowledged(logs[w])) >= after:
                    time.sleep(rng.uniform(0, 0.01))
                    os.kill(pids[w], signal.SIGKILL)
                    victims[w] = None
            for w, pid in pids.items():
                if w not in status and (done := os.waitpid(pid, os.WNOHANG))[0]:
                    status[w] = done[1]
            table = reader.load()  # a reader during the writes: the file is always a whole CSV
            reads += 1
            if list(table.columns) != COLUMNS or (table == "").any(axis=None):
                incomplete.append(len(table))
            time.sleep(0.05)  # the reader takes its turn on a busy machine without starving the writers
    finally:
        for w, pid in pids.items():
            if w not in status:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    acknowledged = {(f"W{w}", f"d{k:03d}") for w in range(WRITERS) for k in _acknowledged(logs[w])}
    final = pd.read_csv(path, dtype="string", keep_default_na=False)
    # One more save once all have stopped, as the next change in the room would: it must find the lock free
    # and the file whole, whatever the killed writers were doing.
    reader.upsert({"participant": "W0", "dimension_id": "d000"}, {"evidence": "W0 save 0, said in the room"})
    return {
        "acknowledged": acknowledged,
        "present": set(zip(final["participant"], final["dimension_id"])),
        "final": final,
        "status": status,
        "victims": set(victims),
        "errors": {w: e.read_text() for w in range(WRITERS) if (e := logs[w].with_name(f"{logs[w].name}.error")).exists()},
        "reads": reads,
        "incomplete": incomplete,
        "mode": stat.S_IMODE(os.stat(path).st_mode),
        "left": sorted(p.name for p in folder.iterdir() if not p.name.startswith("writer")),
    }


def test_writers_saving_at_once_and_killed_at_random_lose_no_acknowledged_answer(tmp_path):
    run = run_writers(tmp_path)
    killed = {w for w, s in run["status"].items() if os.WIFSIGNALED(s) and os.WTERMSIG(s) == signal.SIGKILL}
    assert killed == run["victims"], f"only the chosen writers die, and they die mid-run: {run['status']}"
    for w in set(range(WRITERS)) - killed:
        assert run["status"][w] == 0, f"writer {w} failed: {run['errors'].get(w)}"
    lost = run["acknowledged"] - run["present"]
    assert not lost, f"{len(lost)} of {len(run['acknowledged'])} acknowledged saves are not in the file, e.g. {sorted(lost)[:5]}"
    survivors = WRITERS - len(killed)
    assert len(run["acknowledged"]) >= survivors * SAVES  # every survivor's 500 acknowledged
    # Beyond what was acknowledged, at most the one save each killed writer had on disk when it died.
    assert len(run["present"] - run["acknowledged"]) <= len(killed)
    final = run["final"]
    assert list(final.columns) == COLUMNS and not final.duplicated(["participant", "dimension_id"]).any()
    k = final["dimension_id"].str[1:].astype(int)
    assert (final["evidence"] == final["participant"] + " save " + k.astype(str) + ", said in the room").all()
    assert (final["current_level"] == (k % 5 + 1).astype(str)).all()
    assert run["reads"] > 0 and not run["incomplete"], f"a reader saw a broken file ({len(run['incomplete'])} times)"
    assert run["mode"] == MODE, f"the file's mode changed from {MODE:o} to {run['mode']:o}"
    assert run["left"] == ["self_assessment.csv"], "no lock or temporary file left behind after the next save"
