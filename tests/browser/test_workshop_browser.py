"""The workshop forms in a real browser: JupyterLab in headless Chromium, driven as a facilitator drives them.

Each test opens a workbook on a copy of the sample engagement, runs all its cells, then clicks and types in the
form and checks the answers file on disk; screenshots of each step go to ``out/browser-screenshots/``
(or ``$CXM_SCREENSHOTS``).
"""

from __future__ import annotations

import base64
import io
import os
import re
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PARTICIPANT, ROLE = "Test Facilitator", "Workshop facilitator"
SAVED_WITHIN = 1.0  # seconds from a click or the last keystroke to the answer on disk
ANSWER_COLUMNS = ["participant", "role", "dimension_id", "current_level", "target_level", "evidence", "model_version"]
# A comma and quotes: the evidence must come back from the CSV exactly as typed.
EVIDENCE = 'Stakeholder map v2, agreed by the senior team in "March"'
EVIDENCE_2 = "Segments are in the 2023 strategy only"
MORE_EVIDENCE = "; no service plan or budget uses them yet, and nobody owns them."
CURRENT_COLOUR, TARGET_COLOUR = "#1f5f8b", "#e07b39"  # cxmethods.plots.charts.CURRENT and TARGET

_IMAGE_JS = """async img => {
  const blob = await (await fetch(img.src)).blob();
  return await new Promise(done => {
    const reader = new FileReader();
    reader.onload = () => done(reader.result.split(',')[1]);
    reader.readAsDataURL(blob);
  });
}"""


# -- reading what the form wrote ----------------------------------------------------------------


def read_table(path: Path) -> pd.DataFrame:
    """The answers file as text, exactly as written (no NaN for empty cells)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def saved_row(path: Path, **key: str) -> dict[str, str] | None:
    """The row of ``path`` matching ``key``, or None (also while the file does not exist yet)."""
    try:
        table = read_table(path)
    except FileNotFoundError:
        return None
    for column, value in key.items():
        table = table[table[column] == value]
    assert len(table) <= 1, f"{path.name} holds {len(table)} rows for {key}; a form must keep one row per key:\n{table}"
    return table.iloc[0].to_dict() if len(table) else None


def wait_until(check, failure, *, within: float = SAVED_WITHIN, since: float | None = None) -> float:
    """Poll ``check()`` until it is true; the seconds it took since ``since`` (a click; default now, e.g. right
    after the last keystroke). ``failure`` (text, or a function giving it) says what did not happen."""
    start = time.monotonic() if since is None else since
    while not check():
        if time.monotonic() - start > within:
            pytest.fail(f"{failure() if callable(failure) else failure} within {within:.1f} s", pytrace=False)
        time.sleep(0.02)
    return time.monotonic() - start


def wait_for_row(path: Path, key: dict[str, str], expected: dict[str, str], *, since: float | None = None) -> float:
    """Until the row with ``key`` holds ``expected``. A file that does not parse fails at once: the form writes
    atomically, so a reader never sees half a file."""

    def check() -> bool:
        row = saved_row(path, **key)
        return row is not None and all(row[k] == v for k, v in expected.items())

    return wait_until(
        check, lambda: f"{path.name} did not show {expected} for {key} (its row: {saved_row(path, **key)})", since=since
    )


# -- reading the page ---------------------------------------------------------------------------


def level_row(form, label: str):
    """The toggle buttons to the right of the bold label ``label`` ("Current level", "Target level")."""
    return (
        form.locator(".widget-html")
        .filter(has_text=re.compile(rf"^\s*{label}\s*$"))
        .locator("xpath=following-sibling::*[contains(@class, 'widget-toggle-buttons')][1]")
    )


def expect_pressed(form, label: str, level: str) -> None:
    """Exactly one button of the row shows as pressed (``mod-active``), the one for ``level``."""
    expect(level_row(form, label).locator("button.mod-active")).to_have_text([level])


def image_bytes(img) -> bytes:
    """The bytes behind an ``<img>``'s blob URL, fetched inside the page."""
    return base64.b64decode(img.evaluate(_IMAGE_JS))


def colour_pixels(png: bytes, colour: str) -> int:
    """How many pixels of the image are (nearly) ``colour``: the radar's current or target line and fill edge."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    wanted = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - wanted).sum(axis=2) < 60).sum())


def click_level(form, label: str, level: str) -> float:
    """Click a level button, as a person does; when it was clicked."""
    level_row(form, label).get_by_role("button", name=level, exact=True).click()
    return time.monotonic()


def redrawn(radar, src: str) -> bytes:
    """The radar's bytes once its ``src`` is no longer ``src`` (each new image gets a new blob URL)."""
    expect(radar).not_to_have_attribute("src", src)
    return image_bytes(radar)


