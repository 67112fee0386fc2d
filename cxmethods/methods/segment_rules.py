"""Rule-based segment trees, written in YAML: segments defined by a few rules, not found by clustering.

A tree splits the population on conditions, level by level (DWP split future pensioners by
employment status, then by whether they have a private second pension). Every leaf is a segment
and carries an outcome objective. Sizes come from data (:func:`apply_rules`) or, when no data is
given, from the sizes published in the file (:func:`segment_sizes`).

The format (``templates/segment_rules_dwp.yaml`` is a full example)::

    name: Riverton residents by work and digital confidence
    source: Where the rules and any published sizes come from
    population: 180000        # optional published total: the denominator of published shares
    parameters:               # optional named numbers the conditions use, each with its source
      state_pension_age: {value: 66, source: "Pensions Act 2011, s.1"}
    scope:                    # optional: who the tree covers; rows outside are counted apart, in no segment
      - {field: age, "<": state_pension_age}
    segments:
      - id: working
        name: In work
        when: {field: employment_status, in: [employed, self-employed]}
        children:
          - id: working.online
            name: Working, confident online
            when: {field: digital_confidence, ">=": 4}
            size: 46000       # optional published size
            objective: Sort out routine business online at the first attempt

``when`` holds one condition or a list of conditions that must all hold, or the word ``otherwise``
(the rows no sibling takes). A condition names a ``field`` and one operator: ``in`` / ``not_in`` (a
list), ``==`` / ``!=`` (a value), ``<``, ``<=``, ``>``, ``>=`` (a number) or ``missing`` (true or false).
Text matches ignore case. A missing value matches only ``missing: true``. Every leaf needs an
``objective``. Unquoted ``yes`` and ``no`` are read by YAML as true and false, which matches yes/no fields.
A number in ``<``, ``<=``, ``>``, ``>=``, ``==`` or ``!=`` may be the name of a ``parameter`` (a bound that
changes by law or by date, such as State Pension age, stated once with its source).

``scope`` (conditions that must all hold) says who the tree is about: a tree of future pensioners covers
people under State Pension age. A row that fails it is counted apart, as outside the population, in no
segment and in no share; a row whose value is missing cannot be tested, stays in, and is reported.

>>> from cxmethods.core.paths import templates_dir
>>> tree = load_rules(templates_dir() / "segment_rules_dwp.yaml")
>>> [s.id for s in tree.segments]
['pre_working_age', 'not_in_paid_work', 'employee', 'self_employed']
>>> int(segment_sizes(tree)["size"].sum())
36400000
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cxmethods.core.errors import ConfigError, Problem
from cxmethods.core.yamlfile import YamlChecker, did_you_mean, yaml_location
from cxmethods.io.kinds import check_setting_file
from cxmethods.methods.segment_checks import load_process

__all__ = [
    "OPERATORS",
    "OUTSIDE",
    "Condition",
    "Parameter",
    "RuleTree",
    "Segment",
    "apply_rules",
    "load_process",
    "load_rules",
    "segment_sizes",
]

OPERATORS = ("in", "not_in", "==", "!=", "<", "<=", ">", ">=", "missing")
_NUMERIC = {"<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}
_NODE_KEYS = ("id", "name", "when", "children", "size", "objective", "description")
_TOP_KEYS = ("name", "source", "population", "parameters", "scope", "segments")
_PARAMETER_KEYS = ("value", "source")
#: The assignment of a row outside the tree's ``scope`` (its population): counted apart, in no segment.
OUTSIDE = "(outside)"
_SIZE_TOLERANCE = 0.02  # published sizes are rounded: children may miss their parent's total by 2%
_EXAMPLES = 5  # row labels shown in a message


@dataclass(frozen=True)
class Condition:
    """One test on one field: ``field op value``."""

    field: str
    op: str
    value: Any
    parameter: str = ""  # the parameter the value comes from, if any

    def __str__(self) -> str:
        if self.op == "missing":
            return f"{self.field} is {'' if self.value else 'not '}missing"
        if self.op in ("in", "not_in"):
            return f"{self.field} {self.op.replace('_', ' ')} [{', '.join(str(v) for v in self.value)}]"
        value = _number_text(self.value)
        return f"{self.field} {self.op} {value}" + (f" ({self.parameter.replace('_', ' ')})" if self.parameter else "")

    def mask(self, column: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Rows that meet the condition, and rows whose value cannot be compared (not numeric for ``<`` ...)."""
        known = column.notna()
        if self.op == "missing":
            return ~known if self.value else known, pd.Series(False, index=column.index)
        if self.op in _NUMERIC:
            number = pd.to_numeric(column.astype("object").where(known), errors="coerce").astype(float)
            hit = getattr(number, _NUMERIC[self.op])(float(self.value)).fillna(False).astype(bool)
            return hit, known & number.isna()
        wanted = {_key(v) for v in (self.value if self.op in ("in", "not_in") else (self.value,))}
        inside = column.where(known).map(_key, na_action="ignore").isin(wanted)
        return (inside if self.op in ("in", "==") else known & ~inside), pd.Series(False, index=column.index)


