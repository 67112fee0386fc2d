"""Near-verbatim copies of the source reports (issue 23): spans of the project's text that reproduce a seed's
sentence with light edits (a word swapped, dropped or added, punctuation or case changed, "your" made "our").

Both sides are normalised the same way (:func:`words`): Unicode compatibility forms (the reports' "ﬁ" ligature),
lower case, apostrophes dropped, anything but letters and digits a word break, a light stemmer (plural and
-ing/-ed/-ly endings), and pronouns and demonstratives folded into one word each, since "your staff" made "our
staff" is the lightest of edits. Two rules then flag a copy:

- **Run of words** (:data:`WINDOW`, :data:`MATCHES`, :data:`SPREAD`): 8 of any 10 consecutive words appear in a
  seed in the same order, within 12 of its words, and at most 2 of the 8 are figures (a run of the reports'
  numbers is a fact to cite, not a sentence). Catches 8 words copied as they are, and 10 or more with up to two
  words swapped, dropped or added. Found from 3-word anchors indexed in a dict (two edits in ten words always
  leave three in a row), each checked by aligning the two neighbourhoods (longest common subsequence), so the
  whole tree takes well under a second.
- **Same sentence** (:data:`SENTENCE_MIN`, :data:`SENTENCE_JACCARD`): a sentence of at least 7 distinct words
  whose word set (figures left out) overlaps a seed sentence's by 3 in 4 (Jaccard: shared words over all words). Catches short
  sentences the first rule cannot (a question of eight words with one word swapped) and copies whose words were
  merely reordered. Shorter ones are names and headings: quote those from :data:`ALLOWED`. Candidates come from
  a prefix filter on the rarest words.

Titles and names that must be quoted as they are (the reports' own titles and section titles, cited as sources)
are in :data:`ALLOWED`: they are blanked before matching, so they neither match nor help a neighbour match. The
thresholds are not raised to let common phrases through: "customer service" or "who are your customers?" are
far below them.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

WINDOW = 10  # words of the project's text looked at together
MATCHES = 8  # of them found in a seed in the same order: a copy
SPREAD = 12  # the seed words they match lie within this many (so at most two words were added around them)
ANCHOR = 3  # words in a row shared with a seed before a window is checked (two edits in ten leave a run of three)
SENTENCE_MIN = 7  # distinct words a sentence needs before the sentence rule looks at it
SENTENCE_JACCARD = 0.75  # share of the two sentences' words in common (of all their words) that marks a copy

# Phrases that may be quoted word for word, each with why. Matched after normalising, so case and punctuation
# do not matter. Add a title or a proper name here, never a sentence.
ALLOWED: tuple[str, ...] = (
    # the two reports' titles, cited as sources throughout
    "One Size Fits Few: Using Customer Insight to Transform Government",
    "Customer-focused government: from policy to delivery",
    # sections of One Size Fits Few cited as sources by their titles
    "Getting from Here to There",
    "Using Channel Management to Ensure Services Are Accessible and Efficiently Delivered",
    # the DWP segments' names as the PwC report's table (Component 1) labels them, which the DWP rule tree
    # (templates/segment_rules_dwp.yaml) keeps as its segments' names
    "Pre-working age",
    "Not in paid employment",
    "Working for an employer",
    "Not seeking work",
)

# the maturity model's component names, which are the PwC report's component titles (Part I), read from the model
# itself so that this file does not repeat them
ALLOWED += tuple(
    c["name"]
    for c in yaml.safe_load((Path(__file__).parent.parent / "templates" / "maturity_model.yaml").read_text())["components"]
)

# folded into one word each: swapping one for another is not paraphrase
_FOLD = {
    **dict.fromkeys(("i", "we", "you", "they"), "_pron"),
    **dict.fromkeys(("me", "us", "them"), "_obj"),
    **dict.fromkeys(("my", "our", "your", "their"), "_poss"),
    **dict.fromkeys(("these", "those"), "_dem"),
}
_WORD = re.compile(r"[a-z0-9]+")
_APOSTROPHES = re.compile(r"['’‘`]")
_RAW_WORD = re.compile(r"[^\W_]+(?:['’‘`][^\W_]+)*")  # in the original text, so offsets stay true
# sentence ends: . ? ! ; followed by a space or the end, a blank line, a table cell, a list item or bullet, and
# a YAML key at the start of a line, which is a sentence of its own (a colon in prose does not end a sentence)
_BREAK = re.compile(r"[.?!;](?=\s|$)|\n\s*\n|\||\n\s*(?:[-*•]|\d+[.)])\s|•|(?P<key>(?m:^\s*(?:-\s+)?[\w.-]+:(?=\s)))")
_ROW_BREAK = re.compile(_BREAK.pattern + "|\n")


def stem(word: str) -> str:
    """A light stemmer: enough that "measures", "measured" and "measuring" are one word, not a linguist's.

    >>> [stem(w) for w in ("customers", "policies", "achieving", "achieved", "achieve", "quickly", "process")]
    ['customer', 'policy', 'achiev', 'achiev', 'achiev', 'quick', 'process']
    """
    if word in _FOLD:
        return _FOLD[word]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending in ("ing", "ed", "ly", "e"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def words(text: str) -> list[tuple[str, int]]:
    """The normalised words of ``text``, each with the offset where it starts.

    >>> [w for w, _ in words("Customer-focused staff\u2019s \u201cmeasures\u201d, \ufb01rst!")]
    ['customer', 'focus', 'staff', 'measur', 'first']
    """
    out = []
    for m in _RAW_WORD.finditer(text):
        plain = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", m.group()).lower())
        out += [(stem(w), m.start()) for w in _WORD.findall(plain)]
    return out


def _allowed_words() -> list[tuple[str, ...]]:
    return sorted({tuple(w for w, _ in words(phrase)) for phrase in ALLOWED}, key=len, reverse=True)


@dataclass
class Text:
    """One file's text (or a seed's), cut into words and sentences.

    ``parts`` maps offsets to where they are: ``(start offset, label, first line number)``; a plain file is one
    part (label ``""``), a notebook one part per cell.
    """

    name: str
    text: str
    parts: list[tuple[int, str, int]]
    blank_allowed: bool = True
    rows: bool = False  # every line its own sentence (CSV)

    def __post_init__(self) -> None:
        pairs = words(self.text)
        self.words: list[str | None] = [w for w, _ in pairs]
        self.starts = [o for _, o in pairs]
        if self.blank_allowed:
            self._blank(_allowed_words())
        ends = []
        for m in (_ROW_BREAK if self.rows else _BREAK).finditer(self.text):
            ends += [m.start(), m.end()] if m.group("key") else [m.end()]
        # sentence number of each word: how many breaks come before it
        self.sentence_of = [bisect.bisect_right(ends, o) for o in self.starts]
        self._breaks = ends

    def _blank(self, phrases: list[tuple[str, ...]]) -> None:
        firsts = {p[0] for p in phrases}
        for i in range(len(self.words)):
            if self.words[i] in firsts:
                for p in phrases:
                    if tuple(self.words[i : i + len(p)]) == p:
                        self.words[i : i + len(p)] = [None] * len(p)
                        break

    def where(self, offset: int) -> str:
        """``line N`` (or ``cell C, line N`` in a notebook) of an offset."""
        k = bisect.bisect_right([p[0] for p in self.parts], offset) - 1
        start, label, first = self.parts[max(k, 0)]
        line = self.text.count("\n", start, offset) + first
        return f"{label}, line {line}" if label else f"line {line}"

    def span(self, first: int, last: int) -> str:
        """The original text from word ``first`` to word ``last``, on one line."""
        end = self.starts[last] + len(re.match(r"\S*", self.text[self.starts[last] :]).group())  # type: ignore[union-attr]
        return " ".join(self.text[self.starts[first] : end].split())

    def sentence(self, first: int, last: int, limit: int = 400) -> str:
        """The sentence(s) around words ``first`` to ``last``, on one line (cut at ``limit`` characters)."""
        a = self.sentence_of[first]
        b = self.sentence_of[last]
        start = self._breaks[a - 1] if a > 0 else 0
        end = self._breaks[b] if b < len(self._breaks) else len(self.text)
        out = " ".join(self.text[start:end].lstrip(".?!;:|•-* \n").split())
        return out if len(out) <= limit else out[: limit - 3] + "..."


def read_file(path: Path, name: str | None = None) -> Text:
    """A project file as :class:`Text`: a notebook's cell sources (markdown, code and raw; no outputs), else the
    file's text."""
    name = name or str(path)
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text(encoding="utf-8"))
        chunks, parts, offset = [], [], 0
        for i, cell in enumerate(notebook.get("cells", [])):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            parts.append((offset, f"cell {i} ({cell.get('cell_type', '?')})", 1))
            chunks.append(source + "\n\n")  # a blank line: cells never run into one sentence
            offset += len(source) + 2
        return Text(name, "".join(chunks), parts or [(0, "", 1)])
    text = path.read_text(encoding="utf-8", errors="replace")
    return Text(name, text, [(0, "", 1)], rows=path.suffix == ".csv")


