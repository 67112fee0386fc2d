"""The self-assessment's methodology as data: maturity model, quick test, role checklist.

The files live in ``templates/`` (a trainer may point an engagement at a model of their own with
``settings.self_assessment.model``). Each loader validates the whole file and raises one
:class:`~cxmethods.core.errors.ConfigError` listing every problem, with the line it is on.

>>> from cxmethods.methodology.maturity import load_model
>>> model = load_model()
>>> len(model.components), len(model.dimensions)
(4, 21)
>>> model.dimension("operations.measures").component
'operations'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cxmethods.core.config import Engagement
from cxmethods.core.paths import templates_dir
from cxmethods.core.yamlfile import YamlChecker
from cxmethods.io.kinds import check_setting_file

__all__ = [
    "STANDARDS",
    "Component",
    "Dimension",
    "MaturityModel",
    "Question",
    "Statement",
    "load_model",
    "load_quick_test",
    "load_role_checklist",
    "load_standards",
    "model_for",
]

LEVELS = 5
STANDARDS = ("caf", "cse", "a11")


@dataclass(frozen=True)
class Dimension:
    """One maturity dimension: five level descriptors (level 1 first) and its crosswalk to the standards."""

    id: str
    name: str
    component: str
    levels: tuple[str, ...]
    question: str = ""
    crosswalk: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def descriptor(self, level: int) -> str:
        return self.levels[level - 1]


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    dimensions: tuple[Dimension, ...]
    source: str = ""


@dataclass(frozen=True)
class MaturityModel:
    """Components, their dimensions and the names of the five levels."""

    name: str
    level_names: tuple[str, ...]
    components: tuple[Component, ...]
    source: str = ""

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        return tuple(d for c in self.components for d in c.dimensions)

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    def component(self, component_id: str) -> Component:
        for c in self.components:
            if c.id == component_id:
                return c
        raise KeyError(component_id)

    def to_frame(self) -> pd.DataFrame:
        """One row per dimension: ``component``, ``component_name``, ``dimension_id``, ``dimension``,
        ``level_1`` .. ``level_5``, and the crosswalk ids (``caf``, ``cse``, ``a11``, semicolon-separated)."""
        rows = []
        for c in self.components:
            for d in c.dimensions:
                walk = dict(d.crosswalk)
                rows.append(
                    {
                        "component": c.id,
                        "component_name": c.name,
                        "dimension_id": d.id,
                        "dimension": d.name,
                        **{f"level_{i + 1}": text for i, text in enumerate(d.levels)},
                        **{s: ";".join(walk.get(s, ())) for s in STANDARDS},
                    }
                )
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Question:
    """A quick-test question, answered yes or no; a "no" is a finding for its component."""

    id: str
    component: str
    text: str


@dataclass(frozen=True)
class Statement:
    """A role-checklist statement ("You ..."), answered yes, partly or no."""

    id: str
    role: str
    role_name: str
    component: str
    text: str


def model_for(engagement: Engagement) -> MaturityModel:
    """The engagement's maturity model: its own file when ``settings.self_assessment.model`` names one."""
    own = engagement.settings.self_assessment.model
    return load_model(engagement.resolve(own) if own else None)


def load_standards() -> dict[str, dict[str, str]]:
    """The crosswalk's reference lists: ``{"caf": {"1.1": "Leadership - ..."}, "cse": {...}, "a11": {...}}``."""
    raw = yaml.safe_load((templates_dir() / "standards.yaml").read_text(encoding="utf-8"))
    return {key: {str(k): v for k, v in raw[key]["items"].items()} for key in STANDARDS}


