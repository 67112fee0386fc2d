"""What a file is (cxmethods.io.kinds): settings YAML by their keys, tables by their columns, binary files by their
first bytes; and a file-valued setting refusing a file of another kind with one message saying what it is."""

from __future__ import annotations

import gzip
import re
import zipfile

import pytest

from cxmethods.core.errors import ConfigError
from cxmethods.core.paths import templates_dir
from cxmethods.core.schemas import INPUTS
from cxmethods.core.yamlfile import SETTINGS_YAML
from cxmethods.io.kinds import SETTINGS_FILES, check_setting_file, identify
from cxmethods.methods.channels import read_suitability
from cxmethods.methods.maturity_scores import read_previous_scores


@pytest.mark.parametrize("kind", sorted(SETTINGS_YAML))
def test_every_settings_template_is_known_for_what_it_is(kind):
    found = identify(templates_dir() / SETTINGS_YAML[kind][1])
    assert (found.form, found.id) == ("yaml", kind)


@pytest.mark.parametrize("name", sorted(n for n in INPUTS if (templates_dir() / f"{n}.csv").is_file()))
def test_every_input_template_is_known_by_its_columns(name):
    found = identify(templates_dir() / f"{name}.csv")
    assert (found.form, found.id, found.label) == ("table", name, f"the {name.replace('_', ' ')} table")


def test_a_clients_own_export_is_a_table_of_no_known_kind(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Unique Key;Created Date;Agency;Borough\n1;02/28/2023;NYPD;BRONX\n", encoding="utf-8")
    found = identify(path)
    assert (found.form, found.id) == ("table", None)
    assert found.description == "a table (columns Unique Key, Created Date, Agency, Borough)"


@pytest.mark.parametrize(
    "name, content, description",
    [
        ("report.yaml", b"%PDF-1.7\n...", "a PDF document"),
        ("rules.yaml", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "an old-style Excel file (.xls)"),
        ("model.yaml", gzip.compress(b"levels: []\n"), "a gzip-compressed file"),
        ("data.bin", b"abc\x00def", "binary data, not text"),
        ("notes.csv", "service,phone\n".encode("utf-16"), "UTF-16 text (Excel's 'Unicode text' export)"),
    ],
)
def test_binary_files_are_named_by_their_first_bytes_whatever_their_name(tmp_path, name, content, description):
    path = tmp_path / name
    path.write_bytes(content)
    assert (identify(path).form, identify(path).description) == ("binary", description)


def test_a_zip_archive_is_not_taken_for_a_workbook_unless_named_so(tmp_path):
    with zipfile.ZipFile(tmp_path / "model.zip", "w") as archive:
        archive.writestr("model.yaml", "levels: []\n")
    assert identify(tmp_path / "model.zip").form == "binary"


@pytest.mark.parametrize("kind", sorted(k for k in SETTINGS_FILES if k in SETTINGS_YAML))
def test_a_yaml_setting_given_a_table_or_another_settings_file_is_refused_saying_what_it_is(tmp_path, kind):
    setting, wanted, _ = SETTINGS_FILES[kind]
    survey = tmp_path / "survey.csv"
    survey.write_text((templates_dir() / "survey.csv").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=rf"{setting} names this file, but it is the survey table \(columns respondent_id.*\), not {re.escape(wanted)}\.",
    ):
        check_setting_file(survey, kind)
    other = next(k for k in SETTINGS_FILES if k in SETTINGS_YAML and k != kind)
    with pytest.raises(ConfigError, match=rf"it goes under {SETTINGS_FILES[other][0]}\.$"):
        check_setting_file(templates_dir() / SETTINGS_YAML[other][1], kind)
    check_setting_file(templates_dir() / SETTINGS_YAML[kind][1], kind)  # its own kind passes


def test_a_yaml_of_no_known_kind_is_left_to_its_loader(tmp_path):
    path = tmp_path / "own.yaml"
    path.write_text("titel: Our model\nlevles: [a, b, c, d, e]\n", encoding="utf-8")
    check_setting_file(path, "maturity_model")  # the loader then names the keys it misses, with their lines


def test_a_copy_of_another_runs_table_with_the_columns_needed_is_accepted(tmp_path):
    """Tables are refused for their kind only when they lack what the setting reads: gaps.csv has the scores' columns."""
    gaps = tmp_path / "gaps.csv"
    gaps.write_text(
        "rank,dimension_id,dimension,current,target,gap\n1,understand.definition,Definition,2,4,2\n", encoding="utf-8"
    )
    assert identify(gaps).id == "gaps"
    assert read_previous_scores(gaps)["current"].tolist() == [2.0]


def test_table_settings_name_the_kind_of_a_table_that_lacks_their_columns(tmp_path):
    survey = tmp_path / "responses.csv"
    survey.write_text("respondent_id,overall_satisfaction,timeliness\nR1,4,5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"settings\.segmentation\.suitability names this file, but it is the survey table"):
        read_suitability(survey)
    with pytest.raises(ConfigError, match=r"settings\.self_assessment\.previous_scores names this file, but it is the survey"):
        read_previous_scores(survey)
    odd = tmp_path / "odd.csv"
    odd.write_text("service,fax\nWaste,1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"columns must be service and channels .* Got service, fax instead"):
        read_suitability(odd)  # of no known kind: the loader's own message
