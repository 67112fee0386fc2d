"""Seeded generator of the bundled sample engagement, Riverton Borough Council.

Every record is synthetic: the council, wards, people and comments are invented.
:func:`make_sample` builds the data in memory; :func:`write_sample` writes it,
byte-identically for a given seed. The planted structure, kept out of the files and
returned in ``SampleData.truth`` so tests and workbooks can check what they recover:

* five needs-based segments shared by the survey and the contact log;
* overall satisfaction driven by outcome > timeliness > knowledge > courtesy > fairness
  (weights 0.35/0.26/0.19/0.13/0.07), with timeliness scoring lowest;
* failure demand: chasing and letter queries follow an unresolved contact by the same
  customer within 1-14 days, and missed bins are reported again within 7 days;
* a Sunday-morning "Parking obstruction" spike in Castlefield ward;
* three self-assessment dimensions on which leaders and front-line staff disagree;
* export messiness: closed before opened, missing channel, odd reason codes.

``data/README.md`` documents the files, columns and exact figures.
"""
from __future__ import annotations

import gzip
import io
import pathlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml

__all__ = ["SAMPLE_SEED", "SampleData", "make_sample", "write_sample"]

SAMPLE_SEED: int = 20260401

_PKG = pathlib.Path(__file__).resolve().parent
_START = np.datetime64("2025-04-01T00:00:00", "s")  # a Tuesday
_DAYS = 365
CHANNELS = ("phone", "web_form", "email", "face_to_face", "mobile_app", "post")
WARDS = ("Abbey Mead", "Brookside", "Castlefield", "Eastgate", "Ferry Lane", "Greenbank",
         "Holloway Fields", "Kingsmoor", "Millbrook", "Northwood", "St Anne's", "Weir Green")
_WARD_W = np.array([9, 8, 8, 10, 7, 9, 6, 8, 10, 9, 7, 9], float)
SEGMENTS = ("Digital self-servers", "Busy working families", "Older residents who prefer phone or face to face",
            "Newcomers with language needs", "Frequent complex-needs contacts")
_SURVEY_SHARES = np.array([0.28, 0.24, 0.22, 0.11, 0.15])
_CUSTOMER_SHARES = np.array([0.30, 0.25, 0.22, 0.10, 0.13])
_CONTACT_RATE = np.array([1.0, 1.5, 1.3, 1.6, 4.0])  # relative contacts per customer, by segment
_CH_MIX = np.array([[.15, .40, .12, .02, .30, .01], [.30, .30, .12, .02, .25, .01], [.55, .05, .07, .22, .01, .10],
                    [.30, .10, .05, .50, .04, .01], [.50, .07, .08, .30, .01, .04]])  # segment x CHANNELS
# reason: (service, share of original demand, first-time resolution rate, median days to close when
# unresolved, handling-time factor, demand multiplier per segment or None for none)
REASONS: dict[str, tuple] = {
    "Missed bin collection": ("Waste", 11, .60, 2, .7, None),
    "Garden waste subscription": ("Waste", 4, .85, 3, .8, (1.5, 1.3, 1, .3, .5)),
    "Bulky waste collection": ("Waste", 3, .80, 3, .9, None),
    "Council tax payment": ("Council tax", 12, .85, 4, .7, (1, 1, 1, 1.2, 1)),
    "Council tax single person discount": ("Council tax", 3, .55, 6, 1, (.8, .5, 1.3, 1, 1.5)),
    "Change of address": ("Council tax", 4, .75, 3, .9, (1.2, 1, .6, 2, 1)),
    "Where is my letter / clarify a letter": ("Council tax", 0, .70, 3, .9, None),
    "Pothole report": ("Highways", 5, .70, 7, .6, (1.3, 1, .8, .5, .7)),
    "Street lighting fault": ("Highways", 2.5, .70, 5, .6, None),
    "Fly-tipping": ("Highways", 3.5, .75, 4, .7, (1.2, 1, .8, 1, 1)),
    "Housing repair request": ("Housing", 9, .45, 12, 1.2, (.5, .8, 1, 1.6, 2)),
    "Chasing housing repair": ("Housing", 0, .50, 8, 1.1, None),
    "Benefit claim": ("Benefits", 7, .40, 15, 1.5, (.3, .7, 1, 2, 2.5)),
    "Chasing benefit claim": ("Benefits", 0, .50, 8, 1.1, None),
    "Parking permit": ("Parking", 5, .85, 3, .8, (1.2, 1.5, .8, .5, .5)),
    "Parking obstruction": ("Parking", 2, .60, 2, .7, (1, 1.2, 1, 1, 1)),
    "Parking fine appeal": ("Parking", 2, .65, 10, 1.2, (1.2, 1.3, .6, .8, .8)),
    "Planning application query": ("Planning & environment", 3, .70, 6, 1.2, (1, 1, 1, .5, .5)),
    "Noise complaint": ("Planning & environment", 3, .55, 5, 1, (1, 1, 1, 1, 1.3)),
    "Pest control": ("Planning & environment", 2, .75, 4, 1, None),
    "Blue badge application": ("Community services", 2.5, .65, 10, 1.2, (.2, .4, 2.5, .5, 2)),
    "Library services": ("Community services", 3, .90, 2, .8, (1, 1, 1.8, 1.5, .8)),
    "School admissions": ("Community services", 2.5, .70, 8, 1.1, (.5, 2.5, .1, 1.5, .5)),
    "Complaint about staff": ("Community services", 1, .50, 12, 1.6, (1, 1, 1, 1, 1.5)),
}
_RN = list(REASONS)
# monthly demand multipliers, January..December (other reasons are flat)
SEASONALITY = {
    "Missed bin collection": (1.6, 1.3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.4),
    "Garden waste subscription": (.4, .8, 1.8, 2, 1.6, 1.3, 1.1, 1, .8, .6, .4, .3),
    "Council tax payment": (1, 1, 1.6, 2.2, 1, .8, .8, .8, .8, .8, .8, .8),
    "Change of address": (1, 1, 1, 1, 1, 1, 1, 1.4, 1.4, 1, 1, 1),
    "Pothole report": (2, 2, 1.5, 1, .6, .5, .5, .5, .6, .8, 1.5, 2),
    "Street lighting fault": (2, 1.6, 1.1, .6, .4, .3, .3, .5, .8, 1.5, 2, 2.2),
    "Housing repair request": (1.4, 1.3, 1, .9, .8, .8, .8, .8, .9, 1.1, 1.3, 1.4),
    "Noise complaint": (.8, .8, .9, 1, 1.2, 1.5, 1.6, 1.5, 1, .9, .8, 1.2),
    "Pest control": (.5, .5, .7, 1, 1.3, 1.6, 1.8, 1.6, 1.2, .9, .7, .5),
    "School admissions": (2.2, .6, .6, 1.3, .5, .4, .4, .4, .7, 1.8, 2, 1.6),
}
# failure demand: (source reason, follow-up reason by the same customer, p if unresolved, p if resolved, max lag days)
FOLLOW_UPS = (("Housing repair request", "Chasing housing repair", .55, 0, 14),
              ("Chasing housing repair", "Chasing housing repair", .35, 0, 14),
              ("Benefit claim", "Chasing benefit claim", .50, 0, 14),
              ("Chasing benefit claim", "Chasing benefit claim", .30, 0, 14),
              ("Benefit claim", "Where is my letter / clarify a letter", .20, 0, 14),
              ("Council tax payment", "Where is my letter / clarify a letter", .30, 0, 14),
              ("Council tax single person discount", "Where is my letter / clarify a letter", .35, 0, 14),
              ("Change of address", "Where is my letter / clarify a letter", .30, 0, 14),
              ("Missed bin collection", "Missed bin collection", .35, .12, 7))
