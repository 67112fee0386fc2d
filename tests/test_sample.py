"""Tests for cxmethods.sample: determinism, file contract, and the planted structure."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cxmethods.sample import SAMPLE_SEED, SampleData, make_sample, write_sample

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "data" / "sample"
CHANNELS = {"phone", "web_form", "email", "face_to_face", "mobile_app", "post"}
COLUMNS = {
    "contact_log": [
        "contact_ref",
        "opened_at",
        "closed_at",
        "channel",
        "reason",
        "service",
        "ward",
        "customer_ref",
        "resolved_first_time",
        "handling_mins",
    ],
    "survey": [
        "resp_id",
        "q_overall",
        "q_trust",
        "q_timely",
        "q_knowledge",
        "q_courtesy",
        "q_fair",
        "q_outcome",
        "q_effective",
        "q_ease",
        "q_efficient",
        "q_equity",
        "q_staff",
        "comment",
        "age_band",
        "digital_confidence",
        "preferred_channel",
        "language",
        "disability",
        "contacts_last_year",
        "household",
        "employment_status",
        "ward",
    ],
    "self_assessment": ["participant", "role", "dimension_id", "current_level", "target_level", "evidence", "model_version"],
    "consensus": [
        "dimension_id",
        "current_level",
        "target_level",
        "rationale",
        "strengths",
        "areas_for_improvement",
        "model_version",
    ],
    "quick_test": ["question_id", "answer", "team_answer", "note"],
    "role_checklist": ["statement_id", "answer", "note"],
    "initiatives": [
        "initiative_id",
        "name",
        "description",
        "origin",
        "capital_cost",
        "annual_operating_cost",
        "effort_team_months",
        "depends_on",
        "earliest_start",
        "confidence",
        "owner",
        "one_off_cost",
        "project_type",
        "start_year",
        "ramp_up_years",
    ],
    "levers": ["initiative_id", "lever", "value", "low", "high", "reason", "channel", "to_channel", "source"],
    "stakeholders": ["group_id", "group", "category", "hats", "priority", "interest", "influence", "objective", "represents"],
}
ITEMS = COLUMNS["survey"][2:13]
DRIVER_COLS = ["q_outcome", "q_timely", "q_knowledge", "q_courtesy", "q_fair"]  # planted order of importance
ODD_CODES = {"OTHER", "misc", "??"}
WORKSHOP_FILES = [
    "workshop/self_assessment.csv",
    "workshop/consensus.csv",
    "workshop/quick_test.csv",
    "workshop/role_checklist.csv",
    "workshop/backlog.csv",
]


def _template(name: str) -> dict:
    return yaml.safe_load((REPO / "templates" / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample() -> SampleData:
    return make_sample()


@pytest.fixture(scope="module")
def log(sample) -> pd.DataFrame:
    df = sample.contact_log.copy()
    df["opened"] = pd.to_datetime(df["opened_at"], format="%Y-%m-%d %H:%M:%S")
    df["closed"] = pd.to_datetime(df["closed_at"], format="%Y-%m-%d %H:%M:%S")
    return df


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- determinism and the written files -----------------------------------------------------------------


def test_write_sample_is_byte_identical_across_runs_and_to_committed_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    paths = write_sample(a)
    write_sample(b)
    assert [p.relative_to(a).as_posix() for p in paths] == [
        "engagement.yaml",
        "contact_log.csv.gz",
        "resident_survey.csv",
        *WORKSHOP_FILES,
        "initiatives.csv",
        "levers.csv",
        "stakeholders.csv",
        "segment_rules.yaml",
    ]
    assert _digests(a) == _digests(b)
    assert _digests(COMMITTED) == _digests(a), "data/sample is stale: regenerate with `cxm sample --out data/sample`"


def test_gzip_header_has_no_name_or_timestamp():
    raw = (COMMITTED / "contact_log.csv.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw[4:8] == b"\x00\x00\x00\x00"  # mtime
    assert raw[3] & 0x08 == 0  # FNAME flag not set


def test_files_are_utf8_without_bom_and_unix_newlines():
    for name in (
        "resident_survey.csv",
        "initiatives.csv",
        "engagement.yaml",
        *WORKSHOP_FILES,
        "stakeholders.csv",
        "segment_rules.yaml",
    ):
        raw = (COMMITTED / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
        raw.decode("utf-8")


def test_total_size_under_3_mb():
    assert sum(p.stat().st_size for p in COMMITTED.rglob("*") if p.is_file()) < 3_000_000


def test_same_seed_same_data_other_seed_other_data(sample):
    again, other = make_sample(seed=SAMPLE_SEED), make_sample(seed=7)
    pd.testing.assert_frame_equal(sample.contact_log, again.contact_log)
    pd.testing.assert_frame_equal(sample.survey, again.survey)
    assert not sample.survey["q_overall"].equals(other.survey["q_overall"])


def test_written_files_round_trip_to_the_in_memory_tables(sample):
    with gzip.open(COMMITTED / "contact_log.csv.gz", "rt", encoding="utf-8") as f:
        log = pd.read_csv(f, dtype=str, keep_default_na=False)
    assert list(log.columns) == COLUMNS["contact_log"]
    assert log["contact_ref"].tolist() == sample.contact_log["contact_ref"].tolist()
    assert log["handling_mins"].str.fullmatch(r"\d+\.\d").all()
    survey = pd.read_csv(COMMITTED / "resident_survey.csv")
    assert list(survey.columns) == COLUMNS["survey"]
    assert survey["q_overall"].tolist() == sample.survey["q_overall"].tolist()


def test_engagement_yaml_contract(sample):
    text = (COMMITTED / "engagement.yaml").read_text(encoding="utf-8")
    assert "FICTIONAL" in text and "cxm sample --out data/sample" in text
    cfg = yaml.safe_load(text)
    assert (cfg["name"], cfg["currency"], cfg["seed"]) == ("riverton", "GBP", SAMPLE_SEED)
    assert str(cfg["period"]["start"]) == "2025-04-01" and str(cfg["period"]["end"]) == "2026-03-31"
    assert cfg["inputs"]["survey"]["dont_know_codes"] == [9]
    assert cfg["settings"]["voc"]["repeat_window_days"] == 7
    assert set(cfg["inputs"]["contact_log"]["columns"].values()) == set(COLUMNS["contact_log"])
    assert set(cfg["inputs"]["survey"]["columns"].values()) == set(COLUMNS["survey"])
    # segment names and assumptions are written by the workshop forms, so the sample names the files but does not ship them
    formed = ("segment_names", "assumptions")
    assert cfg["workshop"] == {
        **{name.split("/")[1].removesuffix(".csv"): {"path": name} for name in WORKSHOP_FILES},
        **{n: {"path": f"workshop/{n}.csv"} for n in formed},
    }
    assert not any((COMMITTED / "workshop" / f"{n}.csv").exists() for n in formed)
    assert cfg["inputs"]["stakeholders"] == {"path": "stakeholders.csv"}
    assert cfg["settings"]["segmentation"] == {"rules": "segment_rules.yaml"}
    assert (COMMITTED / cfg["settings"]["segmentation"]["rules"]).is_file()
    for section, key in (
        ("inputs", "contact_log"),
        ("inputs", "survey"),
        ("inputs", "initiatives"),
        ("inputs", "levers"),
        ("inputs", "stakeholders"),
        *(("workshop", key) for key in cfg["workshop"] if key not in formed),
    ):
        assert (COMMITTED / cfg[section][key]["path"]).is_file()


def test_truth_is_not_written_to_files(sample):
    assert all("segment" not in c for cols in COLUMNS.values() for c in cols)
    survey_text = (COMMITTED / "resident_survey.csv").read_text(encoding="utf-8")
    assert "Digital self-servers" not in survey_text and sample.truth["synthetic"] is True


# --- columns, counts and value domains -------------------------------------------------------------------


@pytest.mark.parametrize("table", list(COLUMNS))
def test_columns_exact(sample, table):
    assert list(getattr(sample, table).columns) == COLUMNS[table]


@pytest.mark.parametrize(
    "table, low, high",
    [
        ("contact_log", 45_000, 60_000),
        ("survey", 2_500, 3_500),
        ("self_assessment", 240, 240),  # 8 participants x 30 dimensions (maturity model 2.0)
        ("initiatives", 10, 14),
        ("consensus", 30, 30),  # every dimension agreed
        ("quick_test", 9, 9),
        ("role_checklist", 36, 36),
        ("stakeholders", 15, 20),
    ],
)
def test_row_counts(sample, table, low, high):
    assert low <= len(getattr(sample, table)) <= high


def test_contact_log_domains(sample, log):
    assert log["contact_ref"].is_unique and log["contact_ref"].str.fullmatch(r"C\d{7}").all()
    assert log["customer_ref"].str.fullmatch(r"P\d{6}").all()
    assert log["customer_ref"].value_counts().max() >= 5  # customers come back
    assert log["opened"].notna().all() and log["opened"].is_monotonic_increasing
    assert log["opened"].min() >= pd.Timestamp("2025-04-01") and log["opened"].max() < pd.Timestamp("2026-04-01")
    assert set(log["channel"].dropna()) == CHANNELS
    assert set(log["resolved_first_time"]) == {0, 1}
    assert (log["handling_mins"] > 0).all() and (log["handling_mins"].round(1) == log["handling_mins"]).all()
    assert 10 <= log["ward"].nunique() <= 14
    valid = log[~log["reason"].isin(ODD_CODES)]
    assert 20 <= valid["reason"].nunique() <= 26 and 6 <= valid["service"].nunique() <= 8
    assert valid["service"].notna().all() and (valid.groupby("reason")["service"].nunique() == 1).all()
    assert valid.groupby("reason")["service"].first().to_dict() == sample.truth["reason_service"]
    still_open = log["closed_at"].isna().mean()
    assert 0.002 < still_open < 0.03


def test_handling_minutes_depend_on_channel(log):
    mean = log.groupby("channel")["handling_mins"].mean()
    assert 6 <= mean["phone"] <= 10 and 12 <= mean["face_to_face"] <= 20 and 12 <= mean["post"] <= 18
    assert mean["web_form"] < 3 and mean["mobile_app"] < 3 and 6 <= mean["email"] <= 10


def test_survey_domains(sample):
    s = sample.survey
    assert s["resp_id"].is_unique
    assert set(s["q_overall"]) <= {1, 2, 3, 4, 5}
    for col in ITEMS[1:]:
        assert set(s[col]) <= {1, 2, 3, 4, 5, 9}
        assert 0.01 <= (s[col] == 9).mean() <= 0.10, col
    assert set(s["digital_confidence"]) == {1, 2, 3, 4, 5}
    assert set(s["preferred_channel"]) <= CHANNELS
    assert set(s["age_band"]) == {"16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"}
    assert set(s["disability"]) == {"yes", "no"} and (s["contacts_last_year"] >= 0).all()
    assert set(s["employment_status"]) == {
        "employed",
        "self-employed",
        "unemployed",
        "retired",
        "student",
        "carer/home",
        "unable to work",
    }
    assert 0.4 <= s["comment"].notna().mean() <= 0.6


def test_self_assessment_domains(sample):
    sa = sample.self_assessment
    model = yaml.safe_load((REPO / "templates" / "maturity_model.yaml").read_text(encoding="utf-8"))
    dims = [d["id"] for c in model["components"] for d in c["dimensions"]]
    assert sa["participant"].nunique() == 8 and sa["role"].nunique() == 8
    assert all(group["dimension_id"].tolist() == dims for _, group in sa.groupby("participant"))
    assert sa["current_level"].between(1, 5).all() and sa["target_level"].between(1, 5).all()
    assert (sa["target_level"] >= sa["current_level"]).all()
    assert sa["evidence"].str.len().gt(10).all() and sa["evidence"].nunique() > 20


def test_initiatives_domains_and_acyclic_dependencies(sample):
    ini = sample.initiatives
    ids = set(ini["initiative_id"])
    assert ini["initiative_id"].is_unique and ini["initiative_id"].str.fullmatch(r"I\d{2}").all()
    assert set(ini["origin"]) <= {"self_assessment", "voice_of_customer", "segmentation", "leadership"}
    assert ini["confidence"].between(0, 1).all() and (ini["confidence"].round(2) == ini["confidence"]).all()
    assert (ini[["capital_cost", "annual_operating_cost"]] >= 0).all().all() and (ini["effort_team_months"] > 0).all()
    assert ini["earliest_start"].dropna().str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert ini["start_year"].dropna().between(2026, 2035).all() and ini["ramp_up_years"].between(0, 3).all()
    deps = {r.initiative_id: [] if pd.isna(r.depends_on) else r.depends_on.split(";") for r in ini.itertuples()}
    assert all(d in ids for ds in deps.values() for d in ds)
    done: set[str] = set()
    while len(done) < len(deps):  # topological peel: fails to progress on a cycle
        ready = {i for i, ds in deps.items() if i not in done and set(ds) <= done}
        assert ready, "dependency cycle"
        done |= ready


# --- planted structure ---------------------------------------------------------------------------------


def test_pareto_of_reasons(log):
    share = log["reason"].value_counts(normalize=True)
    assert share.iloc[:6].sum() > 0.5 and share.iloc[0] < 0.2


def test_chasing_reasons_are_repeat_contacts(log):
    df = log.sort_values(["customer_ref", "opened"])
    gap = df["opened"] - df.groupby("customer_ref")["opened"].shift()
    df["repeat14"] = gap <= pd.Timedelta(days=14)
    rate = df.groupby("reason")["repeat14"].mean()
    chasing = ["Chasing housing repair", "Chasing benefit claim", "Where is my letter / clarify a letter"]
    others = rate.drop(chasing + ["Missed bin collection"] + sorted(ODD_CODES), errors="ignore")
    assert rate[chasing].min() > 0.9 and others.max() < 0.35
    assert rate[chasing].min() > 3 * others.median()


@pytest.mark.parametrize(
    "chase, source", [("Chasing housing repair", "housing repair"), ("Chasing benefit claim", "benefit claim")]
)
def test_chases_follow_an_unresolved_contact_1_to_14_calendar_days_earlier(log, chase, source):
    key = ["opened", "customer_ref"]
    chases = log.loc[log["reason"] == chase, key].sort_values("opened")
    unresolved = log.loc[log["reason"].str.lower().str.contains(source) & (log["resolved_first_time"] == 0), key]
    unresolved = unresolved.assign(source_opened=unresolved["opened"]).sort_values("opened")
    matched = pd.merge_asof(
        chases, unresolved, on="opened", by="customer_ref", tolerance=pd.Timedelta(days=15), allow_exact_matches=False
    )
    assert matched["source_opened"].notna().mean() > 0.98


def test_missed_bins_repeat_within_a_week(log):
    df = log.sort_values(["customer_ref", "opened"])
    gap = df["opened"] - df.groupby("customer_ref")["opened"].shift()
    same = (df.groupby("customer_ref")["reason"].shift() == df["reason"]) & (gap <= pd.Timedelta(days=7))
    rate = same.groupby(df["reason"]).mean()
    assert rate["Missed bin collection"] > 0.12
    assert rate.drop(["Missed bin collection", "Chasing housing repair", "Chasing benefit claim"]).max() < 0.05


def test_first_contact_resolution_varies(log):
    by_channel = log.groupby("channel")["resolved_first_time"].mean()
    by_reason = log.groupby("reason")["resolved_first_time"].mean()
    assert by_channel.max() - by_channel.min() > 0.1 and by_reason.max() - by_reason.min() > 0.3


def test_sunday_morning_parking_spike(sample, log):
    spike = sample.truth["spike"]
    sunday_morning = (log["opened"].dt.day_of_week == 6) & log["opened"].dt.hour.between(8, 11)
    in_ward, is_reason = log["ward"] == spike["ward"], log["reason"] == spike["reason"]
    observed = (in_ward & is_reason & sunday_morning).sum()
    expected = in_ward.sum() * is_reason.sum() / len(log) * sunday_morning.mean()
    assert observed >= spike["n_planted"] and observed > 5 * expected
    other_wards = (~in_ward & is_reason & sunday_morning).groupby(log["ward"]).sum()
    assert observed > 5 * other_wards.max()


def test_time_patterns(log):
    hour, dow = log["opened"].dt.hour, log["opened"].dt.day_of_week
    f2f = log["channel"] == "face_to_face"
    assert not (f2f & (dow == 6)).any() and hour[f2f].between(9, 16).all()
    assert hour[f2f & (dow == 5)].max() < 12
    phone = log[log["channel"] == "phone"]
    assert phone["opened"].dt.day_of_week.value_counts().idxmax() == 0
    assert phone["opened"].dt.hour.between(12, 13).mean() > 0.15
    evening_weekend = (hour >= 18) | (dow >= 5)
    assert evening_weekend[log["channel"] == "web_form"].mean() > 2 * evening_weekend[log["channel"] == "phone"].mean()
    assert hour.isin([0, 1, 2, 3, 4, 5]).mean() < 0.03


@pytest.mark.parametrize(
    "reason, high, low",
    [
        ("Council tax payment", [4], [7, 8]),
        ("Garden waste subscription", [3, 4, 5], [11, 12, 1]),
        ("Pothole report", [12, 1, 2], [6, 7, 8]),
        ("School admissions", [10, 11, 1], [6, 7, 8]),
    ],
)
def test_monthly_seasonality(log, reason, high, low):
    month = log.loc[log["reason"] == reason, "opened"].dt.month.value_counts()
    assert month.reindex(high).mean() > 1.8 * month.reindex(low).mean()


def test_messiness_counts_match_truth(sample, log):
    mess = sample.truth["messiness"]
    assert (log["closed"] < log["opened"]).sum() == mess["closed_before_opened"] and 40 <= mess["closed_before_opened"] <= 80
    assert log["channel"].isna().sum() == mess["missing_channel"]
    assert 0.007 < log["channel"].isna().mean() < 0.013
    odd = log.loc[log["reason"].isin(ODD_CODES), "reason"].value_counts().to_dict()
    assert odd == mess["odd_reason_codes"] and log.loc[log["reason"].isin(ODD_CODES), "service"].isna().all()
    assert log["closed_at"].isna().sum() == mess["still_open"]


def _standardised_ols(df: pd.DataFrame, y: str, xs: list[str]) -> np.ndarray:
    z = (df - df.mean()) / df.std()
    return np.linalg.lstsq(np.c_[np.ones(len(z)), z[xs].to_numpy()], z[y].to_numpy(), rcond=None)[0][1:]


def test_driver_importance_order_is_recovered(sample):
    s = sample.survey
    d = s.loc[(s[DRIVER_COLS] != 9).all(axis=1), ["q_overall"] + DRIVER_COLS].astype(float)
    beta = _standardised_ols(d, "q_overall", DRIVER_COLS)
    assert (np.diff(beta) < 0).all(), dict(zip(DRIVER_COLS, beta.round(3)))
    # Johnson's relative weights share R^2 out among correlated drivers; they too keep the planted order
    corr = d.corr().to_numpy()
    vals, vecs = np.linalg.eigh(corr[1:, 1:])
    lam = vecs @ np.diag(np.sqrt(vals)) @ vecs.T
    weights = (lam**2) @ np.linalg.solve(lam, corr[1:, 0]) ** 2
    assert (np.diff(weights) < 0).all(), dict(zip(DRIVER_COLS, weights.round(4)))
    assert 0.5 < weights.sum() < 0.85  # R^2
    assert list(sample.truth["driver_weights"]) == ["outcome", "timeliness", "knowledge", "courtesy", "fairness"]
    corr = d[DRIVER_COLS].corr().to_numpy()[np.triu_indices(5, 1)]
    assert 0.15 < corr.mean() < 0.5  # moderately correlated drivers


def test_timeliness_important_but_low_scoring(sample):
    means = {c: sample.survey.loc[sample.survey[c] != 9, c].mean() for c in DRIVER_COLS}
    assert min(means, key=means.get) == "q_timely" and max(means, key=means.get) == "q_courtesy"


def test_segment_profiles_differ(sample):
    s = sample.survey.assign(segment=sample.survey["resp_id"].map(sample.truth["survey_segment"]))
    assert s["segment"].notna().all() and s["segment"].nunique() == 5
    g = s.groupby("segment")
    digital = g["digital_confidence"].mean()
    assert digital["Digital self-servers"] > 4 and digital["Newcomers with language needs"] < 2.5
    assert g["contacts_last_year"].mean().idxmax() == "Frequent complex-needs contacts"
    assert (g["language"].apply(lambda x: (x != "English").mean())).idxmax() == "Newcomers with language needs"
    assert (g["disability"].apply(lambda x: (x == "yes").mean())).idxmax() == "Frequent complex-needs contacts"
    assert g["preferred_channel"].agg(lambda x: x.value_counts().idxmax())["Newcomers with language needs"] == "face_to_face"
    shares = s["segment"].value_counts(normalize=True)
    assert shares.min() > 0.08 and shares.max() < 0.35


def _ari(a, b) -> float:
    ct = pd.crosstab(np.asarray(a), np.asarray(b)).to_numpy().astype(float)
    pairs = lambda x: (x * (x - 1) / 2).sum()  # noqa: E731
    index, rows, cols, total = pairs(ct), pairs(ct.sum(1)), pairs(ct.sum(0)), pairs(np.array([ct.sum()]))
    expected = rows * cols / total
    return (index - expected) / ((rows + cols) / 2 - expected)


def test_segments_recoverable_by_scaled_kmeans(sample):
    s = sample.survey
    num = pd.DataFrame(
        {
            "digital": s["digital_confidence"],
            "contacts": np.log1p(s["contacts_last_year"]),
            "age": s["age_band"].rank(method="dense"),
        }
    ).astype(float)
    cat = pd.get_dummies(s[["preferred_channel", "household", "employment_status", "disability"]]).astype(float)
    cat["english"] = (s["language"] == "English").astype(float)
    x = np.c_[((num - num.mean()) / num.std()).to_numpy(), cat.to_numpy() / np.sqrt(2)]
    rng, best = np.random.default_rng(0), None
    for _ in range(8):
        centres = x[rng.choice(len(x), 5, replace=False)]
        for _ in range(100):
            labels = ((x[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
            new = np.array([x[labels == k].mean(0) if (labels == k).any() else centres[k] for k in range(5)])
            if np.allclose(new, centres):
                break
            centres = new
        inertia = ((x - centres[labels]) ** 2).sum()
        if best is None or inertia < best[0]:
            best = (inertia, labels)
    ari = _ari(s["resp_id"].map(sample.truth["survey_segment"]), best[1])
    assert 0.5 < ari < 0.95


def test_contact_log_segments_have_different_channel_mixes(sample, log):
    seg = log["customer_ref"].map(sample.truth["customer_segment"])
    assert seg.notna().all()
    digital = log["channel"].isin(["web_form", "mobile_app"]).groupby(seg).mean()
    assert digital["Digital self-servers"] > 0.5 and digital["Older residents who prefer phone or face to face"] < 0.15
    f2f = (log["channel"] == "face_to_face").groupby(seg).mean()
    assert f2f.idxmax() == "Newcomers with language needs"


def test_self_assessment_disagreement_and_gaps(sample):
    sa = sample.self_assessment
    spread = sa.groupby("dimension_id")["current_level"].std()
    assert set(spread.nlargest(3).index) == set(sample.truth["disagreement_dimensions"])
    assert spread.drop(sample.truth["disagreement_dimensions"]).max() <= 0.6
    rng = sa.groupby("dimension_id")["current_level"].agg(lambda x: x.max() - x.min())
    assert rng.drop(sample.truth["disagreement_dimensions"]).max() <= 1
    med = sa.groupby("dimension_id")[["current_level", "target_level"]].median()
    gap = med["target_level"] - med["current_level"]
    assert set(gap.nlargest(3).index) == set(sample.truth["largest_gap_dimensions"])
    assert gap.nsmallest(3).min() >= 0


def test_consensus_covers_every_dimension_and_settles_the_disputed_ones_below_the_median(sample):
    everything, sa = sample.consensus, sample.self_assessment
    assert everything["dimension_id"].tolist() == list(dict.fromkeys(sa["dimension_id"]))  # every dimension, in order
    assert (everything["strengths"].str.len() > 10).all() and (everything["areas_for_improvement"].str.len() > 10).all()
    assert (everything["model_version"] == "2.0").all()
    con = everything[everything["dimension_id"].isin(sample.truth["disagreement_dimensions"])]
    assert set(con["dimension_id"]) == set(sample.truth["disagreement_dimensions"]) == set(sample.truth["consensus"])
    assert con["current_level"].between(1, 5).all() and (con["target_level"] >= con["current_level"]).all()
    assert (con["target_level"] <= 5).all()
    assert con["rationale"].str.fullmatch(r"Agreed \d: [^.]+\.").all()  # one sentence, naming the agreed level
    assert all(r.rationale.startswith(f"Agreed {r.current_level}:") for r in con.itertuples())
    median = sa.groupby("dimension_id")["current_level"].median()
    for r in con.itertuples():  # the front line's evidence carried the room: agreed below the respondents' median
        assert r.current_level < median[r.dimension_id]
        assert sample.truth["consensus"][r.dimension_id] == {"current_level": r.current_level, "target_level": r.target_level}


def test_quick_test_answers_every_question_twice_with_three_planted_noes_each(sample):
    qt = sample.quick_test
    questions = {q["id"]: q for q in _template("quick_test.yaml")["questions"]}
    assert qt["question_id"].tolist() == list(questions)
    assert set(qt["answer"]) == {"yes", "no"}
    no = qt[qt["answer"] == "no"]
    assert no["question_id"].tolist() == sample.truth["quick_test_no"] == ["q2", "q3", "q8"]
    # segments used in practice, target outcomes per group, feedback measured and acted on
    assert [questions[q]["component"] for q in ("q2", "q3", "q8")] == ["understand", "understand", "relationships"]
    assert "groups" in questions["q2"]["text"] and "outcome" in questions["q3"]["text"]
    assert "changed because of it" in questions["q8"]["text"]
    assert no["note"].str.len().gt(20).all()
    team = qt[qt["team_answer"] == "no"]["question_id"].tolist()
    assert team == sample.truth["quick_test_team_no"] == ["q2", "q3", "q6"]  # q6 no for teams, q8 yes: practice differs
    answered_yes = (qt["answer"] == "yes") & (qt["team_answer"] == "yes")
    assert qt.loc[answered_yes, "note"].isna().all()


def test_role_checklist_answers_every_statement_with_a_realistic_mix(sample):
    rc = sample.role_checklist
    ids = [s["id"] for r in _template("role_checklist.yaml")["roles"] for s in r["statements"]]
    assert rc["statement_id"].tolist() == ids
    counts = rc["answer"].value_counts().to_dict()
    assert set(counts) == {"yes", "partly", "no"} and counts == sample.truth["role_checklist_counts"]
    assert 0.25 <= counts["no"] / len(rc) <= 0.35 and 0.25 <= counts["partly"] / len(rc) <= 0.35
    answers = rc.set_index("statement_id")["answer"]
    planted = sample.truth["role_checklist_planted"]
    assert set(planted) <= set(ids) and all(answers[s] == a for s, a in planted.items())
    assert answers["designer.2"] == "no"  # no segments in use, as the quick test says
    noted = rc["note"].notna()
    assert 0.3 < noted.mean() < 0.9 and rc.loc[rc["statement_id"].isin(planted), "note"].notna().all()


def test_workshop_answers_follow_the_self_assessment_draws(sample):
    """The new answer files draw after the self-assessment, so its answers are as they were before them."""
    from cxmethods.sample.workshop import make_self_assessment

    first, _ = make_self_assessment(np.random.default_rng(SAMPLE_SEED).spawn(3)[2])  # the workshop stream, fresh
    pd.testing.assert_frame_equal(first, sample.self_assessment)
    other = make_sample(seed=7)
    pd.testing.assert_frame_equal(other.quick_test, sample.quick_test)  # planted, not drawn
    assert not other.role_checklist["answer"].equals(sample.role_checklist["answer"])


def test_planted_personal_data_is_in_comments_and_fake(sample):
    planted = sample.truth["planted_personal_data"]
    comments = sample.survey.set_index("resp_id")["comment"]
    share = len(planted) / comments.notna().sum()
    assert 0.03 <= share <= 0.05 and {p["kind"] for p in planted} == {"email", "phone", "ni_number", "name"}
    patterns = {
        "email": r"[a-z]\.[a-z]+@example\.(com|org|net)",
        "phone": r"07700 900\d{3}|020 7946 0\d{3}",
        "ni_number": r"QQ \d{2} \d{2} \d{2} [A-D]",
        "name": r"(Mr|Mrs|Ms) [A-Z][a-z]+",
    }
    for p in planted:
        assert p["value"] in comments[p["resp_id"]]
        assert re.fullmatch(patterns[p["kind"]], p["value"]), p
    text = " ".join(comments.dropna())
    found = set(re.findall(r"\S+@\S+?(?=\.?(?:\s|$))", text)) | set(re.findall(r"\b0\d{2,4} ?\d{3,4} ?\d{3,4}\b", text))
    assert found <= {p["value"] for p in planted}  # nothing personal-looking besides what truth lists


def test_write_sample_never_overwrites_by_accident(tmp_path):
    from cxmethods import CxmError

    write_sample(tmp_path)
    answers = tmp_path / "workshop" / "self_assessment.csv"
    answers.write_text("participant,dimension_id,current_level\nme,understand.definition,3\n")
    with pytest.raises(CxmError, match=r"already holds engagement\.yaml, .*nothing was written.*cxm sample --force"):
        write_sample(tmp_path)
    assert answers.read_text().startswith("participant,dimension_id,current_level\nme")
    write_sample(tmp_path, overwrite=True)
    assert not answers.read_text().startswith("participant,dimension_id,current_level\nme")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CxmError, match=r"is a file; give a folder"):
        write_sample(tmp_path / "file")


# --- segmentation inputs: the stakeholder map and the rule-based segment tree ----------------------------------


def test_stakeholder_map_file_round_trips_and_is_fixed(sample):
    written = pd.read_csv(COMMITTED / "stakeholders.csv", dtype=str, keep_default_na=False)
    assert list(written.columns) == COLUMNS["stakeholders"]
    assert written["group_id"].tolist() == sample.stakeholders["group_id"].tolist()
    assert written["group_id"].is_unique and written["interest"].str.fullmatch(r"[1-5]").all()
    assert written["influence"].str.fullmatch(r"[1-5]").all() and set(written["priority"]) == {"high", "medium", "low"}
    pd.testing.assert_frame_equal(make_sample(seed=7).stakeholders, sample.stakeholders)  # planted, not drawn
    template = (REPO / "templates" / "stakeholders.csv").read_text(encoding="utf-8")
    assert template.strip() == ",".join(COLUMNS["stakeholders"])  # the template stays blank


def test_stakeholder_truth_names_groups_on_the_map(sample):
    planted = sample.truth["stakeholder_findings"]
    groups = sample.stakeholders.set_index("group_id")
    assert {p["finding"] for p in planted} >= {"no_objective", "no_one_speaks_for_them", "expert_speaks_for_one_segment"}
    assert all(p["group_id"] in groups.index for p in planted)
    future = next(p["group_id"] for p in planted if groups.loc[p["group_id"], "group"] == "Future residents")
    assert future in {p["group_id"] for p in planted if p["finding"] == "no_one_speaks_for_them"}
    # councillors speak for residents; they are not the ultimate customer
    assert groups.loc[groups["group"].str.startswith("Councillors"), "category"].tolist() == ["customer_representative"]


def test_segment_rules_file_is_the_generator_text_and_uses_survey_fields():
    from cxmethods.sample.stakeholders import SEGMENT_RULES_YAML

    text = (COMMITTED / "segment_rules.yaml").read_text(encoding="utf-8")
    assert text == SEGMENT_RULES_YAML and "FICTIONAL" in text
    fields = set(re.findall(r"field: (\w+)", text))
    assert fields <= {
        "age_band",
        "digital_confidence",
        "preferred_channel",
        "language",
        "disability",
        "contacts_last_year",
        "household",
        "employment_status",
    }
