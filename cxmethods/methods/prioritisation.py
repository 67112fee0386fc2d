"""Workbook 05: rank the backlog of initiatives and lay it out as a road map.

A road map places each initiative in one of three horizons: **now** (starts within the next two
quarters), **next year**, or **wait and see** (Deloitte, *One Size Fits Few*, 2008, "Getting from Here
to There"). :func:`prioritise` scores and ranks the backlog; :func:`schedule` places the initiatives
quarter by quarter, each quarter in priority order, after their dependencies and earliest start and only where
the team-months allow, and says in plain words why each one landed where it did.

>>> import pandas as pd
>>> backlog = pd.DataFrame({"id": ["A", "B", "C", "D"], "title": ["Letters", "Web forms", "CRM", "Kiosks"],
...                         "value": [6, 8, 9, 2], "effort": [2, 4, 18, 8], "dependencies": ["", "A", "B", ""]})
>>> ranked = prioritise(backlog)
>>> ranked[["id", "score", "rank", "quadrant"]]
  id  score  rank       quadrant
0  A   3.00   1.0        fill-in
1  B   2.00   2.0      quick win
2  C   0.50   3.0  major project
3  D   0.25   4.0      money pit
>>> plan = schedule(ranked, start=pd.Timestamp("2026-01-01"), capacity=6)
>>> plan[["id", "start_quarter", "end_quarter", "load", "horizon", "reason"]]
  id start_quarter end_quarter  load    horizon          reason
0  A       2026 Q1     2026 Q1   2.0        now           ready
1  D       2026 Q1     2026 Q2   4.0        now           ready
2  B       2026 Q3     2026 Q3   4.0  next year        capacity
3  C       2026 Q4     2027 Q2   6.0  next year  starts after B
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from pandas.api.typing import NaTType

from cxmethods.core.checks import check_int, check_number, check_one_of, parameter_error
from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import ROADMAP, artifact

__all__ = [
    "HORIZONS",
    "METHODS",
    "QUADRANTS",
    "capacity_use",
    "check_dependencies",
    "prioritise",
    "quadrant_medians",
    "quarter_label",
    "schedule",
]

METHODS = ("value_effort", "rice", "wsjf", "weighted")
HORIZONS = ("now", "next year", "wait and see")
NOW, NEXT, WAIT = HORIZONS
#: (high value, high effort) -> quadrant; "high" means above the median of the scored initiatives.
QUADRANTS = {(True, False): "quick win", (True, True): "major project", (False, False): "fill-in", (False, True): "money pit"}

_CRITERIA = {
    "value_effort": ("value", "effort"),
    "rice": ("reach", "impact", "confidence", "effort"),
    "wsjf": ("value", "time_criticality", "risk_reduction", "effort"),
}
_MISSING = {
    "value": "no value score",
    "effort": "no effort estimate",
    "confidence": "no confidence rating",
    "reach": "no reach estimate",
    "impact": "no impact score",
    "time_criticality": "no time-criticality score",
    "risk_reduction": "no risk-reduction score",
}
_EPS = 1e-9  # team-months: differences this small are rounding in sums of loads, not over-commitment
_FIX_DEPS = "(column depends_on in initiatives.csv)"
_COLUMNS = list(artifact(ROADMAP, "schedule").columns)  # the schedule's (the registry names them)


def prioritise(backlog: pd.DataFrame, *, method: str = "value_effort", weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Score and rank the backlog; initiatives that cannot be scored are kept, last, with what they lack.

    Parameters
    ----------
    backlog : DataFrame
        One row per initiative: ``id`` (unique) and the columns the method scores with.
    method : {"value_effort", "rice", "wsjf", "weighted"}
        * ``value_effort``: ``value / effort``, plus ``quadrant`` (quick win, major project, fill-in,
          money pit) split at the medians of the scored rows; a point on a median line counts as low;
        * ``rice``: ``reach * impact * confidence / effort``;
        * ``wsjf``: ``(value + time_criticality + risk_reduction) / effort``;
        * ``weighted``: sum of ``weight * criterion``, each criterion min-max scaled to 0-1 over the
          backlog (a constant column scales to 1); a negative weight means less is better (e.g. effort).
    weights : dict of str to float
        Column -> weight; required for ``weighted``, refused otherwise.

    Returns
    -------
    DataFrame
        The backlog plus ``score``, ``rank`` (1 is best; equal scores, to 12 significant digits, share
        the best rank; NaN if unscored), ``tied_with`` (ids with the same score, or "") and ``missing``
        (e.g. "no effort estimate", or ""), sorted by rank, unscored rows last in their original order.
    """
    check_one_of(method, "method", "prioritise", METHODS)
    if method == "weighted":
        criteria = _check_weights(backlog, weights)
    elif weights is not None:
        raise parameter_error(
            "weights", "prioritise", f"None with method={method!r}", weights, fix="drop the weights or use method='weighted'."
        )
    else:
        criteria = list(_CRITERIA[method])
    added = ["score", "rank", "tied_with", "missing"] + ["quadrant"] * (method == "value_effort")
    table = _checked(backlog, "backlog", "prioritise").drop(columns=[*added, "quadrant"], errors="ignore")  # a re-ranked table
    absent = [c for c in criteria if c not in table]
    if absent:
        raise CxmError(
            f"Method {method!r} scores with {', '.join(criteria)}; the backlog has no "
            f"{', '.join(absent)} column. Fix: add the column, or choose another method."
        )
    x = pd.DataFrame({c: _numeric(table, c) for c in criteria})
    if method == "value_effort":
        score = x["value"] / x["effort"]
    elif method == "rice":
        score = x["reach"] * x["impact"] * x["confidence"] / x["effort"]
    elif method == "wsjf":
        score = (x["value"] + x["time_criticality"] + x["risk_reduction"]) / x["effort"]
    else:
        given = weights or {}  # not empty: _check_weights refused that, so the sum is a Series
        score = cast(pd.Series, sum(float(given[c]) * _min_max(x[c]) for c in criteria))
    complete = x.notna().all(axis=1)
    table["score"] = score.where(complete).astype(float)
    table["rank"] = table["score"].map(_significant).rank(method="min", ascending=False)
    table["missing"] = ["; ".join(_MISSING.get(c, f"no {c}") for c in criteria if pd.isna(row[c])) for _, row in x.iterrows()]
    if method == "value_effort":
        value_median, effort_median = quadrant_medians(table)
        table["quadrant"] = [
            QUADRANTS[(v > value_median, e > effort_median)] if ok else "" for v, e, ok in zip(x["value"], x["effort"], complete)
        ]
    table = table.iloc[np.lexsort((np.arange(len(table)), table["rank"].fillna(np.inf)))].reset_index(drop=True)
    key, ids = table["score"].map(_significant), table["id"].astype(str)
    table["tied_with"] = [", ".join(ids[(key == k) & (ids != i)]) for i, k in zip(ids, key)]
    return table[[c for c in table if c not in added] + added]


