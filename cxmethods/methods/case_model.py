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
costs start with the benefits. When several initiatives in a package work on the same thing (the same
lever on the same scope), their shares combine as ``1 - (1 - a)(1 - b)``: two initiatives that each remove
half the chasing calls remove three quarters, not all of them. Levers on nested scopes (all reasons and one
reason) are not combined and may count some contacts twice: :func:`overlaps` lists them.
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
    migration target).
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


@dataclass(frozen=True)
class InitiativeCosts:
    """An initiative's costs and timing. ``ob`` names its optimism-bias assumption (None: no uplift)."""

    id: str
    capital: float
    one_off: float
    operating: float
    start: int  # index of the start year
    ramp_up_years: int
    ob: str | None
    ob_applies_to: str = "capital"


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
        t = np.arange(self.horizon)
        self._ramp = {c.id: _ramp(t, c.start, c.ramp_up_years) for c in costs}
        self.outputs = [c.id for c in costs] + list(self.options)

    # -- the model ---------------------------------------------------------------------------

    def __call__(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """NPV of every output (initiatives, then options) in each scenario: shape (n, outputs)."""
        n = _scenarios(values)
        out = np.empty((n, len(self.outputs)))
        for k, members in enumerate(self._members()):
            cost, cash, noncash = self.flows(values, members)
            out[:, k] = (cash + noncash - cost) @ self.factors
        return out

    def flows(self, values: Mapping[str, np.ndarray], members: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Yearly costs, cash benefits and non-cash benefits of a package of initiatives, each (n, years)."""
        n = _scenarios(values)
        chosen = set(members)
        cost = np.zeros((n, self.horizon))
        for iid in chosen:
            cost += self._cost(values, self.costs[iid], n)
        cash, noncash = np.zeros((n, self.horizon)), np.zeros((n, self.horizon))
        groups: dict[tuple, list[Lever]] = {}
        for lever in self.levers:
            if lever.initiative in chosen:
                groups.setdefault((lever.kind, lever.scope), []).append(lever)
        for (kind, _), levers in groups.items():
            if kind in SHARE_LEVERS:
                cash += self._combined(values, levers, n)
            else:
                target = noncash if kind == "customer_time" else cash
                for lever in levers:
                    target += (self._per_unit(values, lever, n) * _value(values, lever.name, n))[:, None] * self._ramp[
                        lever.initiative
                    ]
        return cost, cash, noncash

    def _members(self) -> list[tuple[str, ...]]:
        return [(iid,) for iid in self.costs] + list(self.options.values())

    def _cost(self, values, c: InitiativeCosts, n: int) -> np.ndarray:
        uplift = _value(values, c.ob, n) if c.ob else np.zeros(n)
        capital = (c.capital + c.one_off) * (1 + (uplift if c.ob_applies_to == "capital" else 0.0))
        operating = c.operating * (1 + (uplift if c.ob_applies_to == "operating" else 0.0))
        flows = np.zeros((n, self.horizon))
        flows[:, c.start] += capital
        running = (self._ramp[c.id] > 0).astype(float)
        return flows + np.multiply.outer(operating, running)

    def _combined(self, values, levers: list[Lever], n: int) -> np.ndarray:
        # shares of the same lever on the same scope combine as 1 - prod(1 - share x ramp)
        remaining = np.ones((n, self.horizon))
        for lever in levers:
            share = np.clip(_value(values, lever.name, n), 0.0, lever.cap)
            remaining *= 1 - np.multiply.outer(share, self._ramp[lever.initiative])
        done = 1 - remaining
        if levers[0].kind == "channel_shift":
            done = np.minimum(done, levers[0].cap)
        return self._per_unit(values, levers[0], n)[:, None] * done

    def _per_unit(self, values, lever: Lever, n: int) -> np.ndarray:
        """Saving a year per unit of the lever's value (per share moved, per minute, per money unit)."""
        if lever.kind == "other_saving":
            return np.ones(n)
        if lever.kind == "customer_time":
            return lever.quantity.sum() / 60 * _value(values, "value_of_time", n)
        u = np.column_stack([_value(values, f"unit_cost.{c}", n) for c in self.channels])
        if lever.kind == "channel_shift":
            return lever.quantity[lever.source] * (u[:, lever.source] - u[:, lever.target])
        if lever.kind == "automation":
            u = np.maximum(u - _value(values, "unit_cost.automated", n)[:, None], 0.0)
        return u @ lever.quantity


def overlaps(levers: Sequence[Lever], members: Sequence[str]) -> list[str]:
    """Pairs of a package's levers of the same kind on overlapping contacts that may count some of them twice:
    shares on nested scopes (all reasons and one reason) and customer minutes saved on the same contacts.
    ``["I02.failure_demand & I07.failure_demand", ...]``."""
    chosen = [lv for lv in levers if lv.initiative in set(members) and lv.kind in (*SHARE_LEVERS, "customer_time")]
    # customer minutes add up even on the same scope; shares on the same scope are combined, so only nested scopes overlap
    return [
        f"{a.name} & {b.name}"
        for i, a in enumerate(chosen)
        for b in chosen[i + 1 :]
        if a.kind == b.kind
        and a.initiative != b.initiative
        and a.rows & b.rows
        and (a.scope != b.scope or a.kind == "customer_time")
        and (a.kind != "channel_shift" or a.source == b.source)
    ]


def _ramp(t: np.ndarray, start: int, ramp_up_years: int) -> np.ndarray:
    if ramp_up_years <= 0:
        return (t >= start).astype(float)
    return np.clip((t - start) / ramp_up_years, 0.0, 1.0)


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
