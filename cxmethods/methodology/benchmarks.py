"""Benchmarks as data: channel costs, discount schedules, optimism bias, value-for-money bands, value of time.

The figures live in ``templates/benchmarks.yaml``, each with its source, and each cost per contact with the range
of the published figures (``low``, ``high``). A figure no source gives is marked ``status: assumption`` with a
``note``: the business case and the report show it as an assumption for the room to confirm. An engagement may
point ``settings.business_case.benchmarks`` at a copy of its own. :func:`load_benchmarks` validates the whole
file (types, and that every range holds its figure, is not empty unless marked ``fixed``, and that every figure
has a source or is marked an assumption with a note) and raises one :class:`~cxmethods.core.errors.ConfigError`
listing every problem with its line and the fix.

>>> from cxmethods.methodology.benchmarks import load_benchmarks
>>> b = load_benchmarks()
>>> b.channel_costs.costs["phone"].cost, b.discount_schedules["green_book"].rates[0].rate
(2.83, 0.035)
>>> b.optimism_bias.project_types["equipment_development"].upper
2.0
>>> b.vfm_category(1.7)
'medium'
>>> phone = b.channel_costs.costs["phone"]
>>> phone.low < phone.cost < phone.high, b.channel_costs.costs["email"].to_confirm
(True, True)
>>> saving = b.channel_optimisation_saving
>>> saving.upper_bound.low, saving.upper_bound.high, saving.typical.value, saving.typical.to_confirm
(0.15, 0.25, 0.1, True)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cxmethods.core.errors import ConfigError, Problem
from cxmethods.core.files import load_yaml_file
from cxmethods.core.paths import templates_dir
from cxmethods.core.yamlfile import line_of, problem_from_pydantic, yaml_location
from cxmethods.io.kinds import check_setting_file

__all__ = ["STATUSES", "Benchmarks", "Cost", "Saving", "load_benchmarks"]

#: Whether a figure comes from a source or is assumed (an assumption needs a note and is shown "to confirm").
STATUSES = ("sourced", "assumption")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced:
    """Where a figure comes from: a ``source``, or ``status: assumption`` with a ``note`` saying what is assumed.
    ``fixed``: the figure is known exactly, so low may equal high (otherwise a range must have some width)."""

    if TYPE_CHECKING:  # fields of the models that mix this in (declared there, in their order)
        source: str
        status: str
        note: str

    @property
    def to_confirm(self) -> bool:
        """True for an assumption the room must confirm."""
        return self.status == "assumption"

    def described(self) -> str:
        """The source as a client reads it, an assumption's note first: ``"Assumption to confirm: ...; source"``."""
        if not self.to_confirm:
            return self.source
        return "; ".join(s for s in (f"Assumption to confirm: {self.note}", self.source) if s)


Status = Literal["sourced", "assumption"]


class Cost(_Sourced, _Model):
    cost: float = Field(ge=0)
    low: float | None = Field(None, ge=0)
    high: float | None = Field(None, ge=0)
    source: str = ""
    #: The price year of this figure when it differs from its block's (``channel_costs.price_year``).
    price_year: int | None = None
    status: Status = "sourced"
    note: str = ""
    fixed: bool = False


class ChannelCosts(_Model):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    price_year: int
    costs: dict[str, Cost]
    automated: Cost


class Band(_Model):
    from_year: int = Field(ge=0)
    rate: float = Field(ge=0, lt=1)


class Schedule(_Model):
    description: str = ""
    source: str
    rates: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> Schedule:
        years = [b.from_year for b in self.rates]
        if years[0] != 0 or years != sorted(set(years)):
            raise ValueError(f"bands must start at from_year 0 and increase; got {years}")
        return self


class ProjectType(_Model):
    applies_to: Literal["capital", "operating"]
    upper: float = Field(ge=0)
    lower: float = Field(ge=0)
    duration_upper: float | None = Field(None, ge=0)
    duration_lower: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> ProjectType:
        if self.lower > self.upper:
            raise ValueError(f"lower ({self.lower}) is above upper ({self.upper})")
        return self


class OptimismBias(_Model):
    source: str
    duration_source: str = ""
    project_types: dict[str, ProjectType] = Field(min_length=1)


class VfmBand(_Model):
    category: str
    below: float | None = None


class ValueForMoney(_Model):
    source: str
    bands: list[VfmBand] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands(self) -> ValueForMoney:
        limits = [b.below for b in self.bands[:-1]]
        # sorted only once no limit is None
        if any(v is None for v in limits) or limits != sorted(cast("list[float]", limits)) or self.bands[-1].below is not None:
            raise ValueError("every band but the last needs an increasing 'below'; the last has none")
        return self