@dataclass(frozen=True)
class Hit:
    """A span of a project file that copies a seed."""

    file: str
    where: str
    text: str
    rule: str
    seed: str
    seed_where: str
    seed_text: str

    def __str__(self) -> str:
        return (
            f"{self.file} {self.where}: {self.text!r}\n    {self.rule}\n    seed: {self.seed}, {self.seed_where}:"
            f" {self.seed_text!r}"
        )


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _lcs_pairs(a: Sequence[str | None], b: Sequence[str]) -> list[tuple[int, int]]:
    """The index pairs of a longest common subsequence of ``a`` and ``b`` (``None`` in ``a`` matches nothing)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        ai = a[i]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if ai is not None and ai == b[j] else max(below[j], row[j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] is not None and a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


_HEADING_CAPS = re.compile(r"^[A-Z][A-Z0-9 ,&'/()\-–?‘’]+$")
_CONTENTS_LINE = re.compile(r"^\s*(.+?)\t\s*\d+\s*$")
_COMPONENT = re.compile(r"^Component \d+:?\s*")


def _title_like(line: str) -> bool:
    """A short line in title case: most words of four letters or more capitalised, no sentence end."""
    long = [w for w in line.split() if sum(c.isalpha() for c in w) >= 4]
    return (
        0 < len(line.split()) <= 6
        and line[0].isupper()
        and not line.endswith((".", ",", ";"))
        and bool(long)
        and sum(w[0].isupper() for w in long) >= 0.6 * len(long)
    )


def _sections(text: str) -> list[tuple[int, str]]:
    """Where each section of a seed starts, with its title: a best guess from the extracted text. A report with
    a contents list (the PwC report) has the listed titles as sections and lines in capitals as sub-sections;
    one without (One Size Fits Few) has runs of short title-case lines after a sentence's end."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    contents = {m.group(1).strip().lower() for line in lines if (m := _CONTENTS_LINE.match(line))}
    out: list[tuple[int, str]] = []
    major, previous, k = "", "", 0
    while k < len(lines):
        s = lines[k].strip()
        if contents:
            if _CONTENTS_LINE.match(lines[k]) or not s:
                pass
            elif _COMPONENT.sub("", s).lower() in contents:
                # "Component 1:" alone on the line above its title
                major = f"{previous.rstrip(':')}: {s}" if _COMPONENT.sub("", previous) == "" else s
                out.append((offsets[k], major))
            elif _HEADING_CAPS.match(s) and sum(c.isalpha() for c in s) > 3 and len(s.split()) <= 10:
                out.append((offsets[k], f"{major} > {s.capitalize()}" if major else s.capitalize()))
        elif _title_like(s) and (not previous or previous.endswith((".", "?", "!", ":", "”", '"')) or lines[k][:1] == " "):
            parts, j = [s], k + 1
            while j < len(lines) and len(parts) < 4 and _title_like(lines[j].strip()):
                parts.append(lines[j].strip())
                j += 1
            out.append((offsets[k], " ".join(parts)))
            previous, k = parts[-1], j
            continue
        if s:
            previous = s
        k += 1
    return out


