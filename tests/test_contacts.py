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


def _uk_factor(from_year: int, to_year: int) -> float:
    """Prices of ``from_year`` in ``to_year``'s, read by hand from the shipped UK deflator CSV (2% a year past its end)."""
    path = Path(__file__).parent.parent / "cxmethods" / "methodology" / "deflators" / "uk_hmt_gdp_deflator.csv"
    index = {int(y): float(v) for y, v in (line.split(",") for line in path.read_text().splitlines() if line[:1].isdigit())}
    last = max(index)
    level = index[to_year] if to_year in index else index[last] * 1.02 ** (to_year - last)
    return level / index[from_year]


def test_failure_demand_counts_and_costs(log):
    table = log.failure_demand().set_index("channel")
    by_reason = log.failure_reasons().set_index("reason")["contacts"]
    assert table.loc["(all)", "by_reason"] == by_reason.sum() == 1813 + 1506 + 1150
    assert table.loc["(all)", "failure_contacts"] == table.loc["(all)", "by_reason"] + table.loc["(all)", "by_repeat"]
    # the GBP benchmarks (2012 prices) in the price base: the appraisal's first year, by the shipped UK series
    f = _uk_factor(2012, log.engagement.settings.business_case.base_year or log.engagement.period.end.year)
    assert table.loc["phone", "unit_cost"] == pytest.approx(2.83 * f, rel=1e-4)  # the table rounds to 4 decimals
    assert table.loc["face_to_face", "unit_cost"] == pytest.approx(8.62 * f, rel=1e-4)
    # weighted by handling time, as the business case costs it (tests/test_contact_costs.py checks it contact by contact)
    volumes = log.volumes()
    phone = volumes[volumes["channel"] == "phone"]
    mean = (phone["contacts"] * phone["mean_handling_minutes"]).sum() / phone["contacts"].sum()
    expected = (phone["failure_contacts"] * 2.83 * f * phone["mean_handling_minutes"] / mean).sum()
    assert table.loc["phone", "failure_cost"] == pytest.approx(expected)
    channels = table.drop(index="(all)")
    assert table.loc["(all)", "failure_cost"] == pytest.approx(channels["failure_cost"].sum())


def test_data_quality_counts_the_planted_messiness(log):
    dq = log.data_quality().set_index("check")["rows"]
    mess = TRUTH["messiness"]
    assert dq["rows in the log"] == 51064
    assert dq["closed before it was opened"] == mess["closed_before_opened"] == 60
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
        assert dq["time of contact missing or unreadable"] == 1
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
        assert dq["closed before it was opened"] == 2 and dq["channel missing or not recognised"] == 584
        assert not log.anomalies().empty and isinstance(log.resolution_times(), pd.DataFrame)
        with pytest.raises(CxmError, match="customer_id"):
            log.repeat_contact()
        cube = log.contact_cube()  # a day of 311 calls: one month, the boroughs, no failure rule
        assert cube["contacts"].sum() == 4999 and cube["month"].nunique() == 1 and cube["failure_contacts"].isna().all()


# --------------------------------------------------------------------------- time: volumes over time, data quality


def test_a_log_over_years_has_monthly_volumes_by_channel_and_top_reason(tiny, years_of_contacts):
    frame = years_of_contacts()
    with ContactLog(load_engagement(tiny.path)) as log:
        trend = log.volumes_over_time(top_reasons=5)
    assert set(trend["granularity"]) == {"month"}
    months = trend.drop_duplicates("period")
    assert (months["period"].iloc[0], months["period"].iloc[-1], len(months)) == ("2010-03", "2016-08", 78)
    # the first and last months are only partly in the log: flagged, every month between is complete
    assert months.set_index("period")["complete"].loc[["2010-03", "2016-08"]].tolist() == [False, False]
    assert months["complete"].iloc[1:-1].all()
    for breakdown in ("channel", "reason"):
        rows = trend[trend["breakdown"] == breakdown]
        assert rows["contacts"].sum() == len(frame)
        assert rows.groupby("period")["share"].sum().round(3).eq(1).all()
    reasons = trend[trend["breakdown"] == "reason"]["category"].drop_duplicates().tolist()
    assert reasons == ["Reason A", "Reason B", "Reason C", "Reason D", "Reason E", "All other reasons"]
    opened = pd.to_datetime(frame["Date Opened"])
    web_2012_07 = ((opened.dt.strftime("%Y-%m") == "2012-07") & (frame["Channel"] == "Web")).sum()
    got = trend[(trend["category"] == "web_form") & (trend["period"] == "2012-07")]["contacts"].item()
    assert got == web_2012_07


def test_the_channel_shift_compares_the_first_and_last_full_years(tiny, years_of_contacts):
    from cxmethods.methods.contacts import channel_shift

    frame = years_of_contacts()
    with ContactLog(load_engagement(tiny.path)) as log:
        shift = channel_shift(log.volumes_over_time())
    year = pd.to_datetime(frame["Date Opened"]).dt.year
    web = (frame["Channel"] == "Web").groupby(year).mean()  # every channel is recorded: shares of all contacts
    assert (shift.channel, shift.unit, shift.first.year, shift.last.year) == ("web_form", "year", 2011, 2015)
    assert shift.before == pytest.approx(web[2011]) and shift.after == pytest.approx(web[2015])
    assert shift.counter[0] == "phone" and shift.counter[2] < shift.counter[1]
    assert not shift.recorded_only


