"""Workbook 05: try an initiative out before rolling it out: size the pilot, choose the sites, judge the result.

A genuine pilot runs its course in a few sites against a comparison group, with a success measure and
target fixed in advance (HM Treasury, *Magenta Book*, 2020; Cabinet Office, *Trying it out*, 2003).

>>> sample_size_proportions(0.70, 0.05)  # first-contact resolution from 70% to 75%
1248
>>> pilot_duration(1248, 400, 150).weeks  # the comparison sites are the slower to fill
9
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from scipy.stats import norm

from cxmethods.core.checks import check_int, check_number, parameter_error
from cxmethods.core.errors import CxmError

__all__ = [
    "ClusterDidResult",
    "DidResult",
    "PilotDuration",
    "areas_needed",
    "choose_sites",
    "design_effect",
    "evaluate_did",
    "evaluate_did_clusters",
    "fewest_areas_for_inference",
    "minimum_detectable_effect",
    "minimum_detectable_effect_did",
    "minimum_detectable_effect_means",
    "pilot_duration",
    "sample_size_did",
    "sample_size_means",
    "sample_size_proportions",
    "simulate_pilot",
]

GROUPS, PERIODS = ("pilot", "comparison"), ("before", "after")


def _change(func: str, name: str, value, what: str) -> float:
    """A non-zero change (``mde``, a target), which may be either sign."""
    change = check_number(value, name, func, expected=what)
    if change == 0:
        raise parameter_error(name, func, what, value)
    return change


def _columns(func: str, table: pd.DataFrame, wanted: list, what: str) -> None:
    if absent := [c for c in dict.fromkeys(wanted) if c not in table.columns]:
        raise CxmError(
            f"{func}: the {what} no column {', '.join(map(repr, absent))}. The columns are {', '.join(map(str, table.columns))}."
        )


def _z_sum(func: str, alpha, power, two_sided: bool) -> float:
    alpha = check_number(alpha, "alpha", func, low=0, high=1, closed="neither")
    power = check_number(power, "power", func, low=0, high=1, closed="neither")
    z = float(norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha) + norm.ppf(power))
    if z <= 0:
        raise parameter_error("power", func, f"larger than the chance of a false alarm (alpha {alpha:g})", power)
    return z


def _ceil(x: float) -> int:
    return math.ceil(x - 1e-9 * max(1.0, x))  # float noise (385.0000000001) must not add a contact


def sample_size_proportions(
    p0: float, mde: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0, two_sided: bool = True
) -> int:
    """Contacts needed in the pilot group to detect an absolute change ``mde`` in a proportion from ``p0``.

    The comparison group needs ``ratio`` times as many. Normal approximation with unpooled variances
    (Fleiss): with ``p1 = p0 + mde``, ``n = (z_a + z_b)^2 (p1 (1 - p1) + p0 (1 - p0) / ratio) / mde^2``
    rounded up, ``z_a`` the normal quantile at ``1 - alpha/2`` (``1 - alpha`` one-sided) and ``z_b`` at
    ``power``. The pooled-variance formula gives a few more (388 rather than 385 for 50% to 60%).

    This compares two groups. A before/after pilot (:func:`evaluate_did`) has four cells: with plentiful
    history before, this n holds; if "before" is as small as "after", each cell needs about twice it.

    >>> sample_size_proportions(0.5, 0.1)
    385
    """
    func = "sample_size_proportions"
    p0 = check_number(p0, "p0", func, low=0, high=1, closed="neither")
    what = f"a non-zero change that keeps p0 + mde between 0 and 1 (p0 is {p0:g})"
    mde = _change(func, "mde", mde, what)
    if not 0 < p0 + mde < 1:  # on the sum itself: 1 - 0.7 is not 0.3 in floating point
        raise parameter_error("mde", func, what, mde)
    ratio, z = check_number(ratio, "ratio", func, low=0, closed="neither"), _z_sum(func, alpha, power, two_sided)
    p1 = p0 + mde
    return _ceil(z**2 * (p1 * (1 - p1) + p0 * (1 - p0) / ratio) / mde**2)


def minimum_detectable_effect(
    p0: float, n: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0, two_sided: bool = True
) -> float:
    """The smallest absolute rise from ``p0`` that ``n`` contacts in the pilot group can detect.

    Solves the formula of :func:`sample_size_proportions` for ``mde`` exactly (it is a quadratic); for
    a fall, pass ``1 - p0``. Raises if even a rise to 100% would go undetected.

    >>> round(minimum_detectable_effect(0.5, 385), 4)
    0.0999
    """
    func = "minimum_detectable_effect"
    p0 = check_number(p0, "p0", func, low=0, high=1, closed="neither")
    n, ratio = check_number(n, "n", func, low=0, closed="neither"), check_number(ratio, "ratio", func, low=0, closed="neither")
    z2 = _z_sum(func, alpha, power, two_sided) ** 2
    # n d^2 = z2 (p1 q1 + p0 q0 / ratio) with p1 = p0 + d, as a d^2 + b d + c = 0 with c < 0: one positive root.
    a, b, c = n + z2, -z2 * (1 - 2 * p0), -z2 * p0 * (1 - p0) * (1 + 1 / ratio)
    d = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    if d >= 1 - p0:
        raise parameter_error(
            "n", func, f"more than {z2 * p0 / (ratio * (1 - p0)):.0f} to detect any rise from p0 = {p0:g}", f"{n:g}", as_text=True
        )
    return d


def sample_size_means(
    sd: float, mde: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0, two_sided: bool = True
) -> int:
    """Contacts needed in the pilot group to detect a change ``mde`` in a mean (e.g. handling minutes).

    ``sd`` is the contact-level standard deviation, taken as equal in both groups; the comparison group
    needs ``ratio`` times as many: ``n = (z_a + z_b)^2 sd^2 (1 + 1/ratio) / mde^2``, rounded up. Tables
    based on the t distribution give one or two more (64 rather than 63 for half a standard deviation).

    >>> sample_size_means(1.0, 0.5)
    63
    """
    func = "sample_size_means"
    sd = check_number(sd, "sd", func, low=0, closed="neither")
    mde = _change(func, "mde", mde, "a non-zero change")
    ratio, z = check_number(ratio, "ratio", func, low=0, closed="neither"), _z_sum(func, alpha, power, two_sided)
    return _ceil(z**2 * sd**2 * (1 + 1 / ratio) / mde**2)


def minimum_detectable_effect_means(
    sd: float, n: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0, two_sided: bool = True
) -> float:
    """The smallest change in a mean that ``n`` contacts in the pilot group can detect (see :func:`sample_size_means`)."""
    func = "minimum_detectable_effect_means"
    sd, n = check_number(sd, "sd", func, low=0, closed="neither"), check_number(n, "n", func, low=0, closed="neither")
    ratio = check_number(ratio, "ratio", func, low=0, closed="neither")
    return _z_sum(func, alpha, power, two_sided) * sd * math.sqrt((1 + 1 / ratio) / n)


# --------------------------------------------------------------------------- four cells, and areas as clusters
#
# A difference in differences subtracts four cell means (pilot and comparison, before and after). With n
# independent contacts in each cell its variance is the sum of the four cells' variances over n:
# (3 v0 + v1) / n for a proportion, three cells at the baseline p0 (v0 = p0 (1 - p0)) and the pilot's after cell
# at p0 + d (v1), so 4 sd^2 / n when the variances are equal: twice a two-group comparison's 2 sd^2 / n. The
# pilot detects d with the given power when d^2 = (z_a + z_b)^2 (3 v0 + v1) / n.
#
# Contacts in one area and period are not independent (the same staff, the same week's backlog, the same
# local news), so each cell's variance is multiplied by the design effect 1 + (m - 1) ICC, m the contacts an
# area has in the period (Kish, *Survey Sampling*, 1965; Donner and Klar, *Design and Analysis of Cluster
# Randomization Trials*, 2000). An area's lasting difference from the others cancels in the difference in
# differences; the ICC that matters is that of what moves an area in one period and not the other, which
# one area per arm cannot estimate at all.


def design_effect(contacts_per_area: float, icc: float) -> float:
    """The variance inflation of a mean over areas: ``1 + (m - 1) icc``, ``m`` the contacts an area has.

    >>> design_effect(2000, 0.001)  # even a tiny ICC matters when areas are large
    2.999
    """
    func = "design_effect"
    m = check_number(contacts_per_area, "contacts_per_area", func, low=1)
    icc = check_number(icc, "icc", func, low=0, high=1, closed="left")
    return 1 + (m - 1) * icc


def _did_variance(p0: float, d: float) -> float:
    """The four cells' variances summed (times n): three at ``p0``, the pilot's after cell at ``p0 + d``."""
    return 3 * p0 * (1 - p0) + (p0 + d) * (1 - p0 - d)


def _proportion_change(func: str, p0, effect) -> tuple[float, float]:
    p0 = check_number(p0, "p0", func, low=0, high=1, closed="neither")
    what = f"a non-zero change that keeps p0 + effect between 0 and 1 (p0 is {p0:g})"
    effect = _change(func, "effect", effect, what)
    if not 0 < p0 + effect < 1:
        raise parameter_error("effect", func, what, effect)
    return p0, effect


def sample_size_did(p0: float, effect: float, *, alpha: float = 0.05, power: float = 0.8, two_sided: bool = True) -> int:
    """Independent contacts needed in each of the four cells of a difference in differences.

    ``n = (z_a + z_b)^2 (3 v0 + v1) / effect^2`` rounded up, with ``v0 = p0 (1 - p0)`` for the three cells
    that stay at the baseline and ``v1`` for the pilot's after cell at ``p0 + effect`` (before periods as
    long as the pilot's). With equal variances this is twice :func:`sample_size_proportions`. Contacts
    within an area are not independent: see :func:`areas_needed` for what that asks of the design.

    >>> sample_size_did(0.7, 0.05)
    2567
    """
    func = "sample_size_did"
    p0, effect = _proportion_change(func, p0, effect)
    z = _z_sum(func, alpha, power, two_sided)
    return _ceil(z**2 * _did_variance(p0, effect) / effect**2)


def minimum_detectable_effect_did(
    p0: float,
    n_per_cell: float,
    *,
    areas_per_arm: int = 1,
    icc: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
    two_sided: bool = True,
) -> float:
    """The smallest rise from ``p0`` a difference in differences with ``n_per_cell`` contacts a cell can detect.

    Exact for the four cells: solves ``d^2 n / deff = z^2 (3 v0 + v1(d))`` (a quadratic in ``d``), where
    ``deff`` is :func:`design_effect` for ``n_per_cell / areas_per_arm`` contacts an area and ``icc``
    (``icc=0``: contacts independent). For a fall, pass ``1 - p0``. Raises if even a rise to 100% would
    go undetected.

    >>> round(minimum_detectable_effect_did(0.7, 2567), 4)
    0.05
    >>> round(minimum_detectable_effect_did(0.7, 2567, icc=0.001), 4)  # one area an arm, ICC 0.001
    0.0931
    """
    func = "minimum_detectable_effect_did"
    p0 = check_number(p0, "p0", func, low=0, high=1, closed="neither")
    n = check_number(n_per_cell, "n_per_cell", func, low=0, closed="neither")
    k = check_int(areas_per_arm, "areas_per_arm", func, low=1)
    icc = check_number(icc, "icc", func, low=0, high=1, closed="left")
    z2 = _z_sum(func, alpha, power, two_sided) ** 2
    n_eff = n / (1 + max(n / k - 1, 0) * icc)
    # n_eff d^2 = z2 (4 p0 q0 + (1 - 2 p0) d - d^2): a d^2 + b d + c = 0 with c < 0, one positive root
    a, b, c = n_eff + z2, -z2 * (1 - 2 * p0), -4 * z2 * p0 * (1 - p0)
    d = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    if d >= 1 - p0:
        raise parameter_error(
            "n_per_cell",
            func,
            f"larger (with {k} area(s) an arm and ICC {icc:g}) to detect any rise from p0 = {p0:g}",
            f"{n:g}",
            as_text=True,
        )
    return d


def fewest_areas_for_inference(alpha: float = 0.05, *, two_sided: bool = True) -> int:
    """The fewest areas an arm for which randomisation inference can reach ``alpha`` at all.

    With ``k`` pilot and ``k`` comparison areas there are C(2k, k) ways to assign them, and the observed one
    is at best the most extreme (two-sided, with its mirror image): the p-value is never below
    ``2 / C(2k, k)``. One area an arm gives 1: no evidence is possible, whatever the contacts.

    >>> fewest_areas_for_inference(0.05)
    4
    """
    func = "fewest_areas_for_inference"
    alpha = check_number(alpha, "alpha", func, low=0, high=1, closed="neither")
    k = 1
    while (2 if two_sided else 1) / math.comb(2 * k, k) > alpha:
        k += 1
    return k


def areas_needed(
    p0: float,
    effect: float,
    contacts_per_area: float,
    *,
    icc: float,
    alpha: float = 0.05,
    power: float = 0.8,
    two_sided: bool = True,
) -> int:
    """Areas an arm (pilot and comparison alike) for a difference in differences to detect ``effect``.

    Each cell's mean is over ``k`` areas of ``m = contacts_per_area`` contacts, so the variance of the
    difference in differences is ``deff (3 v0 + v1) / (k m)`` with ``deff = 1 + (m - 1) icc``:
    ``k = (z_a + z_b)^2 deff (3 v0 + v1) / (m effect^2)`` rounded up, and never fewer than
    :func:`fewest_areas_for_inference`, below which no evaluation over areas can reach ``alpha``. As
    ``m`` grows, ``k`` falls only to ``z^2 icc (3 v0 + v1) / effect^2``: more contacts cannot replace areas.

    >>> areas_needed(0.7, 0.05, 2000, icc=0.01)
    27
    """
    func = "areas_needed"
    p0, effect = _proportion_change(func, p0, effect)
    deff = design_effect(contacts_per_area, icc)
    z = _z_sum(func, alpha, power, two_sided)
    k = _ceil(z**2 * deff * _did_variance(p0, effect) / (float(contacts_per_area) * effect**2))
    return max(k, fewest_areas_for_inference(alpha, two_sided=two_sided))


@dataclass(frozen=True)
class PilotDuration:
    """How long a pilot must run: ``weeks``, with the weeks each group needs and the contacts expected by then."""

    weeks: int
    weeks_pilot: int
    weeks_comparison: int
    pilot_contacts: float
    comparison_contacts: float
    note: str


def pilot_duration(
    n_per_group: float, weekly_pilot: float, weekly_comparison: float, *, ratio: float = 1.0, min_weeks: int = 4
) -> PilotDuration:
    """Weeks until the pilot sites have ``n_per_group`` contacts and the comparison sites ``ratio`` times that.

    Never fewer than ``min_weeks``: demand and performance move with the weekday, paydays, the month end
    and collection rounds, and people act differently while a change is new, so a pilot that fills its
    sample in a week or two may have measured an odd fortnight, not the change. Four weeks covers a
    monthly cycle; a genuine pilot runs its course.
    """
    func = "pilot_duration"
    n = check_number(n_per_group, "n_per_group", func, low=0, closed="neither")
    never = "a number > 0 (with no contacts a week the sample is never reached)"
    weekly_pilot = check_number(weekly_pilot, "weekly_pilot", func, low=0, closed="neither", expected=never)
    weekly_comparison = check_number(weekly_comparison, "weekly_comparison", func, low=0, closed="neither", expected=never)
    ratio, min_weeks = check_number(ratio, "ratio", func, low=0, closed="neither"), check_int(min_weeks, "min_weeks", func, low=1)
    need = {
        "pilot": (n, weekly_pilot, _ceil(n / weekly_pilot)),
        "comparison": (ratio * n, weekly_comparison, _ceil(ratio * n / weekly_comparison)),
    }
    slow, fast = ("comparison", "pilot") if need["comparison"][2] >= need["pilot"][2] else ("pilot", "comparison")
    weeks = max(need[slow][2], min_weeks)
    if need[slow][2] < min_weeks:
        note = (
            f"Run the pilot for {weeks} weeks: the sample needs only {need[slow][2]}, but a pilot shorter than "
            f"{min_weeks} full weeks risks catching an unusual week, or only the novelty of the change."
        )
    else:
        note = (
            f"Run the pilot for {weeks} weeks: the {slow} sites need {weeks} weeks to reach {need[slow][0]:,.0f} "
            f"contacts at {need[slow][1]:,.0f} a week (the {fast} sites need {need[fast][2]})."
        )
    if weeks > 26:
        note += " That is over six months: consider more pilot sites, or a larger detectable effect."
    return PilotDuration(weeks, need["pilot"][2], need["comparison"][2], weeks * weekly_pilot, weeks * weekly_comparison, note)


def choose_sites(
    units: pd.DataFrame,
    *,
    unit: str,
    volume: str,
    metrics: Sequence[str],
    min_volume: float,
    n_pilots: int = 1,
    n_comparisons: int = 1,
) -> pd.DataFrame:
    """Pilot sites typical of the whole population, each matched with the most similar comparison site(s).

    ``units`` has a row per candidate site (an area, a channel) with its name, weekly contact volume and
    metrics (e.g. ``fcr_rate``, ``repeat_share``). Sites with a volume of at least ``min_volume`` are
    eligible. Each metric becomes a z-score: minus the volume-weighted mean of all sites, over the
    standard deviation between sites (a metric that does not vary drops out). Pilots are the
    ``n_pilots`` eligible sites nearest the weighted mean; then each pilot, most typical first, takes
    the ``n_comparisons`` nearest eligible sites not yet taken (Euclidean distance of z-scores).

    Returns
    -------
    DataFrame
        ``unit``; ``role`` (``pilot``, ``comparison``, ``not chosen``, ``not eligible``); ``matched_with`` (a
        pilot's comparisons joined by ", ", a comparison's pilot, else missing); ``volume``;
        ``distance_to_population``; ``distance_to_pilot`` (0 for a pilot, to its pilot for a comparison,
        to the nearest pilot otherwise); the metrics; ``reason``. Each pilot comes with its comparisons,
        then the rest, most typical first. ``attrs["population"]`` holds the weighted means.
    """
    func = "choose_sites"
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if not metrics:
        raise parameter_error("metrics", func, "a column name or a list of at least one", metrics)
    _columns(func, units, [unit, volume, *metrics], "units table has")
    min_volume = check_number(min_volume, "min_volume", func)
    n_pilots, n_comparisons = check_int(n_pilots, "n_pilots", func, low=1), check_int(n_comparisons, "n_comparisons", func, low=0)
    table = units.reset_index(drop=True)
    names = table[unit]
    if len(repeated := names[names.duplicated()].unique()):
        raise CxmError(f"{func}: column {unit!r} must name each site once; repeated: {', '.join(map(str, repeated))}.")
    vol = pd.to_numeric(table[volume], errors="coerce")
    values = table[metrics].apply(pd.to_numeric, errors="coerce")
    for column, bad, rule in [
        (volume, vol.isna() | (vol < 0), "a number of 0 or more"),
        *[(m, values[m].isna(), "a number") for m in metrics],
    ]:
        if bad.any():
            raise CxmError(
                f"{func}: column {column!r} must be {rule} for every site; it is not for "
                f"{', '.join(map(str, names[bad][:5]))}. Fix: fill it in, or drop those sites."
            )
    eligible = (vol >= min_volume).to_numpy()
    if not eligible.any():
        raise CxmError(
            f"{func}: no site is eligible: the minimum weekly volume is {min_volume:g} and the largest "
            # pandas-stubs type the label idxmax() returns as Hashable, which Series[] does not take
            f"seen is {vol.max():g} ({names[vol.idxmax()]}). Fix: lower min_volume, or combine small sites."  # type: ignore[call-overload]
        )
    if eligible.sum() < (needed := n_pilots * (1 + n_comparisons)):
        raise CxmError(
            f"{func} needs {needed} eligible sites ({n_pilots} pilot(s), each with {n_comparisons} "
            f"comparison(s)) but only {eligible.sum()} have a weekly volume of at least {min_volume:g}: "
            f"{', '.join(map(str, names[eligible]))}. Fix: lower min_volume, or ask for fewer sites."
        )

    centre = np.average(values, axis=0, weights=vol if vol.sum() > 0 else None)
    spread = values.std(ddof=1).fillna(0.0).to_numpy()
    z = (values.to_numpy() - centre) / np.where(spread > 0, spread, np.inf)  # a constant metric scores 0 everywhere
    to_population = np.sqrt((z**2).sum(axis=1))
    apart = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))  # site x site distances
    by_typicality = list(np.argsort(to_population, kind="stable"))
    pilots = [i for i in by_typicality if eligible[i]][:n_pilots]
    role = np.where(eligible, "not chosen", "not eligible").astype(object)
    role[pilots] = "pilot"
    matched = np.full(len(table), None, dtype=object)
    to_pilot = apart[:, pilots].min(axis=1)
    reason = np.where(eligible, "eligible, but less typical than the pilots and nearer to none of them", "").astype(object)
    reason[~eligible] = [f"weekly volume {v:g} is below the minimum of {min_volume:g}" for v in vol[~eligible]]
    order: list[int] = []
    for rank, p in enumerate(pilots, start=1):
        near = [i for i in np.argsort(apart[p], kind="stable") if role[i] == "not chosen"][:n_comparisons]
        matched[p], to_pilot[p] = ", ".join(str(names[c]) for c in near) or None, 0.0
        reason[p] = f"eligible and typical: rank {rank} of {eligible.sum()} by distance to the population"
        for c in near:
            role[c], matched[c], to_pilot[c] = "comparison", str(names[p]), apart[p, c]
            reason[c] = f"the eligible site most like pilot {names[p]} not already taken"
        order += [p, *near]
    order += [i for i in by_typicality if role[i] == "not chosen"] + [i for i in by_typicality if not eligible[i]]
    out = pd.DataFrame(
        {
            "unit": names,
            "role": role,
            "matched_with": matched,
            "volume": vol,
            "distance_to_population": to_population,
            "distance_to_pilot": to_pilot,
        }
    )
    out = pd.concat([out, values, pd.Series(reason, name="reason")], axis=1).iloc[order].reset_index(drop=True)
    out.attrs["population"] = dict(zip(metrics, centre.tolist()))
    return out


@dataclass(frozen=True, eq=False)  # eq=False: a generated __eq__ would ask a DataFrame for its truth value
class DidResult:
    """A difference in differences: ``effect``, its ``se``, the ``level`` interval, the two-sided p-value,
    ``cells`` (``group``, ``period``, ``n``, ``mean``), the ``outcome`` column and whether it was 0/1
    (``binary``: the effect is then a change in a proportion)."""

    effect: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    level: float
    cells: pd.DataFrame
    outcome: str = "the outcome"
    binary: bool = False

    def verdict(self, target: float, *, label: str | None = None) -> str:
        """The result in plain language against ``target``, in the outcome's units (0.05 for 5 points).

        The target's sign says which way is better (-2: two minutes less). ``label`` names the outcome
        (default: its column). "Real" means the interval excludes zero.
        """
        func = "DidResult.verdict"
        given, target = target, _change(func, "target", target, "a non-zero change in the outcome's units")
        if self.binary and abs(target) >= 1:
            raise parameter_error("target", func, "a change in a proportion, between -1 and 1 (5 points is 0.05)", given)
        name, unit = label or self.outcome.replace("_", " "), " points" if self.binary else ""

        def show(x: float) -> str:
            return f"{round(x * 100, 1):g}" if self.binary else f"{float(f'{x:.3g}'):g}"

        sign = -1 if self.effect < 0 else 1  # the interval is shown in the direction of the effect
        lo, hi = sorted((sign * self.ci_low, sign * self.ci_high))
        ci = f"({self.level:.0%} CI {show(lo)} to {show(hi)})"
        moved = "did not change" if self.effect == 0 else "raised" if sign > 0 else "lowered"
        head = f"The pilot {moved} {name}" + (f" by {show(abs(self.effect))}{unit}" if self.effect else "") + f" {ci}"
        low, high = sorted((math.copysign(1, target) * self.ci_low, math.copysign(1, target) * self.ci_high))
        goal, aim = f"the target of {show(abs(target))}{unit}", abs(target)
        if low >= aim:
            tail = f"the whole interval reaches {goal}; the pilot met its target."
        elif low > 0:
            tail = (
                f"{goal} is within the interval; the effect is real but may fall short of the target."
                if high >= aim
                else f"the effect is real but smaller than {goal}: the whole interval falls short of it."
            )
        elif high >= aim:
            tail = f"the interval holds both no effect and {goal}, so the pilot cannot tell yet; a larger or longer one could."
        elif high >= 0:
            tail = f"the interval holds no effect and stays short of {goal}; the pilot has not shown the change it sought."
        else:
            tail = f"the whole interval is on the wrong side of zero; the pilot made {name} worse."
        return f"{head}: {tail}"


def evaluate_did(
    data: pd.DataFrame, *, outcome: str, group: str = "group", period: str = "period", level: float = 0.95
) -> DidResult:
    """Difference in differences: (pilot after - pilot before) - (comparison after - comparison before).

    ``data`` has a row per contact (or per site and period): ``group`` in {pilot, comparison}, ``period``
    in {before, after}, a numeric or 0/1 ``outcome``. The comparison sites' change stands for what would
    have happened at the pilot sites anyway (parallel trends: check the before data). The standard
    error is the root of the sum of the four cells' variance / n, which equals OLS with a group x period
    interaction and HC2 robust errors; the interval is normal at ``level``, the p-value two-sided.
    Contacts at one site are not independent (same staff, same week), so with a few sites this interval
    is too narrow: read it as the least uncertainty there is, and prefer more sites to more contacts.

    >>> data = simulate_pilot(n_per_cell=4000, baseline=0.7, effect=0.05, trend=0.02, group_gap=-0.05)
    >>> evaluate_did(data, outcome="outcome").verdict(0.05, label="first-contact resolution")
    'The pilot raised first-contact resolution by 4 points (95% CI 1.2 to 6.9): the target of 5 points is within the interval; the effect is real but may fall short of the target.'
    """
    func = "evaluate_did"
    level = check_number(level, "level", func, low=0, high=1, closed="neither")
    _columns(func, data, [outcome, group, period], "data have")
    y = _checked_rows(func, data, outcome, group, period)
    frame = pd.DataFrame({"group": data[group].to_numpy(), "period": data[period].to_numpy(), "y": y.to_numpy(float)})
    full = pd.MultiIndex.from_product([GROUPS, PERIODS], names=["group", "period"])
    stats = frame.groupby(["group", "period"])["y"].agg(["size", "mean", "var"]).reindex(full)
    sizes = cast("Iterable[tuple[tuple[str, str], float]]", stats["size"].fillna(0).items())  # keyed by (group, period)
    for (g, p), n in sizes:
        if n < 2:
            raise CxmError(
                f"{func}: the {g} group has {int(n)} row(s) {p} the change; each of the four cells "
                "(pilot and comparison, before and after) needs at least 2."
            )
    m = stats["mean"]
    effect = float((m["pilot", "after"] - m["pilot", "before"]) - (m["comparison", "after"] - m["comparison", "before"]))
    if (se := math.sqrt((stats["var"] / stats["size"]).sum())) == 0:
        raise CxmError(f"{func}: outcome {outcome!r} does not vary within any cell, so its uncertainty cannot be estimated.")
    half = float(norm.ppf(0.5 + level / 2)) * se
    cells = stats[["size", "mean"]].rename(columns={"size": "n"}).reset_index().astype({"n": int})
    return DidResult(
        effect,
        se,
        effect - half,
        effect + half,
        float(2 * norm.sf(abs(effect) / se)),
        level,
        cells,
        outcome,
        bool(frame["y"].isin([0.0, 1.0]).all()),
    )


def _checked_rows(func: str, data: pd.DataFrame, outcome: str, group: str, period: str) -> pd.Series:
    """The outcome as numbers, after checking it and the group and period labels row by row."""
    raw = data[outcome]
    y = pd.to_numeric(raw.astype(float) if raw.dtype == bool else raw, errors="coerce")
    for bad, problem, fix in (
        (y.isna() & raw.notna(), "is not a number", "code it as numbers (1 = yes, 0 = no)"),
        (raw.isna(), "is missing", "drop those rows or fill them in"),
    ):
        if bad.any():
            raise CxmError(
                f"{func}: outcome {outcome!r} {problem} in {bad.sum()} row(s), e.g. index "
                f"{', '.join(map(str, data.index[bad][:5]))} ({raw[bad].iloc[0]!r}). Fix: {fix}."
            )
    for column, allowed in ((group, GROUPS), (period, PERIODS)):
        if (bad := ~data[column].isin(allowed)).any():
            found = ", ".join(map(repr, pd.unique(data.loc[bad, column])[:5]))
            raise CxmError(
                f"{func}: column {column!r} must hold only {allowed[0]!r} and {allowed[1]!r}. Got {found} "
                f"(index {', '.join(map(str, data.index[bad][:5]))}). Fix: relabel those rows."
            )
    return y


@dataclass(frozen=True)
class ClusterDidResult:
    """A difference in differences over areas, judged by randomisation inference.

    ``effect`` (mean change of the pilot areas minus that of the comparison areas, each area weighted
    equally), the two-sided ``p_value``, the areas in each arm, the ``assignments`` compared (all of them
    when ``exact``), the ``smallest_p`` the design can give at all, and a plain ``note``."""

    effect: float
    p_value: float
    pilot_areas: int
    comparison_areas: int
    assignments: int
    exact: bool
    smallest_p: float
    note: str


def evaluate_did_clusters(
    data: pd.DataFrame,
    *,
    outcome: str,
    area: str,
    group: str = "group",
    period: str = "period",
    alpha: float = 0.05,
    draws: int = 10_000,
    seed: int = 0,
) -> ClusterDidResult:
    """Difference in differences with the area as the unit, and a randomisation-inference p-value.

    Each area's change is its mean ``outcome`` after minus before; the effect is the pilot areas' mean
    change minus the comparison areas'. The p-value asks how often assigning the pilot label to other
    areas gives an effect at least as large (in size): every assignment when there are at most ``draws``
    of them (exact), else ``draws`` random ones from ``seed`` (``(1 + as large) / (1 + draws)``). It
    assumes nothing about how contacts in an area correlate and holds its size however few the areas
    (Fisher, 1935; Imbens and Rubin, *Causal Inference*, 2015, ch. 5), which a contact-level interval
    (:func:`evaluate_did`) does not. Its price: with ``k`` areas an arm the p-value can never fall below
    ``2 / C(2k, k)``, so one area an arm can show nothing (see :func:`fewest_areas_for_inference`).

    >>> rows = [
    ...     {"area": f"a{i}", "group": "pilot" if i < 4 else "comparison", "period": t, "outcome": y}
    ...     for i in range(8) for t, y in (("before", 0.5 + i / 100), ("after", 0.5 + i / 100 + (0.1 if i < 4 else 0)))
    ... ]
    >>> result = evaluate_did_clusters(pd.DataFrame(rows), outcome="outcome", area="area")
    >>> round(result.effect, 3), round(result.p_value, 4), result.assignments
    (0.1, 0.0286, 70)
    """
    func = "evaluate_did_clusters"
    _columns(func, data, [outcome, area, group, period], "data have")
    alpha = check_number(alpha, "alpha", func, low=0, high=1, closed="neither")
    draws, seed = check_int(draws, "draws", func, low=100), check_int(seed, "seed", func, low=0)
    y = _checked_rows(func, data, outcome, group, period)
    if (gone := data[area].isna()).any():
        raise CxmError(
            f"{func}: column {area!r} is missing in {gone.sum()} row(s), e.g. index "
            f"{', '.join(map(str, data.index[gone][:5]))}. Fix: name the area of every row."
        )
    frame = pd.DataFrame(
        {
            "area": data[area].to_numpy(),
            "group": data[group].to_numpy(),
            "period": data[period].to_numpy(),
            "y": y.to_numpy(float),
        }
    )
    arms = frame.groupby("area")["group"].agg(["nunique", "first"])
    if len(both := arms.index[arms["nunique"] > 1]):
        raise CxmError(
            f"{func}: an area is either a pilot or a comparison area, but {', '.join(map(str, both[:5]))} "
            f"{'has' if len(both) == 1 else 'have'} rows in both groups. Fix: correct column {group!r} for those areas."
        )
    means = frame.groupby(["area", "period"])["y"].mean().unstack("period").reindex(columns=list(PERIODS))
    if len(short := means.index[means.isna().any(axis=1)]):
        raise CxmError(
            f"{func}: each area needs rows both before and after the change; {', '.join(map(str, short[:5]))} "
            f"{'does' if len(short) == 1 else 'do'} not. Fix: add the missing period, or leave the area out."
        )
    change = (means["after"] - means["before"]).reindex(arms.index).to_numpy(float)
    is_pilot = (arms["first"] == "pilot").to_numpy()
    n, k = len(is_pilot), int(is_pilot.sum())
    if k == 0 or k == n:
        raise CxmError(
            f"{func}: there are no {'pilot' if k == 0 else 'comparison'} areas. Fix: each arm needs at least one area."
        )

    def effects(assigned: np.ndarray) -> np.ndarray:  # rows: assignments of the pilot label (booleans over areas)
        return (assigned @ change) / k - (~assigned @ change) / (n - k)

    observed = float(effects(is_pilot[None, :])[0])
    total = math.comb(n, k)
    tie = 1e-12 * max(1.0, abs(observed))  # equal effects computed in another order must count as equal
    if exact := total <= draws:
        assigned = np.zeros((total, n), dtype=bool)
        for row, chosen in enumerate(itertools.combinations(range(n), k)):
            assigned[row, list(chosen)] = True
        p_value = float(np.mean(np.abs(effects(assigned)) >= abs(observed) - tie))
    else:  # a fixed seed, so the same data always give the same p-value
        assigned = np.random.default_rng(seed).permuted(np.tile(is_pilot, (draws, 1)), axis=1)
        p_value = (1 + int(np.sum(np.abs(effects(assigned)) >= abs(observed) - tie))) / (1 + draws)
    smallest = (2 if k == n - k else 1) / total
    if smallest > alpha:
        note = (
            f"With {k} pilot and {n - k} comparison area(s) there are only {total} ways to assign them, so no "
            f"result can reach a p-value below {smallest:.2g} (alpha {alpha:g}): the design cannot estimate how much "
            f"areas vary by themselves and cannot show an effect. Use at least {fewest_areas_for_inference(alpha)} areas an arm."
        )
    else:
        note = (
            f"{k} pilot and {n - k} comparison areas; p-value {p_value:.3g} from "
            f"{'all ' if exact else ''}{total if exact else draws:,} assignments"
            f"{'' if exact else ' drawn at random'}: the effect is "
            f"{'unlikely' if p_value <= alpha else 'not unlikely'} to be chance at alpha {alpha:g}."
        )
    return ClusterDidResult(observed, p_value, k, n - k, total if exact else draws, exact, smallest, note)


def simulate_pilot(
    *,
    n_per_cell: int,
    baseline: float,
    effect: float,
    trend: float = 0.0,
    group_gap: float = 0.0,
    binary: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """Made-up pilot data with a known answer, for tests and training: ``group``, ``period``, ``outcome``.

    Pilot sites start at ``baseline``, comparison sites at ``baseline + group_gap``; both move by
    ``trend``, and the pilot sites also gain ``effect`` after the change. The outcome is 0/1 with those
    probabilities or, if not ``binary``, normal with those means and standard deviation 1.
    """
    func = "simulate_pilot"
    n = check_int(n_per_cell, "n_per_cell", func, low=2)
    baseline, effect = check_number(baseline, "baseline", func), check_number(effect, "effect", func)
    trend, gap = check_number(trend, "trend", func), check_number(group_gap, "group_gap", func)
    means = {
        ("pilot", "before"): baseline,
        ("pilot", "after"): baseline + trend + effect,
        ("comparison", "before"): baseline + gap,
        ("comparison", "after"): baseline + gap + trend,
    }
    rng, frames = np.random.default_rng(seed), []
    for (g, p), mean in means.items():
        if binary and not 0 <= mean <= 1:
            raise CxmError(
                f"{func}: the {g} group's proportion {p} the change would be {mean:g}, outside 0 to 1. "
                "Fix: choose baseline, trend, group_gap and effect that keep every cell a proportion."
            )
        y = rng.binomial(1, mean, n) if binary else rng.normal(mean, 1.0, n)
        frames.append(pd.DataFrame({"group": g, "period": p, "outcome": y}))
    return pd.concat(frames, ignore_index=True)