_CH_FCR = np.array([0, -.3, -.5, .3, -.1, -.6])  # logit shift of first-time resolution, by channel
_CH_MINS, _CH_SHAPE = np.array([8, 2, 8, 16, 1.5, 15.0]), np.array([4, 2, 3, 4, 2, 3.0])  # gamma handling time
_CH_WEEKDAY = np.array([[1.5, 1.15, 1.05, 1, .9, .15, .04], [.9, .9, .9, .9, .85, 1.15, 1.25],
                        [1.1, 1, 1, 1, 1, .4, .4], [1, 1, 1, 1, 1, .35, 0],
                        [.9, .9, .9, .9, .85, 1.15, 1.25], [1, 1, 1, 1, 1, 0, 0]])  # channel x Mon..Sun
SPIKE = {"ward": "Castlefield", "reason": "Parking obstruction", "weekday": "Sunday", "weekday_index": 6,
         "hours": (8, 12), "per_sunday_mean": 1.5, "place": "Castlefield Methodist Church (fictional)"}
MESSINESS = {"closed_before_opened": 60, "missing_channel_share": 0.01, "odd_reason_share": 0.005}
DRIVERS = ("outcome", "timeliness", "knowledge", "courtesy", "fairness")
DRIVER_WEIGHTS = dict(zip(DRIVERS, (0.35, 0.26, 0.19, 0.13, 0.07)))
_DRIVER_SHIFT = np.array([0.0, -0.6, 0.3, 0.7, 0.2])  # latent mean: timeliness low, courtesy high
_NOISE = 0.35  # sd of what the drivers do not explain in overall satisfaction
DISAGREEMENT_DIMENSIONS = ("operations.behaviours", "operations.systems", "outcomes.policy_link")
LARGEST_GAP_DIMENSIONS = ("understand.segmentation", "understand.outcomes", "operations.measures")
ENGAGEMENT_YAML = """\
# Sample engagement: Riverton Borough Council. FICTIONAL: every record is synthetic,
# made by cxmethods.sample (seeded). Regenerate byte-identically: cxm sample --out data/sample
name: riverton
organisation: Riverton Borough Council (fictional)
currency: GBP
period:
  start: 2025-04-01
  end: 2026-03-31
seed: 20260401
inputs:
  contact_log:
    path: contact_log.csv.gz
    columns:            # our field: the column in your export
      contact_id: contact_ref
      created_at: opened_at
      closed_at: closed_at
      channel: channel
      reason: reason
      service: service
      area: ward
      customer_id: customer_ref
      resolved_first_contact: resolved_first_time
      handling_minutes: handling_mins
  survey:
    path: resident_survey.csv
    dont_know_codes: [9]
    columns:
      respondent_id: resp_id
      overall_satisfaction: q_overall
      trust: q_trust
      timeliness: q_timely
      knowledge: q_knowledge
      courtesy: q_courtesy
      fairness: q_fair
      outcome: q_outcome
      effectiveness: q_effective
      ease: q_ease
      efficiency: q_efficient
      equity: q_equity
      employee_helpfulness: q_staff
      comment: comment
      age_band: age_band
      digital_confidence: digital_confidence
      preferred_channel: preferred_channel
      language: language
      disability: disability
      contacts_last_year: contacts_last_year
      household: household
      employment_status: employment_status
      area: ward
  initiatives:
    path: initiatives.csv
workshop:
  self_assessment:
    path: workshop/self_assessment.csv
settings:
  voc:
    repeat_window_days: 7
"""


