"""Input field specs: the text a workshop types that reaches a client output is marked for redaction."""

from __future__ import annotations

import pytest

from cxmethods.core.schemas import INPUTS

# Typed by people, shown in the report, the Excel file or the deck: each may name someone (issue 18).
REACHES_OUTPUTS = [
    ("initiatives", "name"),
    ("initiatives", "description"),
    ("levers", "source"),
    ("stakeholders", "group"),
    ("stakeholders", "objective"),
    ("segment_names", "name"),
    ("segment_names", "pen_portrait"),
    ("segment_names", "objective"),
    ("self_assessment", "evidence"),
    ("consensus", "rationale"),
    ("assumptions", "note"),
    ("backlog", "note"),
    ("quick_test", "note"),
    ("role_checklist", "note"),
]


@pytest.mark.parametrize(("table", "field"), REACHES_OUTPUTS)
def test_workshop_text_that_reaches_outputs_is_redacted(table, field):
    assert INPUTS[table].fields[field].free_text


def test_only_text_fields_are_marked_free_text():
    marked = [(t, n, f.kind) for t, spec in INPUTS.items() for n, f in spec.fields.items() if f.free_text]
    assert marked and all(kind == "text" for _, _, kind in marked)
