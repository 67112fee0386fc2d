"""Benchmarks: every range of the bundled file spans its figure on both sides and says where it comes from, a figure
no source gives is marked an assumption to confirm, and a broken range or source is refused on its line with a fix."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from cxmethods import load_engagement
from cxmethods.core.errors import ConfigError
from cxmethods.core.paths import templates_dir
from cxmethods.methodology.benchmarks import load_benchmarks
from cxmethods.workbooks import business_case

TEMPLATE = (templates_dir() / "benchmarks.yaml").read_text(encoding="utf-8")


def test_every_range_of_the_template_is_two_sided_and_every_figure_sourced_or_an_assumption():
    bench = load_benchmarks()
    entries = {**bench.channel_costs.costs, "automated": bench.channel_costs.automated}
    for name, c in entries.items():
        assert c.low is not None and c.high is not None and c.low < c.cost < c.high, name
        assert c.source or c.to_confirm, name
        assert not c.to_confirm or len(c.note) > 30, name  # an assumption says what is assumed
    vot = bench.value_of_time
    assert vot.low is not None and vot.high is not None and vot.low < vot.value < vot.high and vot.to_confirm
    saving = bench.channel_optimisation_saving
    assert (saving.upper_bound.low, saving.upper_bound.high) == (0.15, 0.25) and "One Size Fits Few" in saving.source
    assert saving.typical is not None and saving.typical.value < saving.upper_bound.low and saving.typical.to_confirm
    # e-mail no longer passes for a published figure: it is an assumption, from an online reply to a long call
    email = bench.channel_costs.costs["email"]
    assert email.to_confirm and email.low == bench.channel_costs.costs["web_form"].cost
    assert email.high == bench.channel_costs.costs["phone"].high
    assert email.described().startswith("Assumption to confirm: assumed to cost as much as a call")


def _problems(tmp_path: Path, old: str, new: str) -> list[str]:
    assert TEMPLATE.count(old) == 1, old
    path = tmp_path / "benchmarks.yaml"
    path.write_text(TEMPLATE.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_benchmarks(path)
    assert str(info.value).startswith("The benchmarks file benchmarks.yaml has problems")
    return [str(p).replace(str(path), "FILE") for p in info.value.problems]


def _line(text: str) -> int:
    return TEMPLATE[: TEMPLATE.index(text)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "entry", "expected"),
    [
        (
            "      low: 2.12\n      high: 4.31\n",
            "      low: 3.12\n      high: 4.31\n",
            "    phone:\n",
            "channel_costs.costs.phone: low <= cost <= high is required; got low 3.12, cost 2.83, high 4.31. "
            "Fix: Put the range around the figure",
        ),
        (
            "      low: 2.12\n      high: 4.31\n",
            "      high: 4.31\n",
            "    phone:\n",
            "channel_costs.costs.phone: high is given without low. Fix: Give both low and high",
        ),
        (
            '      low: 0.086\n      high: 0.32\n      source: "Socitm (2012), online',
            '      low: 0.15\n      high: 0.15\n      source: "Socitm (2012), online',
            "    web_form:\n",
            "channel_costs.costs.web_form: low and high are both 0.15, so the Monte Carlo and the tornado would not vary "
            "it. Fix: Give the spread of the published figures (low below high), or add fixed: true",
        ),
        (
            '      low: 0.086\n      high: 0.32\n      source: "Socitm (2012), online',
            '      low: 0.086\n      high: 0.32\n      fixed: true\n      source: "Socitm (2012), online',
            "    web_form:\n",
            "channel_costs.costs.web_form: fixed: true, but low (0.086) and high (0.32) differ.",
        ),
        (
            '      note: "assumed to cost as much as a call',
            '      other: "assumed to cost as much as a call',
            "    email:\n",
            "channel_costs.costs.email.other: unknown key 'other'.",
        ),
        (
            '      source: "No published figure in these sources"\n',
            '      source: ""\n      fixed: false\n',
            "    email:\n",
            None,  # an assumption needs a note, not a source: still fine
        ),
    ],
)
def test_a_broken_range_is_refused_on_its_line_with_a_fix(tmp_path, old, new, entry, expected):
    if expected is None:
        path = tmp_path / "benchmarks.yaml"
        path.write_text(TEMPLATE.replace(old, new), encoding="utf-8")
        assert load_benchmarks(path).channel_costs.costs["email"].to_confirm
        return
    found = _problems(tmp_path, old, new)
    matching = [p for p in found if expected in p]
    assert matching, found
    where = int(re.match(r"FILE line (\d+):", matching[0]).group(1))
    assert _line(entry) <= where <= _line(entry) + 8  # the entry's line, or the key's within it


def test_an_assumption_needs_a_note_and_a_figure_a_source(tmp_path):
    found = _problems(
        tmp_path,
        '      source: "Aston Campbell Associates, Customer Contact Profiling Report, ESD Toolkit (2008)"\n'
        "      status: assumption\n"
        '      note: "the range: one published figure only',
        '      status: assumption\n      other: "the range: one published figure only',
    )
    assert any(
        p.startswith(f"FILE line {_line('    post:')}: channel_costs.costs.post: status is assumption, but there is no note.")
        and "Fix: Add note: what is assumed" in p
        for p in found
    ), found
    found = _problems(
        tmp_path,
        '      source: "Socitm (2012), online transaction; low: Aston',
        '      sourced_from: "Socitm (2012), online transaction; low: Aston',
    )
    assert any(
        p.startswith(f"FILE line {_line('    web_form:')}: channel_costs.costs.web_form: no source. Fix: Add source:")
        and "or mark it status: assumption with a note" in p
        for p in found
    ), found


def test_a_status_other_than_sourced_or_assumption_is_refused(tmp_path):
    found = _problems(
        tmp_path, '    status: assumption\n    note: "no source gives', '    status: assumed\n    note: "no source gives'
    )
    assert any("channel_optimisation_saving.typical.status: Input should be 'sourced' or 'assumption'" in p for p in found)
    assert any("Fix: Write status: sourced (the default) or status: assumption" in p for p in found), found


def test_the_channel_saving_is_an_upper_bound_with_a_lower_typical_value(tmp_path):
    found = _problems(tmp_path, "    value: 0.10\n", "    value: 0.20\n")
    assert found == [
        f"FILE line {_line('  typical:')}: channel_optimisation_saving.typical: 0.2 is above the lower end of the upper "
        "bound (0.15). Fix: A typical saving is below the best reported: lower it, or check the upper bound."
    ]
    found = _problems(tmp_path, "upper_bound: {low: 0.15, high: 0.25}", "upper_bound: {low: 0.25, high: 0.15}")
    assert any("channel_optimisation_saving.upper_bound: low (0.25) is above high (0.15)." in p for p in found), found


# --------------------------------------------------------------------------- what the business case makes of them

ENGAGEMENT = """\
name: small
organisation: Small Council
currency: GBP
period: {start: 2025-01-01, end: 2025-12-31}
seed: 7
inputs:
  initiatives: {path: initiatives.csv}
  levers: {path: levers.csv}
