"""Nothing of the sample reaches another engagement's outputs, and `cxm run` names the files it wrote.

A small engagement of another kind of public body (a transit agency: its own reasons, areas, survey, initiatives)
is run end to end with `cxm run` in the background (tests/conftest.py starts it once the tests are collected). Its
executed workbooks, report, Excel file, deck and tables must hold none of the sample's own words: its organisation,
reasons, wards, segments, initiatives and stakeholders (read from the sample itself, so a new one is covered), nor
any text of the workbooks' cells tagged ``sample`` (the sample's answers to the exercises).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = "run-folder"  # not the engagement's name: the Excel file and the deck are named after the engagement

REASONS = {  # reason: (service, share of contacts)
    "Fare refund": ("Fares", 0.22),
    "Refund status chase": ("Fares", 0.10),
    "Late or missed bus": ("Operations", 0.18),
    "Ticket machine fault": ("Operations", 0.12),
    "Lost property": ("Customer care", 0.10),
    "Route information": ("Customer care", 0.14),
    "Accessibility request": ("Customer care", 0.08),
    "Driver conduct": ("Operations", 0.06),
}
AREAS = ("North line", "East line", "Harbour depot", "Airport route")
CHANNELS = ("phone", "web_form", "email", "mobile_app")


def _lakeland(folder: Path) -> list:
    """A transit agency's engagement with a contact log, a survey, initiatives and levers, and its `cxm run`."""
    rng = np.random.default_rng(7)
    n = 2400
    reasons = rng.choice(list(REASONS), size=n, p=[s for _, s in REASONS.values()])
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 180 * 24 * 3600, n).round(), unit="s")
    closed = created + pd.to_timedelta(rng.exponential(40, n).round(), unit="h")
    channel = rng.choice(CHANNELS, size=n, p=[0.45, 0.3, 0.15, 0.1])
    pd.DataFrame(
        {
            "Ticket": [f"T{i:05d}" for i in range(n)],
            "Opened": created.strftime("%d/%m/%Y %H:%M"),
            "Closed": closed.strftime("%d/%m/%Y %H:%M"),
            "Channel": channel,
            "Topic": reasons,
            "Department": [REASONS[r][0] for r in reasons],
            "Line": rng.choice(AREAS, size=n),
            "Rider": [f"R{i:04d}" for i in rng.integers(0, 900, n)],
            "Minutes": rng.gamma(2, 4, n).round(1),
        }
    ).sort_values("Opened").to_csv(folder / "tickets.csv", index=False)

    m = 400
    capacity = rng.integers(1, 6, m)
    drivers = {d: np.clip(np.round(rng.normal(3.4, 1, m)), 1, 5).astype(int) for d in ("timeliness", "courtesy", "outcome")}
    overall = np.clip(np.round(0.5 * drivers["timeliness"] + 0.4 * drivers["outcome"] + rng.normal(0.3, 0.6, m)), 1, 5)
    comments = ["The bus never came on time", "Refund took weeks", "Driver was very kind", "App arrival times are wrong"]
    pd.DataFrame(
        {
            "respondent_id": [f"S{i:04d}" for i in range(m)],
            "overall_satisfaction": overall.astype(int),
            **drivers,
            "comment": [comments[i % 4] if i % 3 == 0 else "" for i in range(m)],
            "age_band": rng.choice(["16-24", "25-44", "45-64", "65+"], size=m),
            "digital_confidence": capacity,
            "preferred_channel": np.where(capacity >= 4, "mobile_app", rng.choice(["phone", "web_form"], size=m)),
        }
    ).to_csv(folder / "rider_survey.csv", index=False)

    (folder / "initiatives.csv").write_text(
        "initiative_id,name,capital_cost,annual_operating_cost,effort_team_months,depends_on,confidence\n"
        "L1,Live arrival times,60000,8000,10,,0.7\n"
        "L2,Refund tracker,20000,2000,6,,0.8\n"
        "L3,Contactless fares,150000,12000,18,L1,0.6\n",
        encoding="utf-8",
    )
    (folder / "levers.csv").write_text(
        "initiative_id,lever,value,low,high,reason,channel,to_channel,source\n"
        "L1,failure_demand,0.3,0.1,0.5,Late or missed bus,,,Transit peers\n"
        "L2,failure_demand,0.6,0.4,0.8,Refund status chase,,,Transit peers\n"
        "L3,channel_shift,0.2,0.1,0.3,Fare refund,phone,web_form,Transit peers\n",
        encoding="utf-8",
    )
    engagement = {
        "name": "lakeland",
        "organisation": "Lakeland Transit Agency",
        "currency": "USD",
        "period": {"start": "2024-01-01", "end": "2024-06-30"},
        "seed": 3,
        "inputs": {
            "contact_log": {
                "path": "tickets.csv",
                "date_format": "%d/%m/%Y %H:%M",
                "columns": {
                    "contact_id": "Ticket",
                    "created_at": "Opened",
                    "closed_at": "Closed",
                    "channel": "Channel",
                    "reason": "Topic",
                    "service": "Department",
                    "area": "Line",
                    "customer_id": "Rider",
                    "handling_minutes": "Minutes",
                },
            },
            "survey": {"path": "rider_survey.csv"},
            "initiatives": {"path": "initiatives.csv"},
            "levers": {"path": "levers.csv"},
        },
        "settings": {
            "voc": {
                "failure_reasons": ["status chase"],
                "unit_costs": {"phone": 4.5, "web_form": 0.6, "email": 2.0, "mobile_app": 0.3},
            }
        },
    }
    (folder / "engagement.yaml").write_text(yaml.safe_dump(engagement, sort_keys=False), encoding="utf-8")
    return [["cxm", "run", str(folder / "engagement.yaml"), "--out", str(folder / OUT)]]


