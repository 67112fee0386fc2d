"""Risk in the business case: one-at-a-time sensitivity (tornado), switching values and Monte Carlo.

Generic: ``model(values)`` gets ``{assumption name: array of n values}`` (every assumption, shape (n,),
read-only) and returns the NPV of k outputs in each of the n scenarios, shape (n, k); each function sends
it all its scenarios in one batch. The assumptions table has a row per assumption: ``name`` (unique),
``value`` (base case), ``low`` and ``high`` (the range considered; empty or equal to the value: not
uncertain; one end empty: that end is the value), ``min`` and ``max`` (hard bounds, e.g. 0 and 1 for a
share; empty: none), optional ``distribution`` (``pert``, ``triangular``, ``fixed``; empty: the default).
Other columns (unit, source, ...) are carried through to the tables by assumption.

>>> import numpy as np, pandas as pd
>>> table = pd.DataFrame({"name": ["benefit", "cost"], "value": [30.0, 100.0], "low": [20.0, 90.0],
...                       "high": [40.0, 130.0], "min": [0.0, 0.0], "max": [np.nan, np.nan]})
>>> def model(v):  # five years of a yearly benefit, against a cost now
...     return (5 * v["benefit"] - v["cost"])[:, None]
>>> tornado(table, model, ["pilot"])[["assumption", "npv_low", "npv_high", "swing"]]
  assumption  npv_low  npv_high  swing
0    benefit      0.0     100.0  100.0
1       cost     60.0      20.0   40.0
>>> switching_values(table, model, ["pilot"])[["assumption", "switching_value", "within_range"]]
  assumption  switching_value  within_range
0    benefit             20.0          True
1       cost            150.0         False
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from cxmethods.core.checks import check_bool, check_int, check_one_of, parameter_error
from cxmethods.core.errors import ConfigError, CxmError, Problem

__all__ = ["DISTRIBUTIONS", "MonteCarlo", "monte_carlo", "sentence_number", "switching_values", "tornado"]

#: Distributions a Monte Carlo can draw an assumption from.
DISTRIBUTIONS = ("pert", "triangular", "fixed")

Model = Callable[[dict[str, np.ndarray]], np.ndarray]

_KNOWN = ("name", "value", "low", "high", "min", "max", "distribution")
# Switching-value grid: offsets from the base as shares of the distance to the edge of the search,
# geometric near the base (a crossing close to it is not stepped over) and even further out.
_OFFSETS = np.unique(np.concatenate([np.geomspace(1e-6, 1.0, 48), np.linspace(0.0, 1.0, 33)[1:]]))


@dataclass(frozen=True)
class _Table:
    names: list[str]
    value: np.ndarray
    low: np.ndarray  # the value where not given
    high: np.ndarray
    lower: np.ndarray  # hard bounds; -inf / inf where not given
    upper: np.ndarray
    distribution: list[str]  # "": the function's default
    extra: pd.DataFrame  # columns carried through

    def uncertain(self) -> np.ndarray:
        return np.nonzero(self.low < self.high)[0]


def _read(assumptions: pd.DataFrame, caller: str) -> _Table:
    """The validated table; every problem in it is reported at once."""
    if not isinstance(assumptions, pd.DataFrame) or assumptions.empty or not {"name", "value"} <= set(assumptions.columns):
        got = (
            f"columns {list(map(str, assumptions.columns))} and {len(assumptions)} rows"
            if isinstance(assumptions, pd.DataFrame)
            else type(assumptions).__name__
        )
        raise parameter_error(
            "assumptions",
            caller,
            "a table with a row per assumption and columns name, value (and usually low, high, min, max)",
            got,
            as_text=True,
        )
    frame = assumptions.reset_index(drop=True)
    names = ["" if pd.isna(n) else str(n).strip() for n in frame["name"]]
    problems: list[Problem] = []

    def bad(i: int, message: str, fix: str) -> None:
        where = f"assumption '{names[i]}'" if names[i] else f"row {i + 1} of the assumptions table"
        problems.append(Problem(where, message, fix))

    num, not_numbers = {}, set()
    for column in ("value", "low", "high", "min", "max"):
        raw = frame[column] if column in frame else pd.Series(np.nan, index=frame.index)
        num[column] = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        given = raw.notna().to_numpy() & raw.astype(str).str.strip().ne("").to_numpy()
        for i in np.nonzero(np.isnan(num[column]) & given)[0].tolist():
            bad(i, f"{column} is {raw.iloc[i]!r}, not a number.", "Write a plain number.")
            not_numbers.add(i)
    value = num["value"]
    low, high = np.where(np.isnan(num["low"]), value, num["low"]), np.where(np.isnan(num["high"]), value, num["high"])
    lower, upper = np.nan_to_num(num["min"], nan=-np.inf), np.nan_to_num(num["max"], nan=np.inf)
    raw = frame["distribution"] if "distribution" in frame else pd.Series("", index=frame.index)
    distribution = ["" if pd.isna(d) else str(d).strip().lower() for d in raw]
    counts = pd.Series(names).value_counts()
    for i, name in enumerate(names):
        if not name or (counts[name] > 1 and names.index(name) == i):
            bad(
                i,
                "the assumption has no name." if not name else f"the name appears {counts[name]} times.",
                "Give every assumption a unique name.",
            )
        v, lo, hi, bounds = value[i], low[i], high[i], f"[{sentence_number(lower[i])}, {sentence_number(upper[i])}]"
        if np.isnan(v):
            if i not in not_numbers:
                bad(i, "there is no base value.", "Fill in the value column.")
        elif lower[i] > upper[i]:
            bad(i, f"min is above max: {bounds}.", "Swap or correct the bounds.")
        elif not lower[i] <= v <= upper[i]:
            bad(
                i,
                f"the base value {sentence_number(v)} is outside its bounds {bounds}.",
                "Correct the value or the bounds (min, max).",
            )
        elif lo > v or hi < v:
            bad(
                i,
                f"low {sentence_number(lo)} is above the base value {sentence_number(v)}."
                if lo > v
                else f"high {sentence_number(hi)} is below the base value {sentence_number(v)}.",
                "Make low <= value <= high, or leave low and high empty if it is not uncertain.",
            )
        elif lo < lower[i] or hi > upper[i]:
            bad(
                i,
                f"the range {sentence_number(lo)} to {sentence_number(hi)} goes outside its bounds {bounds}.",
                "Narrow the range or correct min and max.",
            )
        if distribution[i] not in ("", *DISTRIBUTIONS):
            bad(
                i,
                f"distribution must be one of {', '.join(DISTRIBUTIONS)} or empty. Got {distribution[i]!r} instead.",
                "Correct the distribution column.",
            )
    if problems:
        raise ConfigError(problems, title="The assumptions table has problems")
    extra = frame[[c for c in frame.columns if c not in _KNOWN]].assign(assumption=names)
    return _Table(names, value, low, high, lower, upper, distribution, extra)


def _check(model: Model, outputs: Sequence[str], caller: str) -> list[str]:
    if not callable(model):
        raise parameter_error("model", caller, "a callable model(values) -> array (scenarios x outputs)", type(model))
    if (
        isinstance(outputs, str)
        or not len(outputs)
        or not all(isinstance(o, str) for o in outputs)
        or len(set(outputs)) != len(outputs)
    ):
        raise parameter_error("outputs", caller, "a list of unique output names, one per column of the model's result", outputs)
    return list(outputs)


def _call(model: Model, table: _Table, scenarios: np.ndarray, outputs: list[str], caller: str) -> np.ndarray:
    """Run the model once on (assumptions x scenarios); the NPV (scenarios x outputs), checked."""
    scenarios.flags.writeable = False
    n, k = scenarios.shape[1], len(outputs)
    result = np.asarray(model(dict(zip(table.names, scenarios))), dtype=float)
    result = result[:, None] if result.ndim == 1 and k == 1 else result
    if result.shape != (n, k):
        raise parameter_error(
            "model",
            caller,
            f"a model that returns an array of shape (scenarios, outputs) = ({n}, {k}) when given {n} scenarios and {k} outputs",
            f"shape {result.shape}",
            as_text=True,
        )
    bad = ~np.isfinite(result)
    if bad.any():
        column = int(np.nonzero(bad.any(axis=0))[0][0])
        row = int(np.nonzero(bad[:, column])[0][0])
        moved = [
            f"{name}={sentence_number(v[row])}" for name, v, base in zip(table.names, scenarios, table.value) if v[row] != base
        ]
        raise CxmError(
            f"The model returned a NaN or infinite NPV for output '{outputs[column]}' in {int(bad[:, column].sum())} "
            f"of {n} scenarios (first with {', '.join(moved[:5]) or 'every assumption at its base value'}). "
            "Fix: check the model where it divides or takes logs, and the assumptions' ranges."
        )
    return result


def _moved(model: Model, table: _Table, outputs: list[str], which, points, caller: str) -> np.ndarray:
    """NPV at the base (row 0) and with assumption ``which[p]`` at ``points[p]``, all else at base (row p + 1)."""
    scenarios = np.repeat(table.value[:, None], 1 + len(points), axis=1)
    scenarios[np.asarray(which, dtype=int), 1 + np.arange(len(points))] = points
    return _call(model, table, scenarios, outputs, caller)


def _with_extra(frame: pd.DataFrame, table: _Table) -> pd.DataFrame:
    return frame.merge(table.extra, on="assumption", how="left", sort=False, suffixes=("", "_assumption"))


def tornado(assumptions: pd.DataFrame, model: Model, outputs: Sequence[str]) -> pd.DataFrame:
    """One-at-a-time sensitivity: each uncertain assumption at its low and its high value, all others at base.

    Parameters
    ----------
    assumptions : DataFrame
        The assumptions table (see the module docstring); only assumptions with ``low < high`` appear.
    model : callable
        ``model(values) -> ndarray`` of shape (scenarios, outputs); called once.
    outputs : list of str
        Names of the model's result columns, in order.

    Returns
    -------
    DataFrame
        ``output``, ``assumption``, ``low``, ``high`` (the assumption's values), ``npv_low``, ``npv_high``,
        ``npv_base``, ``swing`` (``|npv_high - npv_low|``), then the table's other columns. Sorted by output
        (in ``outputs`` order), then swing, largest first.
    """
    table, outputs = _read(assumptions, "tornado"), _check(model, outputs, "tornado")
    which = table.uncertain()
    m, k = len(which), len(outputs)
    npv = _moved(
        model, table, outputs, np.repeat(which, 2), np.column_stack([table.low[which], table.high[which]]).ravel(), "tornado"
    )
    frame = pd.DataFrame(
        {
            "output": np.repeat(outputs, m),
            "assumption": np.tile(np.array(table.names, dtype=object)[which], k),
            "low": np.tile(table.low[which], k),
            "high": np.tile(table.high[which], k),
            "npv_low": npv[1::2].T.ravel(),
            "npv_high": npv[2::2].T.ravel(),
            "npv_base": np.repeat(npv[0], m),
        }
    )
    frame["swing"] = (frame["npv_high"] - frame["npv_low"]).abs()
    order = np.lexsort((-frame["swing"].to_numpy(), np.repeat(np.arange(k), m)))  # stable: ties keep the table's order
    return _with_extra(frame.iloc[order].reset_index(drop=True), table)


def switching_values(
    assumptions: pd.DataFrame, model: Model, outputs: Sequence[str], *, all_assumptions: bool = False
) -> pd.DataFrame:
    """The value of each assumption at which each output's NPV crosses zero, all else at base.

    The Green Book's switching value: how far an assumption must move before the decision changes. The
    search runs within ``min`` and ``max`` where given, else 100 times the assumption's scale (the largest
    of ``|value|``, ``high - low`` and 1) either side of the base. A batched grid, dense near the base,
    finds the sign change nearest the base; a batched secant step solves a linear NPV and
    :func:`scipy.optimize.brentq` the rest (checked after, so a step in the model is called a jump).

    Parameters
    ----------
    assumptions, model, outputs
        As for :func:`tornado`.
    all_assumptions : bool, default False
        Include assumptions that are not uncertain (``low == high``) too.

    Returns
    -------
    DataFrame
        ``output``, ``assumption``, ``base_value``, ``npv_base``, ``switching_value`` (NaN where the NPV does
        not cross zero within the search; the note says so), ``change_pct`` (the move as a percentage of
        ``|base_value|``, positive upwards; NaN if the base value is 0), ``within_range`` (True if
        ``low <= switching_value <= high``), ``note`` (plain language), then the table's other columns.
        Sorted by output, then assumption in table order.
    """
    table, outputs = _read(assumptions, "switching_values"), _check(model, outputs, "switching_values")
    check_bool(all_assumptions, "all_assumptions", "switching_values")
    which = np.arange(len(table.names)) if all_assumptions else table.uncertain()
    grids = [_grid(table, j) for j in which]
    npv = _moved(
        model,
        table,
        outputs,
        np.repeat(which, [len(g) for g in grids]),
        np.concatenate(grids) if grids else [],
        "switching_values",
    )
    base, start = npv[0], 1
    # keyed by (assumption, output)
    found: dict[tuple, float] = {}
    brackets: dict[tuple, tuple[float, float, float, float]] = {}
    flat: set[tuple] = set()
    for j, grid in zip(which, grids):
        block, start = npv[start : start + len(grid)], start + len(grid)
        flat.update((j, k) for k in np.nonzero(np.ptp(block, axis=0) == 0)[0])
        for k, hit in enumerate(_nearest_crossings(grid, block, table.value[j])):
            (brackets if isinstance(hit, tuple) else found)[(j, k)] = hit
    jumps = _refine(model, table, outputs, brackets, found, base)
    rows = []
    for k, output in enumerate(outputs):
        for j in which:
            value, sv = float(table.value[j]), found.get((j, k))
            sv = np.nan if sv is None else sv
            rows.append(
                (
                    output,
                    table.names[j],
                    value,
                    float(base[k]),
                    sv,
                    (sv - value) / abs(value) * 100 if value else np.nan,
                    bool(table.low[j] <= sv <= table.high[j]),
                    _note(table, j, float(base[k]), sv, flat=(j, k) in flat, jump=(j, k) in jumps),
                )
            )
    columns = ["output", "assumption", "base_value", "npv_base", "switching_value", "change_pct", "within_range", "note"]
    return _with_extra(pd.DataFrame(rows, columns=columns), table)


def _search(table: _Table, j: int | np.integer) -> tuple[float, float]:
    value = table.value[j]
    width = 100 * max(abs(value), table.high[j] - table.low[j], 1.0)
    return (
        float(table.lower[j]) if np.isfinite(table.lower[j]) else value - width,
        float(table.upper[j]) if np.isfinite(table.upper[j]) else value + width,
    )


def _grid(table: _Table, j: int | np.integer) -> np.ndarray:
    value, (lower, upper) = table.value[j], _search(table, j)
    points = np.concatenate([value - (value - lower) * _OFFSETS[::-1], [value], value + (upper - value) * _OFFSETS])
    points[[0, -1]] = lower, upper  # exactly: rounding must neither step outside the bounds nor stop short of them
    return np.unique(np.clip(points, lower, upper))


def _nearest_crossings(grid: np.ndarray, block: np.ndarray, value: float) -> list:
    """Per output: None, a grid value where the NPV is exactly 0, or a bracket (a, f(a), b, f(b)), nearest the base."""
    sign, distance = np.sign(block), np.abs(grid - value)
    zero = np.where(sign == 0, distance[:, None], np.inf)
    change = np.where(sign[:-1] * sign[1:] < 0, np.minimum(distance[:-1], distance[1:])[:, None], np.inf)
    hits: list[float | tuple[float, float, float, float] | None] = []
    for k in range(block.shape[1]):
        iz, ic = int(zero[:, k].argmin()), int(change[:, k].argmin())
        if np.isinf(zero[iz, k]) and np.isinf(change[ic, k]):
            hits.append(None)
        elif zero[iz, k] <= change[ic, k]:
            hits.append(float(grid[iz]))
        else:
            hits.append((float(grid[ic]), float(block[ic, k]), float(grid[ic + 1]), float(block[ic + 1, k])))
    return hits


def _refine(model: Model, table: _Table, outputs: list[str], brackets: dict, found: dict, base: np.ndarray) -> set:
    """Solve each bracket into ``found``; returns the pairs where the NPV jumps across zero instead."""
    keys = list(brackets)
    if not keys:
        return set()
    scale = {(j, k): max(abs(base[k]), abs(fa), abs(fb)) for (j, k), (_, fa, _, fb) in brackets.items()}
    secant = [a - fa * (b - a) / (fb - fa) for a, fa, b, fb in brackets.values()]
    secant = [min(max(x, min(a, b)), max(a, b)) for x, (a, _, b, _) in zip(secant, brackets.values())]
    at = _moved(model, table, outputs, [j for j, _ in keys], secant, "switching_values")[1:]
    solved = []
    for p, (j, k) in enumerate(keys):
        x, fx = secant[p], float(at[p, k])
        if abs(fx) <= 1e-9 * scale[(j, k)]:
            found[(j, k)] = x
            continue
        a, fa, b, fb = brackets[(j, k)]
        a, fa, b, fb = (x, fx, b, fb) if np.sign(fx) == np.sign(fa) else (a, fa, x, fx)
        known = {a: fa, b: fb}  # brentq starts by evaluating both ends; they are known

        def npv_at(v: float, j=j, k=k, known=known) -> float:
            return known[v] if v in known else float(_moved(model, table, outputs, [j], [v], "switching_values")[1, k])

        found[(j, k)] = float(brentq(npv_at, a, b, xtol=1e-12, maxiter=200))
        solved.append((j, k))
    if not solved:
        return set()
    check = _moved(model, table, outputs, [j for j, _ in solved], [found[key] for key in solved], "switching_values")[1:]
    return {key for p, key in enumerate(solved) if abs(check[p, key[1]]) > 1e-6 * scale[key]}


def _note(table: _Table, j: int | np.integer, npv_base: float, sv: float, *, flat: bool, jump: bool) -> str:
    name, value = _label(table, j), table.value[j]
    if npv_base == 0:
        return f"NPV is exactly zero at the base value of {name}."
    sign, other = ("positive", "negative") if npv_base > 0 else ("negative", "positive")
    if np.isnan(sv):
        (lower, upper), bounded = _search(table, j), np.isfinite(table.lower[j]) and np.isfinite(table.upper[j])
        tail = f"; {name} does not change this NPV, so there is no switching value." if flat else ": there is no switching value."
        return (
            f"NPV stays {sign} for any value of {name} from {sentence_number(lower)} to {sentence_number(upper)} "
            f"({'its bounds' if bounded else 'the range searched'}){tail}"
        )
    if jump:
        return f"NPV is {sign} at the base value; it jumps to {other} at {sentence_number(sv)} without passing through zero (a step in the model)."
    change = f" ({(sv - value) / abs(value):+.0%})" if value else ""
    where = " (no range was given for it)"
    if table.low[j] < table.high[j]:
        inside = "inside" if table.low[j] <= sv <= table.high[j] else "outside"
        where = f", {inside} the range considered ({sentence_number(table.low[j])} to {sentence_number(table.high[j])})"
    return f"NPV is {sign} at the base value; it turns {other} if {name} {'falls' if sv < value else 'rises'} to {sentence_number(sv)}{change}{where}."


def _label(table: _Table, j: int | np.integer) -> str:
    """The assumption as a reader knows it: its description (lower-cased first letter), else its name."""
    if "description" in table.extra:
        text = table.extra["description"].iloc[int(j)]
        if isinstance(text, str) and text.strip():
            text = text.strip()
            return f"the {text[0].lower()}{text[1:]}" if not text[:2].isupper() else text
    return table.names[j]


def sentence_number(x: float) -> str:
    """A number for a sentence: four significant figures (at most three decimals), thousands separated.

    >>> sentence_number(0.32805), sentence_number(1.17279), sentence_number(77871.2), sentence_number(0.0127)
    ('0.328', '1.173', '77,871', '0.013')
    """
    if not np.isfinite(x) or x == 0 or abs(x) < 1e-3 or abs(x) >= 1e12:
        return f"{x:.3g}"
    decimals = min(3, max(0, 3 - int(np.floor(np.log10(abs(x))))))
    text = f"{round(x, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True, eq=False)
class MonteCarlo:
    """The result of :func:`monte_carlo`.

    ``npv`` (draws x outputs, read-only), ``outputs`` (column order), ``seed`` and ``draws`` (as given,
    to repeat the run), ``summary`` (``output``, ``mean``, ``p10``, ``p50``, ``p90``, ``prob_negative``:
    the share of draws with NPV < 0) and ``values`` (each assumption's drawn values, read-only).
    """

    npv: np.ndarray
    outputs: tuple[str, ...]
    seed: int
    draws: int
    summary: pd.DataFrame
    values: Mapping[str, np.ndarray]


def monte_carlo(
    assumptions: pd.DataFrame,
    model: Model,
    outputs: Sequence[str],
    *,
    draws: int = 10_000,
    seed: int = 0,
    distribution: str = "pert",
) -> MonteCarlo:
    """Draw every uncertain assumption and run the model once on all the draws.

    Each assumption with ``low < high`` is drawn from its row's ``distribution`` (else ``distribution``):
    ``pert``, the Beta-PERT (lambda 4) on [low, high] with the base value as mode, mean (low + 4 value +
    high) / 6; ``triangular``, mean (low + value + high) / 3, fatter tails; ``fixed``, the base value.

    Assumptions are drawn **independently**: no correlation. Where two move together in reality (say the
    unit costs of phone and face-to-face contact, which share staff costs) the NPV's spread is understated;
    where they offset each other, overstated. Each draws from its own stream, seeded from ``seed`` and its
    name, so changing one assumption's range leaves the others' draws alone: runs differ by the change.

    Parameters
    ----------
    assumptions, model, outputs
        As for :func:`tornado`; the model is called once.
    draws : int, default 10000
        At least 100.
    seed : int, default 0
        The same seed gives the same draws.
    distribution : {"pert", "triangular", "fixed"}, default "pert"
        For rows whose ``distribution`` is empty.

    Returns
    -------
    MonteCarlo
    """
    table, outputs = _read(assumptions, "monte_carlo"), _check(model, outputs, "monte_carlo")
    draws, seed = check_int(draws, "draws", "monte_carlo", low=100), check_int(seed, "seed", "monte_carlo", low=0)
    check_one_of(distribution, "distribution", "monte_carlo", DISTRIBUTIONS)
    scenarios = np.repeat(table.value[:, None], draws, axis=1)
    for j in table.uncertain():
        low, mode, high, kind = table.low[j], table.value[j], table.high[j], table.distribution[j] or distribution
        if kind == "fixed":
            continue
        rng, span = np.random.default_rng([seed, *table.names[j].encode("utf-8")]), high - low
        drawn = (
            low + span * rng.beta(1 + 4 * (mode - low) / span, 1 + 4 * (high - mode) / span, draws)
            if kind == "pert"
            else rng.triangular(low, mode, high, draws)
        )
        scenarios[j] = np.clip(drawn, low, high)  # rounding can step a hair outside the range
    npv = _call(model, table, scenarios, outputs, "monte_carlo")
    npv.flags.writeable = False
    p10, p50, p90 = np.percentile(npv, [10, 50, 90], axis=0)
    summary = pd.DataFrame(
        {"output": outputs, "mean": npv.mean(axis=0), "p10": p10, "p50": p50, "p90": p90, "prob_negative": (npv < 0).mean(axis=0)}
    )
    return MonteCarlo(npv, tuple(outputs), seed, draws, summary, dict(zip(table.names, scenarios)))
