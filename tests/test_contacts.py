"""The contact log analysed with DuckDB: planted structure recovered, real 311 data, messy rows counted not dropped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxmethods import CxmError, load_engagement, read_input
from cxmethods.core.paths import templates_dir
from cxmethods.methods.contacts import ContactLog
from cxmethods.sample import make_sample

TRUTH = make_sample().truth


@pytest.fixture(scope="module")
def log():
    with ContactLog(load_engagement()) as opened:
        yield opened


def test_same_values_as_the_pandas_reader(log):
    frame = read_input(load_engagement(), "contact_log")
    duck = log.query("SELECT * FROM contacts")
    assert len(duck) == len(frame) == 51064
    assert duck["channel"].value_counts().to_dict() == frame["channel"].value_counts().to_dict()
    assert duck["created_at"].min() == frame["created_at"].min() and duck["closed_at"].max() == frame["closed_at"].max()
    assert duck["resolved_first_contact"].sum() == frame["resolved_first_contact"].sum()
    assert duck["handling_minutes"].sum() == pytest.approx(frame["handling_minutes"].sum())


def test_customer_ids_are_salted_hashes_that_keep_who_is_who(log):
    import hashlib

    from cxmethods.methods.contacts import id_salt

    frame = read_input(load_engagement(), "contact_log")
    duck = log.query("SELECT contact_id, customer_id FROM contacts ORDER BY contact_id")
    assert duck["customer_id"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert not set(duck["customer_id"]) & set(frame["customer_id"])
    assert duck["customer_id"].nunique() == frame["customer_id"].nunique()  # the same customers, so repeats count the same
    eng = load_engagement()
    path = eng.resolve(eng.inputs.contact_log.path)
    first = frame.sort_values("contact_id").iloc[0]
    salt = id_salt(eng.name, path)
    assert duck["customer_id"].iloc[0] == hashlib.sha256((salt + first["customer_id"]).encode()).hexdigest()[:16]
    assert salt != id_salt("another-engagement", path)  # per engagement: the same person cannot be linked across them


def test_reasons_pareto(log):
    reasons = log.reasons()
    assert reasons["contacts"].sum() == 51064 and reasons["share"].sum() == pytest.approx(1)
    vital = reasons[reasons["pareto"]]
    assert vital["cumulative_share"].iloc[-1] >= 0.8 and (vital["cumulative_share"] - vital["share"]).iloc[-1] < 0.8
    assert reasons["cumulative_share"].iloc[5] > 0.5  # planted: the top six reasons make over half


def test_channel_mix_and_time_patterns_add_up(log):
    mix = log.channel_mix()
    overall = mix[mix["reason"] == "(all)"].set_index("channel")
    assert overall["contacts"].sum() == 51064 and overall.loc["unknown", "contacts"] == 511
    assert mix.groupby("reason")["share"].sum().round(6).eq(1).all()
    patterns = log.time_patterns()
    grid = patterns[(patterns["pattern"] == "weekday_hour") & (patterns["channel"] == "(all)")]
    assert grid["contacts"].sum() == 51064 and len(grid) <= 7 * 24
    f2f = patterns[(patterns["pattern"] == "weekday_hour") & (patterns["channel"] == "face_to_face")]
    assert f2f.loc[f2f["weekday"] == "Sunday", "contacts"].sum() == 0  # planted: no Sunday face-to-face service
    months = patterns[(patterns["pattern"] == "month") & (patterns["channel"] == "(all)")]
    assert len(months) == 12


def test_the_planted_local_spike_is_the_top_anomaly(log):
    top = log.anomalies().iloc[0]
    spike = TRUTH["spike"]
    assert (top["area"], top["reason"], top["weekday"]) == (spike["ward"], spike["reason"], "Sunday")
    assert top["ratio"] > 4 and top["z"] > 10


def test_repeat_contact_and_follow_ups(log):
    table = log.repeat_contact().set_index("reason")
    assert table.loc["Missed bin collection", "repeat_rate"] > 0.15  # planted same-reason repeats within 7 days
    assert table.loc["Chasing housing repair", "follow_up_rate"] > 0.4  # chasing follows another reason
    others = table.drop(
        index=[
            "(all)",
            "Missed bin collection",
            "Chasing housing repair",
            "Chasing benefit claim",
            "Where is my letter / clarify a letter",
        ],
        errors="ignore",
    )
    assert others["repeat_rate"].max() < 0.05
    assert 0.5 < table.loc["(all)", "resolved_first_contact"] < 0.8


def test_failure_demand_counts_and_costs(log):
    table = log.failure_demand().set_index("channel")
    by_reason = log.failure_reasons().set_index("reason")["contacts"]
    assert table.loc["(all)", "by_reason"] == by_reason.sum() == 1813 + 1506 + 1150
    assert table.loc["(all)", "failure_contacts"] == table.loc["(all)", "by_reason"] + table.loc["(all)", "by_repeat"]
    assert table.loc["phone", "unit_cost"] == 2.83 and table.loc["face_to_face", "unit_cost"] == 8.62  # GBP benchmarks
    assert table.loc["phone", "failure_cost"] == pytest.approx(table.loc["phone", "failure_contacts"] * 2.83)
    channels = table.drop(index="(all)")
    assert table.loc["(all)", "failure_cost"] == pytest.approx(channels["failure_cost"].sum())


def test_data_quality_counts_the_planted_messiness(log):
    dq = log.data_quality().set_index("check")["rows"]
    mess = TRUTH["messiness"]
    assert dq["rows in the log"] == 51064
    assert dq["closed before created"] == mess["closed_before_opened"] == 60
    assert dq["channel missing or not recognised"] == 511
    assert dq["reason with no service (unknown code?)"] == 255
    assert dq["duplicated contact ids"] == 0


def test_messy_export_rows_are_counted_not_dropped(tiny):
    text = (
        tiny.files["contacts.csv"]
        + "A5,yesterday,,Fax,Missed bin,North,P1,1,4\n"  # unreadable date, channel the mapping does not cover
        + "A1,2025-04-07 09:00:00,,Telephone,Pothole,South,P9,0,3\n"
    )  # duplicated id
    tiny.set_file("contacts.csv", text)
    with ContactLog(load_engagement(tiny.path)) as log:
        dq = log.data_quality().set_index("check")["rows"]
        assert dq["rows in the log"] == 6
        assert dq["created_at missing or unreadable"] == 1
        assert dq["channel missing or not recognised"] == 1
        assert dq["duplicated contact ids"] == 1
        assert log.reasons()["contacts"].sum() == 6


def test_a_log_with_line_breaks_inside_a_quoted_free_text_column_is_read_whole(tiny):
    # complaint exports often carry the customer's own words, line breaks and all, in a column nobody maps
    lines = tiny.files["contacts.csv"].splitlines()
    text = "\n".join(
        [lines[0] + ",Narrative"]
        + [line + (',"First line\nsecond line, with a comma"' if i % 2 else ",") for i, line in enumerate(lines[1:])]
        + ['A5,2025-04-08 08:00:00,,Web,Pothole,North,P4,1,2,"It said ""wait""\nso I waited"\n']
    )
    tiny.set_file("contacts.csv", text)
    with ContactLog(load_engagement(tiny.path)) as log:
        assert log.reasons().set_index("reason")["contacts"].to_dict() == {"Missed bin": 2, "Pothole": 2, "Fly-tipping": 1}


def test_latin1_log_reads_once_the_encoding_is_set_and_an_empty_file_is_a_clear_error(tiny):
    tiny.set_file("contacts.csv", tiny.files["contacts.csv"].replace("Pothole", "Pothole rue Sérénité").encode("latin-1"))
    tiny.set_yaml(tiny.yaml.replace("    path: contacts.csv", "    path: contacts.csv\n    encoding: latin-1"))
    with ContactLog(load_engagement(tiny.path)) as log:
        assert "Pothole rue Sérénité" in set(log.reasons()["reason"])
    tiny.set_file("contacts.csv", b"")
    with pytest.raises(CxmError, match=r"contacts\.csv: the contact log is empty\. Fix: export the data again"):
        ContactLog(load_engagement(tiny.path))
    tiny.set_file("contacts.csv", 'Case Ref,Date Opened\nA1,2025-04-01\n"unclosed,quote\n')
    with pytest.raises(CxmError, match=r"the contact log (cannot be read|has no column for channel, reason)"):
        ContactLog(load_engagement(tiny.path))


def test_an_analysis_needing_an_unmapped_field_says_which(tiny):
    tiny.set_yaml(tiny.yaml.replace("      customer_id: Customer\n", ""))
    with ContactLog(load_engagement(tiny.path)) as log:
        with pytest.raises(CxmError, match=r"needs the contact log field\(s\) customer_id: map them under inputs\.contact_log"):
            log.repeat_contact()


def test_failure_demand_with_neither_failure_reasons_nor_customer_ids_is_not_a_zero(tiny):
    tiny.set_yaml(tiny.yaml.replace("      customer_id: Customer\n", ""))
    with ContactLog(load_engagement(tiny.path)) as log:  # the tiny engagement names no failure reasons either
        with pytest.raises(CxmError, match=r"Failure demand needs .* neither, so no share is given rather than 0%"):
            log.failure_demand()
        assert log.volumes()["failure_contacts"].sum() == 0  # the baseline still has its volumes
    tiny.set_yaml(tiny.yaml.replace("inputs:\n", "settings:\n  voc:\n    failure_reasons: [Missed bin]\ninputs:\n", 1))
    with ContactLog(load_engagement(tiny.path)) as log:  # the reasons alone are enough to count
        assert log.failure_demand().set_index("channel").loc["(all)", "failure_contacts"] == 2


NYC = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata" / "nyc311_service_requests_2023-02-28_sample.csv"


@pytest.mark.skipif(not NYC.exists(), reason=f"real NYC 311 sample not found at {NYC}")
def test_real_nyc_311_runs_with_the_shipped_mapping_alone():
    with ContactLog(load_engagement(templates_dir() / "examples" / "nyc311.yaml")) as log:
        reasons = log.reasons()
        assert reasons["contacts"].sum() == 4999
        assert (
            reasons.iloc[0]["reason"]
            == read_input(load_engagement(templates_dir() / "examples" / "nyc311.yaml"), "contact_log")["reason"]
            .value_counts()
            .index[0]
        )
        dq = log.data_quality().set_index("check")["rows"]
        assert dq["closed before created"] == 2 and dq["channel missing or not recognised"] == 584
        assert not log.anomalies().empty and isinstance(log.resolution_times(), pd.DataFrame)
        with pytest.raises(CxmError, match="customer_id"):
            log.repeat_contact()
