"""Contact volumes over time: the channel mix and the top reasons, month by month (or week by week).

Both charts draw :meth:`cxmethods.methods.contacts.ContactLog.volumes_over_time` and leave out a first or last
period the log covers only in part, saying so under the chart, so a month cut short never shows as a fall.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from cxmethods.core.schemas import CHANNELS
from cxmethods.methods.contacts import OTHER_REASONS, channel_label
from cxmethods.plots.channel_mix import CHANNEL_COLOURS
from cxmethods.plots.charts import Chart, wrap_words

__all__ = ["plot_channel_trend", "plot_reason_trend"]

_NOT_RECORDED = "#d9dee3"
_HATCHES = {"web_form": "//", "mobile_app": ".."}  # self-service hatched, as in the channel-mix chart (grey print)
_LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))  # top reasons apart in grey print too
_REASON_COLOURS = ("#1f5f8b", "#e07b39", "#3e4c59", "#7fa7c9", "#b5651d")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not %b: locale-free


def plot_channel_trend(trend: pd.DataFrame, *, min_contacts: int = 30, figsize: tuple[float, float] = (6.8, 6.4)) -> Chart:
    """Contacts by channel per period (lines, top) and each channel's share of them (stacked areas, bottom).

    Shares are left blank for a period of fewer than ``min_contacts`` contacts: two contacts make a 0% or 100%
    share that means nothing, and their swings would hide the trend. The chart says so.
    """
    grid, unit, dropped = _grid(trend, "channel")
    order = {c: i for i, c in enumerate(CHANNELS)}
    channels = sorted(grid.columns, key=lambda c: order.get(c, len(order)))
    grid = grid[channels]
    fig = Chart(figsize=figsize, layout="constrained")  # makes room for the title, legend and note, whatever their size
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1.15]})
    marker = "o" if len(grid) <= 24 else None
    colours = [CHANNEL_COLOURS.get(c, _NOT_RECORDED) for c in channels]
    for channel, colour in zip(channels, colours):
        top.plot(grid.index, grid[channel], color=colour, marker=marker, markersize=3, linewidth=2, label=channel_label(channel))
    top.set_ylabel(f"contacts a {unit}", fontsize=11)
    _counts_axis(top)
    top.set_ylim(bottom=0)
    totals = grid.sum(axis=1)
    few = totals < min_contacts
    shares = grid.div(totals.where(~few), axis=0)  # NaN where too few: a gap in the areas, not a fall to 0
    upper = shares.cumsum(axis=1)
    for channel, colour in zip(channels, colours):
        area = bottom.fill_between(
            grid.index,
            (upper[channel] - shares[channel]).to_numpy(float),
            upper[channel].to_numpy(float),
            facecolor=colour,
            edgecolor="white",
            linewidth=0.5,
        )
        area.set_hatch(_HATCHES.get(channel, ""))
    bottom.set_ylim(0, 1)
    bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bottom.set_ylabel("share of contacts", fontsize=11)
    for ax in (top, bottom):
        _style(ax)
    _date_axis(bottom, grid.index, unit)
    top.legend(loc="lower center", bbox_to_anchor=(0.5, 1.02), ncol=min(len(channels), 3), fontsize=10, frameon=False)
    fig.suptitle(f"Contacts by channel\n{unit} by {unit}, {_span(grid.index, unit)}", fontsize=12)
    blank = f"Shares are blank for {unit}s of fewer than {min_contacts} contacts." if few.any() else None
    _footnote(fig, dropped, unit, blank)
    return fig


def plot_reason_trend(trend: pd.DataFrame, *, figsize: tuple[float, float] = (6.8, 5.4)) -> Chart:
    """Contacts per period for each of the top reasons (the rest, grouped, is left out: it would flatten the lines)."""
    grid, unit, dropped = _grid(trend, "reason")
    reasons = [r for r in grid.columns if r != OTHER_REASONS]
    order = trend.loc[trend["breakdown"] == "reason", "category"].drop_duplicates().tolist()
    reasons.sort(key=order.index)  # as the table lists them: most contacts first
    share = grid[reasons].to_numpy().sum() / grid.to_numpy().sum() if grid.to_numpy().sum() else 0.0
    fig = Chart(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    marker = "o" if len(grid) <= 24 else None
    for i, reason in enumerate(reasons):
        ax.plot(
            grid.index,
            grid[reason],
            color=_REASON_COLOURS[i % len(_REASON_COLOURS)],
            linestyle=_LINESTYLES[i % len(_LINESTYLES)],
            marker=marker,
            markersize=3,
            linewidth=2,
            label=wrap_words(str(reason), 28),
        )
    ax.set_ylabel(f"contacts a {unit}", fontsize=11)
    _counts_axis(ax)
    ax.set_ylim(bottom=0)
    _style(ax)
    _date_axis(ax, grid.index, unit)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=10, frameon=False)
    ax.set_title(
        f"The top {len(reasons)} reasons ({share:.0%} of contacts)\n{unit} by {unit}, {_span(grid.index, unit)}",
        fontsize=12,
    )
    _footnote(fig, dropped, unit)
    return fig


def _grid(trend: pd.DataFrame, breakdown: str) -> tuple[pd.DataFrame, str, int]:
    """Complete periods x categories of contacts, the period's unit, and how many partial periods were left out."""
    rows = trend[trend["breakdown"] == breakdown]
    complete = rows["complete"].astype(str) == "True"
    if not complete.any():
        raise ValueError(f"no complete period of {breakdown} volumes to draw")
    unit = str(rows["granularity"].iloc[0])
    dropped = pd.to_datetime(rows.loc[~complete, "period_start"]).nunique()
    kept = rows[complete]
    grid = kept.pivot_table(
        index=pd.to_datetime(kept["period_start"]), columns="category", values="contacts", aggfunc="sum", sort=False
    )
    return grid.sort_index().fillna(0), unit, dropped


