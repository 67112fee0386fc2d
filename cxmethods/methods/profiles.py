"""Segment profiles, sizes and draft names: who is in each segment, against the whole population.

Used after :class:`cxmethods.methods.segmenter.Segmenter` has labelled respondents; the workshop edits the
draft names and pen portraits (:func:`cxmethods.workshop.forms.segment_names_form`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from cxmethods.core.checks import parameter_error
from cxmethods.methods.segmenter import MISSING, as_text, is_numeric

__all__ = ["named_segments", "profile", "segment_sizes", "suggest_names"]


def segment_sizes(labels) -> pd.DataFrame:
    """Respondents per segment: ``segment``, ``size``, ``share``.

    >>> segment_sizes([1, 1, 2, 1]).to_dict("list")
    {'segment': [1, 2], 'size': [3, 1], 'share': [0.75, 0.25]}
    """
    counts = pd.Series(np.asarray(labels)).value_counts().sort_index()
    return pd.DataFrame({"segment": counts.index, "size": counts.to_numpy(), "share": (counts / counts.sum()).to_numpy()})


def profile(
    X: pd.DataFrame,
    labels,
    *,
    categorical: Sequence[str] | None = None,
    attribute_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Each segment against the population, attribute by attribute.

    ``X`` holds respondents x attributes (those segmented on, or others that describe segments),
    ``labels`` the segment of each row; ``categorical`` names numeric columns to treat as categories;
    ``attribute_labels`` gives what each attribute is in words (default: its name, ``_`` as spaces).

    Returns
    -------
    DataFrame
        ``segment``, ``attribute``, ``label``, ``value`` (a level, "missing", or "mean" for a
        number), ``segment_share`` (share of the segment with that level, or the segment mean),
        ``population_share`` (the same for everyone) and ``index`` (100 x segment / population;
        missing where the population mean is 0). Booleans have levels "yes" and "no"; the levels
        of an ordered column (numbers in bands) keep their order.

    Examples
    --------
    >>> X = pd.DataFrame({"channel": ["phone", "phone", "post", "post"], "contacts": [4, 2, 1, 1]})
    >>> profile(X, [1, 1, 2, 2]).query("segment == 1")[["value", "segment_share", "index"]].to_numpy().tolist()
    [['phone', 1.0, 200.0], ['post', 0.0, 0.0], ['mean', 3.0, 150.0]]
    """
    if len(labels) != len(X):
        raise parameter_error("labels", "profile", f"one segment per row of X ({len(X)})", f"{len(labels)} labels", as_text=True)
    labels, parts = pd.Series(np.asarray(labels), index=X.index, name="segment"), []
    for name in X.columns:
        if is_numeric(X[name]) and name not in (categorical or ()):
            v = pd.Series(X[name].to_numpy(dtype=float, na_value=np.nan), index=X.index)
            part = v.groupby(labels).mean().rename("segment_share").reset_index().assign(value="mean", population_share=v.mean())
        else:
            text = as_text(X[name]).rename("value")
            shares = cast(pd.Series, pd.crosstab(labels, text, normalize="index").stack())  # one column level: a Series
            part = shares.rename("segment_share").reset_index()
            part["population_share"] = part["value"].map(text.value_counts(normalize=True))
            if isinstance(X[name].dtype, pd.CategoricalDtype) and X[name].cat.ordered:  # bands in their order, not A-Z
                order = {str(c): i for i, c in enumerate(X[name].cat.categories)}
                part = part.sort_values(
                    ["segment", "value"], key=lambda c: c.map(order).fillna(len(order)) if c.name == "value" else c
                )
        parts.append(part.assign(attribute=name, label=_label(name, attribute_labels)))
    table = pd.concat(parts, ignore_index=True).sort_values("segment", kind="stable", ignore_index=True)
    table["value"] = table["value"].astype(str)
    table["index"] = 100 * table["segment_share"] / table["population_share"].where(table["population_share"] != 0)
    return table[["segment", "attribute", "label", "value", "segment_share", "population_share", "index"]]


