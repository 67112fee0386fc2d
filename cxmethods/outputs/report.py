"""The client report of a run: a code-free HTML site a director reads without a consultant in the room.

:func:`write_report` reads only the run folder (``artifacts/`` and ``run.json``) and writes ``report/``:

- ``index.html``: the summary: the decisions the organisation is asked to take and the key findings, what each
  page holds, the Excel file and the slide deck to download, and the run's date and status;
- one page per part of the method (:mod:`cxmethods.outputs.pages`): self-assessment, what customers tell us, who
  our customers are, the business case (in the Five Case Model's order), the road map and pilot, and an appendix
  with the data and every table.

Every table goes through the presentation layer (:mod:`cxmethods.outputs.present`): plain headers from the data
dictionary, formatted numbers, names instead of ids. The executed notebooks stay in the run folder for analysts;
the report shows no code, no cell, no file name. Pages are self-contained (no network), reflow down to a
390 px phone, print cleanly, and the same run folder gives the same bytes.

>>> write_report("/nonexistent/run", name="riverton", organisation="Riverton")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cxmethods.core.errors.CxmError: /nonexistent/run has no results to report ...
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from cxmethods.core.checks import check_text
from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import STEPS
from cxmethods.outputs import html as h
from cxmethods.outputs.headlines import WORKBOOKS, read_manifest, run_date
from cxmethods.outputs.interactive import asset_tags, copy_assets
from cxmethods.outputs.pages import PAGES, SLUGS, Page, RunView
from cxmethods.outputs.summary import Summary, decision_lines, executive_summary

__all__ = ["write_report"]


def write_report(
    run_dir: str | Path, *, name: str, organisation: str, currency: str = "GBP", links: tuple[str, ...] | None = None
) -> list[Path]:
    """Write the run's HTML report: ``report/index.html`` and one page per part of the method with results.

    Parameters
    ----------
    run_dir : path
        The run folder ``cxm run`` wrote (``artifacts/``, ``run.json``).
    name : str
        The engagement's name: the index links ``<name>.xlsx`` and ``<name>.pptx`` if they exist.
    organisation : str
        The organisation, at the top of every page.
    currency : str
        ISO code for money (``GBP`` shows ``£``).
    links : tuple of str, optional
        The Excel file and deck (file names) to link whether or not they exist yet (being made alongside); by
        default those in the run folder.

    Returns
    -------
    list of Path
        The index first, then the pages in the report's order.

    Raises
    ------
    CxmError
        When ``name`` or ``organisation`` is not a usable string, or the run folder has no results.
    """
    check_text(name, "name", "write_report", pattern=r"[^/\\]+", expected="a non-empty file name without slashes")
    check_text(organisation, "organisation", "write_report")
    run_dir = Path(run_dir)
    ran = (run_dir / "artifacts").is_dir() or (run_dir / "run.json").is_file() or any(run_dir.glob("[0-9][0-9]_*.ipynb"))
    if not ran:
        raise CxmError(
            f"{run_dir} has no results to report (no artifacts/ folder): run the workbooks first (cxm run --out {run_dir})."
        )
    manifest = read_manifest(run_dir)
    run = RunView(run_dir, currency)
    pages = [page for make in PAGES if (page := make(run)) is not None]
    out = run_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    steps = {s.get("workbook"): s for s in manifest.get("workbooks", []) if isinstance(s, dict)}
    written = []
    for page in pages:
        written.append(out / f"{page.slug}.html")
        _write(written[-1], _page_html(page, pages, organisation, _failures(page, steps)))
    _remove_stale(out, manifest, {p.name for p in written})
    index = out / "index.html"
    _write(
        index,
        _index_html(run_dir, manifest, run, pages, name=name, organisation=organisation, date=run_date(manifest), links=links),
    )
    return [index, *written]


def _failures(page: Page, steps: dict) -> list[str]:
    """What the page must say about its workbooks that did not finish in this run."""
    notes = []
    for step in page.steps:
        info = steps.get(step) or {}
        status, title = str(info.get("status", "")), WORKBOOKS.get(step, step)
        if status in ("failed", "interrupted"):
            notes.append(f"{title} did not finish in this run, so this page shows only what it had saved before it stopped.")
        elif status == "earlier run":
            when = f" of {info['run_at']}" if info.get("run_at") else ""
            notes.append(f"{title}: these results are from an earlier run{when}, not this one.")
    return notes


def _remove_stale(out: Path, manifest: dict, keep: set[str]) -> None:
    """Remove report pages an earlier run wrote that this one did not (never a file of the user's)."""
    written = {str(f.get("path")) for f in manifest.get("files", []) if isinstance(f, dict)}
    ours = {f"{name}.html" for name in (*STEPS, *SLUGS)}  # this report's pages, and the notebook pages of earlier ones
    for stale in out.glob("*.html"):
        if stale.name != "index.html" and stale.name not in keep and (stale.name in ours or f"report/{stale.name}" in written):
            stale.unlink()


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # a reader never opens half a page


def _status_detail(manifest: dict, shown: list[str]) -> str:
    """What the status line says about the workbooks: "all 6 workbooks completed" only when every workbook the run
    records (and every page shown) completed in this run; otherwise how many completed and what the rest are."""
    recorded = [str(w.get("status")) for w in manifest.get("workbooks", []) if isinstance(w, dict)]
    statuses = recorded if len(recorded) >= len(shown) else shown
    if statuses and all(s == "ok" for s in statuses) and all(s == "ok" for s in shown):
        return f"all {len(statuses)} workbooks completed"
    if set(statuses) <= {"ok", "failed"}:
        return f"{statuses.count('failed')} of {len(statuses)} workbooks failed"
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    parts = [f"{counts.pop('ok', 0)} of {len(statuses)} workbooks completed in this run"]
    for status, words in (
        ("failed", "failed"),
        ("interrupted", "interrupted"),
        ("running", "running"),
        ("pending", "not run yet"),
        ("not run", "not run"),
        ("earlier run", "from an earlier run"),
    ):
        if counts.get(status):
            parts.append(f"{counts.pop(status)} {words}")
    parts += [f"{n} {status}" for status, n in counts.items()]
    return ", ".join(parts)


def _index_html(
    run_dir: Path,
    manifest: dict,
    run: RunView,
    pages: list[Page],
    *,
    name: str,
    organisation: str,
    date: str | None,
    links: tuple[str, ...] | None = None,
) -> str:
    e = html.escape
    shown = [str(s.get("status")) for s in manifest.get("workbooks", []) if isinstance(s, dict)]
    detail = _status_detail(manifest, shown)
    word = {
        "ok": "completed",
        "failed": "failed",
        "running": "not finished (still running, or stopped without a word)",
        "interrupted": "interrupted",
    }.get(manifest.get("status"), "unknown (no run record)")
    downloads = [
        f'<a href="../{e(name)}{ext}">{label}</a>'
        for ext, label in ((".xlsx", "All the tables (Excel)"), (".pptx", "The slide deck (PowerPoint)"))
        if (f"{name}{ext}" in links if links is not None else (run_dir / f"{name}{ext}").is_file())
    ]
    parts = ["<h1>Becoming customer-focused: findings and decisions</h1>"]
    parts += [f'<p class="cxm-meta">Findings of {e(date)}</p>'] if date else []
    parts += _decisions_html(executive_summary(run_dir, currency=run.currency))
    parts.append("<h2>Findings by part of the method</h2>")
    for page in pages:
        found = [s for step in page.steps for s in run.headlines.get(step, [])]
        if found:
            parts.append(
                f'<section class="cxm-card"><h3><a href="{e(page.slug)}.html">{e(page.title)}</a></h3>{h.points(found)}</section>'
            )
    if not any(run.headlines.get(step) for page in pages for step in page.steps):
        parts.append(h.note("This run has no findings yet: the workbooks wrote no results."))
    parts.append("<h2>In this report</h2>")
    parts.append(
        '<ul class="cxm-contents">'
        + "".join(f'<li><a href="{e(p.slug)}.html">{e(p.title)}</a>: {e(p.purpose)}</li>' for p in pages)
        + "</ul>"
    )
    parts += [f'<p class="cxm-downloads">Download: {" · ".join(downloads)}</p>'] if downloads else []
    parts.append(f'<p class="cxm-meta">Status: {e(word)} ({e(detail)}).</p>')
    parts.append(h.points(_workbook_notes(manifest), "cxm-meta"))
    return _shell(f"{organisation}: becoming customer-focused", organisation, "\n".join(parts), pages, current=None)


def _decisions_html(summary: Summary) -> list[str]:
    """The executive summary's decisions, each as a card of cost, cash and non-cash value, timing, evidence, risk."""
    parts = ["<h2>Decisions we ask you to take</h2>"]
    if not summary.decisions:
        parts.append(h.note("No decision can be put to you yet."))
    for n, decision in enumerate(summary.decisions, 1):
        rows = "".join(f"<dt>{html.escape(label)}</dt><dd>{html.escape(text)}</dd>" for label, text in decision_lines(decision))
        parts.append(
            f'<section class="cxm-card cxm-decision"><h3>{n}. {html.escape(decision.title)}</h3><dl>{rows}</dl></section>'
        )
    parts.append(h.points(summary.notes, "cxm-meta"))
    if summary.findings:
        parts += ["<h2>Key findings</h2>", h.points([f.text for f in summary.findings], "cxm-lead")]
    return parts


def _workbook_notes(manifest: dict) -> list[str]:
    """One line per workbook that did not complete in this run: what happened to it."""
    notes = []
    for step in manifest.get("workbooks", []):
        if not isinstance(step, dict) or step.get("status") == "ok":
            continue
        title, status = WORKBOOKS.get(str(step.get("workbook")), str(step.get("workbook"))), str(step.get("status"))
        if status == "earlier run":
            when = f"the run of {step['run_at']}" if step.get("run_at") else "an earlier run"
            how = {"failed": f"; it failed there: {step.get('error')}", "interrupted": "; it was interrupted there"}
            notes.append(f"{title}: from {when}, not this one{how.get(str(step.get('earlier_status')), '')}.")
        elif status == "failed":
            notes.append(f"{title} did not finish: {step.get('error') or 'its error is in the run record'}.")
        else:
            notes.append(f"{title}: {_LABELS.get(status, status)}.")
    return notes


_LABELS = {"interrupted": "interrupted", "pending": "not run yet", "running": "running", "not run": "not run"}


def _page_html(page: Page, pages: list[Page], organisation: str, failures: list[str]) -> str:
    banner = "".join(f'<p class="cxm-failure">{html.escape(f)}</p>' for f in failures)
    body = f"<h1>{html.escape(page.title)}</h1>" + banner + h.paragraph(page.purpose, "cxm-meta") + "\n".join(page.parts)
    return _shell(f"{page.title} · {organisation}", organisation, body, pages, current=page.slug)


def _shell(title: str, organisation: str, body: str, pages: list[Page], *, current: str | None) -> str:
    e = html.escape
    links = ['<a href="index.html"' + (' aria-current="page"' if current is None else "") + ">Summary</a>"]
    links += [
        f'<a href="{e(p.slug)}.html"' + (' aria-current="page"' if p.slug == current else "") + f">{e(p.title.split(':')[0])}</a>"
        for p in pages
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{e(title)}</title>\n{asset_tags()}\n<style>{_CSS}</style>\n</head>\n"
        f'<body class="cxm-report">\n<header class="cxm-header"><div class="cxm-header-inner">'
        f'<span class="cxm-org">{e(organisation)}</span><nav aria-label="Report pages">{" ".join(links)}</nav></div></header>\n'
        f"<main>\n{body}\n</main>\n{_FOOTER}\n</body>\n</html>\n"
    )


_FOOTER = "<footer class=\"cxm-footer\">Made by cxmethods from the engagement's data and the workshop's answers.</footer>"

_CSS = """
:root { --cxm-font: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; --c0: #1f5f8b; --c1: #e07b39; --c2: #7b8794; }
body.cxm-report { font-family: var(--cxm-font); color: #1f2933; background: #fff; margin: 0; line-height: 1.5; font-size: 16px; }
.cxm-report main, .cxm-header-inner, .cxm-footer { max-width: 1040px; margin: 0 auto; padding: 0 20px; box-sizing: border-box; }
.cxm-report main { padding-top: 8px; padding-bottom: 24px; }
.cxm-header { background: #1f5f8b; color: #fff; padding: 10px 0; }
.cxm-header-inner { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; }
.cxm-org { font-weight: 600; font-size: 17px; }
.cxm-header nav { display: flex; flex-wrap: wrap; gap: 4px 14px; }
.cxm-report .cxm-header a { color: #fff; }
.cxm-report .cxm-header a[aria-current] { font-weight: 700; text-decoration-thickness: 3px; }
.cxm-footer { color: #52606d; font-size: 13px; border-top: 1px solid #d9dee3; padding-top: 8px; padding-bottom: 24px; }
.cxm-report a { color: #1f5f8b; }
.cxm-report h1 { font-size: 28px; line-height: 1.25; margin: 24px 0 8px; }
.cxm-report h2 { font-size: 22px; margin: 32px 0 8px; border-bottom: 2px solid #e4e7eb; padding-bottom: 4px; }
.cxm-report h3 { font-size: 18px; margin: 20px 0 6px; }
.cxm-report h4 { font-size: 15px; margin: 8px 0 4px; color: #3e4c59; }
.cxm-meta, .cxm-note { color: #52606d; }
.cxm-note { font-style: italic; }
.cxm-lead { font-size: 17px; }
.cxm-report li { margin: 4px 0; }
.cxm-card { border: 1px solid #d9dee3; border-radius: 6px; padding: 4px 16px 8px; margin: 12px 0; }
.cxm-decision dl { display: grid; grid-template-columns: 14em 1fr; gap: 2px 16px; margin: 4px 0 8px; }
.cxm-decision dt { font-weight: 600; color: #3e4c59; }
.cxm-decision dd { margin: 0; }
.cxm-two { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; }
.cxm-failure { background: #fde8e8; border-left: 4px solid #a61b1b; padding: 8px 12px; color: #611; }
.cxr-chart { margin: 12px 0 20px; }
.cxr-chart figcaption { font-weight: 600; margin-bottom: 6px; }
.cxr-bars { list-style: none; padding: 0; margin: 0; }
.cxr-bars li { margin: 0 0 8px; }
.cxr-bar-label { display: block; font-size: 14px; }
.cxr-bar-detail { display: block; font-size: 13px; color: #52606d; }
.cxr-bar-row { display: flex; align-items: center; gap: 8px; }
.cxr-track { flex: 1 1 auto; display: flex; height: 14px; }
.cxr-half { flex: 1 1 50%; display: flex; height: 14px; }
.cxr-half.cxr-neg { justify-content: flex-end; border-right: 1px solid #52606d; }
.cxr-bar { display: block; height: 100%; }
.cxr-mark { background: #ffd43b; transform: rotate(45deg) scale(.8); border: 1px solid #1f2933; }
.cxr-c0 { background: var(--c0); } .cxr-c1 { background: var(--c1); } .cxr-c2 { background: var(--c2); }
.cxr-bar-value { flex: 0 0 auto; min-width: 7em; font-size: 14px; font-variant-numeric: tabular-nums; }
.cxr-scale { background: repeating-linear-gradient(90deg, #f3f5f7 0 24.6%, #d9dee3 24.6% 25%); border-radius: 2px; }
.cxr-range { display: block; height: 100%; background: linear-gradient(90deg, var(--c0), var(--c1)); border-radius: 7px; }
.cxr-ticks { justify-content: space-between; height: auto; font-size: 13px; color: #52606d; }
.cxr-ranges .cxr-bar-value { flex: 0 0 10em; min-width: 0; }
.cxr-legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 14px; margin: 0 0 6px; }
.cxr-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; }
.cxm-scroll { overflow-x: auto; }
.cxm-timeline svg { display: block; }
.cxm-aslist summary { cursor: pointer; color: #1f5f8b; }
.cxm-appendix { border-top: 1px solid #e4e7eb; padding: 6px 0; }
.cxm-appendix summary { cursor: pointer; font-weight: 600; }
.cxr-count { color: #52606d; font-weight: 400; }
@media (max-width: 600px) {
  .cxm-two, .cxm-decision dl { grid-template-columns: 1fr; }
  .cxm-decision dd { margin-bottom: 6px; }
  .cxm-report h1 { font-size: 23px; }
  .cxr-bar-value { min-width: 5.5em; }
}
@media print {
  @page { margin: 15mm; }
  .cxm-header nav { display: none; }
  .cxm-report a { text-decoration: none; color: #000; }
  .cxm-report :is(tr, .cxr-chart li, .cxm-card) { break-inside: avoid; }
  .cxm-report :is(h1, h2, h3) { break-after: avoid; }
  details.cxm-appendix > *:not(summary) { display: block; }
}
"""
