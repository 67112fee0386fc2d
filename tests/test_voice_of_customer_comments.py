"""Workbook 02 on a file of comments alone: themes by row, the number of themes, categories, nothing of the text."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxmethods import load_engagement, validate_engagement
from cxmethods.workbooks.voice_of_customer import COMMENT_TABLES, run

REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
CFPB = REALDATA / "cfpb_complaints_sample_2015_2020.csv"

TOPICS = {
    "Waste": ("bin", "missed", "collection", "crew", "recycling", "lorry", "wheelie", "street"),
    "Roads": ("pothole", "road", "repair", "tyre", "damage", "surface", "crater", "filled"),
    "Housing": ("damp", "mould", "landlord", "heating", "boiler", "flat", "repairs", "leak"),
}


def _feedback(folder: Path, *, n: int = 90, settings: str = "", extra: str = "") -> Path:
    """A feedback-form export (text, a made-up person's e-mail as the reference, a service, a star rating; every
    tenth text empty) and an engagement naming it as the only input."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    services = list(TOPICS)
    rows = []
    for i in range(n):
        service = services[i % 3]
        words = " ".join(rng.choice(TOPICS[service], 5, replace=False))
        text = "" if i % 10 == 9 else f"Really {words}, awful." if i % 2 else f"{words.capitalize()}, thank you"
        rows.append({"From": f"resident{i}@example.org", "Feedback": text, "Service": service, "Stars": 1 + i % 5})
    pd.DataFrame(rows).to_csv(folder / "feedback.csv", index=False)
    (folder / "engagement.yaml").write_text(
        textwrap.dedent(f"""\
            name: feedback
            organisation: Feedback Council
            currency: GBP
            period: {{start: 2025-04-01, end: 2026-03-31}}
            seed: 3
            inputs:
              comments:
                path: feedback.csv
                columns: {{text: Feedback{extra}}}
            """)
        + settings,
        encoding="utf-8",
    )
    return folder / "engagement.yaml"


def test_a_file_with_only_a_text_column_is_a_valid_engagement(tmp_path):
    report = validate_engagement(_feedback(tmp_path))
    assert report.ok, report.to_frame()
    # with only the text mapped, a row without text is a blank row: skipped and counted, not an error
    assert [p.message for p in report.warnings] == ["9 blank row(s) were skipped."]
    with_ids = validate_engagement(_feedback(tmp_path, extra=", comment_id: From"))
    assert with_ids.ok and [p.message for p in with_ids.warnings] == ["9 row(s) have no value in this required column."]


def test_comments_alone_give_themes_by_row_and_nothing_of_the_text(tmp_path):
    path = _feedback(tmp_path, extra=", comment_id: From, category: Service, rating: Stars")
    result = run(load_engagement(path), tmp_path / "run")
    assert set(COMMENT_TABLES) <= set(result.tables), result.skipped
    assert result.skipped["drivers"].startswith("The engagement names no survey input: add inputs.survey (")
    assert "9 of 90 rows of the comments file have no comment text: they were skipped." in result.notes
    table = result.table("comment_themes")
    source = pd.read_csv(tmp_path / "feedback.csv", keep_default_na=False)
    texts = source["Feedback"]
    assert table["row"].tolist() == [i + 2 for i in range(90) if texts[i]]  # spreadsheet rows; the header is row 1
    assert table["category"].tolist() == source.loc[texts != "", "Service"].tolist()
    assert table["rating"].tolist() == source.loc[texts != "", "Stars"].astype(float).tolist()
    assert table["theme"].notna().all() and table["sentiment"].notna().all()
    # themes follow the services the texts were written from, and the agreement says so
    themes_ = result.table("themes")
    assert sorted(themes_["top_category"]) == sorted(TOPICS) and (themes_["top_category_share"] == 1).all()
    assert themes_["category_ami"].iloc[0] == pytest.approx(1.0)
    written = {p.name: p.read_text(encoding="utf-8") for p in result.write()}
    assert "comment_themes.csv" in written and "theme_selection.csv" in written
    comment_table = written["comment_themes.csv"]
    assert "@" not in comment_table and "resident" not in comment_table  # the reference could name someone
    words = {w.strip(".,").lower() for t in texts for w in t.split()} - {""}
    assert [w for w in words if re.search(rf"\b{w}\b", comment_table.lower())] == []
    assert not any("@example.org" in text for text in written.values())


