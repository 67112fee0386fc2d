"""The methodology files: the bundled model is complete; broken models are refused with every problem listed."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from cxmethods import ConfigError, load_engagement, validate_engagement
from cxmethods.core.paths import templates_dir
from cxmethods.methodology.maturity import STANDARDS, load_model, load_quick_test, load_role_checklist, load_standards, model_for


def test_bundled_model_covers_the_four_components_with_five_levels_and_a_full_crosswalk():
    model = load_model()
    assert {c.id: c.name for c in model.components} == {
        "understand": "Understand the customer",
        "operations": "Build operations around the customer",
        "relationships": "Manage stakeholder relationships",
        "outcomes": "Use customer understanding to deliver target outcomes",
    }
    assert all(4 <= len(c.dimensions) <= 6 for c in model.components)
    assert len(model.level_names) == 5
    standards = load_standards()
    for d in model.dimensions:
        assert len(d.levels) == 5 and len(set(d.levels)) == 5 and all(len(t) > 40 for t in d.levels), d.id
        walk = dict(d.crosswalk)
        assert set(walk) == set(STANDARDS), d.id
        assert all(i in standards[s] for s, ids in walk.items() for i in ids)
    assert len(standards["caf"]) == 28 and len(standards["cse"]) == 15 and len(standards["a11"]) == 5


def test_quick_test_and_role_checklist():
    questions = load_quick_test()
    assert [q.id for q in questions] == [f"q{i}" for i in range(1, 10)]
    statements = load_role_checklist()
    roles = {}
    for s in statements:
        roles.setdefault(s.role, []).append(s)
        assert s.text.startswith("You ")
    assert list(roles) == ["decision_maker", "designer", "service_provider", "channel_manager"]
    assert all(4 <= len(v) <= 8 for v in roles.values())


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
    assert [p.message for p in report.errors] == ["needs exactly 5 level descriptors (level 1 first); found 4."]
    own["components"][0]["dimensions"][0]["levels"].append("Back to five levels, written by this trainer.")
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
