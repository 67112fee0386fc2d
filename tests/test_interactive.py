"""The report's interactive tables and charts as HTML: escaped, embedded safely, deterministic, complete without JS.

The browser's side (sorting, filtering, drawing) is tested in tests/browser/test_report_interactive.py.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from cxmethods.core.errors import CxmError
from cxmethods.outputs.interactive import ASSET_FILES, ASSETS, copy_assets, filter_chart_html, sort_key, table_html

EVIL = '<script>alert("x")</script> & </script><!-- "quoted" \'single\''


class Tree(HTMLParser):
    """The page's elements in order, with their attributes and text: enough to read a table back."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[tuple[str, str]] = []
        self.stack: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in ("input", "br", "meta", "link"):
            self.stack.append(tag)
            self.open_tags.append(tag)
        if tag == "script":
            self.scripts.append((dict(attrs), ""))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self.stack:
            self.text.append((self.stack[-1], data))


def parse(markup: str) -> Tree:
    tree = Tree()
    tree.feed(markup)
    tree.close()
    assert not tree.stack, f"unclosed elements: {tree.stack}"
    return tree


def table_cells(markup: str) -> list[list[str]]:
    """The body rows' cell texts, read back from the HTML."""
    rows, row, cell, inside = [], None, None, False

    class Cells(HTMLParser):
        def handle_starttag(self, tag, attrs):
            nonlocal row, cell, inside
            if tag == "tbody":
                inside = True
            elif tag == "tr" and inside:
                row = []
            elif tag in ("td", "th") and row is not None:
                cell = ""

        def handle_endtag(self, tag):
            nonlocal row, cell, inside
            if tag in ("td", "th") and row is not None and cell is not None:
                row.append(cell)
                cell = None
            elif tag == "tr" and row is not None:
                rows.append(row)
                row = None
            elif tag == "tbody":
                inside = False

        def handle_data(self, data):
            nonlocal cell
            if cell is not None:
                cell += data

    Cells(convert_charrefs=True).feed(markup)
    return rows


@pytest.fixture
def costs() -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.DataFrame(
        {
            "reason": [EVIL, "Missed bin", "Pothole", "Parking"],
            "channel": ["Phone", "Web form", "Phone", "Web form"],
            "cost": [1200.0, 900.0, None, 15000.4],
            "share": [0.134, 0.5, 0.05, 0.316],
        }
    )
    shown = pd.DataFrame(
        {
            "Reason": raw["reason"],
            "Channel": raw["channel"],
            "Cost": ["£1,200", "£900", "\u2013", "£15,000"],
            "Share": ["13%", "50%", "5%", "32%"],
        }
    )
    return shown, raw


def test_a_table_escapes_every_text_and_parses_whole(costs):
    shown, _ = costs
    markup = table_html(shown, caption=f"Costs {EVIL}", table_id="costs", note=f"Note {EVIL}")
    assert "<script>alert" not in markup and "</script><!--" not in markup
    tree = parse(markup)  # every element closed where it opened: no value broke out of its cell
    assert [t for t, _ in tree.elements].count("script") == 0
    texts = "".join(t for _, t in tree.text)
    assert f"Costs {EVIL}" in texts and f"Note {EVIL}" in texts
    assert table_cells(markup)[0][0] == EVIL  # the value comes back exactly as written


def test_a_table_is_complete_and_accessible_without_the_script(costs):
    shown, _ = costs
    markup = table_html(shown, caption="Costs", table_id="costs")
    tree = parse(markup)
    tags = [t for t, _ in tree.elements]
    assert "caption" in tags
    heads = [a for t, a in tree.elements if t == "th" and a.get("scope") == "col"]
    assert len(heads) == 4
    assert [r[0] for r in table_cells(markup)] == shown["Reason"].tolist()
    assert table_cells(markup)[1] == ["Missed bin", "Web form", "£900", "50%"]
    controls = [a for t, a in tree.elements if t == "div" and a.get("class") == "cxm-controls"]
    assert controls and "hidden" in controls[0], "the controls only show once the script makes them work"
    # the scrolling box can be reached by keyboard and is named by the caption
    region = next(a for t, a in tree.elements if t == "div" and a.get("role") == "region")
    assert region["tabindex"] == "0" and region["aria-labelledby"] == "costs-caption"
    # every filter has a label
    for t, a in tree.elements:
        if t in ("select", "input"):
            assert any(t2 == "label" and a2.get("for") == a["id"] for t2, a2 in tree.elements), a


