"""Seeded generator of the bundled sample engagement, Riverton Borough Council.

Every record is synthetic: the council, wards, people and comments are invented.
:func:`make_sample` builds the data in memory; :func:`write_sample` writes it,
byte-identically for a given seed. The planted structure, kept out of the files and
returned in ``SampleData.truth`` so tests and workbooks can check what they recover:

* five needs-based segments shared by the survey and the contact log;
* overall satisfaction driven by outcome > timeliness > knowledge > courtesy > fairness
  (weights 0.35/0.26/0.19/0.13/0.07), with timeliness scoring lowest;
* failure demand: chasing and letter queries follow an unresolved contact by the same
  customer within 1-14 days, and missed bins are reported again within 7 days;
* a Sunday-morning "Parking obstruction" spike in Castlefield ward;
* three self-assessment dimensions on which leaders and front-line staff disagree, and the room's
  agreed (consensus) scores for them;
* three "no" answers in the quick test (segments in use, outcomes per group, feedback acted on) and a
  role checklist with about 30% "no" and 30% "partly";
* export messiness: closed before opened, missing channel, odd reason codes.

``data/README.md`` documents the files, columns and exact figures.

A room of its own beside ``methodology/``: it imports only :mod:`cxmethods.core`.
"""

from __future__ import annotations

import gzip
import io
import pathlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_int
from cxmethods.core.errors import CxmError
from cxmethods.core.files import check_folder, make_folder

# the tables behind the data, importable from here as before the split into modules
from ._common import CHANNELS, SEGMENTS, SPIKE, WARDS  # noqa: F401
from .contacts import FOLLOW_UPS, MESSINESS, REASONS, SEASONALITY, make_contact_log  # noqa: F401
from .stakeholders import SEGMENT_RULES_YAML, make_stakeholders
from .survey import DONT_KNOW, DRIVER_WEIGHTS, DRIVERS, make_survey  # noqa: F401
from .workshop import (  # noqa: F401
    DISAGREEMENT_DIMENSIONS,
    LARGEST_GAP_DIMENSIONS,
    QUICK_TEST_NO,
    make_backlog_scores,
    make_consensus,
    make_initiatives,
    make_levers,
    make_quick_test,
    make_role_checklist,
    make_self_assessment,
)

__all__ = ["SAMPLE_SEED", "SampleData", "is_sample", "make_sample", "write_sample", "write_variants"]

SAMPLE_SEED: int = 20260401
#: The sample engagement's name and organisation, as its engagement.yaml gives them.
SAMPLE_NAME, SAMPLE_ORGANISATION = "riverton", "Riverton Borough Council (fictional)"

_ENGAGEMENT_TEMPLATE = """\
# Sample engagement: Riverton Borough Council. FICTIONAL: every record is synthetic,
# made by cxmethods.sample (seeded). Regenerate byte-identically: cxm sample --out data/sample
name: {name}
organisation: {organisation}
currency: GBP
period:
  start: 2025-04-01
  end: 2026-03-31
seed: {seed}
inputs:
  contact_log:
    path: contact_log.csv.gz
    columns:            # our field: the column in your export
      contact_id: contact_ref
      created_at: opened_at
      closed_at: closed_at
      channel: channel
      reason: reason
      service: service
      area: ward
      customer_id: customer_ref
      resolved_first_contact: resolved_first_time
      handling_minutes: handling_mins
  survey:
    path: resident_survey.csv
    dont_know_codes: [9]
    columns:
      respondent_id: resp_id
      overall_satisfaction: q_overall
      trust: q_trust
      timeliness: q_timely
      knowledge: q_knowledge
      courtesy: q_courtesy
      fairness: q_fair
      outcome: q_outcome
      effectiveness: q_effective
      ease: q_ease
      efficiency: q_efficient
      equity: q_equity
      employee_helpfulness: q_staff
      comment: comment
      age_band: age_band
      digital_confidence: digital_confidence
      preferred_channel: preferred_channel
      language: language
      disability: disability
      contacts_last_year: contacts_last_year
      household: household
      employment_status: employment_status
      area: ward
  initiatives:
    path: initiatives.csv
  levers:
    path: levers.csv
  stakeholders:
    path: stakeholders.csv
workshop:
  self_assessment:
    path: workshop/self_assessment.csv
  consensus:
    path: workshop/consensus.csv
  quick_test:
    path: workshop/quick_test.csv
  role_checklist:
    path: workshop/role_checklist.csv
  segment_names:
    path: workshop/segment_names.csv
  assumptions:
    path: workshop/assumptions.csv
  backlog:
    path: workshop/backlog.csv
settings:
  voc:
    repeat_window_days: 7
    n_themes: 6                 # the data alone suggest 2 broad themes (theme_selection.csv); 6 show the topics
    theme_method: nmf           # each comment is two or three stock sentences: a mixture, as NMF models comments
    failure_reasons: ["^Chasing ", "where is my letter", "clarify a letter"]   # avoidable contact (NI14 sense)
  segmentation:
    rules: segment_rules.yaml
  business_case:
    horizon_years: 10
    discount: green_book
    optimism_bias_mitigation: 0.6   # fixed-price quotes for most of the IT work
  roadmap:
    capacity: 9                     # team-months a quarter the council can give to change
"""


