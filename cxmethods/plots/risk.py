"""Charts of the business case's risk analysis: the tornado of one-at-a-time swings and the Monte Carlo NPV distribution."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_int, check_one_of, parameter_error
from cxmethods.methods.risk import MonteCarlo, sentence_number
from cxmethods.plots.charts import CURRENT, TARGET, Chart

__all__ = ["plot_npv_distribution", "plot_tornado"]


def plot_tornado(table: pd.DataFrame, output: str, *, top: int = 12) -> Chart:
    """Tornado chart of one output from :func:`tornado`: bars from the base NPV to the NPV at each
    assumption's low and high value, largest swing on top, lines at the base NPV and at zero."""
    top = check_int(top, "top", "plot_tornado", low=1)
    rows = table[table["output"] == output]
    if rows.empty:
        raise parameter_error(
            "output", "plot_tornado", f"an output of the table ({', '.join(map(str, dict.fromkeys(table['output'])))})", output
        )
    rows = rows.sort_values("swing", ascending=False, kind="stable").head(top).iloc[::-1]
    base = float(rows["npv_base"].iloc[0])
    fig = Chart(figsize=(8.5, 0.6 * len(rows) + 1.8))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y, rows["npv_low"] - base, left=base, height=0.6, color=CURRENT, label="assumption at its low value")
    ax.barh(y, rows["npv_high"] - base, left=base, height=0.6, color=TARGET, hatch="//", label="assumption at its high value")
    ax.set_yticks(
        y,
        [
            f"{_wrap(n)}\n({sentence_number(lo)} to {sentence_number(hi)})"
            for n, lo, hi in zip(rows["assumption"], rows["low"], rows["high"])
        ],
        fontsize=9,
    )
    ax.axvline(base, color="black", linewidth=1)
    ax.axvline(0, color="#7b8794", linestyle="--", linewidth=1)
    ax.xaxis.set_major_formatter(lambda x, _: sentence_number(x))
    ax.set_xlabel(f"NPV (solid line: base case, {sentence_number(base)}; dashed line: zero)")
    ax.set_title(f"{output}: how the NPV moves with each assumption, one at a time", fontsize=11)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    fig.tight_layout()
    return fig


def plot_npv_distribution(mc: MonteCarlo, output: str) -> Chart:
    """Histogram of one output's NPV over the Monte Carlo draws, with P10, P50, P90 and zero marked."""
    check_one_of(output, "output", "plot_npv_distribution", mc.outputs)
    row = mc.summary.set_index("output").loc[output]
    fig = Chart(figsize=(8, 4.2))
    ax = fig.add_subplot()
    ax.hist(mc.npv[:, mc.outputs.index(output)], bins=60, color="#9aa5b1")
    for column, style in (("p10", ":"), ("p50", "-"), ("p90", ":")):
        ax.axvline(
            row[column], color=CURRENT, linestyle=style, linewidth=1.5, label=f"{column.upper()}: {sentence_number(row[column])}"
        )
    ax.axvline(0, color=TARGET, linestyle="--", linewidth=1.5, label="zero")
    ax.xaxis.set_major_formatter(lambda x, _: sentence_number(x))
    ax.set_xlabel("NPV")
    ax.set_ylabel("draws")
    risk = f"{row['prob_negative']:.1%}" if 0 < row["prob_negative"] < 0.01 else f"{row['prob_negative']:.0%}"  # never a false 0%
    ax.set_title(f"{output}: NPV over {mc.draws:,} draws. Probability of a negative NPV: {risk}", fontsize=11)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def _wrap(name: str, width: int = 22) -> str:
    """Break a long assumption name over lines at dots, underscores and spaces."""
    lines, line = [], ""
    for piece in re.findall(r"[^._\s]+[._\s]*|[._\s]+", str(name)):
        if line and len(line) + len(piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
    return "\n".join(lines + [line.rstrip()])
