"""Workbook 03: is this a segmentation the organisation can use, and use fairly?

Reads the segmentation guide (``templates/segmentation_process.yaml``, :func:`load_guide`): the decisions a
segmentation serves, its bases (who people are, what they do, what they think and feel), the five tests of a good
segment, the protected characteristics and special categories of data, and how to keep it in use. Then:

- :func:`classify` gives each attribute its base and says whether it is a protected characteristic (Equality Act
  2010, s.4), special category data (UK GDPR Art. 9) or a common stand-in for one;
- :func:`differences` lists where a segment's profile differs clearly from everyone's;
- :func:`good_segment_tests` applies the five tests (measurable, substantial, reachable, distinct, actionable) to
  each segment, computed where the data allows and otherwise left as a question for the room;
- :func:`equality_check` flags bases, typing questions and segment profiles that touch a protected characteristic,
  with what to do, and the notes on lawful basis and impact assessment every segmentation needs.

>>> guide = load_guide()
>>> [t.id for t in guide.tests]
['measurable', 'substantial', 'reachable', 'distinct', 'actionable']
>>> classify(["age_band", "preferred_channel", "digital_confidence"], {}, guide)[["attribute", "base", "characteristic"]].values.tolist()
[['age_band', 'who', 'Age'], ['preferred_channel', 'do', ''], ['digital_confidence', 'think', '']]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cxmethods.core.paths import templates_dir
from cxmethods.core.yamlfile import YamlChecker, did_you_mean
from cxmethods.methods.segmenter import as_text

__all__ = [
    "Base",
    "GoodTest",
    "Guide",
    "Sensitive",
    "channel_reach",
    "classify",
    "differences",
    "equality_check",
    "good_segment_tests",
    "load_guide",
    "load_process",
]

_TOP_KEYS = (
    "name",
    "source",
    "decisions",
    "bases",
    "tests",
    "profile_flags",
    "characteristics",
    "special_categories",
    "proxies",
    "equality_notes",
    "embedding",
    "steps",
)
_STEP_KEYS = ("id", "title", "what", "output", "workbook_section")
_DECISION_KEYS = ("id", "decision", "needs", "tests")
_BASE_KEYS = ("id", "title", "examples", "patterns")
_TEST_KEYS = ("id", "title", "also_called", "question", "computed", "threshold")
_TEST_IDS = ("measurable", "substantial", "reachable", "distinct", "actionable")
_SENSITIVE_KEYS = ("id", "name", "law", "special_category", "stands_for", "patterns", "values")
_NOTE_KEYS = ("id", "note")
_EMBED_KEYS = ("id", "question", "why", "suggestion")
_FLAG_KEYS = ("over_index", "over_share", "under_index", "under_share", "mean_off")
#: The verdicts of a test: met by the data, worth checking, or for the room to judge (no data can say).
VERDICTS = ("meets", "check", "room")


@dataclass(frozen=True)
class Base:
    """A basis for segments: who people are (``who``), what they do (``do``), what they think and feel (``think``)."""

    id: str
    title: str
    examples: str
    patterns: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class GoodTest:
    """One test of a good segment; ``threshold`` is None where the engagement or the room sets it."""

    id: str
    title: str
    also_called: str
    question: str
    computed: str
    threshold: float | None


@dataclass(frozen=True)
class Sensitive:
    """A protected characteristic (``kind`` "protected"), another special category ("special") or a stand-in
    ("proxy"), with the patterns that recognise it in an attribute's name, label or answers."""

    id: str
    name: str
    kind: str
    law: str = ""
    special_category: str = ""
    stands_for: str = ""
    patterns: tuple[re.Pattern, ...] = ()
    values: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Guide:
    """The segmentation guide as read by :func:`load_guide`; the tables are tidy DataFrames."""

    name: str
    source: str
    decisions: pd.DataFrame
    bases: tuple[Base, ...]
    tests: tuple[GoodTest, ...]
    flags: Mapping[str, float]
    sensitive: tuple[Sensitive, ...]
    notes: pd.DataFrame
    embedding: pd.DataFrame
    steps: pd.DataFrame

    def test(self, test_id: str) -> GoodTest:
        return next(t for t in self.tests if t.id == test_id)


