"""The workshop inputs: answers against the self-assessment templates, and candidate initiatives.

:func:`make_self_assessment` has eight participants rate each of the maturity model's
dimensions (agreeing within one level except on three dimensions, with the largest gaps on
three others); :func:`make_consensus` records the scores the room agreed for every dimension, with
strengths and areas for improvement (below the median on the three disputed dimensions, the median
elsewhere); :func:`make_quick_test` answers the nine quick-test questions for the organisation (three
"no") and for the team (three "no", one of them where the organisation says yes);
:func:`make_role_checklist` answers the role checklist (about 30% no, 30% partly);
:func:`make_initiatives` returns the fixed list of twelve initiatives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from cxmethods.core.paths import templates_dir

__all__ = [
    "DISAGREEMENT_DIMENSIONS",
    "LARGEST_GAP_DIMENSIONS",
    "QUICK_TEST_NO",
    "QUICK_TEST_TEAM_NO",
    "make_backlog_scores",
    "make_consensus",
    "make_initiatives",
    "make_levers",
    "make_quick_test",
    "make_role_checklist",
    "make_self_assessment",
]

DISAGREEMENT_DIMENSIONS = ("operations.behaviours", "operations.systems", "outcomes.policy_link")
LARGEST_GAP_DIMENSIONS = ("understand.segmentation", "understand.outcomes", "operations.measures")
_PEOPLE = (
    ("Helen", "Director of Customer Services", "lead"),
    ("Marcus", "Contact centre manager", "front"),
    ("Priya", "Front-line adviser", "front"),
    ("Tom", "Digital lead", "mid"),
    ("Grace", "Policy officer", "lead"),
    ("Dev", "Finance business partner", "lead"),
    ("Joanna", "Housing service manager", "lead"),
    ("Sam", "Data analyst", "mid"),
)
_EVIDENCE = {  # short workshop notes by the level a participant gave
    "low": (
        "Nothing written down on {d}; it depends on who you ask.",
        "{D}: talked about, not done.",
        "Only anecdotes on {d}, no data behind them.",
        "We tried something on {d} in 2023 but it lapsed.",
        "Each team handles {d} its own way, if at all.",
    ),
    "mid": (
        "{D} happens in some services, mainly housing and waste.",
        "Pockets of good practice on {d}, not joined up.",
        "Some evidence on {d}: a 2024 report, not refreshed since.",
        "{D} is in the plan but progress is patchy.",
        "We hold data on {d} but rarely act on it.",
    ),
    "high": (
        "{D} is reviewed monthly by the senior team.",
        "Clear evidence on {d}: documented, owned and used.",
        "{D} is in the corporate plan and reported to members.",
        "Good examples of {d} in the customer strategy.",
    ),
}
_FRONT_NOTE = "From the front desk it looks very different: we do not see {d} day to day."


def _template(name: str) -> dict:
    """A methodology file from ``templates/``, in the checkout or an installed wheel."""
    return yaml.safe_load((templates_dir() / name).read_text(encoding="utf-8"))


def _dimensions() -> list[tuple[str, str]]:
    """(id, name) of the maturity model's dimensions."""
    return [(d["id"], d["name"]) for d in _model_dimensions()]


def _model_dimensions() -> list[dict]:
    return [d for c in _template("maturity_model.yaml")["components"] for d in c["dimensions"]]


def _version() -> str:
    return str(_template("maturity_model.yaml").get("version", ""))


def _first_criterion(dimension: dict, level: int) -> str:
    """The first criterion of a level (1-5) of a dimension, as the model file writes it."""
    entry = dimension["levels"][level - 1]
    text = entry["criteria"][0] if isinstance(entry, dict) else entry
    return text[0].lower() + text[1:].rstrip(".")


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
            base, step, up = int(rng.integers(2, 4)), ((0, 1), (-1, 0))[rng.integers(2)], 0.1
            target = base + 1
        for person, role, group in _PEOPLE:
            if dim_id in DISAGREEMENT_DIMENSIONS:  # leaders see 4, the front line 1-2
                cur = {"lead": 4, "front": int(rng.integers(1, 3)), "mid": int(rng.integers(2, 4))}[group]
                tgt = max(cur, 4 + int(rng.random() < 0.3))
            else:
                cur = base + step[rng.integers(len(step))]
                tgt = min(5, max(cur + 1, target) + int(rng.random() < up))
            band = "low" if cur <= 2 else "mid" if cur == 3 else "high"
            note = (
                _FRONT_NOTE
                if dim_id in DISAGREEMENT_DIMENSIONS and group == "front"
                else _EVIDENCE[band][rng.integers(len(_EVIDENCE[band]))]
            )
            rows.append((person, role, dim_id, cur, tgt, note.format(d=name[0].lower() + name[1:], D=name)))
    df = pd.DataFrame(rows, columns=["participant", "role", "dimension_id", "current_level", "target_level", "evidence"])
    df["model_version"] = _version()
    return df, {
        "disagreement_dimensions": list(DISAGREEMENT_DIMENSIONS),
        "largest_gap_dimensions": list(LARGEST_GAP_DIMENSIONS),
        "participant_groups": {p: g for p, _, g in _PEOPLE},
    }