def _label(attribute: str, labels: Mapping[str, str] | None) -> str:
    return (labels or {}).get(attribute) or attribute.replace("_", " ")


_CHANNELS = {"phone": "the phone", "web_form": "web forms", "face_to_face": "face to face", "mobile_app": "the app"}
_LEVELS = {
    "age_band": "aged {}",
    "preferred_channel": "prefer {}",
    "language": "speak {}",
    "household": "in a {} household",
    "employment_status": "{}",
    "disability": "disabled or with a long-term condition",
}
_NUMBERS = {
    "contacts_last_year": ("frequent contact", "few contacts", "Contact us about {} a year"),
    "digital_confidence": ("confident online", "less confident online", "Rate their confidence online {}"),
}


def suggest_names(profiles: pd.DataFrame, *, min_share: float = 0.3) -> pd.DataFrame:
    """Draft segment names and pen portraits from a :func:`profile` table, for the workshop to edit.

    Distinctive, ranked by lift over the population: a level at least ``min_share`` of the segment
    has (index over 110); the absence of the population's majority level ("speak a language other
    than English"); a mean at least 10% off everyone's. Returns ``segment``, ``suggested_name``
    (the top two attributes, in the words of their labels) and ``pen_portrait`` (the top three, the
    channel and the top number); ``segment_sizes(labels).merge(names)`` is what
    :func:`cxmethods.workshop.forms.segment_names_form` shows.

    Names are always distinct: segments that would share one keep their first attribute and add what
    sets each apart from the others of that name, its level most over-represented against them (or its
    mean furthest from theirs), e.g. "Mostly own their home, age 18-34" and "Mostly own their home, age
    55-74". Segments alike even on that are numbered.

    Examples
    --------
    >>> X = pd.DataFrame({"preferred_channel": ["phone", "phone", "web_form", "post"], "age_band": ["75+", "75+", "25-34", "35-44"]})
    >>> suggest_names(profile(X, [1, 1, 2, 2])).iloc[0, 1:].tolist()
    ['Mostly aged 75+, prefer the phone', 'Typically aged 75+. Most prefer the phone.']
    """
    if "label" not in profiles:  # a profile table written before labels
        profiles = profiles.assign(label=profiles["attribute"].str.replace("_", " "))
    rows, tops = [], {}
    for segment, table in profiles.groupby("segment", sort=True):
        # (lift, attribute, words, share of the segment or None for a number, profile row)
        found: list[tuple[float, str, str, float | None, Any]] = []
        r: Any  # a row of the profile table: its fields are the table's columns
        for r in table[table["index"].notna()].itertuples():
            if r.value == "mean":
                if r.index > 0 and abs(r.index - 100) >= 10:
                    found.append((max(r.index, 1e4 / r.index), r.attribute, _number_words(r), None, r))
            elif r.value in (MISSING, "no"):
                continue
            elif r.segment_share >= min_share and r.index > 110:
                found.append((r.index, r.attribute, _level_words(r.attribute, r.value, r.label), r.segment_share, r))
            elif r.population_share >= 0.5 and r.segment_share <= min(0.5, r.population_share / 2):
                words = ("speak a language" if r.attribute == "language" else _words(r.label)) + " other than "
                found.append(
                    (100 * (1 - r.segment_share) / (1 - r.population_share), r.attribute, words + r.value, 1 - r.segment_share, r)
                )
        top = list({c[1]: c for c in sorted(found, key=lambda c: c[0])}.values())[::-1]  # best per attribute, best first
        tops[segment] = top
        if not top:
            rows.append([segment, f"Segment {segment}", "Close to the population on every attribute."])
            continue
        typical = [c[2] for c in top[:3] if c[3] is not None and c[1] != "preferred_channel"]
        sentences = [f"Typically {_join(typical)}."] if typical else []
        sentences += [
            f"{'Most' if c[3] >= 0.5 else 'Many'} {c[2]}." for c in top if c[1] == "preferred_channel" and c[3] is not None
        ]
        sentences += [_number_words(c[4], long=True) for c in top if c[3] is None][:1]
        rows.append([segment, _name(top[0], [c[2] for c in top[:2]]), " ".join(sentences[:3])])
    names = pd.DataFrame(rows, columns=["segment", "suggested_name", "pen_portrait"])
    names["suggested_name"] = _distinct(names.set_index("segment")["suggested_name"], tops, profiles).to_numpy()
    return names