@dataclass(frozen=True)
class SampleData:
    """The sample engagement in memory.

    Attributes
    ----------
    contact_log, survey, self_assessment, initiatives : pandas.DataFrame
        Exactly the columns of the written files, in file order.
    truth : dict
        Planted ground truth (segments, driver weights, spike, follow-up rules, disagreement
        dimensions, messiness counts, planted personal data); never written to the files.
    """

    contact_log: pd.DataFrame
    survey: pd.DataFrame
    self_assessment: pd.DataFrame
    initiatives: pd.DataFrame
    truth: dict[str, Any] = field(repr=False)


def _norm(w) -> np.ndarray:
    w = np.asarray(w, float)
    return w / w.sum()


def _pick(rng: np.random.Generator, group: np.ndarray, table) -> np.ndarray:
    """Draw one option index per row with weights ``table[group]``, groups in sorted order."""
    table, out = np.asarray(table, float), np.zeros(len(group), int)
    for g in np.unique(group):
        idx = np.flatnonzero(group == g)
        out[idx] = rng.choice(table.shape[1], idx.size, p=_norm(table[g]))
    return out


def _hour_profiles() -> np.ndarray:
    """Hour-of-day weights, shape (channel * 4 + daytype Mon/Tue-Fri/Sat/Sun, 24)."""
    p = np.zeros((6, 4, 24))
    office = np.r_[[.01] * 8, .6, 1.6, 1.6, 1.2, 1.5, 1.5, 1, 1, 1, .6, [.01] * 6]  # lunch-time second peak
    p[0, 0], p[0, 1] = office * np.r_[[1] * 8, [1.7] * 4, [1] * 12], office  # Monday-morning rush
    p[0, 2], p[0, 3] = np.r_[[.01] * 9, [.5] * 3, [.01] * 12], np.r_[[.01] * 8, [.03] * 10, [.01] * 6]
    p[[1, 4], :2] = np.r_[[.15] * 7, .5, .5, .5, [.8] * 7, 1, 1, 1.6, 1.6, 1.6, 1, .5]  # evenings
    p[[1, 4], 2:] = np.r_[[.15] * 7, .5, .8, [1.2] * 13, .8, .4]
    p[2] = np.r_[[.1] * 7, [1] * 11, [.6] * 5, .2]
    p[3, :2] = np.r_[[0] * 9, 1, 1, 1, 1.3, 1.3, 1, 1, 1, [0] * 7]  # counters open 9-17, Saturday 9-12
    p[3, 2] = p[5, :2] = np.r_[[0] * 9, 1, 1, 1, [0] * 12]  # post is logged when the mail is opened
    return p.reshape(24, 24)


_HOURS = _hour_profiles()


def _times(rng, channel, day) -> np.ndarray:
    """Seconds since the period start for contacts on ``day`` (0 = 2025-04-01) through ``channel``."""
    wd = (day + 1) % 7  # Monday = 0
    daytype = np.select([wd == 0, wd < 5, wd == 5], [0, 1, 2], 3)
    hour = _pick(rng, channel * 4 + daytype, _HOURS)
    return day * 86400 + hour * 3600 + rng.integers(0, 3600, len(day))


def _resolve(rng, reason, channel) -> np.ndarray:
    base = np.array([v[2] for v in REASONS.values()])[reason]
    logit = np.log(base / (1 - base)) + _CH_FCR[channel]
    return (rng.random(len(reason)) < 1 / (1 + np.exp(-logit))).astype(int)


