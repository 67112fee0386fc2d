"""The compiled business-case model against references worked out row by row, year by year, in plain Python."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

from cxmethods.methods.case_model import CaseModel, InitiativeCosts, Lever, overlaps

CHANNELS = ("phone", "web_form", "face_to_face")
YEARS = 6


def _costs(ids, ramps, starts=None, ob_duration=None):
    starts = starts or [0] * len(ids)
    return [
        InitiativeCosts(i, capital=0.0, one_off=0.0, operating=0.0, start=s, ramp_up_years=r, ob=None, ob_duration=ob_duration)
        for i, r, s in zip(ids, ramps, starts)
    ]


def _lever(iid, kind, name, rows, table, *, source=-1, target=-1, cap=1.0):
    """A lever on some rows of ``table`` (channel index, quantity per row), with its per-row quantities."""
    rows = sorted(rows)
    by_row = np.zeros((len(rows), len(CHANNELS)))
    for j, r in enumerate(rows):
        by_row[j, table[r][0]] = table[r][1]
    return Lever(iid, kind, name, by_row.sum(axis=0), (), frozenset(rows), source, target, cap, by_row)


def _ramp(t, start, years):
    return float(t >= start) if years == 0 else min(max((t - start) / years, 0.0), 1.0)


@pytest.mark.parametrize("seed", range(6))
def test_shares_combine_row_by_row_like_a_brute_force_reference(seed):
    """Random rows, random overlapping scopes and ramps: every row's saving is 1 - prod(1 - share x ramp) of it,
    whatever the scopes' shapes (same, nested, partly shared)."""
    rng = np.random.default_rng(seed)
    table = [(int(rng.integers(0, 3)), float(rng.uniform(100, 2000))) for _ in range(12)]  # (channel, failure contacts)
    ids = [f"I{k}" for k in range(5)]
    ramps = [int(r) for r in rng.integers(0, 3, len(ids))]
    starts = [int(s) for s in rng.integers(0, 3, len(ids))]
    levers, shares = [], {}
    for iid in ids:
        rows = set(rng.choice(12, int(rng.integers(1, 12)), replace=False).tolist())
        levers.append(_lever(iid, "failure_demand", f"{iid}.failure_demand", rows, table))
        shares[f"{iid}.failure_demand"] = float(rng.uniform(0.05, 0.6))
    unit = {"phone": 3.0, "web_form": 0.5, "face_to_face": 9.0}
    values = {f"unit_cost.{c}": np.array([v]) for c, v in unit.items()} | {k: np.array([v]) for k, v in shares.items()}
    model = CaseModel(CHANNELS, _costs(ids, ramps, starts), levers, {"all": ids}, np.ones(YEARS))
    _, cash, _ = model.flows(values, ids)

    expected = np.zeros(YEARS)
    for t in range(YEARS):
        for r, (channel, quantity) in enumerate(table):
            remaining = 1.0
            for k, lever in enumerate(levers):
                if r in lever.rows:
                    remaining *= 1 - shares[lever.name] * _ramp(t, starts[k], ramps[k])
            expected[t] += (1 - remaining) * quantity * unit[CHANNELS[channel]]
    assert cash[0] == pytest.approx(expected)
    assert model(values)[0, model.outputs.index("all")] == pytest.approx(expected.sum())


def test_channel_shifts_to_different_channels_share_the_combined_move():
    """Two shifts from phone on the same row, to web and to face to face: together they move 1 - (1-a)(1-b) of the
    calls, split between the two channels in proportion to a and b."""
    table = [(0, 1000.0)]
    levers = [
        _lever("A", "channel_shift", "A.channel_shift", {0}, table, source=0, target=1),
        _lever("B", "channel_shift", "B.channel_shift", {0}, table, source=0, target=2),
    ]
    values = {
        "unit_cost.phone": np.array([3.0]),
        "unit_cost.web_form": np.array([0.5]),
        "unit_cost.face_to_face": np.array([2.0]),
        "A.channel_shift": np.array([0.5]),
        "B.channel_shift": np.array([0.2]),
    }
    model = CaseModel(CHANNELS, _costs(["A", "B"], [0, 0]), levers, {}, np.ones(YEARS))
    _, cash, _ = model.flows(values, ["A", "B"])
    moved = 1 - 0.5 * 0.8
    expected = 1000 * moved * (0.5 / 0.7 * (3 - 0.5) + 0.2 / 0.7 * (3 - 2))
    assert cash[0] == pytest.approx(np.full(YEARS, expected))


def test_the_issues_figures_two_initiatives_on_the_same_failure_demand_remove_0_6_not_0_7():
    """One initiative removes 50% of one reason's failure demand, another 20% of all failure demand: on that
    reason 1 - 0.5 x 0.8 = 0.6 is removed, not 0.7; elsewhere 0.2. Nothing is flagged as overlapping."""
    table = [(0, 1000.0), (0, 400.0), (2, 100.0)]  # row 0 is the reason both work on
    levers = [
        _lever("I07", "failure_demand", "I07.failure_demand", {0}, table),
        _lever("I02", "failure_demand", "I02.failure_demand", {0, 1, 2}, table),
    ]
    values = {
        "unit_cost.phone": np.array([3.0]),
        "unit_cost.web_form": np.array([0.5]),
        "unit_cost.face_to_face": np.array([9.0]),
        "I07.failure_demand": np.array([0.5]),
        "I02.failure_demand": np.array([0.2]),
    }
    model = CaseModel(CHANNELS, _costs(["I07", "I02"], [0, 0]), levers, {"preferred": ["I02", "I07"]}, np.ones(1))
    _, cash, _ = model.flows(values, ["I02", "I07"])
    assert cash[0, 0] == pytest.approx(0.6 * 1000 * 3 + 0.2 * 400 * 3 + 0.2 * 100 * 9)
    assert cash[0, 0] < (0.7 * 1000 * 3 + 0.2 * 400 * 3 + 0.2 * 100 * 9) - 1  # the sum of the shares would be 0.7
    assert overlaps(levers, ["I02", "I07"]) == []