def _name(lead: tuple, words: list[str]) -> str:
    """ "Mostly" or "Often" (by the share of the segment the first words describe) and the words."""
    name = ", ".join(words)
    return f"{'Mostly' if lead[3] >= 0.5 else 'Often'} {name}" if lead[3] else name[0].upper() + name[1:]


def _distinct(names: pd.Series, tops: dict, profiles: pd.DataFrame) -> pd.Series:
    """Names made distinct (see :func:`suggest_names`): by segment, in the same order."""
    names = names.copy()
    shares = profiles.pivot_table(index=["attribute", "value"], columns="segment", values="segment_share")
    about = profiles.drop_duplicates(["attribute", "value"]).set_index(["attribute", "value"])
    for _, twins in names.copy().groupby(names.copy(), sort=False):
        if len(twins) < 2:
            continue
        for segment in twins.index:
            others = [s for s in twins.index if s != segment]
            lead = tops[segment][0] if tops[segment] else None
            apart = _own_apart(tops[segment][1:], shares, segment, others) or _apart(
                shares, about, segment, others, skip=lead[1] if lead else None
            )
            if apart and lead:
                names[segment] = _name(lead, [lead[2], apart])
            elif apart:
                names[segment] = apart[0].upper() + apart[1:]
    for _, twins in names.copy().groupby(names.copy(), sort=False):  # alike even on what sets them apart: number them
        if len(twins) > 1:
            names[twins.index] = [f"{name} (segment {s})" for s, name in twins.items()]
    return names


def _own_apart(candidates: list, shares: pd.DataFrame, segment, others: list) -> str | None:
    """The first of the segment's own distinctive attributes (ranked by lift, as in its pen portrait) that also sets it
    apart from ``others``: a level at least 20 points more common (or, for "other than", rarer), a mean at least
    10% of everyone's off theirs."""
    for _, attribute, words, share, r in candidates:
        if (attribute, r.value) not in shares.index or pd.isna(theirs := shares.loc[(attribute, r.value), others].mean()):
            continue
        if share is None:
            if abs(r.segment_share - theirs) >= 0.1 * abs(r.population_share):
                return f"{_words(r.label)} averaging {_number(r.segment_share)}"
        elif words.endswith(f" other than {r.value}"):
            if theirs - r.segment_share >= 0.2:
                return words
        elif r.segment_share - theirs >= 0.2:
            return words
    return None


def _apart(shares: pd.DataFrame, about: pd.DataFrame, segment, others: list, *, skip: str | None) -> str | None:
    """Words for what most sets ``segment`` apart from ``others``: a level by how much more of the segment has it
    (share points), a number by how far its mean is from theirs (as a share of everyone's mean)."""
    best, words = 0.0, None
    mine, theirs = shares[segment], shares[others].mean(axis=1)
    for (attribute, value), share in mine.items():
        if attribute == skip or value in (MISSING, "no") or pd.isna(share) or pd.isna(theirs[(attribute, value)]):
            continue
        r = about.loc[(attribute, value)]
        if value == "mean":
            if not r["population_share"]:
                continue
            gap = abs(share - theirs[(attribute, value)]) / abs(r["population_share"])
            text = f"{_words(r['label'])} averaging {_number(share)}"
        else:
            gap = share - theirs[(attribute, value)]
            text = _level_words(attribute, value, r["label"])
        if gap > best:
            best, words = gap, text
    return words


