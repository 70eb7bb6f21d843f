"""Planning years: which years each period stands for, their present-value weights, and chip lifetimes
in whole periods (shared by the MIP, the pipeline and the reports; no solver here)."""

from __future__ import annotations

from dataclasses import dataclass

from planner.errors import InputError, Problem

LIFETIME_TOL_YEARS = 1e-9


@dataclass(frozen=True)
class PeriodSchedule:
    """Planning years and the discount rate that turns each period's yearly cost into present value."""

    years: tuple[int, ...]
    discount_rate: float

    def __post_init__(self) -> None:
        if not self.years or any(b <= a for a, b in zip(self.years, self.years[1:])):
            raise InputError([Problem("PeriodSchedule", "years", "expected strictly increasing years",
                                      list(self.years))])

    def end_year(self, year: int) -> int:
        """First year after the period that starts in ``year`` (the next planning year; the last period
        stands for its own year only, so the horizon ends with the last planning year)."""
        later = [y for y in self.years if y > year]
        return later[0] if later else year + 1

    def years_of(self, year: int) -> range:
        return range(year, self.end_year(year))

    def discount_factor(self, year: int) -> float:
        return (1.0 + self.discount_rate) ** -(year - self.years[0])

    def weight(self, year: int) -> float:
        """Present value at the first planning year of one USD a year over the period's years."""
        return sum(self.discount_factor(y) for y in self.years_of(year))

    def serves(self, bought: int, year: int, lifetime_years: float) -> bool:
        """A chip bought in period ``bought`` serves period ``year`` when that whole period lies within its
        lifetime (it retires at the start of the first period it would outlive)."""
        return bought <= year and self.end_year(year) <= bought + lifetime_years + LIFETIME_TOL_YEARS

    def retirement_year(self, bought: int, lifetime_years: float) -> int | None:
        """First planning year in which a chip bought in ``bought`` no longer serves; None = serves to the end."""
        return next((y for y in self.years if y > bought and not self.serves(bought, y, lifetime_years)), None)
