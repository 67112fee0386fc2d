"""Redaction at scale (issue 22): the name rules run only where a cheap pattern says a name may be, and what comes
out is what came out when every rule ran wherever the old word gates let it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from redact_planted import controls, held_out_controls, planted  # tests/ is on the path (rootdir conftest)

from cxmethods import load_engagement, read_input
from cxmethods.io import redact as redact_module

REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"

# texts the name rules and their gates must read alike: every way of writing a title, a cue, a self-introduction
# and a pair of capitalised words, in any case, next to punctuation, digits, placeholders and non-ASCII text
NAMES = (
    "Mr Patel rang. MR PATEL rang. mr patel rang. Mr. Patel, mrs. jones and Dr  Okafor came.",
    "Ms O'Neill, Miss McDonald and Mx Smith-Jones; prof. Hughes; Sir John; Dame Judi; dr said no.",
    "(Mr Brown) [NAME] Mr.Brown mr-brown xMr Brown 3Mr Brown items forms problems dreadful drive",
    "My name is Jane Doe and I live here. MY NAME IS JANE. my name's priya r. I'm called Bob. call me Al.",
    "My full name is Oluwaseun Adebayo. I am called   Kemi. Call me on 0207.",
    "I spoke to Sarah. SPOKE TO SARAH. spoke to sarah. Spoke with John Smith. talked to  Amir, asked for Li.",
    "A man called Steve, a lady called JANE, named Priya, called 3 times, called back, I called Bob.",
    "John Smith, JOHN SMITH, Priya R. and Will Turner; Grace Period; Grace Kelly; Council Tax; Bin Day.",
    "Oluwaseun Adebayo sorted it. Zanele Dlamini. Иван Петров звонил. меня зовут Анна. 我叫王伟",
    "Mr Müller rang. Herr Ölçer and Mr Ñúñez; Spoke to José. café Mr Émile; naïve Ms Zoë.",
    "spoke to\tJohn, spoke to\nJohn, spoke to  John, speaking to Amy, ask for Tom",
    "Mr",
    "mr ",
    "Dr.",
    "called",
    "Called Ann",
    "A B",
    "Ab Cd",
    "AB CD",
    "XXXX XXXX",
    "Mr XXXX",
)


def _old_gates() -> list[tuple]:
    """The rules with the gates they had before issue 22: a word of the cue anywhere in the text, or none at all."""
    words = {
        0: redact_module._any("mr", "ms", "mx", "dr", "miss", "prof", "sir", "dame"),
        1: redact_module._any("name", "call"),
        2: redact_module._any("spoke", "speak", "talk", "ask", "named", "called"),
        3: lambda seen: True,
    }
    rules = []
    for kind, pattern, group, test, gate in redact_module._RULES:
        for i, name_pattern in words.items():
            if pattern is redact_module._NAMES[i]:
                gate = name_pattern
        rules.append((kind, pattern, group, test, gate))
    return rules


@pytest.fixture(scope="module")
def texts() -> list[str]:
    comments = read_input(load_engagement(), "survey")["comment"].dropna().astype(str).tolist()
    planted_texts = [sentence for _, _, sentence in planted()]
    # each planted sentence also in lower and upper case, and two run together
    varied = [t.lower() for t in planted_texts] + [t.upper() for t in planted_texts]
    joined = [f"{a} {b}" for a, b in itertools.pairwise(planted_texts)]
    texts = [*NAMES, *comments, *planted_texts, *varied, *joined, *controls(), *held_out_controls()]
    cfpb = REALDATA / "cfpb_complaints_sample_2015_2020.csv"
    if cfpb.exists():  # real complaints: masks, amounts, capitalised names of firms and laws
        texts += pd.read_csv(cfpb)["Consumer complaint narrative"].dropna().astype(str).head(400).tolist()
    return texts


def test_the_name_gates_pass_every_text_a_name_rule_changes(texts):
    gated = {id(redact_module._NAMES[i]): i for i in range(4)}
    for _kind, pattern, _, test, gate in redact_module._RULES:
        if id(pattern) not in gated:
            continue
        for text in texts:
            text = redact_module._normalise(text)
            seen = redact_module._Seen(text, text.lower(), False, False, False)
            matched = [m for m in pattern.finditer(text) if test is None or test(m)]
            if matched:
                assert gate(seen), (gated[id(pattern)], text)


def test_redaction_is_what_it_was_with_the_old_gates(texts, monkeypatch):
    new = [(t, found := [], redact_module._redact_text(t, found)) for t in texts]
    monkeypatch.setattr(redact_module, "_RULES", _old_gates())
    for text, found, redacted in new:
        before: list[tuple[str, str]] = []
        assert redact_module._redact_text(text, before) == redacted, text
        assert before == found, text
    assert sum(r != t for t, _, r in new) > 300  # names and the rest were found: the comparison meant something