def load_model(path: str | Path | None = None) -> MaturityModel:
    """Read and validate a maturity model YAML (default ``templates/maturity_model.yaml``).

    Raises
    ------
    ConfigError
        Listing every problem: missing keys, duplicate ids, a dimension without exactly five levels,
        a crosswalk naming an unknown standard or criterion.
    """
    if path is not None:  # an engagement's own file: one of another kind is named for what it is
        check_setting_file(path, "maturity_model")
    check = _ModelChecker(path or templates_dir() / "maturity_model.yaml")
    raw = check.raw
    levels = check.strings(raw.get("levels"), ("levels",), count=LEVELS, what="level names")
    standards = load_standards()
    components, seen = [], set[str]()
    for ci, comp in enumerate(check.items(raw, "components")):
        cloc = ("components", ci)
        cid = check.ident(comp, cloc, seen)
        dims = []
        for di, dim in enumerate(check.items(comp, "dimensions", cloc)):
            dloc = cloc + ("dimensions", di)
            did = check.ident(dim, dloc, seen)
            texts = check.strings(dim.get("levels"), dloc + ("levels",), count=LEVELS, what="level descriptors")
            walk = []
            for standard, ids in (dim.get("crosswalk") or {}).items():
                if standard not in standards:
                    check.problem(
                        dloc + ("crosswalk", standard),
                        f"crosswalk names an unknown standard '{standard}'.",
                        f"Use {', '.join(STANDARDS)}.",
                    )
                    continue
                ids = [str(i) for i in (ids if isinstance(ids, list) else [ids])]
                for unknown in [i for i in ids if i not in standards[standard]]:
                    check.problem(
                        dloc + ("crosswalk", standard),
                        f"dimension '{did}': crosswalk to unknown {standard} criterion '{unknown}'.",
                        f"Use ids listed in templates/standards.yaml under {standard}.",
                    )
                walk.append((standard, tuple(ids)))
            dims.append(Dimension(did, str(dim.get("name", did)), cid, tuple(texts), str(dim.get("question", "")), tuple(walk)))
        components.append(Component(cid, str(comp.get("name", cid)), tuple(dims), str(comp.get("source", ""))))
    check.raise_if_any("The maturity model has problems")
    return MaturityModel(str(raw.get("name", "")), tuple(levels), tuple(components), str(raw.get("source", "")))


def load_quick_test(path: str | Path | None = None) -> tuple[Question, ...]:
    """The quick test's questions (default ``templates/quick_test.yaml``)."""
    check = _ModelChecker(path or templates_dir() / "quick_test.yaml")
    seen: set[str] = set()
    questions = []
    for i, q in enumerate(check.items(check.raw, "questions")):
        qid = check.ident(q, ("questions", i), seen)
        questions.append(Question(qid, check.component(q, ("questions", i)), check.text(q, ("questions", i))))
    check.raise_if_any("The quick test has problems")
    return tuple(questions)


def load_role_checklist(path: str | Path | None = None) -> tuple[Statement, ...]:
    """The role checklist's statements, role by role (default ``templates/role_checklist.yaml``)."""
    check = _ModelChecker(path or templates_dir() / "role_checklist.yaml")
    seen: set[str] = set()
    statements = []
    for ri, role in enumerate(check.items(check.raw, "roles")):
        rid = check.ident(role, ("roles", ri), set())
        for si, st in enumerate(check.items(role, "statements", ("roles", ri))):
            loc = ("roles", ri, "statements", si)
            statements.append(
                Statement(
                    check.ident(st, loc, seen), rid, str(role.get("name", rid)), check.component(st, loc), check.text(st, loc)
                )
            )
    check.raise_if_any("The role checklist has problems")
    return tuple(statements)


_COMPONENTS = ("understand", "operations", "relationships", "outcomes")


class _ModelChecker(YamlChecker):
    """The checks particular to the maturity model, quick test and role checklist."""

    def strings(self, value: Any, loc: tuple, *, count: int, what: str) -> list[str]:
        if not isinstance(value, list) or len(value) != count or not all(isinstance(v, str) and v.strip() for v in value):
            n = len(value) if isinstance(value, list) else 0
            self.problem(
                loc,
                f"needs exactly {count} {what} (level 1 first); found {n}"
                f"{' (some empty)' if isinstance(value, list) and len(value) == count else ''}.",
                f"Write {count} non-empty {what} as a list.",
            )
            return [str(v) for v in value] if isinstance(value, list) else []
        return list(value)

    def component(self, node: dict, loc: tuple) -> str:
        value = node.get("component")
        if value not in _COMPONENTS:
            self.problem(loc + ("component",), f"unknown component '{value}'.", f"Use one of {', '.join(_COMPONENTS)}.")
        return str(value)

    def text(self, node: dict, loc: tuple) -> str:
        value = node.get("text")
        if not isinstance(value, str) or not value.strip():
            self.problem(loc, "an entry has no text.", "Write the question or statement under text:.")
            return ""
        return value
