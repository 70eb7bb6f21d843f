"""Network round-trip time (RTT) between points, from physics and network structure.

Model of the minimum RTT (the path without queueing), all terms in ms, round trip::

    rtt_min_ms = 2 * access_ms + 2 * distance_km / fibre_speed_km_per_ms * route_inflation
    route_inflation = 1 + exp(sum_k inflation[k] * x_k)

* Light in fibre covers about 200 km/ms, so ``2 * distance / 200`` is the physical floor and the inflation
  factor is at least 1 by construction: no prediction beats light in fibre.
* ``access_ms`` per end is the floor for access and in-metro hops (switching, the hosts' stacks).
* How much longer than the great circle the route is (``x_k``, ``PAIR_FEATURES``) depends on the distance
  (log and its square: short routes detour proportionally more), on whether the pair crosses a border, on
  the share of the path over sea (submarine cables run straighter than terrestrial routes), on how far each
  end is from the nearest hub metro (3 million people or more, where the large exchanges are: a town far
  from one is backhauled to it), and, for international pairs, on how many ends lie outside Europe and
  North America (traffic between those regions detours through the European and North American exchanges).
  Every feature is computed from coordinates and shipped data (``planner.geo.connectivity``); no constant
  belongs to a country or a city.
* Uncertainty: ``p50`` and ``p90`` multiply ``rtt_min_ms`` by the quantiles of measured / predicted RTT in
  distance bands, taken from leave-one-country-out predictions, i.e. for places the fit did not see.

The constants in ``data/latency/latency_model.yaml`` are fitted by ``planner latency calibrate`` on
WonderNetwork ping data (2020), see ``docs/latency.md``; the measurement file is not shipped.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
import yaml

from planner.errors import DataError, InputError, Problem
from planner.geo.connectivity import (HUB_POPULATION, continent_code, country_code, great_circle_km, hub_distance_km,
                                      metro_population, sea_share)
from planner.resources import data_path
from planner.yaml_load import safe_load

__all__ = ["great_circle_km", "metro_population", "LatencyModel", "ResidualBand", "load_latency_model",
           "pair_features", "point_features", "predict_min_ms", "rtt_ms", "rtt_matrix_ms", "rtt_over_graph_ms",
           "read_pairs", "check_pairs", "PAIR_COORDINATES", "PAIR_FEATURES", "PERCENTILES"]

FIBRE_SPEED_KM_PER_MS = 200.0
PAIR_COORDINATES = ("lat_a", "lon_a", "lat_b", "lon_b")
Percentile = Literal["p50", "p90"]
PERCENTILES: tuple[str, ...] = ("p50", "p90")
OUTER_CONTINENTS = {"AF": "africa", "AS": "asia", "OC": "oceania", "SA": "south_america"}
PAIR_FEATURES = ("intercept", "log_distance", "log_distance_sq", "international", "sea_share",
                 "hub_distance", *(f"international_{name}" for name in OUTER_CONTINENTS.values()))
REFERENCE_DISTANCE_KM = 1000.0
HUB_DISTANCE_SCALE_KM = 100.0
"""The hub feature is log(1 + hub distance / 100 km) summed over both ends: 0 in a hub, ~1.8 at 500 km."""
MIN_DISTANCE_KM = 10.0
"""Below this the distance terms of the inflation stop growing (the fibre term is negligible there anyway)."""


@dataclass(frozen=True)
class ResidualBand:
    """Quantiles of measured / predicted minimum RTT for pairs shorter than ``max_km``."""

    max_km: float
    p50: float
    p90: float


def _default_inflation() -> dict[str, float]:
    return {name: 0.0 for name in PAIR_FEATURES}


@dataclass(frozen=True)
class LatencyModel:
    """Constants of the RTT model (see the module docstring for the formula)."""

    access_ms: float = 0.5
    inflation: Mapping[str, float] = field(default_factory=_default_inflation)
    residual_bands: tuple[ResidualBand, ...] = (ResidualBand(math.inf, 1.0, 1.0),)
    hub_population: float = HUB_POPULATION
    metro_radius_km: float = 50.0
    fibre_speed_km_per_ms: float = FIBRE_SPEED_KM_PER_MS

    def fibre_ms(self, distance_km) -> np.ndarray:
        """The physical floor: light in fibre along the great circle and back."""
        return 2.0 * np.asarray(distance_km, dtype=float) / self.fibre_speed_km_per_ms

    def coefficients(self) -> np.ndarray:
        return np.array([self.inflation.get(name, 0.0) for name in PAIR_FEATURES])

    def band_ratio(self, distance_km, percentile: str) -> np.ndarray:
        """Measured / predicted quantile for each distance (``percentile`` p50 or p90)."""
        distance = np.asarray(distance_km, dtype=float)
        edges = np.array([band.max_km for band in self.residual_bands])
        ratios = np.array([getattr(band, percentile) for band in self.residual_bands])
        return ratios[np.minimum(np.searchsorted(edges, distance, side="right"), len(edges) - 1)]


# --- features ------------------------------------------------------------------------------------------

def point_features(lat, lon, hub_population: float = HUB_POPULATION, radius_km: float = 50.0) -> pd.DataFrame:
    """Distance to the nearest hub metro, country (ISO alpha-2) and continent of each point."""
    lat, lon = np.asarray(lat, dtype=float).ravel(), np.asarray(lon, dtype=float).ravel()
    country = country_code(lat, lon)
    return pd.DataFrame({"hub_distance_km": hub_distance_km(lat, lon, hub_population, radius_km),
                         "country": country, "continent": continent_code(country)})


def _unique_point_features(lat, lon, hub_population: float = HUB_POPULATION,
                           radius_km: float = 50.0) -> pd.DataFrame:
    """``point_features`` computed once per distinct point (calibration files repeat each city many times)."""
    points = np.column_stack([np.asarray(lat, dtype=float).ravel(), np.asarray(lon, dtype=float).ravel()])
    unique, inverse = np.unique(points, axis=0, return_inverse=True)
    table = point_features(unique[:, 0], unique[:, 1], hub_population, radius_km)
    return table.iloc[inverse.ravel()].reset_index(drop=True)


def pair_features(lat_a, lon_a, lat_b, lon_b, hub_population: float = HUB_POPULATION, radius_km: float = 50.0,
                  points_a: pd.DataFrame | None = None, points_b: pd.DataFrame | None = None) -> pd.DataFrame:
    """Everything the model needs about each pair: distance, sea share and both ends' point features.

    ``points_a``/``points_b`` (from ``point_features``, one row per pair) skip the per-point lookups."""
    lat_a, lon_a, lat_b, lon_b = (np.asarray(v, dtype=float).ravel() for v in (lat_a, lon_a, lat_b, lon_b))
    a = points_a if points_a is not None else _unique_point_features(lat_a, lon_a, hub_population, radius_km)
    b = points_b if points_b is not None else _unique_point_features(lat_b, lon_b, hub_population, radius_km)
    return pd.DataFrame({
        "distance_km": great_circle_km(lat_a, lon_a, lat_b, lon_b),
        "sea_share": sea_share(lat_a, lon_a, lat_b, lon_b),
        "hub_distance_km_a": a["hub_distance_km"].to_numpy(float),
        "hub_distance_km_b": b["hub_distance_km"].to_numpy(float),
        "country_a": a["country"].to_numpy(object), "country_b": b["country"].to_numpy(object),
        "continent_a": a["continent"].to_numpy(object), "continent_b": b["continent"].to_numpy(object),
    })


def design(features: pd.DataFrame) -> np.ndarray:
    """The inflation's feature matrix, one row per pair, columns ``PAIR_FEATURES``."""
    distance = np.maximum(features["distance_km"].to_numpy(float), MIN_DISTANCE_KM)
    log_d = np.log(distance / REFERENCE_DISTANCE_KM)
    hub = (np.log1p(features["hub_distance_km_a"].to_numpy(float) / HUB_DISTANCE_SCALE_KM)
           + np.log1p(features["hub_distance_km_b"].to_numpy(float) / HUB_DISTANCE_SCALE_KM))
    international = (features["country_a"].to_numpy(object) != features["country_b"].to_numpy(object)).astype(float)
    continents_a, continents_b = features["continent_a"].to_numpy(object), features["continent_b"].to_numpy(object)
    outer = [international * ((continents_a == code).astype(float) + (continents_b == code))
             for code in OUTER_CONTINENTS]
    return np.column_stack([np.ones_like(log_d), log_d, log_d ** 2, international,
                            features["sea_share"].to_numpy(float), hub, *outer])


