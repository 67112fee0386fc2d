"""The day's agenda holds together (issue 23): the trainer's guide is the one place that gives each workbook its
slot, and the timings in each workbook's facilitator notes ("allow 20 minutes", "10-15 minutes") add up to that
slot; the room sees the customers' evidence (02) before it scores itself (01); and the guide describes the
exercises each workbook has."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "workbooks" / "trainers_guide.md"
WORKBOOKS = sorted((ROOT / "workbooks").glob("[0-9][0-9]_*.ipynb"))

_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "twenty-five": 25,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "seventy-five": 75,
    "ninety": 90,
}
_NUMBER = r"(\d+|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")"
_TIMING = re.compile(rf"\b{_NUMBER}(?:\s*(?:-|–|to)\s*{_NUMBER})?\s+minutes?\b|\b(half an hour)\b|\b(an hour)\b", re.IGNORECASE)
_ROW = re.compile(r"^\|\s*(\d{1,2}):(\d{2})\s*\|([^|]*)\|([^|]*)\|")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text.lower()]


def timings(text: str) -> list[tuple[int, int]]:
    """Every timing in a facilitator note, as (fewest, most) minutes: "allow 20-30 minutes" is (20, 30)."""
    found = []
    for m in _TIMING.finditer(text):
        if m.group(3):
            found.append((30, 30))
        elif m.group(4):
            found.append((60, 60))
        else:
            low = _number(m.group(1))
            found.append((low, _number(m.group(2)) if m.group(2) else low))
    return found


def facilitator_notes(path: Path) -> list[str]:
    """The workbook's facilitator notes: markdown cells that open with **Facilitator:** (the sample's answers, which
    open with **On the sample:**, hold no timings)."""
    cells = nbformat.read(path, as_version=4).cells
    return [c.source for c in cells if c.cell_type == "markdown" and c.source.lstrip().startswith("**Facilitator:**")]


def day(guide: str) -> list[tuple[int, str, str]]:
    """The rows of the guide's timetable: (minute of the day it starts, session, workbook column)."""
    rows = []
    for line in guide.splitlines():
        m = _ROW.match(line.strip())
        if m:
            rows.append((int(m.group(1)) * 60 + int(m.group(2)), m.group(3).strip(), m.group(4).strip()))
    return rows


def slots(guide: str) -> dict[str, int]:
    """Each workbook's slot in minutes (its row's start to the next row's), keyed by its number ("01")."""
    rows = day(guide)
    out: dict[str, int] = {}
    for (start, _, book), (end, _, _) in itertools.pairwise(rows):
        number = re.match(r"(\d\d)\b", book)
        if number:
            assert number.group(1) not in out, f"workbook {number.group(1)} has two rows in the guide's timetable"
            out[number.group(1)] = end - start
    return out


# -- the parsers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**Facilitator:** allow 20-30 minutes for scoring.", [(20, 30)]),
        ("allow about ten minutes; the role checklist takes twenty minutes", [(10, 10), (20, 20)]),
        ("Allow 15 minutes. Then 5 to 10 minutes for the exercise, and 25–35 minutes after", [(15, 15), (5, 10), (25, 35)]),
        ("allow twenty-five minutes, or half an hour at most, never an hour", [(25, 25), (30, 30), (60, 60)]),
        ("would four or six segments be easier? Pick the top three; 5% significance, 80 people", []),
        ("Spend five minutes on data quality.", [(5, 5)]),
    ],
)
def test_timings_are_read_from_a_note(text, expected):
    assert timings(text) == expected


def test_slots_run_from_a_row_to_the_next():
    guide = """
| Time | Session | Workbook | What |
|---|---|---|---|
| 09:00 | Arrival | | coffee |
| 09:30 | Start | 00 Start here | the map |
| 10:15 | The voice | 02 Voice of the customer | reasons |
| 11:00 | *Break* | | |
| 11:10 | Scores | 01 Self-assessment | scoring |
| 12:00 | Close | | |
"""
    assert slots(guide) == {"00": 45, "02": 45, "01": 50}


# -- the guide and the workbooks --------------------------------------------------------------------------------


def test_every_workbook_has_one_slot_in_the_guide():
    assert sorted(slots(GUIDE.read_text(encoding="utf-8"))) == [p.stem[:2] for p in WORKBOOKS]


def test_the_room_sees_the_customers_evidence_before_it_scores_itself():
    # facts before opinions: workbook 02's headlines come before 01's scoring (Deloitte's first phase puts the
    # customer data into the self-assessment)
    order = [re.match(r"\d\d", book).group() for _, _, book in day(GUIDE.read_text(encoding="utf-8")) if re.match(r"\d\d", book)]
    assert order.index("02") < order.index("01"), order


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_the_facilitator_timings_add_up_to_the_guides_slot(path):
    slot = slots(GUIDE.read_text(encoding="utf-8"))[path.stem[:2]]
    parts = [t for note in facilitator_notes(path) for t in timings(note)]
    assert parts, f"{path.name}: no timings in its facilitator notes (write 'allow N minutes' for each part)"
    most = sum(high for _, high in parts)
    assert most == slot, (
        f"{path.name}: its facilitator notes allow {sum(low for low, _ in parts)}-{most} minutes "
        f"({' + '.join(f'{a}-{b}' if a != b else str(a) for a, b in parts)}); the trainer's guide gives it {slot}. "
        "Fit the notes to the slot, or change the slot in workbooks/trainers_guide.md"
    )


def test_the_guide_lists_each_workbooks_exercises():
    guide = GUIDE.read_text(encoding="utf-8")
    section = guide.split("## What each exercise teaches", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, int] = {}
    for line in section.splitlines():
        m = re.match(r"^\|\s*(\d\d)\s*\|", line)
        if m:
            listed[m.group(1)] = listed.get(m.group(1), 0) + 1
    for path in WORKBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        exercises = sum("exercise" in c.get("metadata", {}).get("tags", []) for c in cells)
        assert listed.get(path.stem[:2], 0) == exercises, (
            f"{path.name} has {exercises} exercise(s); the guide lists {listed.get(path.stem[:2], 0)}"
        )