def check_dependencies(backlog: pd.DataFrame) -> None:
    """Raise :class:`~cxmethods.core.errors.CxmError` if a dependency names an unknown id or dependencies form a cycle.

    ``dependencies`` holds a list of ids or a ';'-separated string (empty: none). A cycle is named in
    order, ``A -> B`` meaning A depends on B, from the member that comes first in the backlog; an
    initiative that depends on itself is a cycle of one.

    >>> import pandas as pd
    >>> check_dependencies(pd.DataFrame({"id": ["A", "B"], "dependencies": ["B", "A"]}))
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: Dependencies form a cycle: A -> B -> A. Fix: remove one of these dependencies (column depends_on in initiatives.csv).
    """
    ids = _ids(backlog, "backlog", "check_dependencies")
    deps = _dependency_map(backlog, ids)
    unknown = [f"{i} depends on {d}" for i in ids for d in deps[i] if d not in deps]
    if unknown:
        raise CxmError(
            f"Dependencies name initiatives that are not in the backlog: {'; '.join(unknown)}. "
            f"Fix: correct the id or remove the dependency {_FIX_DEPS}."
        )
    cycle = _find_cycle(ids, deps)
    if cycle:
        raise CxmError(
            f"Dependencies form a cycle: {' -> '.join(cycle + cycle[:1])}. Fix: remove one of these dependencies {_FIX_DEPS}."
        )