def _contacts(rng) -> tuple[pd.DataFrame, dict]:
    vals = list(REASONS.values())
    n_cust, n_orig = 20000, 45000
    cseg = rng.choice(5, n_cust, p=_CUSTOMER_SHARES)
    cward = rng.choice(12, n_cust, p=_norm(_WARD_W))
    cref = np.array([f"P{i:06d}" for i in rng.choice(1_000_000, n_cust, replace=False)])
    cust = rng.choice(n_cust, n_orig, p=_norm(_CONTACT_RATE[cseg] * rng.gamma(2.0, 0.5, n_cust)))
    seg = cseg[cust]
    reason = _pick(rng, seg, np.array([v[1] * np.array(v[5] or (1,) * 5) for v in vals]).T)
    channel = _pick(rng, seg, _CH_MIX)
    days = np.arange(_DAYS)
    month = (_START.astype("datetime64[D]") + days).astype("datetime64[M]").astype(int) % 12
    wd = (days + 1) % 7
    season = np.array([SEASONALITY.get(r, [1] * 12) for r in _RN], float)[:, month]
    day = _pick(rng, reason * 6 + channel, (season[:, None, :] * _CH_WEEKDAY[None, :, wd]).reshape(-1, _DAYS))
    t, gen = _times(rng, channel, day), np.zeros(n_orig, int)
    # the Sunday-morning parking spike: extra reports by residents of one ward
    sp_day = np.repeat(days[wd == 6], rng.poisson(SPIKE["per_sunday_mean"], (wd == 6).sum()))
    m = sp_day.size
    cust = np.r_[cust, rng.choice(np.flatnonzero(cward == WARDS.index(SPIKE["ward"])), m)]
    channel = np.r_[channel, rng.choice([0, 4, 1], m, p=[.45, .35, .2])]
    reason = np.r_[reason, np.full(m, _RN.index(SPIKE["reason"]))]
    t, gen = np.r_[t, sp_day * 86400 + rng.integers(8 * 3600, 12 * 3600, m)], np.r_[gen, np.full(m, -1)]
    res = _resolve(rng, reason, channel)
    # failure demand: follow-ups by the same customer, up to four generations (chases of chases)
    open_channels = (_CH_MIX[:, None, :] * (_CH_WEEKDAY.T[None] > 0)).reshape(35, 6)
    batch = np.arange(len(t))
    for g in range(1, 5):
        new = []
        for src, dst, p_u, p_r, lag in FOLLOW_UPS:
            b = batch[reason[batch] == _RN.index(src)]
            b = b[rng.random(b.size) < np.where(res[b] == 1, p_r, p_u)]
            d = t[b] // 86400 + rng.integers(1, lag + 1, b.size)
            b, d = b[d < _DAYS], d[d < _DAYS]
            ch = _pick(rng, cseg[cust[b]] * 7 + (d + 1) % 7, open_channels)
            new.append((cust[b], np.full(b.size, _RN.index(dst)), ch, _times(rng, ch, d)))
        nc, nr, nch, nt = (np.concatenate(x) for x in zip(*new))
        batch = np.arange(len(t), len(t) + nc.size)
        cust, reason, channel, t = np.r_[cust, nc], np.r_[reason, nr], np.r_[channel, nch], np.r_[t, nt]
        res, gen = np.r_[res, _resolve(rng, nr, nch)], np.r_[gen, np.full(nc.size, g)]
    n = len(t)
    mins = rng.gamma(_CH_SHAPE[channel], _CH_MINS[channel] / _CH_SHAPE[channel]) * np.array([v[4] for v in vals])[reason]
    mins = np.maximum(np.round(mins, 1), 0.5)
    quick = np.where(np.isin(channel, [0, 3]), mins * 60 * rng.uniform(1, 1.3, n) + rng.integers(30, 600, n),
                     rng.lognormal(np.log(20 * 3600), 0.8, n))  # written contacts wait for the back office
    slow = rng.lognormal(np.log(np.array([v[3] for v in vals])[reason] * 86400.0), 0.8)
    close = t + np.where(res == 1, quick, slow).astype(np.int64)
    is_open = (close >= _DAYS * 86400) | ((res == 0) & (rng.random(n) < 0.005))
    # export messiness, only on ordinary rows so the planted patterns stay intact
    ordinary = np.flatnonzero((gen == 0) & ~is_open)
    k = MESSINESS["closed_before_opened"]
    bad_close = rng.choice(ordinary, k, replace=False)
    close[bad_close] = t[bad_close] - rng.integers(600, 3 * 86400, k)
    no_channel = rng.choice(np.flatnonzero(gen >= 0), round(MESSINESS["missing_channel_share"] * n), replace=False)
    odd = rng.choice(np.setdiff1d(ordinary, bad_close), round(MESSINESS["odd_reason_share"] * n), replace=False)
    odd_code = rng.choice(["OTHER", "misc", "??"], odd.size, p=[.5, .3, .2])
    reason_s, service_s = np.array(_RN, object)[reason], np.array([v[0] for v in vals], object)[reason]
    reason_s[odd], service_s[odd] = odd_code, None  # unmapped codes carry no service
    chan_s = np.array(CHANNELS, object)[channel]
    chan_s[no_channel] = None
    stamp = lambda s: pd.Series(_START + s.astype("timedelta64[s]")).dt.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    closed = stamp(close)
    closed[is_open] = None
    df = pd.DataFrame({
        "contact_ref": "", "opened_at": stamp(t), "closed_at": closed, "channel": chan_s, "reason": reason_s,
        "service": service_s, "ward": np.array(WARDS, object)[cward[cust]], "customer_ref": cref[cust],
        "resolved_first_time": res, "handling_mins": mins}).iloc[np.argsort(t, kind="stable")].reset_index(drop=True)
    df["contact_ref"] = [f"C{i:07d}" for i in range(1, n + 1)]
    codes, counts = np.unique(odd_code, return_counts=True)
    repeat: dict[str, dict[str, float]] = {}  # follow-up reason -> {source reason: p if the source was unresolved}
    for src, dst, p_u, _, _ in FOLLOW_UPS:
        repeat.setdefault(dst, {})[src] = p_u
    return df, {
        "customer_segment": dict(zip(cref.tolist(), np.array(SEGMENTS)[cseg].tolist())),
        "customer_segment_shares": dict(zip(SEGMENTS, _CUSTOMER_SHARES.tolist())),
        "channel_mix_by_segment": {s: dict(zip(CHANNELS, _CH_MIX[i].tolist())) for i, s in enumerate(SEGMENTS)},
        "follow_up_rules": [dict(zip(("source", "follow_up", "p_if_unresolved", "p_if_resolved", "max_lag_days"), r))
                            for r in FOLLOW_UPS],
        "repeat_probability": repeat,
        "follow_up_contacts": int((gen > 0).sum()),
        "spike": {**SPIKE, "n_planted": int(m)},
        "messiness": {"closed_before_opened": k, "missing_channel": int(no_channel.size),
                      "odd_reason_codes": dict(zip(codes.tolist(), counts.astype(int).tolist())),
                      "still_open": int(is_open.sum())}}


_AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
_LANGS = ("English", "Polish", "Urdu", "Romanian", "Somali", "Portuguese", "Arabic")
_HOUSE = ("single adult", "couple no children", "family with children", "single parent", "pensioner household",
          "shared/other")
_EMPLOY = ("employed", "self-employed", "unemployed", "retired", "student", "carer/home", "unable to work")
# per segment: digital confidence 1..5, preferred channel, age band, language, household, employment,
# then share with a disability and mean contacts last year
_PROFILE = [
    ([0, 0, .05, .25, .7], [.05, .5, .1, 0, .35, 0], [.35, .45, .14, .04, .02, 0, 0],
     [.9, .03, .02, .02, 0, .02, .01], [.45, .33, .02, 0, 0, .2], [.75, .08, .02, 0, .15, 0, 0], 0.05, 1.2),
    ([.02, .1, .35, .4, .13], [.4, .3, .1, .02, .18, 0], [0, .15, .6, .22, .03, 0, 0],
     [.92, .02, .02, .02, 0, .01, .01], [0, .02, .75, .23, 0, 0], [.62, .2, .02, 0, 0, .15, .01], 0.07, 3.5),
    ([.35, .35, .2, .08, .02], [.55, .03, .06, .26, 0, .1], [0, 0, 0, .03, .15, .45, .37],
     [.96, .01, .01, 0, 0, .01, .01], [.3, .05, 0, 0, .65, 0], [.02, .03, 0, .9, 0, .03, .02], 0.3, 3),
    ([.4, .35, .17, .06, .02], [.18, .05, .03, .7, .04, 0], [.18, .4, .27, .1, .04, .01, 0],
     [.03, .26, .2, .2, .12, .11, .08], [.15, .1, .35, .05, 0, .35], [.45, .05, .25, 0, .1, .15, 0], 0.06, 4),
    ([.3, .35, .2, .12, .03], [.55, .05, .07, .3, .01, .02], [.03, .12, .2, .27, .28, .08, .02],
     [.9, .02, .02, .02, .02, .01, .01], [.5, .05, .1, .3, 0, .05], [.02, 0, .35, .03, 0, .1, .5], 0.8, 11),
]
_ITEMS = ("q_trust", "q_timely", "q_knowledge", "q_courtesy", "q_fair", "q_outcome", "q_effective", "q_ease",
          "q_efficient", "q_equity", "q_staff")
DONT_KNOW = dict(zip(_ITEMS, (.05, .03, .05, .03, .06, .02, .03, .03, .04, .08, .06)))
_CUTS = np.array([-1.6, -0.6, 0.4, 1.4])  # latent -> 1..5
# comment fragments: (text, segments that tend to say it)
_POS = (("The crew came back for my missed bin the next day.", (0, 1, 2, 4)),
        ("Renewing the garden waste collection online took two minutes.", (0, 1)),
        ("The man on the phone knew exactly what to do about my council tax.", (1, 2, 4)),
        ("Library staff helped me fill in the form step by step.", (2, 3)),
        ("The pothole I reported was filled within a week.", (0, 1, 2)),
        ("Reporting fly-tipping on the app is easy.", (0, 1)),
        ("The adviser was patient and explained everything twice without fuss.", (2, 3, 4)),
        ("Parking permit sorted on the website in one go.", (0, 1)),
        ("The interpreter at the front desk made all the difference.", (3,)),
        ("Booking a bulky waste collection was simple.", (0, 1, 2)),
        ("My blue badge came quicker than I expected.", (2, 4)))
_NEG = (("I waited over forty minutes on the phone before anyone answered.", (1, 2, 4)),
        ("I have chased my housing repair four times and nobody has come.", (3, 4)),
        ("Nobody told me what was happening with my benefit claim.", (3, 4)),
        ("The letter about my council tax made no sense so I had to ring to ask what it meant.", (1, 2, 3, 4)),
        ("The website kept timing out halfway through the form.", (0, 1)),
        ("My bin has been missed three weeks running.", (0, 1, 2)),
        ("There was no interpreter and I could not explain my problem.", (3,)),
        ("I had to tell my story again every time I called.", (2, 4)),
        ("Everything pushes you to the website but I am not online.", (2, 4)),
        ("The waiting area at the council offices was dirty and the chairs were broken.", (2, 3, 4)),
        ("Each department gave me a different answer.", (1, 3, 4)),
        ("The app logged me out and lost my report.", (0,)),
        ("The street light outside my house has been out for weeks.", (0, 1, 2, 4)),
        ("Nobody answers e-mails so in the end I had to come in person.", (1, 3, 4)))
_CLOSE = (("", "Thank you.", "Keep it up.", "Good service overall."),
          ("", "Please sort it out.", "Not good enough.", "Very frustrating."))
