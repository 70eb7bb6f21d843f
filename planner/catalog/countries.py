"""ISO 3166 alpha-3 country codes, validated against the GeoNames country table shipped in ``data/``.

Rule packs and the catalog name countries by ISO3; a typo must fail loudly (with a suggestion) rather than
silently fall into a pack's "other countries" treatment.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import pandas as pd

from planner.resources import data_path

COUNTRIES_FILE = ("population", "geonames_countries.csv")
#: codes people type that are not ISO (exceptionally reserved or EU usage)
COMMON_CODES = {"UK": "GBR", "EL": "GRC", "EU": None}


@lru_cache(maxsize=1)
def country_table() -> pd.DataFrame:
    """ISO3-indexed table with ``iso2`` and ``name`` (GeoNames; 'NA' is Namibia, not a missing value)."""
    table = pd.read_csv(data_path(*COUNTRIES_FILE), dtype=str, keep_default_na=False)
    table = table.rename(columns={"iso": "iso2"})[["iso3", "iso2", "name"]]
    return table.set_index("iso3")


def is_country(code: str) -> bool:
    return code in country_table().index


def suggest_country(code: str) -> str:
    """A hint naming the ISO3 code the user probably meant (from ISO2, a country name, or spelling)."""
    table = country_table()
    text = code.strip()
    by_iso2 = table.index[table["iso2"].str.upper() == text.upper()]
    by_name = table.index[table["name"].str.casefold() == text.casefold()]
    common = [COMMON_CODES[text.upper()]] if COMMON_CODES.get(text.upper()) else []
    hits = list(dict.fromkeys([*common, *by_iso2, *by_name]))
    hits += difflib.get_close_matches(text.upper(), list(table.index), n=3, cutoff=0.6)
    hits = list(dict.fromkeys(hits))[:3]
    if not hits:
        return "expected an ISO 3166 alpha-3 code such as USA, IND, GBR"
    return "expected an ISO 3166 alpha-3 code; did you mean " + ", ".join(
        f"{h} ({table.at[h, 'name']})" for h in hits) + "?"
