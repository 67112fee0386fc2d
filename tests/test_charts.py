"""Charts draw the library's tables and show as images in a notebook."""

from __future__ import annotations

import pytest

from cxmethods import load_engagement
from cxmethods.methods.maturity_scores import gaps
from cxmethods.plots.charts import plot_gaps, plot_heatmap, plot_radar, plot_radars
from cxmethods.workbooks import self_assessment

RESULT = self_assessment.run(load_engagement(), None)  # nothing is written


@pytest.mark.parametrize(
    "draw, axes",
    [
        (lambda: plot_radars(RESULT.tables["scores"]), 5),  # one radar per component
        (lambda: plot_radar(RESULT.tables["scores"], "operations"), 1),
        (lambda: plot_heatmap(RESULT.answers, [d.id for d in RESULT.model.dimensions]), 2),  # with its colour bar
        (lambda: plot_gaps(gaps(RESULT.tables["scores"])), 1),
    ],
)
def test_charts_render_to_png(draw, axes):
    chart = draw()
    assert len(chart.axes) == axes
    assert chart._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gap_chart_shows_the_top_priorities_and_marks_disagreement():
    ranked = gaps(RESULT.tables["scores"])
    labels = [t.get_text() for t in plot_gaps(ranked, top=5).axes[0].get_yticklabels()]
    assert labels[::-1] == [n + (" *" if d else "") for n, d in zip(ranked["dimension"].head(5), ranked["disagreement"].head(5))]


def test_radar_needs_three_dimensions():
    with pytest.raises(ValueError, match="a radar needs at least 3 dimensions; component 'nope' has 0"):
        plot_radar(RESULT.tables["scores"], "nope")