_SPIKE_NEG = "Every Sunday morning cars block our road near the church and nothing is done."
# made-up personal data, all from reserved or never-issued ranges (example.* domains, Ofcom drama numbers,
# the QQ prefix that is never issued for National Insurance numbers)
_PII = {"email": "Please reply to {}.", "phone": "Call me on {} any time.",
        "ni_number": "My NI number is {} if you need it.", "name": "My neighbour {} has had the same trouble."}
_PII_NAMES = ("Mrs Patel", "Mr Kowalski", "Ms Okafor", "Mr Hughes", "Mrs Dumitru", "Mr Farah")
_PII_USERS = ("j.smith", "a.khan", "m.nowak", "s.jones", "t.ali", "r.silva")


def _cut(x) -> np.ndarray:
    return 1 + (x[..., None] > _CUTS).sum(-1)


def _survey(rng) -> tuple[pd.DataFrame, dict]:
    n = 3000
    seg = rng.choice(5, n, p=_SURVEY_SHARES)
    cols = {name: np.asarray(v, object if isinstance(v, tuple) else int)[_pick(rng, seg, [p[j] for p in _PROFILE])]
            for j, (name, v) in enumerate((("digital_confidence", range(1, 6)), ("preferred_channel", CHANNELS),
                                           ("age_band", _AGES), ("language", _LANGS), ("household", _HOUSE),
                                           ("employment_status", _EMPLOY)))}
    cols["disability"] = np.where(rng.random(n) < np.array([p[6] for p in _PROFILE])[seg], "yes", "no").astype(object)
    mu = np.array([p[7] for p in _PROFILE])[seg]
    cols["contacts_last_year"] = rng.negative_binomial(3, 3 / (3 + mu))
    cols["ward"] = np.array(WARDS, object)[rng.choice(12, n, p=_norm(_WARD_W))]
    # drivers share a factor (pairwise correlation 0.36); segments shift performance, not importance
    seg_shift = np.zeros((5, 5))
    seg_shift[0, 1], seg_shift[3, [2, 4]], seg_shift[4, [0, 1]] = .2, -.3, -.3
    z = 0.6 * rng.standard_normal(n)[:, None] + 0.8 * rng.standard_normal((n, 5))
    lat = z + _DRIVER_SHIFT + seg_shift[seg]
    y = (z + seg_shift[seg]) @ np.array(list(DRIVER_WEIGHTS.values())) + _NOISE * rng.standard_normal(n)
    y = y / y.std() + 0.25
    e = lambda: rng.standard_normal(n)  # noqa: E731
    items = {"q_trust": .6 * y + .4 * lat[:, 4] + .6 * e(), "q_timely": lat[:, 1], "q_knowledge": lat[:, 2],
             "q_courtesy": lat[:, 3], "q_fair": lat[:, 4], "q_outcome": lat[:, 0],
             "q_effective": .7 * lat[:, 0] + .3 * y + .5 * e(),
             "q_ease": .5 * lat[:, 1] + .35 * (cols["digital_confidence"] - 3) + .6 * e(),
             "q_efficient": .7 * lat[:, 1] + .6 * e(), "q_equity": .6 * lat[:, 4] + .2 + .7 * e(),
             "q_staff": .5 * lat[:, 3] + .4 * lat[:, 2] + .6 * e()}
    df = pd.DataFrame({"resp_id": [f"R{i:05d}" for i in range(1, n + 1)], "q_overall": _cut(y)})
    for name in _ITEMS:
        df[name] = np.where(rng.random(n) < DONT_KNOW[name], 9, _cut(items[name]))
    df["comment"], planted = _comments(rng, seg, df["q_overall"].to_numpy(), df["q_timely"].to_numpy(), cols["ward"],
                                       df["resp_id"].tolist())
    for name in ("age_band", "digital_confidence", "preferred_channel", "language", "disability",
                 "contacts_last_year", "household", "employment_status", "ward"):
        df[name] = cols[name]
    return df, {"survey_segment": dict(zip(df["resp_id"], np.array(SEGMENTS)[seg].tolist())),
                "survey_segment_shares": dict(zip(SEGMENTS, _SURVEY_SHARES.tolist())),
                "survey_segment_counts": dict(zip(SEGMENTS, np.bincount(seg, minlength=5).tolist())),
                "driver_weights": dict(DRIVER_WEIGHTS),
                "driver_columns": dict(zip(DRIVERS, ("q_outcome", "q_timely", "q_knowledge", "q_courtesy", "q_fair"))),
                "driver_performance_shift": dict(zip(DRIVERS, _DRIVER_SHIFT.tolist())),
                "dont_know_rates": dict(DONT_KNOW), "planted_personal_data": planted}


