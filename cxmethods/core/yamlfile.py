"""YAML files and their errors: every problem with the line it is on, unknown keys with a "did you mean",
duplicate keys, and pydantic validation errors turned into :class:`~cxmethods.core.errors.Problem` s.

Used by the engagement config and by every loader of a methodology file (maturity model, benchmarks, service
standards, segment rules). :class:`YamlChecker` reads one such file and collects problems while a loader walks it.

>>> did_you_mean("survy", ["survey", "contact_log"])
" Did you mean 'survey'?"
"""

from __future__ import annotations

import copy
import difflib
import functools
import re
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_core import ErrorDetails

from cxmethods.core.errors import ConfigError, Problem
from cxmethods.core.files import YAML_LIMIT, YamlTooComplex, first_line, not_a_file, parse_yaml, too_big, yaml_detail
from cxmethods.core.paths import templates_dir

__all__ = [
    "SETTINGS_YAML",
    "YamlChecker",
    "allowed_keys",
    "did_you_mean",
    "duplicate_keys",
    "line_of",
    "problem_from_pydantic",
    "settings_kind",
    "yaml_location",
]


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` when a choice is close to ``word``, else ``""``."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ""


#: The settings YAML files the package knows: kind -> (what it is, in words; its template in templates/).
SETTINGS_YAML: dict[str, tuple[str, str]] = {
    "maturity_model": ("a maturity model (levels and components)", "maturity_model.yaml"),
    "benchmarks": ("a benchmarks file (channel costs, discount rates, optimism bias)", "benchmarks.yaml"),
    "segment_rules": ("a segment rule tree", "segment_rules_dwp.yaml"),
    "service_standards": ("a service standards file (principles and standards)", "service_standards.yaml"),
    "engagement": ("an engagement file", "engagement.yaml"),
    "quick_test": ("the quick test's questions", "quick_test.yaml"),
    "role_checklist": ("the role checklist", "role_checklist.yaml"),
    "segmentation_process": ("the segmentation process", "segmentation_process.yaml"),
    "standards": ("the standards crosswalk (CAF, CSE, A-11)", "standards.yaml"),
}
_GENERIC_KEYS = {"name", "source"}  # keys many settings files share: they tell no kind apart


def settings_kind(raw: Any) -> str | None:
    """Which settings file (a key of :data:`SETTINGS_YAML`) a parsed YAML is, by its top-level keys: the kind
    whose template's distinctive keys it has the largest share of; None when it has none of any.

    >>> settings_kind({"name": "Ours", "levels": [], "components": []})
    'maturity_model'
    >>> settings_kind({"name": "Ours"}) is None
    True
    """
    if not isinstance(raw, dict):
        return None
    keys, best, share = {str(k) for k in raw}, None, 0.0
    for kind, signature in _signatures().items():
        found = len(keys & signature) / len(signature) if signature else 0.0
        if found > share:
            best, share = kind, found
    return best


@cache
def _signatures() -> dict[str, frozenset[str]]:
    """Each settings kind's top-level keys, read from its template (so a template's new key is known at once)."""
    found = {}
    for kind, (_, template) in SETTINGS_YAML.items():
        raw = yaml.safe_load((templates_dir() / template).read_text(encoding="utf-8"))
        found[kind] = frozenset(map(str, raw)) - _GENERIC_KEYS if isinstance(raw, dict) else frozenset()
    return found


def duplicate_keys(root: yaml.Node | None, where: str) -> list[Problem]:
    """YAML keeps the last of two equal keys without a word; here it is an error."""
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                if key.value in seen:
                    found.append(
                        Problem(
                            f"{where} line {line}",
                            f"key '{key.value}' appears twice (also on line {seen[key.value]}).",
                            "Keep one of them; otherwise only the last would count.",
                        )
                    )
                seen.setdefault(key.value, line)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return found


def line_of(problem: Problem) -> int:
    match = re.search(r" line (\d+)$", problem.where)
    return int(match.group(1)) if match else 0


def problem_from_pydantic(
    err: ErrorDetails,
    where: str,
    root: yaml.Node | None,
    *,
    model: type[BaseModel],
    fixes: dict[str, str],
    example: str,
) -> Problem:
    """One validation error of a YAML file read into the pydantic ``model`` as a Problem with its line.

    ``fixes`` gives the fix for an invalid value by key; ``example`` is the template file to point at.
    """
    loc = tuple(err["loc"])
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    here = yaml_location(where, root, loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = allowed_keys(loc[:-1], model)
        return Problem(
            here,
            f"{dotted}: unknown key '{loc[-1]}'.{did_you_mean(str(loc[-1]), allowed)}",
            f"Allowed keys here: {', '.join(allowed)}." if allowed else "Remove it.",
        )
    if kind == "missing" and isinstance(loc[-1], int):
        parent = ".".join(str(p) for p in loc[:-1])
        return Problem(here, f"{parent}: too few values.", f"See {example}, e.g. scale: [1, 5].")
    if kind == "missing":
        return Problem(here, f"{dotted}: required key is missing.", f"Add '{loc[-1]}:' (see {example}).")
    if kind == "string_type" and err.get("input") is None and len(loc) >= 2 and loc[-2] == "columns":
        # `reason:` with nothing after it (or `reason: null`): the column is missing from the file, usually
        return Problem(
            here,
            f"{dotted}: no column is given.",
            f"Write the name of your column that holds {loc[-1]}, or remove the line if your file has no such column.",
        )
    msg = re.sub(r" or instance of \w+", "", err["msg"].removeprefix("Value error, "))
    msg = msg.replace("Input should be a valid dictionary", "should be a mapping ('key: value' lines)")
    got = err.get("input")
    shown = f" Got {got!r}." if got is not None and not isinstance(got, (dict, list)) else ""
    fix = fixes.get(str(loc[-1]), f"See {example} for an example.")
    if isinstance(got, str) and kind in ("float_parsing", "int_parsing") and re.search(r"[£$€¥%,]", got):
        fix = "Write the number alone, without currency signs, % or thousands separators (e.g. 9.5, not £9.50; 0.035, not 3.5%)."
    return Problem(here, f"{dotted}: {msg}.{shown}", fix)


def allowed_keys(loc: tuple, start: type[BaseModel]) -> list[str]:
    """Field names of the model found by following ``loc`` from the model ``start``, through model fields, list
    items and mapping values (e.g. ``channel_costs.costs.phone`` is a ``Cost``)."""
    annotation: Any = start
    for part in loc:
        model = _model_of(annotation)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
        elif (item := _item_of(annotation)) is not None:  # a list index or a mapping's key
            annotation = item
        else:
            return []
    model = _model_of(annotation)
    return list(model.model_fields) if model is not None else []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found:
                return found
    return None


def _item_of(annotation: Any) -> Any:
    """The type of a list's items or a mapping's values (``X`` of ``list[X]``, ``dict[str, X]``, ``... | None``)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if isinstance(annotation, types.UnionType) or origin is typing.Union:
        return next((item for arg in args if (item := _item_of(arg)) is not None), None)
    return None


def yaml_location(where: str, root: yaml.Node | None, loc: tuple) -> str:
    """``file line N`` for the deepest YAML node on ``loc`` that exists."""
    node, line = root, None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    node, line = value, key.start_mark.line + 1
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return f"{where} line {line}" if line else where


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> tuple[Any, Any]:
    """:func:`parse_yaml`, once per text: a workshop room re-reads the same methodology files on every change."""
    return parse_yaml(text)


class YamlChecker:
    """Reads one methodology YAML and collects problems with their line numbers.

    A loader walks ``raw`` (the parsed file), calls :meth:`problem` for each thing wrong (a key path locates the
    line), and finally :meth:`raise_if_any`, so the user sees every problem at once.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.problems: list[Problem] = []
        title = f"Cannot read {self.path.name}"
        if (what := not_a_file(self.path)) and what != "file not found":  # a FIFO would hang, /dev/zero never end
            raise ConfigError(
                [Problem(str(self.path), f"{what}.", "Point the setting at the settings YAML file itself.")], title=title
            )
        if self.path.is_file() and (size := too_big(self.path, YAML_LIMIT)):
            raise ConfigError(
                [
                    Problem(
                        str(self.path),
                        f"the file is {size}, but a methodology file is a few kilobytes: "
                        "this looks like the wrong file, so it was not read.",
                        "Check the path; the files in templates/ show what it should look like.",
                    )
                ],
                title=title,
            )
        try:
            data = self.path.read_bytes()
            text = data.decode("utf-8-sig")
            raw, self.root = _parsed(text)
            self.raw = copy.deepcopy(raw)  # a loader may change what it walks; the parsed file stays as read
        except YamlTooComplex as exc:
            raise ConfigError([Problem(exc.where(self.path), f"{exc.problem}.", exc.fix)], title=title) from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ConfigError(
                [
                    Problem(
                        f"{self.path} line {line}",
                        f"not UTF-8 text (byte 0x{data[exc.start]:02x}).",
                        "Save the file as UTF-8 in your editor.",
                    )
                ],
                title=title,
            ) from None
        except yaml.YAMLError as exc:
            at_line, detail = yaml_detail(exc, text)
            raise ConfigError(
                [
                    Problem(
                        f"{self.path}{at_line}",
                        f"cannot be read as YAML{detail}.",
                        "Check the indentation (spaces, not tabs) and that each 'key: value' has a space after the colon.",
                    )
                ],
                title=title,
            ) from None
        except OSError as exc:
            what = "file not found" if isinstance(exc, FileNotFoundError) else f"cannot be read ({first_line(exc)})"
            raise ConfigError(
                [
                    Problem(
                        str(self.path), f"{what}.", "Check the path; relative paths start at the folder of the engagement YAML."
                    )
                ],
                title=title,
            ) from None
        if not isinstance(self.raw, dict):
            raise ConfigError([Problem(str(self.path), "should be a YAML mapping.", "Start from the file in templates/.")])

    def problem(self, loc: tuple, message: str, fix: str) -> None:
        self.problems.append(Problem(yaml_location(str(self.path), self.root, loc), message, fix))

    def items(self, node: Any, key: str, loc: tuple = ()) -> list[dict]:
        value = node.get(key) if isinstance(node, dict) else None
        if not isinstance(value, list) or not value:
            self.problem(loc + (key,), f"'{key}' should be a non-empty list.", f"Add at least one entry under {key}:.")
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.problem(
                    loc + (key, i), f"{key} entry {i + 1} should be a mapping with id, name, ...", "See the file in templates/."
                )
        return good

    def ident(self, node: dict, loc: tuple, seen: set[str]) -> str:
        value = node.get("id")
        if not isinstance(value, str) or not value.strip():
            self.problem(loc, "an entry has no id.", "Give every entry a unique id.")
            return f"?{len(seen)}"
        if value in seen:
            self.problem(loc + ("id",), f"duplicate id '{value}'.", "Give every entry a unique id.")
        seen.add(value)
        return value

    def unknown_keys(self, item: Any, loc: tuple, allowed: typing.Sequence[str]) -> None:
        """A problem for each key of the mapping ``item`` that is not ``allowed``, with the nearest allowed one."""
        for key in item if isinstance(item, dict) else ():
            if key not in allowed:
                self.problem(
                    loc + (key,),
                    f"unknown key '{key}'.{did_you_mean(str(key), allowed)}",
                    f"Allowed keys here: {', '.join(allowed)}.",
                )

    def raise_if_any(self, title: str) -> None:
        if self.problems:
            raise ConfigError(self.problems, title=f"{title} ({self.path})")