def test_no_shift_is_claimed_where_the_mix_holds(tiny, years_of_contacts):
    from cxmethods.methods.contacts import channel_shift

    frame = years_of_contacts("2023-01-01", "2024-12-31")
    steady = frame.assign(Channel=frame["Channel"].sample(frac=1, random_state=3).to_numpy())  # the same mix all along
    tiny.set_file("contacts.csv", steady.to_csv(index=False))
    with ContactLog(load_engagement(tiny.path)) as log:
        assert channel_shift(log.volumes_over_time()) is None


def test_a_log_of_weeks_has_weekly_volumes(tiny, years_of_contacts):
    frame = years_of_contacts("2025-03-05", "2025-04-23")  # a Wednesday to a Wednesday, seven weeks
    with ContactLog(load_engagement(tiny.path)) as log:
        trend = log.volumes_over_time()
    weeks = trend.drop_duplicates("period").set_index("period")
    assert set(trend["granularity"]) == {"week"}
    assert weeks.index.tolist() == [f"2025-{d}" for d in ("03-03", "03-10", "03-17", "03-24", "03-31", "04-07", "04-14", "04-21")]
    assert weeks["complete"].tolist() == [False, True, True, True, True, True, True, False]
    assert trend[trend["breakdown"] == "channel"]["contacts"].sum() == len(frame)


def test_a_log_of_one_day_has_no_trend_and_says_why(tiny):
    tiny.set_file(
        "contacts.csv",
        tiny.files["contacts.csv"]
        .replace("2025-04-02", "2025-04-01")
        .replace("2025-04-03", "2025-04-01")
        .replace("2025-04-05", "2025-04-01"),
    )
    with ContactLog(load_engagement(tiny.path)) as log:
        with pytest.raises(
            CxmError, match=r"covers 1 day \(2025-04-01 to 2025-04-01\): too short .* two full weeks .* Day by day"
        ):
            log.volumes_over_time()


def test_a_fortnight_without_two_full_weeks_has_no_trend(tiny, years_of_contacts):
    years_of_contacts("2025-03-05", "2025-03-20")  # 16 days, Wednesday to Thursday: one full week
    with ContactLog(load_engagement(tiny.path)) as log:
        with pytest.raises(CxmError, match=r"covers 16 days .* fewer than two full weeks"):
            log.volumes_over_time()


def test_auto_closed_and_implausible_cases_are_flagged_and_left_out_of_resolution_times(tiny):
    text = (
        tiny.files["contacts.csv"]
        + "A5,2025-04-07 09:00:00,2025-04-07 09:00:00,Telephone,Missed bin,North,P4,1,3\n"  # closed the same second
        + "A6,2025-04-07 10:00:00,2025-04-07 10:00:01,Telephone,Missed bin,North,P5,1,3\n"  # within a second
        + "A7,2025-04-07 11:00:00,2025-04-07 11:00:02,Telephone,Missed bin,North,P6,1,3\n"  # two seconds: a real case
        + "A8,2025-04-08,2025-04-08,Web,Pothole,South,P7,1,3\n"  # dates without times: says nothing of seconds
        + "A9,2025-04-08 12:00:00,2032-04-08 12:00:00,Web,Pothole,South,P8,1,600\n"  # closed seven years later
    )
    tiny.set_file("contacts.csv", text)
    with ContactLog(load_engagement(tiny.path)) as log:
        dq = log.data_quality().set_index("check")["rows"]
        times = log.resolution_times().set_index("reason")
    assert dq["closed within a second of opening (auto-closed?)"] == 2
    assert dq["closed over 5 years after opening (typo?)"] == 1
    assert dq["handling time over 8 hours (one contact?)"] == 1
    # Missed bin: A1 (1 h), A3 (22 h), A7 (2 s) are measured; A5 and A6 are counted apart, not as 0 h
    assert times.loc["Missed bin", ["closed", "auto_closed"]].tolist() == [3, 2]
    assert times.loc["Missed bin", "median_hours"] == 1.0
    assert times.loc["Pothole", ["closed", "auto_closed", "open"]].tolist() == [1, 0, 1]  # A8 measured, A9 left out
    assert times.loc["(all)", "auto_closed"] == 2


