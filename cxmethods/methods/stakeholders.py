"""Workbook 03, first step: the stakeholder map, and what it says about who the customers are.

A stakeholder is anyone with an interest in the organisation's work. Customers have a stake in the
outcome: *target customers* (the intended beneficiaries, including reluctant and unaware ones) and
*indirect customers* (affected but not targeted). Partners and advisers have a stake in the process:
*customer representatives*, *intermediaries and delivery partners*, *independent experts*. The same
group may wear several hats (PwC 2002, Component 1). :func:`stakeholder_findings` turns a map of
groups into questions for the room; :func:`plot_stakeholder_map` draws it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.schemas import INPUTS, STAKEHOLDER_CATEGORIES
from cxmethods.io.inputs import read_input

__all__ = ["CATEGORY_NAMES", "FINDINGS", "stakeholder_findings", "stakeholder_table"]

#: Plain names of the categories, for tables and the chart legend.
CATEGORY_NAMES = {
    "target_customer": "Target customer",
    "indirect_customer": "Indirect customer",
    "customer_representative": "Customer representative",
    "intermediary": "Intermediary or delivery partner",
    "independent_expert": "Independent expert",
}

#: The checks, in the order :func:`stakeholder_findings` reports them: ``finding`` code -> headline.
FINDINGS = {
    "no_objective": "Target customer without an outcome objective",
    "no_one_speaks_for_them": "Target customer with little voice and no one to speak for them",
    "expert_speaks_for_one_segment": "Independent expert who in practice speaks for one segment",
    "unknown_group": "Speaks for a group that is not on the map",
    "hat_repeats_category": "Lists its main category again among its other hats",
    "unknown_hat": "Another hat that is not a stakeholder category",
    "decision_makers_as_customers": "Decision-makers listed as target customers",
    "ranked_by_voice": "Priority simply follows influence",
}

LOW_VOICE = 2  # influence at or below this: the group cannot make itself heard (children, future generations)
_SPEAKERS = ("customer_representative", "independent_expert")
_DECIDERS = re.compile(r"\b(ministers?|councillors?|cabinet|elected members?|mayor|leader of the council)\b", re.IGNORECASE)
_PRIORITY = {"low": 0, "medium": 1, "high": 2}


def stakeholder_table(engagement: Engagement) -> pd.DataFrame:
    """The engagement's stakeholder map with our field names; empty (with its columns) when it names none."""
    if engagement.inputs.stakeholders is None:
        return pd.DataFrame(columns=list(INPUTS["stakeholders"].fields))
    return read_input(engagement, "stakeholders")


def _ids(value) -> list[str]:
    return [] if pd.isna(value) else [v.strip() for v in str(value).split(";") if v.strip()]


def _text(value) -> str:
    return "" if pd.isna(value) else str(value).strip()


