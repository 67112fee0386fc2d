"""The client report in headless Chromium, at a laptop's and a phone's width: every page renders offline, never
scrolls sideways, fits its tables and charts at 1366 px, and gives every picture a text a screen reader reads.

Each page is screenshotted at both widths into the screenshots folder (``out/browser-screenshots/report-*``):
look at them after changing the report.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

WIDTHS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

_LAYOUT_JS = """() => {
  const page = document.documentElement;
  const wide = [...document.querySelectorAll('.cxm-table .cxm-scroll, .cxr-chart, .cxm-chart')]
    .filter(e => !e.closest('details:not([open])') && !e.closest('.cxm-timeline'))
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => (e.closest('.cxm-table, figure') || e).querySelector('caption, figcaption')?.textContent || e.className);
  return {
    overflow: page.scrollWidth - window.innerWidth,
    wide,
    unlabelled: [...document.querySelectorAll('img:not([alt]), img[alt=""], svg[role=img]:not([aria-label])')].length,
    small: [...document.querySelectorAll('main *')].filter(e => e.childElementCount === 0 && e.textContent.trim()
      && parseFloat(getComputedStyle(e).fontSize) < 12).length,
  };
}"""


@pytest.fixture(scope="module")
def report(sample_run):
    folder = sample_run.out / "report"
    return sorted(folder.glob("*.html"))


@pytest.mark.parametrize("width", WIDTHS)
def test_report_pages_render_offline_and_fit_the_screen(browser, report, screenshots, width):
    assert [p.stem for p in report][:1] and "index" in {p.stem for p in report}
    context = browser.new_context(viewport=WIDTHS[width])
    requests: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    tab = context.new_page()
    try:
        for path in report:
            tab.goto(path.as_uri())
            layout = tab.evaluate(_LAYOUT_JS)
            tab.screenshot(path=str(screenshots / f"report-{width}-{path.stem}.png"), full_page=True)
            assert layout["overflow"] <= 1, f"{path.name} scrolls sideways by {layout['overflow']} px at {width} width"
            assert layout["unlabelled"] == 0, f"{path.name}: pictures without a text alternative"
            assert layout["small"] == 0, f"{path.name}: text under 12 px"
            if width == "laptop" and path.stem != "appendix":
                assert not layout["wide"], f"{path.name}: wider than the page at 1366 px: {layout['wide']}"
    finally:
        context.close()
    assert not requests, f"the report asked the network for {requests[:3]}"
