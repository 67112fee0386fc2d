"""The resident survey: profiles by segment, satisfaction with planted drivers, and free-text comments.

:func:`make_survey` draws 3,000 respondents in the five segments with their profile answers,
an overall score driven by outcome > timeliness > knowledge > courtesy > fairness, eleven
more rated items with "don't know" codes, and comments in which a few respondents leave
made-up personal data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _WARD_W, CHANNELS, SEGMENTS, SPIKE, WARDS, _norm, _pick

__all__ = ["DONT_KNOW", "DRIVERS", "DRIVER_WEIGHTS", "make_survey"]

_SURVEY_SHARES = np.array([0.28, 0.24, 0.22, 0.11, 0.15])
DRIVERS = ("outcome", "timeliness", "knowledge", "courtesy", "fairness")
DRIVER_WEIGHTS = dict(zip(DRIVERS, (0.35, 0.26, 0.19, 0.13, 0.07)))
_DRIVER_SHIFT = np.array([0.0, -0.6, 0.3, 0.7, 0.2])  # latent mean: timeliness low, courtesy high
_NOISE = 0.35  # sd of what the drivers do not explain in overall satisfaction
_AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
_LANGS = ("English", "Polish", "Urdu", "Romanian", "Somali", "Portuguese", "Arabic")
_HOUSE = ("single adult", "couple no children", "family with children", "single parent", "pensioner household", "shared/other")
_EMPLOY = ("employed", "self-employed", "unemployed", "retired", "student", "carer/home", "unable to work")
# per segment: digital confidence 1..5, preferred channel, age band, language, household, employment,
# then share with a disability and mean contacts last year
_PROFILE = [
    (
        [0, 0, 0.05, 0.25, 0.7],
        [0.05, 0.5, 0.1, 0, 0.35, 0],
        [0.35, 0.45, 0.14, 0.04, 0.02, 0, 0],
        [0.9, 0.03, 0.02, 0.02, 0, 0.02, 0.01],
        [0.45, 0.33, 0.02, 0, 0, 0.2],
        [0.75, 0.08, 0.02, 0, 0.15, 0, 0],
        0.05,
        1.2,
    ),
    (
        [0.02, 0.1, 0.35, 0.4, 0.13],
        [0.4, 0.3, 0.1, 0.02, 0.18, 0],
        [0, 0.15, 0.6, 0.22, 0.03, 0, 0],
        [0.92, 0.02, 0.02, 0.02, 0, 0.01, 0.01],
        [0, 0.02, 0.75, 0.23, 0, 0],
        [0.62, 0.2, 0.02, 0, 0, 0.15, 0.01],
        0.07,
        3.5,
    ),
    (
        [0.35, 0.35, 0.2, 0.08, 0.02],
        [0.55, 0.03, 0.06, 0.26, 0, 0.1],
        [0, 0, 0, 0.03, 0.15, 0.45, 0.37],
        [0.96, 0.01, 0.01, 0, 0, 0.01, 0.01],
        [0.3, 0.05, 0, 0, 0.65, 0],
        [0.02, 0.03, 0, 0.9, 0, 0.03, 0.02],
        0.3,
        3,
    ),
    (
        [0.4, 0.35, 0.17, 0.06, 0.02],
        [0.18, 0.05, 0.03, 0.7, 0.04, 0],
        [0.18, 0.4, 0.27, 0.1, 0.04, 0.01, 0],
        [0.03, 0.26, 0.2, 0.2, 0.12, 0.11, 0.08],
        [0.15, 0.1, 0.35, 0.05, 0, 0.35],
        [0.45, 0.05, 0.25, 0, 0.1, 0.15, 0],
        0.06,
        4,
    ),
    (
        [0.3, 0.35, 0.2, 0.12, 0.03],
        [0.55, 0.05, 0.07, 0.3, 0.01, 0.02],
        [0.03, 0.12, 0.2, 0.27, 0.28, 0.08, 0.02],
        [0.9, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01],
        [0.5, 0.05, 0.1, 0.3, 0, 0.05],
        [0.02, 0, 0.35, 0.03, 0, 0.1, 0.5],
        0.8,
        11,
    ),
]
_ITEMS = (
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
)
DONT_KNOW = dict(zip(_ITEMS, (0.05, 0.03, 0.05, 0.03, 0.06, 0.02, 0.03, 0.03, 0.04, 0.08, 0.06)))
_CUTS = np.array([-1.6, -0.6, 0.4, 1.4])  # latent -> 1..5
# comment fragments: (text, segments that tend to say it)
_POS = (
    ("The crew came back for my missed bin the next day.", (0, 1, 2, 4)),
    ("Renewing the garden waste collection online took two minutes.", (0, 1)),
    ("The man on the phone knew exactly what to do about my council tax.", (1, 2, 4)),
    ("Library staff helped me fill in the form step by step.", (2, 3)),
    ("The pothole I reported was filled within a week.", (0, 1, 2)),
    ("Reporting fly-tipping on the app is easy.", (0, 1)),
    ("The adviser was patient and explained everything twice without fuss.", (2, 3, 4)),
    ("Parking permit sorted on the website in one go.", (0, 1)),
    ("The interpreter at the front desk made all the difference.", (3,)),
    ("Booking a bulky waste collection was simple.", (0, 1, 2)),
    ("My blue badge came quicker than I expected.", (2, 4)),
)
_NEG = (
    ("I waited over forty minutes on the phone before anyone answered.", (1, 2, 4)),
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
    ("Nobody answers e-mails so in the end I had to come in person.", (1, 3, 4)),
)
_CLOSE = (
    ("", "Thank you.", "Keep it up.", "Good service overall."),
    ("", "Please sort it out.", "Not good enough.", "Very frustrating."),
)
_SPIKE_NEG = "Every Sunday morning cars block our road near the church and nothing is done."
# made-up personal data, all from reserved or never-issued ranges (example.* domains, Ofcom drama numbers,
# the QQ prefix that is never issued for National Insurance numbers)
_PII = {
    "email": "Please reply to {}.",
    "phone": "Call me on {} any time.",
    "ni_number": "My NI number is {} if you need it.",
    "name": "My neighbour {} has had the same trouble.",
}
_PII_NAMES = ("Mrs Patel", "Mr Kowalski", "Ms Okafor", "Mr Hughes", "Mrs Dumitru", "Mr Farah")
_PII_USERS = ("j.smith", "a.khan", "m.nowak", "s.jones", "t.ali", "r.silva")


def _cut(x) -> np.ndarray:
    return 1 + (x[..., None] > _CUTS).sum(-1)


def make_survey(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Generate the resident survey and its planted truth.

    Parameters
    ----------
    rng : numpy.random.Generator
        The survey's own stream; every draw comes from it, in a fixed order.

    Returns
    -------
    df : pandas.DataFrame
        One row per respondent, in the columns of ``resident_survey.csv``.
    truth : dict
        Respondent segments, driver weights and shifts, "don't know" rates and the planted personal data.
    """
    n = 3000
    seg = rng.choice(5, n, p=_SURVEY_SHARES)
    cols = {
        name: np.asarray(v, object if isinstance(v, tuple) else int)[_pick(rng, seg, [p[j] for p in _PROFILE])]
        for j, (name, v) in enumerate(
            (
                ("digital_confidence", range(1, 6)),
                ("preferred_channel", CHANNELS),
                ("age_band", _AGES),
                ("language", _LANGS),
                ("household", _HOUSE),
                ("employment_status", _EMPLOY),
            )
        )
    }
    cols["disability"] = np.where(rng.random(n) < np.array([p[6] for p in _PROFILE])[seg], "yes", "no").astype(object)
    mu = np.array([p[7] for p in _PROFILE])[seg]
    cols["contacts_last_year"] = rng.negative_binomial(3, 3 / (3 + mu))
    cols["ward"] = np.array(WARDS, object)[rng.choice(12, n, p=_norm(_WARD_W))]
    # drivers share a factor (pairwise correlation 0.36); segments shift performance, not importance
    seg_shift = np.zeros((5, 5))
    seg_shift[0, 1], seg_shift[3, [2, 4]], seg_shift[4, [0, 1]] = 0.2, -0.3, -0.3
    z = 0.6 * rng.standard_normal(n)[:, None] + 0.8 * rng.standard_normal((n, 5))
    lat = z + _DRIVER_SHIFT + seg_shift[seg]
    y = (z + seg_shift[seg]) @ np.array(list(DRIVER_WEIGHTS.values())) + _NOISE * rng.standard_normal(n)
    y = y / y.std() + 0.25
    e = lambda: rng.standard_normal(n)  # noqa: E731
    items = {
        "q_trust": 0.6 * y + 0.4 * lat[:, 4] + 0.6 * e(),
        "q_timely": lat[:, 1],
        "q_knowledge": lat[:, 2],
        "q_courtesy": lat[:, 3],
        "q_fair": lat[:, 4],
        "q_outcome": lat[:, 0],
        "q_effective": 0.7 * lat[:, 0] + 0.3 * y + 0.5 * e(),
        "q_ease": 0.5 * lat[:, 1] + 0.35 * (cols["digital_confidence"] - 3) + 0.6 * e(),
        "q_efficient": 0.7 * lat[:, 1] + 0.6 * e(),
        "q_equity": 0.6 * lat[:, 4] + 0.2 + 0.7 * e(),
        "q_staff": 0.5 * lat[:, 3] + 0.4 * lat[:, 2] + 0.6 * e(),
    }
    df = pd.DataFrame({"resp_id": [f"R{i:05d}" for i in range(1, n + 1)], "q_overall": _cut(y)})
    for name in _ITEMS:
        df[name] = np.where(rng.random(n) < DONT_KNOW[name], 9, _cut(items[name]))
    df["comment"], planted = _comments(
        rng, seg, df["q_overall"].to_numpy(), df["q_timely"].to_numpy(), cols["ward"], df["resp_id"].tolist()
    )
    for name in (
        "age_band",
        "digital_confidence",
        "preferred_channel",
        "language",
        "disability",
        "contacts_last_year",
        "household",
        "employment_status",
        "ward",
    ):
        df[name] = cols[name]
    return df, {
        "survey_segment": dict(zip(df["resp_id"], np.array(SEGMENTS)[seg].tolist())),
        "survey_segment_shares": dict(zip(SEGMENTS, _SURVEY_SHARES.tolist())),
        "survey_segment_counts": dict(zip(SEGMENTS, np.bincount(seg, minlength=5).tolist())),
        "driver_weights": dict(DRIVER_WEIGHTS),
        "driver_columns": dict(zip(DRIVERS, ("q_outcome", "q_timely", "q_knowledge", "q_courtesy", "q_fair"))),
        "driver_performance_shift": dict(zip(DRIVERS, _DRIVER_SHIFT.tolist())),
        "dont_know_rates": dict(DONT_KNOW),
        "planted_personal_data": planted,
    }