class ValueOfTime(_Sourced, _Model):
    value: float = Field(ge=0)
    low: float | None = Field(None, ge=0)
    high: float | None = Field(None, ge=0)
    unit: str
    source: str = ""
    price_year: int | None = None  # None: taken to be in the engagement's price base year
    status: Status = "sourced"
    note: str = ""
    fixed: bool = False


class Bound(_Model):
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)


class Typical(_Sourced, _Model):
    value: float = Field(ge=0, le=1)
    source: str = ""
    status: Status = "sourced"
    note: str = ""


class Saving(_Model):
    """The most a channel programme has been reported to save (``upper_bound``), and what one can plan on.

    ``typical`` is None where the file gives none. A file of the old layout (``low``, ``high``, ``source`` at the
    top) is read as an upper bound without a typical value.
    """

    upper_bound: Bound
    source: str
    typical: Typical | None = None

    @model_validator(mode="before")
    @classmethod
    def _old_layout(cls, data: Any) -> Any:
        if isinstance(data, dict) and "upper_bound" not in data and {"low", "high"} & set(data):
            rest = {k: v for k, v in data.items() if k not in ("low", "high")}
            return {**rest, "upper_bound": {k: data[k] for k in ("low", "high") if k in data}}
        return data


class Tactics(_Model):
    source: str
    examples: list[dict]


class Benchmarks(_Model):
    """The validated benchmarks file. ``path`` is where it was read from."""

    channel_costs: ChannelCosts
    channel_cost_references: list[dict] = []
    discount_schedules: dict[str, Schedule] = Field(min_length=1)
    optimism_bias: OptimismBias
    value_for_money: ValueForMoney
    value_of_time: ValueOfTime
    channel_optimisation_saving: Saving
    migration_tactics: Tactics
    default_uncertainty: float = Field(0.25, ge=0, lt=1)
    path: str = ""

    def vfm_category(self, bcr: float) -> str:
        """The value-for-money category of a benefit-cost ratio (``"not defined"`` for NaN)."""
        if bcr is None or math.isnan(bcr):
            return "not defined"
        for band in self.value_for_money.bands:
            if band.below is None or bcr < band.below:
                return band.category
        raise AssertionError("unreachable: the last band has no limit")


_FIXES = {
    "rate": "Write rates as decimals below 1: 0.035 for 3.5%.",
    "cost": "Write the cost per contact as a number of zero or more, e.g. 2.83 (no currency sign).",
    "currency": "Use a three-letter ISO 4217 code such as GBP, EUR or USD.",
    "status": "Write status: sourced (the default) or status: assumption (with a note saying what is assumed).",
}


def load_benchmarks(path: str | Path | None = None) -> Benchmarks:
    """Read and validate a benchmarks YAML (default ``templates/benchmarks.yaml``).

    Raises
    ------
    ConfigError
        Listing every problem (missing or unknown keys, a low above its value, bands out of order), each
        with the file and line.
    """
    own = path is not None
    path = Path(path) if path is not None else templates_dir() / "benchmarks.yaml"
    where = str(path)
    if own:  # an engagement's own file: one of another kind (or a FIFO, a folder) is named for what it is
        check_setting_file(path, "benchmarks")
    if not path.is_file():
        raise ConfigError(
            [
                Problem(
                    where,
                    "benchmarks file not found.",
                    "Copy templates/benchmarks.yaml and point settings.business_case.benchmarks at it.",
                )
            ]
        )
    title = f"The benchmarks file {path.name} has problems"
    raw, root = load_yaml_file(path, what="a benchmarks file", example="templates/benchmarks.yaml", title=title)
    if not isinstance(raw, dict):
        raise ConfigError(
            [
                Problem(
                    where,
                    "not a benchmarks file: it should be YAML with keys such as channel_costs and discount_schedules.",
                    "Start from templates/benchmarks.yaml.",
                )
            ],
            title=title,
        )
    problems = _range_problems(raw, root, where)
    try:
        bench = Benchmarks.model_validate({**raw, "path": where})
    except ValidationError as exc:
        problems += [
            problem_from_pydantic(err, where, root, model=Benchmarks, fixes=_FIXES, example="templates/benchmarks.yaml")
            for err in exc.errors()
        ]
        bench = None
    if problems or bench is None:
        raise ConfigError(sorted(problems, key=line_of), title=title) from None
    return bench


# --------------------------------------------------------------------------- ranges and sources


