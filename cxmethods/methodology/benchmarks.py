"""Benchmarks as data: channel costs, discount schedules, optimism bias, value-for-money bands, value of time.

The figures live in ``templates/benchmarks.yaml``, each with its source. An engagement may point
``settings.business_case.benchmarks`` at a copy of its own. :func:`load_benchmarks` validates the whole
file and raises one :class:`~cxmethods.core.errors.ConfigError` listing every problem with its line.

>>> from cxmethods.methodology.benchmarks import load_benchmarks
>>> b = load_benchmarks()
>>> b.channel_costs.costs["phone"].cost, b.discount_schedules["green_book"].rates[0].rate
(2.83, 0.035)
>>> b.optimism_bias.project_types["equipment_development"].upper
2.0
>>> b.vfm_category(1.7)
'medium'
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cxmethods.core.errors import ConfigError, Problem
from cxmethods.core.files import load_yaml_file
from cxmethods.core.paths import templates_dir
from cxmethods.core.yamlfile import problem_from_pydantic
from cxmethods.io.kinds import check_setting_file

__all__ = ["Benchmarks", "load_benchmarks"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cost(_Model):
    cost: float = Field(ge=0)
    low: float | None = Field(None, ge=0)
    high: float | None = Field(None, ge=0)
    source: str
    #: The price year of this figure when it differs from its block's (``channel_costs.price_year``).
    price_year: int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Cost:
        if (self.low is not None and self.low > self.cost) or (self.high is not None and self.high < self.cost):
            raise ValueError(f"low <= cost <= high is required; got low {self.low}, cost {self.cost}, high {self.high}")
        return self


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


class ValueOfTime(_Model):
    value: float = Field(ge=0)
    unit: str
    source: str
    price_year: int | None = None  # None: taken to be in the engagement's price base year


class Range(_Model):
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)
    source: str


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
    channel_optimisation_saving: Range
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
    try:
        return Benchmarks.model_validate({**raw, "path": where})
    except ValidationError as exc:
        problems = [
            problem_from_pydantic(err, where, root, model=Benchmarks, fixes=_FIXES, example="templates/benchmarks.yaml")
            for err in exc.errors()
        ]
        raise ConfigError(problems, title=title) from None