settings:
  business_case:
    horizon_years: 5
    base_year: 2026
    draws: 300
"""


@pytest.fixture
def case(tmp_path: Path) -> Path:
    files = {
        "engagement.yaml": ENGAGEMENT,
        "initiatives.csv": "initiative_id,name,capital_cost,annual_operating_cost,effort_team_months,confidence,"
        "project_type,start_year,ramp_up_years\nI1,Online repairs,1000,100,3,0.8,equipment_development,2026,0\n",
        "levers.csv": "initiative_id,lever,value,low,high,reason,channel,to_channel,source\n"
        "I1,channel_shift,0.2,0.1,0.3,Repair request,phone,web_form,housing team\n"
        "I1,channel_shift,0.2,0.1,0.3,Repair request,email,web_form,housing team\n",
        "run/artifacts/02_voice_of_customer/volumes.csv": "channel,reason,service,contacts,failure_contacts\n"
        "phone,Repair request,Housing,2000,100\nemail,Repair request,Housing,500,0\nweb_form,Repair request,Housing,1000,0\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_business_case_shows_benchmark_assumptions_to_confirm(case):
    result = business_case.run(load_engagement(case / "engagement.yaml"), case / "run")
    table = result.tables["assumptions"].set_index("name")
    to_confirm = table["source"].str.startswith("Assumption to confirm: ")
    assert to_confirm["unit_cost.email"] and to_confirm["unit_cost.phone"] and not to_confirm["unit_cost.web_form"]
    assert "assumed to cost as much as a call" in table.at["unit_cost.email", "source"]
    assert "Socitm" in table.at["unit_cost.web_form", "source"]  # a published range: no flag
    # the published range, converted like the figure: the email's from an online reply to the phone range's high
    factor = table.at["unit_cost.phone", "value"] / 2.83
    assert table.loc["unit_cost.email", ["low", "value", "high"]].tolist() == pytest.approx(
        [0.15 * factor, 2.83 * factor, 4.31 * factor]
    )
    note = next(n for n in result.notes if "to confirm in the room" in n)
    assert note.startswith("2 figures of the business case are assumptions to confirm in the room")
    assert "cost of a phone contact" in note and "cost of an email contact" in note


def test_a_cost_marked_fixed_is_not_drawn(case):
    own = TEMPLATE.replace("      low: 2.12\n      high: 4.31\n", "      low: 2.83\n      high: 2.83\n      fixed: true\n")
    (case / "benchmarks.yaml").write_text(own, encoding="utf-8")
    (case / "engagement.yaml").write_text(ENGAGEMENT + "    benchmarks: benchmarks.yaml\n", encoding="utf-8")
    result = business_case.run(load_engagement(case / "engagement.yaml"), case / "run")
    row = result.tables["assumptions"].set_index("name").loc["unit_cost.phone"]
    assert row["low"] == row["value"] == row["high"] and row["distribution"] == "fixed"
    drawn = result.monte_carlo.values["unit_cost.phone"]
    assert np.all(drawn == row["value"])
    assert result.monte_carlo.values["unit_cost.email"].std() > 0