def _number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _key(value: Any) -> str:
    """One spelling per value: YAML ``3`` meets data ``3.0``, ``Employed`` meets ``employed``, ``yes`` meets true."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().casefold()
    return {"yes": "true", "no": "false"}.get(text, text)


@dataclass(frozen=True)
class Segment:
    """A node of the tree: a leaf is a segment; an inner node groups its children."""

    id: str
    name: str
    when: tuple[Condition, ...]
    children: tuple[Segment, ...] = ()
    size: float | None = None
    objective: str = ""
    description: str = ""
    otherwise: bool = False
    where: str = ""

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def rule(self) -> str:
        return "otherwise" if self.otherwise else " and ".join(str(c) for c in self.when)


@dataclass(frozen=True)
class Parameter:
    """A named number the tree's conditions use (e.g. State Pension age), with where it comes from."""

    name: str
    value: float
    source: str = ""


@dataclass(frozen=True)
class RuleTree:
    """A validated segment tree (see :func:`load_rules`)."""

    name: str
    segments: tuple[Segment, ...]
    source: str = ""
    population: float | None = None
    path: str = ""
    parameters: tuple[Parameter, ...] = ()
    scope: tuple[Condition, ...] = ()
    scope_where: str = ""

    @property
    def scope_rule(self) -> str:
        """The scope in words ("" when the tree covers everyone)."""
        return " and ".join(str(c) for c in self.scope)

    def walk(self) -> Iterator[tuple[Segment, tuple[Segment, ...]]]:
        """Every node, depth first, with its ancestors (outermost first)."""

        def down(nodes, above):
            for node in nodes:
                yield node, above
                yield from down(node.children, above + (node,))

        yield from down(self.segments, ())

    def leaves(self) -> list[Segment]:
        return [node for node, _ in self.walk() if node.is_leaf]

    def to_frame(self) -> pd.DataFrame:
        """One row per node: ``id``, ``parent``, ``depth``, ``name``, ``rule``, ``size`` (published), ``leaf``, ``objective``."""
        return pd.DataFrame(
            [
                {
                    "id": n.id,
                    "parent": above[-1].id if above else "",
                    "depth": len(above),
                    "name": n.name,
                    "rule": n.rule,
                    "size": n.size,
                    "leaf": n.is_leaf,
                    "objective": n.objective,
                }
                for n, above in self.walk()
            ]
        )


