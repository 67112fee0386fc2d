"""Appraisal arithmetic: stepped discount factors, NPV, IRR, discounted payback, benefit-cost ratio.

Typed pure functions over yearly real cash flows, year 0 first (year 0 is the present and is not
discounted). IRR comes from numpy-financial; where it is undefined the reason is returned with it,
never a bare NaN.

>>> from cxmethods.methods.finance import discount_factors, npv
>>> discount_factors(0.035, 3).round(4).tolist()
[1.0, 0.9662, 0.9335]
>>> round(npv([-100, 60, 60], 0.035), 2)
13.98
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy_financial as npf

from cxmethods.core.checks import check_int, check_one_of, parameter_error
from cxmethods.methodology.benchmarks import Band, Schedule

__all__ = ["BCR_CONVENTIONS", "benefit_cost_ratio", "discount_factors", "discounted_payback", "irr", "npv"]

#: The benefit-cost ratio conventions :func:`benefit_cost_ratio` knows, with their sources.
BCR_CONVENTIONS = {
    "green_book": "HM Treasury Green Book (2022): BCR = PV of benefits (cash and non-cash) / PV of costs",
    "dft": "DfT Value for Money Framework and TAG unit A1.1: BCR = PV of benefits to residents (non-cash) / PV of "
    "costs to the public sector net of its cash savings",
}


def discount_factors(rate: float | Schedule | Sequence[Band], years: int) -> np.ndarray:
    """Discount factors for years 0 .. years-1.

    ``rate`` is a flat real rate or a stepped schedule (bands of ``from_year`` and ``rate``, as in the
    Green Book: 3.5% for years 0-30, 3.0% from year 31, ...). Within a schedule the factor compounds band by
    band: year t's factor is year t-1's divided by (1 + the rate of the band year t falls in), so year 31 is
    discounted at 3.0% on top of thirty years at 3.5%.
    """
    check_int(years, "years", "discount_factors", low=1)
    bands = rate.rates if isinstance(rate, Schedule) else rate
    if isinstance(bands, (int, float)):
        starts, rates = np.array([0]), np.array([float(bands)])
    else:
        starts, rates = np.array([b.from_year for b in bands]), np.array([b.rate for b in bands])
    if starts[0] != 0 or np.any(np.diff(starts) <= 0) or np.any(rates < 0) or np.any(rates >= 1):
        raise parameter_error(
            "rate",
            "discount_factors",
            "a rate in [0, 1) or bands starting at year 0 in increasing order",
            [(int(s), float(r)) for s, r in zip(starts, rates)],
        )
    t = np.arange(1, years)
    yearly = rates[np.searchsorted(starts, t, side="right") - 1]
    return np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + yearly))])


def npv(flows: Sequence[float] | np.ndarray, rate: float | Schedule | Sequence[Band] | np.ndarray) -> float | np.ndarray:
    """Net present value of yearly flows (year 0 first; the last axis is years, so many rows at once).

    ``rate`` may also be an array of discount factors from :func:`discount_factors`.
    """
    flows = np.asarray(flows, dtype=float)
    factors = rate if isinstance(rate, np.ndarray) else discount_factors(rate, flows.shape[-1])
    if factors.shape[-1] != flows.shape[-1]:
        raise parameter_error(
            "rate",
            "npv",
            f"a rate, a schedule or one discount factor per year of flows ({flows.shape[-1]})",
            f"{factors.shape[-1]} discount factors",
            as_text=True,
        )
    result = flows @ factors
    return float(result) if np.ndim(result) == 0 else result


def irr(flows: Sequence[float] | np.ndarray) -> tuple[float, str]:
    """Internal rate of return, with a note when it is undefined (the value is then NaN) or negative.

    >>> irr([-100, 60, 60])
    (0.1306623862918075, '')
    >>> irr([100, 60, 60])
    (nan, 'not defined: benefits without any net cost')
    """
    flows = np.asarray(flows, dtype=float)
    nonzero = flows[np.abs(flows) > 1e-9]
    if nonzero.size == 0:
        return float("nan"), "not defined: no costs or benefits"
    if np.all(nonzero > 0):
        return float("nan"), "not defined: benefits without any net cost"
    if np.all(nonzero < 0):
        return float("nan"), "not defined: costs without any net benefit"
    value = float(npf.irr(flows))
    if np.isnan(value):
        return value, "not defined: no single rate sets the NPV to zero"
    return value, "negative: the benefits do not repay the costs even undiscounted" if value < 0 else ""


def discounted_payback(flows: Sequence[float] | np.ndarray, factors: np.ndarray) -> tuple[float, str]:
    """Years until the cumulative discounted net flow turns non-negative (interpolated within the year).

    Returns NaN and the reason when it does not within the horizon.

    >>> from cxmethods.methods.finance import discount_factors
    >>> years, note = discounted_payback([-100, 60, 60], discount_factors(0.0, 3)); round(years, 3), note
    (1.667, '')
    """
    cumulative = np.cumsum(np.asarray(flows, dtype=float) * factors)
    negative = np.flatnonzero(cumulative < 0)
    if negative.size == 0:
        return 0.0, ""
    t = int(negative[-1])  # the last year still in deficit
    if t == len(cumulative) - 1:
        return float("nan"), f"not within the {len(cumulative)}-year horizon"
    before, now = cumulative[t], cumulative[t + 1]
    return float(t + (-before) / (now - before)), ""


def benefit_cost_ratio(pv_costs: float, pv_cash: float, pv_noncash: float, convention: str = "green_book") -> tuple[float, str]:
    """The benefit-cost ratio of present values under one convention, and a note where it is not defined.

    ``pv_cash`` is benefits to the organisation's budget (savings), ``pv_noncash`` benefits to residents (their
    time). Both conventions give the same NPV, ``pv_cash + pv_noncash - pv_costs``; they differ in where the
    savings go:

    - ``"green_book"`` (HM Treasury, *The Green Book*, 2022, section 5 and annex A: "the ratio of the present
      value of benefits to the present value of costs"): ``(pv_cash + pv_noncash) / pv_costs``;
    - ``"dft"`` (Department for Transport, *Value for Money Framework*, 2015 and 2024, and TAG unit A1.1, where
      the present value of costs is the cost to the broad public-sector budget net of revenues and savings):
      ``pv_noncash / (pv_costs - pv_cash)``. When the savings repay the costs (net cost 0 or less) the ratio is
      not defined; the framework then places a scheme with positive benefits in the top category.

    Returns
    -------
    (ratio, note)
        The ratio, or NaN with the reason (``"no costs"``, ``"net saving to the budget"``).

    >>> benefit_cost_ratio(100.0, 60.0, 90.0)
    (1.5, '')
    >>> benefit_cost_ratio(100.0, 60.0, 90.0, "dft")
    (2.25, '')
    """
    check_one_of(convention, "convention", "benefit_cost_ratio", tuple(BCR_CONVENTIONS))
    if pv_costs <= 0:
        return float("nan"), "no costs"
    if convention == "green_book":
        return (pv_cash + pv_noncash) / pv_costs, ""
    net_cost = pv_costs - pv_cash
    if net_cost <= 0:
        return float("nan"), "net saving to the budget"
    return pv_noncash / net_cost, ""
