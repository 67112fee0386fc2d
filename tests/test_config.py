"""The engagement YAML: typed schema, unknown keys, every problem at once with line numbers."""

from __future__ import annotations

import re

import pytest

from cxmethods import ConfigError, load_engagement
from cxmethods.paths import templates_dir


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


def test_template_is_a_valid_engagement():
    eng = load_engagement(templates_dir() / "engagement.yaml")
    assert eng.inputs.contact_log.values["channel"]["Telephone"] == "phone"


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
    text = (tiny.yaml.replace("currency: GBP", "currency: pounds")
            .replace("period: {start: 2025-04-01, end: 2025-04-30}", "period: {start: 2025-04-01, end: 2024-04-30}")
            + "settings:\n  voc:\n    repeat_window_days: a week\n")
    found = problems_of(tiny.set_yaml(text))
    assert len(found) == 3
    assert any("currency: String should match pattern" in p and "three-letter ISO 4217" in p for p in found)
    assert any("period end (2024-04-30) is before its start (2025-04-01)" in p for p in found)
    assert any("settings.voc.repeat_window_days: Input should be a valid integer" in p and "'a week'" in p for p in found)


def test_mapping_to_an_unknown_field_is_an_error_even_with_other_problems(tiny):
    text = tiny.yaml.replace("      created_at: Date Opened", "      created: Date Opened").replace("name: tiny", "name: Tiny!")
    found = problems_of(tiny.set_yaml(text))
    assert any("inputs.contact_log.columns.created: 'created' is not a field of contact_log. Did you mean 'created_at'?" in p
               for p in found)
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
        with pytest.raises(ConfigError, match="delimiter must be a single character"):
            load_engagement(tiny.path)


def test_unknown_encoding(tiny):
    tiny.set_yaml(tiny.yaml.replace("    dont_know_codes: [9]", "    dont_know_codes: [9]\n    encoding: klingon"))
    with pytest.raises(ConfigError, match="unknown encoding 'klingon'"):
        load_engagement(tiny.path)