pytestmark = pytest.mark.pipeline_run(prepare=_lakeland)


@pytest.fixture(scope="module")
def run(pipeline_runs):
    done = pipeline_runs.result(_lakeland)
    return done.folder / OUT, done.stdout[0]


def _sample_words() -> set[str]:
    """The sample's own names, read from the sample: those the package's methodology text does not also use."""
    from cxmethods.sample import REASONS as SAMPLE_REASONS
    from cxmethods.sample import SAMPLE_ORGANISATION, SEGMENTS, WARDS

    sample = ROOT / "data" / "sample"
    words = {SAMPLE_ORGANISATION.split()[0], *SAMPLE_REASONS, *WARDS, *SEGMENTS}
    words |= set(pd.read_csv(sample / "initiatives.csv")["name"]) | set(pd.read_csv(sample / "stakeholders.csv")["group"])
    general = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "templates").glob("*.*") if p.suffix in (".csv", ".yaml"))
    return {w for w in words if w.lower() not in general.lower()}


def _sample_cells() -> list[str]:
    """The text of every workbook cell tagged ``sample``, a sentence at a time."""
    found = []
    for book in sorted((ROOT / "workbooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(book, as_version=4).cells:
            if "sample" in cell.get("metadata", {}).get("tags", []):
                text = cell.source.removeprefix("**On the sample:**").replace("\n", " ")
                found += [s.strip() for s in re.split(r"(?<=[.:;])\s", text) if len(s.strip()) > 25]
    assert found, "no cell is tagged sample: the test would check nothing"
    return found


def _text(path: Path) -> str:
    """What a person reads in an output file."""
    if path.suffix == ".pptx":
        from pptx import Presentation

        deck = Presentation(path)
        shapes = [shape for slide in deck.slides for shape in slide.shapes]
        texts = [s.text_frame.text for s in shapes if s.has_text_frame]
        texts += [c.text for s in shapes if s.has_table for row in s.table.rows for c in row.cells]
        return "\n".join(texts + [s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide])
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    text = path.read_text(encoding="utf-8", errors="replace")
    return html.unescape(text) if path.suffix == ".html" else text


def test_the_other_engagement_runs_to_the_end(run):
    out, _ = run
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and [o["status"] for o in manifest["outputs"]] == ["ok", "ok", "ok"]


def test_no_word_of_the_sample_reaches_its_outputs(run):
    out, _ = run
    words, sentences = _sample_words(), _sample_cells()
    assert len(words) > 30
    files = [p for p in out.rglob("*") if p.suffix in (".ipynb", ".html", ".csv", ".xlsx", ".pptx", ".json")]
    assert len(files) > 40
    found = []
    for path in files:
        text = _text(path)
        found += [(path.name, w) for w in words if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)]
        found += [(path.name, s) for s in sentences if s in text]
    assert found == []
    executed = nbformat.read(out / "02_voice_of_customer.ipynb", as_version=4)
    assert not [c.id for c in executed.cells if "sample" in c.get("metadata", {}).get("tags", [])]
    assert any("solution" in c.get("metadata", {}).get("tags", []) for c in executed.cells)  # the general answers stay


def test_cxm_run_ends_with_the_files_it_wrote(run):
    out, stdout = run
    folder = out.resolve()
    tail = stdout.splitlines()[-5:]
    assert tail == [
        f"Results: {folder}",
        f"  report:     {folder / 'report' / 'index.html'}",
        f"  Excel file: {folder / 'lakeland.xlsx'}",
        f"  slide deck: {folder / 'lakeland.pptx'}",
        "  also in the run folder: the executed workbooks (*.ipynb), artifacts/ (every table) and run.json",
    ]
    assert all((folder / name).is_file() for name in ("report/index.html", "lakeland.xlsx", "lakeland.pptx"))
