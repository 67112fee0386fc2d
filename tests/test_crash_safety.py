"""A process killed while it saves workshop answers leaves the previous or the new file, complete: never half."""

from __future__ import annotations

import os
import random
import signal
import time

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
