"""HTML pieces of the client report: tables, bar charts, a timeline, notes; all escaped, all readable at 390 px.

Charts are drawn in HTML and CSS (bars as boxes with their label and value in real text), so they reflow on a
phone, print in grey, and a screen reader reads every figure. Each takes values already formatted by
:mod:`cxmethods.outputs.present` for display and the raw numbers for the bar lengths.

>>> print(note("No survey: add one to see what drives satisfaction."))
<p class="cxm-note">No survey: add one to see what drives satisfaction.</p>
>>> "width:50.0%" in bars([Bar("Phone", 50, "50"), Bar("Email", 100, "100")], caption="Contacts by channel")
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from cxmethods.plots.charts import wrap_words

__all__ = ["Bar", "Span", "bars", "esc", "heading", "note", "paragraph", "points", "ranges", "timeline"]


def esc(text: object) -> str:
    """``text`` escaped for HTML (quotes too)."""
    return html.escape(str(text), quote=True)


def heading(text: str, level: int = 2, anchor: str | None = None) -> str:
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


def paragraph(text: str, cls: str | None = None) -> str:
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def note(text: str) -> str:
    """A plain note (what is missing and what would add it, a caveat)."""
    return paragraph(text, "cxm-note")


def points(items: Sequence[str], cls: str | None = None) -> str:
    """A bullet list (nothing when empty)."""
    if not items:
        return ""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<ul{attr}>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its length (a number; negative goes left of zero) and the value shown beside it.

    ``parts`` splits the bar into stacked pieces ``(name, number)`` (e.g. cash and non-cash value).
    """

    label: str
    value: float
    shown: str
    parts: tuple[tuple[str, float], ...] = ()
    detail: str = ""


def _width(value: float, scale: float) -> str:
    return f"{100 * abs(value) / scale:.1f}%" if scale > 0 else "0%"


def bars(items: Sequence[Bar], *, caption: str, legend: Sequence[str] = ()) -> str:
    """Horizontal bars, one per item, the label above its bar and its value beside it.

    Negative values extend left of a zero line (a diverging chart) when any item is negative. ``legend`` names
    the stacked parts, in order (each part gets the next colour).
    """
    if not items:
        return ""
    largest = max(max(abs(b.value), sum(abs(v) for _, v in b.parts)) for b in items)
    diverging = any(b.value < 0 for b in items)
    rows = []
    for b in items:
        if b.parts:
            pieces = "".join(
                f'<span class="cxr-bar cxr-c{i}" style="width:{_width(v, largest)}"></span>' for i, (_, v) in enumerate(b.parts)
            )
        else:
            pieces = f'<span class="cxr-bar cxr-c0" style="width:{_width(b.value, largest)}"></span>'
        if diverging:
            left = pieces if b.value < 0 else ""
            right = "" if b.value < 0 else pieces
            track = f'<span class="cxr-half cxr-neg">{left}</span><span class="cxr-half">{right}</span>'
        else:
            track = f'<span class="cxr-track">{pieces}</span>'
        detail = f'<span class="cxr-bar-detail">{esc(b.detail)}</span>' if b.detail else ""
        rows.append(
            f'<li><span class="cxr-bar-label">{esc(b.label)}</span>'
            f'<span class="cxr-bar-row">{track}<span class="cxr-bar-value">{esc(b.shown)}</span></span>{detail}</li>'
        )
    key = (
        '<p class="cxr-legend">'
        + " ".join(f'<span><span class="cxr-swatch cxr-c{i}"></span>{esc(name)}</span>' for i, name in enumerate(legend))
        + "</p>"
        if legend
        else ""
    )
    return f'<figure class="cxr-chart"><figcaption>{esc(caption)}</figcaption>{key}<ol class="cxr-bars">{"".join(rows)}</ol></figure>'


def ranges(items: Sequence[tuple[str, float, float, str]], *, caption: str, low: float = 1, high: float = 5) -> str:
    """From-to bars on a fixed scale (e.g. maturity level now to target): ``(label, start, end, shown)``."""
    if not items:
        return ""
    rows = []
    span = high - low
    for label, start, end, shown in items:
        a, b = sorted((start, end))
        left, width = 100 * (a - low) / span, 100 * (b - a) / span
        rows.append(
            f'<li><span class="cxr-bar-label">{esc(label)}</span><span class="cxr-bar-row"><span class="cxr-track cxr-scale">'
            f'<span class="cxr-range" style="margin-left:{left:.1f}%;width:{max(width, 1.5):.1f}%"></span></span>'
            f'<span class="cxr-bar-value">{esc(shown)}</span></span></li>'
        )
    ticks = "".join(f"<span>{v:g}</span>" for v in range(int(low), int(high) + 1))
    return (
        f'<figure class="cxr-chart cxr-ranges"><figcaption>{esc(caption)}</figcaption><ol class="cxr-bars">{"".join(rows)}</ol>'
        f'<p class="cxr-bar-row" aria-hidden="true"><span class="cxr-track cxr-ticks">{ticks}</span>'
        '<span class="cxr-bar-value"></span></p></figure>'
    )


