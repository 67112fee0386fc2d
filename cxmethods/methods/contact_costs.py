"""What contacts cost, defined once for workbook 02 (failure demand) and workbook 04 (the baseline).

Both workbooks state the cost of failure demand and a year of contacts; they read them from these
functions so the figures agree: the same annualisation of the engagement's period (:func:`per_year`),
the same cost of a contact (its channel's cost, weighted by its reason's handling time,
:func:`cost_weights`), and the same prices: the costs per contact converted from their price year to the
engagement's price base (:func:`unit_costs`, :mod:`cxmethods.methods.prices`).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.methodology.benchmarks import Benchmarks, Cost, load_benchmarks
from cxmethods.methods.prices import PriceBase, price_base

__all__ = ["cost_price_year", "cost_weights", "cost_year", "engagement_benchmarks", "failure_costs", "per_year", "unit_costs"]


def engagement_benchmarks(engagement: Engagement) -> Benchmarks:
    """The engagement's benchmarks: ``settings.business_case.benchmarks``, else ``templates/benchmarks.yaml``."""
    own = engagement.settings.business_case.benchmarks
    return load_benchmarks(engagement.resolve(own) if own else None)


def cost_price_year(engagement: Engagement, bench: Benchmarks) -> int | None:
    """The price year of the costs per contact :func:`unit_costs` uses: the engagement's own costs'
    (``settings.voc.unit_costs_price_year``; None: the price base year), else the benchmarks' ``price_year``."""
    if engagement.settings.voc.unit_costs:
        return engagement.settings.voc.unit_costs_price_year
    return bench.channel_costs.price_year


def unit_costs(engagement: Engagement, base: PriceBase | None = None) -> dict[str, float]:
    """Cost per contact by channel in the engagement's price base: its own (``settings.voc.unit_costs``), else, for
    an engagement in the benchmarks' currency, the benchmarks' (``templates/benchmarks.yaml`` or
    ``settings.business_case.benchmarks``); else none (costs left empty). Each is converted from its price year
    (:func:`cost_price_year`) to the price base (``base``, default :func:`~cxmethods.methods.prices.price_base`)."""
    own = dict(engagement.settings.voc.unit_costs)
    bench = engagement_benchmarks(engagement)
    if not own and engagement.currency != bench.channel_costs.currency:
        return {}
    base = base or price_base(engagement)
    if own:
        factor = base.factor(cost_price_year(engagement, bench))
        return {channel: cost * factor for channel, cost in own.items()}
    return {channel: cost.cost * base.factor(cost_year(bench, cost)) for channel, cost in bench.channel_costs.costs.items()}


def cost_year(bench: Benchmarks, cost: Cost) -> int:
    """A benchmark cost's price year: its own (``price_year`` on the entry), else its block's."""
    return cost.price_year if cost.price_year is not None else bench.channel_costs.price_year


def per_year(start: date, end: date) -> float:
    """The factor that turns counts over the period ``start`` to ``end`` (both days included) into a year's.

    A period of whole calendar years (1 April to 31 March) is that many years, whatever its number of days,
    so a year's log is its own year (factor 1), not 365.25/365 of it; any other period is ``days / 365.25`` years.

    >>> per_year(date(2025, 4, 1), date(2026, 3, 31)), per_year(date(2024, 1, 1), date(2025, 12, 31))
    (1.0, 0.5)
    >>> round(per_year(date(2025, 4, 1), date(2025, 9, 30)), 3)  # 183 days
    1.996
    """
    days = (end - start).days + 1
    years = end.year - start.year + 1
    while years > 0:
        try:
            last = start.replace(year=start.year + years)
        except ValueError:  # 29 February: the year after ends on 28 February
            last = date(start.year + years, 3, 1)
        if (last - end).days == 1:
            return 1.0 / years
        years -= 1
    return 365.25 / days


def cost_weights(volumes: pd.DataFrame) -> pd.Series:
    """Each row's handling time relative to its channel's contact-weighted mean (1 where minutes are unknown).

    ``volumes`` has ``channel``, ``contacts`` and, optionally, ``mean_handling_minutes`` (workbook 02's volumes).
    A 20-minute benefits call then costs more than a 3-minute bin report on the same channel; over all of a
    channel's contacts the weights average 1, so the channel's total cost is unchanged.

    >>> v = pd.DataFrame({"channel": ["phone", "phone"], "contacts": [100, 300], "mean_handling_minutes": [10.0, 2.0]})
    >>> cost_weights(v).round(3).tolist()
    [2.5, 0.5]
    """
    if "mean_handling_minutes" not in volumes or volumes["mean_handling_minutes"].isna().all():
        return pd.Series(1.0, index=volumes.index)
    minutes = pd.to_numeric(volumes["mean_handling_minutes"], errors="coerce")
    known = minutes.notna() & (minutes > 0)
    weighted = (minutes.where(known, 0) * volumes["contacts"]).groupby(volumes["channel"]).transform("sum")
    counted = volumes["contacts"].where(known, 0).groupby(volumes["channel"]).transform("sum")
    mean = weighted / counted.replace(0, np.nan)
    return (minutes / mean).where(known & mean.notna(), 1.0)


def failure_costs(volumes: pd.DataFrame, unit_costs: dict[str, float]) -> pd.Series:
    """What failure demand costs by channel: failure contacts x the channel's cost per contact x :func:`cost_weights`.

    ``volumes``: ``channel``, ``contacts``, ``failure_contacts`` and optionally ``mean_handling_minutes``.
    A channel without a cost per contact has no cost (NaN), rather than a cost of 0.

    >>> v = pd.DataFrame({"channel": ["phone", "phone", "post"], "contacts": [100, 300, 10],
    ...                   "failure_contacts": [50, 30, 5], "mean_handling_minutes": [10.0, 2.0, None]})
    >>> failure_costs(v, {"phone": 2.0}).to_dict()  # 50 x 2 x 2.5 + 30 x 2 x 0.5; post has no cost
    {'phone': 280.0, 'post': nan}
    """
    cost = volumes["failure_contacts"] * cost_weights(volumes) * volumes["channel"].map(unit_costs)
    return cost.groupby(volumes["channel"]).sum(min_count=1).rename("failure_cost")
