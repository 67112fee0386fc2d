"""Benchmark: the themes and tone of a large survey's comments (workbook 02), against naive pandas + scikit-learn.

    python benchmarks/survey_text.py --rows 10000,100000,1000000 --previous /work/main
                                                  (one run of each; benchmarks/run.py takes medians)

Generates a seeded synthetic survey with the standard columns of templates/survey.csv and a comment of about
500 characters on every row (sentences drawn from a few topics, so themes exist, with some personal data for the
redactor to find), then runs workbook 02's analyses of it (:func:`cxmethods.workbooks.voice_of_customer.run`:
reading the survey, drivers, redaction, themes, sentiment, comment_themes, and writing the tables) in a fresh
process, and prints wall time and peak memory (RSS): that process's own (``VmHWM``) and, sampled every 0.2 s, the
sum over it and any worker processes it starts (``settings.voc.text_workers``, from 100,000 comments), which is
what the target is judged on; from 100,000 comments it is also run with a worker per core. The peers, in the same run: the naive approach (``pandas.read_csv``, then TF-IDF +
NMF and VADER on every comment at once, no redaction), and with ``--previous`` another checkout's workbook 02 on the
same file; the table gives each one's time as a multiple of ours. Targets (issue 22, a 2-core machine): 10,000
comments in under 30 s; 1,000,000 in under 300 s and 2 GB.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import PEAK, Result, child, median, peer

ENGAGEMENT = """\
name: bench-survey
organisation: Benchmark council (synthetic)
currency: GBP
period: {start: 2025-04-01, end: 2026-03-31}
seed: 7
inputs:
  survey:
    path: survey.csv
    dont_know_codes: [9]
"""

#: What makes workbook 02 redact, find themes and score in worker processes, one per core (from PARALLEL_FROM comments).
WORKERS = "settings:\n  voc:\n    text_workers: cores\n"
#: The same comments as a comments file with no rating beside them (``--unrated``): the scorers cannot be compared, so
#: tone takes the default scorer, the slowest (VADER with public-service phrases), on its sample above tone_sample.
UNRATED = ENGAGEMENT.replace(
    "  survey:\n    path: survey.csv\n    dont_know_codes: [9]\n",
    "  comments:\n    path: survey.csv\n    columns: {text: comment}\n",
)
PARALLEL_FROM = 100_000

#: Issue 22's targets: seconds for workbook 02 on so many comments, on a 2-core machine (and 2 GB at a million).
TARGET_SECONDS = {10_000: 30.0, 1_000_000: 300.0}

OURS = """
import sys, tempfile, threading, time
from cxmethods import load_engagement
from cxmethods.workbooks.voice_of_customer import run
TREE = [0.0]
def watch():  # this process and its workers, together: their resident memory summed every 0.2 s
    try:
        import psutil
    except ImportError:
        return
    me = psutil.Process()
    while True:
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        TREE[0] = max(TREE[0], total / 2**20)
        time.sleep(0.2)
threading.Thread(target=watch, daemon=True).start()
with tempfile.TemporaryDirectory() as out:
    result = run(load_engagement(sys.argv[1]), out)
    assert "themes" in result.tables and "comment_themes" in result.tables, result.skipped
    result.write()