def schedule(
    prioritised: pd.DataFrame,
    *,
    start: pd.Timestamp,
    capacity: float | Sequence[float],
    quarters: int = 12,
    max_team_months_per_quarter: float = 6.0,
    min_confidence: float = 0.5,
    now_quarters: int = 2,
    next_year_quarters: int = 4,
) -> pd.DataFrame:
    """Place ranked initiatives on calendar quarters, after their dependencies and earliest start, within capacity.

    Quarter 1 is the calendar quarter containing ``start``; ``capacity`` is team-months per quarter (one
    number, or one per quarter). An initiative runs at most ``max_team_months_per_quarter``, so it lasts
    ``ceil(effort / rate)`` quarters, and at least ``ceil(min_weeks / 13)`` when the table has a ``min_weeks``
    column (its pilot's weeks), at an even load, stretched over more quarters while that load exceeds a
    quarter's capacity (the capacity, not what others leave free: work waits rather than spreads thin).

    Rules, in order, stated in ``reason``:

    1. Held, wait and see, undated (every reason that applies): "low confidence 0.40 < 0.50" (below
       ``min_confidence``), "negative NPV", "no effort estimate", "blocked by I10 (wait and see)". A
       missing confidence or NPV (not appraised) holds nothing back. An initiative that does not lose money
       itself but depends on one with a negative NPV "awaits a decision on I11, which loses money": its
       ``decision`` states the board's choice (fund I11 although it loses money, because this one depends on
       it, or drop the dependency), with both NPVs and their sum; its own dependants are "blocked by ...
       (awaiting a decision)".
    2. List scheduling quarter by quarter: in each quarter, every eligible initiative (not held, its
       dependencies ended, its ``earliest_start`` reached: a date inside a quarter means the next one), in
       priority order, starts if its load fits the free capacity of every quarter it occupies. Priority is
       two tiers, then rank: first the appraised initiatives (with an NPV, so a positive or zero one: a
       negative one is held), then those not appraised (``appraised`` "not appraised": workshop candidates
       and initiatives the business case has not looked at), unranked last. So an unappraised item never
       takes capacity in a quarter in which an eligible appraised one could use it; it only fills what the
       appraised ones cannot use (their dependencies or earliest start not reached, or too little room).
       No quarter's capacity idles while an eligible initiative that fits waits; work may run past the last
       quarter at its capacity. Otherwise "no capacity within 12 quarters" or "cannot start within 12
       quarters (...)".
    3. Horizon: "now" if it starts within ``now_quarters`` quarters, "next year" within the following
       ``next_year_quarters``, else wait and see, dated ("planned for 2028 Q3, beyond next year"): it takes
       its capacity, but only after everything that starts earlier. The reason says what fixed the start:
       "ready", "starts after I10", "waits for 2026-07-01" or "capacity" (and "stretched to N quarters"
       or "N quarters for its 59-week pilot").

    Returns
    -------
    DataFrame
        ``id``, ``title``, ``rank``, ``start`` (first day of the start quarter), ``end`` (last day of the
        end quarter), ``start_quarter``, ``end_quarter`` ("2026 Q3"), ``quarters`` (duration), ``load``
        (team-months a quarter), ``horizon``, ``reason``, ``dependencies`` ("; "-separated), ``appraised``
        ("yes" with an NPV, else "not appraised") and ``decision`` (a dependency on a loss-making initiative,
        or ""). Ordered by start, then priority; undated rows last.
    """
    fn = "schedule"
    for name, value, low in (
        ("quarters", quarters, 1),
        ("now_quarters", now_quarters, 0),
        ("next_year_quarters", next_year_quarters, 0),
    ):
        check_int(value, name, fn, low=low)
    check_number(max_team_months_per_quarter, "max_team_months_per_quarter", fn, low=0, closed="right")
    check_number(min_confidence, "min_confidence", fn, low=0, high=1)
    first, caps = _first_quarter(start, fn), _capacities(capacity, quarters, fn)
    table = _checked(prioritised, "prioritised", fn)
    if "rank" not in table:
        raise parameter_error(
            "prioritised",
            fn,
            "a table with a 'rank' column",
            f"columns {list(map(str, table.columns))}",
            fix="pass the table prioritise returns.",
            as_text=True,
        )
    check_dependencies(table)
    ids = table["id"].astype(str).tolist()
    deps = _dependency_map(table, ids)
    effort, confidence, npv = (_numeric(table, c) for c in ("effort", "confidence", "npv"))
    given = table.get("earliest_start", pd.Series(pd.NaT, index=table.index))
    earliest = pd.to_datetime(given, errors="coerce")
    if (bad := given.notna() & earliest.isna()).any():
        named = ", ".join(f"{i} ({v!r})" for i, v in zip(table["id"][bad], given[bad]))
        raise CxmError(f"'earliest_start' must be a date; got {named}. Fix: enter a date such as 2026-07-01, or leave it blank.")
    rank = pd.to_numeric(table["rank"], errors="coerce")
    min_weeks = _numeric(table, "min_weeks")
    # Priority: two tiers, then rank. Appraised initiatives (they have an NPV, and a negative one is held) come first;
    # those the business case has not looked at (workshop candidates) follow, so a workshop guess never takes capacity
    # a quarter an appraised initiative could use. Unranked last.
    order = list(np.lexsort((np.arange(len(table)), rank.fillna(np.inf).to_numpy(), npv.isna().to_numpy())))
    plan: dict[str, dict[str, Any]] = {}  # id -> its row of the schedule
    for i in _topological(order, ids, deps):  # held first: what is held holds its dependants
        reasons = [f"low confidence {confidence[i]:.2f} < {min_confidence:.2f}"] if confidence[i] < min_confidence else []
        reasons += ["negative NPV"] * bool(npv[i] < 0) + ["no effort estimate"] * bool(pd.isna(effort[i]))
        held = [d for d in deps[ids[i]] if d in plan and plan[d]["_held"]]
        # a dependency that loses money is the board's call (fund it as an enabler, or drop the dependency), not a wait
        losing = [d for d in held if npv[ids.index(d)] < 0] if not npv[i] < 0 else []
        blocked = [d for d in held if d not in losing]
        reasons += [f"awaits a decision on {_and(losing)}, which loses money (see decision)"] if losing else []
        deciding = [d for d in blocked if "awaits a decision" in plan[d]["reason"]]
        others = [d for d in blocked if d not in deciding]
        reasons += [f"blocked by {_and(others)} (wait and see)"] if others else []
        reasons += [f"blocked by {_and(deciding)} (awaiting a decision)"] if deciding else []
        if reasons:
            plan[ids[i]] = {**_wait("; ".join(reasons)), "_held": True}
    horizon = now_quarters + next_year_quarters
    _place_all(
        _enablers_first(order, [i for i in order if ids[i] not in plan], ids, deps, npv.isna().to_numpy(), rank),
        ids,
        deps,
        effort,
        min_weeks,
        earliest,
        caps,
        first,
        max_team_months_per_quarter,
        plan,
    )
    for i in order:
        x = plan[ids[i]]
        if x["_held"] or pd.isna(x["_start"]):
            pass
        elif x["_start"] < now_quarters:
            x["horizon"] = NOW
        elif x["_start"] < horizon:
            x["horizon"] = NEXT
        else:  # dated, so the capacity it will use is visible, but not committed
            x["reason"] = f"planned for {x['start_quarter']}, beyond next year" + (
                "" if x["reason"] == "ready" else f" ({x['reason']})"
            )
        x.update(
            id=table["id"][i],
            title=table["title"][i] if "title" in table else "",
            rank=rank[i],
            dependencies="; ".join(deps[ids[i]]),
            appraised="yes" if pd.notna(npv[i]) else "not appraised",
            decision="" if npv[i] < 0 else _decision(ids[i], deps[ids[i]], npv, ids),
            _pos=order.index(i),
        )
    result = pd.DataFrame(list(plan.values()), columns=_COLUMNS + ["_start", "_pos"])
    result = result.iloc[np.lexsort((result["_pos"], result["_start"].fillna(np.inf)))]
    result = result.reset_index(drop=True)
    return result.astype({"start": "datetime64[ns]", "end": "datetime64[ns]", "quarters": "Int64", "load": float})[_COLUMNS]


