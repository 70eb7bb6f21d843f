"""Cooling technologies and what they mean at a site: PUE from climate, capex, water, liquid capability."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.units import HOURS_PER_YEAR
from planner.yaml_load import safe_load

COOLING_FILE = ("cooling", "technologies.yaml")


class CoolingTechnology(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    liquid: bool
    pue_base: float = Field(ge=1)
    pue_per_1000_cdd: float = Field(ge=0)
    pue_max: float = Field(ge=1)
    capex_usd_per_mw: float = Field(ge=0)
    max_rack_kw: float = Field(gt=0)
    water_m3_per_mwh: float = Field(ge=0)

    def pue(self, cdd19_per_year: float) -> float:
        return min(self.pue_base + self.pue_per_1000_cdd * cdd19_per_year / 1000.0, self.pue_max)


@lru_cache(maxsize=1)
def load_cooling_technologies() -> dict[str, CoolingTechnology]:
    file = "data/" + "/".join(COOLING_FILE)
    raw = safe_load(data_path(*COOLING_FILE).read_text(encoding="utf-8"))
    technologies, problems = {}, []
    for name, spec in raw.items():
        try:
            technologies[name] = CoolingTechnology.model_validate(spec)
        except ValidationError as error:
            problems += [Problem(file, ".".join([name, *map(str, e["loc"])]), e["msg"], e.get("input")) for e in error.errors()]
    if problems:
        raise DataError(problems)
    return technologies


def site_cooling_options(sites: pd.DataFrame, allowed: list[str] | None, annuity: float) -> pd.DataFrame:
    """One row per (site, cooling) hall technology with ``pue`` (at the site's climate), ``is_liquid``,
    ``max_rack_kw``, ``capex_usd_per_mw`` (upfront, per MW of peak IT), ``capex_usd_per_mw_year`` (annualised)
    and ``water_m3_per_mw_year`` (per MW of average IT over a year); ``sites`` needs ``cdd19_per_year``."""
    technologies = load_cooling_technologies()
    names = allowed or list(technologies)
    rows = []
    for site, cdd in sites["cdd19_per_year"].items():
        for name in names:
            tech = technologies[name]
            rows.append({"site": site, "cooling": name, "pue": tech.pue(cdd), "is_liquid": tech.liquid,
                         "max_rack_kw": tech.max_rack_kw, "capex_usd_per_mw": tech.capex_usd_per_mw,
                         "capex_usd_per_mw_year": tech.capex_usd_per_mw * annuity,
                         "water_m3_per_mw_year": tech.water_m3_per_mwh * HOURS_PER_YEAR})
    return pd.DataFrame(rows).set_index(["site", "cooling"])
