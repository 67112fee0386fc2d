"""What must never reach a client, found in the text of an output (report page, slide, sheet).

:func:`client_text_problems` scans plain text for what reads as a tool's printout rather than a deliverable:
missing-value words (``nan``, ``None``, ``NaT``), ``True``/``False``, the engagement's own ids (``I02``,
``operations.systems``), numbers with more than three decimals, file names (``contacts.csv``), code-style names
(``median_current``) and notebook instructions ("cell", "re-run"). :func:`html_text` and :func:`deck_text` give
the text a reader sees in a report page and a slide deck. The tests run these over every output of a run.

>>> client_text_problems("NPV £77,871 (cash £3,862); BCR 1.83.")
[]
>>> [p.kind for p in client_text_problems("share 0.134400 in contacts.csv is True; re-run the cell", ids={"I02"})]
['more than three decimals', 'file name', 'true/false', 'notebook instruction', 'notebook instruction']
>>> client_text_problems("Depends on I02", ids={"I02"})[0].found
'I02'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Problem", "client_text_problems", "deck_text", "html_text"]

_CHECKS = (
    ("missing value", re.compile(r"\b(?:nan|NaN|None|NaT|<NA>|null)\b")),
    ("more than three decimals", re.compile(r"(?<![\d.])\d+\.\d{4,}\b")),
    ("file name", re.compile(r"\b[\w-]+\.(?:csv|xlsx|pptx|ipynb|parquet|json|ya?ml|py|png|gz)\b", re.IGNORECASE)),
    ("true/false", re.compile(r"\b(?:True|False)\b")),
    ("code-style name", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")),
    ("notebook instruction", re.compile(r"\b(?:re-?run|cells?|kernel|notebook|papermill|dataframe)\b", re.IGNORECASE)),
)


@dataclass(frozen=True)
class Problem:
    """One finding: what kind, the text found and a little of what surrounds it."""

    kind: str
    found: str
    context: str


def client_text_problems(text: str, *, ids: Iterable[str] = ()) -> list[Problem]:
    """Every problem in ``text``, in the order of the checks (then of where it was found)."""
    problems = []
    for kind, pattern in _CHECKS:
        problems += [_problem(kind, text, m) for m in pattern.finditer(text)]
    wanted = sorted({i for i in ids if i and len(i) > 1}, key=len, reverse=True)
    if wanted:
        pattern = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(i) for i in wanted) + r")(?![\w])")
        problems += [_problem("id", text, m) for m in pattern.finditer(text)]
    return problems


def _problem(kind: str, text: str, match: re.Match) -> Problem:
    return Problem(kind, match.group(0), text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " "))


def html_text(page: str) -> str:
    """The text a reader sees on an HTML page: no tags, styles or scripts; attributes a reader hears
    (``alt``, ``aria-label``, ``title``) kept."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    heard = re.findall(r'\b(?:alt|aria-label)="([^"]*)"', body)
    body = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(" ".join([body, *heard]))


def deck_text(path: str | Path) -> str:
    """Every word on every slide of a ``.pptx`` (text frames, tables, chart titles and categories, alt text)."""
    from pptx import Presentation

    parts: list[str] = []
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            parts.append(shape._element.xpath("string(.//p:cNvPr/@descr)") if hasattr(shape, "_element") else "")
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False):
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
            if getattr(shape, "has_chart", False):
                chart = shape.chart
                if chart.has_title:
                    parts.append(chart.chart_title.text_frame.text)
                for plot in chart.plots:
                    parts += [str(c) for c in plot.categories]
                    parts += [s.name for s in plot.series]
    return "\n".join(p for p in parts if p)