def _enablers_first(
    order: list[int], free: list[int], ids: list[str], deps: dict[str, list[str]], unappraised, rank
) -> list[int]:
    """The placing order of the initiatives not held (``free``): each takes the best priority (tier, then rank) of
    itself and of everything not held that depends on it, directly or not, so a prerequisite is never left at the back
    of the queue behind the initiatives it enables (an unappraised enabler of the top-ranked initiative goes with it).
    Ties keep ``order``."""
    key = {i: (int(unappraised[i]), float(rank[i]) if pd.notna(rank[i]) else np.inf) for i in free}
    where = {ids[i]: i for i in free}
    changed = True
    while changed:  # a DAG: settles within as many passes as its longest chain
        changed = False
        for i in free:
            for d in deps[ids[i]]:
                j = where.get(d)
                if j is not None and key[i] < key[j]:
                    key[j], changed = key[i], True
    position = {i: n for n, i in enumerate(order)}
    return sorted(free, key=lambda i: (key[i], position[i]))


def _topological(order: list[int], ids: list[str], deps: dict[str, list[str]]) -> list[int]:
    """``order`` rearranged so that every initiative comes after those of its dependencies that are in it (a DAG always
    allows it)."""
    done: set[str] = set()
    inside = {ids[i] for i in order}
    out: list[int] = []
    pending = list(order)
    while pending:
        i = next(i for i in pending if all(d in done or d not in inside for d in deps[ids[i]]))
        pending.remove(i)
        done.add(ids[i])
        out.append(i)
    return out