def test_numbers_money_and_percentages_sort_by_value(costs):
    shown, _ = costs
    tree = parse(table_html(shown, caption="Costs", table_id="costs"))
    heads = {a.get("data-type") for t, a in tree.elements if t == "th" and a.get("scope") == "col"}
    assert heads == {"text", "number"}
    sorts = [a["data-sort"] for t, a in tree.elements if t == "td" and "data-sort" in a]
    assert sorts == ["1200", "0.13", "900", "0.5", "", "0.05", "15000", "0.32"]  # missing: empty, sorted last
    # £1,200 after £900 numerically, though before it as text
    assert float(sorts[0]) > float(sorts[2]) and "£1,200" < "£900"


def test_raw_values_given_beside_the_text_are_what_sorts(costs):
    shown, raw = costs
    tree = parse(table_html(shown, caption="Costs", table_id="costs", sort_values=raw))
    sorts = [a["data-sort"] for t, a in tree.elements if t == "td" and "data-sort" in a]
    assert sorts[:2] == ["1200", "0.134"] and sorts[6:8] == ["15000.4", "0.316"]
    by_header = parse(table_html(shown, caption="Costs", table_id="costs", sort_values={"Share": raw["share"]}))
    assert [a["data-sort"] for t, a in by_header.elements if t == "td" and "data-sort" in a][1] == "0.134"
    with pytest.raises(CxmError, match="Costs per head"):
        table_html(shown, caption="Costs", table_id="costs", sort_values={"Costs per head": [1, 2, 3, 4]})
    with pytest.raises(CxmError, match="3 values"):
        table_html(shown, caption="Costs", table_id="costs", sort_values={"Cost": [1, 2, 3]})


def test_choice_lists_only_for_columns_of_a_few_repeated_values(costs):
    shown, _ = costs
    tree = parse(table_html(shown, caption="Costs", table_id="costs"))
    selects = [a for t, a in tree.elements if t == "select"]
    assert [s["data-filter-col"] for s in selects] == ["1"]  # Channel: two values, each twice; not Reason or numbers
    options = [a.get("value") for t, a in tree.elements if t == "option"]
    assert options == ["", "Phone", "Web form"]
    plain = parse(table_html(shown, caption="Costs", table_id="costs", filterable=False))
    assert not [a for t, a in plain.elements if t in ("select", "input")]


def test_sort_keys():
    assert [sort_key(v) for v in ("£1,200", "£900", "-€4,100", "USD 12", "1.5 pts", "3.4 years", "19,402")] == [
        1200.0,
        900.0,
        -4100.0,
        12.0,
        1.5,
        3.4,
        19402.0,
    ]
    assert sort_key("5 Dec 2026") == "2026-12-05" and sort_key("Jan 2025") == "2025-01"
    assert sort_key("\u2013") is None and sort_key("") is None and sort_key("Phone") == "Phone"


def test_ids_must_be_html_ids(costs):
    shown, _ = costs
    with pytest.raises(CxmError, match="HTML id"):
        table_html(shown, caption="Costs", table_id='x" onclick="alert(1)')


# -- charts -----------------------------------------------------------------------------------------


@pytest.fixture
def cube() -> pd.DataFrame:
    rows = []
    for month, channel, area, reason, n, failure in [
        ("2025-04", "phone", "North", "Bins", 10, 2),
        ("2025-04", "web_form", "North", "Bins", 5, 0),
        ("2025-04", "phone", "South", EVIL, 3, 3),
        ("2025-05", "phone", "North", "Bins", 7, 1),
        ("2025-05", "web_form", "South", EVIL, 8, 4),
        ("2025-06", "web_form", "South", "Bins", 4, 0),
    ]:
        rows.append(
            {"month": month, "channel": channel, "area": area, "reason": reason, "contacts": n, "failure_contacts": failure}
        )
    return pd.DataFrame(rows)


def chart_spec(markup: str) -> dict:
    tree = parse(markup)
    (attrs, text), *_ = tree.scripts
    assert attrs["type"] == "application/json"
    return json.loads(text)


