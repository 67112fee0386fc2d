"""The pilot's difference-in-differences chart: pilot and comparison sites before and after."""

from __future__ import annotations

from cxmethods.methods.pilot import PERIODS, DidResult
from cxmethods.plots.charts import CURRENT, TARGET, Chart

__all__ = ["plot_did"]


def plot_did(result: DidResult) -> Chart:
    """Both groups' means before and after, the pilot's counterfactual (dashed) and the effect between them."""
    mean = result.cells.set_index(["group", "period"])["mean"] * (scale := 100 if result.binary else 1)
    pilot, comparison = [mean["pilot", p] for p in PERIODS], [mean["comparison", p] for p in PERIODS]
    without = pilot[1] - result.effect * scale  # the pilot sites had they followed the comparison sites' trend
    fig = Chart(figsize=(7, 4.5))
    ax = fig.add_subplot()
    ax.plot([0, 1], comparison, color="#7b8794", marker="s", linewidth=2, label="comparison sites")
    ax.plot([0, 1], pilot, color=CURRENT, marker="o", linewidth=2, label="pilot sites")
    ax.plot(
        [0, 1],
        [pilot[0], without],
        color=CURRENT,
        linestyle="--",
        label="pilot sites without the change\n(assumed: the comparison trend)",
    )
    ax.annotate("", xy=(1, pilot[1]), xytext=(1, without), arrowprops={"arrowstyle": "->", "color": TARGET, "lw": 2})
    f = ".1f" if result.binary else ".3g"
    ax.text(
        1.04,
        (pilot[1] + without) / 2,
        f"effect {result.effect * scale:+{f}}{' points' if result.binary else ''}\n"
        f"{result.level:.0%} CI {result.ci_low * scale:{f}} to {result.ci_high * scale:{f}}",
        color=TARGET,
        va="center",
        fontsize=9,
    )
    ax.set_xticks([0, 1], list(PERIODS))
    ax.set_xlim(-0.25, 1.6)
    ax.set_ylabel(result.outcome.replace("_", " ") + (" (%)" if result.binary else ""))
    ax.set_title("Pilot against comparison: the difference in differences", fontsize=11)
    ax.legend(loc="best", fontsize=8, frameon=False)
    ax.grid(axis="y", color="#eeeeee")
    fig.tight_layout()
    return fig