def predict_min_ms(features: pd.DataFrame, model: LatencyModel) -> np.ndarray:
    """Predicted minimum RTT of each pair (rows of ``pair_features``)."""
    inflation = 1.0 + np.exp(design(features) @ model.coefficients())
    return 2.0 * model.access_ms + model.fibre_ms(features["distance_km"].to_numpy(float)) * inflation


def predict_ms(features: pd.DataFrame, model: LatencyModel, percentile: str = "p50") -> np.ndarray:
    """Predicted RTT at ``percentile`` (p50, p90) or the model's point value (``min``); never below fibre."""
    rtt = predict_min_ms(features, model)
    if percentile == "min":
        return rtt
    if percentile not in PERCENTILES:
        raise ValueError(f"percentile must be one of {PERCENTILES} or 'min', not {percentile!r}")
    distance = features["distance_km"].to_numpy(float)
    return np.maximum(rtt * model.band_ratio(distance, percentile), model.fibre_ms(distance))


# --- loading the shipped constants ----------------------------------------------------------------------

def _model_path() -> Path:
    return data_path("latency", "latency_model.yaml")


_SCALARS = ("access_ms", "hub_population", "metro_radius_km", "fibre_speed_km_per_ms")


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _bands(raw: object, file: str) -> tuple[list[ResidualBand], list[Problem]]:
    if not isinstance(raw, list) or not raw:
        return [], [Problem(file, "constants.residual_bands", "must be a non-empty list of {max_km, p50, p90}", raw)]
    bands, problems = [], []
    for i, item in enumerate(raw):
        where = f"constants.residual_bands[{i}]"
        if not isinstance(item, dict) or set(item) != {"max_km", "p50", "p90"}:
            problems.append(Problem(file, where, "must have exactly the keys max_km, p50, p90", item))
            continue
        max_km = math.inf if item["max_km"] is None else item["max_km"]
        if not (_finite(max_km) or max_km == math.inf) or not _finite(item["p50"]) or not _finite(item["p90"]) \
                or not 0 < item["p50"] <= item["p90"]:
            problems.append(Problem(file, where, "needs numbers with 0 < p50 <= p90 (max_km null = no limit)", item))
            continue
        bands.append(ResidualBand(float(max_km), float(item["p50"]), float(item["p90"])))
    if not problems and (any(b.max_km >= c.max_km for b, c in zip(bands, bands[1:])) or bands[-1].max_km != math.inf):
        problems.append(Problem(file, "constants.residual_bands", "max_km must increase and end with null"))
    return bands, problems


