"""The methodology files: the bundled model is complete; broken models are refused with every problem listed."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from cxmethods import ConfigError, load_engagement, validate_engagement
from cxmethods.core.paths import templates_dir
from cxmethods.methodology.maturity import (
    STANDARDS,
    load_model,
    load_quick_test,
    load_role_checklist,
    load_standards,
    model_for,
    repeated_phrases,
)

V1_IDS = """understand.definition understand.segmentation understand.insight understand.outcomes understand.feedback
operations.strategy operations.measures operations.structure operations.processes operations.systems operations.behaviours
relationships.engagement relationships.satisfaction relationships.knowledge relationships.roles relationships.brand
outcomes.vision outcomes.redesign outcomes.policy_link outcomes.low_value outcomes.channels""".split()


def test_bundled_model_v2_four_enablers_a_results_component_and_single_criteria_with_evidence():
    model = load_model()
    assert model.version == "2.0" and model.best_fit and model.changes[0].version == "2.0"
    assert {c.id: (c.name, c.kind) for c in model.components} == {
        "understand": ("Understand the customer", "enabler"),
        "operations": ("Build operations around the customer", "enabler"),
        "relationships": ("Manage stakeholder relationships", "enabler"),
        "outcomes": ("Use customer understanding to deliver target outcomes", "enabler"),
        "results": ("Results", "results"),
    }
    ids = [d.id for d in model.dimensions]
    assert set(V1_IDS) <= set(ids), "every version 1 id is kept, so earlier answers carry over"
    for new in (
        "operations.leadership",
        "operations.empowerment",
        "operations.data_ethics",
        "relationships.partnership",
        "relationships.complaints",
        "outcomes.inclusion",
    ):  # the dimensions the assessor found missing
        assert new in ids
    assert len(model.level_names) == 5
    for d in model.dimensions:
        assert len(d.criteria) == len(d.evidence) == 5, d.id
        assert all(1 <= len(c) <= 3 for c in d.criteria) and all(2 <= len(e) <= 3 for e in d.evidence), d.id
        assert all(len(c.split()) <= 22 for level in d.criteria for c in level), d.id
        assert len(set(d.levels)) == 5, d.id


def test_bundled_crosswalk_maps_enablers_to_enablers_and_results_to_results_at_cse_element_level():
    model = load_model()
    standards = load_standards()
    results = {"6.1", "6.2", "7.1", "7.2", "8.1", "8.2", "9.1", "9.2"}
    elements = 0
    for c in model.components:
        for d in c.dimensions:
            walk = dict(d.crosswalk)
            assert set(walk) <= set(STANDARDS) and walk["a11"], d.id  # no CSE element fits some dimensions
            assert all(i in standards[s] for s, ids in walk.items() for i in ids), d.id
            assert walk["caf"] and all((i in results) == (c.kind == "results") for i in walk["caf"]), d.id
            elements += sum(i.count(".") == 2 for i in walk.get("cse", ()))
    assert elements >= 30, "the crosswalk names Customer Service Excellence elements, where the evidence is assessed"
    assert len(standards["caf"]) == 28 and len(standards["a11"]) == 5
    assert sum(i.count(".") == 1 for i in standards["cse"]) == 15


def test_bundled_model_places_each_phrase_once_and_needs_no_partner_below_partnership():
    model = load_model()
    assert repeated_phrases(model).empty
    for d in model.dimensions:
        if d.id != "relationships.partnership":
            text = " ".join(c for level in d.criteria for c in level).lower()
            assert "partner" not in text, f"{d.id}: only relationships.partnership may need other bodies"


def test_repeated_phrases_flags_one_piece_of_evidence_at_two_levels_but_not_shared_terms(tmp_path):
    raw = yaml.safe_load((templates_dir() / "maturity_model.yaml").read_text())
    dims = raw["components"][0]["dimensions"]
    dims[0]["levels"][2]["criteria"].append("Staff can see one shared customer history.")
    dims[1]["levels"][3]["evidence"].append("One shared customer history, open to all")
    dims[2]["levels"][1]["criteria"].append("Front-line staff say so.")
    dims[3]["levels"][3]["criteria"].append("Front-line staff agree.")
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(raw))
    found = repeated_phrases(load_model(path))
    assert found["phrase"].tolist() == ["shared customer history"]  # 'one' carries no meaning; 'front-line staff' is shared
    assert found["where"].tolist() == [f"{dims[0]['id']} level 3; {dims[1]['id']} level 4"]


def test_an_enabler_mapped_to_a_results_criterion_is_refused(tmp_path):
    raw = yaml.safe_load((templates_dir() / "maturity_model.yaml").read_text())
    raw["components"][0]["dimensions"][0]["crosswalk"]["caf"] = ["6.1"]
    raw["components"][4]["dimensions"][0]["crosswalk"]["caf"] = ["1.1"]
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as info:
        load_model(path)
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 2
    assert "is in an enabler component but maps to caf 6.1, a results criterion." in messages[0]
    assert "is in a results component but maps to caf 1.1, an enabler criterion." in messages[1]


def test_answers_of_an_earlier_version_carry_over_by_the_change_log(tmp_path):
    raw = yaml.safe_load((templates_dir() / "maturity_model.yaml").read_text())
    raw["version"] = "3.0"
    raw["components"][0]["dimensions"][0]["id"] = "understand.who"
    raw["changes"].insert(
        0,
        {
            "version": "3.0",
            "summary": "x",
            "renamed": {"understand.definition": "understand.who"},
            "removed": ["outcomes.brand_old"],
        },
    )
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(raw))
    model = load_model(path)
    assert model.carry_over("understand.who") == ("understand.who", "")
    assert model.carry_over("understand.definition") == ("understand.who", "renamed 'understand.who' in version 3.0")
    assert model.carry_over("outcomes.brand_old") == (None, "removed in version 3.0")
    assert model.carry_over("nonsense") == (None, "not a dimension of this model")
    raw["changes"][0]["renamed"] = {"understand.definition": "understand.nowhere"}
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=r"renames 'understand\.definition' to 'understand\.nowhere', which is no dimension"):
        load_model(path)


def test_quick_test_and_role_checklist():
    questions = load_quick_test()
    assert [q.id for q in questions] == [f"q{i}" for i in range(1, 10)]
    assert questions[-1].component == "readiness"  # the capacity to change is a precondition, not one component
    statements = load_role_checklist()
    roles = {}
    for s in statements:
        roles.setdefault(s.role, []).append(s)
        assert s.text.startswith("You ")
    assert list(roles) == ["decision_maker", "designer", "service_provider", "channel_manager"]
    assert all(4 <= len(v) <= 11 for v in roles.values())


BROKEN = """\
name: broken
levels: [a, b, c, d, e]
components:
  - id: understand
    name: Understand
    dimensions:
      - id: understand.one
        name: One
        levels: [l1, l2, l3, l4]
        crosswalk: {caf: ["1.1", "12.9"], iso: ["9001"]}
      - id: understand.one
        name: Duplicate
        levels: [l1, l2, l3, l4, l5]
  - id: operations
    name: No dimensions