def load_rules(path: str | Path) -> RuleTree:
    """Read and validate a segment-tree YAML.

    Raises
    ------
    ConfigError
        Listing every problem with its line: unknown keys or operators, missing or duplicate ids, a
        node without ``when``, a leaf without ``objective``, sizes that are not numbers or do not add
        up to their parent's (within 2%, for rounding).
    """
    if path is not None:  # an engagement's own file: one of another kind is named for what it is
        check_setting_file(path, "segment_rules")
    check = YamlChecker(path)
    raw = check.raw
    check.unknown_keys(raw, (), _TOP_KEYS)
    parameters = _parameters(check, raw)
    seen: set[str] = set()

    def level(item: Any, loc: tuple) -> tuple[Segment, ...]:
        nodes = tuple(
            node(n, loc + ("segments" if not loc else "children", i))
            for i, n in enumerate(check.items(item, "segments" if not loc else "children", loc))
        )
        if sum(n.otherwise for n in nodes) > 1:
            check.problem(loc, f"{sum(n.otherwise for n in nodes)} siblings have when: otherwise.", "Keep one.")
        return nodes

    def node(item: dict, loc: tuple) -> Segment:
        nid = check.ident(item, loc, seen)
        check.unknown_keys(item, loc, _NODE_KEYS)
        when = _when(check, item, loc, nid, parameters)
        children = level(item, loc) if "children" in item else ()
        objective = str(item.get("objective") or "").strip()
        if not children and not objective:
            check.problem(
                loc + ("id",),
                f"rule '{nid}' is a segment (it has no children) but no objective.",
                "Write an outcome-based objective for it; if none can be defined, the group may be an indirect "
                "customer rather than a target segment (PwC 2002, Component 1).",
            )
        size = _size(check, item, loc, "size")
        _add_up(check, loc, nid, size, [c.size for c in children])
        return Segment(
            nid,
            str(item.get("name", nid)),
            when,
            children,
            size,
            objective,
            str(item.get("description", "")).strip(),
            item.get("when") == "otherwise",
            yaml_location(check.path.name, check.root, loc),
        )

    segments = level(raw, ())
    population = _size(check, raw, (), "population")
    _add_up(check, ("population",), "population", population, [s.size for s in segments])
    scope = _when(check, raw, (), "scope", parameters, key="scope") if "scope" in raw else ()
    check.raise_if_any("The segment rules have problems")
    return RuleTree(
        str(raw.get("name", "")),
        segments,
        str(raw.get("source", "")).strip(),
        population,
        str(check.path),
        tuple(parameters.values()),
        scope,
        yaml_location(check.path.name, check.root, ("scope",)) if scope else "",
    )


def _parameters(check: YamlChecker, raw: dict) -> dict[str, Parameter]:
    """The file's named numbers: each a number (``value``) with its ``source``."""
    found: dict[str, Parameter] = {}
    items = raw.get("parameters")
    if items is None:
        return found
    if not isinstance(items, dict):
        check.problem(("parameters",), "parameters should map names to a value and a source.", _PARAMETER_FIX)
        return found
    for name, item in items.items():
        loc = ("parameters", name)
        if not isinstance(item, dict):
            check.problem(loc, f"parameter '{name}' should have a value and a source.", _PARAMETER_FIX)
            continue
        check.unknown_keys(item, loc, _PARAMETER_KEYS)
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            check.problem(loc, f"parameter '{name}' needs a number as its value. Got {value!r} instead.", _PARAMETER_FIX)
            continue
        source = str(item.get("source") or "").strip()
        if not source:
            check.problem(loc, f"parameter '{name}' has no source.", "Say where the number comes from (an act, a page).")
        found[str(name)] = Parameter(str(name), float(value), " ".join(source.split()))
    return found


_PARAMETER_FIX = "Write e.g. parameters: {state_pension_age: {value: 66, source: 'Pensions Act 2011, s.1'}}."


def _size(check: YamlChecker, item: dict, loc: tuple, key: str) -> float | None:
    value = item.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
        check.problem(
            loc + (key,),
            f"{key} should be a number of zero or more. Got {value!r} instead.",
            "Write the number in full, e.g. 4600000 (no 'm', commas or units).",
        )
        return None
    return None if value is None else float(value)


