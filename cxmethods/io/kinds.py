"""What a file is, whatever the setting that names it expects: a settings YAML of which kind, a table of which
input (or which artifact of a run), or a document, archive or binary file.

:func:`identify` lets the loader of each file-valued setting (:data:`SETTINGS_FILES`) say, through
:func:`check_setting_file`, "this is the survey table, not a suitability CSV" instead of the errors it would give
on a file of another kind (a CSV read as YAML is one long string; a benchmarks file read as a rule tree has only
unknown keys). ``cxm validate`` calls those loaders, so it and a run say the same. Settings YAML are recognised by
their templates' top-level keys (:func:`cxmethods.core.yamlfile.settings_kind`), binary files by their first bytes
(:func:`cxmethods.core.files.sniff`, as the table reader's wrong-kind check), and tables by their columns (the
input fields of :data:`cxmethods.core.schemas.INPUTS` and the artifact registry): a new template, field or
artifact is known at once.

>>> from cxmethods.core.paths import templates_dir
>>> identify(templates_dir() / "benchmarks.yaml").id
'benchmarks'
>>> identify(templates_dir() / "initiatives.csv").label
'the initiatives table'
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from cxmethods.core.config import Workshop
from cxmethods.core.errors import ConfigError, Problem
from cxmethods.core.files import (
    BINARY_KINDS,
    YAML_LIMIT,
    Unreadable,
    described,
    file_format,
    head_bytes,
    not_a_file,
    open_binary,
    parse_yaml,
    plausible_header,
    sniff,
    too_big,
    unreadable,
)
from cxmethods.core.schemas import INPUTS
from cxmethods.core.yamlfile import SETTINGS_YAML, settings_kind
from cxmethods.io.artifacts import ARTIFACTS

__all__ = ["SETTINGS_FILES", "Kind", "check_setting_file", "identify"]

#: The settings that name a file, by the kind of file each takes: kind -> (the setting; that kind in words;
#: what leaving the setting out does).
SETTINGS_FILES: dict[str, tuple[str, str, str]] = {
    "maturity_model": ("settings.self_assessment.model", "a maturity model YAML", "use templates/maturity_model.yaml"),
    "scores": (
        "settings.self_assessment.previous_scores",
        "the scores.csv an earlier run wrote (artifacts/01_self_assessment/scores.csv)",
        "show no change since an earlier assessment",
    ),
    "segment_rules": ("settings.segmentation.rules", "a segment rule tree YAML", "make no rule-based segments"),
    "suitability": (
        "settings.segmentation.suitability",
        "a suitability CSV (a service column, then one column per channel, 0-1)",
        "judge suitability by service complexity",
    ),
    "benchmarks": ("settings.business_case.benchmarks", "a benchmarks YAML", "use templates/benchmarks.yaml"),
    "service_standards": (
        "settings.roadmap.service_standards",
        "a service standards YAML",
        "use templates/service_standards.yaml",
    ),
}
_TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq", ".gz", ".bz2", ".xz"}
_SHOWN = 5  # column names shown in a description


@dataclass(frozen=True)
class Kind:
    """What a file is.

    Attributes
    ----------
    form : str
        ``"yaml"`` (a YAML mapping), ``"table"`` (CSV, Excel or Parquet), ``"binary"`` (a document, archive or
        other non-text file) or ``"text"`` (text that is neither).
    id : str or None
        The kind recognised: a key of :data:`SETTINGS_YAML`, an input (``"survey"``) or an artifact (``"scores"``);
        None when the file is of its form but of no kind known here.
    description : str
        The kind in words, for a message: ``"the survey table (columns respondent_id, ...)"``.
    label : str
        The kind in a few words: ``"the survey table"``.
    """

    form: str
    id: str | None
    description: str
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.description)


def check_setting_file(path: str | Path, kind: str, *, lacking: bool = False) -> None:
    """Refuse a file of another kind than the setting for ``kind`` (a key of :data:`SETTINGS_FILES`) takes.

    The loader of each such setting calls this first, so ``cxm validate`` and a run say the same: "this is the
    survey table, not a suitability CSV", with where the file belongs if it is one the engagement can name
    elsewhere. A file that is missing, too big to be a settings file, or of the right form but no known kind is
    left to the loader, which says what is wrong inside it. A table loader passes ``lacking=True`` once it has found
    the columns it needs missing: only then is a table of another known kind refused as such (a copy of another
    run's table that has the columns needed is fine).

    Raises
    ------
    ConfigError
        One problem naming the file, what it is, what the setting takes and the fix.
    """
    path = Path(path)
    setting, wanted, otherwise = SETTINGS_FILES[kind]
    if (what := not_a_file(path)) and what != "file not found":  # a FIFO would hang, /dev/zero never end: unopened
        raise ConfigError(
            [
                Problem(
                    str(path),
                    f"{setting} names this path, but it {what}.",
                    f"Point {setting} at {wanted}, or remove it to {otherwise}.",
                )
            ],
            title=f"{setting} names something that is not a file",
        )
    takes_yaml = kind in SETTINGS_YAML
    if not path.is_file() or (takes_yaml and too_big(path, YAML_LIMIT)):
        return
    found = identify(path)
    other_form = found.form in ("binary", "table" if takes_yaml else "yaml")
    if not (other_form or (found.id not in (None, kind) and (takes_yaml or lacking))):
        return
    template = f" (templates/{SETTINGS_YAML[kind][1]} shows one)" if takes_yaml else ""
    home = _home(found.id)
    moved = f" If it is meant as {found.label}, it goes under {home}." if home else ""
    raise ConfigError(
        [
            Problem(
                str(path),
                f"{setting} names this file, but it is {found.description}, not {wanted}.",
                f"Point {setting} at {wanted}{template}, or remove it to {otherwise}.{moved}",
            )
        ],
        title=f"{setting} names a file of another kind",
    )


def _home(kind: str | None) -> str | None:
    """The engagement key that takes a file of ``kind`` (a setting or an input table), if any."""
    if kind in SETTINGS_FILES:
        return SETTINGS_FILES[kind][0]
    if kind in INPUTS:
        return f"{'workshop' if kind in Workshop.model_fields else 'inputs'}.{kind}.path"
    return None


def identify(path: str | Path) -> Kind:
    """What the file at ``path`` is (reading at most its first lines; a settings-sized YAML is parsed).

    Never raises for a file's content: a file that cannot be read as what it looks like is described as such.
    """
    path = Path(path)
    if token := sniff(path):
        if token == "zip" and file_format(path) == "xlsx":
            return _table(path, "xlsx")
        if token == "parquet":
            return _table(path, "parquet")
        return Kind("binary", None, BINARY_KINDS[token])
    if head_bytes(path, 2) in (b"\xff\xfe", b"\xfe\xff"):
        return Kind("binary", None, "UTF-16 text (Excel's 'Unicode text' export)")
    if b"\x00" in head_bytes(path, 8192):
        return Kind("binary", None, "binary data, not text")
    suffix = path.suffix.lower()
    if suffix in _TABLE_SUFFIXES:
        return _table(path, file_format(path))
    raw = _yaml(path)
    if isinstance(raw, dict):
        return _settings(raw)
    if suffix in (".yaml", ".yml"):
        return Kind("yaml", None, "a YAML file")
    found = _table(path, "csv")
    return found if found.id or found.form == "table" else Kind("text", None, "a text file")


def _yaml(path: Path) -> object:
    """The parsed YAML; None when it is not YAML, or far too big for a settings file (its loader says so)."""
    if too_big(path, YAML_LIMIT):
        return None
    try:
        return parse_yaml(path.read_bytes().decode("utf-8-sig"))[0]
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return None


def _settings(raw: dict) -> Kind:
    kind = settings_kind(raw)
    if kind is None:
        return Kind("yaml", None, "a YAML file with keys " + ", ".join(sorted(map(str, raw))[:_SHOWN]), "a YAML file")
    label = SETTINGS_YAML[kind][0]
    return Kind("yaml", kind, label, label.split(" (")[0])


def _table(path: Path, fmt: str) -> Kind:
    try:
        header, rows = _header(path, fmt)
    except Unreadable:
        return Kind("table", None, f"a file that cannot be read as a table ({fmt.upper()})")
    if len(header) < 2:
        return Kind("text", None, "a text file, not a table") if fmt == "csv" else Kind("table", None, "a table")
    if not plausible_header(header, rows):  # its first line is not column names: never quoted in a message
        return Kind("text", None, f"{described(path)}, not a table", "a text file")
    return _which_table(header)


def _header(path: Path, fmt: str) -> tuple[list[str], list[list[str]] | None]:
    """The first row's names (CSV: with the delimiter that splits it most) and, for a CSV, the rows below it
    among the first few lines, split alike (None for Excel and Parquet)."""
    with unreadable(ValueError, ImportError, KeyError):
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return [str(c) for c in pq.read_schema(path).names], None
        if fmt == "xlsx":
            import pandas as pd

            return [str(c) for c in pd.read_excel(path, nrows=0).columns], None
        with open_binary(path) as fh:  # the first lines only; the rest may be in another encoding
            lines = [b.decode("utf-8-sig", errors="replace") for b in fh.read(1 << 16).split(b"\n")[:21]]
        if not lines[0].strip():
            return [], None
        splits = [next(csv.reader(io.StringIO(lines[0]), delimiter=d), []) for d in (",", ";", "\t", "|")]
        delimiter = (",", ";", "\t", "|")[splits.index(max(splits, key=len))]
        rows = [row for row in csv.reader(lines[1:-1] if len(lines) > 2 else lines[1:], delimiter=delimiter)]
        return [c.strip() for c in max(splits, key=len)], rows
    return [], None  # pragma: no cover - unreadable() re-raises


@cache
def _table_kinds() -> dict[str, tuple[str, frozenset[str]]]:
    """Every table the package reads or writes: kind -> (description, column names)."""
    kinds = {name: (f"the {name.replace('_', ' ')} table", frozenset(spec.fields)) for name, spec in INPUTS.items()}
    for art in ARTIFACTS:
        if art.kind == "csv" and art.columns and art.name not in kinds:
            kinds[art.name] = (f"the {art.name} table a run writes ({art.step}/{art.filename})", frozenset(art.columns))
    return kinds


def _which_table(header: list[str]) -> Kind:
    """The known table that holds the most of ``header``'s columns (at least two, and half of them)."""
    names = set(header)
    best, score = None, (0, 0.0)
    for kind, (_, columns) in _table_kinds().items():
        common = len(names & columns)
        candidate = (common, common / len(columns | names))
        if common >= 2 and common * 2 >= len(names) and candidate > score:
            best, score = kind, candidate
    shown = ", ".join(header[:_SHOWN]) + (", ..." if len(header) > _SHOWN else "")
    if best is None:
        return Kind("table", None, f"a table (columns {shown})", "a table")
    label = _table_kinds()[best][0]
    return Kind("table", best, f"{label} (columns {shown})", label)
