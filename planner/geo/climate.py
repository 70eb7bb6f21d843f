"""Country climate normals (ERA5, 2000-2024): annual cooling degree-days and mean temperature."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from planner.errors import DataError, Problem
from planner.resources import data_path

CLIMATE_FILE = ("climate", "country_monthly_climatology_era5.csv")


@lru_cache(maxsize=1)
def country_climate() -> pd.DataFrame:
    """Indexed by ISO3 country: ``cdd19_per_year`` (sum of monthly means) and ``mean_temp_c``."""
    monthly = pd.read_csv(data_path(*CLIMATE_FILE))
    grouped = monthly.groupby("adm0_a3")
    table = pd.DataFrame({"cdd19_per_year": grouped["cdd19_area_avg"].sum(), "mean_temp_c": grouped["mean_temp_c"].mean()})
    table.index.name = "country"
    return table


def climate_of(country_iso3: str) -> pd.Series:
    table = country_climate()
    if country_iso3 not in table.index:
        raise DataError([Problem("data/" + "/".join(CLIMATE_FILE), country_iso3,
                                 "no climate normals for this country; give each site's cdd19_per_year")])
    return table.loc[country_iso3]