def _decision(iid: str, needs: list[str], npv: pd.Series, ids: list[str]) -> str:
    """The choice a dependency on a loss-making initiative leaves the board: fund the enabler although it loses money,
    or drop the dependency and re-plan without it ("" when no dependency loses money)."""
    losing = [(d, float(npv[ids.index(d)])) for d in needs if npv[ids.index(d)] < 0]
    if not losing:
        return ""
    named = _and([f"{d} (NPV {v:,.0f})" for d, v in losing])
    own = float(npv[ids.index(iid)])
    it = "it" if len(losing) == 1 else "them"
    together = (
        f" {iid}'s own NPV is {own:,.0f}; together their NPV is {own + sum(v for _, v in losing):,.0f}."
        if pd.notna(own)
        else f" {iid} is not appraised, so what it would recover is unknown."
    )
    return (
        f"Decide: fund {named} although {'it loses' if len(losing) == 1 else 'they lose'} money, because {iid} depends on "
        f"{it}; or drop the dependency and plan {iid} without {it}.{together}"
    )


def _place_all(
    order: list[int],
    ids: list[str],
    deps: dict[str, list[str]],
    effort: pd.Series,
    min_weeks: pd.Series,
    earliest: pd.Series,
    caps: np.ndarray,
    first: pd.Period,
    rate: float,
    plan: dict[str, dict[str, Any]],
) -> None:
    """List scheduling quarter by quarter: each quarter, every eligible initiative, in priority order, starts if it fits.

    Eligible: not held, its dependencies end before the quarter, its earliest start has come. Stepping through
    time (rather than placing each initiative in turn at its first free slot) means a quarter's free capacity is
    never left idle while an eligible initiative that fits in it waits. Work may run past the last quarter at the
    last quarter's capacity: what matters is that it starts within the plan.
    """
    quarters = len(caps)
    # long enough for the longest initiative, stretched to the last quarter's capacity, to start in the last quarter
    longest = max((_natural(effort[i], min_weeks[i], rate) for i in order), default=1)
    most = max((float(effort[i]) for i in order), default=0.0)
    # bounded: a near-zero last capacity must not ask for a plan of millions of quarters
    longest = min(max(longest, math.ceil(min(most / caps[-1], 1e6)) if caps[-1] > 0 else 0), 20 * quarters + 100)
    ext_caps = np.concatenate([caps, np.full(longest + 1, caps[-1])])
    free = ext_caps.copy()
    ready_q = {}
    for i in order:
        if pd.notna(earliest[i]):
            period = pd.Period(earliest[i], "Q")
            ready_q[i] = max(period.ordinal - first.ordinal + (earliest[i] > period.start_time), 0)
        else:
            ready_q[i] = 0
    pending = list(order)
    for q in range(quarters):
        for i in list(pending):
            ends = [plan[d]["_end"] for d in deps[ids[i]] if d in plan and pd.notna(plan[d]["_start"])]
            if len(ends) < len(deps[ids[i]]) or max(ends, default=-1) >= q or ready_q[i] > q:
                continue
            natural = _natural(effort[i], min_weeks[i], rate)
            length = next(
                (n for n in range(natural, len(ext_caps) - q + 1) if np.all(ext_caps[q : q + n] >= effort[i] / n - _EPS)), 0
            )
            if not length or not np.all(free[q : q + length] >= effort[i] / length - _EPS):
                continue
            free[q : q + length] -= effort[i] / length
            pending.remove(i)
            dep_q, es_q = max(ends, default=-1) + 1, ready_q[i]
            ready = max(dep_q, es_q)
            fixed = (
                [f"starts after {_and([d for d in deps[ids[i]] if plan[d]['_end'] + 1 == dep_q])}"] if 0 < ready == dep_q else []
            )
            fixed += [f"waits for {earliest[i]:%Y-%m-%d}"] if 0 < ready == es_q else []
            because = "capacity" if q > ready else ("; ".join(fixed) or "ready")
            if length > natural:
                because += f"; stretched to {length} quarters"
            elif natural > max(1, math.ceil(effort[i] / rate - _EPS)):
                because += f"; {natural} quarters for its {min_weeks[i]:g}-week pilot"
            end = first + q + length - 1
            plan[ids[i]] = {
                "start": (first + q).start_time,
                "end": end.end_time.normalize(),
                "start_quarter": quarter_label(first + q),
                "end_quarter": quarter_label(end),
                "quarters": length,
                "load": effort[i] / length,
                "horizon": WAIT,
                "reason": because,
                "_start": q,
                "_end": q + length - 1,
                "_held": False,
            }
    for i in _topological(pending, ids, deps):  # a dependency's reason is known before its dependants' are
        waiting = [d for d in deps[ids[i]] if d in plan and pd.isna(plan[d]["_start"])]
        late = [d for d in deps[ids[i]] if d in plan and pd.notna(plan[d]["_start"]) and plan[d]["_end"] >= quarters - 1]
        if waiting:
            reason = f"blocked by {_and(waiting)} (wait and see)"
        elif late:
            reason = f"cannot start within {quarters} quarters (starts after {_and(late)})"
        elif ready_q[i] >= quarters:
            reason = f"cannot start within {quarters} quarters (waits for {earliest[i]:%Y-%m-%d})"
        else:
            reason = f"no capacity within {quarters} quarters"
        plan[ids[i]] = {**_wait(reason), "_held": False}


