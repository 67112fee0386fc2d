"""The report's interactive tables and charts in headless Chromium, opened from disk with the network cut off.

A page is built with :mod:`cxmethods.outputs.interactive` from the sample engagement's own contact log and survey
(the contact cube and the survey cube as the workbooks compute them) and a table of money with a missing value;
it is opened from ``file://`` in a context that is offline and aborts any http(s) request. Clicking a header must
sort (money in numeric order, missing last), typing in the filter must hide rows, and choosing a channel, area or
month in a chart's lists must change the bars drawn to the figures pandas gives for that choice. The page must ask
for nothing but its own files. Screenshots (1366 and 390 px wide) go to the browser tests' screenshot folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from cxmethods.outputs.interactive import asset_tags, copy_assets, filter_chart_html, table_html

pytestmark = pytest.mark.browser

MONEY = pd.DataFrame(
    {
        "Reason": ["Missed bin", "Pothole <repair>", "Parking permit", "Council tax"],
        "Channel": ["Phone", "Web form", "Phone", "Web form"],
        "Cost": ["£1,200", "£900", "\u2013", "£15,000"],
    }
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A report folder with one page: the money table, the sample's reasons, and charts of its two cubes."""
    from cxmethods import load_engagement
    from cxmethods.io.inputs import read_input
    from cxmethods.io.questionnaire import questionnaire
    from cxmethods.methods.contacts import ContactLog
    from cxmethods.methods.drivers import satisfaction_cube
    from cxmethods.outputs.present import present

    engagement = load_engagement()  # the sample engagement shipped with the package
    with ContactLog(engagement) as log:
        cube = log.contact_cube()
        reasons = log.reasons()
    survey = read_input(engagement, "survey")
    survey_cube = satisfaction_cube(survey, outcome=questionnaire(engagement.inputs.survey).outcome)
    folder = tmp_path_factory.mktemp("report")
    copy_assets(folder)
    shown = present(
        reasons[["reason", "contacts", "share"]], labels={"reason": "Reason", "contacts": "Contacts", "share": "Share"}
    )
    parts = [
        table_html(MONEY, caption="Cost of each reason", table_id="money", note="A dash: no cost recorded."),
        table_html(
            shown, caption="Why customers contact us", table_id="reasons", sort_values=reasons[["reason", "contacts", "share"]]
        ),
        filter_chart_html(
            cube,
            chart_id="monthly",
            title="Contacts each month",
            alt="Bars of contacts each month, stacked by channel.",
            measure="contacts",
            x="month",
            series="channel",
            filters=["channel", "area", "reason"],
        ),
        filter_chart_html(
            cube,
            chart_id="channels",
            title="Contacts by channel",
            alt="Bars of contacts by channel.",
            measure="contacts",
            x="channel",
            filters=["month", "area", "segment"],
        ),
        filter_chart_html(
            survey_cube,
            chart_id="satisfied",
            title="Satisfied share by preferred channel",
            alt="Bars of the share satisfied by the channel respondents prefer.",
            measure=("satisfied", "rated"),
            x="channel",
            filters=["area", "segment"],
        ),
    ]
    page = folder / "index.html"
    page.write_text(
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Interactive</title>'
        f"{asset_tags()}</head><body><main><h1>Interactive report</h1>{''.join(parts)}</main></body></html>",
        encoding="utf-8",
    )
    return {"page": page, "folder": folder, "cube": cube, "survey_cube": survey_cube}