def load_guide(path: str | Path | None = None) -> Guide:
    """Read and validate the segmentation guide (default ``templates/segmentation_process.yaml``).

    Raises
    ------
    ConfigError
        Listing every problem with its line: unknown keys, missing or duplicate ids, empty texts, patterns that
        are not regular expressions, a test missing or unknown, thresholds that are not numbers.
    """
    check = YamlChecker(path or templates_dir() / "segmentation_process.yaml")
    raw = check.raw
    check.unknown_keys(raw, (), _TOP_KEYS)
    steps = _table(check, raw, "steps", _STEP_KEYS, required=_STEP_KEYS[1:])
    steps.insert(0, "step", range(1, len(steps) + 1))
    decisions = _table(check, raw, "decisions", _DECISION_KEYS, required=("decision", "needs"), optional=True)
    notes = _table(check, raw, "equality_notes", _NOTE_KEYS, required=("note",), optional=True)
    embedding = _table(check, raw, "embedding", _EMBED_KEYS, required=("question", "why", "suggestion"), optional=True)
    bases = tuple(
        Base(item["id"], str(item.get("title", "")).strip(), str(item.get("examples", "")).strip(), _patterns(check, item, loc))
        for item, loc in _items(check, raw, "bases", _BASE_KEYS, optional=True)
    )
    tests = []
    for item, loc in _items(check, raw, "tests", _TEST_KEYS, optional=True):
        threshold = item.get("threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))):
            check.problem(
                loc + ("threshold",), f"test '{item['id']}': threshold should be a number or null.", "E.g. threshold: 0.7."
            )
            threshold = None
        if item["id"] not in _TEST_IDS:
            check.problem(
                loc + ("id",),
                f"unknown test '{item['id']}'.{did_you_mean(item['id'], _TEST_IDS)}",
                f"Tests: {', '.join(_TEST_IDS)}.",
            )
        title, also, question, computed = (str(item.get(k) or "").strip() for k in _TEST_KEYS[1:5])
        tests.append(GoodTest(item["id"], title, also, question, computed, None if threshold is None else float(threshold)))
    if "tests" in raw and {t.id for t in tests} != set(_TEST_IDS):
        lacking = [t for t in _TEST_IDS if t not in {x.id for x in tests}]
        if lacking:
            check.problem(("tests",), f"the tests of a good segment lack {', '.join(lacking)}.", "Keep all five tests.")
    for decision, loc in zip(decisions.to_dict("records"), _locs(raw, "decisions"), strict=False):
        unknown = [t for t in decision.get("tests") or () if t not in _TEST_IDS]
        if unknown:
            check.problem(
                loc + ("tests",), f"decision '{decision['id']}' names unknown tests {unknown}.", f"Tests: {', '.join(_TEST_IDS)}."
            )
    decisions["tests"] = decisions["tests"].map(lambda t: ", ".join(map(str, t)) if isinstance(t, list) else str(t or ""))
    flags = raw.get("profile_flags") or {}
    check.unknown_keys(flags, ("profile_flags",), _FLAG_KEYS)
    for key in _FLAG_KEYS:
        if "profile_flags" in raw and not isinstance(flags.get(key), (int, float)):
            check.problem(
                ("profile_flags", key), f"profile_flags needs {key} as a number.", "See the template for the five numbers."
            )
    sensitive = []
    for group, kind in (("characteristics", "protected"), ("special_categories", "special"), ("proxies", "proxy")):
        for item, loc in _items(check, raw, group, _SENSITIVE_KEYS, optional=True):
            values = frozenset(str(v).strip().casefold() for v in item.get("values") or ())
            words = {k: " ".join(str(item.get(k) or "").split()) for k in ("name", "law", "special_category", "stands_for")}
            sensitive.append(
                Sensitive(
                    item["id"],
                    words["name"],
                    kind,
                    words["law"],
                    words["special_category"],
                    words["stands_for"],
                    _patterns(check, item, loc),
                    values,
                )
            )
    check.raise_if_any("The segmentation guide has problems")
    return Guide(
        str(raw.get("name", "")),
        " ".join(str(raw.get("source", "")).split()),
        decisions,
        bases,
        tuple(tests),
        {k: float(v) for k, v in flags.items() if k in _FLAG_KEYS},
        tuple(sensitive),
        notes,
        embedding,
        steps,
    )


def load_process(path: str | Path | None = None) -> pd.DataFrame:
    """The segmentation process, step by step (default ``templates/segmentation_process.yaml``).

    Returns
    -------
    DataFrame
        ``step`` (1, 2, ...), ``id``, ``title``, ``what``, ``output``, ``workbook_section`` (the part of
        workbook 03 that covers the step, or "outside the workbook").

    Examples
    --------
    >>> load_process()["id"].iloc[0]
    'decisions'
    """
    return load_guide(path).steps


def _locs(raw: dict, key: str) -> list[tuple]:
    return [(key, i) for i in range(len(raw.get(key) or []))]


def _items(check: YamlChecker, raw: dict, key: str, allowed: Sequence[str], *, optional: bool = False):
    """The list under ``key``: (item with a checked ``id``, its location) for each; unknown keys are problems."""
    if optional and key not in raw:
        return []
    seen: set[str] = set()
    out = []
    for i, item in enumerate(check.items(raw, key)):
        loc = (key, i)
        item = dict(item)
        item["id"] = check.ident(item, loc, seen)
        check.unknown_keys(item, loc, allowed)
        out.append((item, loc))
    return out


def _table(check: YamlChecker, raw: dict, key: str, allowed: Sequence[str], *, required: Sequence[str], optional: bool = False):
    """A list of records as a table with the ``allowed`` columns; every ``required`` text must be there."""
    rows = []
    for item, loc in _items(check, raw, key, allowed, optional=optional):
        for field in required:
            if not isinstance(item.get(field), str) or not item[field].strip():
                what = "step" if key == "steps" else key.rstrip("s").replace("_", " ")
                check.problem(loc, f"{what} '{item['id']}' has no {field}.", f"Write its {field} as text.")
        rows.append({k: (" ".join(item[k].split()) if isinstance(item.get(k), str) else item.get(k, "")) for k in allowed})
    return pd.DataFrame(rows, columns=list(allowed))


def _patterns(check: YamlChecker, item: dict, loc: tuple) -> tuple[re.Pattern, ...]:
    found = []
    for j, text in enumerate(item.get("patterns") or ()):
        try:
            found.append(re.compile(str(text)))
        except re.error as exc:
            check.problem(
                loc + ("patterns", j), f"'{text}' is not a regular expression ({exc}).", "Fix the pattern, e.g. '\\bage\\b'."
            )
    return tuple(found)


# --- bases and sensitive attributes ------------------------------------------------------------------------------


def _words(*texts: str) -> str:
    """Names and labels as matched: lower case, words split on anything but letters and digits."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(t).casefold()).strip() for t in texts if t)


def classify(
    keys: Sequence[str],
    labels: Mapping[str, str],
    guide: Guide,
    *,
    data: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each attribute's base and whether it is sensitive.

    Parameters
    ----------
    keys : sequence of str
        The attributes (field names).
    labels : mapping
        Each attribute's label in words (default: the field name).
    guide : Guide
    data : DataFrame, optional
        The survey: an attribute whose answers give a characteristic away ("male", "female") is recognised even
        when its name does not say (two such answers are needed).

    Returns
    -------
    DataFrame
        ``attribute``, ``label``, ``base`` (``who``, ``do``, ``think``, or ``none`` when no pattern matches), ``characteristic``
        (the protected characteristic or special category, or ""), ``law``, ``special_category`` (the UK GDPR
        Art. 9 category, or ""), ``stands_for`` (what a stand-in attribute may stand for, or "").
    """
    rows = []
    for key in keys:
        label = labels.get(key) or key.replace("_", " ")
        text = _words(key, label)
        base = next((b.id for b in guide.bases if any(p.search(text) for p in b.patterns)), "none")
        answers = set()
        if data is not None and key in data:
            answers = {str(v).strip().casefold() for v in as_text(data[key]).unique()}
        row = {
            "attribute": key,
            "label": label,
            "base": base,
            "characteristic": "",
            "law": "",
            "special_category": "",
            "stands_for": "",
        }
        for s in guide.sensitive:
            if any(p.search(text) for p in s.patterns) or len(answers & s.values) >= 2:
                if s.kind == "proxy":
                    row["stands_for"] = row["stands_for"] or s.stands_for
                    continue
                if not row["characteristic"]:
                    row["characteristic"], row["law"] = s.name, s.law
                    row["special_category"] = s.special_category if s.kind == "protected" else s.law
        if row["characteristic"]:
            row["stands_for"] = ""  # a characteristic itself, not a stand-in for one
        rows.append(row)
    return pd.DataFrame(rows, columns=["attribute", "label", "base", "characteristic", "law", "special_category", "stands_for"])


# --- profile differences ----------------------------------------------------------------------------------------


def differences(profiles: pd.DataFrame, flags: Mapping[str, float]) -> pd.DataFrame:
    """Where a segment differs clearly from everyone, from a :func:`cxmethods.methods.profiles.profile` table.

    A level at least ``over_share`` of the segment holds at an index of ``over_index`` or more; a level at least
    ``under_share`` of everyone holds at an index of ``under_index`` or less; a mean at least ``mean_off`` (a
    share) away from everyone's. Missing answers are left out.

    Returns
    -------
    DataFrame
        The profile's columns and ``direction`` ("over", "under", "higher" or "lower" for a mean), largest
        departures first within each segment.

    Examples
    --------
    >>> table = pd.DataFrame({"segment": [1, 1], "attribute": ["disability"] * 2, "label": ["disability"] * 2,
    ...     "value": ["yes", "no"], "segment_share": [0.7, 0.3], "population_share": [0.15, 0.85], "index": [467.0, 35.0]})
    >>> differences(table, load_guide().flags)["direction"].tolist()
    ['over', 'under']
    """
    t = profiles[profiles["value"] != "missing"].copy()
    mean = t["value"] == "mean"
    over = ~mean & (t["segment_share"] >= flags["over_share"]) & (t["index"] >= flags["over_index"])
    under = ~mean & (t["population_share"] >= flags["under_share"]) & (t["index"] <= flags["under_index"])
    off = mean & ((t["index"] - 100).abs() >= 100 * flags["mean_off"])
    t["direction"] = ""
    t.loc[over, "direction"] = "over"
    t.loc[under, "direction"] = "under"
    t.loc[off & (t["index"] > 100), "direction"] = "higher"
    t.loc[off & (t["index"] < 100), "direction"] = "lower"
    t = t[t["direction"] != ""].copy()
    t["_typical"] = ~t["direction"].isin(["over", "higher"])  # what is typical of the segment first, then what is rare
    t["_far"] = (t["index"] / 100).where(t["index"] >= 100, 100 / t["index"].clip(lower=1e-9))
    t = t.sort_values(["segment", "_typical", "_far"], ascending=[True, True, False], kind="stable")
    return t.drop(columns=["_typical", "_far"]).reset_index(drop=True)


def _difference_words(row: Any) -> str:
    """One difference in words: "language Polish (28% of the segment, against 5% of everyone)"."""
    label = str(row.label)
    if row.value == "mean":
        return f"{label}: {_number(row.segment_share)} on average, against {_number(row.population_share)} for everyone"
    return f"{label} {row.value} ({row.segment_share:.0%} of the segment, against {row.population_share:.0%} of everyone)"


def _attribute_words(rows: pd.DataFrame, most: int = 3) -> str:
    """A segment's differences on one attribute: the over-represented levels (or, failing them, the others)."""
    typical = rows[rows["direction"].isin(["over", "higher"])]
    shown = typical if len(typical) else rows
    return "; ".join(_difference_words(r) for r in shown.head(most).itertuples())


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.1f}"