def _add_up(check: YamlChecker, loc: tuple, nid: str, total: float | None, parts: list) -> None:
    """Published parts should add up to their total (when all are given), give or take rounding."""
    if total is not None and parts and None not in parts and abs(sum(parts) - total) > _SIZE_TOLERANCE * total:
        check.problem(
            loc,
            f"'{nid}' is {total:,.0f} but the sizes one level below add up to {sum(parts):,.0f}.",
            "Check the published figures; the sizes of children should add up to their parent's.",
        )


def _when(
    check: YamlChecker, item: dict, loc: tuple, nid: str, parameters: dict[str, Parameter], *, key: str = "when"
) -> tuple[Condition, ...]:
    raw = item.get(key)
    if raw == "otherwise" and key == "when":
        return ()
    fix = f"Write one field and one operator, e.g. {{field: age, '>=': 16}}. Operators: {', '.join(OPERATORS)}."
    if not raw or isinstance(raw, str):
        otherwise = " Or write when: otherwise." if key == "when" else ""
        check.problem(loc, f"rule '{nid}' has no usable {key}: (got {raw!r}).", fix + otherwise)
        return ()
    out = []
    for i, cond in enumerate(raw if isinstance(raw, list) else [raw]):
        cloc = loc + ((key, i) if isinstance(raw, list) else (key,))
        if not isinstance(cond, dict) or not isinstance(cond.get("field"), str) or not cond["field"].strip():
            check.problem(cloc, f"rule '{nid}': a condition has no field.", fix)
            continue
        field, ops = cond["field"], [k for k in cond if k != "field"]
        for op in (op for op in ops if op not in OPERATORS):
            check.problem(cloc, f"rule '{nid}': unknown operator '{op}'.{did_you_mean(str(op), OPERATORS)}", fix)
        if len(ops) != 1 or ops[0] not in OPERATORS:
            if not ops or (len(ops) > 1 and set(ops) <= set(OPERATORS)):
                check.problem(cloc, f"rule '{nid}': a condition on '{field}' needs exactly one operator; found {len(ops)}.", fix)
            continue
        op, value = ops[0], cond[ops[0]]
        parameter = ""
        if isinstance(value, str) and op in (*_NUMERIC, "==", "!=") and (value in parameters or (op in _NUMERIC and parameters)):
            if value not in parameters:
                check.problem(
                    cloc,
                    f"rule '{nid}': '{op}' names '{value}', which is not a parameter.{did_you_mean(value, parameters)}",
                    f"Give a number, or define it under parameters: (defined: {', '.join(parameters) or 'none'}).",
                )
                continue
            parameter, value = value, parameters[value].value
        want = (
            "a list"
            if op in ("in", "not_in")
            else "true or false"
            if op == "missing"
            else "a number"
            if op in _NUMERIC
            else "one value"
        )
        if not {
            "a list": isinstance(value, list) and value,
            "true or false": isinstance(value, bool),
            "a number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "one value": not isinstance(value, (list, dict)),
        }[want]:
            check.problem(cloc, f"rule '{nid}': '{op}' needs {want}. Got {value!r} instead.", fix)
            continue
        out.append(Condition(field, op, tuple(value) if isinstance(value, list) else value, parameter))
    return tuple(out)


