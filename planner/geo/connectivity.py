"""Where a point sits in the network, from shipped data only: metro size, country, continent, land or sea.

These are the latency model's inputs (``planner.geo.latency``); every one is computable for any coordinates,
so a model fitted on some countries can be applied to others:

* metro population: people in GeoNames cities (> 15,000) within a radius (``data/population``);
* distance to the nearest hub metro: the nearest GeoNames city of 100,000 or more whose metro (cities within
  50 km) has at least ``HUB_POPULATION`` people, where the large internet exchanges are;
* country: the ISO code of the nearest GeoNames city (coastal points and small states resolve correctly,
  which the coarse Natural Earth outlines do not);
* continent: GeoNames' continent code of that country;
* sea share of a path: the share of the great circle between two points that lies off land, on a
  0.25-degree raster of the Natural Earth outlines (``data/boundaries``).
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd

from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.units import EARTH_RADIUS_KM

_CITY_FILE = ("population", "geonames_cities15000.csv")
_COUNTRY_FILE = ("population", "geonames_countries.csv")
_OUTLINES = ("boundaries", "ne_110m_admin_0_countries.geojson")
_POINT_CHUNK = 128
LAND_RASTER_DEG = 0.25
PATH_SAMPLES = 17
HUB_POPULATION = 3.0e6
HUB_CANDIDATE_POPULATION = 100_000


def great_circle_km(lat_a, lon_a, lat_b, lon_b) -> np.ndarray:
    """Haversine distance in km; arguments in degrees, broadcast against each other like numpy arrays."""
    phi_a, lam_a, phi_b, lam_b = (np.radians(np.asarray(v, dtype=float)) for v in (lat_a, lon_a, lat_b, lon_b))
    h = np.sin((phi_b - phi_a) / 2) ** 2 + np.cos(phi_a) * np.cos(phi_b) * np.sin((lam_b - lam_a) / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@lru_cache(maxsize=1)
def _cities() -> pd.DataFrame:
    """GeoNames cities (> 15,000 people), sorted by latitude so a latitude band is a slice."""
    path = data_path(*_CITY_FILE)
    try:
        table = pd.read_csv(path, usecols=["latitude", "longitude", "population", "countrycode"],
                            keep_default_na=False, na_values={"latitude": [""], "longitude": [""]})
    except (OSError, ValueError) as error:
        raise DataError([Problem(str(path), "", f"cannot read the city table: {error}")]) from error
    return table.sort_values("latitude", kind="stable").reset_index(drop=True)


@lru_cache(maxsize=1)
def _city_tree():
    """STRtree of the GeoNames cities as (longitude, latitude) points, in ``_cities()`` order."""
    import shapely

    cities = _cities()
    return shapely.STRtree(shapely.points(cities.longitude.to_numpy(float), cities.latitude.to_numpy(float)))


def _longitude_reach_deg(lat, delta_rad: float) -> np.ndarray:
    """Largest longitude difference of any point within angular distance ``delta_rad`` of a point at ``lat``
    (degrees): asin(sin delta / cos lat), or 180 where the circle reaches a pole."""
    cos_lat = np.cos(np.radians(lat))
    reach = np.full(np.shape(lat), 180.0)
    limited = cos_lat > np.sin(delta_rad)
    reach[limited] = np.degrees(np.arcsin(np.sin(delta_rad) / cos_lat[limited]))
    return reach


def _cities_within(lat, lon, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (point index, index into ``_cities()``) of every city within ``radius_km`` (great circle) of
    each of the points (1-D arrays of degrees).

    Candidates come from a box query of the cities' STRtree, the box a little wider than the circle (its
    longitude reach at the point's latitude, and a copy across the antimeridian where it crosses it); the
    haversine distance then decides, as for any pair."""
    import shapely

    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    delta = radius_km / EARTH_RADIUS_KM
    margin = 1e-6  # degrees, so rounding in the box never drops a city the distance keeps
    half_lat = np.degrees(delta) + margin
    half_lon = _longitude_reach_deg(lat, delta) + margin
    full = half_lon >= 180.0  # every longitude: one box round the globe
    west = np.where(full, -180.0, lon - half_lon)
    east = np.where(full, 180.0, lon + half_lon)
    # A box narrower than the globe that crosses the antimeridian gets a copy on the other side; the two never
    # share a city (a city at -180 lies in the one, a city at +180 in the other).
    wraps_west, wraps_east = np.flatnonzero(west < -180.0), np.flatnonzero(east > 180.0)
    owner = np.concatenate([np.arange(lat.size), wraps_west, wraps_east])
    box_west = np.concatenate([west, west[wraps_west] + 360.0, west[wraps_east] - 360.0])
    box_east = np.concatenate([east, east[wraps_west] + 360.0, east[wraps_east] - 360.0])
    box_index, city = _city_tree().query(shapely.box(box_west, lat[owner] - half_lat, box_east, lat[owner] + half_lat))
    point = owner[box_index]
    cities = _cities()
    city_lat, city_lon = cities.latitude.to_numpy(float), cities.longitude.to_numpy(float)
    close = great_circle_km(lat[point], lon[point], city_lat[city], city_lon[city]) <= radius_km
    return point[close], city[close]