def test_the_number_of_themes_is_chosen_unless_the_engagement_sets_it(tmp_path):
    chosen = run(load_engagement(_feedback(tmp_path / "a", settings="")), None)
    again = run(load_engagement(_feedback(tmp_path / "b", settings="")), None)
    selection = chosen.table("theme_selection")
    assert selection["chosen"].sum() == 1 and selection.loc[selection["chosen"], "best"].item()
    k = selection.loc[selection["chosen"], "k"].item()
    assert len(chosen.table("themes")) == k == 3  # three services written in three vocabularies
    pd.testing.assert_frame_equal(selection, again.table("theme_selection"))
    pd.testing.assert_frame_equal(chosen.table("comment_themes"), again.table("comment_themes"))

    fixed = run(load_engagement(_feedback(tmp_path / "c", settings="settings:\n  voc:\n    n_themes: 5\n")), None)
    assert len(fixed.table("themes")) == 5
    assert fixed.table("theme_selection").loc[lambda t: t["chosen"], "k"].tolist() == [5]
    assert "The number of themes was set to 5 (settings.voc.n_themes or n_themes)." in fixed.notes
    assert len(run(load_engagement(_feedback(tmp_path / "d")), None, n_themes=4).table("themes")) == 4


def test_the_comments_input_is_analysed_instead_of_the_survey_comments(tiny):
    (tiny.folder / "feedback.csv").write_text("Feedback\nMissed bin again\nPothole on the road\nBin missed no crew\n")
    tiny.set_yaml(tiny.yaml.replace("inputs:\n", "inputs:\n  comments:\n    path: feedback.csv\n    columns: {text: Feedback}\n"))
    result = run(load_engagement(tiny.path), None, n_themes=2)
    assert result.table("comment_themes")["row"].tolist() == [2, 3, 4]
    assert "the survey's comment column is left aside" in " ".join(result.notes)
    assert "survey_items" in result.tables  # the survey's own analyses still run


@pytest.mark.skipif(
    not CFPB.exists(), reason=f"real CFPB complaints not found at {CFPB} (../shared/realdata beside the checkout)"
)
def test_cfpb_narratives_as_comments_with_products_as_categories(tmp_path):
    (tmp_path / "engagement.yaml").write_text(
        textwrap.dedent(f"""\
            name: cfpb
            organisation: CFPB
            currency: USD
            period: {{start: 2015-01-01, end: 2020-12-31}}
            allow_paths_outside: true  # the real sample stays in ../shared
            inputs:
              comments:
                path: {CFPB}
                columns: {{text: Consumer complaint narrative, comment_id: Complaint ID, category: Product,
                           channel: Submitted via, date: Date received}}
                values: {{channel: {{Web: web_form, Phone: phone, Email: email, Postal mail: post, Fax: post, Referral: null}}}}
            """),
        encoding="utf-8",
    )
    assert validate_engagement(tmp_path / "engagement.yaml").ok
    result = run(load_engagement(tmp_path / "engagement.yaml"), None)
    narratives = pd.read_csv(CFPB, usecols=["Consumer complaint narrative"]).iloc[:, 0]
    table = result.table("comment_themes")
    assert len(table) == narratives.notna().sum()
    themes_ = result.table("themes")
    assert 3 <= len(themes_) <= 10
    ami = themes_["category_ami"].iloc[0]
    assert 0.1 < ami < 0.6  # the themes follow the products in part: complaints about one product differ in kind
    labels = " | ".join(themes_["label"])
    assert "credit report" in labels and "identity theft" in labels and "debt" in labels, labels


def test_tone_of_more_comments_than_the_sample_is_scored_on_a_stated_sample(tmp_path):
    path = _feedback(tmp_path, n=2400, settings="settings:\n  voc:\n    tone_sample: 1000\n")
    result = run(load_engagement(path), tmp_path / "run")
    note = next(n for n in result.notes if n.startswith("Tone was scored on a random sample"))
    assert note.startswith("Tone was scored on a random sample of 1,000 of the 2,160 comments in English (seed 3;")
    assert "within 2.3 percentage points overall" in note  # 1.96 x sqrt(0.25 / 1000 x (1 - 1000 / 2160))
    per_comment = result.table("comment_themes")
    assert len(per_comment) == 2160 and (per_comment["sentiment"] == "not scored").sum() == 1160
    assert int(result.table("theme_sentiment")["comments"].sum()) == 1000  # the shares are of the sample
    assert per_comment["theme"].notna().all()  # every comment still has its theme