def _natural(effort: float, min_weeks: float, rate: float) -> int:
    """Quarters an initiative lasts before any stretching: its effort at the most one initiative absorbs a quarter,
    and at least its pilot's weeks (13 to a quarter)."""
    quarters = max(1, math.ceil(effort / rate - _EPS))
    return max(quarters, math.ceil(min_weeks / 13 - _EPS)) if pd.notna(min_weeks) else quarters


def capacity_use(
    schedule: pd.DataFrame, *, start: pd.Timestamp, capacity: float | Sequence[float], quarters: int = 12
) -> pd.DataFrame:
    """Team-months used and free each quarter of a :func:`schedule` (pass the same ``start`` and ``capacity``).

    Returns ``quarter`` ("2026 Q3"), ``capacity``, ``used`` (loads of the initiatives running that
    quarter) and ``free`` (capacity - used; negative means over-committed), rounded to 1e-9 team-months.
    """
    check_int(quarters, "quarters", "capacity_use", low=1)
    first, caps = _first_quarter(start, "capacity_use"), _capacities(capacity, quarters, "capacity_use")
    used = np.zeros(quarters)
    running = schedule[schedule["start"].notna()]
    for begin, length, load in zip(running["start"], running["quarters"], running["load"]):
        s = pd.Period(begin, "Q").ordinal - first.ordinal
        used[max(s, 0) : max(min(s + int(length), quarters), 0)] += float(load)
    return pd.DataFrame(
        {
            "quarter": [quarter_label(first + q) for q in range(quarters)],
            "capacity": caps,
            "used": used.round(9),
            "free": (caps - used).round(9),
        }
    )