def _engagement_yaml(seed: int, name: str = SAMPLE_NAME, organisation: str = SAMPLE_ORGANISATION) -> str:
    """The engagement.yaml text for data generated with ``seed``."""
    return _ENGAGEMENT_TEMPLATE.format(seed=seed, name=name, organisation=organisation)


ENGAGEMENT_YAML = _engagement_yaml(SAMPLE_SEED)  # the committed data/sample/engagement.yaml


@dataclass(frozen=True)
class SampleData:
    """The sample engagement in memory.

    Attributes
    ----------
    contact_log, survey, self_assessment, consensus, quick_test, role_checklist, initiatives, levers, stakeholders : pandas.DataFrame
        Exactly the columns of the written files, in file order.
    truth : dict
        Planted ground truth (segments, driver weights, spike, follow-up rules, disagreement
        dimensions, consensus scores, quick-test "no" answers, role-checklist answers, messiness
        counts, planted personal data); never written to the files.
    """

    contact_log: pd.DataFrame
    survey: pd.DataFrame
    self_assessment: pd.DataFrame
    consensus: pd.DataFrame
    quick_test: pd.DataFrame
    role_checklist: pd.DataFrame
    initiatives: pd.DataFrame
    levers: pd.DataFrame
    stakeholders: pd.DataFrame
    truth: dict[str, Any] = field(repr=False)


def make_sample(*, seed: int = SAMPLE_SEED) -> SampleData:
    """Build the Riverton sample engagement in memory.

    Parameters
    ----------
    seed : int, default SAMPLE_SEED
        Seed for ``numpy.random.default_rng`` (one spawned child stream per source: contact log, survey, workshop); the same
        seed gives the same data.

    Returns
    -------
    SampleData
        The tables (file columns, file order) and the planted ``truth``.

    Examples
    --------
    >>> s = make_sample()
    >>> list(s.contact_log.columns[:3])
    ['contact_ref', 'opened_at', 'closed_at']
    >>> s.truth["spike"]["ward"]
    'Castlefield'
    """
    # one child stream per source, so changing one generator leaves the other sources as they were
    rng_log, rng_survey, rng_workshop = np.random.default_rng(seed).spawn(3)
    log, t_log = make_contact_log(rng_log)
    survey, t_survey = make_survey(rng_survey)
    workshop, t_workshop = make_self_assessment(rng_workshop)
    consensus, t_consensus = make_consensus(workshop)
    quick_test, t_quick = make_quick_test()
    roles, t_roles = make_role_checklist(rng_workshop)  # after the self-assessment's draws, which stay as they were
    stakeholders, t_stakeholders = make_stakeholders()  # fixed, no draws
    truth = {
        "synthetic": True,
        "seed": seed,
        "segments": list(SEGMENTS),
        "reason_service": {r: v[0] for r, v in REASONS.items()},
        **t_log,
        **t_survey,
        **t_workshop,
        **t_consensus,
        **t_quick,
        **t_roles,
        **t_stakeholders,
    }
    return SampleData(
        contact_log=log,
        survey=survey,
        self_assessment=workshop,
        consensus=consensus,
        quick_test=quick_test,
        role_checklist=roles,
        initiatives=make_initiatives(),
        levers=make_levers(),
        stakeholders=stakeholders,
        truth=truth,
    )


def _csv(df: pd.DataFrame, float_format: str | None = None) -> bytes:
    return df.to_csv(index=False, lineterminator="\n", float_format=float_format).encode("utf-8")


