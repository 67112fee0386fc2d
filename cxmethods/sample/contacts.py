"""The contact log: a year of contacts with seasonality, failure demand, a planted spike and export messiness.

:func:`make_contact_log` draws 20,000 customers in the five segments, their original contacts
(reason, channel, day and hour), the Sunday-morning parking spike, then up to four generations
of follow-ups (chasing, letter queries, missed bins again), handling and closing times, and
last the messiness a real export has.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _WARD_W, CHANNELS, SEGMENTS, SPIKE, WARDS, _norm, _pick

__all__ = ["FOLLOW_UPS", "MESSINESS", "REASONS", "SEASONALITY", "make_contact_log"]

_START = np.datetime64("2025-04-01T00:00:00", "s")  # a Tuesday
_DAYS = 365
_CUSTOMER_SHARES = np.array([0.30, 0.25, 0.22, 0.10, 0.13])
_CONTACT_RATE = np.array([1.0, 1.5, 1.3, 1.6, 4.0])  # relative contacts per customer, by segment
_CH_MIX = np.array(
    [
        [0.15, 0.40, 0.12, 0.02, 0.30, 0.01],
        [0.30, 0.30, 0.12, 0.02, 0.25, 0.01],
        [0.55, 0.05, 0.07, 0.22, 0.01, 0.10],
        [0.30, 0.10, 0.05, 0.50, 0.04, 0.01],
        [0.50, 0.07, 0.08, 0.30, 0.01, 0.04],
    ]
)  # segment x CHANNELS
# reason: (service, share of original demand, first-time resolution rate, median days to close when
# unresolved, handling-time factor, demand multiplier per segment or None for none)
REASONS: dict[str, tuple] = {
    "Missed bin collection": ("Waste", 11, 0.60, 2, 0.7, None),
    "Garden waste subscription": ("Waste", 4, 0.85, 3, 0.8, (1.5, 1.3, 1, 0.3, 0.5)),
    "Bulky waste collection": ("Waste", 3, 0.80, 3, 0.9, None),
    "Council tax payment": ("Council tax", 12, 0.85, 4, 0.7, (1, 1, 1, 1.2, 1)),
    "Council tax single person discount": ("Council tax", 3, 0.55, 6, 1, (0.8, 0.5, 1.3, 1, 1.5)),
    "Change of address": ("Council tax", 4, 0.75, 3, 0.9, (1.2, 1, 0.6, 2, 1)),
    "Where is my letter / clarify a letter": ("Council tax", 0, 0.70, 3, 0.9, None),
    "Pothole report": ("Highways", 5, 0.70, 7, 0.6, (1.3, 1, 0.8, 0.5, 0.7)),
    "Street lighting fault": ("Highways", 2.5, 0.70, 5, 0.6, None),
    "Fly-tipping": ("Highways", 3.5, 0.75, 4, 0.7, (1.2, 1, 0.8, 1, 1)),
    "Housing repair request": ("Housing", 9, 0.45, 12, 1.2, (0.5, 0.8, 1, 1.6, 2)),
    "Chasing housing repair": ("Housing", 0, 0.50, 8, 1.1, None),
    "Benefit claim": ("Benefits", 7, 0.40, 15, 1.5, (0.3, 0.7, 1, 2, 2.5)),
    "Chasing benefit claim": ("Benefits", 0, 0.50, 8, 1.1, None),
    "Parking permit": ("Parking", 5, 0.85, 3, 0.8, (1.2, 1.5, 0.8, 0.5, 0.5)),
    "Parking obstruction": ("Parking", 2, 0.60, 2, 0.7, (1, 1.2, 1, 1, 1)),
    "Parking fine appeal": ("Parking", 2, 0.65, 10, 1.2, (1.2, 1.3, 0.6, 0.8, 0.8)),
    "Planning application query": ("Planning & environment", 3, 0.70, 6, 1.2, (1, 1, 1, 0.5, 0.5)),
    "Noise complaint": ("Planning & environment", 3, 0.55, 5, 1, (1, 1, 1, 1, 1.3)),
    "Pest control": ("Planning & environment", 2, 0.75, 4, 1, None),
    "Blue badge application": ("Community services", 2.5, 0.65, 10, 1.2, (0.2, 0.4, 2.5, 0.5, 2)),
    "Library services": ("Community services", 3, 0.90, 2, 0.8, (1, 1, 1.8, 1.5, 0.8)),
    "School admissions": ("Community services", 2.5, 0.70, 8, 1.1, (0.5, 2.5, 0.1, 1.5, 0.5)),
    "Complaint about staff": ("Community services", 1, 0.50, 12, 1.6, (1, 1, 1, 1, 1.5)),
}
_RN = list(REASONS)
# monthly demand multipliers, January..December (other reasons are flat)
SEASONALITY = {
    "Missed bin collection": (1.6, 1.3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.4),
    "Garden waste subscription": (0.4, 0.8, 1.8, 2, 1.6, 1.3, 1.1, 1, 0.8, 0.6, 0.4, 0.3),
    "Council tax payment": (1, 1, 1.6, 2.2, 1, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8),
    "Change of address": (1, 1, 1, 1, 1, 1, 1, 1.4, 1.4, 1, 1, 1),
    "Pothole report": (2, 2, 1.5, 1, 0.6, 0.5, 0.5, 0.5, 0.6, 0.8, 1.5, 2),
    "Street lighting fault": (2, 1.6, 1.1, 0.6, 0.4, 0.3, 0.3, 0.5, 0.8, 1.5, 2, 2.2),
    "Housing repair request": (1.4, 1.3, 1, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.1, 1.3, 1.4),
    "Noise complaint": (0.8, 0.8, 0.9, 1, 1.2, 1.5, 1.6, 1.5, 1, 0.9, 0.8, 1.2),
    "Pest control": (0.5, 0.5, 0.7, 1, 1.3, 1.6, 1.8, 1.6, 1.2, 0.9, 0.7, 0.5),
    "School admissions": (2.2, 0.6, 0.6, 1.3, 0.5, 0.4, 0.4, 0.4, 0.7, 1.8, 2, 1.6),
}
# failure demand: (source reason, follow-up reason by the same customer, p if unresolved, p if resolved, max lag days)
FOLLOW_UPS = (
    ("Housing repair request", "Chasing housing repair", 0.55, 0, 14),
    ("Chasing housing repair", "Chasing housing repair", 0.35, 0, 14),
    ("Benefit claim", "Chasing benefit claim", 0.50, 0, 14),
    ("Chasing benefit claim", "Chasing benefit claim", 0.30, 0, 14),
    ("Benefit claim", "Where is my letter / clarify a letter", 0.20, 0, 14),
    ("Council tax payment", "Where is my letter / clarify a letter", 0.30, 0, 14),
    ("Council tax single person discount", "Where is my letter / clarify a letter", 0.35, 0, 14),
    ("Change of address", "Where is my letter / clarify a letter", 0.30, 0, 14),
    ("Missed bin collection", "Missed bin collection", 0.35, 0.12, 7),
)
_CH_FCR = np.array([0, -0.3, -0.5, 0.3, -0.1, -0.6])  # logit shift of first-time resolution, by channel
_CH_MINS, _CH_SHAPE = np.array([8, 2, 8, 16, 1.5, 15.0]), np.array([4, 2, 3, 4, 2, 3.0])  # gamma handling time
_CH_WEEKDAY = np.array(
    [
        [1.5, 1.15, 1.05, 1, 0.9, 0.15, 0.04],
        [0.9, 0.9, 0.9, 0.9, 0.85, 1.15, 1.25],
        [1.1, 1, 1, 1, 1, 0.4, 0.4],
        [1, 1, 1, 1, 1, 0.35, 0],
        [0.9, 0.9, 0.9, 0.9, 0.85, 1.15, 1.25],
        [1, 1, 1, 1, 1, 0, 0],
    ]
)  # channel x Mon..Sun
MESSINESS = {"closed_before_opened": 60, "missing_channel_share": 0.01, "odd_reason_share": 0.005}


def _hour_profiles() -> np.ndarray:
    """Hour-of-day weights, shape (channel * 4 + daytype Mon/Tue-Fri/Sat/Sun, 24)."""
    p = np.zeros((6, 4, 24))
    office = np.r_[[0.01] * 8, 0.6, 1.6, 1.6, 1.2, 1.5, 1.5, 1, 1, 1, 0.6, [0.01] * 6]  # lunch-time second peak
    p[0, 0], p[0, 1] = office * np.r_[[1] * 8, [1.7] * 4, [1] * 12], office  # Monday-morning rush
    p[0, 2], p[0, 3] = np.r_[[0.01] * 9, [0.5] * 3, [0.01] * 12], np.r_[[0.01] * 8, [0.03] * 10, [0.01] * 6]
    p[[1, 4], :2] = np.r_[[0.15] * 7, 0.5, 0.5, 0.5, [0.8] * 7, 1, 1, 1.6, 1.6, 1.6, 1, 0.5]  # evenings
    p[[1, 4], 2:] = np.r_[[0.15] * 7, 0.5, 0.8, [1.2] * 13, 0.8, 0.4]
    p[2] = np.r_[[0.1] * 7, [1] * 11, [0.6] * 5, 0.2]
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


def make_contact_log(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Generate the contact log and its planted truth.

    Parameters
    ----------
    rng : numpy.random.Generator
        The contact log's own stream; every draw comes from it, in a fixed order.

    Returns
    -------
    df : pandas.DataFrame
        One row per contact, ordered by ``opened_at``, in the columns of ``contact_log.csv.gz``.
    truth : dict
        Customer segments, channel mixes, follow-up rules, the spike and the messiness counts.
    """
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
    channel = np.r_[channel, rng.choice([0, 4, 1], m, p=[0.45, 0.35, 0.2])]
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
    quick = np.where(
        np.isin(channel, [0, 3]),
        mins * 60 * rng.uniform(1, 1.3, n) + rng.integers(30, 600, n),
        rng.lognormal(np.log(20 * 3600), 0.8, n),
    )  # written contacts wait for the back office
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
    odd_code = rng.choice(["OTHER", "misc", "??"], odd.size, p=[0.5, 0.3, 0.2])
    reason_s, service_s = np.array(_RN, object)[reason], np.array([v[0] for v in vals], object)[reason]
    reason_s[odd], service_s[odd] = odd_code, None  # unmapped codes carry no service
    chan_s = np.array(CHANNELS, object)[channel]
    chan_s[no_channel] = None
    stamp = lambda s: pd.Series(_START + s.astype("timedelta64[s]")).dt.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    closed = stamp(close)
    closed[is_open] = None
    df = (
        pd.DataFrame(
            {
                "contact_ref": "",
                "opened_at": stamp(t),
                "closed_at": closed,
                "channel": chan_s,
                "reason": reason_s,
                "service": service_s,
                "ward": np.array(WARDS, object)[cward[cust]],
                "customer_ref": cref[cust],
                "resolved_first_time": res,
                "handling_mins": mins,
            }
        )
        .iloc[np.argsort(t, kind="stable")]
        .reset_index(drop=True)
    )
    df["contact_ref"] = [f"C{i:07d}" for i in range(1, n + 1)]
    codes, counts = np.unique(odd_code, return_counts=True)
    repeat: dict[str, dict[str, float]] = {}  # follow-up reason -> {source reason: p if the source was unresolved}
    for src, dst, p_u, _, _ in FOLLOW_UPS:
        repeat.setdefault(dst, {})[src] = p_u
    return df, {
        "customer_segment": dict(zip(cref.tolist(), np.array(SEGMENTS)[cseg].tolist())),
        "customer_segment_shares": dict(zip(SEGMENTS, _CUSTOMER_SHARES.tolist())),
        "channel_mix_by_segment": {s: dict(zip(CHANNELS, _CH_MIX[i].tolist())) for i, s in enumerate(SEGMENTS)},
        "follow_up_rules": [
            dict(zip(("source", "follow_up", "p_if_unresolved", "p_if_resolved", "max_lag_days"), r)) for r in FOLLOW_UPS
        ],
        "repeat_probability": repeat,
        "follow_up_contacts": int((gen > 0).sum()),
        "spike": {**SPIKE, "n_planted": int(m)},
        "messiness": {
            "closed_before_opened": k,
            "missing_channel": int(no_channel.size),
            "odd_reason_codes": dict(zip(codes.tolist(), counts.astype(int).tolist())),
            "still_open": int(is_open.sum()),
        },
    }
