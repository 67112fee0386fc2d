"""Code-free HTML reports of a run, for people who never open a notebook.

:func:`write_report` reads only the run folder (executed notebooks, ``artifacts/``, ``run.json``) and writes
``report/index.html`` (run status and date; per workbook its linked title, status and headline findings;
links to the Excel tables and the slide deck) and ``report/<NN_workbook>.html`` per executed workbook.

A page keeps the narrative and the outputs (tables, charts, text, errors) and drops what belongs to the
workshop room or the machine: the code; cells tagged ``facilitator``, ``exercise``, ``solution`` or
``remove-cell``; the ``parameters`` and ``injected-parameters`` cells (and a "Parameters" heading just before
them); widget outputs and their ``WorkshopForm(...)`` text; stderr (warnings); and the outputs of cells tagged
``remove-output``. Lists of saved files become links to the artifacts. A failed workbook shows its error in
place, under a banner. Pages are self-contained (images as data URIs, nothing fetched from the network) and
print cleanly; the same run folder gives the same bytes.

>>> write_report("/nonexistent/run", name="riverton", organisation="Riverton")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cxmethods.core.errors.CxmError: /nonexistent/run has no executed workbooks ...
"""

from __future__ import annotations

import copy
import html
import os
import re
from pathlib import Path

import nbformat

from cxmethods.core.checks import check_text
from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import STEPS
from cxmethods.outputs.headlines import WORKBOOKS, headlines, read_manifest, run_date

__all__ = ["REMOVED_TAGS", "write_report"]

#: Cells with any of these tags are left out (papermill's error notes name cell numbers the report hides).
REMOVED_TAGS = frozenset(
    {"facilitator", "exercise", "solution", "parameters", "injected-parameters", "remove-cell", "papermill-error-cell-tag"}
)

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# What a widget prints where it cannot render, e.g. WorkshopForm(children=...), Output()
_WIDGET_REPR = re.compile(r"\s*[A-Z]\w*\((?:\)|(?:children|value|description|options|layout|outputs)=)")
_PATH_REPR = re.compile(r"(?:Posix|Windows)?Path\('((?:[^'\\]|\\.)*)'\)")
_NUMBER = re.compile(r"[-+\u2212]?[£€$]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?%?|[-+]?inf|NaN|nan|None|&lt;NA&gt;|NaT")
_MISSING = re.compile(r"(<td\b[^>]*>)\s*(?:NaN|nan|None|&lt;NA&gt;|NaT)\s*(</td>)")
_TABLE = re.compile(r"<table\b[^>]*\bclass=\"dataframe\"[^>]*>.*?</table>", re.DOTALL)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.DOTALL)


