"""What a client receives, scanned as a client would read it: the report's pages, the deck's slides and the Excel
file hold no ``nan``/``None``, no True/False, no ids of the engagement, no number with more than three decimals,
no file names, no code-style names and no notebook instructions (:mod:`cxmethods.outputs.scan`).

Two places are left out of the Excel scan, on purpose: id columns (labelled as codes in the data dictionary
sheet, kept so an analyst can join the tables) and the start-here sheets, which name the user's own files and
fields so an analyst can fix them (the report summarises those without the names). The slides are drawn to
pictures here (LibreOffice, then poppler); the report's pages in tests/browser/test_report_browser.py (Chromium).
"""

from __future__ import annotations

import openpyxl
import pytest

from cxmethods.io.artifacts import ARTIFACTS, START_HERE
from cxmethods.outputs.present import field, id_names, table_info
from cxmethods.outputs.scan import client_text_problems, deck_text, html_text


def _shown(problems) -> str:
    return "\n".join(f"{p.kind}: {p.found!r} in …{p.context}…" for p in problems[:15])


@pytest.fixture(scope="module")
def ids(sample_run):
    found = set(id_names(sample_run.out))
    assert {"I02", "understand.segmentation"} <= found  # the scan looks for the engagement's real ids
    return found


def test_every_report_page_reads_as_a_deliverable(sample_run, ids):
    pages = sorted((sample_run.out / "report").glob("*.html"))
    assert len(pages) == 7
    for page in pages:
        problems = client_text_problems(html_text(page.read_text(encoding="utf-8")), ids=ids)
        assert not problems, f"{page.name}:\n{_shown(problems)}"


def test_every_slide_reads_as_a_deliverable(sample_run, ids):
    text = deck_text(sample_run.out / "riverton.pptx")
    assert "Agenda" in text and len(text) > 2000
    problems = client_text_problems(text, ids=ids)
    assert not problems, _shown(problems)


def test_every_sheet_reads_as_a_deliverable_but_its_id_columns(sample_run, ids):
    codes = {
        field(c, f"{a.step}/{a.name}").label for a in ARTIFACTS for c in a.columns if field(c, f"{a.step}/{a.name}").kind == "id"
    }
    start_here = {table_info(f"{a.step}/{a.name}")[0][:31] for a in ARTIFACTS if a.step == START_HERE}
    book = openpyxl.load_workbook(sample_run.out / "riverton.xlsx")
    problems, scanned = [], 0
    for ws in book.worksheets:
        if ws.title in start_here:
            continue
        header = int(ws.print_title_rows.split(":")[0].lstrip("$")) if ws.print_title_rows else None
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.value.startswith("="):
                    continue
                if header and cell.row > header:
                    head = ws.cell(header, cell.column).value
                    if head in codes or head == "Name in the data files":
                        continue
                scanned += 1
                problems += [(ws.title, p) for p in client_text_problems(cell.value, ids=ids)]
    assert scanned > 5000
    assert not problems, "\n".join(f"{sheet}: {p.kind}: {p.found!r} in …{p.context}…" for sheet, p in problems[:15])


def test_every_slide_renders_to_a_picture(sample_run, tmp_path):
    """LibreOffice draws the deck as PDF and poppler turns each page into a picture: one per slide, none blank."""
    import shutil
    import subprocess

    from PIL import Image, ImageStat
    from pptx import Presentation

    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice and poppler are needed to draw the slides (apt install libreoffice-impress poppler-utils)")
    deck = sample_run.out / "riverton.pptx"
    profile = (tmp_path / "lo-profile").resolve().as_uri()  # its own profile: runs beside another soffice
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(deck),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(tmp_path / "riverton.pdf"), str(tmp_path / "slide")], check=True, timeout=300
    )
    pictures = sorted(tmp_path.glob("slide-*.png"))
    assert len(pictures) == len(Presentation(str(deck)).slides) > 10
    for picture in pictures:
        with Image.open(picture) as image:
            spread = ImageStat.Stat(image.convert("L")).stddev[0]
        assert spread > 5, f"{picture.name} is blank"
