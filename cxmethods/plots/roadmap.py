"""Charts of the road map: priorities (value against effort, or ranked scores) and the schedule as a timeline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_one_of
from cxmethods.methods.prioritisation import METHODS, NEXT, NOW, WAIT, quadrant_medians, quarter_label
from cxmethods.plots.charts import CURRENT, TARGET, Chart

__all__ = ["plot_priorities", "plot_timeline"]


_TITLES = {
    "value_effort": "value / effort",
    "rice": "RICE (reach x impact x confidence / effort)",
    "wsjf": "WSJF (cost of delay / job size)",
    "weighted": "weighted criteria",
}


def plot_priorities(prioritised: pd.DataFrame, *, method: str) -> Chart:
    """Draw a :func:`prioritise` table: the value x effort matrix for ``value_effort``, else ranked score bars."""
    check_one_of(method, "method", "plot_priorities", METHODS)
    scored = prioritised[prioritised["score"].notna()]
    unscored = prioritised.loc[prioritised["score"].isna(), "id"].astype(str)
    note = f"\nnot scored: {', '.join(unscored)}" if len(unscored) else ""
    matrix = method == "value_effort"
    fig = Chart(figsize=(7.5, 5.5) if matrix else (8, 0.38 * len(scored) + 1.6))
    ax = fig.add_subplot()
    ax.set_axisbelow(True)
    if matrix:
        x, y = pd.to_numeric(scored["effort"]), pd.to_numeric(scored["value"])
        if len(scored):
            value_median, effort_median = quadrant_medians(prioritised)
            ax.axvline(effort_median, color="#7b8794", linestyle="--", linewidth=1)
            ax.axhline(value_median, color="#7b8794", linestyle="--", linewidth=1)
        ax.scatter(x, y, s=60, color=CURRENT, zorder=3)
        for name, xi, yi in zip(scored["id"], x, y):
            ax.annotate(str(name), (xi, yi), xytext=(6, 4), textcoords="offset points", fontsize=9)
        ax.margins(0.15)  # room in the corners for the quadrant names
        for label, cx, cy in (("Quick wins", 0, 1), ("Major projects", 1, 1), ("Fill-ins", 0, 0), ("Money pits", 1, 0)):
            ax.text(
                0.02 + 0.96 * cx,
                0.02 + 0.96 * cy,
                label,
                transform=ax.transAxes,
                ha=("left", "right")[cx],
                va=("bottom", "top")[cy],
                fontsize=9,
                color="#3e4c59",
                style="italic",
            )
        ax.set(xlabel="effort (team-months)", ylabel="value", title=f"Value against effort (lines at the medians){note}")
    else:
        rows = scored.iloc[::-1]
        ax.barh(np.arange(len(rows)), rows["score"], color=CURRENT)
        titles = rows["title"] if "title" in rows else [""] * len(rows)
        ax.set_yticks(
            np.arange(len(rows)), [f"{r:g}. {i} {_short(t)}" for r, i, t in zip(rows["rank"], rows["id"], titles)], fontsize=8
        )
        ax.axvline(0, color="#7b8794", linewidth=1)
        ax.set(xlabel="score", title=f"Initiatives ranked by {_TITLES[method]}{note}")
    ax.grid(color="#eeeeee")
    fig.tight_layout()
    return fig


def plot_timeline(schedule: pd.DataFrame) -> Chart:
    """Draw a :func:`schedule`: a bar per scheduled initiative on a quarter axis, wait-and-see items listed below."""
    from matplotlib.patches import Patch

    bars, waiting = schedule[schedule["start"].notna()].iloc[::-1], schedule[schedule["start"].isna()]
    fig = Chart(figsize=(10, 0.4 * len(bars) + 0.18 * len(waiting) + 2))
    grid = fig.add_gridspec(2, 1, height_ratios=[0.4 * len(bars) + 1.2, 0.18 * len(waiting) + 0.3])
    ax, listing = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    styles = {
        NOW: {"facecolor": CURRENT},
        NEXT: {"facecolor": TARGET, "hatch": "//"},
        WAIT: {"facecolor": "#d9d9d9", "hatch": ".."},
    }  # hatching survives grey print
    if len(bars):
        first = min(pd.Period(t, "Q") for t in bars["start"])
        span = max(pd.Period(t, "Q") for t in bars["end"]).ordinal - first.ordinal + 1
        for y, (begin, length, horizon) in enumerate(zip(bars["start"], bars["quarters"], bars["horizon"])):
            ax.barh(
                y,
                int(length),
                left=pd.Period(begin, "Q").ordinal - first.ordinal,
                height=0.6,
                edgecolor="white",
                **styles[horizon],
            )
        ax.set_yticks(range(len(bars)), [f"{i} {_short(t)}" for i, t in zip(bars["id"], bars["title"])], fontsize=8)
        ax.set_xticks(np.arange(span) + 0.5, [quarter_label(first + q) for q in range(span)], fontsize=8, rotation=45)
        ax.set_xticks(range(span + 1), minor=True)  # grid lines on quarter boundaries
        ax.set_xlim(0, span)
        ax.grid(axis="x", which="minor", color="#dddddd")
        ax.legend(
            handles=[Patch(label=h, edgecolor="white", **style) for h, style in styles.items()],
            ncol=2,
            loc="lower right",
            bbox_to_anchor=(1, 1),
            fontsize=8,
            frameon=False,
        )
    else:
        ax.set_axis_off()
    ax.set_title("Road map: now and next year" if len(bars) else "Road map: nothing scheduled", loc="left", fontsize=11)
    listing.set_axis_off()
    lines = [f"{i} {_short(t, 40)}: {r}" for i, t, r in zip(waiting["id"], waiting["title"], waiting["reason"])]
    listing.text(0, 1, "Not scheduled:\n" + ("\n".join(lines) or "(none)"), va="top", fontsize=8, transform=listing.transAxes)
    fig.tight_layout()
    return fig


def _short(text, width: int = 30) -> str:
    text = "" if pd.isna(text) else str(text)
    return text if len(text) <= width else text[: width - 1] + "…"