def write_report(run_dir: str | Path, *, name: str, organisation: str, currency: str = "GBP") -> list[Path]:
    """Write the run's HTML report: ``report/index.html`` and one page per executed workbook.

    Parameters
    ----------
    run_dir : path
        The run folder ``cxm run`` wrote (executed ``NN_*.ipynb``, ``artifacts/``, ``run.json``).
    name : str
        The engagement's name: the index names it and links ``<name>.xlsx`` and ``<name>.pptx`` if they exist.
    organisation : str
        The organisation, at the top of every page.
    currency : str
        ISO code for money in the headline findings (``GBP`` shows ``£``).

    Returns
    -------
    list of Path
        The index first, then the workbook pages in run order.

    Raises
    ------
    CxmError
        When ``name`` or ``organisation`` is not a usable string, a notebook cannot be read, or the run folder
        has no executed workbook.
    """
    check_text(name, "name", "write_report", pattern=r"[^/\\]+", expected="a non-empty file name without slashes")
    check_text(organisation, "organisation", "write_report")
    run_dir = Path(run_dir)
    books = [(path, nb) for path, nb in _read_books(run_dir) if _executed(nb)]
    if not books:
        raise CxmError(
            f"{run_dir} has no executed workbooks (no NN_*.ipynb with outputs): "
            f"run the workbooks first (cxm run --out {run_dir})."
        )
    manifest = read_manifest(run_dir)
    steps = {s.get("workbook"): s for s in manifest.get("workbooks", []) if isinstance(s, dict)}
    out = run_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    exporter = _exporter()
    pages, entries = [], []
    for path, nb in books:
        title = WORKBOOKS.get(path.stem, path.stem)
        status, error = _status(steps.get(path.stem), nb)
        failure = (
            None
            if status not in ("failed", "interrupted")
            else (
                f"This workbook did not finish: {error}" if error else "This workbook did not finish; its error is shown below."
            )
        )
        resources = {
            "metadata": {"name": path.stem, "path": str(run_dir)},
            "cxm": {"organisation": organisation, "title": title, "failure": failure},
        }
        body, _ = exporter.from_notebook_node(_clean(nb, run_dir.resolve(), f"{title} · {organisation}"), resources=resources)
        pages.append(out / f"{path.stem}.html")
        _write(pages[-1], body)
        entries.append((path.stem, title, status, error))
    written = {str(f.get("path")) for f in manifest.get("files", []) if isinstance(f, dict)}
    ours = {*STEPS, *(str(s) for s in steps)}  # a page named after a workbook is a report page; any other is the user's
    for stale in set(out.glob("[0-9][0-9]_*.html")) - set(pages):  # a workbook no longer in the folder
        if f"report/{stale.name}" in written or stale.stem in ours:  # never a file of the user's
            stale.unlink()
    index = out / "index.html"
    _write(
        index,
        _index_html(
            run_dir,
            manifest,
            entries,
            headlines(run_dir, currency=currency),
            name=name,
            organisation=organisation,
            date=run_date(manifest),
        ),
    )
    return [index, *pages]


# Reading the run folder -----------------------------------------------------------------------------------------


def _read_books(run_dir: Path) -> list[tuple[Path, nbformat.NotebookNode]]:
    books = []
    for path in sorted(run_dir.glob("[0-9][0-9]_*.ipynb")):
        try:
            books.append((path, nbformat.read(path, as_version=4)))
        except Exception as exc:  # nbformat raises several kinds; all mean the same to the user
            raise CxmError(
                f"{path} cannot be read as a notebook ({type(exc).__name__}: {exc}). "
                f"Fix: run that workbook again (cxm run --only {path.stem[:2]}) or remove the file."
            ) from exc
    return books


def _executed(nb: nbformat.NotebookNode) -> bool:
    return "papermill" in nb.metadata or any(
        c.cell_type == "code" and (c.get("execution_count") is not None or c.get("outputs")) for c in nb.cells
    )