def metro_population(lat, lon, radius_km: float = 50.0) -> np.ndarray:
    """People living in GeoNames cities within ``radius_km`` of each point (a proxy for metro size).

    Populations are whole numbers, so the sums are exact whatever order the cities are found in."""
    lat, lon = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    point, city = _cities_within(lat.ravel(), lon.ravel(), radius_km)
    population = _cities().population.to_numpy(float)
    return np.bincount(point, weights=population[city], minlength=lat.size).reshape(lat.shape)


@lru_cache(maxsize=4)
def _hubs(min_population: float, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of the cities (>= 100,000 people) whose metro holds at least ``min_population``."""
    cities = _cities()
    big = cities[cities.population >= HUB_CANDIDATE_POPULATION]
    metro = metro_population(big.latitude.to_numpy(float), big.longitude.to_numpy(float), radius_km)
    hubs = big[metro >= min_population]
    return hubs.latitude.to_numpy(float), hubs.longitude.to_numpy(float)


def hub_distance_km(lat, lon, min_population: float = HUB_POPULATION, radius_km: float = 50.0) -> np.ndarray:
    """Great-circle distance from each point to the nearest hub metro (see the module docstring)."""
    lat, lon = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    hub_lat, hub_lon = _hubs(float(min_population), float(radius_km))
    flat_lat, flat_lon = lat.ravel(), lon.ravel()
    out = np.empty(flat_lat.size)
    for start in range(0, flat_lat.size, _POINT_CHUNK):
        sl = slice(start, start + _POINT_CHUNK)
        out[sl] = great_circle_km(flat_lat[sl, None], flat_lon[sl, None], hub_lat[None, :], hub_lon[None, :]).min(axis=1)
    return out.reshape(lat.shape)


def country_code(lat, lon, band_deg: float = 3.0) -> np.ndarray:
    """ISO 3166-1 alpha-2 code of the nearest GeoNames city to each point (object array, same shape).

    Searched in latitude-sorted chunks against the cities within ``band_deg`` of latitude; points whose
    nearest city in the band is farther than the band guarantees are searched against all cities."""
    lat, lon = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    cities = _cities()
    city_lat, city_lon = cities.latitude.to_numpy(float), cities.longitude.to_numpy(float)
    codes = cities.countrycode.to_numpy(object)
    flat_lat, flat_lon = lat.ravel(), lon.ravel()
    nearest = np.zeros(flat_lat.size, dtype=int)
    order = np.argsort(flat_lat)
    guaranteed_km = np.radians(band_deg) * EARTH_RADIUS_KM
    for start in range(0, order.size, _POINT_CHUNK):
        idx = order[start:start + _POINT_CHUNK]
        plat, plon = flat_lat[idx], flat_lon[idx]
        lo, hi = np.searchsorted(city_lat, [plat.min() - band_deg, plat.max() + band_deg])
        found = np.zeros(idx.size, dtype=bool)
        if hi > lo:
            dist = great_circle_km(plat[:, None], plon[:, None], city_lat[None, lo:hi], city_lon[None, lo:hi])
            found = dist.min(axis=1) <= guaranteed_km
            nearest[idx[found]] = lo + dist[found].argmin(axis=1)
        far = idx[~found]
        if far.size:
            full = great_circle_km(flat_lat[far, None], flat_lon[far, None], city_lat[None, :], city_lon[None, :])
            nearest[far] = full.argmin(axis=1)
    return codes[nearest].reshape(lat.shape)


@lru_cache(maxsize=1)
def _continents() -> dict[str, str]:
    path = data_path(*_COUNTRY_FILE)
    try:
        table = pd.read_csv(path, usecols=["iso", "continentcode"], keep_default_na=False)
    except (OSError, ValueError) as error:
        raise DataError([Problem(str(path), "", f"cannot read the country table: {error}")]) from error
    return dict(zip(table.iso, table.continentcode))


def continent_code(iso2) -> np.ndarray:
    """GeoNames continent (AF, AN, AS, EU, NA, OC, SA) of each ISO alpha-2 country code; '' if unknown."""
    table = _continents()
    codes = np.asarray(iso2, dtype=object)
    return np.vectorize(lambda c: table.get(c, ""), otypes=[object])(codes) if codes.size else codes


@lru_cache(maxsize=1)
def _land():
    """Union of the Natural Earth country outlines, prepared for point queries."""
    import shapely
    from shapely.geometry import shape

    path = data_path(*_OUTLINES)
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, KeyError, ValueError) as error:
        raise DataError([Problem(str(path), "features", f"cannot read the country outlines: {error}")]) from error
    land = shapely.union_all([shape(f["geometry"]) for f in features])
    shapely.prepare(land)
    return land


_ROWS, _COLS = int(round(180 / LAND_RASTER_DEG)), int(round(360 / LAND_RASTER_DEG))
_LAND_CELLS = np.full((_ROWS, _COLS), -1, dtype=np.int8)
"""Land (1) or sea (0) of each raster cell centre, filled on first use (-1 = not yet known)."""


def on_land(lat, lon) -> np.ndarray:
    """Whether each point's 0.25-degree raster cell has its centre on land (Natural Earth outlines)."""
    import shapely

    rows = np.clip(((np.asarray(lat, dtype=float) + 90) / LAND_RASTER_DEG).astype(int), 0, _ROWS - 1)
    cols = ((np.asarray(lon, dtype=float) + 180) / LAND_RASTER_DEG).astype(int) % _COLS
    unknown = _LAND_CELLS[rows, cols] < 0
    if unknown.any():
        cells = np.unique(np.column_stack([rows[unknown], cols[unknown]]), axis=0)
        centre_lat = -90 + (cells[:, 0] + 0.5) * LAND_RASTER_DEG
        centre_lon = -180 + (cells[:, 1] + 0.5) * LAND_RASTER_DEG
        _LAND_CELLS[cells[:, 0], cells[:, 1]] = shapely.contains_xy(_land(), centre_lon, centre_lat)
    return _LAND_CELLS[rows, cols] == 1


def _unit_vectors(lat, lon) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)


