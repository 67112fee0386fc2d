"""The backlog's scores: what each may hold, in one place for the form, the answers file's reader and a web room.

Every score the workshop gives a backlog row (``workshop.backlog``) has one rule here:

- ``value``, ``time_criticality``, ``risk_reduction``: a whole score from 1 (little) to 5 (a lot), the scale of
  an appraised initiative's value-for-money category (:data:`cxmethods.methods.backlog.VFM_SCORE`), so that WSJF's
  three parts add up on one scale;
- ``impact`` (RICE): one of Intercom's five levels, 0.25 (minimal) to 3 (massive);
- ``confidence``: a share above 0 and at most 1 (0.8 for 80%); the form offers high (100%), medium (80%), low (50%)
  and a guess (30%): below ``settings.roadmap.min_confidence`` (50%) an initiative waits and sees;
- ``effort``: team-months, more than 0 and at most 120 (ten years of one team: more is a programme, not an
  initiative);
- ``reach`` (RICE): people or contacts a year, 0 to 100 million.

An empty value means "not scored". Columns the rules do not know (a ``weighted`` method's own criteria) need only
be numbers.

>>> check_backlog_score("value", "7")
'value must be a whole score from 1 to 5; got 7.'
>>> check_backlog_score("confidence", "80%") is None, parse_backlog_score("confidence", "80%")
(True, 0.8)
>>> [label for label, _ in backlog_score_choices("value_effort")["confidence"].choices]
['not scored', '100% · high', '80% · medium', '50% · low', '30% · a guess']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["SCORE_RULES", "ScoreRule", "backlog_score_choices", "check_backlog_score", "parse_backlog_score"]

#: What "not scored" looks like in a choice list and in the answers file.
NOT_SCORED = ("not scored", "")


@dataclass(frozen=True)
class ScoreRule:
    """What one backlog score may hold.

    Attributes
    ----------
    name : str
        The score (a column of the backlog and of its answers file).
    label : str
        Short label for a form.
    kind : {"choice", "number"}
        ``choice``: the form offers ``choices``; ``number``: a number box between ``low`` and ``high``.
    low, high : float
        The valid range (``low`` excluded when ``low_open``).
    choices : tuple of (label, text)
        What a form offers, ``("not scored", "")`` first; ``text`` is what the answers file holds.
    whole : bool
        Only whole numbers (the 1-5 scores).
    exact : bool
        Only the values in ``choices`` (RICE's impact levels).
    unit : str
        What the number counts, for help and messages.
    """

    name: str
    label: str
    kind: str
    low: float
    high: float
    choices: tuple[tuple[str, str], ...] = ()
    low_open: bool = False
    whole: bool = False
    exact: bool = False
    unit: str = ""

    @property
    def rule(self) -> str:
        """The rule in words, as messages and help say it."""
        if self.exact:
            return "one of " + ", ".join(t for _, t in self.choices if t)
        if self.whole:
            return f"a whole score from {self.low:g} to {self.high:g}"
        if self.name == "confidence":
            return "a share above 0 and at most 1 (0.8 for 80%)"
        above = "more than" if self.low_open else "at least"
        return f"{self.unit or 'a number'}: {above} {self.low:g} and at most {self.high:,.0f}"


_ONE_TO_FIVE = (NOT_SCORED, ("1 · little", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5 · a lot", "5"))

#: Each score's rule, in the order forms show them.
SCORE_RULES: dict[str, ScoreRule] = {
    "value": ScoreRule("value", "value", "choice", 1, 5, _ONE_TO_FIVE, whole=True),
    "reach": ScoreRule("reach", "reach", "number", 0, 1e8, unit="people or contacts a year"),
    "impact": ScoreRule(
        "impact",
        "impact",
        "choice",
        0.25,
        3,
        (
            NOT_SCORED,
            ("3 · massive", "3"),
            ("2 · high", "2"),
            ("1 · medium", "1"),
            ("0.5 · low", "0.5"),
            ("0.25 · minimal", "0.25"),
        ),
        exact=True,
    ),
    "time_criticality": ScoreRule("time_criticality", "time critical", "choice", 1, 5, _ONE_TO_FIVE, whole=True),
    "risk_reduction": ScoreRule("risk_reduction", "risk reduct.", "choice", 1, 5, _ONE_TO_FIVE, whole=True),
    "effort": ScoreRule("effort", "effort", "number", 0, 120, low_open=True, unit="team-months"),
    "confidence": ScoreRule(
        "confidence",
        "confidence",
        "choice",
        0,
        1,
        (NOT_SCORED, ("100% · high", "1"), ("80% · medium", "0.8"), ("50% · low", "0.5"), ("30% · a guess", "0.3")),
        low_open=True,
    ),
}

#: The scores each prioritisation method needs, in the order a form shows them.
METHOD_SCORES = {
    "value_effort": ("value", "effort", "confidence"),
    "rice": ("reach", "impact", "confidence", "effort"),
    "wsjf": ("value", "time_criticality", "risk_reduction", "effort", "confidence"),
}


def backlog_score_choices(method: str, weights: dict[str, float] | None = None) -> dict[str, ScoreRule]:
    """The scores the room gives under ``method``, each with its rule, in the order a form shows them.

    ``weighted`` scores with the columns it weights, then effort and confidence (the schedule uses both); a
    weighted column the rules do not know gets a number rule with no bounds.
    """
    names = METHOD_SCORES.get(method, (*(weights or {}), "effort", "confidence"))
    return {
        n: SCORE_RULES.get(n, ScoreRule(n, n.replace("_", " ")[:12], "number", -math.inf, math.inf)) for n in dict.fromkeys(names)
    }


def parse_backlog_score(score: str, value: object) -> float:
    """The score as a number (NaN when empty: not scored); raises ValueError when it is not a number.

    Accepts what people type: ``"0,8"`` for 0.8, ``"80%"`` for a confidence of 0.8.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", ".")
    if not text or text.lower() in ("nan", "<na>", "none", NOT_SCORED[0]):
        return math.nan
    if score == "confidence" and text.endswith("%"):
        return float(text[:-1]) / 100
    number = float(text)
    if math.isnan(number):
        return math.nan
    return number


def check_backlog_score(score: str, value: object) -> str | None:
    """One line saying why ``value`` cannot be ``score``'s (None when it can; empty means not scored and is fine).

    >>> check_backlog_score("effort", "0")
    'effort must be team-months: more than 0 and at most 120; got 0.'
    >>> check_backlog_score("effort", "eight")
    "effort must be a number (team-months: more than 0 and at most 120); got 'eight'."
    """
    rule = SCORE_RULES.get(score, ScoreRule(score, score, "number", -math.inf, math.inf))
    try:
        number = parse_backlog_score(score, value)
    except ValueError:
        return f"{score} must be a number ({rule.rule}); got {str(value).strip()!r}."
    if math.isnan(number):
        return None
    shown = f"{number:g}"
    if math.isinf(number):
        return f"{score} must be {rule.rule}; got {shown}."
    if rule.exact:
        ok = any(t and math.isclose(number, float(t)) for _, t in rule.choices)
    else:
        ok = (rule.low < number if rule.low_open else rule.low <= number) and number <= rule.high
        ok = ok and (not rule.whole or float(number).is_integer())
    return None if ok else f"{score} must be {rule.rule}; got {shown}."
