"""validate_engagement: every problem in every file at once; cross-file checks; the sample is clean."""

from __future__ import annotations

from cxmethods import validate_engagement


def test_sample_engagement_has_no_errors():
    report = validate_engagement()
    assert report.ok, [str(p) for p in report.errors]
    assert report.engagement.name == "riverton"


def test_problems_in_several_files_are_reported_together(tiny):
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("R3,5,", "R3,7,"))
    tiny.set_file("initiatives.csv", tiny.files["initiatives.csv"].replace("I02,", "I01,"))
    (tiny.folder / "contacts.csv").unlink()
    report = validate_engagement(tiny.path)
    where = sorted({p.where.rsplit("/", 1)[-1] for p in report.errors})
    assert where == ["contacts.csv", "initiatives.csv", "survey.csv"]
    assert len(report.errors) == 3
    frame = report.to_frame()
    assert list(frame.columns) == ["severity", "where", "column", "rows", "message", "fix"]
    assert set(frame["where"]) == {"contacts.csv", "initiatives.csv", "survey.csv"}  # relative to the engagement


def test_yaml_problems_come_back_as_a_report_not_an_exception(tiny):
    tiny.set_yaml(tiny.yaml.replace("currency: GBP", "currency: 12"))
    report = validate_engagement(tiny.path)
    assert not report.ok and report.engagement is None
    assert "currency" in str(report.errors[0])


def test_unknown_dimension_and_dependency_and_target_below_current(tiny):
    tiny.set_file(
        "answers.csv",
        tiny.files["answers.csv"].replace("Bob,Adviser,understand.definition,1,3", "Bob,Adviser,understand.definitions,3,2"),
    )
    tiny.set_file("initiatives.csv", tiny.files["initiatives.csv"].replace(",I01,", ",I09,"))
    report = validate_engagement(tiny.path)
    messages = [str(p) for p in report.problems]
    assert any("unknown dimension id(s): understand.definitions. Did you mean 'understand.definition'?" in m for m in messages)
    assert any("initiative I02 depends on unknown initiative(s) I09" in m for m in messages)
    assert any("1 answer(s) have a target level below the current level" in m for m in messages)
    assert len(report.errors) == 2 and len(report.warnings) == 1


def test_workshop_answers_not_yet_written_is_a_warning(tiny):
    (tiny.folder / "answers.csv").unlink()
    report = validate_engagement(tiny.path)
    assert report.ok
    assert [p.message for p in report.warnings] == ["no answers yet; the workshop form creates this file."]


def test_inputs_summary(tiny):
    (tiny.folder / "answers.csv").unlink()
    table = validate_engagement(tiny.path).inputs_frame()
    assert table.set_index("input")["rows"].to_dict() == {"contact_log": 4, "survey": 3, "initiatives": 2, "self_assessment": 0}
    row = table.set_index("input").loc["contact_log"]
    assert (row["first"], row["last"], row["errors"], row["fields_mapped"]) == ("2025-04-01", "2025-04-05", 0, 9)
    assert table.set_index("input").loc["self_assessment", "warnings"] == 1


def test_input_files_are_still_checked_when_other_keys_are_wrong(tiny):
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("R3,5,", "R3,7,"))
    tiny.set_yaml(tiny.yaml.replace("organisation: Tiny Council", "organization: Tiny Council"))
    report = validate_engagement(tiny.path)
    messages = [str(p) for p in report.errors]
    assert any("unknown key 'organization'. Did you mean 'organisation'?" in m for m in messages)
    assert any("survey.csv" in m and "of overall_satisfaction are not whole numbers from 1 to 5" in m for m in messages)
    assert report.inputs_frame().set_index("input")["rows"].to_dict()["contact_log"] == 4


def test_a_saved_report_is_reused_only_while_the_inputs_are_unchanged(tiny, tmp_path):
    import json

    saved = validate_engagement(tiny.path).save(tmp_path / "validation.json")
    data = json.loads(saved.read_text())
    saved.write_text(json.dumps({**data, "source": "the saved report"}))
    reused = validate_engagement(tiny.path, reuse=saved)
    assert reused.source == "the saved report" and reused.ok
    assert reused.inputs_frame().equals(validate_engagement(tiny.path).inputs_frame())
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("R3,5,", "R3,7,"))  # the survey changes afterwards
    fresh = validate_engagement(tiny.path, reuse=saved)
    assert fresh.source != "the saved report" and not fresh.ok and "survey.csv" in str(fresh.errors[0])


def test_segmentation_settings_are_checked_against_the_survey(tmp_path):
    from cxmethods.sample import write_sample

    write_sample(tmp_path)
    text = (
        (tmp_path / "engagement.yaml")
        .read_text()
        .replace("    rules: segment_rules.yaml", "    rules: segment_rules.yaml\n    attributes: [age_band, shoe_size]")
    )
    (tmp_path / "engagement.yaml").write_text(text)
    rules = (tmp_path / "segment_rules.yaml").read_text().splitlines()
    assert '"<": 4' in rules[16]
    rules[16] = rules[16].replace('"<": 4', '"<": 5')  # now overlaps its sibling (">=": 4)
    (tmp_path / "segment_rules.yaml").write_text("\n".join(rules) + "\n")
    messages = [p.message for p in validate_engagement(tmp_path / "engagement.yaml").errors]
    assert "settings.segmentation.attributes names 'shoe_size', which the survey does not provide." in messages
    assert any(m.startswith("rules 'working.online' and 'working.assisted' overlap: 423 rows") for m in messages)


