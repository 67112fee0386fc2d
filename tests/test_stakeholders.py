"""Tests for cxmethods.methods.stakeholders: the stakeholder map's findings, the chart, reading the input."""

from __future__ import annotations

import pandas as pd
import pytest

import cxmethods.methods.stakeholders
from cxmethods import InputError, load_engagement
from cxmethods.core.schemas import INPUTS
from cxmethods.methods.stakeholders import FINDINGS, stakeholder_findings, stakeholder_table
from cxmethods.plots.stakeholders import plot_stakeholder_map
from cxmethods.sample import make_sample

COLUMNS = list(INPUTS["stakeholders"].fields)


def _map(*rows: dict) -> pd.DataFrame:
    """A stakeholder table from a few groups; unset fields are missing, as read_input leaves them."""
    return pd.DataFrame([{c: row.get(c, pd.NA) for c in COLUMNS} for row in rows], columns=COLUMNS)


def _target(gid: str, **kw) -> dict:
    return {
        "group_id": gid,
        "group": f"Group {gid}",
        "category": "target_customer",
        "priority": "high",
        "interest": 4,
        "influence": 3,
        "objective": "Gets the outcome it needs",
        **kw,
    }


def _codes(table: pd.DataFrame) -> list[tuple[str, str]]:
    return list(stakeholder_findings(table)[["finding", "group_id"]].itertuples(index=False, name=None))


# --- the sample --------------------------------------------------------------------------------------------


def test_sample_findings_are_the_planted_ones():
    engagement = load_engagement()
    table = stakeholder_table(engagement)
    assert len(table) == 17 and list(table.columns) == COLUMNS
    planted = [(f["finding"], f["group_id"]) for f in make_sample().truth["stakeholder_findings"]]
    assert _codes(table) == planted
    assert {f for f, _ in planted} >= {"no_objective", "no_one_speaks_for_them", "expert_speaks_for_one_segment"}
    found = stakeholder_findings(table)
    assert found.loc[found["group_id"] == "G07", "group"].tolist() == ["Future residents"]


def test_sample_map_has_every_kind_of_stakeholder_and_councillors_are_not_target_customers():
    table = stakeholder_table(load_engagement())
    assert set(table["category"]) == set(cxmethods.methods.stakeholders.CATEGORY_NAMES)
    councillors = table[table["group"].str.contains("Councillors")]
    assert councillors["category"].tolist() == ["customer_representative"]


# --- one check at a time --------------------------------------------------------------------------------------


def test_a_clean_map_has_no_findings():
    clean = _map(
        _target("T1"),
        _target("T2", influence=1, priority="medium"),
        {
            "group_id": "R1",
            "group": "Forum",
            "category": "customer_representative",
            "priority": "low",
            "influence": 4,
            "represents": "T2",
        },
    )
    assert _codes(clean) == []


def test_target_without_objective_may_be_an_indirect_customer():
    found = stakeholder_findings(_map(_target("T1", objective=pd.NA), _target("T2", objective="  ")))
    assert found["finding"].tolist() == ["no_objective"] * 2
    assert found["detail"].str.contains("may be an indirect customer").all()


def test_low_voice_targets_nobody_speaks_for():
    table = _map(
        _target("T1", influence=1),
        _target("T2", influence=2),
        _target("T3", influence=3),
        _target("T4", influence=1),
        _target("T5", influence=pd.NA),
        {"group_id": "E1", "group": "Expert", "category": "independent_expert", "represents": "T4;T1"},
        {"group_id": "P1", "group": "Partner", "category": "intermediary", "represents": "T2"},
    )
    found = stakeholder_findings(table)
    # T1 and T4 have an expert; a plain intermediary does not speak for T2; T3 has a voice; T5's is unknown
    assert found.loc[found["finding"] == "no_one_speaks_for_them", "group_id"].tolist() == ["T2"]
    assert "no one speaks for them" in found["detail"].iloc[0]


def test_a_partner_wearing_the_representative_hat_speaks_for_a_group():
    table = _map(
        _target("T1", influence=1),
        {
            "group_id": "P1",
            "group": "Advice centre",
            "category": "intermediary",
            "hats": "customer_representative",
            "represents": "T1",
        },
    )
    assert _codes(table) == []