def _report_names(folder: Path) -> dict[str, str]:
    """Each seed's report, from the table in the seeds' README (its first column the file, its second what it
    is, up to the first colon outside the italic title)."""
    names: dict[str, str] = {}
    readme = folder / "README.md"
    if not readme.exists():
        return names
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].endswith(".txt"):
            what, italic = cells[1], False
            for k, ch in enumerate(what):
                italic ^= ch == "*"
                if ch == ":" and not italic:
                    what = what[:k]
                    break
            names[cells[0]] = what.strip()
    return names


class Seeds:
    """The source reports, indexed for :meth:`find`.

    Parameters
    ----------
    seeds
        ``(name, text)`` pairs: the name says which report (and is what a hit reports).
    """

    def __init__(self, seeds: Iterable[tuple[str, str]]) -> None:
        self.texts = [Text(name, text, [(0, "", 1)], blank_allowed=False) for name, text in seeds]
        self.section_starts = [_sections(t.text) for t in self.texts]
        self.anchors: dict[tuple[str | None, ...], list[tuple[int, int]]] = defaultdict(list)
        sentences: dict[int, dict[int, set[str]]] = {}
        for s, t in enumerate(self.texts):
            ws = t.words
            for j in range(len(ws) - ANCHOR + 1):
                self.anchors[tuple(ws[j : j + ANCHOR])].append((s, j))
            sentences[s] = defaultdict(set)
            for j, w in enumerate(ws):
                if not _has_digit(w):  # type: ignore[arg-type]
                    sentences[s][t.sentence_of[j]].add(w)  # type: ignore[arg-type]
        # every seed sentence: (seed, first word, last word, its words); and which sentences hold each word
        self.sentences: list[tuple[int, int, int, frozenset[str]]] = []
        firsts: dict[tuple[int, int], int] = {}
        lasts: dict[tuple[int, int], int] = {}
        for s, t in enumerate(self.texts):
            for j, k in enumerate(t.sentence_of):
                firsts.setdefault((s, k), j)
                lasts[(s, k)] = j
        for (s, k), first in firsts.items():
            self.sentences.append((s, first, lasts[(s, k)], frozenset(sentences[s][k])))
        self.postings: dict[str, list[int]] = defaultdict(list)
        for n, (_, _, _, ws) in enumerate(self.sentences):
            for w in ws:
                self.postings[w].append(n)

    @classmethod
    def from_folder(cls, folder: Path) -> Seeds:
        """Every ``*.txt`` in ``folder``, named by the report the folder's README says it is."""
        names = _report_names(folder)
        return cls(
            (f"{names[p.name]} ({p.name})" if p.name in names else p.name, p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob("*.txt"))
        )

    def _seed_where(self, s: int, first: int) -> str:
        t = self.texts[s]
        offset = t.starts[first]
        sections = self.section_starts[s]
        k = bisect.bisect_right([o for o, _ in sections], offset) - 1
        section = f"section '{sections[k][1]}'" if k >= 0 else "before the first section"
        return f"{section}, {t.where(offset)}"

    def _hit(self, doc: Text, a: int, b: int, rule: str, s: int, c: int, d: int) -> Hit:
        seed = self.texts[s]
        return Hit(
            doc.name,
            doc.where(doc.starts[a]),
            doc.span(a, b),
            rule,
            seed.name,
            self._seed_where(s, c),
            seed.sentence(c, d),
        )

    def find(self, doc: Text) -> list[Hit]:
        """Every span of ``doc`` that copies a seed near-verbatim, by either rule (overlapping spans once)."""
        runs = self._runs(doc)
        hits = [self._hit(doc, a, b, f"{n} of {WINDOW} words in a seed's order", s, c, d) for a, b, s, c, d, n in runs]
        covered = {i for a, b, *_ in runs for i in range(a, b + 1)}
        for a, b, s, c, d, score in self._same_sentences(doc):
            if not any(i in covered for i in range(a, b + 1)):
                hits.append(self._hit(doc, a, b, f"the words of a seed's sentence (Jaccard {score:.2f})", s, c, d))
        return hits

    def _runs(self, doc: Text) -> list[tuple[int, int, int, int, int, int]]:
        """Rule 1: spans (first, last word; seed; its first, last word; words matched), overlapping ones merged."""
        ws = doc.words
        found: dict[int, list[list[int]]] = defaultdict(list)  # seed -> [first, last, seed first, seed last, n]
        checked: set[tuple[int, int, int]] = set()
        for i in range(len(ws) - ANCHOR + 1):
            for s, j in self.anchors.get(tuple(ws[i : i + ANCHOR]), ()):
                if (s, j - i, i // 4) in checked:
                    continue  # this alignment's neighbourhood was checked from a nearby anchor
                checked.add((s, j - i, i // 4))
                seed = self.texts[s].words
                t0, s0 = max(0, i - WINDOW + ANCHOR), max(0, j - SPREAD + ANCHOR)
                near_t, near_s = ws[t0 : i + WINDOW], seed[s0 : j + SPREAD]
                pool = set(near_s)
                if sum(w in pool for w in near_t) < MATCHES:
                    continue
                pairs = [(t0 + p, s0 + q) for p, q in _lcs_pairs(near_t, near_s)]  # type: ignore[arg-type]
                for start in range(t0, i + 1):
                    inside = [(p, q) for p, q in pairs if start <= p < start + WINDOW]
                    if (
                        len(inside) >= MATCHES
                        and inside[-1][1] - inside[0][1] < SPREAD
                        and sum(not _has_digit(ws[p]) for p, _ in inside) >= MATCHES - 2  # type: ignore[arg-type]
                    ):
                        self._add(found[s], inside)
        out = [(a, b, s, c, d, n) for s, spans in found.items() for a, b, c, d, n in spans]
        return sorted(out)

    @staticmethod
    def _add(spans: list[list[int]], pairs: list[tuple[int, int]]) -> None:
        a, b, c, d = pairs[0][0], pairs[-1][0], pairs[0][1], pairs[-1][1]
        for span in spans:
            if a <= span[1] + 1 and b >= span[0] - 1:
                span[0], span[1] = min(span[0], a), max(span[1], b)
                span[2], span[3] = min(span[2], c), max(span[3], d)
                span[4] = max(span[4], len(pairs))
                return
        spans.append([a, b, c, d, len(pairs)])

    def _same_sentences(self, doc: Text) -> list[tuple[int, int, int, int, int, float]]:
        """Rule 2: sentences of ``doc`` whose words are a seed sentence's (first, last word; seed; its first,
        last word; Jaccard)."""
        by_sentence: dict[int, list[int]] = defaultdict(list)
        for i, k in enumerate(doc.sentence_of):
            if doc.words[i] is not None and not _has_digit(doc.words[i]):  # type: ignore[arg-type]
                by_sentence[k].append(i)
        out = []
        for idx in by_sentence.values():
            mine = {doc.words[i] for i in idx}
            if len(mine) < SENTENCE_MIN:
                continue
            # prefix filter: a sentence sharing enough words shares one of the rarest len - needed + 1
            needed = math.ceil(SENTENCE_JACCARD * len(mine))
            rarest = sorted(mine, key=lambda w: (len(self.postings.get(w, ())), w))  # type: ignore[arg-type]
            candidates = {n for w in rarest[: len(mine) - needed + 1] for n in self.postings.get(w, ())}  # type: ignore[arg-type]
            best = None
            for n in candidates:
                theirs = self.sentences[n][3]
                score = len(mine & theirs) / len(mine | theirs)
                if score >= SENTENCE_JACCARD and (best is None or score > best[0]):
                    best = (score, n)
            if best:
                s, c, d, _ = self.sentences[best[1]]
                out.append((idx[0], idx[-1], s, c, d, best[0]))
        return out


def project_files(root: Path) -> list[Path]:
    """The text files under ``templates/`` and ``workbooks/`` (YAML, CSV, Markdown, notebooks), leaving out run
    folders (``out/``) and anything hidden."""
    kinds = {".yaml", ".yml", ".csv", ".md", ".ipynb", ".txt"}
    found = []
    for top in ("templates", "workbooks"):
        for path in sorted((root / top).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and path.suffix in kinds and not any(p == "out" or p.startswith(".") for p in rel.parts):
                found.append(path)
    return found