@pytest.fixture
def opened(browser, report):
    """The page open at 1366 px, offline, every http(s) request aborted and every request recorded."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, offline=True)
    requests: list[str] = []
    context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
    tab = context.new_page()
    tab.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(report["page"].as_uri())
    expect(tab.locator("#monthly svg")).to_be_visible()
    try:
        yield tab, requests, errors
    finally:
        context.close()


def body_column(tab, table: str, column: int) -> list[str]:
    return tab.eval_on_selector_all(
        f"#{table} tbody tr:not([hidden])", f"rows => rows.map(r => r.cells[{column}].textContent.trim())"
    )


def bars(tab, chart: str) -> dict[str, float]:
    """The values drawn, by bar (``x`` and series), read from the SVG itself."""
    marks = tab.eval_on_selector_all(
        f"#{chart} svg .cxm-mark",
        "ms => ms.map(m => [m.dataset.x + '|' + m.dataset.series, m.dataset.value === '' ? null : +m.dataset.value])",
    )
    return {key: value for key, value in marks}


def test_headers_sort_money_as_numbers_with_missing_last(opened, screenshots):
    tab, _, errors = opened
    cost = tab.locator("#money th", has_text="Cost")
    assert cost.get_attribute("aria-sort") == "none"
    cost.get_by_role("button").click()
    expect(cost).to_have_attribute("aria-sort", "ascending")
    assert body_column(tab, "money", 2) == ["£900", "£1,200", "£15,000", "\u2013"]  # £1,200 after £900, as numbers
    cost.get_by_role("button").click()
    expect(cost).to_have_attribute("aria-sort", "descending")
    assert body_column(tab, "money", 2) == ["£15,000", "£1,200", "£900", "\u2013"]  # missing last either way
    # by keyboard: the sort buttons are in the tab order and Enter sorts
    reason = tab.locator("#money th", has_text="Reason")
    reason.get_by_role("button").focus()
    tab.keyboard.press("Enter")
    expect(reason).to_have_attribute("aria-sort", "ascending")
    assert body_column(tab, "money", 0) == ["Council tax", "Missed bin", "Parking permit", "Pothole <repair>"]
    expect(cost).to_have_attribute("aria-sort", "none")
    # the sample's reasons: contacts in numeric order, most first after two clicks
    contacts = tab.locator("#reasons th", has_text="Contacts")
    contacts.get_by_role("button").click()
    contacts.get_by_role("button").click()
    shown = [int(v.replace(",", "")) for v in body_column(tab, "reasons", 1)]
    assert shown == sorted(shown, reverse=True) and len(shown) > 10
    tab.locator("#money").screenshot(path=screenshots / "report-table-sorted.png")
    assert not errors


def test_typing_in_the_filter_hides_rows_and_a_column_list_narrows_them(opened, screenshots):
    tab, _, errors = opened
    box = tab.get_by_label("Find in the table").first
    box.fill("bin")
    assert body_column(tab, "money", 0) == ["Missed bin"]
    expect(tab.locator("#money .cxm-count")).to_have_text("Showing 1 of 4 rows.")
    box.fill("")
    assert len(body_column(tab, "money", 0)) == 4
    tab.locator("#money select").select_option(label="Web form")
    assert body_column(tab, "money", 1) == ["Web form", "Web form"]
    box.fill("pothole")
    assert body_column(tab, "money", 0) == ["Pothole <repair>"]
    tab.locator("#money").screenshot(path=screenshots / "report-table-filtered.png")
    assert not errors


def test_chart_filters_redraw_the_bars_with_the_figures_for_the_choice(opened, report, screenshots):
    tab, _, errors = opened
    cube = report["cube"]
    before = bars(tab, "monthly")
    months = sorted(cube["month"].dropna().unique())
    assert len(before) > len(months)  # one bar piece per month and channel
    tab.screenshot(path=screenshots / "report-chart-all.png", full_page=True)

    # a channel: only its pieces are drawn, and they are the cube's contacts for it, month by month
    tab.locator("#monthly").get_by_label("Channel", exact=True).select_option(label="Phone")
    expect(tab.locator("#monthly .cxm-status")).to_contain_text("Phone")
    phone = bars(tab, "monthly")
    assert phone != before
    expected = cube[cube["channel"] == "phone"].groupby("month")["contacts"].sum()
    assert {k.split("|")[0]: v for k, v in phone.items()} == {
        pd.Timestamp(m).strftime("%b %Y"): float(n) for m, n in expected.items()
    }

    # then an area as well: fewer contacts again, still as pandas sums them
    area = cube.loc[cube["area"] != "unknown"].groupby("area")["contacts"].sum().idxmin()
    tab.locator("#monthly select[data-dim='area']").select_option(label=area)
    narrowed = bars(tab, "monthly")
    expected = cube[(cube["channel"] == "phone") & (cube["area"] == area)].groupby("month")["contacts"].sum()
    assert sum(narrowed.values()) == float(expected.sum()) < sum(phone.values())
    # the figures table beside the chart says the same
    first = tab.locator("#monthly-figures tbody tr").first.locator("td").first.text_content()
    assert first == f"{int(expected.iloc[0]):,}"
    tab.locator("#monthly").screenshot(path=screenshots / "report-chart-filtered.png")

    # a month in the chart by channel: the bars become that month's contacts by channel
    month = months[0]
    tab.locator("#channels select[data-dim='month']").select_option(label=pd.Timestamp(month).strftime("%b %Y"))
    drawn = {k.split("|")[0]: v for k, v in bars(tab, "channels").items()}
    expected = cube[cube["month"] == month].groupby("channel")["contacts"].sum()
    assert drawn["Phone"] == float(expected["phone"]) and sum(drawn.values()) == float(expected.sum())
    # the survey cube has no segments here (workbook 03 not run): no segment list is offered
    assert tab.locator("#channels select[data-dim='segment']").count() == 0
    assert tab.locator("#satisfied select[data-dim='segment']").count() == 0
    assert not errors


def test_the_satisfied_share_is_the_ratio_of_sums_for_the_area_chosen(opened, report):
    tab, _, errors = opened
    survey = report["survey_cube"]
    area = survey.loc[survey["area"] != "unknown"].groupby("area")["respondents"].sum().idxmax()
    tab.locator("#satisfied select[data-dim='area']").select_option(label=area)
    drawn = {k.split("|")[0]: v for k, v in bars(tab, "satisfied").items()}
    chosen = survey[survey["area"] == area].groupby("channel")[["satisfied", "rated"]].sum()
    phone = chosen.loc["phone"]
    assert drawn["Phone"] == pytest.approx(phone["satisfied"] / phone["rated"], abs=1e-9)
    assert not errors


def test_the_page_asks_for_nothing_but_its_own_files(opened, report):
    tab, requests, errors = opened
    tab.locator("#monthly").get_by_label("Channel", exact=True).select_option(label="Web form")
    tab.wait_for_timeout(300)
    folder = report["folder"].as_uri()
    assert requests and all(url.startswith(folder) for url in requests), requests
    assert {Path(url).name for url in requests} == {"index.html", "cxm.js", "cxm.css"}
    assert not errors


def test_phone_width_keeps_the_page_inside_the_screen(browser, report, screenshots):
    context = browser.new_context(viewport={"width": 390, "height": 844}, offline=True)
    try:
        tab = context.new_page()
        tab.goto(report["page"].as_uri())
        expect(tab.locator("#monthly svg")).to_be_visible()
        # the page never scrolls sideways: wide tables scroll inside their own box, charts are drawn to fit
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        width = tab.eval_on_selector("#monthly svg", "s => s.getBoundingClientRect().width")
        assert 250 <= width <= 390
        font = tab.eval_on_selector("#monthly svg .cxm-tick", "t => parseFloat(getComputedStyle(t).fontSize)")
        assert font >= 12  # drawn at the phone's own width: the axis text is not shrunk
        tab.screenshot(path=screenshots / "report-phone.png", full_page=True)
    finally:
        context.close()