def _comments(rng, seg, overall, timely, ward, resp) -> tuple[list, list]:
    """About half the respondents comment, more often when unhappy; 4% of comments get made-up personal data."""
    out, planted = [None] * len(seg), []
    has = np.flatnonzero(rng.random(len(seg)) < np.select([overall <= 2, overall == 3], [0.65, 0.4], 0.5))
    pii = set(rng.choice(has, round(0.04 * has.size), replace=False).tolist())
    for i in has:
        pos = [t for t, s in _POS if seg[i] in s]
        neg = (
            [t for t, s in _NEG if seg[i] in s]
            + [_NEG[0][0]] * (2 * int(timely[i] <= 2))  # slow service, says so
            + [_SPIKE_NEG] * int(ward[i] == SPIKE["ward"])
        )
        if overall[i] >= 4:
            parts = [pos[rng.integers(len(pos))], _CLOSE[0][rng.integers(4)]]
        elif overall[i] <= 2:
            parts = [neg[j] for j in rng.choice(len(neg), 1 + int(rng.random() < 0.4), replace=False)]
            parts.append(_CLOSE[1][rng.integers(4)])
        else:
            bad = neg[rng.integers(len(neg))]
            parts = [pos[rng.integers(len(pos))], "However, " + (bad if bad.startswith("I ") else bad[0].lower() + bad[1:])]
        if i in pii:
            kind = tuple(_PII)[len(planted) % 4]
            d = rng.integers(0, 100, 3)
            val = {
                "email": f"{_PII_USERS[d[0] % 6]}@example.{('com', 'org', 'net')[d[1] % 3]}",
                "phone": f"07700 900{d[0] * 10 + d[1] % 10:03d}" if d[2] % 2 else f"020 7946 0{d[1] * 10 + d[0] % 10:03d}",
                "ni_number": f"QQ {d[0]:02d} {d[1]:02d} {d[2]:02d} {'ABCD'[d[0] % 4]}",
                "name": _PII_NAMES[d[2] % 6],
            }[kind]
            parts.append(_PII[kind].format(val))
            planted.append({"resp_id": resp[i], "kind": kind, "value": val})
        out[i] = " ".join(x for x in parts if x)
    return out, planted
