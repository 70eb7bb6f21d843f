"""The schema of an export-control rule pack (one YAML file in ``data/policy/``), and its pure predicates.

A pack is data an analyst writes without code: thresholds that classify chips from their specs, the
treatment of each destination (by country or named group) per class, the treatment of every other country,
and per-chip overrides ("is-informed" letters, guidance). Thresholds are written in the units of the rule
text (TPP, TPP/mm2, GB/s) and converted to canonical units here, where the specs are compared.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.units import GIGA

UNCONTROLLED = "uncontrolled"
"""The class key a treatment uses for chips no class of the pack captures."""


class ChipStatus(StrEnum):
    """What a destination may do with a chip under a pack."""

    ALLOWED = "allowed"  # no licence needed
    LICENSED_CAP = "licensed_cap"  # licence needed; counts against the national TPP cap, if the pack sets one
    LICENSED_PREMIUM = "licensed_premium"  # licensable at a price premium (tariff or revenue share)
    PROHIBITED = "prohibited"  # licence denied (presumption of denial) or use ruled out


@dataclass(frozen=True)
class ChipMetrics:
    """The specs a classification reads, in canonical units (NaN = unknown)."""

    tpp: float
    performance_density: float
    dram_bandwidth_bytes_per_s: float
    scaleup_bandwidth_bytes_per_s: float
    is_datacenter: bool


PRICE_MULTIPLIER_HELP = ("Price paid over the catalog price for chips under this rule [-]. Default (assumption: 1, "
                         "the catalog price; a pack states a markup where its rule implies one).")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Criterion(_Strict):
    """A conjunction of bounds. Unknown specs (NaN) are read as capable: a ``*_min`` bound is met and a
    ``*_below`` bound is not, so a missing die area never makes a chip look less controlled."""

    tpp_min: float | None = Field(default=None, ge=0)
    tpp_below: float | None = Field(default=None, gt=0)
    pd_min: float | None = Field(default=None, ge=0, description="TPP per mm2")
    pd_below: float | None = Field(default=None, gt=0)
    scaleup_bandwidth_min_gb_per_s: float | None = Field(default=None, ge=0, description="bidirectional")
    dram_bandwidth_below_gb_per_s: float | None = Field(default=None, gt=0)
    is_datacenter: bool | None = None

    def _bounds(self) -> list[tuple[str, str, float | None]]:
        return [
            ("tpp", "min", self.tpp_min), ("tpp", "below", self.tpp_below),
            ("performance_density", "min", self.pd_min), ("performance_density", "below", self.pd_below),
            ("scaleup_bandwidth_bytes_per_s", "min", _gb(self.scaleup_bandwidth_min_gb_per_s)),
            ("dram_bandwidth_bytes_per_s", "below", _gb(self.dram_bandwidth_below_gb_per_s)),
        ]

    def matches(self, chip: ChipMetrics) -> bool:
        if self.is_datacenter is not None and chip.is_datacenter != self.is_datacenter:
            return False
        for metric, kind, bound in self._bounds():
            if bound is None:
                continue
            value = getattr(chip, metric)
            if math.isnan(value):
                if kind == "below":
                    return False
            elif (value < bound) if kind == "min" else (value >= bound):
                return False
        return True

    def assumed_unknowns(self, chip: ChipMetrics) -> list[str]:
        """The specs this criterion had to assume (unknown, read as capable)."""
        return [m for m, _, bound in self._bounds() if bound is not None and math.isnan(getattr(chip, m))]


def _gb(value: float | None) -> float | None:
    return None if value is None else value * GIGA


class ClassRule(_Strict):
    """An export class (e.g. 3A090.a) and the specs that put a chip in it (any criterion suffices)."""

    eccn_class: str = Field(min_length=1)
    any_of: list[Criterion] = Field(min_length=1)
    note: str = ""


class Treatment(_Strict):
    """What happens to chips of the listed classes (optionally only those meeting ``when``)."""

    classes: list[str] = Field(min_length=1)
    when: Criterion | None = None
    status: ChipStatus
    price_multiplier: float = Field(default=1.0, gt=0, description=PRICE_MULTIPLIER_HELP)
    note: str = ""


class CountryTreatment(_Strict):
    """The treatment of a set of destinations: tier, national TPP budget, and per-class rules (first match)."""

    tier: str | None = None
    tpp_cap: float | None = Field(default=None, gt=0, description="TPP, for chips with status licensed_cap")
    tpp_cap_period_years: tuple[int, int] | None = None
    low_volume_tpp_per_consignee_per_year: float | None = Field(default=None, gt=0)
    note: str = ""
    treatment: list[Treatment] = Field(min_length=1)


class Destination(CountryTreatment):
    """Named destinations: ISO3 codes and/or named groups from ``country_groups.yaml``."""

    name: str = Field(min_length=1)
    countries: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_someone(self) -> Destination:
        if not self.countries and not self.groups:
            raise ValueError("lists no countries and no groups")
        return self


class ChipOverride(_Strict):
    """A per-chip rule that beats the class treatment (e.g. an 'is-informed' letter)."""

    chips: list[str] = Field(min_length=1)
    countries: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    all_countries: bool = False
    status: ChipStatus
    price_multiplier: float = Field(default=1.0, gt=0, description=PRICE_MULTIPLIER_HELP)
    note: str = Field(min_length=1)

    @model_validator(mode="after")
    def _names_someone(self) -> ChipOverride:
        if not (self.all_countries or self.countries or self.groups):
            raise ValueError("names no countries: set countries, groups or all_countries: true")
        return self


class HbmStackControl(_Strict):
    """3A090.c (Dec 2024): HBM stacks above a bandwidth density; a supply control, not a chip class."""

    eccn_class: str = Field(min_length=1)
    bandwidth_density_min_gb_per_s_per_mm2: float = Field(gt=0)
    note: str = ""


class RulePack(_Strict):
    """One versioned rule pack, in force on [effective_from, effective_to) within its lineage."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    lineage: str = Field(min_length=1, description="packs of one lineage must not overlap in time")
    title: str = Field(min_length=1)
    source: str = Field(min_length=1)
    effective_from: dt.date
    effective_to: dt.date | None = Field(default=None, description="exclusive; None = until superseded")
    extends: str | None = None
    domestic_chips_allowed: bool = Field(
        default=True, description="a chip designed in the destination itself is not an export")
    classification: list[ClassRule] = Field(min_length=1)
    destinations: list[Destination] = Field(default_factory=list)
    other_countries: CountryTreatment
    chip_overrides: list[ChipOverride] = Field(default_factory=list)
    hbm_stack_control: HbmStackControl | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> RulePack:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        return self

    @property
    def class_names(self) -> list[str]:
        return [rule.eccn_class for rule in self.classification]

    def in_force(self, on_date: dt.date) -> bool:
        return self.effective_from <= on_date and (self.effective_to is None or on_date < self.effective_to)
