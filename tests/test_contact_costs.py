"""One cost of failure demand and one year of contacts for workbooks 02 and 04, checked against a brute force."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cxmethods import load_engagement, read_input
from cxmethods.methods.case_inputs import load_baseline
from cxmethods.methods.contact_costs import cost_weights, failure_costs, per_year, unit_costs
from cxmethods.methods.contacts import ContactLog
from cxmethods.outputs.headlines import first_contact_sentence
from cxmethods.workbooks.business_case import _baseline_table


@pytest.mark.parametrize(
    ("start", "end", "factor"),
    [
        (date(2025, 4, 1), date(2026, 3, 31), 1.0),  # 365 days: a year, not 365.25/365 of one
        (date(2023, 4, 1), date(2024, 3, 31), 1.0),  # 366 days (29 February 2024): a year too
        (date(2024, 2, 29), date(2025, 2, 28), 1.0),
        (date(2022, 1, 1), date(2024, 12, 31), 1 / 3),
        (date(2025, 4, 1), date(2025, 9, 30), 365.25 / 183),
        (date(2025, 4, 1), date(2026, 3, 30), 365.25 / 364),  # a day short of a year: not a whole year
    ],
)
def test_per_year(start, end, factor):
    assert per_year(start, end) == pytest.approx(factor)


def test_weights_leave_a_channels_total_cost_unchanged():
    v = pd.DataFrame(
        {
            "channel": ["phone", "phone", "phone", "web_form"],
            "contacts": [100, 300, 50, 10],
            "failure_contacts": [100, 0, 10, 5],
            "mean_handling_minutes": [10.0, 2.0, None, 3.0],
        }
    )
    weights = cost_weights(v)
    known = v["mean_handling_minutes"].notna()
    mean = (v["contacts"] * v["mean_handling_minutes"])[known & (v["channel"] == "phone")].sum() / 400
    assert weights.tolist() == pytest.approx([10 / mean, 2 / mean, 1.0, 1.0])
    costs = failure_costs(v, {"phone": 3.0})
    assert costs["phone"] == pytest.approx(100 * 3 * 10 / mean + 10 * 3)
    assert np.isnan(costs["web_form"])  # no cost per contact: no cost, not 0


@pytest.fixture(scope="module")
def sample():
    engagement = load_engagement()
    with ContactLog(engagement) as log:
        yield engagement, log.failure_demand(), log.volumes(), log.repeat_contact()


def test_both_workbooks_state_one_failure_cost_and_one_baseline(sample):
    """Workbook 02's failure_demand and workbook 04's baseline table agree, and match a contact-by-contact sum."""
    engagement, failure, volumes, _ = sample
    baseline = _baseline_table(load_baseline(engagement, volumes), engagement)
    overall = failure.set_index("channel").loc["(all)"]
    assert per_year(engagement.period.start, engagement.period.end) == 1.0  # the sample's period is a year
    assert baseline["contacts"].sum() == overall["contacts"] == len(read_input(engagement, "contact_log"))
    assert baseline["failure_contacts"].sum() == overall["failure_contacts"]
    assert baseline["failure_cost"].sum() == pytest.approx(overall["failure_cost_a_year"], rel=1e-6)
    assert overall["failure_cost_a_year"] == pytest.approx(overall["failure_cost"])
    # brute force from the raw log: each group's failure contacts at the channel's cost x the group's mean handling
    # time over the channel's mean per contact (every sample contact has a handling time)
    log = read_input(engagement, "contact_log").fillna({"channel": "unknown"})
    assert log["handling_minutes"].notna().all()
    channel_mean = log.groupby("channel")["handling_minutes"].mean()
    group_mean = log.groupby(["channel", "reason", "service"], dropna=False)["handling_minutes"].mean().rename("m")
    rows = volumes.merge(group_mean.reset_index(), on=["channel", "reason", "service"], how="left")
    assert rows["m"].notna().all()
    brute = (
        rows["failure_contacts"] * rows["channel"].map(unit_costs(engagement)) * rows["m"] / rows["channel"].map(channel_mean)
    ).sum()
    assert overall["failure_cost"] == pytest.approx(brute, rel=1e-4)  # volumes round the minutes to 3 decimals
    flat = (failure["failure_contacts"] * failure["unit_cost"])[failure["channel"] != "(all)"].sum()
    assert abs(overall["failure_cost"] - flat) > 1  # the handling-time weighting matters here: the test can tell


def test_first_contact_resolution_both_ways(sample):
    _, _, _, repeats = sample
    overall = repeats.set_index("reason").loc["(all)"]
    assert overall["fcr_by_repeat"] == pytest.approx(1 - overall["repeats"] / overall["contacts"], abs=1e-4)
    said = first_contact_sentence(repeats)
    assert f"{overall['fcr_by_repeat']:.1%}" in said and f"{overall['resolved_first_contact']:.1%}" in said
    assert "adviser's judgement" in said and "what customers did next" in said
    no_flag = repeats.assign(resolved_first_contact=np.nan)
    assert "no resolved-first-time flag" in first_contact_sentence(no_flag)


def test_both_workbooks_cost_contacts_in_one_price_base(sample):
    """The sample has no costs of its own: the benchmark costs (2012 prices) are converted to the price base (the
    appraisal's first year) with the shipped UK series, by hand here, in workbook 02 and workbook 04 alike."""
    from cxmethods.core.paths import templates_dir
    from cxmethods.methodology.benchmarks import load_benchmarks

    engagement, failure, volumes, _ = sample
    bench = load_benchmarks()
    year = engagement.settings.business_case.base_year or engagement.period.end.year
    path = templates_dir().parent / "cxmethods" / "methodology" / "deflators" / "uk_hmt_gdp_deflator.csv"
    index = {int(y): float(v) for y, v in (line.split(",") for line in path.read_text().splitlines() if line[:1].isdigit())}
    level = index[year] if year in index else index[2024] * 1.02 ** (year - 2024)  # the stated 2% a year after 2024
    factor = level / index[bench.channel_costs.price_year]
    costs = unit_costs(engagement)
    assert costs["phone"] == pytest.approx(bench.channel_costs.costs["phone"].cost * factor)
    # an entry with a price year of its own (post: a 2008 figure) converts from that year, not the block's
    assert bench.channel_costs.costs["post"].price_year == 2008
    assert costs["post"] == pytest.approx(bench.channel_costs.costs["post"].cost * level / index[2008])
    phone = failure.set_index("channel").loc["phone"]
    assert phone["unit_cost"] == pytest.approx(costs["phone"], rel=1e-4)  # the table rounds to 4 decimals
    baseline = _baseline_table(load_baseline(engagement, volumes), engagement)
    assert set(failure["price_base"]) == set(baseline["price_base"]) == {f"GBP, {year} prices"}
