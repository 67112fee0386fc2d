"""GDP deflator series: what turns money stated in one year's prices into another year's (real prices).

The Green Book appraises in real terms: every cost and benefit in the prices of one base year, converted with the
GDP deflator (HM Treasury, *The Green Book*, 2022, section 5.4 and annex A6; HM Treasury, *GDP deflators at market
prices, and money GDP*, user guide). Two series ship with cxmethods, one per currency, in
``cxmethods/methodology/deflators/`` with their sources (``sources.yaml`` and each file's header of comments):

- GBP: HM Treasury's GDP deflator at market prices, calendar years (2024 = 100);
- USD: BEA's implicit price deflator for GDP, NIPA Table 1.1.9, calendar years (2017 = 100).

An engagement can use its own series instead (``settings.business_case.deflator``): a CSV with columns
``year`` and ``index``, one row per year with no gaps, lines starting with ``#`` ignored.
:func:`read_deflator_csv` checks it and names the file, column and rows of every problem. Years after a series'
last one are extended at a stated growth a year (``extend_growth``, 2% by default), and
:meth:`DeflatorSeries.extended_years` says which years that covered, so the run can say so.

>>> uk = shipped_deflator("GBP")
>>> uk.first, uk.last
(1990, 2024)
>>> round(uk.factor(2012, 2024), 4)  # 100 / 71.9294
1.3903
>>> round(uk.index_at(2026), 4)  # 2024's 100, extended two years at 2%
104.04
>>> shipped_deflator("EUR") is None
True
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cxmethods.core.errors import ConfigError, InputError, Problem

__all__ = ["DEFAULT_GROWTH", "DeflatorSeries", "read_deflator_csv", "shipped_deflator"]

_HERE = Path(__file__).with_name("deflators")

#: Growth a year assumed after the last year of a series of the engagement's own (and of the shipped ones, per
#: ``sources.yaml``): the Bank of England's and the Federal Reserve's inflation target.
DEFAULT_GROWTH = 0.02


@dataclass(frozen=True)
class DeflatorSeries:
    """A yearly price index: ``index[i]`` is the price level of ``first + i`` (any base year).

    ``name`` and ``source`` say what it is and where it comes from (``release``: which release, in a few words, for
    notes); ``extend_growth`` (with ``extend_source``) is the growth a year assumed after the last year. Years before the first cannot be converted (an error says so).
    """

    name: str
    first: int
    index: tuple[float, ...]
    source: str
    basis: str = "calendar years"
    extend_growth: float = DEFAULT_GROWTH
    extend_source: str = f"assumed {DEFAULT_GROWTH:.0%} a year after the last year of the series"
    path: str = ""
    currency: str | None = field(default=None)
    release: str = ""

    @property
    def last(self) -> int:
        """The last year the series gives."""
        return self.first + len(self.index) - 1

    def index_at(self, year: int) -> float:
        """The price level of ``year``: from the series, or after its last year extended at ``extend_growth``."""
        year = int(year)
        if year < self.first:
            raise ConfigError(
                [
                    Problem(
                        self.path or self.name,
                        f"a price year of {year} is before the deflator series starts ({self.first}).",
                        "Give the amount in a later year's prices, or a deflator series that reaches back to "
                        f"{year} (settings.business_case.deflator).",
                    )
                ],
                title="A money figure cannot be converted to the price base",
            )
        if year <= self.last:
            return self.index[year - self.first]
        return self.index[-1] * (1 + self.extend_growth) ** (year - self.last)

    def factor(self, from_year: int, to_year: int) -> float:
        """What one unit of money in ``from_year`` prices is worth in ``to_year`` prices: index(to) / index(from)."""
        if int(from_year) == int(to_year):
            return 1.0
        return self.index_at(to_year) / self.index_at(from_year)

    def extended_years(self, *years: int) -> list[int]:
        """The years among ``years`` after the series' last year (their level is the extension's assumption)."""
        return sorted({int(y) for y in years if int(y) > self.last})


def shipped_deflator(currency: str) -> DeflatorSeries | None:
    """The series shipped for ``currency`` (``GBP``, ``USD``), or None when cxmethods has none for it."""
    with open(_HERE / "sources.yaml", encoding="utf-8") as fh:
        sources = yaml.safe_load(fh)
    spec = sources.get(currency)
    if spec is None:
        return None
    series = read_deflator_csv(_HERE / spec["file"], name=spec["name"], source=spec["source"])
    return DeflatorSeries(
        name=spec["name"],
        first=series.first,
        index=series.index,
        source=spec["source"],
        basis=spec["basis"],
        extend_growth=float(spec["extend_growth"]),
        extend_source=spec["extend_source"],
        path=series.path,
        currency=currency,
        release=spec.get("release", ""),
    )


def read_deflator_csv(
    path: str | Path,
    *,
    name: str | None = None,
    source: str | None = None,
    extend_growth: float = DEFAULT_GROWTH,
) -> DeflatorSeries:
    """Read and check a deflator series: a CSV with columns ``year`` and ``index`` (lines starting ``#`` ignored).

    Every year from the first to the last must have one row, with a positive index; the base year of the index
    does not matter (only ratios are used). Other columns are ignored.

    Raises
    ------
    InputError
        Listing every problem (a missing column, a year or index that is not a number, a missing or repeated
        year, an index of zero or less), each with the file, column and rows as a spreadsheet shows them.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "own.csv")
    ...     _ = open(p, "w").write("# our series\\nyear,index\\n2020,95.0\\n2021,100.0\\n")
    ...     s = read_deflator_csv(p)
    >>> s.first, s.index, round(s.factor(2020, 2021), 4)
    (2020, (95.0, 100.0), 1.0526)
    """
    path = Path(path)
    where = str(path)
    title = f"The deflator series {path.name} cannot be used"
    fix_file = "Give a CSV with columns year,index: one row per year, e.g. 2024,100.0 (lines starting # are ignored)."
    if not path.is_file():
        raise InputError([Problem(where, "deflator series not found.", fix_file)], title=title)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            [Problem(where, "not a text CSV (it is not UTF-8 text).", "Save it as CSV (UTF-8). " + fix_file)], title=title
        ) from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise InputError([Problem(where, "the file has no rows.", fix_file)], title=title)
    rows = list(csv.reader(io.StringIO("\n".join(line for _, line in lines))))
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("year", "index") if c not in header]
    if missing:
        raise InputError(
            [
                Problem(
                    where,
                    f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing (the header, line "
                    f"{lines[0][0]}, has {', '.join(rows[0]) or 'nothing'}).",
                    fix_file,
                    column=missing[0],
                )
            ],
            title=title,
        )
    y_at, i_at = header.index("year"), header.index("index")
    problems: list[Problem] = []
    bad_year: list[int] = []
    bad_index: list[int] = []
    low_index: list[int] = []
    years: dict[int, float] = {}
    repeated: list[int] = []
    for (line_no, _), row in zip(lines[1:], rows[1:]):
        cells = row + [""] * (max(y_at, i_at) + 1 - len(row))
        year_text, index_text = cells[y_at].strip(), cells[i_at].strip()
        try:
            year_value = float(year_text)
            if not year_value.is_integer() or not 1000 <= year_value <= 3000:
                raise ValueError
            year = int(year_value)
        except ValueError:
            bad_year.append(line_no)
            continue
        try:
            value = float(index_text.replace(",", ""))
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            bad_index.append(line_no)
            continue
        if value <= 0:
            low_index.append(line_no)
            continue
        if year in years:
            repeated.append(line_no)
            continue
        years[year] = value
    if bad_year:
        problems.append(
            Problem(
                where, "the year is not a whole year (e.g. 2024).", "Write each year as four digits.", "year", tuple(bad_year[:5])
            )
        )
    if bad_index:
        problems.append(
            Problem(
                where,
                "the index is not a number.",
                "Write the index as a number such as 101.3 (no % or currency sign), or delete the row.",
                "index",
                tuple(bad_index[:5]),
            )
        )
    if low_index:
        problems.append(
            Problem(
                where,
                "the index must be above zero.",
                "Give the price index (e.g. 2024 = 100), not a growth rate.",
                "index",
                tuple(low_index[:5]),
            )
        )
    if repeated:
        problems.append(Problem(where, "a year appears more than once.", "Keep one row per year.", "year", tuple(repeated[:5])))
    if not years and not problems:
        problems.append(Problem(where, "the file has a header but no years.", fix_file))
    if years:
        gaps = [y for y in range(min(years), max(years) + 1) if y not in years]
        if gaps:
            shown = ", ".join(str(y) for y in gaps[:5]) + (" and more" if len(gaps) > 5 else "")
            problems.append(
                Problem(
                    where,
                    f"year{'s' if len(gaps) > 1 else ''} {shown} missing: the series must have every year from "
                    f"{min(years)} to {max(years)}.",
                    "Add the missing years (from the same release), so that no year's price level is guessed.",
                    "year",
                )
            )
    if problems:
        raise InputError(problems, title=title)
    first = min(years)
    return DeflatorSeries(
        name=name or f"the engagement's deflator series ({path.name})",
        first=first,
        index=tuple(years[y] for y in range(first, max(years) + 1)),
        source=source or f"the engagement's own series, {path.name}",
        release=f"from {path.name}",
        extend_growth=extend_growth,
        extend_source=f"assumed {extend_growth:.0%} a year after {max(years)}, the last year of {path.name}",
        path=where,
    )
