"""The engagement YAML: typed schema, unknown keys, every problem at once with line numbers."""

from __future__ import annotations

import re

import pytest

from cxmethods import ConfigError, load_engagement
from cxmethods.core.paths import templates_dir


def problems_of(path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_engagement(path)
    return [str(p) for p in info.value.problems]


def test_tiny_engagement_loads_and_resolves_paths(tiny):
    eng = load_engagement(tiny.path)
    assert eng.name == "tiny" and eng.currency == "GBP"
    assert eng.inputs.contact_log.columns["created_at"] == "Date Opened"
    assert eng.resolve(eng.inputs.survey.path) == tiny.folder.resolve() / "survey.csv"
    assert set(eng.tables()) == {"contact_log", "survey", "initiatives", "self_assessment"}


def test_folder_is_accepted_for_its_engagement_yaml(tiny):
    assert load_engagement(tiny.folder).name == "tiny"


def test_template_is_a_valid_engagement_that_reads_the_template_csvs(tmp_path):
    import shutil

    from cxmethods import validate_engagement

    shutil.copytree(templates_dir(), tmp_path, dirs_exist_ok=True)
    report = validate_engagement(tmp_path / "engagement.yaml")
    # the header-only templates: the one thing missing is data (workshop answers come later)
    assert {p.message for p in report.errors} == {"the file has a header but no data rows."}
    assert sorted(p.where.rsplit("/", 1)[-1] for p in report.errors) == [
        "contact_log.csv",
        "initiatives.csv",
        "levers.csv",
        "stakeholders.csv",
        "survey.csv",
    ]
    assert sorted((p.where.rsplit("/", 1)[-1], p.message) for p in report.warnings) == [
        (f"{name}.csv", "no answers yet.")
        for name in ("assumptions", "consensus", "quick_test", "role_checklist", "segment_names", "self_assessment")
    ]


def test_unknown_key_suggests_the_close_one(tiny):
    tiny.set_yaml(tiny.yaml.replace("currency: GBP", "curency: GBP"))
    found = problems_of(tiny.path)
    assert any(re.search(r"line 3: curency: unknown key 'curency'\. Did you mean 'currency'\?", p) for p in found)
    assert any("currency: required key is missing" in p for p in found)


def test_unknown_nested_key_names_allowed_keys(tiny):
    tiny.set_yaml(tiny.yaml.replace("    dont_know_codes: [9]", "    dont_know_code: [9]"))
    with pytest.raises(ConfigError, match=r"inputs\.survey\.dont_know_code: unknown key.*Did you mean 'dont_know_codes'\?"):
        load_engagement(tiny.path)


def test_wrong_types_are_reported_together(tiny):
    text = (
        tiny.yaml.replace("currency: GBP", "currency: pounds").replace(
            "period: {start: 2025-04-01, end: 2025-04-30}", "period: {start: 2025-04-01, end: 2024-04-30}"
        )
        + "settings:\n  voc:\n    repeat_window_days: a week\n"
    )
    found = problems_of(tiny.set_yaml(text))
    assert len(found) == 3
    assert any("currency: String should match pattern" in p and "three-letter ISO 4217" in p for p in found)
    assert any("period end (2024-04-30) is before its start (2025-04-01)" in p for p in found)
    assert any("settings.voc.repeat_window_days: Input should be a valid integer" in p and "'a week'" in p for p in found)


def test_mapping_to_an_unknown_field_is_an_error_even_with_other_problems(tiny):
    text = tiny.yaml.replace("      created_at: Date Opened", "      created: Date Opened").replace("name: tiny", "name: Tiny!")
    found = problems_of(tiny.set_yaml(text))
    assert any(
        "inputs.contact_log.columns.created: 'created' is not a field of contact_log. Did you mean 'created_at'?" in p
        for p in found
    )
    assert any(p.startswith(f"{tiny.path} line 1: name:") for p in found)


def test_invalid_yaml_names_the_line(tiny):
    tiny.set_yaml("name: tiny\norganisation: [unclosed\ncurrency: GBP\n")
    with pytest.raises(ConfigError, match=r"engagement\.yaml line \d+: not valid YAML"):
        load_engagement(tiny.path)


def test_missing_engagement_file(tmp_path):
    with pytest.raises(ConfigError, match=r"engagement file not found.*templates/engagement\.yaml"):
        load_engagement(tmp_path / "nope.yaml")


@pytest.mark.parametrize("delimiter, ok", [(";", True), ("\\t", True), (";;", False)])
def test_delimiter_must_be_one_character(tiny, delimiter, ok):
    tiny.set_yaml(tiny.yaml.replace("    dont_know_codes: [9]", f"    dont_know_codes: [9]\n    delimiter: '{delimiter}'"))
    if ok:
        assert len(load_engagement(tiny.path).inputs.survey.delimiter) == 1
    else:
        with pytest.raises(ConfigError, match=r"delimiter must be a single character such as ',' or ';'\. Got ';;'\. Fix"):
            load_engagement(tiny.path)


def test_unknown_encoding(tiny):
    tiny.set_yaml(tiny.yaml.replace("    dont_know_codes: [9]", "    dont_know_codes: [9]\n    encoding: klingon"))
    with pytest.raises(
        ConfigError, match=r"inputs\.survey\.encoding: unknown encoding; use e\.g\. utf-8, cp1252 or latin-1\. Got 'klingon'\."
    ):
        load_engagement(tiny.path)


def test_duplicate_keys_are_errors_not_last_wins(tiny):
    text = tiny.yaml.replace("      reason: Enquiry\n", "      reason: Enquiry\n      reason: Service\n")
    with pytest.raises(ConfigError, match=r"line 14: key 'reason' appears twice \(also on line 13\)\..*Keep one of them"):
        load_engagement(tiny.set_yaml(text))


def test_engagement_not_utf8(tiny):
    tiny.path.write_bytes(tiny.yaml.replace("Tiny Council", "Conseil de Montréal").encode("cp1252"))
    with pytest.raises(ConfigError, match=r"engagement\.yaml line 2: not UTF-8 text \(byte 0xe9\)\. Fix: Save the file as UTF-8"):
        load_engagement(tiny.path)


def test_numbers_in_yaml_are_accepted_where_text_is_expected(tiny):
    text = tiny.yaml.replace(
        "    dont_know_codes: [9]", "    dont_know_codes: [9]\n    values: {overall_satisfaction: {Very satisfied: 5, 3: 3}}"
    )
    eng = load_engagement(tiny.set_yaml(text))
    assert eng.inputs.survey.values["overall_satisfaction"] == {"Very satisfied": "5", "3": "3"}


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("    dont_know_codes: [9]", "    dont_know_codes: [9]\n    scale: [1]"),
            r"line 23: inputs\.survey\.scale: too few values\. Fix: See templates/engagement\.yaml, e\.g\. scale: \[1, 5\]",
        ),
        (("inputs:\n", "inputs: [contact_log]\nunused:\n"), r"line 5: inputs: should be a mapping \('key: value' lines\)\."),
        (
            ("name: tiny", "name: tiny\n\tseed: 3"),
            r"line 2: not valid YAML \(it contains tab characters: YAML indents with spaces\)",
        ),
    ],
)
def test_messages_speak_yaml_not_python(tiny, change, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_engagement(tiny.set_yaml(tiny.yaml.replace(*change)))
    assert "instance of" not in str(info.value)


def test_a_data_file_given_as_the_engagement(tiny):
    with pytest.raises(ConfigError, match=r"this is not an engagement file: it should be YAML with keys such as name"):
        load_engagement(tiny.folder / "survey.csv")


def test_problems_are_listed_in_line_order(tiny):
    text = tiny.yaml.replace("name: tiny", "name: Tiny!").replace("    dont_know_codes: [9]", "    dont_know_codez: [9]")
    lines = [int(re.search(r"line (\d+)", p).group(1)) for p in problems_of(tiny.set_yaml(text))]
    assert lines == sorted(lines) and len(lines) == 2


QUESTIONNAIRE = """\
    items:
      - {column: overall_satisfaction, label: Overall, role: outcome}
      - {column: timeliness, label: Quick enough, scale: [0, 10]}
"""


@pytest.mark.parametrize(
    "items, message",
    [
        (
            QUESTIONNAIRE + "      - {column: comment, label: Recommend, scale: yes_no, role: outcome}\n",
            r"at most one item can have role: outcome",
        ),
        (QUESTIONNAIRE + "      - {column: Timeliness}\n", r"distinct names; timeliness appears twice \(set name:\)"),
        (QUESTIONNAIRE.replace("[0, 10]", "[10, 0]"), r"scale must be \[lowest, highest\] with lowest below highest"),
        (QUESTIONNAIRE.replace("scale: [0, 10]", "scale: {Good: 1}"), r"a code list needs at least two different points"),
        (
            QUESTIONNAIRE + "    attributes:\n      - {column: preferred_channel, kind: category, bins: [1, 2]}\n",
            r"bins are for kind: number",
        ),
        (QUESTIONNAIRE.replace("role: outcome", "role: target"), r"role: .*'outcome', 'driver' or 'other'"),
    ],
)
def test_a_questionnaire_that_cannot_be_read_says_why(tiny, items, message):
    text = tiny.yaml.replace("    dont_know_codes: [9]\n", "    dont_know_codes: [9]\n" + items)
    assert text != tiny.yaml
    with pytest.raises(ConfigError, match=message):
        load_engagement(tiny.set_yaml(text))


def test_a_declared_questionnaire_reads_its_own_scales_and_codes(tiny):
    from cxmethods import read_input
    from cxmethods.io.questionnaire import questionnaire

    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("R2,2,9,", "R2,2,X,").replace("R3,5,4,", "R3,5,10,"))
    text = tiny.yaml.replace("    dont_know_codes: [9]\n", "    dont_know_codes: [9]\n" + QUESTIONNAIRE)
    text = text.replace("scale: [0, 10]", "scale: [0, 10], dont_know: [x]")
    engagement = load_engagement(tiny.set_yaml(text))
    survey = read_input(engagement, "survey")
    read = survey["timeliness"].astype(object).where(survey["timeliness"].notna(), None).tolist()
    assert read[:3] == [5, None, 10]  # X is "don't know" for this item, 10 on its own scale
    q = questionnaire(engagement.inputs.survey)
    assert (q.outcome.key, q.label("timeliness"), q.item("timeliness").scale) == ("overall_satisfaction", "Quick enough", (0, 10))