def apply_rules(tree: RuleTree, data: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """Give every row of ``data`` the id of the segment (leaf) whose rules it meets.

    Parameters
    ----------
    tree : RuleTree
    data : DataFrame
        One row per person (e.g. survey respondents), with the fields the rules test.

    Returns
    -------
    assignment : Series
        Leaf id by row (index of ``data``); :data:`OUTSIDE` for rows outside the tree's ``scope``; missing for rows
        that no rule covers.
    problems : list of Problem
        Errors: siblings that overlap (the row goes to the first) and values that cannot be compared.
        Warnings: rows that match none of a node's children, rows the scope cannot test (missing values). Each names the rule, its line, the number of
        rows and the first few row labels.

    Raises
    ------
    ConfigError
        When a rule tests a field the data lacks (every such field is listed).

    Examples
    --------
    >>> from cxmethods.core.paths import templates_dir
    >>> tree = load_rules(templates_dir() / "segment_rules_dwp.yaml")
    >>> people = pd.DataFrame({"age": [12, 40, 40, 70], "employment_status": ["not_in_paid_work", "employee", "employee", "employee"],
    ...                        "seeking_work": [False] * 4, "private_second_pension": [False, True, False, True]})
    >>> assignment, problems = apply_rules(tree, people)
    >>> assignment.tolist(), problems
    (['pre_working_age', 'employee.with_pension', 'employee.without_pension', '(outside)'], [])
    """
    tested = [(f, n.id, n.where) for n, _ in tree.walk() for f in dict.fromkeys(c.field for c in n.when)]
    tested += [(f, "scope", tree.scope_where) for f in dict.fromkeys(c.field for c in tree.scope)]
    absent = [(f, nid, where) for f, nid, where in tested if f not in data.columns]
    if absent:
        raise ConfigError(
            [
                Problem(
                    where,
                    f"rule '{nid}' tests field '{f}', which the data lacks.{did_you_mean(f, data.columns)}",
                    f"Map the field in the engagement or correct the rule. The data has: {', '.join(map(str, data.columns))}.",
                )
                for f, nid, where in absent
            ],
            title="The segment rules do not fit the data",
        )
    assignment = pd.Series(pd.NA, index=data.index, dtype="string", name="segment")
    problems: list[Problem] = []
    inside = _scope(tree, data, problems)
    assignment[~inside] = OUTSIDE
    _split(tree.segments, None, inside, data, assignment, problems)
    return assignment, problems


def _scope(tree: RuleTree, data: pd.DataFrame, problems: list) -> pd.Series:
    """Rows in the tree's population: those no scope condition rules out (a missing value cannot rule a row out)."""
    inside = pd.Series(True, index=data.index)
    for cond in tree.scope:
        hit, odd = cond.mask(data[cond.field])
        known = data[cond.field].notna() & ~odd
        if cond.op != "missing" and (~known).any():
            problems.append(
                Problem(
                    tree.scope_where,
                    f"{_rows(~known)} have no usable '{cond.field}', so the scope ({cond}) cannot tell whether they "
                    "belong to the population; they are kept in it.",
                    f"Fill in '{cond.field}' where it is known, or check how it is mapped.",
                    severity="warning",
                )
            )
        inside &= hit | ~known
    return inside


def _split(nodes, parent: Segment | None, rows: pd.Series, data: pd.DataFrame, assignment: pd.Series, problems: list) -> None:
    masks: dict[str, pd.Series] = {}
    for n in (n for n in nodes if not n.otherwise):
        mask = rows.copy()
        for cond in n.when:
            hit, odd = cond.mask(data[cond.field])
            if (odd & rows).any():
                problems.append(
                    Problem(
                        n.where,
                        f"rule '{n.id}' compares '{cond.field}' with a number, but {_rows(odd & rows)} "
                        "hold other values; they do not match.",
                        "Use in: [...] for text values.",
                    )
                )
            mask &= hit
        for other, seen in masks.items():
            both = mask & seen
            if both.any():
                problems.append(
                    Problem(
                        n.where,
                        f"rules '{other}' and '{n.id}' overlap: {_rows(both)} match both; they go to '{other}', the first.",
                        "Make the siblings' conditions exclusive.",
                    )
                )
                mask &= ~both
        masks[n.id] = mask
    taken = pd.concat(masks.values(), axis=1).any(axis=1) if masks else rows & False
    rest = rows & ~taken
    for n in (n for n in nodes if n.otherwise):
        masks[n.id], rest = rest, rows & False
    if rest.any():
        under = f"children of '{parent.id}'" if parent else "top-level segments"
        tested = dict.fromkeys(c.field for n in nodes for c in n.when)
        values = "; ".join(
            f"{f}: "
            + ", ".join(
                f"{v} ({k})" for v, k in data.loc[rest, f].astype("object").fillna("missing").value_counts().head(3).items()
            )
            for f in tested
        )
        problems.append(
            Problem(
                parent.where if parent else nodes[0].where,
                f"{_rows(rest)} match none of the {under}, so have no segment ({values}).",
                "Widen a condition, add a segment for them, or add one with when: otherwise.",
                severity="warning",
            )
        )
    for n in nodes:
        if n.is_leaf:
            assignment[masks[n.id]] = n.id
        else:
            _split(n.children, n, masks[n.id], data, assignment, problems)


def _rows(mask: pd.Series) -> str:
    labels = mask.index[mask.to_numpy()]
    shown = ", ".join(str(i) for i in labels[:_EXAMPLES]) + (", ..." if len(labels) > _EXAMPLES else "")
    # data labelled by spreadsheet row (as cxm validate passes the survey) is shown as the rows a user sees
    what = ("row" if len(labels) == 1 else "rows") if mask.index.name == "row" else "index"
    return f"{len(labels)} row{'s' if len(labels) != 1 else ''} ({what} {shown})"


def segment_sizes(tree: RuleTree, assignment: pd.Series | None = None) -> pd.DataFrame:
    """One row per segment: ``leaf_id``, ``name``, ``path``, ``size``, ``share``, ``objective``, ``size_source``.

    With ``assignment`` (from :func:`apply_rules`) sizes are counted from the data, shares are of the rows in the
    tree's population, and rows without a segment get a row, ``(unassigned)``; rows outside the population
    (the tree's ``scope``) get a last row, ``(outside)``, with no share. Without it, sizes are the published ones
    (``size_source`` says ``not published`` where a segment has none) and shares are of ``population``, or
    of the published sizes' total when the file gives no population.
    """
    rows = [
        {
            "leaf_id": n.id,
            "name": n.name,
            "path": " > ".join(a.name for a in above + (n,)),
            "objective": n.objective,
            "published": n.size,
        }
        for n, above in tree.walk()
        if n.is_leaf
    ]
    table = pd.DataFrame(rows, columns=["leaf_id", "name", "path", "objective", "published"])
    if assignment is None:
        table["size"] = table["published"].astype(float)
        table["size_source"] = table["size"].notna().map({True: "published", False: "not published"})
        total = tree.population or table["size"].sum()
    else:
        table["size"] = table["leaf_id"].map(assignment.value_counts()).fillna(0).astype(int)
        table["size_source"] = "data"
        missing = int(assignment.isna().sum())
        if missing:
            table.loc[len(table)] = {
                "leaf_id": "(unassigned)",
                "name": "No segment: no rule covers these rows",
                "path": "",
                "objective": "",
                "size": missing,
                "size_source": "data",
            }
        outside = int((assignment == OUTSIDE).sum())
        total = len(assignment) - outside
    table["share"] = table["size"] / total if total else float("nan")
    if assignment is not None and outside:
        table.loc[len(table)] = {
            "leaf_id": OUTSIDE,
            "name": f"Not counted: outside the population the tree covers ({_in_words(tree.scope)})",
            "path": "",
            "objective": "",
            "size": outside,
            "share": float("nan"),
            "size_source": "data",
        }
    return table[["leaf_id", "name", "path", "size", "share", "objective", "size_source"]]


def _in_words(conditions: tuple[Condition, ...]) -> str:
    """What a scope requires, as a client reads it: "age under 66 (State Pension age)"."""
    ops = {"<": "under", "<=": "at most", ">": "over", ">=": "at least", "==": "equal to", "!=": "other than"}
    parts = []
    for c in conditions:
        if c.op in ops:
            named = f" ({c.parameter.replace('_', ' ').capitalize()})" if c.parameter else ""
            parts.append(f"{c.field.replace('_', ' ')} {ops[c.op]} {_number_text(c.value)}{named}")
        else:
            parts.append(str(c).replace("_", " "))
    return " and ".join(parts)
