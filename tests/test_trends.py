"""Trend charts: what they draw from volumes_over_time, with part periods left out and channels named for clients."""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
import pytest

from cxmethods.plots.trends import plot_channel_trend, plot_reason_trend


def _trend(unit: str = "month", periods: int = 14) -> pd.DataFrame:
    """Volumes by channel and reason; the first and last periods only partly covered, with few contacts."""
    starts = pd.date_range(
        "2024-03-01" if unit == "month" else "2024-03-04", periods=periods, freq="MS" if unit == "month" else "W-MON"
    )
    complete = [0 < i < periods - 1 for i in range(periods)]
    rows = []
    for breakdown, categories in (
        ("channel", {"phone": 300, "web_form": 100, "unknown": 10}),
        ("reason", {"Missed bin collection": 200, "Council tax": 150, "All other reasons": 60}),
    ):
        for category, n in categories.items():
            for i, start in enumerate(starts):
                contacts = n + 10 * i if complete[i] else 3  # a part period holds few contacts
                rows.append(
                    {
                        "granularity": unit,
                        "period": f"{start:%Y-%m}",
                        "period_start": start.date(),
                        "complete": complete[i],
                        "breakdown": breakdown,
                        "category": category,
                        "contacts": contacts,
                    }
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("unit", ["month", "week"])
def test_part_periods_are_not_drawn_and_the_chart_says_so(unit):
    trend = _trend(unit)
    kept = pd.to_datetime(trend.loc[trend["complete"], "period_start"]).drop_duplicates()
    for chart in (plot_channel_trend(trend), plot_reason_trend(trend)):
        for line in chart.axes[0].get_lines():
            drawn = pd.to_datetime([mdates.num2date(x).replace(tzinfo=None) for x in mdates.date2num(line.get_xdata())])
            assert list(drawn) == list(kept) and min(line.get_ydata()) > 3  # no fall at either end
        note = f"The first and last {unit}s, only partly covered by the log, are left out:\na part {unit} is no fall in demand."
        assert note in [t.get_text() for t in chart.texts]
        assert chart._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_channels_are_named_for_clients_and_shares_add_to_one():
    chart = plot_channel_trend(_trend())
    labels = [t.get_text() for t in chart.axes[0].get_legend().get_texts()]
    assert labels == ["Phone", "Web form", "Channel not recorded"]
    shares = chart.axes[1].collections  # one stacked area per channel
    assert len(shares) == 3
    top = shares[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1.0)
    assert chart._suptitle.get_text() == "Contacts by channel\nmonth by month, Apr 2024 to Mar 2025"


def test_the_reason_chart_draws_the_top_reasons_not_the_rest():
    chart = plot_reason_trend(_trend())
    ax = chart.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Missed bin collection", "Council tax"]
    assert ax.get_title().startswith("The top 2 reasons (")


def test_a_table_without_a_complete_period_is_refused():
    trend = _trend().assign(complete=False)
    with pytest.raises(ValueError, match="no complete period of channel volumes to draw"):
        plot_channel_trend(trend)


def test_shares_of_a_period_with_too_few_contacts_are_left_blank():
    trend = _trend()
    sparse = trend["period_start"] == trend.loc[trend["complete"], "period_start"].iloc[4]
    trend.loc[sparse, "contacts"] = [2, 1, 0, 1, 1, 1]  # three contacts: a 67% share would mean nothing
    chart = plot_channel_trend(trend, min_contacts=30)
    drawn = {x for area in chart.axes[1].collections for path in area.get_paths() for x in path.vertices[:, 0]}
    assert mdates.date2num(pd.Timestamp(trend.loc[sparse, "period_start"].iloc[0])) not in drawn
    assert "Shares are blank for months of fewer than 30 contacts." in chart._supxlabel.get_text()
    full = plot_channel_trend(_trend(), min_contacts=30)
    assert "Shares are blank" not in full._supxlabel.get_text()
