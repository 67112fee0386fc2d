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


# --------------------------------------------------------------------------- paths confined to the folder

OUTSIDE = (
    r"^{where} line {line}: {setting} leads outside the engagement's folder \(to {target}\); files are read only from "
    r"the folder of the engagement file \({folder}\) and the folders within it\. Fix: Move the file into the "
    r"engagement's folder, or set allow_paths_outside: true at the top of the engagement file if reading from "
    r"elsewhere is intended\.$"
)


def _outside(tiny, setting: str, line: int, target) -> str:
    folder = tiny.folder.resolve()
    return OUTSIDE.format(
        where=re.escape(str(tiny.path)),
        line=line,
        setting=re.escape(setting),
        target=re.escape(str(target)),
        folder=re.escape(str(folder)),
    )


def test_a_path_inside_the_folder_or_a_folder_within_it_is_read(tiny):
    (tiny.folder / "data").mkdir()
    (tiny.folder / "data" / "survey.csv").write_text(tiny.files["survey.csv"], encoding="utf-8")
    (tiny.folder / "data" / "sub").mkdir()
    # `..` that stays inside, and a link inside the folder to a file inside it, are fine
    (tiny.folder / "link.csv").symlink_to(tiny.folder / "contacts.csv")
    yaml = tiny.yaml.replace("path: survey.csv", "path: data/sub/../survey.csv").replace("path: contacts.csv", "path: link.csv")
    eng = load_engagement(tiny.set_yaml(yaml))
    assert eng.resolve(eng.inputs.survey.path) == tiny.folder.resolve() / "data" / "survey.csv"
    assert not eng.allow_paths_outside


def test_a_path_leading_out_with_dots_is_refused_naming_file_setting_path_and_fix(tiny):
    outside = tiny.folder.parent / "elsewhere.csv"
    tiny.set_yaml(tiny.yaml.replace("path: survey.csv", "path: ../elsewhere.csv"))
    [message] = problems_of(tiny.path)
    assert re.match(_outside(tiny, "inputs.survey.path", 21, outside.resolve()), message), message


def test_an_absolute_path_is_refused(tiny):
    tiny.set_yaml(tiny.yaml.replace("path: answers.csv", "path: /etc/passwd"))
    [message] = problems_of(tiny.path)
    assert re.match(_outside(tiny, "workshop.self_assessment.path", 27, "/etc/passwd"), message), message


def test_a_home_path_is_refused(tiny, monkeypatch):
    monkeypatch.setenv("HOME", str(tiny.folder.parent))
    tiny.set_yaml(tiny.yaml.replace("path: initiatives.csv", "path: ~/initiatives.csv"))
    [message] = problems_of(tiny.path)
    assert "inputs.initiatives.path leads outside the engagement's folder" in message


def test_a_link_in_the_folder_leading_out_of_it_is_refused(tiny, tmp_path_factory):
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.csv"
    secret.write_text(tiny.files["contacts.csv"], encoding="utf-8")
    (tiny.folder / "contacts.csv").unlink()
    (tiny.folder / "contacts.csv").symlink_to(secret)  # the path as written is inside; where it leads is not
    [message] = problems_of(tiny.path)
    assert re.match(_outside(tiny, "inputs.contact_log.path", 7, secret.resolve()), message), message


def test_settings_files_are_confined_too(tiny):
    from cxmethods.core.config import PATH_SETTINGS
    from cxmethods.io.kinds import SETTINGS_FILES

    assert set(PATH_SETTINGS) == {setting for setting, _, _ in SETTINGS_FILES.values()}  # no file setting left out
    blocks: dict[str, list[str]] = {}
    for setting in PATH_SETTINGS:
        _, section, key = setting.split(".")
        blocks.setdefault(section, []).append(f"    {key}: ../{key}.file")
    text = tiny.yaml + "settings:\n" + "".join(f"  {s}:\n" + "\n".join(keys) + "\n" for s, keys in blocks.items())
    found = problems_of(tiny.set_yaml(text))
    assert [re.search(r": (settings\.\w+\.\w+) leads outside", m).group(1) for m in found] == list(PATH_SETTINGS)


def test_paths_outside_are_refused_alongside_other_problems_and_not_read(tiny):
    from cxmethods import validate_engagement

    tiny.set_yaml(tiny.yaml.replace("currency: GBP", "currency: pounds").replace("path: survey.csv", "path: /etc/passwd"))
    found = [str(p) for p in validate_engagement(tiny.path).errors]
    assert [m for m in found if "currency" in m] and [m for m in found if "inputs.survey.path leads outside" in m]
    assert not [m for m in found if m.startswith("/etc/passwd")], found  # refused, not read


def test_allow_paths_outside_lets_the_engagement_read_from_elsewhere(tiny):
    (tiny.folder.parent / "shared.csv").write_text(tiny.files["survey.csv"], encoding="utf-8")
    text = tiny.yaml.replace("path: survey.csv", "path: ../shared.csv")
    eng = load_engagement(tiny.set_yaml("allow_paths_outside: true\n" + text))
    assert eng.allow_paths_outside and eng.resolve(eng.inputs.survey.path) == (tiny.folder.parent / "shared.csv").resolve()
    with pytest.raises(ConfigError, match="allow_paths_outside: Input should be a valid boolean"):
        load_engagement(tiny.set_yaml("allow_paths_outside: perhaps\n" + text))