def _span(index: pd.DatetimeIndex, unit: str) -> str:
    first, last = index.min(), index.max()
    if unit == "month":
        return f"{_MONTHS[first.month - 1]} {first.year} to {_MONTHS[last.month - 1]} {last.year}"
    return f"weeks of {_day(first)} to {_day(last)}"


def _day(when: pd.Timestamp) -> str:
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def _footnote(fig: Chart, dropped: int, unit: str, more: str | None = None) -> None:
    notes = [more] if more else []
    if dropped:
        what = f"The first or last {unit}" if dropped == 1 else f"The first and last {unit}s"
        verb = "is" if dropped == 1 else "are"
        notes.insert(0, f"{what}, only partly covered by the log, {verb} left out:\na part {unit} is no fall in demand.")
    if notes:  # laid out with the chart, not over it
        fig.supxlabel("\n".join(notes), x=0.01, ha="left", fontsize=10, color="#616e7c")


def _counts_axis(ax) -> None:
    """Whole contacts on the axis: a tick at 2.5 labelled '2' would misstate a small log's counts."""
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _style(ax) -> None:
    ax.grid(axis="y", color="#eeeeee")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=10)


def _date_axis(ax, index: pd.DatetimeIndex, unit: str) -> None:
    """Ticks at whole years on a long log, else at months (or Mondays), named in English whatever the machine's locale."""
    years = (index.max() - index.min()).days / 365.25
    if years > 3:
        ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, round(years / 8))))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{mdates.num2date(v).year}"))
        return
    if unit == "month":
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, round(years * 12 / 8))))
    else:
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=max(1, round(len(index) / 8))))

    def label(value: float, position: int | None) -> str:
        when = mdates.num2date(value)
        day = "" if unit == "month" else f"{when.day} "
        text = f"{day}{_MONTHS[when.month - 1]}"
        return f"{text}\n{when.year}" if position == 0 or (when.month == 1 and (not day or when.day <= 7)) else text

    ax.xaxis.set_major_formatter(FuncFormatter(label))