# --- the five tests -------------------------------------------------------------------------------------------


def channel_reach(segments: pd.Series, channels: pd.Series) -> pd.DataFrame:
    """Each segment's members by preferred channel: ``segment``, ``channel``, ``share`` (of all its members; those
    with no preferred channel count as not reached by any).

    >>> channel_reach(pd.Series([1, 1, 1, 2]), pd.Series(["phone", "phone", None, "web_form"]))["share"].round(2).tolist()
    [0.67, 1.0]
    """
    table = pd.crosstab(segments.to_numpy(), channels.astype("object").to_numpy(), normalize=False)
    sizes = segments.value_counts()
    long = table.stack().reset_index()
    long.columns = pd.Index(["segment", "channel", "members"])
    long["share"] = long["members"] / long["segment"].map(sizes)
    return long[long["members"] > 0][["segment", "channel", "share"]].reset_index(drop=True)


def good_segment_tests(
    segments: pd.DataFrame,
    guide: Guide,
    *,
    min_share: float,
    recall: Mapping | None = None,
    silhouettes: Mapping | None = None,
    found: pd.DataFrame | None = None,
    reach: pd.DataFrame | None = None,
    channel_words: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The five tests of a good segment, for each segment.

    Parameters
    ----------
    segments : DataFrame
        ``segment``, ``name``, ``share`` and ``objective`` (as workbook 03's segments table).
    guide : Guide
    min_share : float
        The smallest useful share (``settings.segmentation.min_share``): the substantial test.
    recall : mapping, optional
        Segment -> share of its set-aside respondents the typing tool places back in it (measurable).
    silhouettes : mapping, optional
        Segment -> mean silhouette of its members (distinct).
    found : DataFrame, optional
        :func:`differences` of the segments' profiles (distinct).
    reach : DataFrame, optional
        :func:`channel_reach` (reachable); without it, reachable is for the room.
    channel_words : mapping, optional
        Channel codes in words (``web_form`` -> "web form").

    Returns
    -------
    DataFrame
        ``segment``, ``name``, ``test`` (its title), ``verdict`` (``meets``, ``check`` or ``room``), ``evidence``
        (what the data says, in words) and ``question`` (what the room asks), five rows per segment.
    """
    rows = []
    words = dict(channel_words or {})
    for seg in segments.itertuples():
        s = seg.segment
        for test in guide.tests:
            verdict, evidence = _test(test, seg, guide, min_share, recall, silhouettes, found, reach, words)
            rows.append(
                {
                    "segment": s,
                    "name": seg.name,
                    "test": test.title,
                    "verdict": verdict,
                    "evidence": evidence,
                    "question": test.question,
                }
            )
    return pd.DataFrame(rows, columns=["segment", "name", "test", "verdict", "evidence", "question"])


def _test(test: GoodTest, seg, guide, min_share, recall, silhouettes, found, reach, words) -> tuple[str, str]:
    s = seg.segment
    if test.id == "measurable":
        if recall is None or s not in recall:
            return "room", "No typing tool could be built: say how staff would tell who is in this segment."
        r = float(recall[s])
        limit = test.threshold if test.threshold is not None else 0.7
        verdict = "meets" if r >= limit else "check"
        return verdict, (
            f"The typing tool's questions place {r:.0%} of this segment's set-aside respondents back in it "
            f"({'at least' if verdict == 'meets' else 'under'} {limit:.0%})."
        )
    if test.id == "substantial":
        share = float(seg.share)
        if share >= min_share:
            return "meets", f"{share:.0%} of respondents (the smallest useful share is {min_share:.0%})."
        return (
            "check",
            f"{share:.0%} of respondents, under the smallest useful share ({min_share:.0%}): merge it, or say why it matters.",
        )
    if test.id == "reachable":
        mine = None if reach is None else reach[reach["segment"] == s].sort_values("share", ascending=False, kind="stable")
        if mine is None or mine.empty:
            return "room", "No channel data for this segment: say through which channels, places or partners you would reach it."
        top = mine.head(2)
        covered = float(top["share"].sum())
        limit = test.threshold if test.threshold is not None else 0.6
        named = " and ".join(f"{_channel(c, words)} ({v:.0%})" for c, v in zip(top["channel"], top["share"], strict=True))
        verdict = "meets" if covered >= limit else "check"
        return verdict, f"Two channels reach {covered:.0%} of its members: {named}."
    if test.id == "distinct":
        mine = found[found["segment"] == s] if found is not None else pd.DataFrame()
        sil = None if silhouettes is None or s not in silhouettes or pd.isna(silhouettes[s]) else float(silhouettes[s])
        limit = test.threshold if test.threshold is not None else 0.0
        parts = []
        if len(mine):
            parts.append("Differs clearly on " + "; ".join(_difference_words(r) for r in mine.head(2).itertuples()) + ".")
        else:
            parts.append("No attribute on which it differs clearly from everyone.")
        if sil is not None:
            side = "nearer their own segment than any other" if sil > limit else "no nearer their own segment than the next"
            parts.append(f"Its members are on average {side} (silhouette {sil:.2f}, on a scale from -1 to 1).")
        verdict = "meets" if len(mine) and (sil is None or sil > limit) else "check"
        return verdict, " ".join(parts)
    objective = str(getattr(seg, "objective", "") or "").strip()
    if objective:
        return "room", f"Outcome objective: {objective} The room confirms what it would do differently for this segment."
    return "check", "No outcome objective yet: name one, or treat the group as indirect customers (PwC 2002, Component 1)."


def _channel(code: Any, words: Mapping[str, str]) -> str:
    return words.get(str(code), str(code).replace("_", " "))


# --- equality and data protection -----------------------------------------------------------------------------


def equality_check(
    bases: pd.DataFrame,
    guide: Guide,
    *,
    questions: Sequence[str] = (),
    found: pd.DataFrame | None = None,
    names: Mapping | None = None,
    without: str = "",
) -> pd.DataFrame:
    """Flag what in a segmentation touches a protected characteristic or special category data, and what to do.

    Parameters
    ----------
    bases : DataFrame
        :func:`classify` of the attributes, with ``role``: ``basis`` (segmented on) or ``described`` (only profiled).
    guide : Guide
    questions : sequence of str
        The typing tool's questions (attributes).
    found : DataFrame, optional
        :func:`differences` of the segments' profiles on the sensitive attributes.
    names : mapping, optional
        Segment -> name, for the findings.
    without : str
        A sentence on the typing tool built without the sensitive questions (its agreement), if one was built.

    Returns
    -------
    DataFrame
        ``check`` (``basis``, ``typing_question``, ``profile``, ``stand_in`` or ``always``), ``segment`` (a name, or
        ""), ``attribute``, ``label``, ``characteristic``, ``law``, ``finding`` and ``action``.
    """
    rows: list[dict] = []
    sensitive = bases[(bases["characteristic"] != "") | (bases["stands_for"] != "")]
    records: dict[str, Mapping[Any, Any]] = {str(r["attribute"]): r for r in sensitive.to_dict("records")}
    for a in records.values():
        r = _Record(a)
        special = f" It is also special category data: {r.special_category}." if r.special_category else ""
        if r.characteristic and r.role == "basis":
            rows.append(
                _row(
                    "basis",
                    r,
                    f"The segments are built partly on {r.label}, a protected characteristic ({r.characteristic}).{special}",
                    "Keep it as a basis only if the decisions agreed need it and using it is a proportionate way to meet "
                    "them; otherwise segment on needs and behaviour and use it only to describe the segments.",
                )
            )
        elif r.stands_for and r.role == "basis":
            rows.append(
                _row(
                    "stand_in",
                    r,
                    f"The segments are built partly on {r.label}, which can stand in for {r.stands_for}.",
                    "Check that no segment built on it ends up with worse service (indirect discrimination, Equality Act "
                    "2010, s.19).",
                    law="Equality Act 2010, s.19",
                )
            )
        if r.attribute in questions and (r.characteristic or r.stands_for):
            what = f"a protected characteristic ({r.characteristic})" if r.characteristic else f"a stand-in for {r.stands_for}"
            action = (
                "Ask it only where the answer changes what the customer is offered, say why it is asked, let people "
                "decline, and record it only within the lawful basis"
                + (" and an Art. 9 condition" if r.special_category else "")
                + "."
                + (f" {without}" if without else "")
            )
            rows.append(_row("typing_question", r, f"The typing tool asks about {r.label}, {what}.{special}", action))
    if found is not None and len(found):
        mine = found[found["attribute"].isin(list(records))]
        for (segment, attribute), part in mine.groupby(["segment", "attribute"], sort=False):
            r = _Record(records[str(attribute)])
            name = str((names or {}).get(segment, f"Segment {segment}"))
            what = r.characteristic or f"{r.label} (a stand-in for {r.stands_for})"
            rows.append(
                {
                    "check": "profile",
                    "segment": name,
                    "attribute": attribute,
                    "label": r.label,
                    "characteristic": r.characteristic,
                    "law": r.law or "Equality Act 2010, s.19 and s.149",
                    "finding": f"This segment's profile differs strongly by {what}: {_attribute_words(part)}.",
                    "action": "Check that what this segment is offered (channels, targets, opening hours) is no worse than "
                    "for others, with reasonable adjustments where needed, and record the check in the equality impact "
                    "assessment.",
                }
            )
    if not rows:
        rows.append(
            {
                "check": "basis",
                "segment": "",
                "attribute": "",
                "label": "",
                "characteristic": "",
                "law": "Equality Act 2010, s.4; UK GDPR Art. 9",
                "finding": "No basis or typing question was recognised as a protected characteristic, special category data "
                "or a common stand-in for one.",
                "action": "Check by hand any coded question whose name does not say what it asks.",
            }
        )
    for note in guide.notes.itertuples():
        rows.append(
            {
                "check": "always",
                "segment": "",
                "attribute": "",
                "label": "",
                "characteristic": "",
                "law": _law_of(str(note.note)),
                "finding": "",
                "action": note.note,
            }
        )
    return pd.DataFrame(rows, columns=["check", "segment", "attribute", "label", "characteristic", "law", "finding", "action"])


class _Record:
    """A row of the bases table, its fields as text attributes."""

    def __init__(self, row: Mapping[Any, Any]):
        self.attribute, self.label, self.role = str(row["attribute"]), str(row["label"]), str(row.get("role", "basis"))
        self.characteristic, self.law = str(row["characteristic"] or ""), str(row["law"] or "")
        self.special_category, self.stands_for = str(row["special_category"] or ""), str(row["stands_for"] or "")


def _row(check: str, r: _Record, finding: str, action: str, *, law: str = "") -> dict:
    return {
        "check": check,
        "segment": "",
        "attribute": r.attribute,
        "label": r.label,
        "characteristic": r.characteristic,
        "law": law or r.law or "Equality Act 2010, s.19",
        "finding": finding,
        "action": action,
    }


def _law_of(text: str) -> str:
    """The acts and articles a note cites, in the order they first appear."""
    cited = re.findall(
        r"(UK GDPR Art\. \d+(?:\(\d\)(?:\([a-z]\))?)?|Equality Act 2010|Data Protection Act 2018|ICO guidance)", text
    )
    return "; ".join(dict.fromkeys(cited))
