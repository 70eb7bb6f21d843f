"""Country and city population from the shipped GeoNames extract (CC BY 4.0)."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from planner.resources import data_path


@lru_cache(maxsize=1)
def countries() -> pd.DataFrame:
    """GeoNames country table indexed by ISO3: ``iso2``, ``name``, ``population``, ``area_km2``."""
    table = pd.read_csv(data_path("population", "geonames_countries.csv"), keep_default_na=False,
                        na_values=[""], dtype={"iso": str})
    table = table.rename(columns={"iso": "iso2", "areakm2": "area_km2"}).set_index("iso3")
    table.index.name = "country"
    return table[["iso2", "name", "population", "area_km2", "capital"]]


@lru_cache(maxsize=1)
def _all_cities() -> pd.DataFrame:
    return pd.read_csv(data_path("population", "geonames_cities15000.csv"), keep_default_na=False,
                       na_values=[""], dtype={"countrycode": str, "admin1code": str, "timezone": str})


def cities(country_iso3: str, min_population: int = 0) -> pd.DataFrame:
    """Cities of one country indexed by GeoNames id: ``name``, ``population``, ``lat``, ``lon``, ``timezone``."""
    iso2 = countries().loc[country_iso3, "iso2"]
    table = _all_cities()
    table = table[(table["countrycode"] == iso2) & (table["population"] >= min_population)]
    table = table.rename(columns={"latitude": "lat", "longitude": "lon", "admin1code": "admin1"})
    table = table.set_index("geonameid")
    table.index.name = "city"
    return table[["name", "admin1", "population", "lat", "lon", "timezone"]].copy()


def country_outline(country_iso3: str):
    """The country's Natural Earth 1:110M outline (shapely geometry, lon/lat), or None if not shipped."""
    from planner.geo.outlines import country_outline as outline

    return outline(country_iso3, "110m")
