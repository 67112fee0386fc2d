"""Charts for the workbooks, drawn from the tables the library computes (compute apart from display).

Each ``plot_*`` function takes a tidy table and returns a matplotlib Figure; nothing here reads
files or computes results. Colours are few and print well in grey.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = [
    "Chart",
    "plot_failure_demand",
    "plot_gaps",
    "plot_heatmap",
    "plot_importance_performance",
    "plot_pareto",
    "plot_radar",
    "plot_radars",
    "plot_week_heatmap",
    "radar_png",
    "wrap_words",
]

CURRENT, TARGET = "#1f5f8b", "#e07b39"


class Chart(Figure):
    """A matplotlib Figure that shows itself as a PNG in a notebook (no pyplot state, safe headless)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        return buffer.getvalue()


def plot_radars(scores: pd.DataFrame) -> Chart:
    """One radar per component (current against target), two by two."""
    components = list(dict.fromkeys(scores["component"]))
    cols = 2
    rows = -(-len(components) // cols)
    fig = Chart(figsize=(11, 5.2 * rows))
    for i, component in enumerate(components):
        _radar(fig.add_subplot(rows, cols, i + 1, projection="polar"), scores, component)
    fig.tight_layout()
    return fig


def plot_radar(scores: pd.DataFrame, component: str) -> Chart:
    """Current against target for one component's dimensions (levels 1-5 on the spokes)."""
    fig = Chart(figsize=(6, 6))
    _radar(fig.add_subplot(projection="polar"), scores, component)
    return fig


def radar_png(scores: pd.DataFrame, component: str, *, highlight: str | None = None, size: float = 4.6, dpi: int = 96) -> bytes:
    """:func:`plot_radar` as PNG bytes for a live form (about 60 ms): a dimension not scored yet is a gap, not a zero,
    and ``highlight`` bolds one dimension's label."""
    fig = Chart(figsize=(size, size))
    ax = fig.add_subplot(projection="polar")
    _radar(ax, scores, component, fontsize=8, gaps=True)
    for label in ax.get_xticklabels():
        if highlight is not None and label.get_text() == wrap_words(highlight):
            label.set_fontweight("bold")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _radar(ax, scores: pd.DataFrame, component: str, fontsize: int = 8, gaps: bool = False) -> None:
    """``gaps``: a missing score breaks the line (with a dot on each score) instead of counting as zero."""
    rows = scores[scores["component"] == component]
    if len(rows) < 3:
        raise ValueError(f"a radar needs at least 3 dimensions; component '{component}' has {len(rows)}")
    angles = np.linspace(0, 2 * np.pi, len(rows), endpoint=False).tolist()
    for column, colour, label in (("current", CURRENT, "Current"), ("target", TARGET, "Target")):
        values = (rows[column] if gaps else rows[column].fillna(0)).astype(float).tolist()
        ax.plot(
            angles + angles[:1],
            values + values[:1],
            color=colour,
            linewidth=2,
            label=label,
            linestyle="-" if column == "current" else "--",
            marker="o" if gaps else None,
            markersize=5,
            clip_on=False,
            zorder=3,
        )  # a dot on the outer ring (level 5) shows above the frame
        if not np.isnan(values).any():
            ax.fill(angles + angles[:1], values + values[:1], color=colour, alpha=0.12)
    ax.set_xticks(angles)
    ax.set_xticklabels([wrap_words(n) for n in rows["dimension"]], fontsize=fontsize)
    ax.tick_params(axis="x", pad=10)
    ax.set_ylim(0, 5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_title(rows["component_name"].iloc[0], pad=24, fontsize=11)
    ax.legend(loc="lower right", bbox_to_anchor=(1.15, -0.05), fontsize=fontsize, frameon=False)


def plot_heatmap(answers: pd.DataFrame, dimension_order: list[str]) -> Chart:
    """Respondents x dimensions, coloured by current level: disagreement shows as mixed colours in a column."""
    grid = answers.pivot_table(index="participant", columns="dimension_id", values="current_level", aggfunc="first")
    grid = grid.reindex(columns=[d for d in dimension_order if d in grid.columns])
    fig = Chart(figsize=(max(6, 0.45 * grid.shape[1] + 2), max(3, 0.4 * grid.shape[0] + 1.5)))
    ax = fig.add_subplot()
    image = ax.imshow(grid.to_numpy(dtype=float), cmap=matplotlib.colormaps["Blues"], vmin=0.5, vmax=5.5, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [c.split(".", 1)[-1] for c in grid.columns], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7, color="white" if value >= 3.5 else "black")
    fig.colorbar(image, ax=ax, ticks=[1, 2, 3, 4, 5], label="current level", shrink=0.8)
    ax.set_title("Current level by respondent", fontsize=11)
    fig.tight_layout()
    return fig


def plot_gaps(ranked: pd.DataFrame, top: int = 12) -> Chart:
    """The largest priorities: current and target per dimension, the gap as the bar between them."""
    rows = ranked.dropna(subset=["gap"]).head(top).iloc[::-1]
    fig = Chart(figsize=(7, 0.38 * len(rows) + 1.2))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.hlines(y, rows["current"], rows["target"], color="#9aa5b1", linewidth=4)
    ax.scatter(rows["current"], y, color=CURRENT, zorder=3, label="Current")
    ax.scatter(rows["target"], y, color=TARGET, zorder=3, marker="D", label="Target")
    flagged = rows["disagreement"].astype(bool).to_numpy()
    ax.set_yticks(y, [f"{n}{' *' if f else ''}" for n, f in zip(rows["dimension"], flagged)], fontsize=8)
    ax.set_xlim(0.5, 5.5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_xlabel("level  (* respondents disagree)")
    ax.set_title("Largest priorities: from current to target", fontsize=11)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="x", color="#eeeeee")
    fig.tight_layout()
    return fig


def wrap_words(text: str, width: int = 16) -> str:
    """Break ``text`` over lines of at most ``width`` characters, at spaces (a long word keeps its own line)."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def plot_importance_performance(drivers: pd.DataFrame) -> Chart:
    """Importance x performance quadrant from :func:`cxmethods.methods.drivers.key_drivers` (lines at the means)."""
    from matplotlib.ticker import PercentFormatter

    from cxmethods.methods.drivers import QUADRANTS

    x, y = drivers["share"].astype(float), drivers["performance"].astype(float)
    fix = drivers["quadrant"].str.startswith("Fix first").to_numpy(dtype=bool)
    names = drivers["question"] if "question" in drivers else drivers["driver"].astype(str).str.replace("_", " ")
    # beyond a handful of questions their labels would overlap: number the points and list them beside the chart
    keyed = len(drivers) > 6
    fig = Chart(figsize=(11.5, 5.8) if keyed else (7.5, 5.5))
    ax = fig.add_subplot(1, 3, (1, 2)) if keyed else fig.add_subplot()
    ax.axvline(x.mean(), color="#7b8794", linestyle="--", linewidth=1)
    ax.axhline(y.mean(), color="#7b8794", linestyle="--", linewidth=1)
    ax.scatter(x[~fix], y[~fix], s=70, color=CURRENT, zorder=3)
    ax.scatter(x[fix], y[fix], s=90, color=TARGET, marker="D", edgecolor="black", zorder=3)  # a shape too, for grey print
    for number, (name, xi, yi) in enumerate(zip(names, x, y), start=1):
        label = str(number) if keyed else wrap_words(str(name), 28)
        ax.annotate(label, (xi, yi), xytext=(6, 4), textcoords="offset points", fontsize=10 if keyed else 9)
    if keyed:
        key = fig.add_subplot(1, 3, 3)
        key.axis("off")
        lines = [f"{i}. {wrap_words(str(n), 44)}".replace("\n", "\n     ") for i, n in enumerate(names, start=1)]
        key.text(0, 1, "\n".join(lines), va="top", ha="left", fontsize=9, linespacing=1.35, transform=key.transAxes)
    ax.set_xlim(0, max(x.max() * 1.2, x.mean() * 2))
    spread = max(y.max() - y.min(), 10)
    ax.set_ylim(max(0, y.min() - 0.35 * spread), min(100, y.max() + 0.35 * spread))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    corners = {
        "Fix first": (0.98, 0.02, "right", "bottom"),
        "Keep it up": (0.98, 0.98, "right", "top"),
        "Lower priority": (0.02, 0.02, "left", "bottom"),
        "Possible overkill": (0.02, 0.98, "left", "top"),
    }
    for start, (cx, cy, ha, va) in corners.items():
        label = next(q for q in QUADRANTS.values() if q.startswith(start)).replace(": ", "\n")
        ax.text(cx, cy, label, transform=ax.transAxes, ha=ha, va=va, fontsize=9, color="#3e4c59", style="italic")
    outcome = str(drivers["outcome"].iloc[0]) if "outcome" in drivers and len(drivers) else "satisfaction"
    ax.set_xlabel(wrap_words(f"importance: share of what explains '{outcome}'", 70))
    ax.set_ylabel("performance: mean score (0-100)")
    n, r2 = drivers.attrs.get("n"), drivers.attrs.get("r2")
    note = f"\n{n} complete responses, R² = {r2:.2f}" if n is not None and r2 is not None else ""
    ax.set_title(f"Key drivers: importance and performance{note}", fontsize=11)
    ax.grid(color="#eeeeee")
    fig.tight_layout()
    return fig


def plot_pareto(reasons: pd.DataFrame, top: int = 15) -> Chart:
    """Contacts by reason, most first, with the cumulative share: the few reasons that make most contacts."""
    rows = reasons.head(top)
    fig = Chart(figsize=(9, 4.2))
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    colours = [CURRENT if p else "#9aa5b1" for p in rows["pareto"]]
    ax.bar(x, rows["contacts"], color=colours)
    ax.set_xticks(x, [wrap_words(r, 18) for r in rows["reason"]], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("contacts")
    share = ax.twinx()
    share.plot(x, rows["cumulative_share"] * 100, color=TARGET, marker="o", markersize=3)
    share.axhline(80, color=TARGET, linestyle=":", linewidth=1)
    share.set_ylim(0, 105)
    share.set_ylabel("cumulative % of contacts")
    ax.set_title("Why customers contact us (dark bars: the reasons that make 80% of contacts)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_week_heatmap(patterns: pd.DataFrame, channel: str = "(all)") -> Chart:
    """Contacts by weekday and hour of day, for all channels or one."""
    rows = patterns[(patterns["pattern"] == "weekday_hour") & (patterns["channel"] == channel)]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    grid = rows.pivot_table(index="weekday", columns="hour", values="contacts", aggfunc="sum").reindex(
        index=days, columns=range(24)
    )
    fig = Chart(figsize=(10, 3.4))
    ax = fig.add_subplot()
    image = ax.imshow(grid.fillna(0).to_numpy(dtype=float), cmap=matplotlib.colormaps["Blues"], aspect="auto")
    ax.set_yticks(range(7), [d[:3] for d in days], fontsize=8)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)], fontsize=8)
    ax.set_xlabel("hour of day")
    fig.colorbar(image, ax=ax, label="contacts", shrink=0.9)
    ax.set_title(f"When customers contact us ({'all channels' if channel == '(all)' else channel})", fontsize=10)
    fig.tight_layout()
    return fig


def plot_failure_demand(failure: pd.DataFrame) -> Chart:
    """Contacts by channel, split into failure demand and the rest, with the failure share."""
    rows = failure[failure["channel"] != "(all)"].sort_values("contacts")
    fig = Chart(figsize=(8, 0.45 * len(rows) + 1.4))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y, rows["contacts"] - rows["failure_contacts"], color="#9aa5b1", label="other demand")
    ax.barh(y, rows["failure_contacts"], left=rows["contacts"] - rows["failure_contacts"], color=TARGET, label="failure demand")
    ax.set_yticks(y, rows["channel"], fontsize=8)
    for yi, (n, share) in enumerate(zip(rows["contacts"], rows["failure_share"])):
        ax.text(n, yi, f"  {share:.0%}", va="center", fontsize=8)
    ax.set_xlabel("contacts")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title("Failure demand by channel", fontsize=10)
    fig.tight_layout()
    return fig
