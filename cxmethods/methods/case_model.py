"""The business-case model: initiatives' levers and costs turned into yearly cash flows, vectorised.

Every number the model uses is a named assumption (a row of the assumptions table: unit costs, each
lever's value, optimism-bias uplifts, the value of customers' time), so sensitivity, switching values
and Monte Carlo all work by feeding the model other values of the same names. A :class:`CaseModel` is
compiled once from the baseline, the initiatives and their levers; calling it with ``{name: array of n
values}`` returns the NPV of every initiative and option in each of the n scenarios at once.

How a lever becomes money, per year at full ramp (``u`` is the cost per contact by channel):

- ``failure_demand``: share x failure contacts in scope x u of their channel;
- ``channel_shift``: min(share, the segment's migration headroom) x contacts in scope on the channel they leave
  x (u of that channel - u of the channel they join);
- ``automation``: share x contacts in scope x (u - the cost of an automated contact);
- ``handling_time``: share x contacts in scope x u (a contact's cost is taken to be proportional to its
  handling time);
- ``customer_time``: minutes saved per contact / 60 x contacts in scope x the value of an hour (non-cash);
- ``other_saving``: the value itself, money a year.

Benefits grow linearly from nothing in the start year to the full amount ``ramp_up_years`` later; running
costs start with the benefits.

Optimism bias on durations (HM Treasury Green Book supplementary guidance, from Mott MacDonald 2002: works
duration overruns by project type) delays the benefits: an initiative whose category has a duration uplift
``d`` (the ``optimism_bias_duration.<category>`` assumption) starts its ramp ``ramp_up_years x d`` years
later, and still takes ``ramp_up_years`` to reach the full benefit. The delay is not rounded to whole years:
the ramp is shifted continuously, so a delay of 0.4 years pro-rates the benefits of each year of the ramp
(year ``t`` gets ``clip((t - start - delay) / ramp_up_years, 0, 1)`` of the full amount). The duration is the
initiative's own estimate of the time from its start to the full benefit, ``ramp_up_years``; an initiative
that states its full benefit in its start year (``ramp_up_years`` 0) has no delivery time to overrun and is
not delayed. Capital costs stay in the start year; running costs start with the (delayed) benefits.

Shares combine, not add. When several initiatives in a package work on the same contacts with the same kind of
lever, their shares combine row by row of the baseline (channel x reason): on each row, the levers of that kind
that cover it remove ``1 - prod(1 - share_i x ramp_i(t))`` of it, so two initiatives that each remove half the
chasing calls remove three quarters, not all of them, whether their scopes are the same, nested (all reasons
and one reason) or partly shared. When the levers on a row differ in what a unit saves (channel shifts to
different channels), the combined share is split between them in proportion to ``share_i x ramp_i(t)``.
Channel shifts combine among those leaving the same channel for the same segment (all segments being one).
What can still count contacts twice, :func:`overlaps` lists: customer minutes saved (they add), and a channel
shift for one segment beside one for all segments on the same contacts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmethods.core.checks import parameter_error

__all__ = ["SHARE_LEVERS", "CaseModel", "InitiativeCosts", "Lever", "frame_values", "lever_names", "overlaps"]

SHARE_LEVERS = ("failure_demand", "channel_shift", "automation", "handling_time")


@dataclass(frozen=True)
class Lever:
    """One lever of one initiative, compiled against the baseline.

    ``quantity`` holds the contacts (failure contacts for ``failure_demand``) in scope a year, by channel,
    in the model's channel order; ``cap`` is the largest share a channel shift can move (1 without a
    migration target). ``rows`` are the baseline rows in scope and ``row_quantity`` their part of
    ``quantity``, one row of channel figures per row in ``sorted(rows)`` order (``quantity`` is their sum);
    without it ``quantity`` is spread evenly over ``rows``, and a lever without ``rows`` overlaps no other.
    """

    initiative: str
    kind: str
    name: str
    quantity: np.ndarray
    scope: tuple = ()
    rows: frozenset = frozenset()  # baseline rows (channel x reason) in scope, to find overlapping levers
    source: int = -1  # channel_shift: index of the channel contacts leave
    target: int = -1  # channel_shift: index of the channel they join
    cap: float = 1.0
    row_quantity: np.ndarray | None = None


@dataclass(frozen=True)
class InitiativeCosts:
    """An initiative's costs and timing.

    ``ob`` names its optimism-bias assumption on costs and ``ob_duration`` the one on durations (None: no
    uplift); the duration uplift delays the benefits by ``ramp_up_years x uplift`` years.
    """

    id: str
    capital: float
    one_off: float
    operating: float
    start: int  # index of the start year
    ramp_up_years: int
    ob: str | None
    ob_applies_to: str = "capital"
    ob_duration: str | None = None


def lever_names(levers: pd.DataFrame) -> list[str]:
    """Assumption name of each lever row: ``I02.failure_demand``, then ``.2``, ``.3`` for the same initiative's repeats."""
    count = levers.groupby(["initiative_id", "lever"]).cumcount() + 1
    return [f"{i}.{k}" if n == 1 else f"{i}.{k}.{n}" for i, k, n in zip(levers["initiative_id"], levers["lever"], count)]