def _wait(reason: str) -> dict:
    return {
        "start": pd.NaT,
        "end": pd.NaT,
        "start_quarter": "",
        "end_quarter": "",
        "quarters": pd.NA,
        "load": np.nan,
        "horizon": WAIT,
        "reason": reason,
        "_start": np.nan,
    }


def _checked(backlog: pd.DataFrame, name: str, fn: str) -> pd.DataFrame:
    """A copy of the backlog after the checks every function needs: unique ids, effort > 0, confidence in 0-1."""
    _ids(backlog, name, fn)
    table = backlog.reset_index(drop=True)
    for column, bad, rule in (
        ("effort", lambda v: v <= 0, "greater than 0 team-months"),
        ("confidence", lambda v: (v < 0) | (v > 1), "between 0 and 1 (0.7 for 70%)"),
    ):
        values = _numeric(table, column)
        named = [f"{i} ({v:g})" for i, v in zip(table["id"], values) if bad(v)]
        if named:
            raise CxmError(
                f"'{column}' must be {rule}; got {', '.join(named)}. Fix: correct the value, or leave it blank if not yet known."
            )
    return table


def _ids(backlog: pd.DataFrame, name: str, fn: str) -> list[str]:
    if not isinstance(backlog, pd.DataFrame) or "id" not in backlog:
        got = f"columns {list(map(str, backlog.columns))}" if isinstance(backlog, pd.DataFrame) else type(backlog).__name__
        raise parameter_error(
            name, fn, "a DataFrame with an 'id' column", got, fix="name the initiatives' id column 'id'.", as_text=True
        )
    ids = backlog["id"].astype(str).tolist()
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    blank = ", ".join(str(r + 1) for r in np.flatnonzero(backlog["id"].isna().to_numpy()))
    if blank or repeated:
        problem = f"no id in row(s) {blank}" if blank else f"ids used more than once: {', '.join(repeated)}"
        raise CxmError(f"Every initiative needs an id of its own; {problem}. Fix: give each initiative a unique id.")
    return ids


def _numeric(table: pd.DataFrame, column: str) -> pd.Series:
    """The column as floats (all NaN if absent); a value that is not a number is an error naming the initiative."""
    if column not in table:
        return pd.Series(np.nan, index=table.index)
    values = pd.to_numeric(table[column], errors="coerce").astype(float)
    bad = table[column].notna() & values.isna()
    if bad.any():
        named = ", ".join(f"{i} ({v!r})" for i, v in zip(table.loc[bad, "id"], table.loc[bad, column]))
        raise CxmError(f"'{column}' must be a number; got {named}. Fix: enter a number, or leave it blank.")
    return values