def test_a_chart_embeds_its_data_safely_and_escapes_its_text(cube):
    markup = filter_chart_html(
        cube, chart_id="c1", title=f"Contacts {EVIL}", alt=f"Bars {EVIL}", measure="contacts", x="month", filters=["reason"]
    )
    # the only </script> is the data's own end, so no value can end it early; the JSON reads back exactly
    assert markup.count("</script>") == 1 and "<!--" not in markup.split('type="application/json"', 1)[1]
    spec = chart_spec(markup)
    reasons = next(d for d in spec["dims"] if d["name"] == "reason")
    assert EVIL in reasons["values"] and EVIL in reasons["labels"]
    tree = parse(markup)
    figure = tree.elements[0][1]
    assert figure["data-alt"] == f"Bars {EVIL}"
    assert "<script>alert" not in markup.split('type="application/json"', 1)[0]
    assert any(t == "figcaption" for t, _ in tree.elements)


def test_a_chart_carries_what_it_needs_summed_and_its_figures_as_a_table(cube):
    markup = filter_chart_html(
        cube, chart_id="c1", title="Contacts", alt="Bars", measure="contacts", x="month", series="channel", filters=["area"]
    )
    spec = chart_spec(markup)
    assert [d["name"] for d in spec["dims"]] == ["month", "channel", "area"]  # reason was not asked for: summed over
    months = spec["dims"][0]
    assert months["values"] == ["2025-04", "2025-05", "2025-06"] and months["labels"] == ["Apr 2025", "May 2025", "Jun 2025"]
    assert spec["dims"][1]["labels"] == ["Phone", "Web form"]  # largest first: phone 20, web 17
    # every row sums the cube's rows for its dimension values (checked against pandas on the cube itself)
    expected = cube.groupby(["month", "channel", "area"])["contacts"].sum().to_dict()
    got = {tuple(spec["dims"][i]["values"][row[i]] for i in range(3)): row[3] for row in spec["rows"]}
    assert got == expected
    # the no-JS table: months by channel, unfiltered
    figures = table_cells(markup)
    assert figures == [["Apr 2025", "13", "5"], ["May 2025", "7", "8"], ["Jun 2025", "0", "4"]]
    selects = [a for t, a in parse(markup).elements if t == "select"]
    assert [s["data-dim"] for s in selects] == ["area"]


def test_a_share_is_the_ratio_of_sums(cube):
    cube = cube.assign(rated=cube["contacts"], satisfied=cube["contacts"] - cube["failure_contacts"])
    markup = filter_chart_html(cube, chart_id="s", title="Satisfied", alt="Bars", measure=("satisfied", "rated"), x="channel")
    spec = chart_spec(markup)
    assert spec["format"]["kind"] == "share"
    phone = cube[cube["channel"] == "phone"]
    share = phone["satisfied"].sum() / phone["rated"].sum()  # 14 / 20, not a mean of row shares
    assert table_cells(markup)[0] == ["Phone", f"{share:.0%}"]


def test_filters_for_missing_or_single_valued_dimensions_are_not_shown(cube):
    cube = cube.assign(area=None, channel="phone")
    markup = filter_chart_html(
        cube,
        chart_id="c",
        title="Contacts",
        alt="Bars",
        measure="contacts",
        x="month",
        filters=["channel", "area", "reason", "segment"],
    )
    assert [a["data-dim"] for t, a in parse(markup).elements if t == "select"] == ["reason"]
    with pytest.raises(CxmError, match="no column"):
        filter_chart_html(cube, chart_id="c", title="T", alt="A", measure="calls", x="month")


def test_html_is_deterministic(cube, costs):
    shown, raw = costs
    once = filter_chart_html(
        cube, chart_id="c", title="T", alt="A", measure="contacts", x="month", series="channel", filters=["area"]
    )
    shuffled = cube.sample(frac=1, random_state=3)
    assert (
        filter_chart_html(
            shuffled, chart_id="c", title="T", alt="A", measure="contacts", x="month", series="channel", filters=["area"]
        )
        == once
    )
    assert table_html(shown, caption="C", table_id="t", sort_values=raw) == table_html(
        shown, caption="C", table_id="t", sort_values=raw
    )


