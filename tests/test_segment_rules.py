"""Tests for cxmethods.methods.segment_rules: loading trees, applying them to data, sizes, scope and parameters, and
the process steps."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from cxmethods import ConfigError, load_engagement, read_input
from cxmethods.core.paths import templates_dir, workbooks_dir
from cxmethods.methods.segment_rules import OUTSIDE, apply_rules, load_process, load_rules, segment_sizes

DWP = templates_dir() / "segment_rules_dwp.yaml"


def _tree(tmp_path, text: str):
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_rules(path)


def _problems(tmp_path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        _tree(tmp_path, text)
    return str(info.value)


# two levels, exclusive and complete on PEOPLE below; tests break one thing at a time
GOOD = """\
name: test
segments:
  - id: work
    name: In work
    when: {field: status, in: [employed, self-employed]}
    children:
      - id: work.online
        when: {field: digital, ">=": 4}
        objective: Done online first time
      - id: work.assisted
        when: {field: digital, "<": 4}
        objective: Done without a second call
  - id: other
    when: {field: status, not_in: [employed, self-employed]}
    objective: Reach a person who can help
"""
PEOPLE = pd.DataFrame(
    {"status": ["employed", "Self-Employed", "retired", "employed", "student"], "digital": [5, 2, 1, 4, 3]},
    index=[10, 11, 12, 13, 14],
)


# --- the DWP template -----------------------------------------------------------------------------------------


def test_dwp_template_loads_with_published_sizes_that_add_up():
    tree = load_rules(DWP)
    assert "PwC (2002), Component 1" in tree.source
    frame = tree.to_frame().set_index("id")
    assert frame.loc["employee", "rule"] == "age >= 16 and employment_status in [employee]"
    published = {"not_in_paid_work": 9.2e6, "employee": 24e6, "self_employed": 3.2e6}
    for parent, total in published.items():
        assert frame.loc[parent, "size"] == total
        assert frame.loc[frame["parent"] == parent, "size"].sum() == pytest.approx(total)
    sizes = segment_sizes(tree).set_index("leaf_id")
    assert len(sizes) == 7 and sizes["objective"].str.len().gt(20).all()
    assert sizes.loc["employee.with_pension", "size"] == 14.4e6 and sizes.loc["not_in_paid_work.jobseekers", "size"] == 1.5e6
    # the under-16s' size is not recoverable from the report: shown as such, not as a silent zero
    assert pd.isna(sizes.loc["pre_working_age", "size"]) and sizes.loc["pre_working_age", "size_source"] == "not published"
    assert sizes["size"].sum() == pytest.approx(36.4e6) and sizes["share"].sum() == pytest.approx(1)
    assert sizes.loc["employee.with_pension", "path"] == "Working for an employer > Employees with a private second pension"


def test_dwp_template_objectives_are_outcomes_for_people():
    sizes = segment_sizes(load_rules(DWP))
    assert sizes["objective"].is_unique
    assert sizes["objective"].str.contains("S2P").sum() == 1


def test_dwp_template_says_nothing_the_report_does_not():
    # the report names carers and disabled people only in the S2P objective; it does not describe the 7.7m
    tree = load_rules(DWP)
    assert all(not node.description for node, _ in tree.walk())
    assert "mostly" not in DWP.read_text(encoding="utf-8").split("segments:", 1)[1].lower()


def test_dwp_tree_covers_only_people_under_state_pension_age():
    tree = load_rules(DWP)
    spa = {p.name: p for p in tree.parameters}["state_pension_age"]
    assert spa.value == 66 and "Pensions Act" in spa.source and "67" in spa.source
    assert tree.scope_rule == "age < 66 (state pension age)"
    people = pd.DataFrame(
        {
            "age": [12, 40, 65, 66, 80, None],
            "employment_status": ["not_in_paid_work", "employee", "self_employed", "employee", "not_in_paid_work", "employee"],
            "seeking_work": [False, False, False, False, False, False],
            "private_second_pension": [False, True, False, True, False, False],
        }
    )
    assignment, problems = apply_rules(tree, people)
    # at or over State Pension age: outside the population, so today's pensioners are in no future-pensioner segment
    assert assignment.tolist()[:5] == [
        "pre_working_age",
        "employee.with_pension",
        "self_employed.without_pension",
        OUTSIDE,
        OUTSIDE,
    ]
    # a missing age cannot be tested against the scope: kept, and said (the tree's own age rules then leave it out)
    assert pd.isna(assignment.iloc[5])
    assert any("have no usable 'age'" in p.message and p.severity == "warning" for p in problems)
    sizes = segment_sizes(tree, assignment).set_index("leaf_id")
    assert sizes.loc[OUTSIDE, "size"] == 2 and pd.isna(sizes.loc[OUTSIDE, "share"])
    assert "age under 66 (State pension age)" in sizes.loc[OUTSIDE, "name"]
    assert sizes.drop(OUTSIDE)["share"].sum() == pytest.approx(1)  # shares of the four in the population
    assert sizes.loc["employee.with_pension", "share"] == pytest.approx(1 / 4)


def test_a_lower_state_pension_age_moves_people_out(tmp_path):
    text = DWP.read_text(encoding="utf-8").replace("    value: 66\n", "    value: 60\n")
    path = tmp_path / "dwp.yaml"
    path.write_text(text, encoding="utf-8")
    people = pd.DataFrame(
        {"age": [61], "employment_status": ["employee"], "seeking_work": [False], "private_second_pension": [True]}
    )
    assert apply_rules(load_rules(path), people)[0].tolist() == [OUTSIDE]
    assert apply_rules(load_rules(DWP), people)[0].tolist() == ["employee.with_pension"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("parameters:\n  spa: {value: sixty-six, source: x}\n", r"parameter 'spa' needs a number as its value"),
        ("parameters:\n  spa: {value: 66}\n", r"parameter 'spa' has no source"),
        ("parameters:\n  spa: {value: 66, source: x, unit: years}\n", r"unknown key 'unit'"),
        (
            "parameters:\n  spa: {value: 66, source: x}\nscope:\n  - {field: age, '<': sap}\n",
            r"'<' names 'sap', which is not a parameter\. Did you mean 'spa'\?",
        ),
        ("scope: everyone\n", r"rule 'scope' has no usable scope"),
    ],
)
def test_broken_parameters_and_scope_say_what(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        _tree(tmp_path, text + GOOD)


def test_scope_fields_must_be_in_the_data(tmp_path):
    tree = _tree(tmp_path, "scope:\n  - {field: age, '>=': 18}\n" + GOOD)
    with pytest.raises(ConfigError, match=r"rule 'scope' tests field 'age', which the data lacks"):
        apply_rules(tree, PEOPLE)


# --- the sample engagement's tree -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_fit():
    engagement = load_engagement()
    tree = load_rules(engagement.resolve(engagement.settings.segmentation.rules))
    survey = read_input(engagement, "survey")
    return tree, survey, *apply_rules(tree, survey)


def test_sample_tree_covers_every_respondent_exactly_once(sample_fit):
    tree, survey, assignment, problems = sample_fit
    assert problems == []
    assert assignment.notna().all() and assignment.index.equals(survey.index)
    assert set(assignment) == {leaf.id for leaf in tree.leaves()}


def test_sample_tree_sizes_from_the_survey(sample_fit):
    tree, survey, assignment, _ = sample_fit
    sizes = segment_sizes(tree, assignment)
    assert sizes["size_source"].eq("data").all() and "(unassigned)" not in set(sizes["leaf_id"])
    assert sizes["size"].sum() == len(survey) and sizes["share"].sum() == pytest.approx(1)
    assert sizes["share"].min() > 0.05  # every segment big enough to matter
    online = sizes.set_index("leaf_id").loc["working.online", "size"]
    assert (
        online == ((survey["employment_status"].isin(["employed", "self-employed"])) & (survey["digital_confidence"] >= 4)).sum()
    )


# --- applying rules -----------------------------------------------------------------------------------------


def test_good_tree_assigns_each_row_once_ignoring_case(tmp_path):
    assignment, problems = apply_rules(_tree(tmp_path, GOOD), PEOPLE)
    assert problems == []
    assert assignment.to_dict() == {10: "work.online", 11: "work.assisted", 12: "other", 13: "work.online", 14: "other"}


def test_overlapping_siblings_are_an_error_naming_both_rules(tmp_path):
    tree = _tree(tmp_path, GOOD.replace('"<": 4', '"<=": 4'))
    assignment, problems = apply_rules(tree, PEOPLE)
    assert len(problems) == 1 and problems[0].severity == "error"
    text = str(problems[0])
    assert "rules.yaml line 10" in text and "rules 'work.online' and 'work.assisted' overlap" in text
    assert "1 row (index 13) match both" in text and "go to 'work.online', the first" in text
    assert assignment[13] == "work.online"


def test_uncovered_rows_are_a_warning_naming_the_rule_and_their_values(tmp_path):
    tree = _tree(tmp_path, GOOD.replace("not_in: [employed, self-employed]", "in: [retired]"))
    assignment, problems = apply_rules(tree, PEOPLE)
    assert [p.severity for p in problems] == ["warning"]
    assert "1 row (index 14) match none of the top-level segments" in str(problems[0])
    assert "status: student (1)" in str(problems[0]) and "when: otherwise" in problems[0].fix
    assert pd.isna(assignment[14])
    sizes = segment_sizes(tree, assignment)
    assert sizes.iloc[-1]["leaf_id"] == "(unassigned)" and sizes.iloc[-1]["size"] == 1
    assert sizes["share"].sum() == pytest.approx(1)


def test_uncovered_rows_under_a_node_name_that_node(tmp_path):
    data = PEOPLE.assign(digital=[5, None, 1, 4, 3])
    _, problems = apply_rules(_tree(tmp_path, GOOD), data)
    assert len(problems) == 1 and "match none of the children of 'work'" in problems[0].message
    assert "index 11" in problems[0].message and "digital: missing (1)" in problems[0].message
    assert problems[0].where.endswith("line 3")


def test_otherwise_takes_the_rest(tmp_path):
    tree = _tree(tmp_path, GOOD.replace("when: {field: status, not_in: [employed, self-employed]}", "when: otherwise"))
    assignment, problems = apply_rules(tree, PEOPLE.assign(digital=[5, 2, 1, 4, None]))
    assert problems == [] and assignment[[12, 14]].tolist() == ["other", "other"]
    assert tree.to_frame().set_index("id").loc["other", "rule"] == "otherwise"


def test_a_field_the_data_lacks_is_an_error_naming_field_and_rule(tmp_path):
    tree = _tree(tmp_path, GOOD)
    with pytest.raises(
        ConfigError,
        match=r"(?s)rules\.yaml line 7.*rule 'work\.online' tests field 'digital', which the data "
        r"lacks\. Did you mean 'digitl'\?",
    ):
        apply_rules(tree, PEOPLE.rename(columns={"digital": "digitl"}))


def test_numeric_comparison_on_text_values_is_reported(tmp_path):
    _, problems = apply_rules(_tree(tmp_path, GOOD), PEOPLE.assign(digital=["5", "high", "1", "4", "3"]))
    odd = [p for p in problems if "compares 'digital' with a number" in p.message]
    assert len(odd) == 2 and "1 row (index 11)" in odd[0].message  # both siblings say so


@pytest.mark.parametrize(
    "condition, expected",
    [
        ("{field: flag, in: [yes]}", [0]),
        ("{field: flag, in: [true]}", [0]),
        ("{field: flag, '==': false}", [1]),
        ("{field: flag, missing: true}", [2]),
        ("{field: flag, missing: false}", [0, 1]),
        ("{field: flag, not_in: [yes]}", [1]),
    ],
)
def test_conditions_on_a_yes_no_field_with_missing_values(tmp_path, condition, expected):
    tree = _tree(
        tmp_path,
        f"name: t\nsegments:\n  - id: a\n    when: {condition}\n    objective: x\n  - id: b\n    when: otherwise\n"
        "    objective: y\n",
    )
    for flags in (pd.array([True, False, pd.NA], dtype="boolean"), pd.Series(["yes", "no", None])):
        assignment, _ = apply_rules(tree, pd.DataFrame({"flag": flags}))
        assert assignment[assignment == "a"].index.tolist() == expected


# --- broken files: every problem, with its line and rule ------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('"<": 4', '"<>": 4', r"line 11: rule 'work\.assisted': unknown operator '<>'"),
        ('"<": 4', "between: [1, 3]", r"unknown operator 'between'.*Operators: in, not_in"),
        ('{field: digital, "<": 4}', "{field: digital}", r"a condition on 'digital' needs exactly one operator; found 0"),
        ('{field: digital, "<": 4}', '{field: digital, "<": 4, ">": 1}', r"needs exactly one operator; found 2"),
        ('{field: digital, "<": 4}', '{"<": 4}', r"rule 'work\.assisted': a condition has no field"),
        ('"<": 4', '"<": four', r"'<' needs a number\. Got 'four' instead"),
        ("in: [employed, self-employed]", "in: employed", r"'in' needs a list"),
        (
            "        objective: Done without a second call\n",
            "",
            r"line 10: rule 'work\.assisted' is a segment \(it has no children\) but no objective.*indirect customer",
        ),
        ("id: work.assisted", "id: work.online", r"line 10: duplicate id 'work\.online'"),
        ("      - id: work.assisted\n", "      - name: Assisted\n", r"an entry has no id"),
        ('        when: {field: digital, "<": 4}\n', "", r"rule 'work\.assisted' has no usable when:"),
        ("    children:", "    childen:", r"unknown key 'childen'\. Did you mean 'children'\?"),
        (
            "        objective: Done online first time",
            "        objective: Done online first time\n        size: 4.6m",
            r"size should be a number of zero or more\. Got '4\.6m' instead",
        ),
    ],
)
def test_broken_trees_say_what_and_where(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(ConfigError) as raised:
        _tree(tmp_path, GOOD.replace(old, new, 1))
    assert raised.match(r"(?s)" + message)


def test_every_problem_is_listed_at_once(tmp_path):
    broken = GOOD.replace('"<": 4', '"<>": 4').replace("        objective: Done online first time\n", "")
    text = _problems(tmp_path, broken.replace("id: other", "id: work"))
    assert "(3):" in text and "unknown operator" in text and "no objective" in text and "duplicate id 'work'" in text


def test_published_sizes_must_add_up_to_their_parent(tmp_path):
    sized = (
        GOOD.replace("    name: In work\n", "    name: In work\n    size: 1000\n")
        .replace("objective: Done online first time", "objective: Done online first time\n        size: 600")
        .replace("objective: Done without a second call", "objective: Done without a second call\n        size: 300")
    )
    assert "'work' is 1,000 but the sizes one level below add up to 900" in _problems(tmp_path, sized)
    assert _tree(tmp_path, sized.replace("size: 300", "size: 390")).segments[0].size == 1000  # rounding allowed
    text = _problems(
        tmp_path,
        "population: 5000\n"
        + sized.replace("size: 300", "size: 400").replace(
            "objective: Reach a person who can help", "objective: Reach a person who can help\n    size: 3000"
        ),
    )
    assert "'population' is 5,000 but the sizes one level below add up to 4,000" in text


def test_two_otherwise_siblings(tmp_path):
    text = _problems(
        tmp_path, GOOD.replace('{field: digital, ">=": 4}', "otherwise").replace('{field: digital, "<": 4}', "otherwise")
    )
    assert "2 siblings have when: otherwise" in text


def test_not_yaml(tmp_path):
    assert "cannot be read as YAML" in _problems(tmp_path, "segments: [\n")


# --- the process -----------------------------------------------------------------------------------------------


def test_process_runs_from_the_decisions_it_serves_to_keeping_it_in_use():
    steps = load_process()
    assert 10 <= len(steps) <= 14 and steps["step"].tolist() == list(range(1, len(steps) + 1))
    assert steps["id"].iloc[0] == "decisions" and steps["id"].iloc[-1] == "embed"
    expected = {"objectives", "stakeholders", "bases", "names_and_objectives", "channels", "good_segments", "typing_tool"}
    assert expected | {"equality", "test_with_staff"} <= set(steps["id"])
    assert steps[["title", "what", "output", "workbook_section"]].apply(lambda c: c.str.len().gt(3)).all().all()
    assert "outside the workbook" in set(steps["workbook_section"])
    # written for any public body: no council around a central-government example
    assert not steps[["title", "what", "output"]].apply(lambda c: c.str.contains("council", case=False)).any().any()


def test_every_workbook_section_the_process_names_is_a_heading_of_workbook_03():
    import json
    import re

    cells = json.loads((workbooks_dir() / "03_segmentation.ipynb").read_text(encoding="utf-8"))["cells"]
    headings = {
        re.sub(r"^#+\s*(\d+\s*·\s*)?", "", line).strip().casefold()
        for c in cells
        if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines()
        if line.startswith("#")
    }
    for section in load_process()["workbook_section"]:
        if section != "outside the workbook":
            for part in section.split("; "):
                assert part.casefold() in headings, f"'{part}' is not a heading of workbook 03"


def test_process_problems_are_listed(tmp_path):
    path = tmp_path / "process.yaml"
    path.write_text("steps:\n  - id: a\n    title: A\n    what: x\n    output: y\n  - id: a\n    titel: B\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_process(path)
    text = str(info.value)
    assert "step 'a' has no workbook_section" in text and "duplicate id 'a'" in text and "unknown key 'titel'" in text