import json
own = int(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:'))) / 1024
print('RESULT ' + json.dumps({'peak_mb': own, 'tree_mb': max(TREE[0], own)}))
"""

NAIVE = """
import sys
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
survey = pd.read_csv(sys.argv[1])
texts = survey["comment"].fillna("").astype(object).tolist()
x = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", min_df=5, max_df=0.95, sublinear_tf=True).fit_transform(texts)
w = NMF(n_components=8, init="nndsvda", random_state=7, max_iter=500).fit_transform(x)
analyzer = SentimentIntensityAnalyzer()
scores = [analyzer.polarity_scores(t)["compound"] for t in texts]
pd.DataFrame({"theme": w.argmax(axis=1), "compound": scores}).to_csv(sys.argv[1] + ".out.csv")
"""

# Topics, each with the things people name and what they say went wrong or right; sentences mix them with shared
# filler, so that topics overlap as in real comments.
TOPICS = {
    "bins": (
        ["bin", "bins", "collection", "recycling", "food waste", "garden waste", "bin lorry", "missed collection"],
        ["was missed again", "was not collected", "was left on the street", "came on time", "was emptied late"],
    ),
    "phone": (
        ["phone line", "call centre", "hold music", "switchboard", "phone queue", "call back", "helpline"],
        ["kept me waiting for an hour", "never called back", "cut me off twice", "answered quickly", "was engaged all day"],
    ),
    "council_tax": (
        ["council tax", "direct debit", "payment", "bill", "reminder letter", "arrears", "discount"],
        ["was taken twice", "was wrong again", "arrived after the deadline", "was sorted in minutes", "went up without warning"],
    ),
    "housing": (
        ["repair", "damp", "mould", "boiler", "housing officer", "leak", "heating", "window"],
        ["has been waiting for months", "was never fixed", "came back worse", "was fixed the same week", "needs an inspection"],
    ),
    "website": (
        ["website", "online form", "portal", "password", "app", "login page", "search page"],
        ["crashed half way through", "would not accept my details", "is confusing", "was easy to use", "timed out"],
    ),
    "staff": (
        ["staff", "receptionist", "advisor", "officer", "team at the desk", "manager", "caseworker"],
        ["was helpful and kind", "was rude to me", "listened properly", "did not know the answer", "went the extra mile"],
    ),
    "roads": (
        ["pothole", "street light", "pavement", "road", "crossing", "gritting", "drain"],
        ["is still broken", "damaged my car", "was reported weeks ago", "was repaired quickly", "is dangerous at night"],
    ),
    "benefits": (
        ["benefit claim", "housing benefit", "universal credit", "form", "evidence", "assessment", "appeal"],
        ["took far too long", "was lost twice", "asked for the same documents again", "was approved fairly", "is still pending"],
    ),
}
OPENERS = ["Honestly,", "To be fair,", "Last month", "Every time", "Once again", "This year", "As usual", "Sadly", ""]
LINKS = ["and", "but", "because", "so", "although", "while"]
FEELINGS = [
    "I am very disappointed.",
    "It is not good enough.",
    "Thank you for sorting it.",
    "I feel nobody listens.",
    "Overall I am satisfied.",
    "It was a frustrating experience.",
    "Great service, well done.",
    "Please improve this.",
    "I had to chase it myself.",
    "It made a real difference to my family.",
]
PERSONAL = [
    "Call me on 020 7946 {n:04d}.",
    "My email is resident{n}@example.org.",
    "Mr Patel at number {n} had the same problem.",
    "I live at {n} Mill Road.",
]
SCALE = ("overall_satisfaction", "trust", "timeliness", "knowledge", "courtesy", "fairness", "outcome")
SCALE += ("effectiveness", "ease", "efficiency", "equity", "employee_helpfulness")
ATTRIBUTES = {
    "age_band": ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"],
    "digital_confidence": ["1", "2", "3", "4", "5"],
    "preferred_channel": ["phone", "web_form", "email", "face_to_face", "mobile_app", "post"],
    "language": ["English", "Polish", "Urdu", "Romanian", "Bengali"],
    "disability": ["yes", "no"],
    "household": ["single adult", "couple", "family with children", "shared"],
    "employment_status": ["employed", "retired", "student", "unemployed", "carer/home"],
    "area": [f"Ward {i}" for i in range(20)],
}


def _sentence(rng: np.random.Generator, topic: str) -> str:
    things, happened = TOPICS[topic]
    other_things, other = TOPICS[rng.choice(list(TOPICS))]
    opener = OPENERS[rng.integers(len(OPENERS))]
    main = f"the {things[rng.integers(len(things))]} {happened[rng.integers(len(happened))]}"
    if rng.random() < 0.5:
        main += f" {LINKS[rng.integers(len(LINKS))]} the {other_things[rng.integers(len(other_things))]} {other[rng.integers(len(other))]}"
    text = f"{opener} {main}".strip()
    return text[0].upper() + text[1:] + "."


def comments(rows: int, seed: int = 7, *, pool: int = 40_000, length: int = 440) -> list[str]:
    """``rows`` seeded comments of about ``length`` characters: each mostly about one topic, with a feeling or two,
    and about one in twenty with personal data in it. Sentences come from a pool (so repeated phrases exist, as
    in real surveys) but their combinations are nearly always distinct."""
    rng = np.random.default_rng(seed)
    topics = list(TOPICS)
    weights = np.array([0.22, 0.18, 0.14, 0.13, 0.11, 0.1, 0.07, 0.05])
    sentences = {t: [_sentence(rng, t) for _ in range(pool // len(topics))] for t in topics}
    main = rng.choice(len(topics), size=rows, p=weights)
    picks = rng.integers(0, pool // len(topics), size=(rows, 12))
    out = []
    for i in range(rows):
        own = sentences[topics[main[i]]]
        parts, size, j = [], 0, 0
        while size < length and j < 12:
            if j % 4 == 3:
                part = FEELINGS[picks[i, j] % len(FEELINGS)]
            else:
                part = own[picks[i, j]]
            parts.append(part)
            size += len(part) + 1
            j += 1
        if picks[i, 11] % 20 == 0:
            parts.insert(1, PERSONAL[picks[i, 10] % len(PERSONAL)].format(n=picks[i, 9] % 10_000))
        out.append(" ".join(parts))
    return out


def generate(folder: Path, rows: int, seed: int = 7) -> Path:
    """Write ``survey.csv`` (templates/survey.csv's columns, a comment on every row) and the engagement beside it."""
    path = folder / "survey.csv"
    rng = np.random.default_rng(seed + 1)
    columns = ["respondent_id", *SCALE, "comment", *ATTRIBUTES, "contacts_last_year", "weight"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        step = 100_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            texts = comments(n, seed + start)
            base = rng.integers(1, 6, size=n)
            scores = np.clip(base[:, None] + rng.integers(-1, 2, size=(n, len(SCALE))), 1, 5)
            scores[rng.random(scores.shape) < 0.03] = 9  # don't know
            picks = {a: rng.integers(0, len(v), size=n) for a, v in ATTRIBUTES.items()}
            contacts = rng.poisson(2, size=n)
            for i in range(n):
                writer.writerow(
                    [f"R{start + i + 1:07d}", *scores[i].tolist(), texts[i]]
                    + [ATTRIBUTES[a][picks[a][i]] for a in ATTRIBUTES]
                    + [int(contacts[i]), 1]
                )
    (folder / "engagement.yaml").write_text(ENGAGEMENT)
    return path


def run(
    repeat: int,
    quick: bool,
    *,
    sizes: list[int] | None = None,
    naive_up_to: int = 100_000,
    previous: str | None = None,
    previous_up_to: int = 100_000,
    workers: bool = True,
    unrated: bool = False,
) -> list[Result]:
    """Workbook 02 on each size (the 1,000,000 case once, whatever ``repeat``: it takes minutes), the naive peer up to
    ``naive_up_to`` rows, and, given ``previous`` (the folder of another checkout of cxmethods), that version's
    workbook 02 on the same files, up to ``previous_up_to`` rows; each peer's time also as a multiple of ours. From
    :data:`PARALLEL_FROM` comments, where the workbook can start worker processes, it is also timed with one per
    core (``workers``)."""
    sizes = sizes or ([10_000] if quick else [10_000, 100_000, 1_000_000])
    results = []
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="cxm-bench-") as folder:
            folder = Path(folder)
            start = time.perf_counter()
            path = generate(folder, rows)
            print(
                f"  generated {rows:,} comments in {time.perf_counter() - start:.0f} s: {path.stat().st_size / 2**20:,.0f} MB",
                flush=True,
            )
            repeat = 1 if rows >= 1_000_000 else repeat
            ours = [_ours([sys.executable, "-c", OURS, str(folder / "engagement.yaml")]) for _ in range(repeat)]
            seconds = median(ours, "seconds")
            limit = TARGET_SECONDS.get(rows)
            results += [
                Result(f"workbook 02 on a survey of {rows:,} comments", seconds, "s", repeat, limit),
                Result(
                    f"  peak memory, {rows:,} comments (workbook and its workers)",
                    median(ours, "tree_mb"),
                    "MB",
                    repeat,
                    2048 if rows == 1_000_000 else None,
                    note=f"workbook process alone {median(ours, 'peak_mb'):,.0f} MB",
                ),
            ]
            if rows >= PARALLEL_FROM and workers:  # the same with a worker per core: the time they save, the memory they cost
                (folder / "workers.yaml").write_text(ENGAGEMENT + WORKERS)
                alone = [_ours([sys.executable, "-c", OURS, str(folder / "workers.yaml")])]
                results.append(
                    Result(
                        f"  with a worker per core (text_workers: cores), {rows:,} comments",
                        median(alone, "seconds"),
                        "s",
                        1,
                        note=f"{median(alone, 'seconds') / seconds:.2f}x ours; peak {median(alone, 'tree_mb'):,.0f} MB",
                    )
                )
            if unrated and rows >= PARALLEL_FROM:  # no ratings: the default (slowest) scorer, on its sample above 200,000
                (folder / "unrated.yaml").write_text(UNRATED)  # one process, the default, as the target is judged
                alone = [_ours([sys.executable, "-c", OURS, str(folder / "unrated.yaml")])]
                results.append(
                    Result(
                        f"  comments with no rating (the default tone scorer), {rows:,} comments",
                        median(alone, "seconds"),
                        "s",
                        1,
                        TARGET_SECONDS.get(rows),
                        note=f"peak {median(alone, 'tree_mb'):,.0f} MB",
                    )
                )
            if previous and rows <= previous_up_to:
                # run from that checkout (a script given with -c imports from its working folder first)
                where = Path(previous).resolve()
                before = [
                    _ours(
                        [sys.executable, "-c", OURS, str(folder / "engagement.yaml")],
                        cwd=where,
                        env={"PYTHONPATH": str(where)},
                    )
                ]
                results.append(_peer(f"  previous version ({Path(previous).name}), {rows:,} comments", before, seconds))
            if rows <= naive_up_to:
                plain = [child([sys.executable, "-c", NAIVE + PEAK, str(path)]) for _ in range(repeat)]
                results.append(_peer(f"  naive pandas + scikit-learn, {rows:,} comments", plain, seconds))
    return results


def _ours(args: list[str], **kwargs) -> dict:
    """:func:`harness.child`, with the process tree's peak (``tree_mb``) as well as the process's own (``peak_mb``)."""
    found = child(args, **kwargs)
    found.setdefault("tree_mb", found["peak_mb"])  # (no psutil: the process alone)
    return found


def _peer(label: str, runs: list[dict], ours: float) -> Result:
    """A peer's row: its time, peak memory and how many times ours it took."""
    row = peer(label, runs)
    more = "tree_mb" in runs[0] and median(runs, "tree_mb") > median(runs, "peak_mb") + 1
    tree = f"; with its workers {median(runs, 'tree_mb'):,.0f} MB" if more else ""
    return Result(row.case, row.value, row.unit, row.runs, note=f"{row.value / ours:.2f}x ours; {row.note}{tree}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,1000000", help="survey sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--naive-up-to", type=int, default=100_000, help="largest size the naive peer runs on")
    parser.add_argument("--generate", metavar="FOLDER", help="only write the survey and engagement into FOLDER")
    parser.add_argument("--previous", metavar="CHECKOUT", help="also time workbook 02 of this checkout (e.g. main)")
    parser.add_argument("--previous-up-to", type=int, default=100_000, help="largest size the previous version runs on")
    parser.add_argument("--no-workers", action="store_true", help="do not also time workbook 02 with a worker per core")
    parser.add_argument(
        "--unrated", action="store_true", help="also time the comments without their ratings (the default tone scorer)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.rows.split(",")]
    if args.generate:
        generate(Path(args.generate), sizes[0])
        return
    from harness import table

    found = run(
        args.repeat,
        False,
        sizes=sizes,
        naive_up_to=args.naive_up_to,
        previous=args.previous,
        previous_up_to=args.previous_up_to,
        workers=not args.no_workers,
        unrated=args.unrated,
    )
    print(table(found))
    print(f"\n{table(found, markdown=True)}")


if __name__ == "__main__":
    main()