def test_a_reason_recorded_under_several_services_is_named_with_its_counts(tiny):
    lines = tiny.files["contacts.csv"].splitlines()
    services = ["Dept", "Waste", "Roads", "Highways", "Parks"]  # Missed bin under Waste and Highways, Pothole under Roads
    tiny.set_file("contacts.csv", "\n".join(f"{line},{s}" for line, s in zip(lines, services)) + "\n")
    tiny.set_yaml(tiny.yaml.replace("      area: Ward\n", "      area: Ward\n      service: Dept\n"))
    with ContactLog(load_engagement(tiny.path)) as log:
        dq = log.data_quality().set_index("check")
        reasons = log.reasons().set_index("reason")
        volumes = log.volumes()
    row = dq.loc["reason recorded under several services"]
    assert row["rows"] == 2 and row["treatment"] == (
        "kept under each service (1 reason; the contact reasons table names their services): Missed bin (Highways 1, Waste 1)"
    )
    assert reasons.loc["Missed bin", "service"] == "Highways; Waste" and reasons.loc["Pothole", "service"] == "Roads"
    missed = volumes[volumes["reason"] == "Missed bin"]
    assert sorted(missed["service"]) == ["Highways", "Waste"] and missed["contacts"].sum() == 2


def test_a_reason_under_many_services_names_the_largest_three_and_counts_the_rest(tiny):
    rows = [f"B{i},2025-04-0{1 + i % 5} 09:00:00,,Telephone,Missed bin,North,P{i},1,3,{s}" for i, s in enumerate("AAAABBBCCDE")]
    tiny.set_file(
        "contacts.csv",
        "Case Ref,Date Opened,Date Closed,Channel,Enquiry,Ward,Customer,FCR,Minutes,Dept\n" + "\n".join(rows) + "\n",
    )
    tiny.set_yaml(tiny.yaml.replace("      area: Ward\n", "      area: Ward\n      service: Dept\n"))
    with ContactLog(load_engagement(tiny.path)) as log:
        assert log.reasons().set_index("reason").loc["Missed bin", "service"] == "A; B; C and 2 more"
        spread = log.reasons_across_services()
    assert spread.to_dict("records") == [{"reason": "Missed bin", "contacts": 11, "services": "A 4, B 3, C 2 and 2 more"}]


# --------------------------------------------------------------------------- the contact cube (the report's filters)


def test_the_contact_cube_counts_every_contact_once_as_pandas_does(log):
    from cxmethods.methods.contacts import OTHER_AREAS, OTHER_REASONS

    cube = log.contact_cube()
    frame = read_input(load_engagement(), "contact_log")  # the pandas reader: an independent count
    assert list(cube.columns) == ["month", "channel", "area", "reason", "contacts", "failure_contacts"]
    assert cube["contacts"].sum() == len(frame) == 51064
    month = frame["created_at"].dt.strftime("%Y-%m")
    channel = frame["channel"].astype(object).where(frame["channel"].notna(), "unknown")
    expected = frame.groupby([month.rename("month"), channel.rename("channel")], dropna=False).size()
    got = cube.groupby(["month", "channel"], dropna=False)["contacts"].sum()
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    # the sample has 12 areas and 27 reasons: every area named, the ten largest reasons named and the rest grouped
    assert set(cube["area"]) == set(frame["area"].dropna()) and OTHER_AREAS not in set(cube["area"])
    top = frame["reason"].value_counts().sort_index().sort_values(ascending=False, kind="stable").head(10).index
    assert set(cube["reason"]) - {OTHER_REASONS, "unknown"} == set(top)
    other = cube.loc[cube["reason"] == OTHER_REASONS, "contacts"].sum()
    assert other == frame["reason"].notna().sum() - frame["reason"].isin(top).sum()
    # failure contacts as the failure demand table counts them (repeats need the window over the whole log)
    failure = log.failure_demand().set_index("channel")["failure_contacts"]
    assert cube.groupby("channel")["failure_contacts"].sum().to_dict() == failure.drop("(all)").to_dict()


def test_the_contact_cube_is_bounded_and_keeps_its_total(log):
    from cxmethods.methods.contacts import OTHER_AREAS, OTHER_REASONS

    full = log.contact_cube()
    small = log.contact_cube(top_areas=3, top_reasons=2)
    assert small["contacts"].sum() == full["contacts"].sum() and small["failure_contacts"].sum() == full["failure_contacts"].sum()
    areas = full.groupby("area")["contacts"].sum().sort_index().sort_values(ascending=False, kind="stable")
    assert set(small["area"]) == {*areas.index[:3], OTHER_AREAS}
    assert small.loc[small["area"] == OTHER_AREAS, "contacts"].sum() == areas.iloc[3:].sum()
    assert len(set(small["reason"]) - {OTHER_REASONS, "unknown"}) == 2
    assert len(small) < len(full)
    with pytest.raises(CxmError, match="top_areas"):
        log.contact_cube(top_areas=0)


def test_the_contact_cube_without_an_area_or_failure_rules_leaves_those_empty(tiny):
    tiny.set_yaml(tiny.yaml.replace("      customer_id: Customer\n", "").replace("      area: Ward\n", ""))
    with ContactLog(load_engagement(tiny.path)) as log:
        cube = log.contact_cube()
        assert cube["area"].isna().all() and cube["failure_contacts"].isna().all()  # not 0: nothing says what failure is
        assert cube["contacts"].sum() == log.query("SELECT count(*) AS n FROM contacts")["n"].iloc[0]
        assert cube["month"].notna().any()
