"""Tone of comments, chosen by what respondents themselves said, and the language each comment is in.

A general sentiment lexicon misreads public-service comments: "garden waste collection" and "parking fine" are
services, not feelings, and "I waited forty minutes before anyone answered" has no emotive word in it at all. This
module scores tone with a few candidate scorers and, when the comments come with a rating (the respondent's
overall satisfaction), keeps the one whose scores follow the ratings most closely (Spearman's rank correlation), and
says which and by how much (:func:`compare_scorers`):

- ``"VADER"``: the general-purpose lexicon and rules of Hutto and Gilbert (2014), as published.
- ``"AFINN"``: Nielsen's (2011) word list (AFINN-165), summed and put on VADER's -1 to 1 scale.
- ``"VADER with public-service phrases"`` (the default): VADER, plus AFINN for the words VADER lacks, plus a
  public-service layer (:data:`SERVICE_NOUNS` made neutral, :data:`FAILURE_PHRASES` and :data:`SUCCESS_PHRASES`
  scored, with negation), with "however" read as "but" (VADER's contrast rule: what follows counts more).

Each comment's language is detected first (:func:`detect_language`, py3langid's naive Bayes model, which ships in
its wheel): a comment not in English is not scored, since none of the scorers reads any other language. It is
labelled ``"not English"`` with its language, left out of the tone shares, and counted.

References: C.J. Hutto and E. Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media
Text", ICWSM 2014 (section 3: the lexicon; section 4: the rules, incl. "but" and negation; the -0.05/0.05 cut-offs
are from the package's README, "About the scoring"). F.A. Nielsen, "A new ANEW: evaluation of a word list for
sentiment analysis in microblogs", ESWC 2011 workshop (AFINN). M. Lui and T. Baldwin, "langid.py: An Off-the-shelf
Language Identification Tool", ACL 2012 (the model py3langid ships).
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from bisect import bisect_right
from functools import cached_property, lru_cache, partial
from typing import Any

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_int, check_type, parameter_error
from cxmethods.core.errors import CxmError
from cxmethods.core.parallel import map_parts

__all__ = [
    "COMPARE_SAMPLE",
    "DEFAULT_SCORER",
    "FAILURE_PHRASES",
    "MIN_RATED",
    "NOT_ENGLISH",
    "NOT_SCORED",
    "SCORERS",
    "SERVICE_NOUNS",
    "SUCCESS_PHRASES",
    "compare_scorers",
    "detect_language",
    "language_counts",
    "score",
    "tone",
]

NEGATIVE, POSITIVE = -0.05, 0.05  # VADER's recommended cut-offs for the compound score (its README, "About the scoring")
LABELS = ("negative", "neutral", "positive")
#: The label of a comment in another language: it is not scored, and is left out of the tone shares.
NOT_ENGLISH = "not English"
#: The label of an English comment left outside the random sample whose tone is scored (``tone(sample=...)``).
NOT_SCORED = "not scored"
DEFAULT_SCORER = "VADER with public-service phrases"
SCORERS = ("VADER", "AFINN", DEFAULT_SCORER)
#: Rated comments needed before the scorer is chosen by its agreement with the ratings; with fewer, the default is
#: kept. 30 pairs give a Spearman correlation a standard error of about 0.19 (1/sqrt(n-3)): enough to tell scorers
#: apart only when they differ a lot, which is when it matters.
MIN_RATED = 30
#: Most rated comments the scorers are compared on: above it, a random sample of this many (seed 0). The standard
#: error of a rank correlation on 20,000 pairs is under 0.01, finer than any difference that would change the choice.
COMPARE_SAMPLE = 20_000
_LANGUAGE_SURE = 0.5  # py3langid's normalised probability from which a non-English guess is believed (with the check below)
_ENGLISH_WORDS = 0.25  # a comment this share of whose words are common English words is English, whatever the model
_MIN_LETTERS = 12  # fewer letters than this: too short to tell the language, taken as English
_CHUNK = 20_000
_AFINN_TO_VADER = 0.8  # AFINN's -5..5 onto VADER's -4..4
_PHRASE = 2.0  # a service failure or success: as strong as a clearly emotive word in VADER ("bad" -2.5, "good" 1.9)
_N_SCALAR = -0.74  # VADER's own factor for a negated valence

_NUM = r"(?:\d+|a few|several|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety)"
_LONG_NUM = r"(?:\d{2,}|[1-9]\d*\s*(?:hours?|hrs?)|ten|fifteen|twenty|thirty|forty|fifty|sixty|ninety)"
_CONTACT = r"(?:called|rang|phoned|rung|chased|e-?mailed|emailed|written|wrote|reported|asked|contacted|visited|complained|been in|gone in|applied)"

#: Nouns naming a service or product whose word a general lexicon scores as a feeling ("waste" -1.8, "benefit" +2.0,
#: "credit" +1.6, "care" +2.2): in these compounds they are made neutral. Public-service and consumer-service terms,
#: from the service lists of UK councils and the US consumer-finance product names; extend with care.
SERVICE_NOUNS: tuple[str, ...] = (
    r"(?:garden|bulky|food|household|green|clinical|trade|hazardous|general|recycling)[- ]waste",
    r"waste (?:and recycling|collections?|bins?|services?|sites?|centres?|centers?|disposal|management|team|permits?)",
    r"(?:parking|penalty|library|late|court|speeding|traffic|bus lane|littering)[- ]fines?",
    r"fines? (?:notice|appeal)s?",
    r"penalty charges?(?: notices?)?",
    r"(?:council tax|service|care|standing|congestion|parking|late|overdraft|interest|finance|annual|bank|legal)[- ]charges?",
    r"(?:housing|child|disability|council tax|unemployment|sickness|carers?'?|incapacity|in-work|welfare)[- ]benefits?",
    r"benefits? (?:claims?|office|payments?|advice|team|system|cap|entitlement|letters?|forms?|application)",
    r"(?:universal|tax|pension|working tax|child tax|store)[- ]credits?",
    r"credit (?:reports?|reporting|cards?|scores?|files?|bureaus?|agenc(?:y|ies)|history|union|limits?|checks?|lines?|accounts?|repair|monitoring|inquir(?:y|ies)|profile)",
    r"(?:social|adult social|child|children's|foster|health|residential|home|intensive|respite|after|day|primary|urgent|customer)[- ]care",
    r"care (?:homes?|packages?|plans?|workers?|assessments?|leavers?|services?|providers?|team)",
    r"free (?:school meals|bus pass(?:es)?|prescriptions?|parking|trial|period)",
    r"interest (?:rates?|charges?|payments?|only)",
    r"(?:mortgage|loan|late|accrued|compound|deferred)[- ]interest",
    r"(?:fire|emergency|crisis|security|protection|support|help|trust|justice)[- ](?:service|services|station|brigade|alarms?|doors?|exits?|safety|team|teams|fund|loans?|payments?|repairs?|housing|accommodation|deposits?|numbers?|questions?|plans?|orders?|workers?|line|desk|officers?|department)",
    r"(?:housing|nhs|health|hospital|foundation|community|land)[- ]trusts?",
    r"(?:death|birth|marriage)[- ]certificates?",
    r"dead (?:animals?|birds?|foxes?)",
    r"(?:help|support|advice)[- ]?(?:line|desk)s?",
    r"(?:social security|security deposit)",
    r"credit(?!\s+to\b)",  # the product or payment ("my credit", "tax credit"), not praise ("credit to the team")
)
#: Service failures, wherever they are said, scored as clearly negative: long waits, no one answering or coming,
#: chasing, repeated contact, having to ring or come in, things lost or broken or still not done, systems that fail,
#: no way to use the channel. Negated ("I never had to chase", "without having to ring") they turn mildly positive.
FAILURE_PHRASES: tuple[str, ...] = (
    rf"wait(?:ed|ing)?(?: for)?(?: over| more than| nearly| almost| about| around| at least| an? extra)? {_LONG_NUM}(?: \w+)? (?:minutes?|mins?)",
    rf"wait(?:ed|ing)?(?: for)?(?: over| more than| nearly| almost| about| around| at least)? (?:{_NUM}|an?) (?:hours?|days?|weeks?|months?|years?)",
    r"(?:wait(?:ed|ing)?|been|left|ignored|out|broken) (?:for )?(?:ages|weeks|months|years|days on end)",
    r"(?:still|again) (?:waiting|not|no|nothing|missed|broken|has(?:n't| not)|have(?:n't| not)|hasn't|haven't|unresolved)",
    r"(?:no ?(?:-| )?one|nobody|no-one|none of them)(?: \S+){0,4}? (?:has |had |have |ever |even |actually )?(?:answer|answered|answers|came|come|comes|call(?:ed|s)? back|rang back|rings back|replied|repl(?:y|ies)|respond(?:ed|s)?|got back|gets back|told|tells|knew|knows|turned up|shows? up|showed up|returned|returns|bothered|helped|helps|listens?|listened|picks? up|picked up|seems? to know|could tell|could help|followed up)",
    r"never (?:had|got|received|heard|get|have) (?:a |any )?(?:reply|replies|response|answer|call ?back|word|update)|never (?:any|anyone|anybody|enough)|never (?:answered|came|turned up|got back|heard back|heard anything|replied|called back|rang back|arrived|received|showed up|bothered|followed up|responded|fixed|sorted)",
    r"(?:chased|chasing|chase up|had to chase)",
    rf"{_CONTACT}(?: \S+){{0,5}}? (?:{_NUM}|several|many|multiple|countless|numerous|umpteen) times",
    rf"{_CONTACT}(?: \S+){{0,3}}? (?:repeatedly|again and again|over and over|time after time|time and again)",
    r"(?:every|each) time (?:i|we) (?:call|called|ring|rang|phone|phoned|contact|contacted|come|came|go|went)",
    r"(?:had|have|having|has) to (?:ring|call|phone|chase|come in|come back|go in|go back|go down|visit|write|e-?mail|explain|repeat|tell|start again|start over|fill (?:it|the form|everything) (?:in|out) again|wait|take (?:time|a day) off|complain|keep|ask again|pay again|re-?apply|resubmit|send)",
    r"lost (?:my|our|the|his|her|their|all)",
    r"(?:kept|keeps|keep) (?:on )?(?:timing out|crashing|failing|freezing|logging (?:me|us) out|cutting (?:me|us)? ?off|hanging up|losing|erroring|saying|asking|sending|putting (?:me|us) on hold)",
    r"(?:timed|timing|times) out|crash(?:ed|es|ing)|logged (?:me|us) out|error messages?|(?:went|goes|line) dead|cut (?:me|us)? ?off|hung up|put (?:me|us) on hold|on hold for",
    r"(?:not|isn't|wasn't|doesn't|didn't|won't|never) (?:work|working|load|loading|working properly|go through|went through)",
    r"(?:am|i'm|are|is|not|never|don't go|can't get|cannot get|couldn't get) (?:not )?online|no (?:internet|computer|smartphone|broadband)|(?:can't|cannot|couldn't|don't know how to) use (?:a |the )?(?:computer|internet|website|app|online)",
    r"(?:could not|couldn't|can't|cannot|unable to|impossible to|no way to) (?:get through|understand|explain|find|log ?in|get an answer|speak to|talk to|reach|contact|book|pay|use|get hold|get help|get anyone|make sense|follow)",
    r"no (?:reply|replies|response|answer|answers|update|updates|callback|call back|word|explanation|interpreter|translator|help|support|information|feedback|acknowledg(?:e)?ment|record|progress|action|one there)",
    r"(?:made|makes|make|making) no sense|(?:didn't|doesn't|did not|does not) make (?:any )?sense|no sense",
    r"(?:tells?|told|says?|said|gives?|gave) (?:you |me |us )?(?:something|a) (?:different|new)\b",
    r"(?:skipped|skips|skip|forgot|forgotten|missed out) (?:our|my|the) (?:street|road|house|bin|collection|close|block)",
    r"(?:different|conflicting|contradictory|wrong) (?:answers?|information|advice|story|stories|letters?|amounts?|bills?)",
    r"(?:passed|pushed|sent|bounced) (?:me |us )?(?:from|between|around|back and forth|round in circles|from pillar to post)",
    rf"(?:{_NUM}|several|many) (?:weeks|months|times) (?:running|in a row|later|on)",
    r"(?:weeks|months|years) later",
    r"(?:has|have|had) (?:been|gone) (?:missed|ignored|left|broken|out|overlooked|lost|cancelled|delayed|closed)",
    r"(?:missed|cancelled|delayed|late|overdue|lost|wrong) (?:again|appointment|collection|payment|letter|repair|bin|delivery)",
    r"nothing (?:is|was|has been|gets|got|ever gets|seems to be|happens|happened|changed|changes) (?:done|sorted|fixed|changed|happening)?",
    r"still (?:there|outstanding|missing|unresolved|happening|broken|leaking|blocked|the same|going on|open|unpaid)",
    r"(?:still|yet to|not yet|never been) (?:fixed|sorted|resolved|repaired|done|paid|refunded|heard|received|answered|replied|collected|returned|processed)",
    r"(?:not|never|wasn't|weren't|isn't) (?:told|informed|updated|kept informed|contacted|called back|consulted|listened to)",
    r"tell (?:my|our|the) story again|(?:start|started|starting) (?:all )?over again|from scratch",
)
#: Service done well: fixed or sorted quickly or first time, someone who knew what to do, kept the person informed,
#: explained, went the extra mile, made a difference; easy and quick to do. Negated, they turn negative.
SUCCESS_PHRASES: tuple[str, ...] = (
    r"(?:sorted|fixed|resolved|repaired|mended|filled|cleared|collected|replaced|done|dealt with|picked up|delivered|arrived|came|approved|processed|paid|answered|returned|refunded|renewed|booked|issued|removed|cleaned|came round|came out|turned up|working again|back on)\b[^.;!?]{0,60}?\b(?:within (?:a|an|one|two|three|\d+) (?:hours?|days?|weeks?)|the same day|the next day|the following day|next morning|straight away|right away|immediately|promptly|quickly|on time|first time|in one go|in (?:a|one) (?:call|visit|go)|in (?:no time|minutes)|the day after|a day later|by (?:the )?(?:next|following|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end of the (?:day|week)))",
    r"(?:quicker|sooner|faster|better|easier|earlier) than (?:i |we )?(?:expected|thought|hoped|feared|imagined)",
    r"made (?:all |a |such a |the )?(?:the |a |real |big |huge )?(?:difference|change)",
    r"knew (?:exactly|just|straight away|immediately)|knew what (?:to do|they were doing|was needed)|knew (?:their|his|her) stuff",
    r"(?:explained|went through) (?:everything|it all|it clearly|things clearly|clearly|properly|the options|what to do|each step)",
    r"step by step",
    r"how (?:fast|quickly|promptly|efficiently|easily)|(?:so|very|really|incredibly|amazingly) (?:fast|quickly|promptly|efficiently|prompt)",
    r"kept (?:me|us) (?:informed|updated|posted|in the loop)",
    r"(?:called|rang|phoned|got|came|wrote|emailed) (?:me |us )?back (?:for|to|the same|the next|within|quickly|promptly|straight)|came back (?:for|to)",
    r"(?:went|going|goes) (?:above and beyond|the extra mile|out of (?:his|her|their|the) way)",
    r"without (?:any )?(?:fuss|hassle|problems?|trouble|delay|difficulty|issues?)|no (?:fuss|hassle|problems? at all|trouble at all|delay)",
    r"took (?:only |just |less than |under |about |around )?(?:a few|a couple of|one|two|three|four|five|ten|\d) (?:minutes?|mins?)",
    r"(?:was|is|were|are|so|very|really|quite|nice and|dead) (?:simple|quick|easy|straightforward|painless|smooth|hassle-free|seamless)",
    r"(?:easy|simple|quick|straightforward) to (?:use|do|find|book|report|pay|apply|fill|follow|understand|get)",
    r"(?:sorted|fixed|resolved|dealt with) (?:it |everything |the problem |the issue )?(?:for me|for us|on the spot|there and then)",
)
#: Words a general lexicon lacks or misreads in service comments (VADER-scale valence), beyond AFINN's.
_WORDS = {
    "patient": 1.5,
    "helped": 1.7,
    "polite": 1.6,
    "courteous": 1.8,
    "knowledgeable": 1.8,
    "reassuring": 1.6,
    "sorted": 1.0,
    "unhelpful": -2.0,
    "incorrect": -1.5,
    "inaccurate": -1.5,
    "confusing": -1.5,
    "hassle": -1.5,
    "fuss": -0.8,
    "overcharged": -2.0,
    "unanswered": -1.5,
    "ignored": -1.8,
    "chased": -1.5,
    "fobbed": -2.0,
    "runaround": -2.0,
    "shambles": -2.5,
    "incompetent": -2.5,
    "appalling": -3.0,
    "shocking": -2.0,
    # a request, not a compliment ("Please sort it out"): VADER's +1.3 reads every plea for help as praise
    "please": 0.0,
    # a transaction, not a grievance ("I pay my rent online"): VADER -0.4, AFINN -1
    "pay": 0.0,
}
_NEGATORS = frozenset(
    "not no never without didn't didnt don't dont doesn't doesnt wasn't wasnt weren't isn't isnt hardly barely "
    "nobody none haven't hasn't hadn't won't can't cannot couldn't wouldn't shouldn't".split()
)
_CONTRAST = re.compile(r"\bhowever\b", re.IGNORECASE)
# the name of a law ("Fair Credit Reporting Act", "Care Act 2014") says nothing of how the writer feels
_STATUTE = re.compile(r"\b(?:[A-Z][\w'-]*\s+(?:of\s+|and\s+|the\s+)?){1,7}Act\b")


def _compile(patterns: tuple[str, ...], flags: int = re.IGNORECASE) -> re.Pattern:
    return re.compile(r"(?<![\w'-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w'])", flags)


_NOUNS, _FAILURE, _SUCCESS = _compile(SERVICE_NOUNS), _compile(FAILURE_PHRASES), _compile(SUCCESS_PHRASES)
# The same, case-sensitive, for the lower-cased copy of an ASCII text (the phrases are written in lower case): what
# they match there is what the case-insensitive ones match in the text, at the same places (lower-casing ASCII keeps
# every character where it was), about three times faster, since a case-sensitive alternative whose first letter
# is not the one at hand is passed over at once.
_NOUNS_LOW, _FAILURE_LOW, _SUCCESS_LOW = (_compile(p, 0) for p in (SERVICE_NOUNS, FAILURE_PHRASES, SUCCESS_PHRASES))


def _joined(text: str) -> str:
    """A phrase made one token that is in no lexicon ("garden waste" -> "garden_waste")."""
    return _SPACES.sub("_", text)


_SPACES = re.compile(r"[\s-]+")


def _service_text(text: str) -> tuple[str, str | None]:
    """``text`` with statutes and service nouns made single neutral tokens and "however" read as "but"; and its
    lower-cased copy when it is ASCII (None otherwise), for :data:`_SUCCESS_LOW` and :data:`_FAILURE_LOW`."""
    ascii_only = text.isascii()
    if not ascii_only or "Act" in text:  # (every statute the pattern matches ends in "Act")
        text = _STATUTE.sub(lambda m: _joined(m.group(0)), text)
    if ascii_only:
        low = text.lower()
        parts, last = [], 0
        for m in _NOUNS_LOW.finditer(low):
            parts += [text[last : m.start()], _joined(text[m.start() : m.end()])]
            last = m.end()
        if parts:
            text = "".join(parts) + text[last:]
            low = text.lower()
        if "however" in low:
            text = _CONTRAST.sub("but", text)
            low = text.lower()
        return text, low
    text = _NOUNS.sub(lambda m: _joined(m.group(0)), text)
    return _CONTRAST.sub("but", text), None


_TOKEN = re.compile(r"\S+")


@lru_cache(maxsize=1)
def _afinn() -> dict[str, float]:
    """AFINN-165's single words and their scores (-5 to 5), from the afinn package's own data file."""
    from afinn import Afinn

    return {word: float(value) for word, value in Afinn()._dict.items() if " " not in word}


@lru_cache(maxsize=1)
def _fast_vader() -> type:
    """VADER's analyzer with its per-word rules computed from one lower-cased copy of the words of a text.

    VADER 3.3.2 lower-cases every word of a text again for each of the up to three words it looks back from each
    lexicon word (``_negation_check``, ``_special_idioms_check``): the time grows with the square of a comment's
    length, and a 500-character comment is lower-cased some 400 times. This subclass gives the same scores, rule for
    rule (tests/test_tone.py compares it with the published analyzer), with the words lower-cased once per text."""
    from vaderSentiment.vaderSentiment import (
        BOOSTER_DICT,
        C_INCR,
        N_SCALAR,
        NEGATE,
        SPECIAL_CASES,
        SentimentIntensityAnalyzer,
        SentiText,
        scalar_inc_dec,
    )

    negate = frozenset(NEGATE)
    punctuation = string.punctuation

    class _Text(SentiText):
        def _words_and_emoticons(self):  # SentiText's, without a call per word
            return [s if len(s := w.strip(punctuation)) > 2 else w for w in self.text.split()]

    def negated(word: str) -> bool:  # vaderSentiment.negated([word]) of a lower-cased word
        return word in negate or "n't" in word

    class _Fast(SentimentIntensityAnalyzer):
        Text = _Text

        def polarity_scores(self, text):
            if not text.isascii() or self._ascii_emojis:  # emojis to their descriptions first, as VADER does
                return super().polarity_scores(text)
            text = text.strip()  # (what VADER's emoji pass leaves of a text with none)
            sentitext = _Text(text)
            words = sentitext.words_and_emoticons
            lexicon = self.lexicon
            sentiments = []
            for i, item in enumerate(words):
                lower = item.lower()
                if lower in BOOSTER_DICT or (i < len(words) - 1 and lower == "kind" and words[i + 1].lower() == "of"):
                    sentiments.append(0)
                elif lower not in lexicon:  # what sentiment_valence gives a word in no lexicon: the 0 it was passed
                    sentiments.append(0)
                else:
                    sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
            sentiments = self._but_check(words, sentiments)
            return self.score_valence(sentiments, text)

        @cached_property
        def _ascii_emojis(self) -> bool:
            return any(len(e) == 1 and e.isascii() for e in self.emojis)

        def sentiment_valence(self, valence, sentitext, item, i, sentiments):
            words = sentitext.words_and_emoticons
            lower = sentitext.__dict__.get("_lower")
            if lower is None or len(lower) != len(words):
                lower = sentitext._lower = [str(w).lower() for w in words]
            lexicon = self.lexicon
            item_lowercase = item.lower()
            if item_lowercase in lexicon:
                is_cap_diff = sentitext.is_cap_diff
                valence = lexicon[item_lowercase]
                if item_lowercase == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
                    valence = 0.0
                if (
                    (i > 0 and lower[i - 1] == "no")
                    or (i > 1 and lower[i - 2] == "no")
                    or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
                ):
                    valence = lexicon[item_lowercase] * N_SCALAR
                if item.isupper() and is_cap_diff:
                    valence = valence + C_INCR if valence > 0 else valence - C_INCR
                for start_i in range(0, 3):
                    if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                        s = scalar_inc_dec(words[i - (start_i + 1)], valence, is_cap_diff)
                        if start_i == 1 and s != 0:
                            s = s * 0.95
                        if start_i == 2 and s != 0:
                            s = s * 0.9
                        valence = valence + s
                        valence = _negation(valence, lower, start_i, i)
                        if start_i == 2:
                            valence = _idioms(valence, lower, i)
                valence = self._least_check(valence, words, i)
            sentiments.append(valence)
            return sentiments

    def _negation(valence: float, lower: list[str], start_i: int, i: int) -> float:
        if start_i == 0:
            if negated(lower[i - 1]):
                valence = valence * N_SCALAR
        if start_i == 1:
            if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
                valence = valence * 1.25
            elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
                pass
            elif negated(lower[i - 2]):
                valence = valence * N_SCALAR
        if start_i == 2:
            if (lower[i - 3] == "never" and (lower[i - 2] == "so" or lower[i - 2] == "this")) or (
                lower[i - 1] == "so" or lower[i - 1] == "this"
            ):
                valence = valence * 1.25
            elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
                pass
            elif negated(lower[i - 3]):
                valence = valence * N_SCALAR
        return valence

    def _idioms(valence: float, lower: list[str], i: int) -> float:
        onezero = f"{lower[i - 1]} {lower[i]}"
        twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
        twoone = f"{lower[i - 2]} {lower[i - 1]}"
        threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
        threetwo = f"{lower[i - 3]} {lower[i - 2]}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in SPECIAL_CASES:
                valence = SPECIAL_CASES[seq]
                break
        if len(lower) - 1 > i:
            zeroone = f"{lower[i]} {lower[i + 1]}"
            if zeroone in SPECIAL_CASES:
                valence = SPECIAL_CASES[zeroone]
        if len(lower) - 1 > i + 1:
            zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
            if zeroonetwo in SPECIAL_CASES:
                valence = SPECIAL_CASES[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in BOOSTER_DICT:
                valence = valence + BOOSTER_DICT[n_gram]
        return valence

    return _Fast


@lru_cache(maxsize=1)
def _vader():
    """VADER as published (its lexicon and rules), computed as :func:`_fast_vader` does."""
    return _fast_vader()()


@lru_cache(maxsize=1)
def _service():
    """VADER with the public-service layer (a subclass, so VADER's own analyzer is left as published)."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT

    vader: Any = _fast_vader()

    class _Service(vader):
        def __init__(self) -> None:
            super().__init__()
            lexicon: dict[str, float] = dict(self.lexicon)  # type: ignore[has-type]
            for word, value in _afinn().items():
                lexicon.setdefault(word, value * _AFINN_TO_VADER)
            lexicon.update(_WORDS)
            self.lexicon = lexicon

        def polarity_scores(self, text: str) -> dict:
            text, low = _service_text(text)
            starts = [m.start() for m in _TOKEN.finditer(text)]
            sentitext = self.Text(text)
            words = sentitext.words_and_emoticons
            sentiments: list[float] = []
            lexicon = self.lexicon
            for i, item in enumerate(words):
                lower = item.lower()
                if lower in BOOSTER_DICT or (lower == "kind" and i + 1 < len(words) and words[i + 1].lower() == "of"):
                    sentiments.append(0.0)
                elif lower not in lexicon:  # what sentiment_valence gives a word in no lexicon: the 0 it was passed
                    sentiments.append(0)
                else:
                    sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
            if len(sentiments) != len(starts):  # VADER tokenises on whitespace too; never expected to differ
                return super().polarity_scores(text)
            lowered = [w.lower() for w in words]
            success, failure = (_SUCCESS_LOW, _FAILURE_LOW) if low is not None else (_SUCCESS, _FAILURE)
            done = [(m.start(), m.end()) for m in success.finditer(low if low is not None else text)]
            failed = [
                m.start()
                for m in failure.finditer(low if low is not None else text)
                if not any(a <= m.start() < b for a, b in done)
            ]
            # a failure inside a success is one put right ("came back for my missed bin the next day")
            for at_char, value in [(a, _PHRASE) for a, _ in done] + [(a, -_PHRASE) for a in failed]:
                at = max(0, bisect_right(starts, at_char) - 1)
                if any(w in _NEGATORS for w in lowered[max(0, at - 3) : at]):
                    value *= _N_SCALAR  # "I never had to chase", "not sorted first time"
                sentiments[at] += value
            if "but" in lowered:  # VADER's contrast rule, by position (its own uses a value's first occurrence)
                at = lowered.index("but")
                sentiments = [s * 0.5 if i < at else s * 1.5 if i > at else s for i, s in enumerate(sentiments)]
            return self.score_valence(sentiments, text)

    return _Service()


def _afinn_compound(text: str) -> float:
    """AFINN's sum over the words of ``text``, put on VADER's scale with VADER's normalisation (x / sqrt(x^2 + 15))."""
    words = _afinn()
    total = sum(words.get(w, 0.0) for w in re.findall(r"[a-z']+", text.lower())) * _AFINN_TO_VADER
    return round(total / math.sqrt(total * total + 15), 4) if total else 0.0


def score(texts: list[str], scorer: str = DEFAULT_SCORER) -> np.ndarray:
    """Each text's tone with one of :data:`SCORERS`: -1 most negative to 1 most positive.

    Examples
    --------
    >>> score(["Renewing the garden waste collection online took two minutes."]).round(2).tolist()
    [0.46]
    >>> score(["Renewing the garden waste collection online took two minutes."], "VADER").round(2).tolist()
    [-0.42]
    """
    if scorer not in SCORERS:
        raise parameter_error("scorer", "score", f"one of {', '.join(SCORERS)}", scorer)
    if scorer == "AFINN":
        return np.array([_afinn_compound(t) for t in texts], dtype=float)
    analyzer = _vader() if scorer == "VADER" else _service()
    return np.array([analyzer.polarity_scores(t)["compound"] for t in texts], dtype=float)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(w for w in ENGLISH_STOP_WORDS if len(w) > 1)


_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_WORDS_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
# at least _MIN_LETTERS letters, wherever they are (found without listing every letter)
# An ASCII text's letters lower-cased and everything else made a space: split, its words as _WORDS_RE finds them in
# its lower-cased copy (an ASCII text's letters are A-Z and a-z), several times faster than the pattern (tested)
_ASCII_WORDS = str.maketrans({chr(c): (chr(c).lower() if chr(c).isalpha() else " ") for c in range(128)})
_ENOUGH_LETTERS = re.compile(rf"[^\W\d_](?:[\W\d_]*[^\W\d_]){{{_MIN_LETTERS - 1}}}", re.UNICODE)


def _latin_share(text: str) -> float:
    """The share of the letters of ``text`` that are in the Latin alphabet."""
    letters = _LETTERS.findall(text)
    return (
        sum(unicodedata.name(c, "").startswith("LATIN") for c in letters) / len(letters) if letters else 1.0
    )  # no letters: nothing to tell


def detect_language(texts: list[str]) -> list[str | None]:
    """The language of each text: an ISO 639-1 code ("en", "pl", "ur"...), or None when it cannot be told.

    py3langid's model (Lui and Baldwin, 2012) gives each of its languages a probability. A text mostly in another
    script than the Latin alphabet (Arabic, Urdu, Bengali, Chinese...) is not English whatever its length. A text in
    the Latin alphabet is taken as not English when the model leans that way (probability at least 0.5) and under a
    quarter of its words are common English words (scikit-learn's English stop-word list): a short English comment
    can look like another language to a character model, never like one full of English function words (no
    false alarm in 930 English complaint types, descriptors and resolution notes of the NYC 311 and CFPB data). Texts
    with fewer than 12 letters ("OK", "Superb", a reference number) are too short to tell: None, scored as usual.

    Examples
    --------
    >>> detect_language(["Nobody answered the phone for an hour.", "Nikt nie odbierał telefonu przez godzinę.", "OK", "شكرا"])
    ['en', 'pl', None, 'ar']
    """
    identifier, english = _identifier(), _english_words()
    out: list[str | None] = []
    for text in texts:
        # (an ASCII text's letters are all Latin: the share is 1 without looking at each)
        if not text.isascii() and _latin_share(text) < 0.5:  # mostly Arabic, Urdu, Chinese... script: not English
            out.append(identifier.classify(text)[0])
            continue
        if _ENOUGH_LETTERS.search(text) is None:
            out.append(None)
            continue
        # a text with a quarter of its words common English ones is English whatever the model says: the model (the
        # slow part) is asked only about the others
        words = text.translate(_ASCII_WORDS).split() if text.isascii() else _WORDS_RE.findall(text.lower())
        if words and sum(map(english.__contains__, words)) / len(words) < _ENGLISH_WORDS:
            language, probability = identifier.classify(text)
            if language != "en" and probability >= _LANGUAGE_SURE:
                out.append(language)
                continue
        out.append("en")
    return out


def compare_scorers(texts: pd.Series, ratings: pd.Series) -> pd.DataFrame:
    """How closely each scorer's tone follows the ratings the same people gave: the measure the scorer is chosen by.

    Parameters
    ----------
    texts : pandas.Series
        Comments in English (others are the caller's to leave out).
    ratings : pandas.Series
        The rating each commenter gave (e.g. overall satisfaction), on the index of ``texts``; missing ones
        (no answer, "don't know") leave that comment out of the measure.

    Returns
    -------
    pandas.DataFrame
        One row per scorer of :data:`SCORERS`, best first: ``scorer``, ``comments`` (rated comments measured on),
        ``spearman`` (rank correlation of tone and rating, scipy.stats.spearmanr; missing when either is constant),
        ``share_negative_low`` (of comments rated in the lowest third of the scale used, the share scored negative),
        ``share_positive_high`` (of those in the highest third, the share scored positive) and ``chosen``.
        With fewer than :data:`MIN_RATED` rated comments, or when no scorer's correlation is above 0 (a scale where 1
        is best, or a rating unrelated to tone), the default scorer is chosen, whatever the figures.
    """
    check_type(texts, "texts", "compare_scorers", pd.Series, "a pandas Series")
    check_type(ratings, "ratings", "compare_scorers", pd.Series, "a pandas Series")
    if not ratings.index.equals(texts.index):
        raise parameter_error("ratings", "compare_scorers", "on the index of the texts", "another index", as_text=True)
    present = texts.map(lambda t: isinstance(t, str) and t.strip() != "").to_numpy(dtype=bool)
    return _compare(texts, ratings, present)[0]


def _compare(
    texts: pd.Series, ratings: pd.Series, candidates: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray]]:
    """:func:`compare_scorers` on the ``candidates`` (a mask of texts with text), with the positions in ``texts`` of
    the comments measured on and each scorer's scores of them (which :func:`tone` keeps rather than scoring those
    comments again). Taking a mask rather than a subset spares a copy of every comment (an Arrow-backed column is
    copied whole by a boolean selection)."""
    from scipy.stats import spearmanr

    values = pd.to_numeric(ratings, errors="coerce").to_numpy(dtype=float)
    keep = ~np.isnan(values) & candidates
    where = np.flatnonzero(keep)
    if len(where) > COMPARE_SAMPLE:  # a seeded sample measures the correlation to +-0.01 at a bounded cost
        where = np.sort(np.random.default_rng(0).choice(where, COMPARE_SAMPLE, replace=False))
    body, rated = _texts_at(texts, where), values[where]
    low, high = np.quantile(rated, [1 / 3, 2 / 3]) if len(rated) else (np.nan, np.nan)
    rows, scored = [], {}
    for name in SCORERS:
        s = scored[name] = score(body, name)
        rho = float(spearmanr(s, rated).statistic) if len(rated) > 2 and np.ptp(s) > 0 and np.ptp(rated) > 0 else np.nan
        bottom, top = rated <= low, rated >= high
        rows.append(
            {
                "scorer": name,
                "comments": len(rated),
                "spearman": rho,
                "share_negative_low": float((s[bottom] < NEGATIVE).mean()) if bottom.any() else np.nan,
                "share_positive_high": float((s[top] > POSITIVE).mean()) if top.any() else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    order = table["spearman"].fillna(-np.inf).to_numpy()
    # best first; ties keep the order of SCORERS reversed, so the default wins a tie
    table = table.iloc[np.lexsort((-np.arange(len(table)), -order))].reset_index(drop=True)
    # a best correlation at or below 0 says the rating runs the other way (1 = best) or says nothing of tone: keep the default
    best = table["scorer"].iloc[0] if len(rated) >= MIN_RATED and np.isfinite(order.max()) and order.max() > 0 else DEFAULT_SCORER
    table["chosen"] = table["scorer"] == best
    return table, where, scored


def _texts_at(texts: pd.Series, positions: np.ndarray, span: int = _CHUNK) -> list[str]:
    """The texts at ``positions`` (sorted), gathered a slice of ``span`` rows at a time. A selection by position
    over an Arrow-backed column (``texts.iloc[positions]``) would first join its chunks, copying every text in it
    (a million comments: ~500 MB, once per call); a slice is a view."""
    out: list[str] = []
    if not len(positions):
        return out
    for start in range(int(positions[0]) - int(positions[0]) % span, int(positions[-1]) + 1, span):
        lo, hi = np.searchsorted(positions, [start, start + span])
        if hi > lo:
            out += texts.iloc[start : start + span].to_numpy(dtype=object)[positions[lo:hi] - start].tolist()
    return out


def tone(
    texts: pd.Series,
    *,
    ratings: pd.Series | None = None,
    scorer: str | None = None,
    chunk: int = _CHUNK,
    workers: int = 1,
    sample: int | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """The tone and language of each comment, with the scorer chosen by the ratings when there are enough.

    Parameters
    ----------
    texts : pandas.Series
        Free text (raw or redacted: no text is returned).
    ratings : pandas.Series, optional
        Each commenter's rating on the index of ``texts`` (overall satisfaction, where the comment comes with
        one): the scorer is then chosen by :func:`compare_scorers` on the English comments.
    scorer : str, optional
        One of :data:`SCORERS`, to skip the choice; default: chosen by the ratings, else :data:`DEFAULT_SCORER`.
    chunk : int, default 20,000
        Texts handled at a time (the result does not depend on it).
    workers : int, default 1
        Processes that detect the languages and score the comments, a part each at a time
        (:func:`cxmethods.core.parallel.map_parts`; the result does not depend on it). The scorers are compared in
        this one.
    sample : int, optional
        Most English comments to score: above it, a random sample of this many (seeded by ``random_state``, and
        including the comments the scorers were compared on); the others are labelled :data:`NOT_SCORED`. Every
        comment's language is still told. None: score them all.
    random_state : int
        Seed of the sample.

    Returns
    -------
    pandas.DataFrame
        On the index of ``texts``: ``compound`` (-1 to 1; missing for empty texts and for comments not in English),
        ``label`` ("negative" below -0.05, "positive" above 0.05, else "neutral"; :data:`NOT_ENGLISH` for another
        language; missing for empty texts) and ``language`` (ISO 639-1 code; missing when empty or too short to
        tell). ``attrs``: ``scorer`` (the one used), ``scorers`` (the :func:`compare_scorers` table, or None) and
        ``sampled`` (``(scored, English comments)`` when only a sample was scored, else None).

    Examples
    --------
    >>> t = tone(pd.Series(["I waited forty minutes before anyone answered.", "Sorted in one go, thank you.",
    ...                     "Czekałem godzinę i nikt nie odebrał telefonu."]))
    >>> t["label"].tolist(), t["language"].tolist()
    (['negative', 'positive', 'not English'], ['en', 'en', 'pl'])
    """
    check_type(texts, "texts", "tone", pd.Series, "a pandas Series")
    check_int(chunk, "chunk", "tone", low=1)
    check_int(workers, "workers", "tone", low=1)
    if sample is not None:
        check_int(sample, "sample", "tone", low=1)
    if scorer is not None and scorer not in SCORERS:
        raise parameter_error("scorer", "tone", f"one of {', '.join(SCORERS)}", scorer)
    n = len(texts)
    language = np.full(n, None, dtype=object)
    present = np.zeros(n, dtype=bool)
    if workers > 1:  # parts small enough that every worker has several
        chunk = min(chunk, max(1_000, -(-n // (4 * workers))))
    positions: list[np.ndarray] = []

    def present_texts():
        for start in range(0, n, chunk):
            values = texts.iloc[start : start + chunk].to_numpy(dtype=object)
            keep = np.array([isinstance(v, str) and v.strip() != "" for v in values], dtype=bool)
            present[start : start + len(values)] = keep
            positions.append(start + np.flatnonzero(keep))
            yield values[keep].tolist()

    for i, found in enumerate(map_parts(detect_language, present_texts(), workers)):
        language[positions[i]] = found
    english = present & np.array([lang in ("en", None) for lang in language], dtype=bool)
    table = None
    if scorer is None:
        scorer = DEFAULT_SCORER
        if ratings is not None:
            check_type(ratings, "ratings", "tone", pd.Series, "a pandas Series")
            if len(ratings) != n:
                raise parameter_error("ratings", "tone", f"one rating per text ({n})", f"{len(ratings)} values", as_text=True)
            rated = pd.Series(ratings.to_numpy(), index=texts.index)
            table, measured, scored = _compare(texts, rated, english)
            scorer = str(table.loc[table["chosen"], "scorer"].iloc[0])
    scores = np.full(n, np.nan)
    where = np.flatnonzero(english)
    sampled = None
    if table is not None and len(measured):  # the comments the scorers were compared on keep the chosen one's scores
        scores[measured] = scored[scorer]
        where = np.setdiff1d(where, measured, assume_unique=True)
    if sample is not None and np.count_nonzero(english) > sample:
        # a seeded sample of the rest, so that those already scored and these make `sample` in all
        take = max(0, sample - (len(measured) if table is not None else 0))
        where = np.sort(np.random.default_rng(random_state).choice(where, size=min(take, len(where)), replace=False))
        sampled = (int(np.count_nonzero(~np.isnan(scores[english])) + len(where)), int(np.count_nonzero(english)))
    starts = range(0, len(where), chunk)
    parts = (_texts_at(texts, where[start : start + chunk]) for start in starts)
    for start, values in zip(starts, map_parts(partial(score, scorer=scorer), parts, workers), strict=True):
        scores[where[start : start + chunk]] = values
    label = np.full(n, None, dtype=object)
    label[english] = np.where(scores[english] < NEGATIVE, "negative", np.where(scores[english] > POSITIVE, "positive", "neutral"))
    label[english & np.isnan(scores)] = NOT_SCORED
    label[present & ~english] = NOT_ENGLISH
    out = pd.DataFrame({"compound": scores, "label": label, "language": language}, index=texts.index)
    out.attrs.update(scorer=scorer, scorers=table, sampled=sampled)
    return out


def language_counts(labels: pd.DataFrame) -> pd.DataFrame:
    """Comments by language, from :func:`tone`: ``language`` (its English name), ``code``, ``comments``, ``share``
    (of the comments with text) and ``scored`` (whether their tone was measured: English only). English first."""
    check_type(labels, "labels", "language_counts", pd.DataFrame, "a DataFrame (from cxmethods.methods.tone.tone)")
    if not {"label", "language"} <= set(labels.columns):
        raise CxmError("language_counts needs the 'label' and 'language' columns of cxmethods.methods.tone.tone.")
    present = labels[labels["label"].notna()]
    code = present["language"].where(present["label"] == NOT_ENGLISH, "en").fillna("en")
    counts = code.value_counts(sort=False)
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    order = ["en", *[c for c in counts.index if c != "en"]] if "en" in counts.index else list(counts.index)
    counts = counts.reindex(order)
    total = max(1, int(counts.sum()))
    return pd.DataFrame(
        {
            "language": [LANGUAGE_NAMES.get(c, c) for c in counts.index],
            "code": list(counts.index),
            "comments": counts.to_numpy(dtype=int),
            "share": counts.to_numpy(dtype=float) / total,
            "scored": [c == "en" for c in counts.index],
        }
    )


#: English names of the languages py3langid knows (ISO 639-1), for tables and notes; a code not here is shown as is.
LANGUAGE_NAMES = {
    "af": "Afrikaans",
    "am": "Amharic",
    "an": "Aragonese",
    "ar": "Arabic",
    "as": "Assamese",
    "az": "Azerbaijani",
    "be": "Belarusian",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "br": "Breton",
    "bs": "Bosnian",
    "ca": "Catalan",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "dz": "Dzongkha",
    "el": "Greek",
    "en": "English",
    "eo": "Esperanto",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fo": "Faroese",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "gu": "Gujarati",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "ht": "Haitian Creole",
    "hu": "Hungarian",
    "hy": "Armenian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "jv": "Javanese",
    "ka": "Georgian",
    "kk": "Kazakh",
    "km": "Khmer",
    "kn": "Kannada",
    "ko": "Korean",
    "ku": "Kurdish",
    "ky": "Kyrgyz",
    "la": "Latin",
    "lb": "Luxembourgish",
    "lo": "Lao",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "mg": "Malagasy",
    "mk": "Macedonian",
    "ml": "Malayalam",
    "mn": "Mongolian",
    "mr": "Marathi",
    "ms": "Malay",
    "mt": "Maltese",
    "nb": "Norwegian",
    "ne": "Nepali",
    "nl": "Dutch",
    "nn": "Norwegian",
    "no": "Norwegian",
    "oc": "Occitan",
    "or": "Odia",
    "pa": "Punjabi",
    "pl": "Polish",
    "ps": "Pashto",
    "pt": "Portuguese",
    "qu": "Quechua",
    "ro": "Romanian",
    "ru": "Russian",
    "rw": "Kinyarwanda",
    "se": "Northern Sami",
    "si": "Sinhala",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sq": "Albanian",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "ug": "Uyghur",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "vo": "Volapük",
    "wa": "Walloon",
    "xh": "Xhosa",
    "zh": "Chinese",
    "zu": "Zulu",
}
