"""The workshop room in real browsers: eight participants (two on phones) join with the code and score all at
once, the facilitator's view shows every one of them finished within 2 s of the last save, and the answers file
holds every answer the pages said was saved. Screenshots of each step at both sizes go to the screenshots folder
(``room-*.png``)."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from conftest import VIEWPORT
from room_server import running_room  # tests/ is on the path (rootdir conftest, no package)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PEOPLE = [
    (f"Person {n}", role)
    for n, role in enumerate(["Director", "Adviser", "Adviser", "Analyst", "Digital lead", "Finance", "Adviser", "Policy"], 1)
]
ACKNOWLEDGED = "() => { const keys = Object.keys(localStorage).filter((k) => k.startsWith('cxm-room-unsent:')); return keys.length === 1 && localStorage.getItem(keys[0]) === '[]'; }"
UNSENT = ACKNOWLEDGED.replace("=== '[]'", "=== '[]' && document.querySelector('#status').textContent.startsWith('Saved')")


def _levels(person: int, dimension: int) -> tuple[str, str]:
    today = 1 + (person + dimension) % 4
    return str(today), str(min(5, today + 1 + dimension % 2))


def test_eight_participants_score_at_once_and_the_facilitator_sees_them_live(browser, screenshots, tmp_path):
    with running_room(tmp_path / "riverton") as served:
        stranger = browser.new_context(viewport=VIEWPORT).new_page()
        refused = stranger.goto(served.base + "/")
        assert refused is not None and refused.status == 403
        assert "needs its join link" in stranger.content()
        stranger.screenshot(path=screenshots / "room-refused.png")

        facilitator_context = browser.new_context(viewport=VIEWPORT)
        facilitator = facilitator_context.new_page()
        facilitator.goto(served.facilitator_url)
        facilitator.get_by_role("tab", name="Participants").click()

        pages, phones = [], {6, 7}
        for i, (name, role) in enumerate(PEOPLE):
            context = browser.new_context(viewport=PHONE if i in phones else VIEWPORT, has_touch=i in phones)
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.goto(served.join_url)
            page.fill("#name", name)
            page.fill("#role", role)
            if i in (0, 6):
                page.screenshot(path=screenshots / f"room-{'phone' if i in phones else 'laptop'}-join.png")
            page.get_by_role("button", name="Join").click()
            page.wait_for_selector("#evidence")
            pages.append(page)
        model = [d["id"] for d in _me(pages[0])["dimensions"]]
        assert len(model) == 30  # the dimensions of maturity model 2.0

        # everyone scores dimension by dimension, interleaved, so saves from eight browsers arrive together;
        # laptops use the keys (1-5 today, 1-5 target, Enter next), phones tap the buttons
        evidence = {}
        for d, dimension in enumerate(model):
            for p, page in enumerate(pages):
                today, target = _levels(p, d)
                assert page.locator("#title").is_visible()
                if p in (0, 6):  # the whole dimension fits the screen: no scrolling inside it, at either size
                    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight"), (PEOPLE[p], dimension)
                if p in phones:
                    page.locator(".row.current .level").nth(int(today) - 1).tap()
                    page.locator(".row.target .level").nth(int(target) - 1).tap()
                else:
                    page.keyboard.press(today)
                    page.keyboard.press(target)
                if d % 4 == p % 4:  # some evidence, with the characters a CSV must survive
                    text = f'{PEOPLE[p][0]} saw it, "twice", on {dimension}'
                    page.fill("#evidence", text)
                    evidence[PEOPLE[p][0], dimension] = text
                if d == 0 and p in (0, 6):
                    page.wait_for_function(UNSENT)
                    page.screenshot(path=screenshots / f"room-{'phone' if p in phones else 'laptop'}-dimension.png")
                if p in phones:
                    page.get_by_role("button", name="Finish" if d == len(model) - 1 else "Next").tap()
                elif (PEOPLE[p][0], dimension) in evidence:
                    page.keyboard.press("Control+Enter")  # next, straight from the evidence box
                else:
                    page.keyboard.press("Enter")
        for page in pages:  # the page keeps each change until the room acknowledges it as on disk
            page.wait_for_function(ACKNOWLEDGED)
            assert page.get_by_role("heading", name=f"All {len(model)} dimensions scored. Thank you").is_visible()
        last_save = time.monotonic()

        names = [name for name, _ in PEOPLE]
        facilitator.wait_for_function(
            """(names) => names.every((n) => [...document.querySelectorAll('table.people tbody tr')]
                 .some((tr) => tr.cells[0].textContent === n && tr.cells[3].textContent === 'Finished'))""",
            arg=names,
            timeout=2_000,
        )
        seen = time.monotonic() - last_save
        print(f"facilitator's view showed all eight finished {seen:.2f} s after the last save was acknowledged")

        saved = pd.read_csv(served.answers, dtype=str, keep_default_na=False)
        saved = saved[saved["participant"].isin(names)].set_index(["participant", "dimension_id"])
        assert len(saved) == 8 * len(model)
        for p, (name, role) in enumerate(PEOPLE):
            for d, dimension in enumerate(model):
                row = saved.loc[(name, dimension)]
                assert (row["role"], row["current_level"], row["target_level"]) == (role, *_levels(p, d)), (name, dimension)
                assert row["evidence"] == evidence.get((name, dimension), ""), (name, dimension)

        for p in (0, 6):
            pages[p].screenshot(path=screenshots / f"room-{'phone' if p in phones else 'laptop'}-overview.png", full_page=True)
        for size, viewport in (("laptop", VIEWPORT), ("phone", PHONE)):
            facilitator.set_viewport_size(viewport)
            for tab in ("Participants", "Spread", "Consensus", "Gaps"):
                facilitator.get_by_role("tab", name=tab).click()
                facilitator.screenshot(path=screenshots / f"room-facilitator-{size}-{tab.lower()}.png", full_page=True)
            assert facilitator.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        for page in pages:
            assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
            page.context.close()
        facilitator_context.close()


def _me(page) -> dict:
    return page.evaluate("fetch('/api/me').then((r) => r.json())")