_FILES = (
    "engagement.yaml",
    "contact_log.csv.gz",
    "resident_survey.csv",
    "workshop/self_assessment.csv",
    "workshop/consensus.csv",
    "workshop/quick_test.csv",
    "workshop/role_checklist.csv",
    "workshop/backlog.csv",
    "initiatives.csv",
    "levers.csv",
    "stakeholders.csv",
    "segment_rules.yaml",
)


def is_sample(engagement) -> bool:
    """Whether ``engagement`` is the bundled sample or a copy of it (:func:`write_sample` with its defaults, as
    ``cxm sample`` and the training packs write it): the engagement whose figures the workbooks' notes tagged
    ``sample`` give. Told by name, organisation and seed; the variants (:func:`write_variants`) have their own, and
    their own figures.

    >>> from cxmethods import load_engagement
    >>> is_sample(load_engagement())
    True
    """
    return (engagement.name, engagement.organisation, engagement.seed) == (SAMPLE_NAME, SAMPLE_ORGANISATION, SAMPLE_SEED)


def write_sample(
    out_dir: str | pathlib.Path,
    *,
    seed: int = SAMPLE_SEED,
    overwrite: bool = False,
    name: str = SAMPLE_NAME,
    organisation: str = SAMPLE_ORGANISATION,
) -> list[pathlib.Path]:
    """Write the sample engagement into ``out_dir``, byte-identically for a given seed.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Target folder, created if missing (with a ``workshop`` subfolder).
    seed : int, default SAMPLE_SEED
        Passed to :func:`make_sample`; ``engagement.yaml`` records it.
    overwrite : bool, default False
        Replace files that already exist. Without it an existing file is an error, so workshop
        answers typed into a copy of the sample are never lost by accident.

    Raises
    ------
    CxmError
        When ``out_dir`` is a file, or holds one of the files and ``overwrite`` is False.

    Returns
    -------
    list of pathlib.Path
        engagement.yaml, contact_log.csv.gz, resident_survey.csv, workshop/self_assessment.csv,
        workshop/consensus.csv, workshop/quick_test.csv, workshop/role_checklist.csv, workshop/backlog.csv, initiatives.csv,
        levers.csv, stakeholders.csv, segment_rules.yaml.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in write_sample(folder)][:2]
    ['engagement.yaml', 'contact_log.csv.gz']
    """
    out = pathlib.Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CxmError(f"{out} is a file; give a folder to write the sample engagement into.")
    check_folder(out)  # a file in its path, or no permission: said before anything is made
    existing = [name for name in _FILES if (out / name).exists()]
    if existing and not overwrite:
        raise CxmError(
            f"{out} already holds {', '.join(existing)}; nothing was written. "
            "Choose an empty folder, or overwrite on purpose (cxm sample --force)."
        )
    make_folder(out / "workshop")
    s = make_sample(seed=seed)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:  # no name or time in header
        gz.write(_csv(s.contact_log, "%.1f"))
    files = {
        "engagement.yaml": _engagement_yaml(seed, name, organisation).encode("utf-8"),
        "contact_log.csv.gz": buf.getvalue(),
        "resident_survey.csv": _csv(s.survey),
        "workshop/self_assessment.csv": _csv(s.self_assessment),
        "workshop/consensus.csv": _csv(s.consensus),
        "workshop/quick_test.csv": _csv(s.quick_test),
        "workshop/role_checklist.csv": _csv(s.role_checklist),
        "workshop/backlog.csv": _csv(make_backlog_scores()),
        "initiatives.csv": _csv(s.initiatives, "%.2f"),
        "levers.csv": _csv(s.levers),
        "stakeholders.csv": _csv(s.stakeholders),
        "segment_rules.yaml": SEGMENT_RULES_YAML.encode("utf-8"),
    }
    for name, data in files.items():
        (out / name).write_bytes(data)
    return [out / name for name in files]


def write_variants(out_dir: str | pathlib.Path, n: int, *, overwrite: bool = False) -> list[pathlib.Path]:
    """Write ``n`` distinct sample engagements (``riverton-01`` ...), each with its own seed, for batch runs and
    benchmarks; returns their engagement files. Same ``n``, same files."""
    n = check_int(n, "n", "write_variants", low=1, high=999)
    out = pathlib.Path(out_dir)
    made = []
    for i in range(1, n + 1):
        name = f"riverton-{i:02d}" if n < 100 else f"riverton-{i:03d}"
        write_sample(
            out / name,
            seed=SAMPLE_SEED + i,
            overwrite=overwrite,
            name=name,
            organisation=f"Riverton Borough Council, variant {i} (fictional)",
        )
        made.append(out / name / "engagement.yaml")
    return made