class CaseModel:
    """Compiled model: ``model(values)`` -> NPV array (n scenarios x outputs).

    Parameters
    ----------
    channels : sequence of str
        Channel order of the levers' quantities; each needs a ``unit_cost.<channel>`` assumption.
    costs : sequence of InitiativeCosts
        One per initiative, in output order.
    levers : sequence of Lever
    options : mapping of str to sequence of str
        Named packages of initiative ids, appraised after the initiatives.
    factors : ndarray
        Discount factors for the horizon's years (year 0 first).
    """

    def __init__(
        self,
        channels: Sequence[str],
        costs: Sequence[InitiativeCosts],
        levers: Sequence[Lever],
        options: Mapping[str, Sequence[str]],
        factors: np.ndarray,
    ):
        self.channels = tuple(channels)
        self.costs = {c.id: c for c in costs}
        self.levers = tuple(levers)
        self.options = {k: tuple(v) for k, v in options.items()}
        self.factors = np.asarray(factors, dtype=float)
        self.horizon = len(self.factors)
        unknown = sorted({i for ids in self.options.values() for i in ids} - set(self.costs))
        if unknown:
            raise parameter_error(
                "options",
                "CaseModel",
                "packages of the initiatives in 'costs'",
                f"unknown initiative(s) {', '.join(unknown)}",
                fix="use ids from initiatives.csv.",
                as_text=True,
            )
        for c in costs:
            if not 0 <= c.start < self.horizon:
                raise parameter_error(
                    "costs",
                    "CaseModel",
                    f"initiatives that start within the {self.horizon}-year horizon (year index 0 to {self.horizon - 1})",
                    f"{c.id} starting in year index {c.start}",
                    as_text=True,
                )
        self._t = np.arange(self.horizon)
        self._groups: dict[tuple[str, ...], list[_Group]] = {}
        self.outputs = [c.id for c in costs] + list(self.options)

    # -- the model ---------------------------------------------------------------------------

    def __call__(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """NPV of every output (initiatives, then options) in each scenario: shape (n, outputs)."""
        return self._npv(values, with_noncash=True)

    def cash_npv(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """NPV to the organisation's budget alone (cash benefits less costs; customers' time left out) of every output
        in each scenario: shape (n, outputs), in the order of :meth:`__call__`."""
        return self._npv(values, with_noncash=False)

    def _npv(self, values: Mapping[str, np.ndarray], *, with_noncash: bool) -> np.ndarray:
        n = _scenarios(values)
        ramps = self.ramps(values)
        out = np.empty((n, len(self.outputs)))
        for k, members in enumerate(self._members()):
            cost, cash, noncash = self.flows(values, members, ramps=ramps)
            net = cash + noncash - cost if with_noncash else cash - cost
            out[:, k] = net @ self.factors
        return out

    def ramps(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each initiative's share of its full benefit by year, (n, years), after its duration optimism bias."""
        n = _scenarios(values)
        out = {}
        for c in self.costs.values():
            uplift = _value(values, c.ob_duration, n) if c.ob_duration and c.ramp_up_years > 0 else np.zeros(n)
            out[c.id] = _ramp(self._t, c.start, c.ramp_up_years, c.ramp_up_years * uplift)
        return out

    def flows(
        self, values: Mapping[str, np.ndarray], members: Sequence[str], *, ramps: Mapping[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Yearly costs, cash benefits and non-cash benefits of a package of initiatives, each (n, years)."""
        n = _scenarios(values)
        ramps = self.ramps(values) if ramps is None else ramps
        chosen = tuple(dict.fromkeys(members))
        cost = np.zeros((n, self.horizon))
        for iid in chosen:
            cost += self._cost(values, self.costs[iid], n, ramps[iid])
        cash, noncash = np.zeros((n, self.horizon)), np.zeros((n, self.horizon))
        for lever in self.levers:
            if lever.initiative in chosen and lever.kind not in SHARE_LEVERS:
                target = noncash if lever.kind == "customer_time" else cash
                target += (self._per_unit(values, lever, n) * _value(values, lever.name, n))[:, None] * ramps[lever.initiative]
        for group in self._share_groups(chosen):
            cash += self._combined(values, group, n, ramps)
        return cost, cash, noncash

    def _members(self) -> list[tuple[str, ...]]:
        return [(iid,) for iid in self.costs] + list(self.options.values())

    def _cost(self, values, c: InitiativeCosts, n: int, ramp: np.ndarray) -> np.ndarray:
        uplift = _value(values, c.ob, n) if c.ob else np.zeros(n)
        capital = (c.capital + c.one_off) * (1 + (uplift if c.ob_applies_to == "capital" else 0.0))
        operating = c.operating * (1 + (uplift if c.ob_applies_to == "operating" else 0.0))
        flows = np.zeros((n, self.horizon))
        flows[:, c.start] += capital
        return flows + np.broadcast_to(operating, (n,))[:, None] * (ramp > 0)

    def _share_groups(self, chosen: tuple[str, ...]) -> list[_Group]:
        """The package's share levers by what they combine over, each split into cells of the baseline rows covered
        by the same levers (computed once per package: it depends on the scopes only)."""
        key = tuple(sorted(chosen))
        if key in self._groups:
            return self._groups[key]
        by_kind: dict[tuple, list[Lever]] = {}
        for lever in self.levers:
            if lever.initiative in chosen and lever.kind in SHARE_LEVERS:
                combine = (lever.kind, lever.source, _segment(lever)) if lever.kind == "channel_shift" else (lever.kind,)
                by_kind.setdefault(combine, []).append(lever)
        groups = []
        for levers in by_kind.values():
            cover: dict[object, dict[int, np.ndarray]] = {}  # row -> {lever index: its quantity on the row}
            for i, lever in enumerate(levers):
                for row, q in _row_quantities(lever):
                    cover.setdefault(row, {})[i] = q
            cells: dict[tuple[int, ...], np.ndarray] = {}  # levers covering a row -> their quantities summed over such rows
            for on_row in cover.values():
                who = tuple(sorted(on_row))
                total = cells.setdefault(who, np.zeros((len(who), len(self.channels))))
                total += np.array([on_row[i] for i in who])
            groups.append(_Group(tuple(levers), tuple(cells.items())))
        self._groups[key] = groups
        return groups

    def _combined(self, values, group: _Group, n: int, ramps: Mapping[str, np.ndarray]) -> np.ndarray:
        # On each cell (rows covered by the same levers) the levers remove 1 - prod(1 - share x ramp) of it; where
        # their savings per unit differ the combined share is split in proportion to share x ramp.
        levers = group.levers
        cap = min(lv.cap for lv in levers)
        moved = [np.clip(_value(values, lv.name, n), 0.0, lv.cap)[:, None] * ramps[lv.initiative] for lv in levers]
        unit = [self._unit_values(values, lv, n) for lv in levers]  # (n, channels): saving per unit moved
        out = np.zeros((n, self.horizon))
        for who, quantities in group.cells:
            remaining, claimed, weighted = np.ones((n, self.horizon)), np.zeros((n, self.horizon)), np.zeros((n, self.horizon))
            for i, q in zip(who, quantities):
                remaining *= 1 - moved[i]
                claimed += moved[i]
                weighted += (unit[i] @ q)[:, None] * moved[i]
            done = 1 - remaining
            if levers[0].kind == "channel_shift":
                done = np.minimum(done, cap)
            out += np.divide(weighted * done, claimed, out=np.zeros_like(done), where=claimed > 0)
        return out

    def _unit_values(self, values, lever: Lever, n: int) -> np.ndarray:
        """Saving a year per contact removed, automated, shortened or moved, by channel: (n, channels)."""
        u = np.column_stack([_value(values, f"unit_cost.{c}", n) for c in self.channels])
        if lever.kind == "channel_shift":
            out = np.zeros_like(u)
            out[:, lever.source] = u[:, lever.source] - u[:, lever.target]
            return out
        if lever.kind == "automation":
            return np.maximum(u - _value(values, "unit_cost.automated", n)[:, None], 0.0)
        return u

    def _per_unit(self, values, lever: Lever, n: int) -> np.ndarray:
        """Saving a year per unit of the lever's value (per share moved, per minute, per money unit)."""
        if lever.kind == "other_saving":
            return np.ones(n)
        if lever.kind == "customer_time":
            return lever.quantity.sum() / 60 * _value(values, "value_of_time", n)
        return self._unit_values(values, lever, n) @ lever.quantity


@dataclass(frozen=True)
class _Group:
    """Share levers that combine (same kind; channel shifts: same channel left, same segment), and their cells:
    (indices of the levers covering some rows, those levers' quantities summed over these rows)."""

    levers: tuple[Lever, ...]
    cells: tuple[tuple[tuple[int, ...], np.ndarray], ...]


def _segment(lever: Lever) -> str:
    return str(lever.scope[3]) if len(lever.scope) > 3 else ""


def _row_quantities(lever: Lever) -> list[tuple[object, np.ndarray]]:
    """(row, the lever's quantity by channel on it) for each baseline row in the lever's scope."""
    rows = sorted(lever.rows)
    if not rows:  # no rows known: a cell of its own
        return [(("own", lever.name), np.asarray(lever.quantity, dtype=float))]
    if lever.row_quantity is None:
        return [(r, np.asarray(lever.quantity, dtype=float) / len(rows)) for r in rows]
    return list(zip(rows, np.asarray(lever.row_quantity, dtype=float)))


def overlaps(levers: Sequence[Lever], members: Sequence[str]) -> list[str]:
    """Pairs of a package's levers that may count some contacts twice: customer minutes saved on the same contacts
    (minutes add up), and a channel shift for one segment beside one for all segments leaving the same channel on
    the same contacts (shares combine only within a segment). Shares of the same kind otherwise combine row by row
    and are not listed. ``["I02.customer_time & I07.customer_time", ...]``."""
    chosen = [lv for lv in levers if lv.initiative in set(members) and lv.kind in ("channel_shift", "customer_time")]
    return [
        f"{a.name} & {b.name}"
        for i, a in enumerate(chosen)
        for b in chosen[i + 1 :]
        if a.kind == b.kind
        and a.initiative != b.initiative
        and a.rows & b.rows
        and (
            a.kind == "customer_time"
            or (a.source == b.source and "" in (_segment(a), _segment(b)) and _segment(a) != _segment(b))
        )
    ]


def _ramp(t: np.ndarray, start: int, ramp_up_years: int, delay: np.ndarray) -> np.ndarray:
    """Share of the full benefit in each year (n, years): nothing before ``start + delay``, then a linear ramp."""
    if ramp_up_years <= 0:
        return np.broadcast_to((t >= start).astype(float), (len(delay), len(t))).copy()
    return np.clip((t - start - delay[:, None]) / ramp_up_years, 0.0, 1.0)


def _scenarios(values: Mapping[str, np.ndarray]) -> int:
    sizes = {np.size(v) for v in values.values()}
    if len(sizes) != 1:
        raise parameter_error(
            "values",
            "CaseModel",
            "the same number of scenario values for every assumption",
            f"sizes {sorted(sizes)}",
            as_text=True,
        )
    return sizes.pop()


def _value(values: Mapping[str, np.ndarray], name: str, n: int) -> np.ndarray:
    try:
        return np.broadcast_to(np.asarray(values[name], dtype=float), (n,))
    except KeyError:
        raise parameter_error(
            "values",
            "CaseModel",
            "a value for every assumption the model needs",
            f"no '{name}' (the assumptions table does not have it)",
            as_text=True,
        ) from None


def frame_values(assumptions: pd.DataFrame, column: str = "value") -> dict[str, np.ndarray]:
    """``{name: array([value])}`` from an assumptions table: the base case as one scenario."""
    return {n: np.array([float(v)]) for n, v in zip(assumptions["name"], assumptions[column])}