def sea_share(lat_a, lon_a, lat_b, lon_b, samples: int = PATH_SAMPLES) -> np.ndarray:
    """Share of the great circle from a to b that lies off land, from ``samples`` interior points."""
    lat_a, lon_a, lat_b, lon_b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lat_a, lon_a, lat_b, lon_b)))
    va, vb = _unit_vectors(lat_a, lon_a), _unit_vectors(lat_b, lon_b)
    omega = np.arccos(np.clip((va * vb).sum(axis=-1), -1.0, 1.0))[..., None]
    sin_omega = np.sin(omega)
    sea = np.zeros(lat_a.shape)
    for t in (np.arange(samples) + 0.5) / samples:
        # spherical interpolation; where a and b (nearly) coincide the chord is exact enough
        safe = sin_omega > 1e-9
        wa = np.where(safe, np.sin((1 - t) * omega) / np.where(safe, sin_omega, 1.0), 1 - t)
        wb = np.where(safe, np.sin(t * omega) / np.where(safe, sin_omega, 1.0), t)
        v = wa * va + wb * vb
        v /= np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
        lat = np.degrees(np.arcsin(np.clip(v[..., 2], -1, 1)))
        lon = np.degrees(np.arctan2(v[..., 1], v[..., 0]))
        sea += ~on_land(lat, lon)
    return sea / samples