def _check_weights(backlog: pd.DataFrame, weights) -> list[str]:
    if not weights:
        raise parameter_error(
            "weights",
            "prioritise",
            "a mapping of column to weight with method='weighted'",
            weights,
            fix="pass column -> weight, e.g. {'value': 2, 'effort': -1}.",
        )
    columns = list(backlog.columns) if isinstance(backlog, pd.DataFrame) else []
    absent = [c for c in weights if c not in columns]
    if absent:
        raise parameter_error(
            "weights",
            "prioritise",
            f"a mapping of the backlog's columns to weights (it has no {', '.join(map(repr, absent))})",
            weights,
            fix=f"weight columns of the backlog ({', '.join(map(str, columns))}).",
        )
    for column, weight in weights.items():
        check_number(weight, f"weights[{column!r}]", "prioritise")
    return list(weights)


def _min_max(values: pd.Series) -> pd.Series:
    low, high = values.min(), values.max()
    return values.where(values.isna(), 1.0) if pd.isna(low) or high == low else (values - low) / (high - low)


def quadrant_medians(table: pd.DataFrame) -> tuple[float, float]:
    """The split of the value x effort matrix (one definition, for prioritise and its plot)."""
    scored = table[table["score"].notna()]
    return float(pd.to_numeric(scored["value"]).median()), float(pd.to_numeric(scored["effort"]).median())


def _significant(x: float) -> float:
    # Compare scores to 12 significant digits, so 0.1 * 3 and 0.3 are a tie, not two ranks.
    return float(f"{x:.12g}") if pd.notna(x) else np.nan


def _dependency_map(table: pd.DataFrame, ids: list[str]) -> dict[str, list[str]]:
    return {i: _parse_dependencies(v) for i, v in zip(ids, table.get("dependencies", [None] * len(ids)))}


def _parse_dependencies(value) -> list[str]:
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        items = [v for v in value if not (v is None or (isinstance(v, float) and math.isnan(v)))]
    elif isinstance(value, str) or not pd.isna(value):
        items = str(value).split(";")
    else:
        items = []
    return list(dict.fromkeys(n for n in (str(v).strip() for v in items) if n))


def _find_cycle(ids: list[str], deps: dict[str, list[str]]) -> list[str]:
    """The first cycle a depth-first walk in backlog order meets, rotated to start at its earliest member."""
    done: set[str] = set()

    def walk(node: str, path: list[str]) -> list[str]:
        if node in path:
            cycle = path[path.index(node) :]
            p = min(range(len(cycle)), key=lambda k: ids.index(cycle[k]))
            return cycle[p:] + cycle[:p]
        if node in done:
            return []
        found = next((c for c in (walk(d, path + [node]) for d in deps[node]) if c), [])
        done.add(node)
        return found

    return next((c for c in (walk(i, []) for i in ids) if c), [])


def _first_quarter(start, fn: str) -> pd.Period:
    stamp: pd.Timestamp | NaTType
    try:
        stamp = pd.Timestamp(start)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise parameter_error("start", fn, "a date, e.g. pd.Timestamp('2026-04-01')", start)
    return pd.Period(stamp, "Q")


def _capacities(capacity, quarters: int, fn: str) -> np.ndarray:
    try:
        values = np.full(quarters, float(capacity)) if np.ndim(capacity) == 0 else np.asarray(capacity, dtype=float)
    except (TypeError, ValueError):
        values = np.array([np.nan])
    if len(values) != quarters and np.ndim(capacity) == 1:
        raise parameter_error(
            "capacity",
            fn,
            f"one number per quarter ({quarters})",
            f"{len(values)} numbers",
            fix=f"give {quarters} capacities, or set quarters={len(values)}.",
            as_text=True,
        )
    if values.ndim != 1 or not np.all(np.isfinite(values) & (values >= 0)):
        raise parameter_error("capacity", fn, "team-months >= 0, one number or one per quarter", capacity)
    return values


def quarter_label(period: pd.Period) -> str:
    return f"{period.year} Q{period.quarter}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