def stakeholder_findings(table: pd.DataFrame) -> pd.DataFrame:
    """Questions the stakeholder map raises, one row per group and check (see :data:`FINDINGS`).

    Parameters
    ----------
    table : DataFrame
        ``group_id``, ``group``, ``category`` and, where known, ``hats``, ``priority``, ``interest``,
        ``influence``, ``objective``, ``represents`` (as :func:`stakeholder_table` returns them).

    Returns
    -------
    DataFrame
        ``finding`` (a key of :data:`FINDINGS`), ``group_id``, ``group``, ``detail`` (what to discuss).
        ``ranked_by_voice`` concerns the whole map: its ``group_id`` is empty.

    Examples
    --------
    >>> groups = pd.DataFrame({
    ...     "group_id": ["G1", "G2", "G3"], "group": ["Tenants", "Future residents", "Housing researcher"],
    ...     "category": ["target_customer", "target_customer", "independent_expert"],
    ...     "influence": [3, 1, 2], "objective": ["Homes repaired right first time", "Affordable homes to move into", None],
    ...     "represents": [None, None, "G1"]})
    >>> stakeholder_findings(groups)[["finding", "group_id"]].values.tolist()
    [['no_one_speaks_for_them', 'G2'], ['expert_speaks_for_one_segment', 'G3']]
    """
    t = table.reset_index(drop=True)

    def col(name: str) -> pd.Series:
        return t[name] if name in t else pd.Series(pd.NA, index=t.index, dtype="object")

    ids, names, cats = t["group_id"].astype(str).tolist(), t["group"].astype(str).tolist(), t["category"].astype(str).tolist()
    name_of = dict(zip(ids, names))
    hats = [_ids(h) for h in col("hats")]
    represents = [_ids(r) for r in col("represents")]
    influence = pd.to_numeric(col("influence"), errors="coerce").astype(float).tolist()
    targets = {i for i, c in zip(ids, cats) if c == "target_customer"}
    spoken_for = {g for i, rep in enumerate(represents) if {cats[i], *hats[i]} & set(_SPEAKERS) for g in rep}
    found: dict[str, list[tuple[str, str, str]]] = {key: [] for key in FINDINGS}
    for i, (gid, name, cat) in enumerate(zip(ids, names, cats)):

        def add(key: str, detail: str, gid: str = gid, name: str = name) -> None:
            found[key].append((gid, name, detail))

        if cat == "target_customer" and not _text(col("objective")[i]):
            add(
                "no_objective",
                f"'{name}' is a target customer but has no objective. Name the outcome it should get; "
                "if none can be named, it may be an indirect customer (affected, not targeted).",
            )
        if cat == "target_customer" and influence[i] <= LOW_VOICE and gid not in spoken_for:
            add(
                "no_one_speaks_for_them",
                f"'{name}' has influence {influence[i]:.0f} of 5 and no representative or expert "
                f"lists {gid} under represents: no one speaks for them. Agree who will argue their case, e.g. an officer "
                "asked to think in their shoes, or a body that can.",
            )
        known = [g for g in represents[i] if g in name_of]
        if cat == "independent_expert" and len(known) == 1 and known[0] in targets:
            add(
                "expert_speaks_for_one_segment",
                f"'{name}' is an independent expert but speaks only for "
                f"'{name_of[known[0]]}' ({known[0]}). Balance its advice with other experts, or treat it as that "
                "segment's representative.",
            )
        unknown = [g for g in represents[i] if g not in name_of]
        if unknown:
            add(
                "unknown_group",
                f"'{name}' lists {', '.join(unknown)} under represents, but no group has "
                f"{'that id' if len(unknown) == 1 else 'those ids'}. Correct the id or add the group to the map.",
            )
        if cat in hats[i]:
            add(
                "hat_repeats_category",
                f"'{name}' has main category {cat} and lists it again under hats. Hats are the "
                "other roles the group plays; remove it there.",
            )
        odd = [h for h in hats[i] if h not in STAKEHOLDER_CATEGORIES]
        if odd:
            add("unknown_hat", f"'{name}' lists {', '.join(odd)} under hats. Use: {', '.join(STAKEHOLDER_CATEGORIES)}.")
        if cat == "target_customer" and _DECIDERS.search(name):
            add(
                "decision_makers_as_customers",
                f"'{name}' is listed as a target customer. Those who decide and answer for "
                "the service are rarely its ultimate customer; the public they answer to is. Consider "
                "customer_representative (or target only for briefing services).",
            )
    mirror = _priority_mirrors_influence(col("priority"), influence)
    if mirror:
        detail = (
            f"Across all {mirror} groups scored, priority rises with influence and never against it: are we "
            "ranking by who shouts loudest? Set priorities from the objectives, so quiet groups are not left out."
        )
        found["ranked_by_voice"].append(("", "(all groups)", detail))
    rows = [(key, *row) for key, items in found.items() for row in items]
    return pd.DataFrame(rows, columns=["finding", "group_id", "group", "detail"])


def _priority_mirrors_influence(priority: pd.Series, influence: list[float]) -> int:
    """Number of scored groups when priority is a rising function of influence over them all, else 0."""
    rank = np.array([_PRIORITY.get(_text(p).lower(), np.nan) for p in priority], float)
    inf = np.array(influence, float)
    ok = ~np.isnan(rank) & ~np.isnan(inf)
    rank, inf = rank[ok], inf[ok]
    if len(rank) < 3 or len(set(rank)) < 2 or len(set(inf)) < 2:
        return 0
    against = (inf[:, None] > inf[None, :]) & (rank[:, None] < rank[None, :])
    return 0 if against.any() else int(ok.sum())
