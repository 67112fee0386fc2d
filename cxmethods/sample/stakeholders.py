"""Segmentation inputs of the sample: Riverton's stakeholder map and its rule-based segment tree.

:func:`make_stakeholders` returns a fixed map of 17 groups (no randomness) with five planted
findings for :func:`cxmethods.methods.stakeholders.stakeholder_findings` to recover: a target group with no
objective, two target groups with no one to speak for them, an "independent" expert who speaks for
one segment, and a group that repeats its main category among its hats. :data:`SEGMENT_RULES_YAML`
is the council's segment tree (employment status, then digital confidence or language), which
covers every survey respondent exactly once.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["SEGMENT_RULES_YAML", "STAKEHOLDER_FINDINGS", "make_stakeholders"]

_COLUMNS = ["group_id", "group", "category", "hats", "priority", "interest", "influence", "objective", "represents"]

# group_id, group, category, hats, priority, interest, influence, objective, represents
_GROUPS = (
    (
        "G01",
        "Digital self-servers",
        "target_customer",
        "",
        "medium",
        3,
        3,
        "Finish routine council business online at the first attempt, without having to phone",
        "",
    ),
    (
        "G02",
        "Busy working families",
        "target_customer",
        "indirect_customer",
        "high",
        4,
        3,
        "Get school, bin and council-tax tasks done outside working hours, with no need to chase",
        "",
    ),
    (
        "G03",
        "Older residents who prefer phone or face to face",
        "target_customer",
        "",
        "high",
        4,
        4,
        "Keep a person-to-person route for anything complex and be no worse served than online users",
        "",
    ),
    (
        "G04",
        "Newcomers with language needs",
        "target_customer",
        "",
        "high",
        4,
        1,
        "Know and use the services they are entitled to within their first year in the borough",
        "",
    ),
    (
        "G05",
        "Frequent complex-needs contacts",
        "target_customer",
        "",
        "high",
        5,
        2,
        "Have each need settled by one named case owner instead of repeated contacts",
        "",
    ),
    (
        "G06",
        "Children and young people",
        "target_customer",
        "",
        "medium",
        2,
        1,
        "Grow up with safe places to play and learn, and a say in the services that shape their area",
        "",
    ),
    (
        "G07",
        "Future residents",
        "target_customer",
        "",
        "medium",
        1,
        1,
        "Inherit sound council finances, enough homes and a borough that still works for them",
        "",
    ),
    ("G08", "Visitors and commuters", "target_customer", "", "low", 2, 3, "", ""),
    (
        "G09",
        "Council-tax payers",
        "indirect_customer",
        "",
        "medium",
        3,
        4,
        "Services delivered at no more cost than their outcomes need",
        "",
    ),
    (
        "G10",
        "Contact-centre and front-line staff",
        "indirect_customer",
        "intermediary;indirect_customer",
        "medium",
        5,
        3,
        "Workloads that let them resolve contacts first time",
        "",
    ),
    ("G11", "Councillors and cabinet", "customer_representative", "", "medium", 4, 5, "", "G01;G02;G03;G09"),
    ("G12", "Riverton Tenants' Association", "customer_representative", "", "medium", 5, 3, "", "G02;G05"),
    ("G13", "Riverton Disability Forum", "customer_representative", "", "high", 5, 2, "", "G03;G05"),
    ("G14", "University of Riverton migration researcher", "independent_expert", "", "low", 3, 2, "", "G04"),
    ("G15", "Riverside Homes (housing association)", "intermediary", "indirect_customer", "medium", 4, 3, "", ""),
    ("G16", "DWP Jobcentre Plus, Riverton office", "intermediary", "", "medium", 3, 4, "", ""),
    (
        "G17",
        "Riverton Advice Centre (voluntary sector)",
        "intermediary",
        "customer_representative",
        "medium",
        4,
        2,
        "",
        "G04;G05",
    ),
)

#: What :func:`cxmethods.methods.stakeholders.stakeholder_findings` should report on the sample map, in its order.
STAKEHOLDER_FINDINGS = (
    ("no_objective", "G08"),  # visitors: no outcome named, perhaps an indirect customer
    ("no_one_speaks_for_them", "G06"),  # children and young people
    ("no_one_speaks_for_them", "G07"),  # future residents
    ("expert_speaks_for_one_segment", "G14"),  # the researcher speaks only for newcomers
    ("hat_repeats_category", "G10"),  # staff list indirect_customer twice
)


def make_stakeholders() -> tuple[pd.DataFrame, dict]:
    """The sample stakeholder map, in the columns of ``stakeholders.csv``, and its planted truth.

    Returns
    -------
    df : pandas.DataFrame
        One row per group (17), ``interest``/``influence`` 1-5, empty text as missing values.
    truth : dict
        ``stakeholder_findings``: list of ``{"finding", "group_id"}`` in report order.

    Examples
    --------
    >>> df, truth = make_stakeholders()
    >>> len(df), truth["stakeholder_findings"][0]
    (17, {'finding': 'no_objective', 'group_id': 'G08'})
    """
    df = pd.DataFrame(_GROUPS, columns=_COLUMNS).replace("", pd.NA)
    return df, {"stakeholder_findings": [{"finding": f, "group_id": g} for f, g in STAKEHOLDER_FINDINGS]}


#: The sample engagement's ``segment_rules.yaml``, sized from the resident survey.
SEGMENT_RULES_YAML = """\
# Riverton's rule-based segments (FICTIONAL sample, made by cxmethods.sample).
# Read with cxmethods.methods.segment_rules.load_rules; sized from the resident survey by apply_rules.
# Fields are the survey's (our field names, as mapped in engagement.yaml).
name: Riverton residents by work, digital confidence and language
source: Riverton Borough Council customer strategy workshop (fictional); method after PwC (2002), Component 1
segments:
  - id: working
    name: In work
    when: {field: employment_status, in: [employed, self-employed]}
    children:
      - id: working.online
        name: Working and confident online
        when: {field: digital_confidence, ">=": 4}
        objective: Sort out routine business online, at any hour, at the first attempt.
      - id: working.assisted
        name: Working, less confident online
        when: {field: digital_confidence, "<": 4}
        objective: Get things done outside working hours without a wasted trip or a second call.

  - id: not_working
    name: Not in paid work (unemployed, students, carers, unable to work)
    when: {field: employment_status, in: [unemployed, student, carer/home, unable to work]}
    children:
      - id: not_working.language
        name: Not in work, main language not English
        when: {field: language, not_in: [English]}
        objective: Understand what they are entitled to and claim it, with help in their own language where needed.
      - id: not_working.online
        name: Not in work, confident online
        when:
          - {field: language, in: [English]}
          - {field: digital_confidence, ">=": 3}
        objective: Claim support and report changes online without delays that cost them money.
      - id: not_working.assisted
        name: Not in work, needs help to go online
        when:
          - {field: language, in: [English]}
          - {field: digital_confidence, "<": 3}
        objective: Reach a person who can resolve a complex need in one go, and build the confidence to self-serve.

  - id: retired
    name: Retired
    when: {field: employment_status, in: [retired]}
    children:
      - id: retired.online
        name: Retired and getting online
        when: {field: digital_confidence, ">=": 3}
        objective: Use online services when they choose to, knowing a person is there if they need one.
      - id: retired.offline
        name: Retired, prefers not to go online
        when: {field: digital_confidence, "<=": 2}
        objective: Be served as well by phone, post or in person as anyone online, with no digital-only dead ends.
"""
