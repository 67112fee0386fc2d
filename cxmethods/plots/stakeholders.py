"""The stakeholder map: influence against interest, a marker per category (workbook 03)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxmethods.core.schemas import STAKEHOLDER_CATEGORIES
from cxmethods.methods.stakeholders import CATEGORY_NAMES
from cxmethods.plots.charts import Chart, wrap_words

__all__ = ["plot_stakeholder_map"]


_STYLE = {  # colour and a marker shape per category, so the map still reads in grey print
    "target_customer": ("#1f5f8b", "o"),
    "indirect_customer": ("#9aa5b1", "s"),
    "customer_representative": ("#e07b39", "^"),
    "intermediary": ("#3e8e5e", "D"),
    "independent_expert": ("#7b4f9d", "P"),
}


def plot_stakeholder_map(table: pd.DataFrame) -> Chart:
    """Influence (up) against interest (across), one marker per group, coloured and shaped by main category.

    Groups sharing a square are spread around it; groups without both scores are counted in the title.
    Where a group sits says how to manage the relationship, not how much its outcomes matter.
    """
    scored = table.assign(
        x=pd.to_numeric(table["interest"], errors="coerce").astype(float),
        y=pd.to_numeric(table["influence"], errors="coerce").astype(float),
    ).dropna(subset=["x", "y"])
    fig = Chart(figsize=(10, 7.5))
    ax = fig.add_subplot()
    ax.axvline(3, color="#7b8794", linestyle="--", linewidth=1, zorder=1)  # the middle of the 1-5 scales
    ax.axhline(3, color="#7b8794", linestyle="--", linewidth=1, zorder=1)
    corners = {
        "more interest, more influence": (0.98, 0.98, "right", "top"),
        "less interest, more influence": (0.02, 0.98, "left", "top"),
        "less interest, less influence": (0.02, 0.02, "left", "bottom"),
        "more interest, less influence": (0.98, 0.02, "right", "bottom"),
    }
    for label, (cx, cy, ha, va) in corners.items():
        ax.text(cx, cy, label, transform=ax.transAxes, ha=ha, va=va, fontsize=8, color="#3e4c59", style="italic")
    offsets = {}
    for cell in scored.groupby(["x", "y"]).groups.values():
        n = len(cell)
        for k, idx in enumerate(cell):  # spread groups that share a square on a small circle
            angle = np.pi / 2 + 2 * np.pi * k / n
            offsets[idx] = (0.2 * np.cos(angle), 0.2 * np.sin(angle)) if n > 1 else (0.0, 0.0)
    for cat in STAKEHOLDER_CATEGORIES:
        rows = scored[scored["category"] == cat]
        if rows.empty:
            continue
        colour, marker = _STYLE[cat]
        xs = [x + offsets[i][0] for i, x in zip(rows.index, rows["x"])]
        ys = [y + offsets[i][1] for i, y in zip(rows.index, rows["y"])]
        ax.scatter(
            xs, ys, s=80, color=colour, marker=marker, edgecolor="black", linewidth=0.5, zorder=3, label=CATEGORY_NAMES[cat]
        )
        for i, name, x, y in zip(rows.index, rows["group"], xs, ys):
            left = offsets[i][0] < -1e-9
            ax.annotate(
                wrap_words(str(name), 22),
                (x, y),
                xytext=(-6 if left else 6, 0),
                textcoords="offset points",
                ha="right" if left else "left",
                va="center",
                fontsize=8,
                zorder=4,
            )
    ax.set_xlim(0.4, 6.3)  # room for the labels of the right-hand column
    ax.set_ylim(0.4, 5.6)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_xlabel("interest in the service (1-5)")
    ax.set_ylabel("influence over the service (1-5)")
    missing = len(table) - len(scored)
    note = f"\n{missing} group{'s' if missing != 1 else ''} without interest and influence not shown" if missing else ""
    ax.set_title(
        f"Stakeholder map: influence and interest{note}\n"
        "(where a group sits guides how to involve it, not how much its outcomes matter)",
        fontsize=11,
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=8, frameon=False)
    ax.grid(color="#eeeeee")
    fig.tight_layout()
    return fig