def load_latency_model(path: Path | str | None = None) -> LatencyModel:
    """The shipped latency constants (``data/latency/latency_model.yaml``, key ``constants``)."""
    path = Path(path) if path is not None else _model_path()
    file = str(path)
    try:
        constants = safe_load(path.read_text())["constants"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as error:
        raise DataError([Problem(file, "constants", f"cannot read the latency model: {error}")]) from error
    if not isinstance(constants, dict):
        raise DataError([Problem(file, "constants", "must be a mapping of constant names to numbers")])
    known = set(_SCALARS) | {"inflation", "residual_bands"}
    problems = [Problem(file, f"constants.{k}", "unknown constant", v) for k, v in constants.items() if k not in known]
    problems += [Problem(file, f"constants.{k}", "must be a finite number", constants[k])
                 for k in _SCALARS if k in constants and not _finite(constants[k])]
    inflation = constants.get("inflation", {})
    if not isinstance(inflation, dict):
        problems.append(Problem(file, "constants.inflation", "must map feature names to numbers", inflation))
        inflation = {}
    problems += [Problem(file, f"constants.inflation.{k}", f"unknown feature (known: {', '.join(PAIR_FEATURES)})", v)
                 for k, v in inflation.items() if k not in PAIR_FEATURES]
    problems += [Problem(file, f"constants.inflation.{k}", "must be a finite number", v)
                 for k, v in inflation.items() if k in PAIR_FEATURES and not _finite(v)]
    bands, band_problems = _bands(constants.get("residual_bands", [{"max_km": None, "p50": 1.0, "p90": 1.0}]), file)
    problems += band_problems
    if problems:
        raise DataError(problems)
    scalars = {k: float(constants[k]) for k in _SCALARS if k in constants}
    return LatencyModel(**scalars, inflation={**_default_inflation(), **{k: float(v) for k, v in inflation.items()}},
                        residual_bands=tuple(bands))


def model_constants(model: LatencyModel) -> dict:
    """The model as plain numbers (for YAML/JSON), in the layout ``load_latency_model`` reads."""
    out = {k: float(getattr(model, k)) for k in _SCALARS}
    out["inflation"] = {k: float(model.inflation.get(k, 0.0)) for k in PAIR_FEATURES}
    out["residual_bands"] = [{"max_km": None if math.isinf(b.max_km) else float(b.max_km), "p50": float(b.p50),
                              "p90": float(b.p90)} for b in model.residual_bands]
    return out


# --- RTT for points and matrices --------------------------------------------------------------------------

def _points(lat, lon, model: LatencyModel, hub_distance_override=None) -> pd.DataFrame:
    table = _unique_point_features(np.ravel(lat), np.ravel(lon), model.hub_population, model.metro_radius_km)
    if hub_distance_override is not None:
        table["hub_distance_km"] = np.broadcast_to(np.asarray(hub_distance_override, dtype=float),
                                                   np.shape(lat)).ravel()
    return table


def rtt_ms(lat_a, lon_a, lat_b, lon_b, model: LatencyModel | None = None, *, percentile: str = "p50",
           hub_distance_km_a=None, hub_distance_km_b=None) -> np.ndarray:
    """Estimated RTT in ms between points a and b (degrees; arrays broadcast) at ``percentile``.

    ``percentile``: ``p50`` (median for a pair like this), ``p90``, or ``min`` (the model's minimum RTT).
    Distances to the nearest hub metro are computed from the shipped GeoNames table when not given; pass
    them to skip the lookup (0 treats an endpoint as a hub, e.g. a cloud region in a large metro).
    """
    model = model or load_latency_model()
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lat_a, lon_a, lat_b, lon_b)))
    shape = arrays[0].shape
    hub_a = None if hub_distance_km_a is None else np.broadcast_to(np.asarray(hub_distance_km_a, float), shape)
    hub_b = None if hub_distance_km_b is None else np.broadcast_to(np.asarray(hub_distance_km_b, float), shape)
    a = _points(arrays[0], arrays[1], model, hub_a)
    b = _points(arrays[2], arrays[3], model, hub_b)
    features = pair_features(*arrays, points_a=a, points_b=b)
    return predict_ms(features, model, percentile).reshape(shape)


