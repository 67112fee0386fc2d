"""One price base: every money figure converted to the prices of one year before it is added up or discounted.

The Green Book appraises in real prices: costs and benefits in the prices of a base year, converted with the GDP
deflator, then discounted at a real rate (HM Treasury, *The Green Book*, 2022, section 5.4 and annex A6). Money
inputs come in the prices of different years: the benchmark costs per contact are 2012 figures, the value of
time a 2025 one, an organisation's own costs this year's. Each states its price year, and :class:`PriceBase`
converts it to the engagement's price base:

- the price base year is ``settings.business_case.price_base_year``, by default year 0 of the appraisal
  (``settings.business_case.base_year``, else the year the engagement's period ends), so that the appraisal's
  first year is in its own prices and nothing is inflated forward;
- the series is ``settings.business_case.deflator`` (a CSV of the engagement's own), else the one cxmethods
  ships for the currency (:func:`cxmethods.methodology.deflators.shipped_deflator`: GBP, USD). A currency with
  none converts nothing: every figure is taken as given, and :meth:`PriceBase.notes` says so;
- an input that states no price year is taken to be in the price base year already.

Workbook 02 (the cost of failure demand) and workbook 04 (the business case) convert through the same
:func:`price_base`, so the two state the same figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.methodology.deflators import DeflatorSeries, read_deflator_csv, shipped_deflator

__all__ = ["PriceBase", "appraisal_year", "price_base"]


def appraisal_year(engagement: Engagement) -> int:
    """Year 0 of the appraisal: ``settings.business_case.base_year``, else the year the period ends."""
    return engagement.settings.business_case.base_year or engagement.period.end.year


@dataclass(frozen=True)
class PriceBase:
    """The year and currency every money figure is stated in, and the deflator series that converts to it.

    >>> from cxmethods.methodology.deflators import shipped_deflator
    >>> base = PriceBase(2024, "GBP", shipped_deflator("GBP"))
    >>> base.label, round(base.factor(2012), 4), base.factor(None)
    ('GBP, 2024 prices', 1.3903, 1.0)
    >>> PriceBase(2024, "EUR", None).factor(2012)  # no series: not converted (the notes say so)
    1.0
    """

    year: int
    currency: str
    series: DeflatorSeries | None

    @property
    def label(self) -> str:
        """``"GBP, 2026 prices"``: what a money column's figures are."""
        return f"{self.currency}, {self.year} prices"

    def factor(self, from_year: object) -> float:
        """What one unit of money in ``from_year`` prices is in the price base (1 for None, the base year itself,
        or when there is no series to convert with)."""
        year = _year(from_year)
        if year is None or year == self.year or self.series is None:
            return 1.0
        return self.series.factor(year, self.year)

    def describe(self, from_year: object) -> str:
        """How a figure in ``from_year`` prices was brought to the price base, for an assumption's source."""
        year = _year(from_year)
        if year is None or year == self.year:
            return f"in {self.year} prices"
        if self.series is None:
            return f"in {year} prices, not converted to {self.year} prices (no deflator series for {self.currency})"
        return f"{year} prices converted to {self.year} prices with the {self.series.name} (x{self.factor(year):.3f})"

    def notes(self, converted: Mapping[str, object]) -> list[str]:
        """What was converted, with what, and what was assumed: ``converted`` maps what a figure is (e.g. "costs per
        contact") to its price year (None: stated in the price base)."""
        years = {what: _year(y) for what, y in converted.items()}
        moved = {what: y for what, y in years.items() if y is not None and y != self.year}
        out = [
            f"Prices: money figures are in {self.label} (real prices: the price base, "
            "settings.business_case.price_base_year, by default the appraisal's first year), converted before they are "
            "added up or discounted; a figure that states no price year is taken to be in it."
        ]
        if self.series is None:
            if moved:
                listed = ", ".join(f"{what} ({year} prices)" for what, year in moved.items())
                out.append(
                    f"No GDP deflator series ships for {self.currency}, so {listed} could not be converted and are used "
                    f"as stated: give a series of your own (settings.business_case.deflator: a CSV with columns "
                    f"year,index) or figures in {self.year} prices."
                )
            else:
                out.append(
                    f"No GDP deflator series ships for {self.currency}; none was needed, every figure being in "
                    f"{self.year} prices."
                )
            return out
        if moved:
            listed = ", ".join(f"{what} from {year} prices (x{self.factor(year):.3f})" for what, year in moved.items())
            release = f", {self.series.release}" if self.series.release else ""
            out.append(f"Converted with the {self.series.name}{release}: {listed}.")
            extended = self.series.extended_years(self.year, *moved.values())
            if extended:
                out.append(
                    f"The deflator series ends in {self.series.last}; "
                    f"{', '.join(str(y) for y in extended)} {'is' if len(extended) == 1 else 'are'} extended: "
                    f"{self.series.extend_source}."
                )
        return out


def _year(value: object) -> int | None:
    """A price year as an int; None when none is given (None, NaN or pandas' NA: an empty cell)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return int(value)  # type: ignore[call-overload]


def price_base(engagement: Engagement) -> PriceBase:
    """The engagement's price base: its year (``settings.business_case.price_base_year``, default the appraisal's
    year 0), its currency, and the deflator series (the engagement's own, else the one shipped for the currency).

    Raises
    ------
    InputError
        When the engagement's own series (``settings.business_case.deflator``) cannot be used, naming the file,
        column and rows.
    """
    settings = engagement.settings.business_case
    year = settings.price_base_year or appraisal_year(engagement)
    if settings.deflator:
        series: DeflatorSeries | None = read_deflator_csv(engagement.resolve(settings.deflator))
    else:
        series = shipped_deflator(engagement.currency)
    return PriceBase(int(year), engagement.currency, series)