def _range_problems(raw: dict, root: Any, where: str) -> list[Problem]:
    """Every figure's range and source, checked where its values are numbers (pydantic reports the rest).

    A range holds its figure (low <= figure <= high), comes whole (low and high, or neither), and has some width
    unless the figure is marked ``fixed``; a figure has a source, or is ``status: assumption`` with a note.
    """
    entries: list[tuple[tuple, Any, str]] = []
    costs = raw.get("channel_costs")
    if isinstance(costs, dict):
        if isinstance(costs.get("costs"), dict):
            entries += [(("channel_costs", "costs", str(k)), v, "cost") for k, v in costs["costs"].items()]
        entries.append((("channel_costs", "automated"), costs.get("automated"), "cost"))
    entries.append((("value_of_time",), raw.get("value_of_time"), "value"))
    saving = raw.get("channel_optimisation_saving")
    if isinstance(saving, dict):
        entries.append((("channel_optimisation_saving", "typical"), saving.get("typical"), "value"))
    problems: list[Problem] = []
    for loc, entry, key in entries:
        if isinstance(entry, dict):
            problems += _entry_problems(entry, loc, key, root, where)
    if isinstance(saving, dict):
        problems += _saving_problems(saving, root, where)
    return problems


def _number(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _entry_problems(entry: dict, loc: tuple, key: str, root: Any, where: str) -> list[Problem]:
    dotted = ".".join(loc)
    here = yaml_location(where, root, loc)
    found = []
    point, low, high = (_number(entry.get(k)) for k in (key, "low", "high"))
    fixed = entry.get("fixed") is True
    if ("low" in entry) != ("high" in entry):
        given, other = ("low", "high") if "low" in entry else ("high", "low")
        found.append(
            Problem(
                here,
                f"{dotted}: {given} is given without {other}.",
                "Give both low and high (the spread of the published figures), or neither for the default range "
                "(default_uncertainty either side).",
            )
        )
    elif point is not None and low is not None and high is not None:
        if not low <= point <= high:
            found.append(
                Problem(
                    here,
                    f"{dotted}: low <= {key} <= high is required; got low {low:g}, {key} {point:g}, high {high:g}.",
                    f"Put the range around the figure: low at most {key}, high at least {key} (e.g. {key}: 2.83, "
                    "low: 2.12, high: 4.31).",
                )
            )
        elif low == high and not fixed:
            found.append(
                Problem(
                    here,
                    f"{dotted}: low and high are both {low:g}, so the Monte Carlo and the tornado would not vary it.",
                    "Give the spread of the published figures (low below high), or add fixed: true if the figure is "
                    "known exactly.",
                )
            )
        elif fixed and low != high:
            found.append(
                Problem(
                    here,
                    f"{dotted}: fixed: true, but low ({low:g}) and high ({high:g}) differ.",
                    "Remove fixed: true to keep the range, or remove low and high if the figure is known exactly.",
                )
            )
    status = entry.get("status", "sourced")
    note, source = (str(entry.get(k) or "").strip() for k in ("note", "source"))
    if status == "assumption" and not note:
        found.append(
            Problem(
                here,
                f"{dotted}: status is assumption, but there is no note.",
                "Add note: what is assumed and what the room must confirm (e.g. 'no published figure: assumed equal to "
                "phone; confirm with your own minutes per e-mail').",
            )
        )
    if status == "sourced" and not source:
        found.append(
            Problem(
                here,
                f"{dotted}: no source.",
                "Add source: where the figure comes from, or mark it status: assumption with a note saying what is assumed.",
            )
        )
    return found


def _saving_problems(saving: dict, root: Any, where: str) -> list[Problem]:
    bound = saving.get("upper_bound", {k: saving[k] for k in ("low", "high") if k in saving})
    loc = ("channel_optimisation_saving", "upper_bound") if "upper_bound" in saving else ("channel_optimisation_saving",)
    low, high = (_number(bound.get(k)) for k in ("low", "high")) if isinstance(bound, dict) else (None, None)
    found = []
    if low is not None and high is not None and low > high:
        found.append(
            Problem(
                yaml_location(where, root, loc),
                f"{'.'.join(loc)}: low ({low:g}) is above high ({high:g}).",
                "Write the upper bound as reported, the lower figure first: {low: 0.15, high: 0.25} for 15-25%.",
            )
        )
    typical = saving.get("typical")
    value = _number(typical.get("value")) if isinstance(typical, dict) else None
    if value is not None and low is not None and value > low:
        found.append(
            Problem(
                yaml_location(where, root, ("channel_optimisation_saving", "typical")),
                f"channel_optimisation_saving.typical: {value:g} is above the lower end of the upper bound ({low:g}).",
                "A typical saving is below the best reported: lower it, or check the upper bound.",
            )
        )
    return found