def _comments(rng, seg, overall, timely, ward, resp) -> tuple[list, list]:
    """About half the respondents comment, more often when unhappy; 4% of comments get made-up personal data."""
    out, planted = [None] * len(seg), []
    has = np.flatnonzero(rng.random(len(seg)) < np.select([overall <= 2, overall == 3], [.65, .4], .5))
    pii = set(rng.choice(has, round(0.04 * has.size), replace=False).tolist())
    for i in has:
        pos = [t for t, s in _POS if seg[i] in s]
        neg = ([t for t, s in _NEG if seg[i] in s] + [_NEG[0][0]] * (2 * int(timely[i] <= 2))  # slow service, says so
               + [_SPIKE_NEG] * int(ward[i] == SPIKE["ward"]))
        if overall[i] >= 4:
            parts = [pos[rng.integers(len(pos))], _CLOSE[0][rng.integers(4)]]
        elif overall[i] <= 2:
            parts = [neg[j] for j in rng.choice(len(neg), 1 + int(rng.random() < .4), replace=False)]
            parts.append(_CLOSE[1][rng.integers(4)])
        else:
            bad = neg[rng.integers(len(neg))]
            parts = [pos[rng.integers(len(pos))], "However, " + (bad if bad.startswith("I ") else bad[0].lower() + bad[1:])]
        if i in pii:
            kind = tuple(_PII)[len(planted) % 4]
            d = rng.integers(0, 100, 3)
            val = {"email": f"{_PII_USERS[d[0] % 6]}@example.{('com', 'org', 'net')[d[1] % 3]}",
                   "phone": f"07700 900{d[0] * 10 + d[1] % 10:03d}" if d[2] % 2 else f"020 7946 0{d[1] * 10 + d[0] % 10:03d}",
                   "ni_number": f"QQ {d[0]:02d} {d[1]:02d} {d[2]:02d} {'ABCD'[d[0] % 4]}",
                   "name": _PII_NAMES[d[2] % 6]}[kind]
            parts.append(_PII[kind].format(val))
            planted.append({"resp_id": resp[i], "kind": kind, "value": val})
        out[i] = " ".join(x for x in parts if x)
    return out, planted


_PEOPLE = (("Helen", "Director of Customer Services", "lead"), ("Marcus", "Contact centre manager", "front"),
           ("Priya", "Front-line adviser", "front"), ("Tom", "Digital lead", "mid"), ("Grace", "Policy officer", "lead"),
           ("Dev", "Finance business partner", "lead"), ("Joanna", "Housing service manager", "lead"),
           ("Sam", "Data analyst", "mid"))
_EVIDENCE = {  # short workshop notes by the level a participant gave
    "low": ("Nothing written down on {d}; it depends on who you ask.", "{D}: talked about, not done.",
            "Only anecdotes on {d}, no data behind them.", "We tried something on {d} in 2023 but it lapsed.",
            "Each team handles {d} its own way, if at all."),
    "mid": ("{D} happens in some services, mainly housing and waste.", "Pockets of good practice on {d}, not joined up.",
            "Some evidence on {d}: a 2024 report, not refreshed since.", "{D} is in the plan but progress is patchy.",
            "We hold data on {d} but rarely act on it."),
    "high": ("{D} is reviewed monthly by the senior team.", "Clear evidence on {d}: documented, owned and used.",
             "{D} is in the corporate plan and reported to members.", "Good examples of {d} in the customer strategy.")}
_FRONT_NOTE = "From the front desk it looks very different: we do not see {d} day to day."


def _dimensions() -> list[tuple[str, str]]:
    """(id, name) of the 21 maturity-model dimensions, from the checkout or an installed wheel."""
    path = next((p for p in (_PKG / "_resources" / "templates" / "maturity_model.yaml",
                             _PKG.parent / "templates" / "maturity_model.yaml") if p.is_file()),
                _PKG.parent / "templates" / "maturity_model.yaml")
    model = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(d["id"], d["name"]) for c in model["components"] for d in c["dimensions"]]


def _self_assessment(rng) -> tuple[pd.DataFrame, dict]:
    rows = []
    for dim_id, name in _dimensions():
        if dim_id in LARGEST_GAP_DIMENSIONS:
            base, step, target, up = 1, (0, 0, 0, 1), 5, 0  # mostly 1 now, 5 wanted
        else:  # agreement: everyone within one level
            base, step, up = int(rng.integers(2, 4)), ((0, 1), (-1, 0))[rng.integers(2)], .1
            target = base + 1
        for person, role, group in _PEOPLE:
            if dim_id in DISAGREEMENT_DIMENSIONS:  # leaders see 4, the front line 1-2
                cur = {"lead": 4, "front": int(rng.integers(1, 3)), "mid": int(rng.integers(2, 4))}[group]
                tgt = max(cur, 4 + int(rng.random() < .3))
            else:
                cur = base + step[rng.integers(len(step))]
                tgt = min(5, max(cur + 1, target) + int(rng.random() < up))
            band = "low" if cur <= 2 else "mid" if cur == 3 else "high"
            note = (_FRONT_NOTE if dim_id in DISAGREEMENT_DIMENSIONS and group == "front"
                    else _EVIDENCE[band][rng.integers(len(_EVIDENCE[band]))])
            rows.append((person, role, dim_id, cur, tgt, note.format(d=name[0].lower() + name[1:], D=name)))
    df = pd.DataFrame(rows, columns=["participant", "role", "dimension_id", "current_level", "target_level", "evidence"])
    return df, {"disagreement_dimensions": list(DISAGREEMENT_DIMENSIONS),
                "largest_gap_dimensions": list(LARGEST_GAP_DIMENSIONS),
                "participant_groups": {p: g for p, _, g in _PEOPLE}}