def _words(label: str) -> str:
    """A label inside a sentence: first letter small, unless it starts an acronym ("ZIP code")."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _number(x: float) -> str:
    return f"{x:.1f}" if abs(x) < 100 else f"{x:,.0f}"


def _level_words(attribute: str, value: str, label: str | None = None) -> str:
    if attribute == "household" and "household" in value:
        return f"in a {value}"
    value = _CHANNELS.get(value, value) if attribute == "preferred_channel" else value
    if attribute in _LEVELS:
        return _LEVELS[attribute].format(value)
    return _words(label or attribute.replace("_", " ")) + ("" if value == "yes" else f" {value}")


def _number_words(r, *, long: bool = False) -> str:
    label, high, words = (
        _words(getattr(r, "label", None) or r.attribute.replace("_", " ")),
        r.index >= 100,
        _NUMBERS.get(r.attribute),
    )
    if not long:
        return words[not high] if words else f"{'high' if high else 'low'} {label}"
    mean, everyone = (_number(v) for v in (r.segment_share, r.population_share))
    if r.attribute == "contacts_last_year":
        mean = {1: "once", 2: "twice"}.get(round(r.segment_share), f"{r.segment_share:.0f} times")
    text = words[2].format(mean) if words else f"{label[0].upper()}{label[1:]} averages {mean}"
    return f"{text} (everyone: {everyone})."


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def named_segments(suggestions: pd.DataFrame, answers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each segment's suggestion beside what the room confirmed: one table for the form, the workbook and a web room.

    A suggestion is only a suggestion until the room accepts it (or types its own name): a segment is ``confirmed``
    when the answers give it a name.

    Parameters
    ----------
    suggestions : DataFrame
        ``segment``, ``size``, ``share``, ``suggested_name``, ``pen_portrait`` (:func:`suggest_names` merged with
        :func:`segment_sizes`).
    answers : DataFrame, optional
        The room's answers (``workshop.segment_names`` with our field names): ``segment``, ``name`` and optionally
        ``pen_portrait``, ``objective``; text, empty for none. None: nothing confirmed yet.

    Returns
    -------
    DataFrame
        ``segment`` (text), ``size``, ``share``, ``suggested_name``, ``suggested_portrait``, ``name``,
        ``pen_portrait``, ``objective`` (what the room wrote, "" if nothing) and ``confirmed`` (a name given).

    >>> s = pd.DataFrame({"segment": [1, 2], "size": [80, 20], "share": [0.8, 0.2],
    ...                   "suggested_name": ["Mostly 16-24", "Mostly 75+"], "pen_portrait": ["Young.", "Older."]})
    >>> named_segments(s, pd.DataFrame({"segment": ["2"], "name": ["Phone-first"]}))[["segment", "name", "confirmed"]]
      segment         name  confirmed
    0       1                   False
    1       2  Phone-first       True
    """
    given: dict[str, dict] = {}
    if answers is not None and len(answers):
        for row in answers.to_dict("records")[::-1]:  # the first row of a segment wins, as the answers store keeps it
            given[str(row["segment"])] = row

    def text(segment: str, column: str) -> str:
        value = given.get(segment, {}).get(column)
        return value if isinstance(value, str) else ""

    segments = suggestions["segment"].astype(str)
    table = pd.DataFrame(
        {
            "segment": segments,
            "size": suggestions["size"].to_numpy(),
            "share": suggestions["share"].to_numpy(),
            "suggested_name": suggestions["suggested_name"].astype(str).to_numpy(),
            "suggested_portrait": suggestions["pen_portrait"].astype(str).to_numpy(),
        }
    ).reset_index(drop=True)
    for column in ("name", "pen_portrait", "objective"):
        table[column] = [text(s, column) for s in table["segment"]]
    table["confirmed"] = table["name"].str.strip() != ""
    return table