# The room's agreed scores for the disputed dimensions: lower than the median, because the front line's
# evidence carried the discussion (leaders rated 4, the front line 1-2).
_CONSENSUS = {
    "operations.behaviours": (
        2,
        4,
        (
            "Agreed 2: customer care is in the values statement, but front-line staff showed "
            "that appraisals and promotion still reward internal targets."
        ),
    ),
    "operations.systems": (
        2,
        3,
        (
            "Agreed 2: leaders pointed to the CRM, but advisers showed they cannot see a "
            "resident's contacts with other services, so 3 is all we can expect until the CRM is "
            "replaced (I10)."
        ),
    ),
    "outcomes.policy_link": (
        2,
        4,
        ("Agreed 2: leaders described the policy review process, but front-line staff showed it is not used day to day."),
    ),
}
QUICK_TEST_NO = {  # the quick-test questions answered "no" for the organisation, with the room's note
    "q2": "Segments appear in the 2023 customer strategy, but no service plan or budget uses them.",
    "q3": "Our targets are council-wide (calls answered, forms processed); none is set for a group of residents.",
    "q8": "The resident survey runs every year, but nobody owns the results and nothing changes because of them.",
}
#: The questions answered "no" for the participants' own teams: q6 is "no" for the teams where the organisation
#: says yes (the corporate values mention outcomes; the teams' own measures count calls and forms), and q8 is
#: "yes" for the teams (the housing team acts on its own tenants' survey) where the organisation says no.
QUICK_TEST_TEAM_NO = ("q2", "q3", "q6")
# role-checklist answers planted to agree with the quick test and the consensus (no segments in use,
# contact data not analysed, advisers blind to other services' contacts); the rest are drawn
_ROLE_PLANTED = {
    "decision_maker.3": ("no", "Contact volumes are reported; nobody looks for patterns in them."),
    "decision_maker.6": ("no", "Each service's system stands alone; joining the data up is done by hand."),
    "designer.2": ("no", "Every service is designed for 'all residents'; we have no segments to design for."),
    "designer.3": ("partly", "Interpreters on request; otherwise one service model for everybody."),
    "designer.4": ("no", "The 2019 residents' profile has never been refreshed."),
    "service_provider.1": ("partly", "The survey asks about the drivers, but we only ever report the overall score."),
    "service_provider.5": ("partly", "Only for bereavements, through Tell Us Once."),
    "service_provider.6": ("no", "Advisers cannot see a resident's contacts with other services."),
    "channel_manager.1": ("no", "We count contacts by channel, not which groups of residents use which channel."),
    "channel_manager.5": ("partly", "There is a target for web use overall, not one for each group of residents."),
}
_ROLE_SHARES = {"no": 0.3, "partly": 0.3}  # the rest "yes"
_ROLE_NOTES = {  # (chance of a note, notes to choose from) by answer
    "no": (0.7, ("Not something we do at the moment.", "Nobody owns this.", "Only when someone senior pushes for it.")),
    "partly": (
        0.7,
        (
            "In some services only, mainly housing and waste.",
            "Started this year; too early to tell.",
            "Depends on the team and the manager.",
            "Sometimes, not as a matter of routine.",
        ),
    ),
    "yes": (0.2, ("Good examples in housing and waste.", "Everyone in the room agreed.")),
}