def _points_table(points: pd.DataFrame, model: LatencyModel) -> pd.DataFrame:
    override = points["hub_distance_km"].to_numpy(float) if "hub_distance_km" in points else None
    return _points(points["lat"].to_numpy(float), points["lon"].to_numpy(float), model, override)


def rtt_matrix_ms(points_a: pd.DataFrame, points_b: pd.DataFrame, model: LatencyModel | None = None,
                  percentile: str = "p50") -> pd.DataFrame:
    """RTT in ms from every row of ``points_a`` (index x) to every row of ``points_b`` (columns).

    Both frames have ``lat`` and ``lon`` columns and optionally ``hub_distance_km`` (else computed)."""
    model = model or load_latency_model()
    n_a, n_b = len(points_a), len(points_b)
    a = _points_table(points_a, model).iloc[np.repeat(np.arange(n_a), n_b)].reset_index(drop=True)
    b = _points_table(points_b, model).iloc[np.tile(np.arange(n_b), n_a)].reset_index(drop=True)
    lat_a = np.repeat(points_a["lat"].to_numpy(float), n_b)
    lon_a = np.repeat(points_a["lon"].to_numpy(float), n_b)
    lat_b = np.tile(points_b["lat"].to_numpy(float), n_a)
    lon_b = np.tile(points_b["lon"].to_numpy(float), n_a)
    features = pair_features(lat_a, lon_a, lat_b, lon_b, points_a=a, points_b=b)
    values = predict_ms(features, model, percentile).reshape(n_a, n_b)
    return pd.DataFrame(values, index=points_a.index.copy(), columns=points_b.index.copy())