@pytest.mark.parametrize("represents, flagged", [("T1", True), ("T1;T2", False), ("I1", False), (pd.NA, False)])
def test_expert_who_speaks_for_one_target_segment(represents, flagged):
    table = _map(
        _target("T1"),
        _target("T2"),
        {"group_id": "I1", "group": "Taxpayers", "category": "indirect_customer", "objective": "Value for money"},
        {"group_id": "E1", "group": "Professor", "category": "independent_expert", "represents": represents},
    )
    found = stakeholder_findings(table)
    assert (("expert_speaks_for_one_segment", "E1") in _codes(table)) is flagged
    if flagged:
        assert "'Group T1' (T1)" in found["detail"].iloc[0] and "representative" in found["detail"].iloc[0]


def test_represents_an_unknown_group():
    table = _map(
        _target("T1"), {"group_id": "R1", "group": "Forum", "category": "customer_representative", "represents": "T1;T9;X"}
    )
    found = stakeholder_findings(table)
    assert _codes(table) == [("unknown_group", "R1")]
    assert "T9, X under represents" in found["detail"].iloc[0] and "those ids" in found["detail"].iloc[0]


def test_hats_repeating_the_main_category_or_naming_no_category():
    table = _map(_target("T1", hats="target_customer;indirect_customer"), _target("T2", hats="partner"))
    assert _codes(table) == [("hat_repeats_category", "T1"), ("unknown_hat", "T2")]


@pytest.mark.parametrize(
    "name, flagged",
    [
        ("Cabinet members", True),
        ("Ministers", True),
        ("Ward councillors", True),
        ("Cabinetmakers' guild", False),
        ("Tenants", False),
    ],
)
def test_decision_makers_listed_as_target_customers(name, flagged):
    table = _map(_target("T1", group=name))
    assert (("decision_makers_as_customers", "T1") in _codes(table)) is flagged


def test_ranking_by_strength_of_voice():
    quiet = {"category": "indirect_customer"}  # so that only the ranking is in question
    mirror = _map(
        _target("A", influence=5, priority="high"),
        _target("B", influence=4, priority="high"),
        _target("C", influence=2, priority="medium", **quiet),
        _target("D", influence=1, priority="low", **quiet),
    )
    found = stakeholder_findings(mirror)
    assert _codes(mirror) == [("ranked_by_voice", "")]
    assert "who shouts loudest" in found["detail"].iloc[0] and "all 4 groups" in found["detail"].iloc[0]
    # a loud group with low priority (or a quiet one with high priority) breaks the mirror: fine
    fine = mirror.copy()
    fine.loc[0, "priority"] = "low"
    assert _codes(fine) == []
    # one priority for all, or too few scored groups, says nothing about ranking
    assert _codes(mirror.assign(priority="high")) == []
    assert _codes(mirror.head(2)) == []


def test_findings_follow_the_documented_order_and_columns():
    table = _map(_target("T1", objective=pd.NA, influence=1, hats="target_customer"))
    found = stakeholder_findings(table)
    assert list(found.columns) == ["finding", "group_id", "group", "detail"]
    assert found["finding"].tolist() == ["no_objective", "no_one_speaks_for_them", "hat_repeats_category"]
    assert list(FINDINGS)[:2] == ["no_objective", "no_one_speaks_for_them"]


def test_an_empty_map_has_no_findings():
    assert stakeholder_findings(_map()).empty


# --- reading and drawing ---------------------------------------------------------------------------------------


def test_stakeholder_table_is_empty_with_its_columns_when_the_engagement_names_none(tiny):
    table = stakeholder_table(load_engagement(tiny.path))
    assert table.empty and list(table.columns) == COLUMNS


def test_stakeholder_table_reads_strictly(tiny):
    tiny.set_file("stakeholders.csv", "group_id,group,category,influence\nG1,Tenants,target_customer,7\n")
    tiny.set_yaml(tiny.yaml.replace("workshop:", "  stakeholders:\n    path: stakeholders.csv\nworkshop:"))
    with pytest.raises(InputError, match=r"influence.*row 2|row 2.*influence"):
        stakeholder_table(load_engagement(tiny.path))


def test_stakeholder_map_renders_as_png():
    table = stakeholder_table(load_engagement())
    chart = plot_stakeholder_map(table)
    assert chart._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")
    labels = {t.get_text() for t in chart.axes[0].texts}
    assert any("Future residents" in t for t in labels)
    assert len(chart.axes[0].get_legend().get_texts()) == 5


def test_stakeholder_map_counts_groups_it_cannot_place():
    table = _map(_target("T1"), _target("T2", interest=pd.NA), _target("T3", influence=pd.NA))
    chart = plot_stakeholder_map(table)
    assert "2 groups without interest and influence not shown" in chart.axes[0].get_title()
    assert chart._repr_png_().startswith(b"\x89PNG")
