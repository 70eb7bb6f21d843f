"""Demand regions: a country's cities clustered into a controllable number of regions.

Method: population-weighted k-means on an equal-area-ish projection (longitude scaled by cos(latitude)),
seeded deterministically with weighted k-means++. Each region's population is its cities' population
scaled so that regions sum to the national total: the people the GeoNames list does not cover (towns
under 15,000 and rural areas) are assigned to regions in proportion to their urban population, which
keeps the national total exact. Each region keeps its centroid, member cities, largest city and the
time zone of most of its people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.geo.population import cities, countries

MAX_ITERATIONS = 100


def _projected(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    mean_lat = np.deg2rad(np.average(lat))
    return np.column_stack([lon * np.cos(mean_lat), lat])


def _kmeans_pp_init(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    first = int(np.argmax(weights))
    centres = [points[first]]
    for _ in range(1, k):
        d2 = np.min(((points[:, None, :] - np.asarray(centres)[None]) ** 2).sum(-1), axis=1)
        score = d2 * weights
        if score.sum() <= 0:
            break
        centres.append(points[rng.choice(len(points), p=score / score.sum())])
    return np.asarray(centres)


def weighted_kmeans(points: np.ndarray, weights: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Cluster labels (0..k-1) of ``points`` minimising the weighted within-cluster squared distance."""
    k = min(k, len(points))
    rng = np.random.default_rng(seed)
    centres = _kmeans_pp_init(points, weights, k, rng)
    labels = np.zeros(len(points), dtype=int)
    for _ in range(MAX_ITERATIONS):
        d2 = ((points[:, None, :] - centres[None]) ** 2).sum(-1)
        new_labels = np.argmin(d2, axis=1)
        if np.array_equal(new_labels, labels) and _ > 0:
            break
        labels = new_labels
        for c in range(len(centres)):
            member = labels == c
            if member.any():
                centres[c] = np.average(points[member], axis=0, weights=weights[member])
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def demand_regions(country_iso3: str, count: int, min_city_population: int = 0, seed: int = 0) -> pd.DataFrame:
    """Regions indexed by ``region``: population, lat, lon, largest_city, timezone, n_cities, urban_population."""
    members = cities(country_iso3, min_city_population)
    labels = weighted_kmeans(_projected(members["lat"].to_numpy(), members["lon"].to_numpy()),
                             members["population"].to_numpy(float), count, seed)
    members = members.assign(region_index=labels)
    national_population = float(countries().loc[country_iso3, "population"])
    urban_total = float(members["population"].sum())
    scale = max(national_population / urban_total, 1.0)
    rows = [_region_row(group, scale) for _, group in members.groupby("region_index")]
    table = pd.DataFrame(rows).sort_values("population", ascending=False)
    table.index = pd.Index(_unique_names(table["largest_city"]), name="region")
    return table


def _region_row(group: pd.DataFrame, scale: float) -> dict:
    weights = group["population"].to_numpy(float)
    largest = group.loc[group["population"].idxmax()]
    timezone = group.groupby("timezone")["population"].sum().idxmax()
    return {
        "population": float(weights.sum() * scale),
        "urban_population": float(weights.sum()),
        "lat": float(np.average(group["lat"], weights=weights)),
        "lon": float(np.average(group["lon"], weights=weights)),
        "largest_city": str(largest["name"]),
        "timezone": str(timezone),
        "n_cities": int(len(group)),
        "cities": tuple(group["name"].astype(str)),
    }


def _unique_names(largest_cities: pd.Series) -> list[str]:
    """Regions are named after their largest city; repeated city names get a numeric suffix."""
    names, seen = [], {}
    for city in largest_cities.astype(str).str.replace(" ", "-"):
        seen[city] = seen.get(city, 0) + 1
        names.append(city if seen[city] == 1 else f"{city}-{seen[city]}")
    return names