def rtt_over_graph_ms(graph: nx.Graph, source: Hashable, model: LatencyModel | None = None,
                      length_attr: str = "length_km") -> pd.Series:
    """RTT in ms from ``source`` to every reachable node of a backbone graph along its shortest path.

    Edge lengths are cable route km (``length_attr``), so no route inflation is applied; the access delay
    of both ends is. Useful where the backbone is known (e.g. submarine cables) and the great circle is
    misleading.
    """
    model = model or load_latency_model()
    path_km = nx.single_source_dijkstra_path_length(graph, source, weight=length_attr)
    km = pd.Series(path_km, dtype=float).rename_axis("node")
    return pd.Series(2.0 * model.access_ms + model.fibre_ms(km.to_numpy()), index=km.index, name="rtt_ms")


# --- reading pairs files ----------------------------------------------------------------------------------

COORDINATE_RANGE = {"lat_a": 90.0, "lat_b": 90.0, "lon_a": 180.0, "lon_b": 180.0}


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, so messages read ``91.0`` and not ``np.float64(91.0)``."""
    return value.item() if isinstance(value, np.generic) else value


def check_pairs(frame: pd.DataFrame, file: str, required: tuple[str, ...] = PAIR_COORDINATES) -> list[Problem]:
    """Every problem in a pairs table: missing columns, then per cell non-numeric or out of range.

    Rows are counted from 1 = the first data row (line 2 of the file).
    """
    missing = [c for c in required if c not in frame.columns]
    problems = [Problem(file, c, "required column is missing") for c in missing]
    for column in (c for c in required if c in frame.columns):
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce")
        limit = COORDINATE_RANGE.get(column)
        for position in np.flatnonzero(values.isna().to_numpy()):
            shown = raw.iloc[position]
            message = "value is missing" if pd.isna(shown) else "must be a number"
            problems.append(Problem(file, f"row {position + 1}, column {column}", message,
                                    None if pd.isna(shown) else _plain(shown)))
        bad = values.notna() & (~np.isfinite(values) | ((values.abs() > limit) if limit else values <= 0))
        expected = f"must lie in [-{limit:g}, {limit:g}] degrees" if limit else "must be a positive number"
        for position in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem(file, f"row {position + 1}, column {column}", expected, _plain(raw.iloc[position])))
    return problems


def read_pairs(path: Path | str, required: tuple[str, ...] = PAIR_COORDINATES) -> pd.DataFrame:
    """Read a pairs CSV, raising ``InputError`` with every problem found; required columns become floats."""
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise InputError([Problem(str(path), "", f"cannot read the CSV file: {error}")]) from error
    problems = check_pairs(frame, str(path), required)
    if problems:
        raise InputError(problems, f"{len(problems)} problem(s) in {path}")
    return frame.assign(**{c: pd.to_numeric(frame[c]) for c in required})