# id, name, origin, capital cost, annual operating cost, effort (team-months), depends on, earliest start,
# confidence, owner; then the description
_INITIATIVES = (
    ("I01", "Progress tracking and notifications", "voice_of_customer", 180000, 25000, 14, "I10", None, 0.70, "Digital lead",
     "Text and e-mail updates on repairs and benefit claims, so nobody needs to call to chase."),
    ("I02", "First-contact resolution training", "voice_of_customer", 20000, 40000, 6, None, None, 0.80, "Contact centre manager",
     "Train advisers on the ten commonest reasons so more contacts are settled first time."),
    ("I03", "Web form redesign", "voice_of_customer", 60000, 8000, 8, None, None, 0.75, "Digital lead",
     "Rebuild the top web forms with residents, tested on phones, with plain questions."),
    ("I04", "Online repairs reporting", "voice_of_customer", 90000, 12000, 9, "I03", None, 0.65, "Housing service manager",
     "Tenants report and book a housing repair online, with photos and a slot."),
    ("I05", "Single customer record", "self_assessment", 250000, 30000, 18, "I10", None, 0.55, "Head of ICT",
     "One view of each resident's contacts across services, so nobody repeats their story."),
    ("I06", "Bin day reminders in the app", "segmentation", 35000, 6000, 4, None, None, 0.70, "Waste service manager",
     "Push reminders and collection changes to app users to cut missed-bin reports."),
    ("I07", "Plain-language letters", "voice_of_customer", 30000, 5000, 5, None, None, 0.80, "Policy officer",
     "Rewrite council tax and benefit letters with residents so fewer people ring to ask what they mean."),
    ("I08", "Assisted digital help in libraries", "segmentation", 15000, 60000, 4, "I03", None, 0.65, "Library services manager",
     "Drop-in help for residents with low digital confidence to use online services."),
    ("I09", "Interpreters and community outreach", "segmentation", 10000, 70000, 3, None, None, 0.60,
     "Community services manager",
     "Interpreters on demand and advice sessions with community groups for newcomers."),
    ("I10", "CRM replacement", "leadership", 900000, 120000, 36, None, "2026-07-01", 0.50, "Head of ICT",
     "Replace the contact management system when the current contract ends."),
    ("I11", "Customer insight team", "self_assessment", 0, 150000, 6, None, None, 0.70, "Director of Customer Services",
     "A small team that analyses contacts, surveys and complaints and reports monthly."),
    ("I12", "Service standards", "leadership", 5000, 10000, 3, "I11", None, 0.85, "Director of Customer Services",
     "Publish service standards with measurable targets and report against them."),
)
_INITIATIVE_COLUMNS = ["initiative_id", "name", "description", "origin", "capital_cost", "annual_operating_cost",
                       "effort_team_months", "depends_on", "earliest_start", "confidence", "owner"]


def make_sample(*, seed: int = SAMPLE_SEED) -> SampleData:
    """Build the Riverton sample engagement in memory.

    Parameters
    ----------
    seed : int, default SAMPLE_SEED
        Seed for ``numpy.random.default_rng`` (one spawned child stream per table); the same
        seed gives the same data.

    Returns
    -------
    SampleData
        The four tables (file columns, file order) and the planted ``truth``.

    Examples
    --------
    >>> s = make_sample()
    >>> list(s.contact_log.columns[:3])
    ['contact_ref', 'opened_at', 'closed_at']
    >>> s.truth["spike"]["ward"]
    'Castlefield'
    """
    # one child stream per table, so changing one generator leaves the other tables as they were
    rng_log, rng_survey, rng_workshop = np.random.default_rng(seed).spawn(3)
    log, t_log = _contacts(rng_log)
    survey, t_survey = _survey(rng_survey)
    workshop, t_workshop = _self_assessment(rng_workshop)
    truth = {"synthetic": True, "seed": seed, "segments": list(SEGMENTS),
             "reason_service": {r: v[0] for r, v in REASONS.items()}, **t_log, **t_survey, **t_workshop}
    initiatives = pd.DataFrame([r[:2] + r[-1:] + r[2:-1] for r in _INITIATIVES], columns=_INITIATIVE_COLUMNS)
    return SampleData(log, survey, workshop, initiatives, truth)


def _csv(df: pd.DataFrame, float_format: str | None = None) -> bytes:
    return df.to_csv(index=False, lineterminator="\n", float_format=float_format).encode("utf-8")


def write_sample(out_dir: str | pathlib.Path, *, seed: int = SAMPLE_SEED) -> list[pathlib.Path]:
    """Write the sample engagement into ``out_dir``, byte-identically for a given seed.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Target folder, created if missing (with a ``workshop`` subfolder).
    seed : int, default SAMPLE_SEED
        Passed to :func:`make_sample`; ``engagement.yaml`` always records the default seed.

    Returns
    -------
    list of pathlib.Path
        engagement.yaml, contact_log.csv.gz, resident_survey.csv, workshop/self_assessment.csv, initiatives.csv.

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in write_sample(tempfile.mkdtemp())][:2]
    ['engagement.yaml', 'contact_log.csv.gz']
    """
    out = pathlib.Path(out_dir)
    (out / "workshop").mkdir(parents=True, exist_ok=True)
    s = make_sample(seed=seed)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:  # no name or time in header
        gz.write(_csv(s.contact_log, "%.1f"))
    files = {"engagement.yaml": ENGAGEMENT_YAML.encode("utf-8"), "contact_log.csv.gz": buf.getvalue(),
             "resident_survey.csv": _csv(s.survey), "workshop/self_assessment.csv": _csv(s.self_assessment),
             "initiatives.csv": _csv(s.initiatives, "%.2f")}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return [out / name for name in files]
