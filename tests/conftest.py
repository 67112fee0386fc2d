"""Shared fixtures: a tiny engagement written to a temporary folder, one behaviour per test."""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests draw the same examples on every run, on every machine: no test passes or fails by the luck of the
# draw. derandomize seeds each test from its own source (and implies no example database); deadlines and the
# too-slow health check are left out because they time the test, which depends on how busy the machine is.
# A failing example prints the blob that reproduces it. Explore with fresh random examples on purpose:
# pytest --hypothesis-profile=default
settings.register_profile(
    "deterministic", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("deterministic")

# Fixture notebooks are run by the runner tests, not collected by nbval.
collect_ignore_glob = ["fixtures/*"]

# Workbooks run by nbval (parameters left at None) write their run folder here, not into the checkout.
# Kernels inherit the environment, so this reaches them.
os.environ["CXM_OUT"] = tempfile.mkdtemp(prefix="cxm-test-runs-")

CONTACTS = """\
Case Ref,Date Opened,Date Closed,Channel,Enquiry,Ward,Customer,FCR,Minutes
A1,2025-04-01 09:00:00,2025-04-01 10:00:00,Telephone,Missed bin,North,P1,1,5.5
A2,2025-04-02 10:30:00,,Web,Pothole,South,P2,0,2
A3,2025-04-03 11:00:00,2025-04-04 09:00:00,Telephone,Missed bin,North,P1,yes,6
A4,2025-04-05 12:00:00,2025-04-06 12:00:00,App,Fly-tipping,East,P3,no,1.5
"""

SURVEY = """\
respondent_id,overall_satisfaction,timeliness,comment,preferred_channel
R1,4,5,Quick and helpful,phone
R2,2,9,,web_form
R3,5,4,Great,email
"""

INITIATIVES = """\
initiative_id,name,capital_cost,annual_operating_cost,effort_team_months,depends_on,confidence
I01,Tracking service,50000,5000,6,,0.8
I02,Web redesign,20000,1000,3,I01,0.6
"""

ANSWERS = """\
participant,role,dimension_id,current_level,target_level,evidence
Ann,Director,understand.definition,2,4,We have a list of customer groups
Bob,Adviser,understand.definition,1,3,Not used in practice
"""

ENGAGEMENT = """\
name: tiny
organisation: Tiny Council
currency: GBP
period: {start: 2025-04-01, end: 2025-04-30}
inputs:
  contact_log:
    path: contacts.csv
    columns:
      contact_id: Case Ref
      created_at: Date Opened
      closed_at: Date Closed
      channel: Channel
      reason: Enquiry
      area: Ward
      customer_id: Customer
      resolved_first_contact: FCR
      handling_minutes: Minutes
    values:
      channel: {Telephone: phone, Web: web_form, App: mobile_app}
  survey:
    path: survey.csv
    dont_know_codes: [9]
  initiatives:
    path: initiatives.csv
workshop:
  self_assessment:
    path: answers.csv
"""


class TinyEngagement:
    """A small valid engagement in a folder; tests break one thing at a time."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files = {"contacts.csv": CONTACTS, "survey.csv": SURVEY, "initiatives.csv": INITIATIVES, "answers.csv": ANSWERS}
        self.yaml = ENGAGEMENT
        self.write()

    @property
    def path(self) -> Path:
        return self.folder / "engagement.yaml"

    def write(self) -> Path:
        for name, text in self.files.items():
            (self.folder / name).write_text(text, encoding="utf-8")
        self.path.write_text(self.yaml, encoding="utf-8")
        return self.path

    def set_yaml(self, text: str) -> Path:
        self.path.write_text(textwrap.dedent(text), encoding="utf-8")
        return self.path

    def set_file(self, name: str, content: str | bytes) -> Path:
        p = self.folder / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p


@pytest.fixture
def tiny(tmp_path: Path) -> TinyEngagement:
    return TinyEngagement(tmp_path)
