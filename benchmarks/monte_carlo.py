"""Benchmark: the business case's Monte Carlo at the size of a large programme.

    python benchmarks/monte_carlo.py --draws 10000 --years 10 --initiatives 20     (one run; benchmarks/run.py takes medians)

Builds a seeded synthetic case (six channels, each initiative with three levers of different kinds and
an optimism-bias category, three options), then times one full Monte Carlo (draw every uncertain
assumption, evaluate every initiative and option, summarise P10/P50/P90) and one tornado plus switching
values, and prints a table with this process's peak memory (RSS).
Target: 10,000 draws x 10 years x 20 initiatives in under 2 s.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxmethods.methods.case_model import CaseModel, InitiativeCosts, Lever
from cxmethods.methods.finance import discount_factors
from cxmethods.methods.risk import monte_carlo, switching_values, tornado

sys.path.insert(0, str(Path(__file__).parent))
from harness import Result, median, own_peak_mb, python, report

CHANNELS = ("phone", "web_form", "email", "face_to_face", "mobile_app", "post")
COSTS = {"phone": 2.83, "web_form": 0.15, "email": 2.83, "face_to_face": 8.62, "mobile_app": 0.15, "post": 12.10}
KINDS = ("failure_demand", "channel_shift", "handling_time", "customer_time", "automation")


def make_case(initiatives: int, years: int, *, seed: int = 0) -> tuple[CaseModel, pd.DataFrame]:
    """A synthetic compiled model and its assumptions table."""
    rng = np.random.default_rng(seed)
    rows = [
        {"name": f"unit_cost.{c}", "value": v, "low": v * 0.8, "high": v * 1.25, "min": 0.0, "max": np.nan}
        for c, v in COSTS.items()
    ]
    rows += [
        {"name": "unit_cost.automated", "value": 0.15, "low": 0.1, "high": 0.2, "min": 0.0, "max": np.nan},
        {"name": "value_of_time", "value": 12.21, "low": 9.0, "high": 15.0, "min": 0.0, "max": np.nan},
        {"name": "optimism_bias.equipment_development", "value": 0.8, "low": 0.1, "high": 2.0, "min": 0.0, "max": np.nan},
    ]
    costs, levers = [], []
    for i in range(initiatives):
        iid = f"I{i + 1:02d}"
        costs.append(
            InitiativeCosts(
                iid,
                float(rng.uniform(5e3, 2e5)),
                0.0,
                float(rng.uniform(1e3, 3e4)),
                int(rng.integers(0, min(3, years))),
                int(rng.integers(0, 3)),
                "optimism_bias.equipment_development",
            )
        )
        for k in rng.choice(len(KINDS), 3, replace=False):
            kind = KINDS[k]
            name = f"{iid}.{kind}"
            quantity = rng.uniform(0, 5e4, len(CHANNELS))
            value = float(rng.uniform(2, 10)) if kind == "customer_time" else float(rng.uniform(0.05, 0.3))
            rows.append(
                {
                    "name": name,
                    "value": value,
                    "low": value * 0.5,
                    "high": value * 1.5 if kind == "customer_time" else min(1.0, value * 1.5),
                    "min": 0.0,
                    "max": np.nan if kind == "customer_time" else 1.0,
                }
            )
            scope, rows_in_scope = (f"scope {k % 2}",), frozenset({int(k)})  # initiatives share scopes: packages combine shares
            levers.append(
                Lever(iid, kind, name, quantity, scope, rows_in_scope, source=0, target=1, cap=0.6)
                if kind == "channel_shift"
                else Lever(iid, kind, name, quantity, scope, rows_in_scope)
            )
    ids = [c.id for c in costs]
    options = {"do_minimum": ids[:3], "preferred": ids[: initiatives // 2], "everything": ids}
    model = CaseModel(CHANNELS, costs, levers, options, discount_factors(0.035, years))
    return model, pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--initiatives", type=int, default=20)
    args = parser.parse_args(argv)
    model, assumptions = make_case(args.initiatives, args.years)
    monte_carlo(assumptions, model, model.outputs, draws=200, seed=1)  # warm-up: imports and first calls
    t = time.perf_counter()
    mc = monte_carlo(assumptions, model, model.outputs, draws=args.draws, seed=0)
    mc_seconds = time.perf_counter() - t
    t = time.perf_counter()
    tornado(assumptions, model, model.outputs)
    switching_values(assumptions, model, model.outputs)
    sens_seconds = time.perf_counter() - t
    peak = own_peak_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = pd.DataFrame(
        [
            {
                "step": "Monte Carlo",
                "draws": args.draws,
                "years": args.years,
                "initiatives": args.initiatives,
                "outputs": len(model.outputs),
                "assumptions": len(assumptions),
                "seconds": round(mc_seconds, 3),
                "target_s": 2.0,
            },
            {
                "step": "tornado + switching values",
                "draws": "",
                "years": args.years,
                "initiatives": args.initiatives,
                "outputs": len(model.outputs),
                "assumptions": len(assumptions),
                "seconds": round(sens_seconds, 3),
                "target_s": "",
            },
        ]
    )
    print(table.to_string(index=False))
    print(f"peak memory (RSS): {peak:,.0f} MB")
    print(mc.summary.tail(3).round(0).to_string(index=False))
    report(monte_carlo_seconds=mc_seconds, sensitivity_seconds=sens_seconds)
    return 0


def run(repeat: int, quick: bool) -> list[Result]:
    draws = 2_000 if quick else 10_000
    runs = [python("monte_carlo.py", "--draws", draws, "--years", 10, "--initiatives", 20) for _ in range(repeat)]
    return [
        Result(
            f"Monte Carlo, {draws:,} draws x 10 years x 20 initiatives",
            median(runs, "monte_carlo_seconds"),
            "s",
            repeat,
            2,
            note=f"peak {median(runs, 'peak_mb'):,.0f} MB",
        ),
        Result("  tornado + switching values, same case", median(runs, "sensitivity_seconds"), "s", repeat),
    ]


if __name__ == "__main__":
    sys.exit(main())
