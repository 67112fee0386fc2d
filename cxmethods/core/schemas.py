"""The tables an engagement can name, field by field: the contract between a user's export and the workbooks.

Each input is described by an :class:`InputSpec`. A user's file is read through the
engagement's column mapping (``our field: your column``) and every field is checked
against its :class:`Field` kind. Later workbooks add their own inputs here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxmethods.core.checks import check_one_of

__all__ = ["CHANNELS", "INPUTS", "KINDS", "LEVERS", "STAKEHOLDER_CATEGORIES", "STANDARD_ITEMS", "Field", "InputSpec"]

#: The channel codes every workbook uses. Map your system's own labels onto these
#: with ``values: {channel: {"Telephone": phone}}`` in the engagement.
CHANNELS: tuple[str, ...] = ("phone", "web_form", "email", "face_to_face", "mobile_app", "post")

#: Stakeholder categories (PwC, Customer-focused government, 2002, Component 1 terminology).
STAKEHOLDER_CATEGORIES: tuple[str, ...] = (
    "target_customer",
    "indirect_customer",
    "customer_representative",
    "intermediary",
    "independent_expert",
)

#: How an initiative changes costs and benefits in the business case (workbook 04), and what ``value`` means.
LEVERS: dict[str, str] = {
    "failure_demand": "share of the failure demand in scope that the initiative removes (0-1)",
    "channel_shift": "share of the contacts in scope moved from `channel` to `to_channel` (0-1)",
    "automation": "share of the contacts in scope resolved without an adviser (0-1)",
    "handling_time": "share of the handling time cut on the contacts in scope (0-1)",
    "customer_time": "minutes of the customer's time saved per contact in scope (a non-cash benefit)",
    "other_saving": "any other cash saving, in money a year",
}

#: Field kinds and what a valid value looks like (used in error messages).
KINDS: dict[str, str] = {
    "id": "a non-empty identifier",
    "text": "free text",
    "category": "a label",
    "channel": "one of " + ", ".join(CHANNELS),
    "datetime": "a date and time such as 2025-04-01 09:30:00",
    "date": "a date such as 2025-04-01",
    "number": "a number of zero or more, such as 12.5",
    "money": "an amount of money such as 25000 (no currency sign or thousands separator)",
    "count": "a whole number of zero or more",
    "share": "a proportion between 0 and 1",
    "level": "a level from 1 to 5",
    "likert": "a rating on the survey scale (or a don't-know code)",
    "bool": "yes/no (1/0, true/false, y/n)",
    "id_list": "identifiers separated by semicolons, e.g. I01;I04",
    "yes_no": "yes or no",
    "yes_partly_no": "yes, partly or no",
    "stakeholder_category": "one of " + ", ".join(STAKEHOLDER_CATEGORIES),
    "priority": "high, medium or low",
    "lever": "one of " + ", ".join(LEVERS),
}


@dataclass(frozen=True)
class Field:
    """One field of an input table.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    description : str
        What the field holds, for documentation and error messages.
    required : bool
        Whether the engagement must map it to a column.
    free_text : bool
        Text people type that reaches a client output and may name someone (descriptions, notes, and the names
        a workshop gives initiatives, groups and segments): redacted when read for analysis
        (:func:`cxmethods.io.inputs.read_input`). Survey comments are not marked: the voice-of-the-customer step
        redacts them itself, counting what it removes.
    scale : (float, float), optional
        Ratings (kind ``likert``): the lowest and highest point; default: the input's ``scale``.
    codes : tuple of (label, point), optional
        Ratings given as labels (a code list, or yes/no): each label's point.
    missing : tuple of str, optional
        Answers that mean "don't know" or "not applicable" (numbers or text): read as no value;
        default for ratings: the input's ``dont_know_codes``.
    """

    kind: str
    description: str
    required: bool = False
    free_text: bool = False
    scale: tuple[float, ...] | None = None
    codes: tuple[tuple[str, float], ...] = ()
    missing: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        check_one_of(self.kind, "kind", "Field", sorted(KINDS))


@dataclass(frozen=True)
class InputSpec:
    """A table an engagement can name: its purpose and its fields."""

    name: str
    description: str
    fields: dict[str, Field] = field(default_factory=dict)
    key: tuple[str, ...] = ()  # fields whose values together must be unique
    order: tuple[tuple[str, str], ...] = ()  # (earlier, later) pairs of date fields

    @property
    def required(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.required]


#: The standard rated questions a survey laid out like templates/survey.csv may carry: read from columns of
#: these names when the engagement declares no ``items`` of its own (the ready-made questionnaire, not a
#: limit). Field -> (label shown in outputs, role, description). Roles as in ``inputs.survey.items``.
STANDARD_ITEMS: dict[str, tuple[str, str, str]] = {
    "overall_satisfaction": ("Overall satisfaction", "outcome", "Overall satisfaction with the service"),
    "timeliness": ("Timeliness", "driver", "Citizens First driver: timeliness"),
    "knowledge": ("Staff knowledge", "driver", "Citizens First driver: staff knowledge and competence"),
    "courtesy": ("Courtesy", "driver", "Citizens First driver: courtesy, going the extra mile"),
    "fairness": ("Fair treatment", "driver", "Citizens First driver: I was treated fairly"),
    "outcome": ("Got what I needed", "driver", "Citizens First driver: I got what I needed in the end"),
    "trust": ("Trust in the organisation", "other", "The contact increased my trust in the organisation (A-11)"),
    "effectiveness": ("My need was met", "other", "A-11: my need was met"),
    "ease": ("Easy to do", "other", "A-11: it was easy to do"),
    "efficiency": ("Reasonable time taken", "other", "A-11: it took a reasonable amount of time"),
    "equity": ("Treated fairly and openly", "other", "A-11: I was treated fairly and openly"),
    "employee_helpfulness": ("Helpful staff", "other", "A-11: staff were helpful"),
}

INPUTS: dict[str, InputSpec] = {
    spec.name: spec
    for spec in (
        InputSpec(
            "contact_log",
            "One row per customer contact (a 311 or CRM export).",
            {
                "contact_id": Field("id", "Unique reference of the contact", True),
                "created_at": Field("datetime", "When the contact was made", True),
                "closed_at": Field("datetime", "When the request was closed (empty if open)"),
                "channel": Field("channel", "Channel the customer used", True),
                "reason": Field("category", "Why the customer made contact", True),
                "service": Field("category", "Service the reason belongs to"),
                "area": Field("category", "Ward, district or other place"),
                "customer_id": Field("id", "Pseudonymous customer reference (for repeat contact)"),
                "resolved_first_contact": Field("bool", "Resolved at first contact"),
                "handling_minutes": Field("number", "Staff minutes spent on the contact"),
            },
            key=("contact_id",),
            order=(("created_at", "closed_at"),),
        ),
        InputSpec(
            "survey",
            "One row per survey respondent: ratings, a comment and attributes for segmentation.",
            {
                "respondent_id": Field("id", "Unique respondent reference (default: the row number)"),
                **{name: Field("likert", desc) for name, (_, _, desc) in STANDARD_ITEMS.items()},
                "comment": Field("text", "Free-text comment (personal data is redacted before output)"),
                "age_band": Field("category", "Age band"),
                "digital_confidence": Field("number", "Self-rated confidence online, e.g. 1-5"),
                "preferred_channel": Field("channel", "Channel the respondent prefers"),
                "language": Field("category", "Main language"),
                "disability": Field("bool", "Has a disability or long-term condition"),
                "contacts_last_year": Field("count", "Contacts with the organisation in the last year"),
                "household": Field("category", "Household type"),
                "employment_status": Field("category", "Employment status"),
                "area": Field("category", "Ward, district or other place"),
                "weight": Field("number", "Survey weight (1 if absent)"),
                "date": Field("date", "When the respondent answered (the report's survey charts filter by its month)"),
            },
            key=("respondent_id",),
        ),
        InputSpec(
            "comments",
            "One row per free-text comment (complaint narratives, open-ended answers, feedback forms); "
            "only the text is needed. Rows with no text are skipped and counted.",
            {
                "comment_id": Field("id", "Reference of the comment (rows are numbered when absent; never shown in outputs)"),
                "text": Field("text", "The comment itself (personal data is redacted before output)", True),
                "rating": Field("number", "A rating given with the comment, on any scale"),
                "date": Field("date", "When the comment was made"),
                "channel": Field("channel", "Channel the comment came through"),
                "category": Field("category", "What the source system says it is about (a product, service or type)"),
            },
            key=("comment_id",),
        ),
        InputSpec(
            "initiatives",
            "Candidate improvement initiatives with costs, effort and dependencies.",
            {
                "initiative_id": Field("id", "Short unique id, e.g. I01", True),
                "name": Field("text", "Short name", True, free_text=True),
                "description": Field("text", "What the initiative does", free_text=True),
                "origin": Field("category", "Where the idea came from"),
                "capital_cost": Field("money", "One-off capital cost"),
                "annual_operating_cost": Field("money", "Yearly running cost"),
                "effort_team_months": Field("number", "Delivery effort in team-months"),
                "depends_on": Field("id_list", "Initiatives that must finish first"),
                "earliest_start": Field("date", "Cannot start before this date"),
                "confidence": Field("share", "Confidence in the estimates, 0-1"),
                "owner": Field("text", "Who owns it"),
                "one_off_cost": Field("money", "Other one-off costs in the start year (training, transition)"),
                "project_type": Field(
                    "category", "Optimism-bias category (templates/benchmarks.yaml), e.g. equipment_development"
                ),
                "start_year": Field("count", "Calendar year costs start (default: the base year, or earliest_start's year)"),
                "ramp_up_years": Field("count", "Years from the start until the full benefit (default 1)"),
                "price_year": Field(
                    "count", "Year whose prices the costs are in (default: the price base year; converted with the GDP deflator)"
                ),
            },
            key=("initiative_id",),
        ),
        InputSpec(
            "levers",
            "How each initiative changes costs and benefits: one row per lever (templates/levers.csv).",
            {
                "initiative_id": Field("id", "The initiative (initiatives.csv)", True),
                "lever": Field("lever", "What it changes: " + ", ".join(LEVERS), True),
                "value": Field("number", "Expected value; its meaning depends on the lever", True),
                "low": Field("number", "Pessimistic value (default: the engagement's default range)"),
                "high": Field("number", "Optimistic value"),
                "reason": Field("text", "Contact reason or service in scope (blank: all contacts)"),
                "channel": Field("channel", "Channel in scope (channel_shift: the channel contacts leave; blank: all)"),
                "to_channel": Field("channel", "channel_shift only: the channel contacts move to"),
                "segment": Field("text", "channel_shift only: the segment in scope (blank: everyone)"),
                "source": Field("text", "Where the estimate comes from", free_text=True),
                "price_year": Field(
                    "count", "other_saving only: year whose prices the value is in (default: the price base year)"
                ),
            },
        ),
        InputSpec(
            "stakeholders",
            "The stakeholder map: one row per stakeholder group (templates/stakeholders.csv).",
            {
                "group_id": Field("id", "Short unique id, e.g. G01", True),
                "group": Field("text", "Name of the group", True, free_text=True),
                "category": Field("stakeholder_category", "Main hat: " + ", ".join(STAKEHOLDER_CATEGORIES), True),
                "hats": Field("id_list", "Other categories the group also belongs to, separated by semicolons"),
                "priority": Field("priority", "high, medium or low"),
                "interest": Field("level", "Interest in the service, 1-5"),
                "influence": Field("level", "Influence over the service, 1-5"),
                "objective": Field("text", "Outcome-based objective (for target customers)", free_text=True),
                "represents": Field("id_list", "For representatives and experts: the groups they speak for"),
            },
            key=("group_id",),
        ),
        InputSpec(
            "segment_names",
            "Names, pen portraits and objectives the workshop gives the data-driven segments.",
            {
                "segment": Field("id", "Segment number", True),
                "name": Field("text", "Name the room gave the segment", free_text=True),
                "pen_portrait": Field("text", "A short description of a typical member", free_text=True),
                "objective": Field("text", "Outcome-based objective for the segment", free_text=True),
            },
            key=("segment",),
        ),
        InputSpec(
            "self_assessment",
            "Workshop answers: one row per participant and maturity dimension.",
            {
                "participant": Field("text", "Who answered", True),
                "role": Field("text", "Their role"),
                "dimension_id": Field("id", "Maturity dimension id (templates/maturity_model.yaml)", True),
                "current_level": Field("level", "Where the organisation is now, 1-5", True),
                "target_level": Field("level", "Where it should be, 1-5", True),
                "evidence": Field("text", "Evidence behind the score", free_text=True),
                "model_version": Field("text", "Version of the maturity model the answer was given against"),
            },
            key=("participant", "dimension_id"),
        ),
        InputSpec(
            "consensus",
            "Scores the workshop agreed for a dimension, overriding the respondents' median.",
            {
                "dimension_id": Field("id", "Maturity dimension id", True),
                "current_level": Field("level", "Agreed current level, 1-5", True),
                "target_level": Field("level", "Agreed target level, 1-5", True),
                "rationale": Field("text", "Why the room agreed this score", True, free_text=True),
                "strengths": Field("text", "Strengths the room saw on this dimension, with their evidence", free_text=True),
                "areas_for_improvement": Field("text", "Areas for improvement the room agreed on this dimension", free_text=True),
                "model_version": Field("text", "Version of the maturity model the score was agreed against"),
            },
            key=("dimension_id",),
        ),
        InputSpec(
            "assumptions",
            "Business-case assumptions the workshop changed (workbook 04 form); they override the defaults.",
            {
                "name": Field("id", "Assumption name, as in assumptions.csv", True),
                "value": Field("number", "Value the room agreed", True),
                "low": Field("number", "Pessimistic value"),
                "high": Field("number", "Optimistic value"),
                "note": Field("text", "Why the room changed it", free_text=True),
            },
            key=("name",),
        ),
        InputSpec(
            "backlog",
            "Road-map backlog scores the workshop gave (workbook 05 form); they override the computed ones.",
            {
                "id": Field("id", "Initiative or candidate id, as in backlog.csv", True),
                # the rules in full (and the form's choices): cxmethods.methods.backlog_scores
                "value": Field("level", "Value score, a whole number 1 (little) to 5 (a lot)"),
                "effort": Field("number", "Effort in team-months, more than 0 and at most 120"),
                "confidence": Field("share", "Confidence in the estimates, above 0 and at most 1"),
                "reach": Field("number", "RICE: people or contacts reached a year"),
                "impact": Field("number", "RICE: impact per person: 0.25, 0.5, 1, 2 or 3"),
                "time_criticality": Field("level", "WSJF: cost of waiting, a whole number 1-5"),
                "risk_reduction": Field("level", "WSJF: risk reduced or opportunity enabled, a whole number 1-5"),
                "note": Field("text", "Why the room scored it so", free_text=True),
            },
            key=("id",),
        ),
        InputSpec(
            "quick_test",
            "The quick test: one yes/no answer per question (templates/quick_test.yaml).",
            {
                "question_id": Field("id", "Question id, e.g. q3", True),
                "answer": Field("yes_no", "For the organisation as a whole: yes or no", True),
                "team_answer": Field("yes_no", "For your own team or local group: yes or no"),
                "note": Field("text", "What the room said", free_text=True),
            },
            key=("question_id",),
        ),
        InputSpec(
            "role_checklist",
            "The role checklist: one answer per statement (templates/role_checklist.yaml).",
            {
                "statement_id": Field("id", "Statement id, e.g. decision_maker.2", True),
                "answer": Field("yes_partly_no", "yes, partly or no", True),
                "note": Field("text", "What the room said", free_text=True),
            },
            key=("statement_id",),
        ),
    )
}
