"""The workshop inputs: self-assessment answers against the maturity model, and candidate initiatives.

:func:`make_self_assessment` has eight participants rate each of the 21 maturity-model
dimensions (agreeing within one level except on three dimensions, with the largest gaps on
three others); :func:`make_initiatives` returns the fixed list of twelve initiatives.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from ..paths import templates_dir

__all__ = ["DISAGREEMENT_DIMENSIONS", "LARGEST_GAP_DIMENSIONS", "make_self_assessment", "make_initiatives"]

DISAGREEMENT_DIMENSIONS = ("operations.behaviours", "operations.systems", "outcomes.policy_link")
LARGEST_GAP_DIMENSIONS = ("understand.segmentation", "understand.outcomes", "operations.measures")
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
    model = yaml.safe_load((templates_dir() / "maturity_model.yaml").read_text(encoding="utf-8"))
    return [(d["id"], d["name"]) for c in model["components"] for d in c["dimensions"]]


def make_self_assessment(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Generate the workshop self-assessment answers and their planted truth.

    Parameters
    ----------
    rng : numpy.random.Generator
        The workshop's own stream; every draw comes from it, in a fixed order.

    Returns
    -------
    df : pandas.DataFrame
        One row per participant and dimension, in the columns of ``workshop/self_assessment.csv``.
    truth : dict
        The disagreement and largest-gap dimensions and each participant's group.
    """
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


def make_initiatives() -> pd.DataFrame:
    """Return the candidate initiatives in the columns of ``initiatives.csv`` (no randomness)."""
    return pd.DataFrame([r[:2] + r[-1:] + r[2:-1] for r in _INITIATIVES], columns=_INITIATIVE_COLUMNS)
