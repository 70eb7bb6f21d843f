"""Country outlines (Natural Earth, read with geopandas): 1:110M for land-area shares and maps, 1:50M for the
check that a site lies on land inside its country.

The 1:50M coastlines are coarse: they cut coastal cities such as Mumbai, Aberdeen and Visakhapatnam, so a
site just off the outline is accepted with a warning and only one clearly at sea or abroad is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
from shapely.geometry import Point

from planner.resources import data_path

OUTLINE_FILES = {"50m": ("boundaries", "ne_50m_admin_0_countries.geojson"),
                 "110m": ("boundaries", "ne_110m_admin_0_countries.geojson")}
COASTAL_TOLERANCE_KM = 15.0  # warn within this distance outside the outline, reject beyond it
WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class SitePlacement:
    """Where a point lies against its country's outline."""

    outside_km: float
    """Distance from the country's outline when outside it [km]; 0 inside."""
    country_there: str | None
    """ADM0_A3 code of the country whose outline holds the point, None at sea."""


@lru_cache(maxsize=2)
def outlines(scale: str = "50m") -> gpd.GeoDataFrame:
    """Every country's outline at ``scale`` ("50m" or "110m"), indexed by ``ADM0_A3`` (ISO3 for every normal
    country; France and Norway have ISO_A3 = -99 in Natural Earth)."""
    frame = gpd.read_file(data_path(*OUTLINE_FILES[scale]))[["ADM0_A3", "geometry"]]
    return frame.set_crs(WGS84, allow_override=True).drop_duplicates("ADM0_A3").set_index("ADM0_A3")


def country_outline(iso3: str, scale: str = "110m"):
    """The country's outline (shapely geometry, lon/lat) at ``scale``, or None if Natural Earth has none."""
    frame = outlines(scale)
    return frame.geometry.loc[iso3] if iso3 in frame.index else None


def has_outline(iso3: str) -> bool:
    return iso3 in outlines().index


@lru_cache(maxsize=4096)  # a study checks the same sites for each of its points
def site_placement(lat: float, lon: float, iso3: str) -> SitePlacement:
    """Distance of (lat, lon) outside ``iso3``'s outline, measured in an equidistant projection centred on the
    point (exact for distances from the centre), and the country it falls in."""
    frame = outlines()
    point = Point(lon, lat)
    holders = frame.index[frame.geometry.contains(point)]
    country_there = str(holders[0]) if len(holders) else None
    if country_there == iso3:
        return SitePlacement(0.0, iso3)
    local = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +units=m +datum=WGS84"
    outline = gpd.GeoSeries([frame.geometry.loc[iso3]], crs=WGS84).to_crs(local).iloc[0]
    return SitePlacement(outline.distance(Point(0.0, 0.0)) / 1000.0, country_there)
