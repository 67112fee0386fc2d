"""No personal data in any output: plant it in every free-text field and id a real export could carry, run the
whole pipeline, and scan every file the run writes (text, and inside Excel, PowerPoint and Parquet files)."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from cxmethods.sample import write_sample

# Made-up but well-formed: reserved example domains and numbers, a test card number that passes the Luhn check.
PLANTED = {
    "name": "Mrs Philippa Oyelaran-Whitcombe",
    "own name": "My name is Desmond Achterberg",
    "email": "desmond.achterberg@example.org",
    "uk mobile": "07700 900461",
    "uk landline": "020 7946 0958",
    "us phone": "(555) 201-3344",
    "ni number": "QQ 12 34 56 C",
    "ssn": "078-05-1120",
    "card": "4111 1111 1111 1111",
    # what got past the redactor before (issue 18): every kind, in any case, disguised characters included
    "untitled name": "Margaret Okonkwo-Reyes called me",
    "capitals": "MR HALVORSEN",
    "lower-case self-introduction": "my name is ignatius pemberton",
    "iban": "GB82 WEST 1234 5698 7654 32",
    "ipv4": "203.0.113.77",
    "ipv6": "2001:db8::8a2e:370:7334",
    "date of birth": "born 14/07/1979",
    "lower-case postcode": "sw1a 1aa",
    "street address": "17 high street",
    "flat": "Flat 3, 12 Station Road",
    "international phone": "+48 22 123 45 67",
    "dotted card": "5500.0000.0000.0004",
    "sort code and account": "sort code 40-47-84 account 70872490",
    "nhs number": "943 476 5919",
    "cyrillic name": "Иван Петров",
    "arabic name": "spoke to محمد علي",
    "chinese name": "spoke to 王伟",
    "zero-width phone": "07700\u200b900462",
    "full-width e-mail": "ignatius\uff20example\uff0eorg",
    "name in no list": "Zanele Dlamini",  # for the name model: no rule or list knows it
}
# What a scan looks for: each value, and the parts of it that would still identify someone on their own.
NEEDLES = sorted(
    {
        *PLANTED.values(),
        "Oyelaran-Whitcombe",
        "Dlamini",
        "Achterberg",
        "desmond.achterberg",
        "7946 0958",
        "900461",
        "201-3344",
        "12 34 56",
        "078-05-1120",
        "4111 1111",
        "4111111111111111",
        "Okonkwo-Reyes",
        "HALVORSEN",
        "pemberton",
        "WEST 1234",
        "203.0.113.77",
        "8a2e:370:7334",
        "14/07/1979",
        "sw1a",
        "high street",
        "Station Road",
        "123 45 67",
        "5500.0000",
        "70872490",
        "476 5919",
        "Петров",
        "محمد",
        "王伟",
        "900462",
        "ignatius",
    }
)
# Customer ids in some exports are e-mail addresses or phone numbers: they are hashed before any analysis.
CUSTOMER_IDS = ["gwendolyn.pryce-armitage@example.com", "07700 900777"]


def _planted_sample(folder: Path) -> list:
    """A copy of the sample with the values above planted in it, and the `cxm run` of it into ``out/riverton``
    (tests/conftest.py runs it in the background as soon as the tests are collected)."""
    write_sample(folder)
    survey = pd.read_csv(folder / "resident_survey.csv", dtype=str, keep_default_na=False)
    texts = [f"Rang three times. {v}, please call back." for v in PLANTED.values()]
    texts += [
        f"{PLANTED['name']} was rude; reach me on {PLANTED['email']} or {PLANTED['uk mobile']}.",
        f"{PLANTED['own name']}, NI {PLANTED['ni number']}, card {PLANTED['card']} was charged twice.",
    ]
    survey.loc[: len(texts) - 1, "comment"] = texts
    survey.to_csv(folder / "resident_survey.csv", index=False)

    with gzip.open(folder / "contact_log.csv.gz", "rt", encoding="utf-8") as fh:
        log = pd.read_csv(fh, dtype=str, keep_default_na=False)
    first = log["customer_ref"].iloc[0]
    log.loc[log["customer_ref"] == first, "customer_ref"] = CUSTOMER_IDS[0]  # a customer who called more than once
    log.loc[5, "customer_ref"] = CUSTOMER_IDS[1]
    with gzip.open(folder / "contact_log.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        log.to_csv(fh, index=False)

    answers = pd.read_csv(folder / "workshop" / "self_assessment.csv", dtype=str, keep_default_na=False)
    answers.loc[0, "evidence"] = f"Complaint from {PLANTED['name']} ({PLANTED['email']}, {PLANTED['uk landline']}) shows it."
    answers.to_csv(folder / "workshop" / "self_assessment.csv", index=False)
    consensus = pd.read_csv(folder / "workshop" / "consensus.csv", dtype=str, keep_default_na=False)
    consensus.loc[0, "rationale"] = f"As the case of {PLANTED['own name']} (SSN {PLANTED['ssn']}) showed."
    consensus.to_csv(folder / "workshop" / "consensus.csv", index=False)
    # the team's own files: an initiative's description and a stakeholder group's objective
    initiatives = pd.read_csv(folder / "initiatives.csv", dtype=str, keep_default_na=False)
    initiatives.loc[0, "description"] = f"Suggested by {PLANTED['name']}, who left {PLANTED['us phone']}."
    initiatives.loc[1, "name"] = f"Call-back for {PLANTED['untitled name'].split(' called')[0]}"  # names reach the deck
    initiatives.loc[2, "name"] = f"Web forms rebuilt with {PLANTED['name in no list']}"  # only the model knows it
    initiatives.to_csv(folder / "initiatives.csv", index=False)
    stakeholders = pd.read_csv(folder / "stakeholders.csv", dtype=str, keep_default_na=False)
    stakeholders.loc[0, "objective"] = f"Reply within a day, as promised to {PLANTED['own name']} ({PLANTED['ni number']})."
    stakeholders.to_csv(folder / "stakeholders.csv", index=False)
    return [["cxm", "run", str(folder / "engagement.yaml"), "--out", str(folder / "out" / "riverton")]]


pytestmark = pytest.mark.pipeline_run(prepare=_planted_sample)


def _texts(path: Path):
    """(name, text) for a file and, for Excel/PowerPoint/Parquet files, for what is inside them."""
    data = path.read_bytes()
    if path.suffix in (".xlsx", ".pptx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield f"{path.name}:{member}", archive.read(member).decode("utf-8", errors="replace")
    elif path.suffix == ".parquet":
        yield path.name, pq.read_table(path).to_pandas().to_csv()
    yield path.name, data.decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def run(pipeline_runs) -> Path:
    return (
        pipeline_runs.result(_planted_sample).folder / "out" / "riverton"
    )  # it failed unless every workbook and output was made


def test_no_planted_personal_data_in_any_output(run):
    files = [p for p in run.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".csv", ".parquet", ".json", ".html", ".xlsx", ".pptx", ".ipynb"} <= kinds  # every kind of output was scanned
    leaks = sorted(
        {(name, needle) for p in files for name, text in _texts(p) for needle in NEEDLES + CUSTOMER_IDS if needle in text}
    )
    assert leaks == []


def test_the_planted_comments_were_analysed_not_dropped(run):
    redacted = pd.read_csv(run / "artifacts" / "02_voice_of_customer" / "personal_data_redacted.csv")
    assert redacted["count"].sum() >= 58 + len(PLANTED)  # the sample's own planted items, and ours
    # the table says it counts what was caught, and how much of each kind testing found it catches
    assert {"measured_recall", "note"} <= set(redacted.columns)
    assert "not what was there" in redacted.set_index("kind").loc["name", "note"]