def test_assets_are_copied_byte_for_byte(tmp_path):
    paths = copy_assets(tmp_path / "report")
    assert [p.name for p in paths] == list(ASSET_FILES)
    for p in paths:
        assert p.read_bytes() == (ASSETS / p.name).read_bytes()
    again = copy_assets(tmp_path / "report")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    script = (ASSETS / "cxm.js").read_text(encoding="utf-8")
    # offline: the script asks for nothing over the network
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", script)
    assert not re.search(r"\b(fetch|XMLHttpRequest|import\s*\()", script)
    assert html.escape("x") == "x"


def test_a_chart_of_a_measure_with_no_figures_is_an_error_not_zeros(cube):
    empty = cube.assign(failure_contacts=None)
    with pytest.raises(CxmError, match="no figures"):
        filter_chart_html(empty, chart_id="f", title="Failure", alt="A", measure="failure_contacts", x="month")
    with pytest.raises(CxmError, match="no month to draw"):
        filter_chart_html(cube.assign(month=None), chart_id="f", title="T", alt="A", measure="contacts", x="month")
    # a contact without an area is counted under "Not recorded"; one without a month on no month's bar
    gaps = pd.concat([cube, cube.head(1).assign(area=None, contacts=100), cube.head(1).assign(month=None, contacts=1000)])
    spec = chart_spec(filter_chart_html(gaps, chart_id="g", title="T", alt="A", measure="contacts", x="month", filters=["area"]))
    areas = next(d for d in spec["dims"] if d["name"] == "area")
    assert "Not recorded" in areas["labels"] and sum(r[-1] for r in spec["rows"]) == cube["contacts"].sum() + 100


# -- the report's standard charts, from a run folder ------------------------------------------------------


def test_contact_charts_say_what_they_show_with_the_cubes_own_figures(tmp_path, cube):
    from cxmethods.io.artifacts import VOICE_OF_CUSTOMER, write_table
    from cxmethods.outputs.interactive import contact_charts

    write_table(cube, tmp_path, VOICE_OF_CUSTOMER, "contact_cube")
    charts = contact_charts(tmp_path)
    assert len(charts) == 3 and all("data-cxm-chart" in c for c in charts)
    months = cube.groupby("month")["contacts"].sum()  # Apr 18, May 15, Jun 4
    alt = html.unescape(re.search(r'data-alt="([^"]*)"', charts[0])[1])
    assert f"busiest month was Apr 2025 with {months.max():,}" in alt and f"quietest Jun 2025 with {months.min():,}" in alt
    phone = cube.loc[cube["channel"] == "phone", "contacts"].sum() / cube["contacts"].sum()
    assert f"Phone carried {phone:.0%}" in html.unescape(charts[1])
    failure = cube["failure_contacts"].sum() / cube["contacts"].sum()
    assert f"Failure demand was {failure:.0%}" in html.unescape(charts[2])
    # without failure rules, a plain note instead of a chart of zeros; without the artifact, a note too
    write_table(cube.assign(failure_contacts=None), tmp_path, VOICE_OF_CUSTOMER, "contact_cube")
    charts = contact_charts(tmp_path)
    assert "Failure demand is not charted" in charts[-1] and "data-cxm-chart" not in charts[-1]
    assert "no contact log" in contact_charts(tmp_path / "elsewhere")[0]


def test_survey_charts_compare_satisfied_shares_or_say_why_not(tmp_path):
    from cxmethods.io.artifacts import SEGMENTATION, write_table
    from cxmethods.outputs.interactive import survey_charts

    cube = pd.DataFrame(
        {
            "segment": ["Busy", "Busy", "Older", "Older"],
            "channel": ["phone", "web_form", "phone", "web_form"],
            "area": ["North", "South", "North", "South"],
            "month": [None] * 4,
            "respondents": [10, 20, 30, 40],
            "rated": [10, 20, 30, 40],
            "satisfied": [5, 16, 9, 20],
        }
    )
    write_table(cube, tmp_path, SEGMENTATION, "survey_cube")
    charts = survey_charts(tmp_path)
    assert len(charts) == 2
    text = html.unescape(charts[0])
    assert "from 41% (Older) to 70% (Busy); 50% overall" in text  # 29/70, 21/30, 50/100
    assert [a["data-dim"] for t, a in parse(charts[0]).elements if t == "select"] == ["channel", "area"]  # no months
    write_table(cube.assign(rated=None, satisfied=None), tmp_path, SEGMENTATION, "survey_cube")
    assert "no overall question" in survey_charts(tmp_path)[0]
