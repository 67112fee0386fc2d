"""The self-assessment's methodology as data: maturity model, quick test, role checklist.

The files live in ``templates/`` (a trainer may point an engagement at a model of their own with
``settings.self_assessment.model``). Each loader validates the whole file and raises one
:class:`~cxmethods.core.errors.ConfigError` listing every problem, with the line it is on.

The model has a version and a change log (``changes``): an answers file written against an earlier version is
still read, with a note of what changed (:meth:`MaturityModel.carry_over`). Each level is a list of criteria, one
condition each, with examples of evidence; a level is met when all of its criteria hold and every level below it
is met (the best-fit rule, ``best_fit`` in the file). :func:`repeated_phrases` flags the same phrase at two levels
or in two dimensions, so two assessors do not find one piece of evidence at different levels.

>>> from cxmethods.methodology.maturity import load_model
>>> model = load_model()
>>> model.version, [c.id for c in model.components]
('2.0', ['understand', 'operations', 'relationships', 'outcomes', 'results'])
>>> model.dimension("operations.measures").component
'operations'
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
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
    "repeated_phrases",
]

LEVELS = 5
STANDARDS = ("caf", "cse", "a11")
KINDS = ("enabler", "results")
#: The quick test's tag for a question about the readiness to change rather than any one component.
READINESS = "readiness"


@dataclass(frozen=True)
class Dimension:
    """One maturity dimension: five level descriptors (level 1 first) and its crosswalk to the standards."""

    id: str
    name: str
    component: str
    levels: tuple[str, ...]
    question: str = ""
    crosswalk: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: each level's criteria (one condition each) and examples of evidence; ``levels`` joins the criteria
    criteria: tuple[tuple[str, ...], ...] = ()
    evidence: tuple[tuple[str, ...], ...] = ()
    source: str = ""

    def descriptor(self, level: int) -> str:
        return self.levels[level - 1]

    def examples(self, level: int) -> tuple[str, ...]:
        """Examples of the evidence an assessor would see at ``level`` (none in a model written as one text per level)."""
        return self.evidence[level - 1] if self.evidence else ()


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    dimensions: tuple[Dimension, ...]
    source: str = ""
    #: ``enabler`` (what the organisation does) or ``results`` (what it achieves), as in CAF 2020
    kind: str = "enabler"


@dataclass(frozen=True)
class Change:
    """One version in the model's change log: what changed, and how answers given to the version before carry over."""

    version: str
    summary: str
    renamed: tuple[tuple[str, str], ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class MaturityModel:
    """Components, their dimensions and the names of the five levels."""

    name: str
    level_names: tuple[str, ...]
    components: tuple[Component, ...]
    source: str = ""
    version: str = ""
    best_fit: str = ""
    changes: tuple[Change, ...] = ()
    #: phrases every dimension may use (e.g. "front-line staff"): :func:`repeated_phrases` does not count them
    shared_phrases: tuple[str, ...] = ()

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

    def carry_over(self, given: str) -> tuple[str | None, str]:
        """Where an answer given for dimension id ``given`` goes in this model, and why: ``(id, "")`` when the id is
        the model's, ``(new id, reason)`` when a later version renamed it, ``(None, reason)`` when it was removed or
        was never a dimension."""
        ids = {d.id for d in self.dimensions}
        if given in ids:
            return given, ""
        for change in self.changes:  # newest first: follow a chain of renames
            if given in change.removed:
                return None, f"removed in version {change.version}"
            renamed = dict(change.renamed)
            if given in renamed:
                target, why = self.carry_over(renamed[given])
                return target, why or f"renamed '{renamed[given]}' in version {change.version}"
        return None, "not a dimension of this model"

    def to_frame(self) -> pd.DataFrame:
        """One row per dimension: ``component``, ``component_name``, ``kind``, ``dimension_id``, ``dimension``,
        ``level_1`` .. ``level_5``, and the crosswalk ids (``caf``, ``cse``, ``a11``, semicolon-separated)."""
        rows = []
        for c in self.components:
            for d in c.dimensions:
                walk = dict(d.crosswalk)
                rows.append(
                    {
                        "component": c.id,
                        "component_name": c.name,
                        "kind": c.kind,
                        "dimension_id": d.id,
                        "dimension": d.name,
                        **{f"level_{i + 1}": text for i, text in enumerate(d.levels)},
                        **{s: ";".join(walk.get(s, ())) for s in STANDARDS},
                    }
                )
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Question:
    """A quick-test question, answered yes or no for the organisation and for the team; a "no" is a finding for
    its component (or :data:`READINESS`: the capacity to change, a precondition of every component)."""

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


def results_criteria() -> dict[str, frozenset[str]]:
    """Per standard, the ids whose evidence is results (CAF 6-9); a results dimension maps only to these, an
    enabler only to the others. Standards that make no such split are absent."""
    raw = yaml.safe_load((templates_dir() / "standards.yaml").read_text(encoding="utf-8"))
    return {key: frozenset(map(str, raw[key]["results"])) for key in STANDARDS if raw[key].get("results")}


def load_model(path: str | Path | None = None) -> MaturityModel:
    """Read and validate a maturity model YAML (default ``templates/maturity_model.yaml``).

    Each level is either a mapping of ``criteria`` (a list, one condition each) and ``evidence`` (examples), or,
    in a model written the older way, one text.

    Raises
    ------
    ConfigError
        Listing every problem: missing keys, duplicate ids, a dimension without exactly five levels, a level
        without criteria, a crosswalk naming an unknown standard or criterion, or, in a component that states its
        ``kind``, an enabler mapped to a results criterion (and the other way round).
    """
    if path is not None:  # an engagement's own file: one of another kind is named for what it is
        check_setting_file(path, "maturity_model")
    check = _ModelChecker(path or templates_dir() / "maturity_model.yaml")
    raw = check.raw
    levels = check.strings(raw.get("levels"), ("levels",), count=LEVELS, what="level names")
    standards, results = load_standards(), results_criteria()
    components, seen = [], set[str]()
    for ci, comp in enumerate(check.items(raw, "components")):
        cloc = ("components", ci)
        cid = check.ident(comp, cloc, seen)
        stated = "kind" in comp  # a model written before components had kinds: its crosswalk is not checked for them
        kind = str(comp.get("kind", "enabler"))
        if kind not in KINDS:
            check.problem(cloc + ("kind",), f"component '{cid}': unknown kind '{kind}'.", f"Use {' or '.join(KINDS)}.")
        dims = []
        for di, dim in enumerate(check.items(comp, "dimensions", cloc)):
            dloc = cloc + ("dimensions", di)
            did = check.ident(dim, dloc, seen)
            criteria, evidence = check.levels(dim.get("levels"), dloc + ("levels",))
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
                if standard in results and stated and kind in KINDS:
                    wrong = [i for i in ids if (i in results[standard]) != (kind == "results")]
                    for i in wrong:
                        check.problem(
                            dloc + ("crosswalk", standard),
                            f"dimension '{did}' is in {'a results' if kind == 'results' else 'an enabler'} component but "
                            f"maps to {standard} {i}, {'an enabler' if kind == 'results' else 'a results'} criterion.",
                            "Map enablers to enablers and results to results (templates/standards.yaml lists the "
                            f"{standard} results criteria).",
                        )
                walk.append((standard, tuple(ids)))
            dims.append(
                Dimension(
                    did,
                    str(dim.get("name", did)),
                    cid,
                    tuple(" ".join(_sentence(c) for c in level) for level in criteria),
                    str(dim.get("question", "")),
                    tuple(walk),
                    tuple(criteria) if evidence is not None else (),
                    tuple(evidence) if evidence is not None else (),
                    str(dim.get("source", "")),
                )
            )
        components.append(Component(cid, str(comp.get("name", cid)), tuple(dims), str(comp.get("source", "")), kind))
    changes = check.changes(raw.get("changes"), seen)
    check.raise_if_any("The maturity model has problems")
    return MaturityModel(
        str(raw.get("name", "")),
        tuple(levels),
        tuple(components),
        str(raw.get("source", "")),
        str(raw.get("version", "")),
        str(raw.get("best_fit", "")),
        changes,
        tuple(map(str, raw.get("shared_phrases") or ())),
    )


#: Words that carry no meaning of their own in a descriptor, left out when phrases are compared.
_STOP = frozenset(
    """a an the and or of to in on at by for with from as is are be been being it its this that these those there
    their they them we our us who whom which what when where how than then so such not no nor each every any all
    some one two three most more least less can may must should would will has have had do does did into over under
    about per also only own same other both either neither at least once year was were""".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    """A light stem, enough to make 'customers' and 'customer', 'bodies' and 'body', 'reviewed' and 'review' the
    same word."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _content_words(text: str, shared: tuple[tuple[str, ...], ...] = ()) -> list[tuple[str, str]]:
    """The meaningful words of a text as (stem, word as written); each shared phrase becomes one empty word, which
    no phrase spans."""
    words = [(_stem(w), w) for w in _WORD.findall(text.lower().replace("'s", "")) if w not in _STOP]
    for phrase in shared:
        n, i = len(phrase), 0
        while i + n <= len(words):
            if tuple(stem for stem, _ in words[i : i + n]) == phrase:
                words[i : i + n] = [("", "")]
            i += 1
    return words


def repeated_phrases(model: MaturityModel, *, words: int = 3) -> pd.DataFrame:
    """Phrases of ``words`` meaningful words (after dropping words such as 'the' and 'each', and light stemming)
    found at more than one level of a dimension, or in more than one dimension: candidates for evidence that two
    assessors would place at different levels. Criteria and evidence examples are both compared.

    Phrases the model lists under ``shared_phrases`` (terms every dimension may use, such as "front-line staff")
    are not counted. Returns one row per phrase: ``phrase`` and ``where`` (``dimension_id level N`` places,
    semicolon-separated).
    The bundled model has none; a trainer's own model is checked when workbook 01 loads it.
    """
    shared = {tuple(stem for stem, _ in _content_words(p)) for p in model.shared_phrases}
    longest_first = tuple(sorted((p for p in shared if p), key=len, reverse=True))
    places: dict[tuple[str, ...], set[tuple[str, int]]] = defaultdict(set)
    written: dict[tuple[str, ...], str] = {}  # each phrase as it was first written
    for d in model.dimensions:
        texts = d.criteria or tuple((text,) for text in d.levels)
        for level, level_texts in enumerate(texts, 1):
            for text in (*level_texts, *d.examples(level)):
                ws = _content_words(text, longest_first)
                for i in range(len(ws) - words + 1):
                    gram = tuple(stem for stem, _ in ws[i : i + words])
                    if all(gram):
                        places[gram].add((d.id, level))
                        written.setdefault(gram, " ".join(w for _, w in ws[i : i + words]))
    rows = [
        {"phrase": written[gram], "where": "; ".join(f"{d} level {lv}" for d, lv in sorted(found))}
        for gram, found in places.items()
        if len(found) > 1
    ]
    return pd.DataFrame(rows, columns=["phrase", "where"])


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


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


@functools.cache
def _components() -> tuple[str, ...]:
    """The bundled model's component ids: what quick-test questions and checklist statements are tagged with."""
    return tuple(c.id for c in load_model().components)


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

    def levels(self, value: Any, loc: tuple) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]] | None]:
        """Five levels, each ``{criteria: [...], evidence: [...]}`` (criteria, evidence) or one text (criteria
        only, evidence None: a model written the older way)."""
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return [(t,) for t in self.strings(value, loc, count=LEVELS, what="level descriptors")], None
        if not isinstance(value, list) or len(value) != LEVELS:
            self.problem(
                loc,
                f"needs exactly {LEVELS} levels (level 1 first); found {len(value) if isinstance(value, list) else 0}.",
                "Write five entries under levels:, each with criteria: and evidence: lists.",
            )
            return [], None
        found: dict[str, list[tuple[str, ...]]] = {"criteria": [], "evidence": []}
        for i, level in enumerate(value):
            where = loc + (i,)
            if not isinstance(level, dict):
                self.problem(where, f"level {i + 1} should be a mapping with criteria: and evidence:.", "See templates/.")
                level = {}
            for key, texts in found.items():
                given = level.get(key)
                if isinstance(given, list) and given and all(isinstance(t, str) and t.strip() for t in given):
                    texts.append(tuple(given))
                else:
                    self.problem(
                        where + (key,),
                        f"level {i + 1} needs a non-empty list of {key} (texts).",
                        "One condition per criterion; one example per evidence entry.",
                    )
                    texts.append(())
        return found["criteria"], found["evidence"]

    def changes(self, value: Any, ids: set[str]) -> tuple[Change, ...]:
        """The change log, newest first; each rename must lead to a dimension id (or a later rename)."""
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(("changes",), "'changes' should be a list of versions.", "See templates/maturity_model.yaml.")
            return ()
        found = []
        for i, entry in enumerate(value):
            if not isinstance(entry, dict) or not entry.get("version"):
                self.problem(("changes", i), "each change needs a version.", "Write version: and summary:.")
                continue
            renamed = entry.get("renamed") or {}
            removed = entry.get("removed") or []
            if not isinstance(renamed, dict) or not isinstance(removed, list):
                self.problem(("changes", i), "renamed: should map old id to new id; removed: list old ids.", "See templates/.")
                continue
            found.append(
                Change(
                    str(entry["version"]),
                    str(entry.get("summary", "")),
                    tuple((str(k), str(v)) for k, v in renamed.items()),
                    tuple(map(str, removed)),
                )
            )
        later = set(ids)  # a rename points at an id of this version or one a later version renamed again
        for i, change in enumerate(found):
            for old, new in change.renamed:
                if new not in later:
                    self.problem(
                        ("changes", i, "renamed", old),
                        f"version {change.version} renames '{old}' to '{new}', which is no dimension.",
                        "Name the id the dimension has now.",
                    )
            later |= {old for old, _ in change.renamed}
        return tuple(found)

    def component(self, node: dict, loc: tuple) -> str:
        value = node.get("component")
        known = (*_components(), READINESS)
        if value not in known:
            self.problem(loc + ("component",), f"unknown component '{value}'.", f"Use one of {', '.join(known)}.")
        return str(value)

    def text(self, node: dict, loc: tuple) -> str:
        value = node.get("text")
        if not isinstance(value, str) or not value.strip():
            self.problem(loc, "an entry has no text.", "Write the question or statement under text:.")
            return ""
        return value