def make_consensus(answers: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The room's agreed scores for every dimension, in the columns of ``workshop/consensus.csv``.

    No randomness. The three disputed dimensions are settled on 2, below the respondents' median (the front
    line's evidence carried the discussion); on every other dimension the median stands (rounded down, as the
    best-fit rule reads a level half met as not met). Strengths name the highest level whose criteria the room
    found met; areas for improvement, the first criterion of the level above.
    """
    medians = answers.groupby("dimension_id")[["current_level", "target_level"]].median()
    rows = []
    for d in _model_dimensions():
        if d["id"] in _CONSENSUS:
            current, target, rationale = _CONSENSUS[d["id"]]
        else:
            current = int(np.floor(medians.loc[d["id"], "current_level"]))
            target = int(np.ceil(medians.loc[d["id"], "target_level"]))
            rationale = "No dispute: the respondents' median stands."
        strengths = (  # level 1 describes what is missing: no strength to record
            f"We saw that {_first_criterion(d, current)}." if current > 1 else "Nothing recorded yet."
        )
        areas = f"Next: {_first_criterion(d, current + 1)}." if current < 5 else "Keep it: check the evidence each year."
        rows.append((d["id"], current, target, rationale, strengths, areas, _version()))
    columns = ["dimension_id", "current_level", "target_level", "rationale", "strengths", "areas_for_improvement"]
    df = pd.DataFrame(rows, columns=[*columns, "model_version"])
    return df, {"consensus": {d: {"current_level": c, "target_level": t} for d, c, t, *_ in rows if d in _CONSENSUS}}


def make_quick_test() -> tuple[pd.DataFrame, dict]:
    """Two answers per ``templates/quick_test.yaml`` question, for the organisation ("no" on :data:`QUICK_TEST_NO`)
    and for the team ("no" on :data:`QUICK_TEST_TEAM_NO`), otherwise "yes".

    No randomness; the columns are those of ``workshop/quick_test.csv``.
    """
    ids = [q["id"] for q in _template("quick_test.yaml")["questions"]]
    rows = [
        (
            q,
            "no" if q in QUICK_TEST_NO else "yes",
            "no" if q in QUICK_TEST_TEAM_NO else "yes",
            QUICK_TEST_NO.get(q) or _TEAM_NOTES.get(q),
        )
        for q in ids
    ]
    df = pd.DataFrame(rows, columns=["question_id", "answer", "team_answer", "note"])
    return df, {
        "quick_test_no": [q for q in ids if q in QUICK_TEST_NO],
        "quick_test_team_no": [q for q in ids if q in QUICK_TEST_TEAM_NO],
    }


_TEAM_NOTES = {
    "q6": "The corporate values mention outcomes, but our own team measures still count calls and forms.",
}


def make_role_checklist(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """One answer per ``templates/role_checklist.yaml`` statement, yes / partly / no.

    Parameters
    ----------
    rng : numpy.random.Generator
        The workshop stream, after the self-assessment's draws: one permutation of the answers,
        then the notes statement by statement.

    Returns
    -------
    df : pandas.DataFrame
        The columns of ``workshop/role_checklist.csv``; round(30%) of the statements are "no" and as
        many "partly", including the planted answers.
    truth : dict
        The planted answers and the counts of each answer.
    """
    ids = [s["id"] for r in _template("role_checklist.yaml")["roles"] for s in r["statements"]]
    counts = {a: round(share * len(ids)) for a, share in _ROLE_SHARES.items()}
    counts["yes"] = len(ids) - sum(counts.values())
    planted = [a for a, _ in _ROLE_PLANTED.values()]
    pool = [a for a, n in counts.items() for _ in range(n - planted.count(a))]
    drawn = iter(rng.permutation(pool).tolist())
    rows = []
    for sid in ids:
        if sid in _ROLE_PLANTED:
            rows.append((sid, *_ROLE_PLANTED[sid]))
            continue
        answer = next(drawn)
        chance, notes = _ROLE_NOTES[answer]
        rows.append((sid, answer, notes[rng.integers(len(notes))] if rng.random() < chance else None))
    df = pd.DataFrame(rows, columns=["statement_id", "answer", "note"])
    return df, {"role_checklist_planted": {s: a for s, (a, _) in _ROLE_PLANTED.items()}, "role_checklist_counts": counts}


# id, name, origin, capital cost, annual operating cost, effort (team-months), depends on, earliest start,
# confidence, owner, one-off cost, optimism-bias project type, start year, ramp-up years; then the description.
# Costs are sized for a small council (about 51,000 contacts a year); see data/README.md for what to expect.
_INITIATIVES = (
    (
        "I01",
        "Progress tracking and notifications",
        "voice_of_customer",
        24000,
        3000,
        14,
        "I10",
        None,
        0.70,
        "Digital lead",
        0,
        "equipment_development",
        2027,
        1,
        "Text and e-mail updates on repairs and benefit claims, so nobody needs to call to chase.",
    ),
    (
        "I02",
        "First-contact resolution training",
        "voice_of_customer",
        0,
        2500,
        6,
        None,
        None,
        0.80,
        "Contact centre manager",
        6000,
        "equipment_development",
        None,
        1,
        "Train advisers on the ten commonest reasons so more contacts are settled first time.",
    ),
    (
        "I03",
        "Web form redesign",
        "voice_of_customer",
        8000,
        800,
        8,
        None,
        None,
        0.75,
        "Digital lead",
        0,
        "equipment_development",
        None,
        1,
        "Rebuild the top web forms with residents, tested on phones, with plain questions.",
    ),
    (
        "I04",
        "Online repairs reporting",
        "voice_of_customer",
        9000,
        1200,
        9,
        "I03",
        None,
        0.65,
        "Housing service manager",
        0,
        "equipment_development",
        2027,
        1,
        "Tenants report and book a housing repair online, with photos and a slot.",
    ),
    (
        "I05",
        "Single customer record",
        "self_assessment",
        60000,
        6000,
        18,
        "I10",
        None,
        0.55,
        "Head of ICT",
        0,
        "equipment_development",
        2028,
        2,
        "One view of each resident's contacts across services, so nobody repeats their story.",
    ),
    (
        "I06",
        "Bin day reminders in the app",
        "segmentation",
        3000,
        500,
        4,
        None,
        None,
        0.70,
        "Waste service manager",
        0,
        "equipment_development",
        None,
        1,
        "Push reminders and collection changes to app users to cut missed-bin reports.",
    ),
    (
        "I07",
        "Plain-language letters",
        "voice_of_customer",
        0,
        500,
        5,
        None,
        None,
        0.80,
        "Policy officer",
        4000,
        "equipment_development",
        None,
        1,
        "Rewrite council tax and benefit letters with residents so fewer people ring to ask what they mean.",
    ),
    (
        "I08",
        "Assisted digital help in libraries",
        "segmentation",
        2000,
        9000,
        4,
        "I03",
        None,
        0.65,
        "Library services manager",
        0,
        "equipment_development",
        None,
        1,
        "Drop-in help for residents with low digital confidence to use online services.",
    ),
    (
        "I09",
        "Interpreters and community outreach",
        "segmentation",
        0,
        8000,
        3,
        None,
        None,
        0.60,
        "Community services manager",
        0,
        "outsourcing",
        None,
        1,
        "Interpreters on demand and advice sessions with community groups for newcomers.",
    ),
    (
        "I10",
        "CRM replacement",
        "leadership",
        150000,
        18000,
        36,
        None,
        "2026-07-01",
        0.50,
        "Head of ICT",
        20000,
        "equipment_development",
        None,
        2,
        "Replace the contact management system when the current contract ends.",
    ),
    (
        "I11",
        "Customer insight team",
        "self_assessment",
        0,
        12000,
        6,
        None,
        None,
        0.70,
        "Director of Customer Services",
        0,
        "equipment_development",
        None,
        1,
        "A small team that analyses contacts, surveys and complaints and reports monthly.",
    ),
    (
        "I12",
        "Service standards",
        "leadership",
        0,
        1000,
        3,
        "I11",
        None,
        0.85,
        "Director of Customer Services",
        2000,
        "equipment_development",
        None,
        1,
        "Publish service standards with measurable targets and report against them.",
    ),
)
_INITIATIVE_COLUMNS = [
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
]

# initiative, lever, value, low, high, reason, channel, to_channel, source
_LEVERS = (
    (
        "I01",
        "failure_demand",
        0.45,
        0.25,
        0.60,
        "Chasing housing repair",
        None,
        None,
        "Sample: similar councils' notification pilots (fictional)",
    ),
    (
        "I01",
        "failure_demand",
        0.40,
        0.20,
        0.55,
        "Chasing benefit claim",
        None,
        None,
        "Sample: similar councils' notification pilots (fictional)",
    ),
    (
        "I01",
        "customer_time",
        6,
        3,
        9,
        "Chasing housing repair",
        None,
        None,
        "Sample: half the chasers spared a 12-minute contact",
    ),
    ("I02", "failure_demand", 0.20, 0.10, 0.30, None, None, None, "Sample: contact centre manager's estimate"),
    ("I02", "customer_time", 0.5, 0.0, 1.0, None, None, None, "Sample: fewer repeat contacts for residents"),
    (
        "I03",
        "channel_shift",
        0.025,
        0.01,
        0.04,
        None,
        "phone",
        "web_form",
        "Sample: uptake after redesigns elsewhere (fictional)",
    ),
    ("I03", "channel_shift", 0.10, 0.03, 0.20, None, "email", "web_form", "Sample: uptake after redesigns elsewhere (fictional)"),
    (
        "I04",
        "channel_shift",
        0.35,
        0.15,
        0.50,
        "Housing repair request",
        "phone",
        "web_form",
        "Sample: housing service's estimate",
    ),
    ("I04", "customer_time", 4, 2, 6, "Housing repair request", None, None, "Sample: no wait on the phone"),
    ("I05", "handling_time", 0.08, 0.02, 0.15, None, "phone", None, "Sample: advisers see the history at once"),
    ("I05", "handling_time", 0.08, 0.02, 0.15, None, "face_to_face", None, "Sample: advisers see the history at once"),
    ("I06", "failure_demand", 0.30, 0.10, 0.45, "Missed bin collection", None, None, "Sample: waste service's estimate"),
    (
        "I06",
        "channel_shift",
        0.02,
        0.01,
        0.03,
        "Missed bin collection",
        "phone",
        "mobile_app",
        "Sample: waste service's estimate",
    ),
    (
        "I07",
        "failure_demand",
        0.50,
        0.30,
        0.70,
        "Where is my letter / clarify a letter",
        None,
        None,
        "Sample: letters rewritten elsewhere halved queries (fictional)",
    ),
    (
        "I07",
        "customer_time",
        5,
        2,
        8,
        "Where is my letter / clarify a letter",
        None,
        None,
        "Sample: fewer calls to ask what a letter means",
    ),
    ("I08", "channel_shift", 0.05, 0.01, 0.10, None, "face_to_face", "web_form", "Sample: library pilot elsewhere (fictional)"),
    ("I08", "customer_time", 1, 0, 2, None, "face_to_face", None, "Sample: fewer trips to the office"),
    ("I09", "customer_time", 3, 1, 5, None, "face_to_face", None, "Sample: interpreters on the spot, fewer repeat visits"),
    ("I09", "failure_demand", 0.10, 0.02, 0.20, None, "face_to_face", None, "Sample: community services' estimate"),
    ("I10", "handling_time", 0.05, 0.00, 0.10, None, "phone", None, "Sample: supplier's claim, discounted"),
    ("I10", "automation", 0.05, 0.02, 0.10, None, "phone", None, "Sample: supplier's claim, discounted"),
    ("I11", "failure_demand", 0.05, 0.00, 0.12, None, None, None, "Sample: insight teams elsewhere (fictional)"),
    ("I12", "customer_time", 0.5, 0, 1, None, None, None, "Sample: clearer expectations, fewer chasing contacts"),
)
_LEVER_COLUMNS = ["initiative_id", "lever", "value", "low", "high", "reason", "channel", "to_channel", "source"]


# The road-map workshop's scores for some of the candidates the evidence suggests (workbook 05's backlog form)
_BACKLOG_SCORES = (
    ("S:understand.segmentation", 4, 6, 0.6, "Segments exist on paper; using them in service plans is mostly leadership time"),
    ("S:operations.measures", 3, 4, 0.7, "Measures per segment once the insight work starts"),
    ("V:housing-repair-request", 4, 5, 0.7, "Repeat repair reports: fix the booking confirmation first"),
    ("G:few-contacts-prefer-the-app", 2, 3, 0.6, "App users already online; small gains left"),
)


def make_backlog_scores() -> pd.DataFrame:
    """Return the workshop's backlog scores in the columns of ``workshop/backlog.csv`` (no randomness)."""
    rows = [{"id": i, "value": v, "effort": e, "confidence": c, "note": n} for i, v, e, c, n in _BACKLOG_SCORES]
    return pd.DataFrame(
        rows, columns=["id", "value", "effort", "confidence", "reach", "impact", "time_criticality", "risk_reduction", "note"]
    )


def make_levers() -> pd.DataFrame:
    """Return how each sample initiative changes costs and benefits, in the columns of ``levers.csv`` (no randomness)."""
    return pd.DataFrame(list(_LEVERS), columns=_LEVER_COLUMNS)


def make_initiatives() -> pd.DataFrame:
    """Return the candidate initiatives in the columns of ``initiatives.csv`` (no randomness)."""
    frame = pd.DataFrame([r[:2] + r[-1:] + r[2:-1] for r in _INITIATIVES], columns=_INITIATIVE_COLUMNS)
    return frame.astype({"start_year": "Int64"})
