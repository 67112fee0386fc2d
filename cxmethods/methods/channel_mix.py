"""Workbook 04: the channel mix that handles a year's contacts at least cost, within what each segment can do.

A linear programme (``scipy.optimize.linprog``, HiGHS) moves contacts from assisted channels online, never
beyond a segment's capacity to self-serve and never between two assisted (or two online) channels. The
saving is compared with the most that well-managed channel programmes have been reported to save, an upper bound,
and with the saving a programme can usually plan on, an assumption to confirm (``templates/benchmarks.yaml``).

>>> import pandas as pd
>>> volumes = pd.DataFrame({"segment": ["Online", "Online", "Offline", "Offline"],
...                         "channel": ["phone", "web_form", "phone", "web_form"],
...                         "contacts": [600.0, 400.0, 900.0, 100.0]})
>>> result = optimise_mix(volumes, {"phone": 3.0, "web_form": 0.5}, {"Online": 0.8, "Offline": 0.1})
>>> result.summary[["segment", "current_cost", "optimal_cost", "saving", "online_share_optimal"]]
   segment  current_cost  optimal_cost  saving  online_share_optimal
0   Online        2000.0        1000.0  1000.0                  0.80
1  Offline        2750.0        2750.0     0.0                  0.10
2    (all)        4750.0        3750.0  1000.0                  0.45
>>> round(result.saving_share, 3)
0.211
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from cxmethods.core.checks import parameter_error
from cxmethods.core.errors import CxmError
from cxmethods.core.schemas import CHANNELS
from cxmethods.methodology.benchmarks import Saving, load_benchmarks
from cxmethods.methods.channels import ASSISTED, SELF_SERVICE

__all__ = ["ChannelMix", "optimise_mix", "segment_volumes"]

_NOISE = 1e-7  # of a segment's contacts: an LP value this close to a bound is solver tolerance, not a decision
_SHARES = "shares between 0 and 1"


@dataclass(frozen=True)
class ChannelMix:
    """The least-cost channel mix and what it saves.

    Attributes
    ----------
    mix : DataFrame
        Per segment and channel: ``segment``, ``channel``, ``current_contacts``, ``optimal_contacts``,
        ``change`` (optimal - current), ``unit_cost``, ``current_cost``, ``optimal_cost``.
    summary : DataFrame
        Per segment and ``"(all)"``: ``segment``, ``current_cost``, ``optimal_cost``, ``saving``,
        ``saving_share`` (of the current cost), ``online_share_now``, ``online_share_optimal``
        (self-service share of contacts), ``online_capacity`` (as given; contact-weighted for ``"(all)"``).
    saving, saving_share : float
        The total saving a year, and as a share of today's cost.
    benchmark_note : str
        The saving share against the best reported savings (an upper bound) and a typical one, in plain words.
    notes : tuple of str
        What the optimisation assumed or left out, for the assumptions log.
    """

    mix: pd.DataFrame
    summary: pd.DataFrame
    saving: float
    saving_share: float
    benchmark_note: str
    notes: tuple[str, ...] = ()


def segment_volumes(channel_volumes: pd.Series, segment_channels: pd.DataFrame, segment_shares: pd.Series) -> pd.DataFrame:
    """Split a year's contacts per channel (``channel_volumes``, indexed by channel) across segments.

    The contact log has no segment, so the survey supplies it: segment s makes a share of channel c's
    contacts proportional to ``segment_shares[s] * current_share[s, c]``. ``segment_channels`` has
    ``segment``, ``channel``, ``current_share`` (e.g. ``share`` from
    :func:`cxmethods.methods.channels.channel_preferences`); ``segment_shares`` is each segment's share of the
    population, indexed by segment.

    Returns ``segment``, ``channel``, ``contacts`` (float) for every segment and channel kept; per channel
    the contacts add up to ``channel_volumes``. Channels with contacts but no survey share (e.g.
    ``"unknown"``) cannot be split: they are dropped and ``attrs["dropped"]`` maps each to its contacts.

    >>> import pandas as pd
    >>> survey = pd.DataFrame({"segment": ["A", "A", "B"], "channel": ["phone", "web_form", "phone"],
    ...                        "current_share": [0.5, 0.5, 1.0]})
    >>> split = segment_volumes(pd.Series({"phone": 300, "web_form": 100, "unknown": 7}), survey,
    ...                         pd.Series({"A": 0.5, "B": 0.5}))
    >>> split
      segment   channel  contacts
    0       A     phone     100.0
    1       A  web_form     100.0
    2       B     phone     200.0
    3       B  web_form       0.0
    >>> split.attrs["dropped"]
    {'unknown': 7.0}
    """
    volumes = _numbers(channel_volumes, "channel_volumes", "segment_volumes", "channel").groupby(level=0, sort=False).sum()
    if missing := [c for c in ("segment", "channel", "current_share") if c not in segment_channels]:
        raise parameter_error(
            "segment_channels",
            "segment_volumes",
            "a table with columns segment, channel, current_share",
            f"no {', '.join(missing)}",
            as_text=True,
        )
    share = _numbers(
        segment_channels["current_share"],
        "segment_channels",
        "segment_volumes",
        "row",
        0,
        1,
        text="a table with a current_share between 0 and 1 in every row",
        fix="give the segment's share of answers.",
    )
    population = _numbers(segment_shares, "segment_shares", "segment_volumes", "segment").groupby(level=0, sort=False).sum()
    segments = list(dict.fromkeys(segment_channels["segment"]))
    if odd := [s for s in segments if s not in population] + [s for s in population.index[population > 0] if s not in segments]:
        raise CxmError(
            f"segment_shares and segment_channels must cover the same segments; {_names(odd)} is in only one. "
            "Fix: give each segment both a population share and survey channel shares."
        )
    weight = (
        segment_channels.assign(current_share=share.to_numpy())
        .pivot_table(index="segment", columns="channel", values="current_share", aggfunc="sum", fill_value=0.0)
        .reindex(segments)
        .mul(population.reindex(segments), axis=0)
    )
    kept = sorted(
        (c for c in volumes.index if c in weight and weight[c].sum() > 0),
        key=lambda c: (CHANNELS.index(c) if c in CHANNELS else len(CHANNELS), str(c)),
    )
    table = pd.DataFrame(
        [
            {"segment": s, "channel": c, "contacts": float(volumes[c] * weight.at[s, c] / weight[c].sum())}
            for s in segments
            for c in kept
        ],
        columns=["segment", "channel", "contacts"],
    )
    table.attrs["dropped"] = {c: float(n) for c, n in volumes.items() if c not in kept and n > 0}
    return table


def optimise_mix(
    volumes: pd.DataFrame,
    unit_costs: Mapping[str, float],
    online_capacity: Mapping[Hashable, float],
    *,
    min_assisted: Mapping[Hashable, float] | None = None,
    channel_capacity: Mapping[str, float] | None = None,
    benchmarks: str | Path | None = None,
) -> ChannelMix:
    """The channel mix that handles the same contacts at least cost, within each segment's limits.

    ``volumes`` has ``segment``, ``channel``, ``contacts`` (e.g. from :func:`segment_volumes`). The
    decision is x[s, c], the contacts of segment s that channel c handles in a year, such that:

    - every contact is still handled: each segment's total stays today's;
    - a segment's self-service (web and app) share is at most ``max(online_capacity[s], today's share)``
      (e.g. ``capacity`` from :func:`cxmethods.methods.channels.self_service`): nobody is pushed online beyond the
      share able to self-serve, nor moved back offline;
    - its assisted share is at least ``min_assisted[s]`` (0-1) where given; if it is already below, none of
      that segment's contacts move;
    - contacts only move from assisted channels to self-service ones: for each segment no assisted
      channel grows and no self-service channel shrinks. Moving people from face to face to the phone
      (or from the web to the app) is a service-design choice (is the service still accessible and
      safe?), not one for a cost optimisation;
    - a channel takes at most ``channel_capacity[c]`` contacts a year where given; today's volume may be
      above it if moving contacts can bring it within.

    Every channel with contacts needs a ``unit_costs`` entry; a self-service channel without contacts is
    offered as a destination if it has one. Where channels cost the same, the optimum keeps each segment's
    current balance between them (a second programme picks, among the least-cost mixes, the one nearest
    today's proportions), so the answer does not depend on the solver. The saving is compared with
    ``channel_optimisation_saving`` in ``benchmarks`` (default ``templates/benchmarks.yaml``).

    Raises :class:`~cxmethods.core.errors.CxmError` for a missing unit cost, a negative volume, a share outside
    0-1, or capacities that cannot all be met (naming the channels and how far to relax them).
    """
    wide, notes = _read_volumes(volumes)
    costs = _unit_costs(wide, unit_costs, notes)
    channels, segments = [c for c in CHANNELS if c in costs], list(wide.index)
    cap: pd.Series | np.ndarray  # by segment: a Series while checked, then an array in segment order
    floor: pd.Series | np.ndarray
    cap = _numbers(online_capacity, "online_capacity", "optimise_mix", "segment", 0, 1, text=_SHARES)
    floor = _numbers(min_assisted or {}, "min_assisted", "optimise_mix", "segment", 0, 1, text=_SHARES)
    if missing := [s for s in segments if s not in cap.index]:
        raise parameter_error(
            "online_capacity",
            "optimise_mix",
            "a share for every segment",
            f"no share for segment {_names(missing)}",
            fix="give every segment the share able to self-serve online (0 keeps today's online share).",
            as_text=True,
        )
    cap, floor = cap.reindex(segments).to_numpy(), floor.reindex(segments, fill_value=0.0).to_numpy()
    limits: pd.Series | dict[str, float]  # by channel: a Series while checked, then a dict of the channels in play
    limits = _numbers(channel_capacity or {}, "channel_capacity", "optimise_mix", "channel", text="contacts a year (0 or more)")
    if unknown := [c for c in limits.index if c not in CHANNELS]:
        raise parameter_error(
            "channel_capacity",
            "optimise_mix",
            f"a mapping of channels ({', '.join(CHANNELS)}) to contacts a year",
            _names(unknown),
            as_text=True,
        )
    limits = cast("dict[str, float]", {c: v for c, v in limits.items() if c in channels})  # a channel out of play carries nothing
    bench = load_benchmarks(benchmarks).channel_optimisation_saving

    cur = wide.reindex(columns=channels, fill_value=0.0).to_numpy(dtype=float)
    online, assisted = (np.array([c in group for c in channels]) for group in (SELF_SERVICE, ASSISTED))
    demand = cur.sum(axis=1)
    now = cur[:, online].sum(axis=1) / demand
    for segment, n, c, f in zip(segments, now, cap, floor):
        if n > c:
            notes.append(
                f"Segment {segment!r}: {n:.0%} self-serve online today, above its online capacity ({c:.0%}); "
                "today's share stays allowed and nobody is moved back."
            )
        if f > 1 - n:
            notes.append(
                f"Segment {segment!r}: {1 - n:.0%} of its contacts are assisted today, below min_assisted "
                f"({f:.0%}); none of them move."
            )
    n_seg, n_ch = cur.shape
    lp = {
        "A_ub": np.vstack(
            [
                np.kron(np.eye(n_seg), online.astype(float)),
                *(np.kron(np.ones(n_seg), np.eye(n_ch)[channels.index(c)]) for c in limits),
            ]
        ),
        "b_ub": np.r_[np.maximum(now, np.minimum(cap, 1 - floor)) * demand, list(limits.values())],
        "A_eq": np.kron(np.eye(n_seg), np.ones(n_ch)),
        "b_eq": demand,
        "bounds": [(0.0, cur[i, j]) if assisted[j] else (cur[i, j], None) for i in range(n_seg) for j in range(n_ch)],
    }
    unit = np.array([costs[c] for c in channels])
    first = linprog(np.tile(unit, n_seg), method="highs", **lp)
    if first.status == 2:
        raise _infeasible(lp, cur, channels, limits)
    if first.status != 0:
        raise CxmError(f"The channel-mix optimisation did not finish: {first.message}")
    x = _nearest_today(first.x.reshape(cur.shape), cur, online, unit, lp)  # type: ignore[union-attr]  # status 0: x is set
    tol = _NOISE * np.maximum(demand, 1.0)[:, None]
    x = np.where(np.abs(x - cur) <= tol, cur, np.where(x <= tol, 0.0, x))
    x = np.where(assisted, np.minimum(x, cur), np.maximum(x, cur))
    for c, limit in limits.items():
        if (today := cur[:, channels.index(c)].sum()) > limit:
            notes.append(
                f"{c} carries {today:,.0f} contacts today, above its capacity of {limit:,.0f}; the optimal mix brings it within."
            )
    mix, summary = _tables(segments, channels, cur, x, unit, cap, online)
    share = float(summary["saving_share"].iloc[-1])
    return ChannelMix(
        mix=mix,
        summary=summary,
        saving=float(summary["saving"].iloc[-1]),
        saving_share=share,
        benchmark_note=_benchmark_note(share, bench),
        notes=tuple(notes),
    )


def _names(items) -> str:
    return ", ".join(repr(i) for i in items)


def _numbers(
    values,
    name: str,
    caller: str,
    what: str,
    low: float = 0.0,
    high: float = np.inf,
    *,
    text: str = "non-negative numbers",
    fix: str = "",
) -> pd.Series:
    """``values`` (a mapping or Series) by key, after checking each is a finite number in [low, high]."""
    items = list(values.items())
    for key, value in items:
        if not isinstance(value, (int, float, np.number)) or not (low <= value <= high and np.isfinite(value)):
            shown = value.item() if isinstance(value, np.generic) else value  # -5, not np.int64(-5)
            raise parameter_error(name, caller, text, f"{shown!r} for {what} {key!r}", fix=fix, as_text=True)
    return pd.Series([float(v) for _, v in items], index=pd.Index([k for k, _ in items], dtype=object), dtype=float)


def _read_volumes(volumes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Contacts as segments x channels after checking every row, and a note on segments without contacts."""
    if missing := [c for c in ("segment", "channel", "contacts") if c not in volumes]:
        raise parameter_error(
            "volumes", "optimise_mix", "a table with columns segment, channel, contacts", f"no {', '.join(missing)}", as_text=True
        )
    contacts = _numbers(
        volumes["contacts"],
        "volumes",
        "optimise_mix",
        "row",
        text="a table with a year's contacts (0 or more) in every row",
        fix="correct the count in that row.",
    )
    if volumes["segment"].isna().any():
        raise CxmError(
            f"volumes, row {volumes.index[volumes['segment'].isna()][0]}: the segment is missing. Fix: give every row a segment."
        )
    if unknown := sorted({str(c) for c in volumes["channel"] if c not in CHANNELS}):
        raise CxmError(
            f"volumes has channel {_names(unknown)}, not one of {', '.join(CHANNELS)}. Fix: recode it under "
            "the contact log's values, or leave it out (segment_volumes drops channels the survey lacks)."
        )
    wide = (
        volumes.assign(contacts=contacts.to_numpy())
        .pivot_table(index="segment", columns="channel", values="contacts", aggfunc="sum", fill_value=0.0, sort=False)
        .rename_axis(index=None, columns=None)
    )
    empty = [s for s in wide.index if wide.loc[s].sum() == 0]
    if len(empty) == len(wide):
        raise CxmError("volumes has no contacts to optimise. Fix: pass a year's contacts by segment and channel.")
    return wide.drop(index=empty), [f"Segment {_names(empty)} has no contacts and was left out."] if empty else []


def _unit_costs(wide: pd.DataFrame, unit_costs: Mapping[str, float], notes: list[str]) -> dict[Hashable, float]:
    """Costs of the channels in play: those with contacts, and self-service channels that have a cost."""
    costs = {}
    for channel in CHANNELS:
        contacts = float(wide[channel].sum()) if channel in wide else 0.0
        if channel in unit_costs and (contacts > 0 or channel in SELF_SERVICE):
            costs[channel] = unit_costs[channel]
        elif contacts > 0:
            raise CxmError(
                f"No unit cost for channel '{channel}', which has {contacts:,.0f} contacts in volumes. "
                "Fix: add it under settings.voc.unit_costs."
            )
        elif channel in SELF_SERVICE:
            notes.append(
                f"{channel} has no unit cost, so no contacts were moved to it; add one under settings.voc.unit_costs to offer it."
            )
    return _numbers(
        costs,
        "unit_costs",
        "optimise_mix",
        "channel",
        1e-12,
        text="positive numbers",
        fix="correct it under settings.voc.unit_costs.",
    ).to_dict()


def _solve(lp: dict, cost: np.ndarray, extra_ub: np.ndarray, more_ub: np.ndarray | None = None, more_b=()):
    """linprog on the mix programme plus extra non-negative variables (``extra_ub``: their columns in its
    inequalities), optionally with more inequality rows over all the variables."""
    k, a_ub = extra_ub.shape[1], np.hstack([lp["A_ub"], extra_ub])
    return linprog(
        cost,
        A_ub=a_ub if more_ub is None else np.vstack([a_ub, more_ub]),
        b_ub=np.r_[lp["b_ub"], more_b],
        A_eq=np.hstack([lp["A_eq"], np.zeros((len(lp["A_eq"]), k))]),
        b_eq=lp["b_eq"],
        bounds=lp["bounds"] + [(0.0, None)] * k,
        method="highs",
    )


def _nearest_today(x: np.ndarray, cur: np.ndarray, online: np.ndarray, unit: np.ndarray, lp: dict) -> np.ndarray:
    """Among least-cost mixes, the one nearest (L1) today's proportions within each segment's online and
    assisted channels: equally priced channels then split like today, not at the solver's whim."""
    moved, target = x[:, online].sum(axis=1), np.zeros_like(cur)
    for group, totals in ((online, moved), (~online, cur.sum(axis=1) - moved)):
        now = cur[:, group].sum(axis=1, keepdims=True)
        if group.any():
            spread = np.divide(cur[:, group], now, out=np.full_like(cur[:, group], 1 / group.sum()), where=now > 0)
            target[:, group] = spread * totals[:, None]
    n, cost, eye = x.size, np.tile(unit, len(cur)), np.eye(x.size)
    best = float(cost @ x.ravel())
    rows = np.vstack([np.hstack([eye, -eye]), np.hstack([-eye, -eye]), np.r_[cost, np.zeros(n)]])
    second = _solve(
        lp,
        np.r_[np.zeros(n), np.ones(n)],
        np.zeros((len(lp["A_ub"]), n)),
        rows,
        np.r_[target.ravel(), -target.ravel(), best * (1 + 1e-10) + 1e-9],
    )
    return second.x[:n].reshape(cur.shape) if second.status == 0 else x


def _infeasible(lp: dict, cur: np.ndarray, channels: list[str], limits: dict[str, float]) -> CxmError:
    """Name the capacities that cannot all be met and the least total relaxation that meets them.

    Without channel capacities today's mix is feasible, so only they can conflict: let each be exceeded
    at a price of 1 a contact and minimise the excess."""
    n, k = cur.size, len(limits)
    res = _solve(lp, np.r_[np.zeros(n), np.ones(k)], np.vstack([np.zeros((len(lp["A_ub"]) - k, k)), -np.eye(k)]))
    if res.status != 0:
        return CxmError(f"The channel capacities cannot all be met ({res.message}). Fix: raise channel_capacity.")
    flows = res.x[:n].reshape(cur.shape).sum(axis=0)
    binding = [c for c, limit in limits.items() if flows[channels.index(c)] >= limit - 1e-6 * max(limit, 1.0)]
    listed = "; ".join(f"{c} (capacity {limits[c]:,.0f}, {cur[:, channels.index(c)].sum():,.0f} today)" for c in binding)
    return CxmError(
        f"The channel capacities cannot all be met, even with every segment as far online as its capacity "
        f"allows: {listed} need at least {res.x[n:].sum():,.0f} more contacts a year between them. Fix: "
        f"raise channel_capacity for {', '.join(binding)} by that much in all, raise online_capacity for "
        "the segments that use them, or lower min_assisted."
    )


def _tables(segments, channels, cur, x, unit, cap, online) -> tuple[pd.DataFrame, pd.DataFrame]:
    mix = pd.DataFrame(
        {
            "segment": pd.Series(segments, dtype=object).repeat(len(channels)).to_numpy(),
            "channel": channels * len(segments),
            "current_contacts": cur.ravel(),
            "optimal_contacts": x.ravel(),
        }
    )
    mix["change"] = mix["optimal_contacts"] - mix["current_contacts"]
    mix["unit_cost"] = np.tile(unit, len(segments))
    mix["current_cost"] = mix["current_contacts"] * mix["unit_cost"]
    mix["optimal_cost"] = mix["optimal_contacts"] * mix["unit_cost"]
    demand = cur.sum(axis=1)
    per = np.column_stack([cur @ unit, x @ unit, demand, cur[:, online].sum(axis=1), x[:, online].sum(axis=1), cap * demand])
    per = np.vstack([per, per.sum(axis=0)])
    summary = pd.DataFrame({"current_cost": per[:, 0], "optimal_cost": per[:, 1], "saving": per[:, 0] - per[:, 1]})
    summary["saving_share"] = summary["saving"] / summary["current_cost"]
    for i, column in ((3, "online_share_now"), (4, "online_share_optimal"), (5, "online_capacity")):
        summary[column] = per[:, i] / per[:, 2]
    summary.insert(0, "segment", pd.Series([*segments, "(all)"], dtype=object))
    return mix, summary


def _benchmark_note(share: float, bench: Saving) -> str:
    """The saving against the best reported (an upper bound, not a forecast) and, where given, a typical saving.

    >>> from cxmethods.methodology.benchmarks import Saving, load_benchmarks
    >>> print(_benchmark_note(0.12, load_benchmarks().channel_optimisation_saving)[:180])
    The optimal mix saves 12.0% of what these contacts cost today: below the 15%-25% that the best-run channel programmes have saved (an upper bound, source: Deloitte Research, One Siz
    """
    low, high = bench.upper_bound.low, bench.upper_bound.high
    said = f"The optimal mix saves {share:.1%} of what these contacts cost today"
    best = f"the {low:.0%}-{high:.0%} that the best-run channel programmes have saved (an upper bound, source: {bench.source})"
    typical = bench.typical
    usual = ""
    if typical is not None:
        flag = f" (an assumption to confirm: {typical.note})" if typical.to_confirm else f" (source: {typical.source})"
        usual = f"a typical programme's {typical.value:.0%}{flag}"
    ceiling = "Treat it as a ceiling: it assumes everyone able to self-serve does, and campaigns usually get part of the way (see the migration targets)."
    if share > high:
        return (
            f"{said}: above even {best}. That usually means the capacity assumptions are too generous (confidence "
            "online is not the same as use) or the online unit costs leave out building and running the service. "
            "Check both before quoting this figure."
        )
    if share >= low:
        return f"{said}: within {best}, which only well-run programmes reach. {ceiling}"
    if typical is not None and share >= typical.value:
        return f"{said}: below {best}, and above {usual}. {ceiling}"
    below = f"below {best}" + (f", and below {usual}" if usual else "")
    return (
        f"{said}: {below}. There is little room to move: segments are near their online capacity, online already "
        "takes most contacts, or a channel capacity binds. Savings would have to come from elsewhere: fewer avoidable "
        "contacts (failure demand), or online services that more customers can use."
    )