@dataclass(frozen=True)
class Span:
    """One row of a timeline: a name, the first and last period index (0-based, inclusive) and its notes.

    ``after`` names the rows it waits for (drawn as arrows from their end), ``marks`` are milestones as
    ``(period index, what)``, ``kind`` a colour class (``now``, ``next``, ``later``).
    """

    name: str
    first: int
    last: int
    owner: str = ""
    detail: str = ""
    after: tuple[str, ...] = ()
    marks: tuple[tuple[int, str], ...] = ()
    kind: str = "now"


_ROW, _COL, _LABEL, _HEAD = 46, 58, 270, 40
_COLOURS = {"now": "#1f5f8b", "next": "#e07b39", "later": "#7b8794"}


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in at most two lines of about ``width`` characters, the second cut with an ellipsis if need be."""
    lines = wrap_words(text, width).split("\n")
    return lines if len(lines) <= 2 else [lines[0], (lines[1] + " " + " ".join(lines[2:]))[: width - 1] + "\u2026"]


def timeline(spans: Sequence[Span], periods: Sequence[str], *, caption: str) -> str:
    """A road-map timeline as SVG: one row per item with its name and owner, bars by period, milestones as
    diamonds and arrows from each item to those that wait for it; then the same as a list, in words.

    The drawing keeps its size (it scrolls inside its box on a narrow screen); the list reads on any screen and
    to a screen reader.
    """
    if not spans or not periods:
        return ""
    width, height = _LABEL + _COL * len(periods) + 10, _HEAD + _ROW * len(spans) + 6
    row_of = {s.name: i for i, s in enumerate(spans)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{esc(caption)}" font-family="system-ui, Arial, sans-serif">',
        '<defs><marker id="cxm-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#3e4c59"/></marker></defs>',
    ]
    for i, period in enumerate(periods):
        x = _LABEL + i * _COL
        year, _, quarter = period.partition(" ")
        shade = ' fill="#f5f7fa"' if i % 2 == 0 else ' fill="#ffffff"'
        out.append(f'<rect x="{x}" y="{_HEAD - 4}" width="{_COL}" height="{height - _HEAD + 4}"{shade}/>')
        label = f"{esc(quarter)}" if quarter else esc(period)
        year_text = (
            f'<text x="{x + _COL / 2}" y="14" font-size="12" text-anchor="middle" fill="#52606d">{esc(year)}</text>'
            if (i == 0 or quarter in ("Q1", ""))
            else ""
        )
        out.append(
            f'{year_text}<text x="{x + _COL / 2}" y="30" font-size="13" text-anchor="middle" fill="#3e4c59">{label}</text>'
        )
    for i, s in enumerate(spans):
        top = _HEAD + i * _ROW
        out.append(f'<line x1="0" x2="{width}" y1="{top}" y2="{top}" stroke="#e4e7eb"/>')
        lines = _wrap(s.name, 34)
        for j, line in enumerate(lines):
            out.append(f'<text x="4" y="{top + 16 + j * 15}" font-size="13" fill="#1f2933">{esc(line)}</text>')
        if s.owner:
            out.append(f'<text x="4" y="{top + 16 + len(lines) * 15}" font-size="12" fill="#52606d">{esc(s.owner)}</text>')
        x0, x1 = _LABEL + s.first * _COL + 3, _LABEL + (s.last + 1) * _COL - 3
        colour = _COLOURS.get(s.kind, _COLOURS["later"])
        out.append(f'<rect x="{x0}" y="{top + 15}" width="{x1 - x0}" height="16" rx="3" fill="{colour}"/>')
        for at, what in s.marks:
            cx, cy = _LABEL + (at + 1) * _COL - 6, top + 23
            out.append(
                f'<path d="M{cx},{cy - 9} L{cx + 9},{cy} L{cx},{cy + 9} L{cx - 9},{cy} z" fill="#ffd43b" stroke="#1f2933">'
                f"<title>{esc(what)}</title></path>"
            )
    for i, s in enumerate(spans):
        for name in s.after:
            j = row_of.get(name)
            if j is None:
                continue
            before = spans[j]
            xa, ya = _LABEL + (before.last + 1) * _COL - 3, _HEAD + j * _ROW + 23
            xb, yb = _LABEL + s.first * _COL + 3, _HEAD + i * _ROW + 23
            mid = max(xa + 8, xb - 10)
            out.append(
                f'<path d="M{xa},{ya} H{mid} V{yb} H{xb - 1}" fill="none" stroke="#3e4c59" stroke-width="1.5" '
                'marker-end="url(#cxm-arrow)"/>'
            )
    out.append("</svg>")
    items = []
    for s in spans:
        when = f"{periods[s.first]} to {periods[s.last]}" if s.last != s.first else periods[s.first]
        bits = [when] + ([f"owner: {s.owner}"] if s.owner else []) + ([f"after {', '.join(s.after)}"] if s.after else [])
        bits += [f"{what} ({periods[at]})" for at, what in s.marks] + ([s.detail] if s.detail else [])
        items.append(f"{s.name}: {'; '.join(bits)}")
    return (
        f'<figure class="cxr-chart cxm-timeline"><figcaption>{esc(caption)}</figcaption>'
        f'<div class="cxm-scroll">{"".join(out)}</div>'
        f'<details class="cxm-aslist"><summary>The road map in words</summary>{points(items)}</details></figure>'
    )
