"""The least-cost channel mix against today's, segment by segment."""

from __future__ import annotations

from cxmethods.methods.channel_mix import ChannelMix
from cxmethods.methods.channels import ASSISTED, SELF_SERVICE
from cxmethods.plots.charts import Chart

__all__ = ["CHANNEL_COLOURS", "plot_mix"]


# (colour, hatch, label colour): self-service orange and hatched, assisted blue and grey, so it survives grey print.
_STYLE = {
    "web_form": ("#e07b39", "//", "black"),
    "mobile_app": ("#f3b486", "..", "black"),
    "phone": ("#1f5f8b", "", "white"),
    "email": ("#9aa5b1", "", "black"),
    "face_to_face": ("#a9c4de", "", "black"),
    "post": ("#3e4c59", "", "white"),
}
#: Each channel's colour, the same in every chart that shows channels.
CHANNEL_COLOURS = {channel: style[0] for channel, style in _STYLE.items()}


def plot_mix(mix: ChannelMix) -> Chart:
    """Per segment, the share of its contacts by channel now and in the optimal mix (two stacked bars)."""
    table, summary = mix.mix, mix.summary.set_index("segment")
    segments = list(dict.fromkeys(table["segment"]))
    channels = [c for c in (*SELF_SERVICE, *ASSISTED) if c in set(table["channel"])]  # the online share reads from 0
    fig = Chart(figsize=(10, 1.5 * len(segments) + 1.8))
    ax = fig.add_subplot()
    for i, segment in enumerate(segments):
        rows = table[table["segment"] == segment].set_index("channel")
        for y, column in ((3 * i, "current_contacts"), (3 * i + 0.9, "optimal_contacts")):
            shares = rows[column].reindex(channels, fill_value=0.0) / rows[column].sum()
            for channel, share, left in zip(channels, shares, shares.cumsum() - shares):
                colour, hatch, ink = _STYLE[channel]
                ax.barh(
                    y,
                    share,
                    left=left,
                    height=0.8,
                    color=colour,
                    hatch=hatch,
                    edgecolor="white",
                    label=channel.replace("_", " ") if y == 0 else None,
                )
                if share >= 0.07:
                    ax.text(left + share / 2, y, f"{share:.0%}", ha="center", va="center", fontsize=9, color=ink)
        ax.text(0, 3 * i - 0.6, str(segment), fontsize=11, fontweight="bold", va="bottom")
        ax.text(1.01, 3 * i + 0.9, f"saves {summary.loc[segment, 'saving_share']:.0%}", va="center", fontsize=9)
    ax.set_yticks([y for i in range(len(segments)) for y in (3 * i, 3 * i + 0.9)], ["now", "optimal"] * len(segments), fontsize=9)
    ax.set_ylim(3 * len(segments) - 1.4, -1.2)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("share of the segment's contacts (hatched: self-service)")
    ax.set_title(f"Channel mix now and at least cost: {mix.saving_share:.0%} of today's cost saved", fontsize=11, pad=30)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(channels), fontsize=9, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
