"""The artifact registry: names, reading and writing. That the sample run writes exactly the registered tables, with
their columns, is checked in test_end_to_end.py, beside the other checks of that run."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmethods import CxmError, load_engagement
from cxmethods.io.artifacts import (
    ARTIFACTS,
    ROADMAP,
    SEGMENTATION,
    STEPS,
    VOICE_OF_CUSTOMER,
    artifact,
    artifacts_of,
    neutralise_formulas,
    read_table,
    restore_formulas,
    write_table,
)

#: A DDE payload, formulas and the other starts OWASP names, with text that is not a formula beside them.
HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x.example","click")',
    "+44 20 7946 0000",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "''-x",
    "it's =fine",
    "-5",
    "plain",
]


def test_steps_are_the_workbooks_in_order():
    assert [a.step for a in ARTIFACTS] == sorted(a.step for a in ARTIFACTS)
    assert all(artifacts_of(step) for step in STEPS)


def test_an_unregistered_table_is_refused_by_name(tmp_path):
    with pytest.raises(CxmError, match=r"No artifact 'volumes_v2' is registered for step '02_voice_of_customer' \(known: "):
        write_table(pd.DataFrame({"a": [1]}), tmp_path, VOICE_OF_CUSTOMER, "volumes_v2")
    with pytest.raises(CxmError, match=r"No artifact 'x' is registered for step '06_extra' \(known: 00_start_here, "):
        artifact("06_extra", "x")


def test_reading_keeps_text_as_written_and_empty_cells_missing(tmp_path):
    table = pd.DataFrame({"area": ["NA", "None", None], "contacts": [1, 2, 3]})
    write_table(table, tmp_path, VOICE_OF_CUSTOMER, "areas")
    back = read_table(tmp_path, VOICE_OF_CUSTOMER, "areas")
    assert back["area"].tolist()[:2] == ["NA", "None"] and pd.isna(back["area"].iloc[2])


def test_a_missing_table_names_the_workbook_to_run_unless_optional(tmp_path):
    with pytest.raises(CxmError, match=r"segments\.csv is missing: run workbook 03_segmentation first \(cxm run --only 03\)"):
        read_table(tmp_path, SEGMENTATION, "segments")
    assert read_table(tmp_path, SEGMENTATION, "segments", optional=True) is None


def test_a_table_without_a_column_a_later_step_needs_says_how_to_fix_it(tmp_path):
    path = tmp_path / "artifacts" / ROADMAP
    path.mkdir(parents=True)
    (path / "backlog.csv").write_text("id,title\nI1,Online forms\n")  # backlog needs no column: read as it is
    assert read_table(tmp_path, ROADMAP, "backlog")["id"].tolist() == ["I1"]
    (tmp_path / "artifacts" / SEGMENTATION).mkdir()
    (tmp_path / "artifacts" / SEGMENTATION / "self_service.csv").write_text("segment,share\nA,0.5\n")
    with pytest.raises(CxmError, match=r"self_service\.csv has no column\(s\) capacity: .* run workbook 03_segmentation again"):
        read_table(tmp_path, SEGMENTATION, "self_service")


def test_cxm_run_without_out_uses_the_one_default_run_folder(tiny, tmp_path, monkeypatch):
    from cxmethods import run_engagement, run_folder

    monkeypatch.setenv("CXM_OUT", str(tmp_path / "runs"))
    result = run_engagement(tiny.path, only="00", outputs=False)
    assert result.out_dir == run_folder(None, load_engagement(tiny.path)) == (tmp_path / "runs" / "tiny").resolve()
    assert (result.out_dir / "artifacts" / "00_start_here" / "problems.csv").is_file()


def test_formula_like_text_is_neutralised_in_the_csv_and_read_back_as_it_was(tmp_path):
    table = pd.DataFrame({"reason": HOSTILE, "contacts": range(-6, 6), "share": [-0.5] * 12})
    table["=channel"] = "phone"  # a column named from the data (e.g. one per channel)
    path = write_table(table, tmp_path, VOICE_OF_CUSTOMER, "contact_reasons")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r")) or (c.startswith("-") and c[1:2].isalpha())]
    raw = path.read_text(encoding="utf-8")
    assert "\"'=cmd|' /C calc'!A0\"" in raw and "\"''=already quoted\"" in raw  # prefixed and in quotes
    assert ",-6,-0.5," in raw and "\n-5," in raw  # numbers, and text that is a number, stay as they were
    assert rows[0][-1] == "'=channel"
    back = read_table(tmp_path, VOICE_OF_CUSTOMER, "contact_reasons")
    pd.testing.assert_frame_equal(back, table)


def test_a_table_without_formula_like_text_is_written_byte_for_byte_as_pandas_writes_it(tmp_path):
    table = pd.DataFrame({"reason": ["Missed bin", 'it\'s, "quoted"'], "contacts": [-1, 2], "share": [0.1, None]})
    path = write_table(table, tmp_path, VOICE_OF_CUSTOMER, "contact_reasons")
    assert path.read_bytes() == table.to_csv(index=False, lineterminator="\n").encode("utf-8")
    assert neutralise_formulas(table) is table


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_TEXT = st.text(alphabet=st.sampled_from(list("'=+-@\t\r\n,\"a1. ")), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=5))
def test_neutralising_then_restoring_gives_back_any_text_exactly(values):
    table = pd.DataFrame({"text": pd.Series(values, dtype=object)})
    safe = neutralise_formulas(table)
    # nothing starts with a formula character but a number written as text ("+1", "-5"), which stays a number
    live = [v for v in safe["text"] if v.startswith(("=", "+", "-", "@", "\t", "\r")) and not _NUMBER.fullmatch(v)]
    assert live == []
    pd.testing.assert_frame_equal(restore_formulas(safe), table)