def _ages_survey(folder, survey_yaml: str, settings: str = ""):
    """120 respondents with their age in years (75 distinct values) and a tenure, and the engagement reading them."""
    rows = [f"R{i},{18 + i % 75},{'Own' if i % 3 else 'Rent'}" for i in range(120)]
    (folder / "survey.csv").write_text("Num,Age,Tenure\n" + "\n".join(rows) + "\n")
    (folder / "engagement.yaml").write_text(
        "name: ages\norganisation: Test\ncurrency: USD\nperiod: {start: 2025-01-01, end: 2025-12-31}\n"
        f"inputs:\n  survey:\n    path: survey.csv\n{survey_yaml}{settings}"
    )
    return folder / "engagement.yaml"


def test_a_number_mapped_onto_a_category_is_refused_at_validation_with_the_fix(tmp_path):
    # the issue: an age mapped to age_band failed at run time ("Column 'age_band' has 75 distinct values")
    path = _ages_survey(tmp_path, "    columns: {respondent_id: Num, age_band: Age, household: Tenure}\n")
    [problem] = validate_engagement(path).errors
    assert problem.where.endswith("survey.csv") and problem.column == "Age"
    assert problem.message.startswith("attribute 'age_band' (column 'Age') has 75 distinct values (e.g. 18, 19, 20)")
    assert problem.fix.startswith(
        "Segment on it as a number: declare it under inputs.survey.attributes, e.g. {column: Age, label: ..., kind: number}"
    )
    # declared as a number, it is segmented as one: nothing to fix
    declared = "    columns: {respondent_id: Num}\n    attributes:\n      - {column: Age, label: Age, kind: number}\n"
    assert validate_engagement(_ages_survey(tmp_path, declared)).ok


def test_a_declared_category_with_too_many_values_is_refused_unless_left_out(tmp_path):
    survey = (
        "    columns: {respondent_id: Num}\n    attributes:\n      - {column: Age, label: Age}\n"
        "      - {column: Tenure, label: Tenure}\n"
    )
    [problem] = validate_engagement(_ages_survey(tmp_path, survey)).errors
    assert "attribute 'age' (column 'Age') has 75 distinct values" in problem.message
    assert "set kind: number on its entry under inputs.survey.attributes" in problem.fix
    assert "list the attributes to segment on, without 'age', under settings.segmentation.attributes" in problem.fix
    left_out = "settings:\n  segmentation:\n    attributes: [tenure]\n"
    assert validate_engagement(_ages_survey(tmp_path, survey, left_out)).ok


def test_every_file_the_settings_name_is_checked_even_without_the_input_that_uses_it(tiny):
    """The rule tree without a survey, the benchmarks without initiatives: a wrong file is still found before a run."""
    tiny.set_file("benchmarks.yaml", "channel_costs:\n  currency: GBP\n  year: 2025\n  costs:\n    phone: {value: 4.5}\n")
    tiny.set_file("rules.yaml", "name: Ours\nsegments:\n  - id: online\n    name: Online\n    objective: Keep them online\n")
    yaml = tiny.yaml.replace("  survey:\n    path: survey.csv\n    dont_know_codes: [9]\n", "")
    yaml = yaml.replace("  initiatives:\n    path: initiatives.csv\n", "")
    tiny.set_yaml(yaml + "settings:\n  segmentation: {rules: benchmarks.yaml}\n  business_case: {benchmarks: rules.yaml}\n")
    messages = [p.message for p in validate_engagement(tiny.path).errors]
    assert messages == [
        "settings.segmentation.rules names this file, but it is a benchmarks file (channel costs, discount rates, optimism "
        "bias), not a segment rule tree YAML.",
        "settings.business_case.benchmarks names this file, but it is a segment rule tree, not a benchmarks YAML.",
    ]


def test_a_broken_maturity_model_is_reported_once_and_hides_no_other_check(tiny):
    tiny.set_file("model.csv", "dimension_id,level\nunderstand.definition,2\n")
    tiny.set_file("initiatives.csv", tiny.files["initiatives.csv"].replace(",I01,", ",I09,"))
    tiny.set_yaml(tiny.yaml + "settings:\n  self_assessment: {model: model.csv}\n")
    errors = validate_engagement(tiny.path).errors
    assert [p.where.rsplit("/", 1)[-1] for p in errors] == ["model.csv", "initiatives.csv"], [str(p) for p in errors]
    assert errors[0].message.startswith("settings.self_assessment.model names this file, but it is a table (columns ")
    assert "depends on unknown initiative(s) I09" in errors[1].message