"""


def test_a_broken_model_lists_every_problem_with_its_line(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(BROKEN)
    with pytest.raises(ConfigError) as info:
        load_model(path)
    found = [str(p) for p in info.value.problems]
    assert f"{path} line 9: needs exactly 5 level descriptors (level 1 first); found 4." in found[0]
    assert any("line 10: dimension 'understand.one': crosswalk to unknown caf criterion '12.9'." in p for p in found)
    assert any("crosswalk names an unknown standard 'iso'. Fix: Use caf, cse, a11." in p for p in found)
    assert any("line 11: duplicate id 'understand.one'." in p for p in found)
    assert any("'dimensions' should be a non-empty list." in p for p in found)
    assert len(found) == 5
    assert "The maturity model has problems" in str(info.value)


def test_an_engagement_can_use_its_own_model_and_validation_reports_its_problems(tiny, tmp_path):
    own = yaml.safe_load((templates_dir() / "maturity_model.yaml").read_text())
    own["components"][0]["dimensions"][0]["levels"].pop()
    (tiny.folder / "our_model.yaml").write_text(yaml.safe_dump(own))
    tiny.set_yaml(
        tiny.yaml
        + textwrap.dedent("""\
        settings:
          self_assessment:
            model: our_model.yaml
        """)
    )
    report = validate_engagement(tiny.path)
    assert [p.message for p in report.errors] == ["needs exactly 5 levels (level 1 first); found 4."]
    own["components"][0]["dimensions"][0]["levels"].append(
        {"criteria": ["Back to five levels, written by this trainer."], "evidence": ["A trainer's note"]}
    )
    own["components"][0]["dimensions"][0]["name"] = "Our own name"
    (tiny.folder / "our_model.yaml").write_text(yaml.safe_dump(own))
    assert model_for(load_engagement(tiny.path)).dimensions[0].name == "Our own name"


def test_quick_test_with_an_unknown_component(tmp_path):
    path = tmp_path / "qt.yaml"
    path.write_text("questions:\n  - {id: q1, component: finance, text: 'Do we?'}\n  - {id: q1, component: understand}\n")
    with pytest.raises(ConfigError) as info:
        load_quick_test(path)
    assert [p.message for p in info.value.problems] == [
        "unknown component 'finance'.",
        "duplicate id 'q1'.",
        "an entry has no text.",
    ]


def test_model_that_is_not_yaml_names_the_line(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text("components:\n  - {id: a, text: Do we?}\n")
    with pytest.raises(ConfigError, match=r"model\.yaml line 2: cannot be read as YAML"):
        load_model(path)


def test_validation_warns_of_an_own_model_that_repeats_evidence(tiny):
    own = yaml.safe_load((templates_dir() / "maturity_model.yaml").read_text())
    dims = own["components"][0]["dimensions"]
    dims[0]["levels"][2]["criteria"].append("Staff can see one shared customer history.")
    dims[1]["levels"][3]["criteria"].append("A shared customer history exists.")
    (tiny.folder / "our_model.yaml").write_text(yaml.safe_dump(own))
    tiny.set_yaml(tiny.yaml + "settings:\n  self_assessment:\n    model: our_model.yaml\n")
    report = validate_engagement(tiny.path)
    assert not report.errors
    warned = [p.message for p in report.problems if "more than one level" in p.message]
    assert warned == [
        f"1 phrase(s) appear at more than one level or in more than one dimension: 'shared customer history' "
        f"({dims[0]['id']} level 3; {dims[1]['id']} level 4)."
    ]


def test_a_model_written_the_version_1_way_still_loads(tmp_path):
    """One text per level and no component kinds: read as it was (no criteria lists, no enabler/results check)."""
    path = tmp_path / "old.yaml"
    path.write_text(
        textwrap.dedent("""\
        name: Our old model
        levels: [a, b, c, d, e]
        components:
          - id: understand
            name: Understand
            dimensions:
              - id: understand.one
                name: One
                levels: [Nothing is done., Some is done., It is written down., It is measured., Customers shape it.]
                crosswalk: {caf: ["6.1"], cse: ["1.3"]}
        """)
    )
    model = load_model(path)
    d = model.dimension("understand.one")
    assert d.levels[2] == "It is written down." and d.criteria == d.evidence == () and d.examples(3) == ()
    assert model.version == "" and model.components[0].kind == "enabler"