def _status(step: dict | None, nb: nbformat.NotebookNode) -> tuple[str, str | None]:
    """``ok`` / ``failed`` and the error, from run.json; a notebook this run did not execute is judged by its outputs."""
    if step is not None and step.get("status") == "earlier run":
        when = f"the run of {step['run_at']}" if step.get("run_at") else "an earlier run"
        how = {"failed": f"; it failed there: {step.get('error')}", "interrupted": "; it was interrupted there"}
        return "earlier run", f"From {when}, not this one{how.get(str(step.get('earlier_status')), '')}."
    if step is not None:  # its cell number is left out: the report shows no cell numbers to find it by
        return str(step.get("status", "unknown")), step.get("error")
    stopped = nb.metadata.get("cxmethods", {}).get("status")
    if stopped in ("interrupted", "failed"):
        return stopped, None
    failed = nb.metadata.get("papermill", {}).get("exception") or any(
        o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    return ("failed" if failed else "earlier run"), None


# A notebook as a client reads it -------------------------------------------------------------------------------


def _clean(nb: nbformat.NotebookNode, run_dir: Path, title: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` with only what a client reads (see the module docstring); ``nb`` is left as it was."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # widget state makes the template fetch the widget renderer from the network
    nb.metadata["title"] = title
    cells = []
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        following = nb.cells[i + 1] if i + 1 < len(nb.cells) else {}
        if tags & REMOVED_TAGS or (  # a "Parameters" heading explains a cell the report drops
            cell.cell_type == "markdown"
            and "parameters" in following.get("metadata", {}).get("tags", [])
            and re.match(r"\s*#+\s*parameters\b", cell.source, re.IGNORECASE)
        ):
            continue
        if cell.cell_type == "code":
            cell.outputs = [] if "remove-output" in tags else _client_outputs(cell.outputs, run_dir)
            if not cell.outputs:
                continue  # with its code hidden, a cell without output is only a gap on the page
        cells.append(cell)
    nb.cells = cells
    return nb


def _client_outputs(outputs: list, run_dir: Path) -> list:
    kept = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            if out.get("name") != "stderr":  # stderr carries warnings and logging, not results
                kept.append(out)
            continue
        if kind not in ("display_data", "execute_result"):
            kept.append(out)  # errors stay: a failed workbook must show its failure
            continue
        data = out.get("data", {})
        plain, text_only = str(data.get("text/plain", "")), set(data) <= {"text/plain"}
        if _WIDGET_MIME in data or (text_only and _WIDGET_REPR.match(plain)):
            continue
        if text_only and _PATH_REPR.search(plain) and not _PATH_REPR.sub("", plain).strip("[](),\n "):
            kept.append(_files_output(_PATH_REPR.findall(plain), run_dir))
            continue
        if "text/html" in data:
            data["text/html"] = _TABLE.sub(lambda m: _tidy_table(m.group(0)), str(data["text/html"]))
        kept.append(out)
    return kept


def _files_output(paths: list[str], run_dir: Path) -> nbformat.NotebookNode:
    """The files a cell saved, linked from the report: the paths of the machine that ran it mean nothing to a reader."""
    items = []
    for text in paths:
        path = Path(text.replace("\\\\", "\\"))
        try:
            rel = path.relative_to(run_dir)
        except ValueError:  # the folder was moved since the run: find the artifact by its place in the folder
            rel = Path(*path.parts[path.parts.index("artifacts") :]) if "artifacts" in path.parts else Path(path.name)
        shown = html.escape(rel.as_posix())
        items.append(f'<li><a href="../{shown}">{shown}</a></li>' if (run_dir / rel).is_file() else f"<li>{shown}</li>")
    return nbformat.v4.new_output("display_data", data={"text/html": f'<p>Saved:</p><ul class="cxm-files">{"".join(items)}</ul>'})


def _tidy_table(table: str) -> str:
    """A pandas table for a reader: no 0, 1, 2 ... row numbers, numeric columns ``class="num"``, a dash for NaN."""
    head, sep, body = table.partition("<tbody>")
    if not sep:
        return table
    head, body = _drop_row_numbers(head, body)
    rows = [[m for m in _CELL.finditer(r) if m.group(1) == "td"] for r in _ROW.findall(body)]
    numeric = set()  # columns counted from the right: index cells spanning rows shift the left of a row
    for k in range(1, max((len(r) for r in rows), default=0) + 1):
        values = [r[-k].group(3).strip() for r in rows if len(r) >= k and r[-k].group(3).strip()]
        if values and all(_NUMBER.fullmatch(v) for v in values):
            numeric.add(k)

    def mark(row: str, tag: str) -> str:
        cells = [m for m in _CELL.finditer(row) if m.group(1) == tag]
        if tag == "th" and any("colspan" in m.group(2) for m in cells):
            return row  # a grouped header: which column is which is not safe to guess
        parts, end = [], 0
        for position, m in enumerate(cells):
            num = len(cells) - position in numeric
            parts += [row[end : m.start()], f'<{tag}{m.group(2)} class="num">{m.group(3)}</{tag}>' if num else m.group(0)]
            end = m.end()
        return "".join(parts) + row[end:]

    def marked(part: str, tag: str) -> str:
        return _ROW.sub(lambda m: m.group(0).replace(m.group(1), mark(m.group(1), tag)), part)

    head = marked(head, "th").replace(' style="text-align: right;"', "")  # pandas right-aligns every header
    return head + sep + _MISSING.sub(lambda m: f"{m.group(1)}\u2013{m.group(2)}", marked(body, "td"))


def _drop_row_numbers(head: str, body: str) -> tuple[str, str]:
    """Drop the index column when it is only pandas' default 0, 1, 2 ... (a named or other index stays)."""
    head_rows, body_rows = _ROW.findall(head), _ROW.findall(body)
    first = _CELL.search(head_rows[0]) if len(head_rows) == 1 else None
    if not body_rows or first is None or first.group(1) != "th" or first.group(3).strip():
        return head, body
    for number, row in enumerate(body_rows):
        labels = [m.group(3).strip() for m in _CELL.finditer(row) if m.group(1) == "th"]
        if labels != [str(number)]:
            return head, body
    drop = re.compile(r"<th\b[^>]*>.*?</th>\s*", re.DOTALL)
    return tuple(_ROW.sub(lambda m: drop.sub("", m.group(0), count=1), part) for part in (head, body))


# Rendering ------------------------------------------------------------------------------------------------------


def _exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"cxm_report.html.j2": _TEMPLATE})],
        template_file="cxm_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
    )


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # a reader never opens half a page


_LABELS = {"ok": "completed", "earlier run": "from an earlier run", "pending": "not run yet", "running": "running"}


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
    run_dir: Path, manifest: dict, entries: list, found: dict[str, list[str]], *, name: str, organisation: str, date: str | None
) -> str:
    e = html.escape
    detail = _status_detail(manifest, [status for _, _, status, _ in entries])
    missing = [
        str(o.get("output"))
        for o in manifest.get("outputs", [])  # the report is being made now
        if isinstance(o, dict) and o.get("status") == "failed" and o.get("output") != "report"
    ]
    detail += f"; not made: {', '.join(missing)}" if missing else ""
    word = {
        "ok": "completed",
        "failed": "failed",
        "running": "not finished (still running, or stopped without a word)",
        "interrupted": "interrupted",
    }.get(manifest.get("status"), "unknown (no run.json)")
    meta = ([f"Run of {date}"] if date else []) + [f"Status: {word} ({detail})"]
    downloads = [
        f'<a href="../{e(name)}{ext}">{label}</a>'
        for ext, label in ((".xlsx", "The tables (Excel)"), (".pptx", "The slide deck (PowerPoint)"))
        if (run_dir / f"{name}{ext}").is_file()
    ]
    parts = [f"<h1>Findings of engagement {e(name)}</h1>", f'<p class="cxm-meta">{e(" · ".join(meta))}</p>']
    parts += [f'<p class="cxm-downloads">Download: {" · ".join(downloads)}</p>'] if downloads else []
    for stem, title, status, error in entries:
        label = _LABELS.get(status, status)
        parts.append(
            f'<section class="cxm-book"><h2><a href="{e(stem)}.html">{e(title)}</a> '
            f'<span class="cxm-status cxm-{e(status.replace(" ", "-"))}">{e(label)}</span></h2>'
        )
        parts += [f'<p class="cxm-error">{e(error)}</p>'] if error else []
        items = "".join(f"<li>{e(s)}</li>" for s in found.get(stem, []))
        parts.append(
            f"<ul>{items}</ul></section>"
            if items
            else '<p class="cxm-none">No headline findings: open the page for the detail.</p></section>'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{e(organisation)}: engagement {e(name)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f'<body class="cxm-report">\n<header class="cxm-header"><div class="cxm-header-inner">'
        f'<span class="cxm-org">{e(organisation)}</span></div></header>\n<main>\n'
        + "\n".join(parts)
        + f"\n</main>\n{_FOOTER}\n</body>\n</html>\n"
    )


_FOOTER = '<footer class="cxm-footer">Made by cxmethods from the run folder; the code behind each page is left out.</footer>'

# After the lab CSS, so these win: system font, 1000 px column, light table borders, numbers right-aligned.
_CSS = """
:root { --cxm-font: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; --jp-content-font-family: var(--cxm-font);
  --jp-ui-font-family: var(--cxm-font); --jp-content-font-size1: 15px; --jp-ui-font-size1: 13px; --jp-notebook-padding: 0; }
body.cxm-report { font-family: var(--cxm-font); color: #1f2933; background: #fff; margin: 0; padding: 0; line-height: 1.5; }
.cxm-report main, .cxm-header-inner, .cxm-footer { max-width: 1000px; margin: 0 auto; padding: 0 24px; box-sizing: border-box; }
.cxm-report main { padding-top: 8px; padding-bottom: 24px; }
.cxm-header { background: #1f5f8b; color: #fff; padding: 12px 0; }
.cxm-header-inner { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; }
.cxm-org { font-weight: 600; font-size: 17px; }
.cxm-report .cxm-header a { color: #fff; margin-left: auto; }
.cxm-footer { color: #616e7c; font-size: 12px; border-top: 1px solid #d9dee3; padding-top: 8px; padding-bottom: 24px; }
.cxm-report a { color: #1f5f8b; text-decoration: underline; }
.cxm-report h1 { font-size: 26px; margin: 24px 0 8px; }
.cxm-report h2 { font-size: 20px; margin: 28px 0 8px; }
.cxm-meta, .cxm-none { color: #616e7c; }
.cxm-status { font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 10px; background: #e4e7eb; }
.cxm-status.cxm-ok { background: #e3f4e8; color: #1e6b35; }
.cxm-status.cxm-failed, .cxm-status.cxm-interrupted { background: #fde8e8; color: #a61b1b; }
.cxm-error, .cxm-failure { background: #fde8e8; border-left: 4px solid #a61b1b; padding: 8px 12px; color: #611; }
.cxm-report li { margin: 4px 0; }
.cxm-report .jp-Cell { padding: 0; margin: 0 0 4px; }
.cxm-report .jp-RenderedHTMLCommon, .cxm-report .jp-MarkdownOutput { padding-left: 0; padding-right: 0; }
.cxm-report .jp-OutputArea-output { overflow-x: auto; }
.cxm-report .jp-RenderedHTMLCommon table { font-size: 13px; table-layout: auto; margin: 4px 0 16px; }
.cxm-report .jp-RenderedHTMLCommon table :is(th, td) { border: 1px solid #d9dee3; padding: 4px 8px;
  text-align: left; vertical-align: top; }
.cxm-report .jp-RenderedHTMLCommon table thead th { background: #f3f5f7; vertical-align: bottom; }
.cxm-report .jp-RenderedHTMLCommon table .num { text-align: right; white-space: nowrap; }
.cxm-report .jp-RenderedHTMLCommon tbody tr:nth-child(even) { background: #fafbfc; }
.cxm-report .jp-RenderedHTMLCommon tbody tr:hover { background: inherit; }
.cxm-report img { max-width: 100%; height: auto; }
@media print {
  @page { margin: 15mm; }
  body.cxm-report, .cxm-report * { color: #000 !important; background: transparent !important; }
  .cxm-report main, .cxm-header-inner, .cxm-footer { max-width: none; padding-left: 0; padding-right: 0; }
  .cxm-header { padding: 0 0 4px; border-bottom: 1px solid #000; }
  .cxm-report .cxm-header a { display: none; }
  .cxm-report a { text-decoration: none; }
  .cxm-report :is(table, tr, img, .jp-RenderedImage) { break-inside: avoid; page-break-inside: avoid; }
  .cxm-report thead { display: table-header-group; }
  .cxm-report :is(h1, h2, h3) { break-after: avoid; page-break-after: avoid; }
  .cxm-report .jp-RenderedImage img { width: 100%; max-width: 100%; }
  .cxm-report .jp-OutputArea-output { overflow: visible; }
  .cxm-status, .cxm-error, .cxm-failure { border: 1px solid #000; }
}
"""

# The lab template without the scripts that reach the network (require.js, MathJax, mermaid, the widget
# renderer), with the CSS above, and a header (organisation, workbook, link to the index) and footer.
_TEMPLATE = (
    """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}<style type="text/css">{% raw %}"""
    + _CSS
    + """{% endraw %}</style>{%- endblock html_head_css -%}
{%- block body_header -%}
<body class="jp-Notebook cxm-report" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<header class="cxm-header"><div class="cxm-header-inner"><span class="cxm-org">{{ resources.cxm.organisation | e }}</span>
<span>{{ resources.cxm.title | e }}</span><a href="index.html">&larr; All workbooks</a></div></header>
<main>
{%- if resources.cxm.failure %}
<p class="cxm-failure">{{ resources.cxm.failure | e }}</p>
{%- endif %}
{%- endblock body_header -%}
{%- block body_footer -%}
</main>
"""
    + _FOOTER
    + """
</body>
{%- endblock body_footer -%}
"""
)