def kernel_gone(pid: int) -> bool:
    """True once the process has ended (a zombie waiting for the server to reap it counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return bool(re.search(r"^State:\s+Z", status, re.MULTILINE))


# -- 01: the self-assessment --------------------------------------------------------------------


def test_self_assessment_saves_each_answer_and_survives_a_restart_and_a_killed_kernel(
    page, lab, engagement, add_workbook, open_workbook, screenshots
):
    answers = engagement.parent / "workshop" / "self_assessment.csv"
    before_workshop = read_table(answers)
    assert list(before_workshop.columns) == ANSWER_COLUMNS and PARTICIPANT not in set(before_workshop["participant"])
    mine = {"participant": PARTICIPANT}
    first, second = {**mine, "dimension_id": "understand.definition"}, {**mine, "dimension_id": "understand.segmentation"}
    notebook = add_workbook(
        "01_self_assessment",
        engagement=str(engagement),
        run_dir=str(engagement.parent / "run"),
        participant=PARTICIPANT,
        role=ROLE,
    )
    book = open_workbook(page, notebook)
    book.run_all()
    form = book.form(f"Self-assessment · {PARTICIPANT}")
    expect(form).to_contain_text("Who the customers are")
    expect(form).to_contain_text("0 of 30 dimensions answered")
    form.scroll_into_view_if_needed()
    book.shoot("01-form-screen.png")
    book.shoot("01-form.png", form)

    # 1-3. A current and a target level, then the evidence: each on disk within a second, the radar redrawn.
    radar = form.locator("img")
    expect(radar).to_have_count(1)
    src, blank = radar.get_attribute("src"), image_bytes(radar)
    clicked = click_level(form, "Current level", "3")
    took = [wait_for_row(answers, first, {"current_level": "3", "target_level": "", "role": ROLE}, since=clicked)]
    with_current = redrawn(radar, src)
    src = radar.get_attribute("src")
    assert with_current != blank, "The radar's image did not change after a level was picked"
    # a level on a component with nothing else scored is one dot on its spoke (about 30 pixels of that colour)
    assert colour_pixels(with_current, CURRENT_COLOUR) > colour_pixels(blank, CURRENT_COLOUR) + 15, (
        "The radar does not draw the current level that was picked"
    )
    clicked = click_level(form, "Target level", "5")
    took.append(wait_for_row(answers, first, {"current_level": "3", "target_level": "5"}, since=clicked))
    with_both = redrawn(radar, src)
    assert colour_pixels(with_both, TARGET_COLOUR) > colour_pixels(with_current, TARGET_COLOUR) + 15, (
        "The radar does not draw the target level that was picked"
    )
    form.locator("textarea").click()
    form.locator("textarea").press_sequentially(EVIDENCE, delay=40)
    took.append(wait_for_row(answers, first, {"current_level": "3", "target_level": "5", "evidence": EVIDENCE}))
    expect(form).to_contain_text(re.compile(r"Saved \d\d:\d\d:\d\d · workshop/self_assessment\.csv"))
    expect(form).to_contain_text("1 of 30 dimensions answered")
    expect(form.locator("li").filter(has_text="3 · ")).to_contain_text("current")
    expect(form.locator("li").filter(has_text="5 · ")).to_contain_text("target")
    after = read_table(answers)
    others = after[after["participant"] != PARTICIPANT].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, before_workshop)  # nobody else's answers were touched
    book.shoot("02-answered.png", form)
    (screenshots / "03-radar-before.png").write_bytes(blank)
    (screenshots / "03-radar-after.png").write_bytes(with_both)
    print(f"saved after {', '.join(f'{s:.2f}' for s in took)} s")

    # 4. Restart the kernel and run everything again: the form shows the answers, and writes nothing by showing them.
    on_disk = answers.read_bytes()
    book.restart_and_run_all()
    form = book.form(f"Self-assessment · {PARTICIPANT}")
    expect_pressed(form, "Current level", "3")
    expect_pressed(form, "Target level", "5")
    expect(form.locator("textarea")).to_have_value(EVIDENCE)
    expect(form).to_contain_text("1 of 30 dimensions answered")
    assert answers.read_bytes() == on_disk, "Re-running the workbook changed the answers file"
    book.shoot("04-after-restart.png", form)

    # 5. Answer a second dimension, then kill the kernel while it is still saving a burst of keystrokes.
    form.get_by_role("button", name="Next").click()
    expect(form).to_contain_text("Segmentation in use")
    wait_for_row(answers, second, {"current_level": "2"}, since=click_level(form, "Current level", "2"))
    wait_for_row(answers, second, {"target_level": "4"}, since=click_level(form, "Target level", "4"))
    form.locator("textarea").press_sequentially(EVIDENCE_2, delay=40)
    wait_for_row(answers, second, {"current_level": "2", "target_level": "4", "evidence": EVIDENCE_2})
    pid = lab.kernel_pid(notebook)
    # Go on typing, and kill the kernel once the file shows a few of the new characters: saves are then in flight.
    typed = ""
    for char in MORE_EVIDENCE:
        page.keyboard.type(char)  # the evidence box still has the focus
        typed += char
        if len(saved_row(answers, **second)["evidence"]) >= len(EVIDENCE_2) + 8:
            break
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not kernel_gone(pid):
        assert time.monotonic() < deadline, f"The kernel (pid {pid}) was still running 10 s after SIGKILL"
        time.sleep(0.05)
    died = page.locator(".jp-Dialog")
    expect(died).to_contain_text("died", timeout=30_000)  # the server restarts the kernel and JupyterLab says so
    book.shoot("05-kernel-died.png")
    died.get_by_role("button", name="Ok", exact=True).click()

    # The file is whole: it parses, has its columns, keeps everyone else's rows and every answer given.
    text = answers.read_text(encoding="utf-8")
    assert text.startswith(",".join(ANSWER_COLUMNS) + "\n") and text.endswith("\n"), "The answers file was cut short"
    crashed = read_table(answers)
    assert list(crashed.columns) == ANSWER_COLUMNS
    pd.testing.assert_frame_equal(crashed[crashed["participant"] != PARTICIPANT].reset_index(drop=True), before_workshop)
    mine_now = crashed[crashed["participant"] == PARTICIPANT].set_index("dimension_id")
    assert sorted(mine_now.index) == ["understand.definition", "understand.segmentation"]
    assert mine_now.loc["understand.definition", ["role", "current_level", "target_level", "evidence"]].tolist() == [
        ROLE,
        "3",
        "5",
        EVIDENCE,
    ]
    assert mine_now.loc["understand.segmentation", ["current_level", "target_level"]].tolist() == ["2", "4"]
    kept = mine_now.loc["understand.segmentation", "evidence"]
    assert kept.startswith(EVIDENCE_2) and (EVIDENCE_2 + typed).startswith(kept), (
        f"The evidence in the file is not what was typed: {kept!r}"
    )
    print(f"the kernel was killed after {len(typed)} more characters were typed; the file kept {len(kept) - len(EVIDENCE_2)}")

    # Nothing lost: run the workbook on the new kernel and go back to the second dimension.
    book.run_all()
    form = book.form(f"Self-assessment · {PARTICIPANT}")
    expect(form).to_contain_text("2 of 30 dimensions answered")
    form.get_by_role("button", name="Next").click()
    expect(form).to_contain_text("Segmentation in use")
    expect_pressed(form, "Current level", "2")
    expect_pressed(form, "Target level", "4")
    expect(form.locator("textarea")).to_have_value(kept)
    book.shoot("06-after-kill-rerun.png", form)
    book.collapse_sidebar()
    form.scroll_into_view_if_needed()
    book.shoot("07-form-full-width.png", form)


# -- 03 and 04: the forms that read earlier workbooks' artifacts --------------------------------


def test_segment_names_form_saves_a_typed_name(page, planned, add_workbook, open_workbook):
    engagement, run_dir = planned
    names = engagement.parent / "workshop" / "segment_names.csv"
    assert not names.exists()
    book = open_workbook(page, add_workbook("03_segmentation", engagement=str(engagement), run_dir=str(run_dir)))
    book.run_all()
    form = book.form("Name the segments")
    card = form.locator(".widget-vbox").filter(has_text=re.compile(r"^\s*Segment \S+ · ")).first
    segment = re.match(r"\s*Segment (\S+) · ", card.inner_text())[1]
    box = card.get_by_label("Name", exact=True)
    box.click()
    box.press_sequentially("Busy working parents", delay=40)
    took = wait_for_row(names, {"segment": segment}, {"name": "Busy working parents"})
    assert read_table(names)[["segment", "name"]].values.tolist() == [[segment, "Busy working parents"]]
    expect(form).to_contain_text(re.compile(r"Saved \d\d:\d\d:\d\d · workshop/segment_names\.csv"))
    expect(form).to_contain_text(re.compile(r"1 of \d+\s*named"))
    book.shoot("08-segment-names.png", form)
    print(f"segment {segment} named; on disk after {took:.2f} s")


def test_assumptions_form_saves_a_changed_value(page, planned, add_workbook, open_workbook):
    engagement, run_dir = planned
    saved = engagement.parent / "workshop" / "assumptions.csv"
    book = open_workbook(page, add_workbook("04_business_case", engagement=str(engagement), run_dir=str(run_dir), draws=500))
    book.run_all()
    form = book.form("Change a value or its range")
    row = form.locator(".widget-hbox").filter(has=page.get_by_label("value", exact=True)).first
    name = re.search(r"^(\S+) · ", row.locator(".widget-html").inner_text(), re.MULTILINE)[1]
    value, low, high = (float(row.get_by_label(k, exact=True).input_value()) for k in ("value", "low", "high"))
    new = round((value + high) / 2, 6) if high > value else round((low + value) / 2, 6)
    assert new != value and low <= new <= high
    box = row.get_by_label("value", exact=True)
    box.fill(str(new))
    box.press("Enter")
    wait_until(lambda: saved_row(saved, name=name) is not None, f"{saved.name} had no row for {name}")
    table = read_table(saved)
    assert table["name"].tolist() == [name]
    assert [float(table.loc[0, k]) for k in ("value", "low", "high")] == pytest.approx([new, low, high])
    expect(form).to_contain_text(re.compile(r"Saved \d\d:\d\d:\d\d · workshop/assumptions\.csv"))
    book.shoot("09-assumptions.png", form)
    print(f"{name}: {value:g} -> {new:g}")
