"""Settings YAML read safely (cxmethods.core.files): aliases that would expand without end are refused at once."""

from __future__ import annotations

import os
import time

import pytest

from cxmethods.core.errors import ConfigError, CxmError
from cxmethods.core.files import YAML_MAX_VALUES, YamlTooComplex, described, load_yaml_file, parse_yaml, plausible_header


def _bomb(levels: int, width: int = 9) -> str:
    """A "billion laughs" YAML: each level repeats the one before ``width`` times through aliases."""
    items = ", ".join(["lol"] * width)
    lines = [f"l0: &l0 [{items}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_in_well_under_a_second_naming_the_first_alias(tmp_path):
    text = _bomb(9)  # 9^9 values once expanded, in 640 bytes: minutes of CPU before the check
    assert len(text) < 1000
    path = tmp_path / "engagement.yaml"
    path.write_text(text, encoding="utf-8")
    began = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        load_yaml_file(path, what="an engagement file", example="templates/engagement.yaml")
    assert time.perf_counter() - began < 1.0
    (problem,) = error.value.problems
    assert problem.where == f"{path} line 2"  # the first alias (*l0) is on line 2
    assert f"more than {YAML_MAX_VALUES:,} values" in problem.message
    assert "anchors (&name) and aliases (*name)" in problem.fix


def test_an_alias_inside_its_own_value_is_refused():
    with pytest.raises(YamlTooComplex, match="refers to the value that contains it"):
        parse_yaml("a: &a [1, *a]")


def test_nesting_too_deep_to_read_is_refused_not_a_recursion_traceback():
    with pytest.raises(YamlTooComplex, match="nested too deeply"):
        parse_yaml("a: " + "[" * 5000 + "]" * 5000)


def test_a_few_aliases_within_the_limit_are_read_as_yaml_reads_them():
    data, root = parse_yaml("base: &base {rate: 0.035}\ncentral: *base\nlow: *base\n")
    assert data == {"base": {"rate": 0.035}, "central": {"rate": 0.035}, "low": {"rate": 0.035}}
    assert root is not None
    # just under the limit is read; a level more is refused
    assert parse_yaml(_bomb(5, width=9))[0]["l4"][0][0][0][0][0] == "lol"  # 9^5 = 59,049 values
    with pytest.raises(YamlTooComplex):
        parse_yaml(_bomb(6, width=9))


def test_a_file_with_no_document_is_none():
    assert parse_yaml("# only a comment\n") == (None, None)


@pytest.mark.parametrize(
    ("header", "rows", "shown"),
    [
        (["id", "created_at", "channel"], [["1", "2025-04-01", "phone"], ["2", "2025-04-02", "web"]], True),
        (["id", "created_at"], [], True),  # a header-only template is still a table
        (["Q1_1", "Q1_2"], None, True),  # Excel or Parquet: a table by construction
        (["text"], [["It took weeks"], ["Fine"]], True),
        (["text"], [], False),  # one line of text is not a table
        (["root:x:0:0:root:/root:/bin/bash"], [["bin:x:2:2:bin:/bin:/usr/sbin/nologin"]], False),
        (["Dear Ms Example", " thank you"], [["We have looked into it."], ["Yours", " A. Officer"], ["Ref 1"]], False),
        (["id", "x" * 400], [["1", "2"]], False),  # a "name" longer than any question is a line of data
        (["id", "na\x00me"], [["1", "2"]], False),
        ([], None, False),
    ],
)
def test_a_header_is_shown_only_when_it_looks_like_column_names(header, rows, shown):
    assert plausible_header(header, rows) is shown


def test_a_file_is_described_without_its_content(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("password=hunter2\n" * 100)
    assert described(path) == "a text file of 1.7 KB"  # 1,700 bytes


def test_a_folder_is_made_and_checked_writable_leaving_nothing(tmp_path):
    from cxmethods.core.files import check_folder, make_folder

    check_folder(tmp_path / "a" / "b")
    assert not (tmp_path / "a").exists()  # checking makes nothing
    assert make_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b" and not list((tmp_path / "a" / "b").iterdir())


@pytest.mark.parametrize("check", ["check_folder", "make_folder"])
def test_a_file_in_the_folders_path_is_named(tmp_path, check):
    import cxmethods.core.files as files

    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(CxmError) as info:
        getattr(files, check)(tmp_path / "notes.txt" / "run" / "artifacts", "--out")
    assert str(info.value) == (
        f"--out {tmp_path}/notes.txt/run/artifacts cannot be made: {tmp_path}/notes.txt is a file, not a folder. "
        f"Fix: give a folder (--out) whose path has no file in it, or move {tmp_path}/notes.txt away."
    )
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_a_full_or_read_only_disk_is_said_in_words(tmp_path, monkeypatch):
    import errno
    import tempfile

    from cxmethods.core.files import make_folder

    for code, said in ((errno.ENOSPC, "the disk is full"), (errno.EROFS, "the disk is read-only")):

        def refused(*args, code=code, **kwargs):
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(tempfile, "TemporaryFile", refused)
        with pytest.raises(CxmError, match=rf"^--out {tmp_path} cannot be written: {said}\. Fix: give a folder on another disk"):
            make_folder(tmp_path)