def test_customer_minutes_and_mixed_segment_shifts_are_still_flagged():
    table = [(0, 1000.0)]
    minutes = [_lever(i, "customer_time", f"{i}.customer_time", {0}, table) for i in ("A", "B")]
    seg = Lever(
        "C",
        "channel_shift",
        "C.channel_shift",
        np.array([1000.0, 0, 0]),
        ("", "phone", "web_form", "young"),
        frozenset({0}),
        0,
        1,
    )
    everyone = Lever(
        "D", "channel_shift", "D.channel_shift", np.array([1000.0, 0, 0]), ("", "phone", "web_form", ""), frozenset({0}), 0, 1
    )
    assert overlaps([*minutes, seg, everyone], ["A", "B", "C", "D"]) == [
        "A.customer_time & B.customer_time",
        "C.channel_shift & D.channel_shift",
    ]


@pytest.mark.parametrize(("ramp", "uplift"), [(1, 0.54), (2, 0.5), (3, 0.39)])
def test_duration_optimism_bias_delays_the_benefits(ramp, uplift):
    """The ramp starts ramp_up_years x uplift years late (not rounded); NPV checked with numpy-financial."""
    table = [(0, 1000.0)]
    lever = _lever("A", "failure_demand", "A.failure_demand", {0}, table)
    cost = InitiativeCosts("A", 500.0, 0.0, 50.0, 1, ramp, None, ob_duration="optimism_bias_duration.x")
    values = {
        "unit_cost.phone": np.array([3.0]),
        "unit_cost.web_form": np.array([0.5]),
        "unit_cost.face_to_face": np.array([9.0]),
        "A.failure_demand": np.array([0.5]),
        "optimism_bias_duration.x": np.array([uplift]),
    }
    factors = 1.035 ** -np.arange(YEARS)
    model = CaseModel(CHANNELS, [cost], [lever], {}, factors)
    delay = ramp * uplift
    share = [min(max((t - 1 - delay) / ramp, 0.0), 1.0) for t in range(YEARS)]
    net = [0.5 * 1000 * 3 * s - (500 if t == 1 else 0) - (50 if s > 0 else 0) for t, s in enumerate(share)]
    assert model(values)[0, 0] == pytest.approx(npf.npv(0.035, net))
    no_delay = model(values | {"optimism_bias_duration.x": np.array([0.0])})[0, 0]
    assert model(values)[0, 0] < no_delay


def test_a_delay_of_a_whole_year_moves_the_benefits_by_a_year():
    """Ramp of two years and an uplift of 0.5: benefits and running costs start a year later."""
    table = [(0, 1000.0)]
    lever = _lever("A", "failure_demand", "A.failure_demand", {0}, table)
    cost = InitiativeCosts("A", 500.0, 0.0, 50.0, 0, 2, None, ob_duration="optimism_bias_duration.x")
    values = {
        "unit_cost.phone": np.array([3.0]),
        "unit_cost.web_form": np.array([0.5]),
        "unit_cost.face_to_face": np.array([9.0]),
        "A.failure_demand": np.array([0.4]),
    }
    model = CaseModel(CHANNELS, [cost], [lever], {}, np.ones(YEARS))
    on_time = model.flows(values | {"optimism_bias_duration.x": np.array([0.0])}, ["A"])
    late = model.flows(values | {"optimism_bias_duration.x": np.array([0.5])}, ["A"])
    full = 0.4 * 1000 * 3
    assert on_time[1][0] == pytest.approx([0, full / 2, full, full, full, full])
    assert late[1][0] == pytest.approx([0, 0, full / 2, full, full, full])
    assert late[0][0] == pytest.approx([500, 0, 50, 50, 50, 50])  # running costs start with the benefits
    rate = 0.035
    factors = 1.035 ** -np.arange(YEARS)
    discounted = CaseModel(CHANNELS, [cost], [lever], {}, factors)
    net = late[1][0] - late[0][0]
    assert discounted(values | {"optimism_bias_duration.x": np.array([0.5])})[0, 0] == pytest.approx(npf.npv(rate, net))


def test_without_ramp_up_no_delay():
    """ramp_up_years 0 states no delivery time: the duration uplift has nothing to stretch."""
    table = [(0, 1000.0)]
    lever = _lever("A", "failure_demand", "A.failure_demand", {0}, table)
    cost = InitiativeCosts("A", 0.0, 0.0, 0.0, 0, 0, None, ob_duration="optimism_bias_duration.x")
    values = {
        "unit_cost.phone": np.array([3.0]),
        "unit_cost.web_form": np.array([0.5]),
        "unit_cost.face_to_face": np.array([9.0]),
        "A.failure_demand": np.array([0.4]),
        "optimism_bias_duration.x": np.array([0.5]),
    }
    _, cash, _ = CaseModel(CHANNELS, [cost], [lever], {}, np.ones(YEARS)).flows(values, ["A"])
    assert cash[0] == pytest.approx(np.full(YEARS, 0.4 * 1000 * 3))
