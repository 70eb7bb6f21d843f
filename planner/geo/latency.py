"""Network round-trip time (RTT) between points, from physics plus a few fitted constants.

Model (all terms in ms, round trip)::

    rtt_ms = overhead_ms
             + 2 * route_inflation * distance_km / fibre_speed_km_per_ms
             + access_ms(a) + access_ms(b)
    access_ms(p) = backhaul_ms * exp(-metro_population(p) / hub_population)

* Light in fibre covers about 200 km/ms, so ``2 * distance / 200`` is the physical floor; real routes are
  longer than the great circle by ``route_inflation``.
* ``overhead_ms`` is the distance-independent part (serialisation, switching, the hosts' stacks).
* The access term is the distance-dependent detour that smooth distance functions miss: an endpoint in a
  small metro has no internet exchange of its own and is backhauled to a hub before its traffic heads out.
  The chance of that falls with the metro's population (GeoNames cities within ``metro_radius_km``), which
  exists for every country, so the model carries over from the US calibration to other countries.

What the planner's RTT budget means: the *typical* network RTT a user sees, so the model is fitted on
``rtt_avg_ms`` (average of 30 pings, median over a day) rather than the best case ``rtt_min_ms``. The
constants shipped in ``data/latency/latency_model.yaml`` were fitted on WonderNetwork ping data 2020, via
sm86/geo-latency-data (``planner latency calibrate``); the measurement file itself is not shipped.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import yaml

from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.units import EARTH_RADIUS_KM

FIBRE_SPEED_KM_PER_MS = 200.0
DEFAULT_QUANTITY = "rtt_avg_ms"
PAIR_COORDINATES = ("lat_a", "lon_a", "lat_b", "lon_b")
_POINT_CHUNK = 128
_CITY_FILE = ("population", "geonames_cities15000.csv")


def great_circle_km(lat_a, lon_a, lat_b, lon_b) -> np.ndarray:
    """Haversine distance in km; arguments in degrees, broadcast against each other like numpy arrays."""
    phi_a, lam_a, phi_b, lam_b = (np.radians(np.asarray(v, dtype=float)) for v in (lat_a, lon_a, lat_b, lon_b))
    h = np.sin((phi_b - phi_a) / 2) ** 2 + np.cos(phi_a) * np.cos(phi_b) * np.sin((lam_b - lam_a) / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class LatencyModel:
    """Constants of the RTT model (see the module docstring for the formula)."""

    route_inflation: float = 1.7
    overhead_ms: float = 0.5
    backhaul_ms: float = 6.4
    hub_population: float = 3.5e6
    metro_radius_km: float = 50.0
    fibre_speed_km_per_ms: float = FIBRE_SPEED_KM_PER_MS

    def access_ms(self, metro_population) -> np.ndarray:
        """Extra RTT for reaching a hub from an endpoint whose metro has ``metro_population`` people."""
        pop = np.asarray(metro_population, dtype=float)
        return self.backhaul_ms * np.exp(-pop / self.hub_population)

    def propagation_ms(self, distance_km) -> np.ndarray:
        """Overhead plus inflated fibre propagation there and back, without the access terms."""
        distance = np.asarray(distance_km, dtype=float)
        return self.overhead_ms + 2.0 * self.route_inflation * distance / self.fibre_speed_km_per_ms


def _model_path() -> Path:
    return data_path("latency", "latency_model.yaml")


def load_latency_model(path: Path | str | None = None) -> LatencyModel:
    """The shipped latency constants (``data/latency/latency_model.yaml``, key ``constants``)."""
    path = Path(path) if path is not None else _model_path()
    try:
        constants = yaml.safe_load(path.read_text())["constants"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as error:
        raise DataError([Problem(str(path), "constants", f"cannot read the latency model: {error}")]) from error
    if not isinstance(constants, dict):
        raise DataError([Problem(str(path), "constants", "must be a mapping of constant names to numbers")])
    known = set(LatencyModel.__dataclass_fields__)
    problems = [Problem(str(path), f"constants.{k}", "unknown constant", v)
                for k, v in constants.items() if k not in known]
    problems += [Problem(str(path), f"constants.{k}", "must be a finite number", v) for k, v in constants.items()
                 if k in known and not (isinstance(v, int | float) and math.isfinite(v))]
    if problems:
        raise DataError(problems)
    return LatencyModel(**{k: float(v) for k, v in constants.items()})


# --- metro population (the access term's input) --------------------------------------------------------

@lru_cache(maxsize=1)
def _cities() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GeoNames cities (> 15,000 people), sorted by latitude so a latitude band is a slice."""
    path = data_path(*_CITY_FILE)
    try:
        table = pd.read_csv(path, usecols=["latitude", "longitude", "population"])
    except (OSError, ValueError) as error:
        raise DataError([Problem(str(path), "", f"cannot read the city table: {error}")]) from error
    table = table.sort_values("latitude")
    return (table.latitude.to_numpy(float), table.longitude.to_numpy(float), table.population.to_numpy(float))


def metro_population(lat, lon, radius_km: float = 50.0) -> np.ndarray:
    """People living in GeoNames cities within ``radius_km`` of each point (a proxy for metro size).

    Points are processed in latitude-sorted chunks against the band of cities that can be in range, so the
    cost stays near linear in the number of points.
    """
    lat, lon = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    flat_lat, flat_lon = lat.ravel(), lon.ravel()
    city_lat, city_lon, city_pop = _cities()
    out = np.zeros(flat_lat.size)
    order = np.argsort(flat_lat)
    band_deg = np.degrees(radius_km / EARTH_RADIUS_KM)
    for start in range(0, order.size, _POINT_CHUNK):
        idx = order[start:start + _POINT_CHUNK]
        plat, plon = flat_lat[idx], flat_lon[idx]
        lo, hi = np.searchsorted(city_lat, [plat.min() - band_deg, plat.max() + band_deg])
        dist = great_circle_km(plat[:, None], plon[:, None], city_lat[None, lo:hi], city_lon[None, lo:hi])
        out[idx] = (dist <= radius_km) @ city_pop[lo:hi]
    return out.reshape(lat.shape)


# --- RTT ------------------------------------------------------------------------------------------------

def rtt_ms(lat_a, lon_a, lat_b, lon_b, model: LatencyModel | None = None, *,
           metro_population_a=None, metro_population_b=None) -> np.ndarray:
    """Estimated typical RTT in ms between points a and b (degrees; arrays broadcast).

    Metro populations are looked up from the shipped GeoNames table when not given; pass them to skip
    the lookup (or pass a large number to treat an endpoint as a hub, e.g. a cloud region).
    """
    model = model or load_latency_model()
    distance = great_circle_km(lat_a, lon_a, lat_b, lon_b)
    pop_a = metro_population(lat_a, lon_a, model.metro_radius_km) if metro_population_a is None \
        else metro_population_a
    pop_b = metro_population(lat_b, lon_b, model.metro_radius_km) if metro_population_b is None \
        else metro_population_b
    return model.propagation_ms(distance) + model.access_ms(pop_a) + model.access_ms(pop_b)


def _points_population(points: pd.DataFrame, model: LatencyModel) -> np.ndarray:
    if "metro_population" in points:
        return points["metro_population"].to_numpy(float)
    return metro_population(points["lat"].to_numpy(float), points["lon"].to_numpy(float), model.metro_radius_km)


def rtt_matrix_ms(points_a: pd.DataFrame, points_b: pd.DataFrame, model: LatencyModel | None = None) -> pd.DataFrame:
    """RTT in ms from every row of ``points_a`` (index x) to every row of ``points_b`` (columns).

    Both frames have ``lat`` and ``lon`` columns and optionally ``metro_population`` (else looked up).
    """
    model = model or load_latency_model()
    values = rtt_ms(points_a["lat"].to_numpy(float)[:, None], points_a["lon"].to_numpy(float)[:, None],
                    points_b["lat"].to_numpy(float)[None, :], points_b["lon"].to_numpy(float)[None, :], model,
                    metro_population_a=_points_population(points_a, model)[:, None],
                    metro_population_b=_points_population(points_b, model)[None, :])
    return pd.DataFrame(values, index=points_a.index.copy(), columns=points_b.index.copy())


def rtt_over_graph_ms(graph: nx.Graph, source: Hashable, model: LatencyModel | None = None,
                      length_attr: str = "length_km") -> pd.Series:
    """RTT in ms from ``source`` to every reachable node of a backbone graph along its shortest path.

    Edge lengths are cable route km (``length_attr``), so no route inflation is applied; the fixed overhead
    is. Useful where the backbone is known (e.g. submarine cables) and the great circle is misleading.
    """
    model = model or load_latency_model()
    path_km = nx.single_source_dijkstra_path_length(graph, source, weight=length_attr)
    km = pd.Series(path_km, dtype=float).rename_axis("node")
    return (model.overhead_ms + 2.0 * km / model.fibre_speed_km_per_ms).rename("rtt_ms")


# --- fitting on measured pairs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LatencyErrors:
    """Absolute percentage error of a model on measured pairs (percent, not fraction)."""

    n_pairs: int
    median_abs_pct: float
    p90_abs_pct: float


def pair_features(pairs: pd.DataFrame, radius_km: float = 50.0) -> pd.DataFrame:
    """Distance and both endpoints' metro populations for each pair: the inputs the fit needs."""
    coords = [pairs[c].to_numpy(float) for c in PAIR_COORDINATES]
    return pd.DataFrame({
        "distance_km": great_circle_km(*coords),
        "metro_population_a": metro_population(coords[0], coords[1], radius_km),
        "metro_population_b": metro_population(coords[2], coords[3], radius_km),
    }, index=pairs.index)


def predict_pairs_ms(pairs: pd.DataFrame, model: LatencyModel, features: pd.DataFrame | None = None) -> np.ndarray:
    """Model RTT for each row of a pairs table (columns ``lat_a, lon_a, lat_b, lon_b``)."""
    f = features if features is not None else pair_features(pairs, model.metro_radius_km)
    return (model.propagation_ms(f.distance_km.to_numpy()) + model.access_ms(f.metro_population_a.to_numpy())
            + model.access_ms(f.metro_population_b.to_numpy()))


def latency_errors(pairs: pd.DataFrame, model: LatencyModel, quantity: str = DEFAULT_QUANTITY,
                   features: pd.DataFrame | None = None) -> LatencyErrors:
    """Median and 90th-percentile absolute % error of ``model`` against the measured ``quantity``."""
    measured = pairs[quantity].to_numpy(float)
    error_pct = 100.0 * np.abs(predict_pairs_ms(pairs, model, features) - measured) / measured
    return LatencyErrors(int(error_pct.size), float(np.median(error_pct)), float(np.quantile(error_pct, 0.9)))


def _bounded_wls(design: np.ndarray, target: np.ndarray, weight: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Weighted least squares with lower bounds: pin the worst violator at its bound and re-solve."""
    coef = lower.copy()
    free = np.ones(lower.size, dtype=bool)
    while free.any():
        rest = target - design[:, ~free] @ coef[~free]
        coef[free] = np.linalg.lstsq(design[:, free] * weight[:, None], rest * weight, rcond=None)[0]
        violation = np.where(free, lower - coef, 0.0)
        if violation.max() <= 0.0:
            break
        worst = int(violation.argmax())
        free[worst], coef[worst] = False, lower[worst]
    return coef


def _fit_relative_l1(design: np.ndarray, measured: np.ndarray, lower: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Least absolute *relative* error by iteratively reweighted least squares.

    Relative, because the acceptance metric is a percentage and short and long pairs should count alike;
    absolute (L1) rather than squared, because a few pairs are routed absurdly (Houston-Austin at 35 ms
    over 236 km) and must not drag the constants.
    """
    weight = 1.0 / measured
    coef = lower
    for _ in range(iterations):
        coef = _bounded_wls(design, measured, weight, lower)
        relative = (design @ coef - measured) / measured
        weight = 1.0 / (measured * np.sqrt(np.maximum(np.abs(relative), 1e-3)))
    return coef


def fit_latency_model(pairs: pd.DataFrame, quantity: str = DEFAULT_QUANTITY,
                      base: LatencyModel | None = None, features: pd.DataFrame | None = None) -> LatencyModel:
    """Fit overhead, route inflation, backhaul and hub population on measured pairs.

    For each hub population on a log grid the model is linear in the other three constants, fitted by
    least absolute relative error under physical bounds (overhead >= 0, inflation >= 1, backhaul >= 0);
    the hub population with the lowest median absolute error wins.
    """
    base = base or LatencyModel()
    f = features if features is not None else pair_features(pairs, base.metro_radius_km)
    measured = pairs[quantity].to_numpy(float)
    fibre_ms = 2.0 * f.distance_km.to_numpy() / base.fibre_speed_km_per_ms
    lower = np.array([0.0, 1.0, 0.0])
    best: tuple[float, LatencyModel] | None = None
    for hub in np.geomspace(1e5, 3e7, 41):
        access = (np.exp(-f.metro_population_a.to_numpy() / hub) + np.exp(-f.metro_population_b.to_numpy() / hub))
        design = np.column_stack([np.ones_like(fibre_ms), fibre_ms, access])
        overhead, inflation, backhaul = _fit_relative_l1(design, measured, lower)
        model = replace(base, overhead_ms=float(overhead), route_inflation=float(inflation),
                        backhaul_ms=float(backhaul), hub_population=float(hub))
        score = np.median(np.abs(design @ np.array([overhead, inflation, backhaul]) - measured) / measured)
        if best is None or score < best[0]:
            best = (float(score), model)
    assert best is not None
    return best[1]


def holdout_split(pairs: pd.DataFrame, test_fraction: float = 1 / 3,
                  seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reproducible random split into (fit, hold-out) rows."""
    order = np.random.default_rng(seed).permutation(len(pairs))
    n_test = int(round(test_fraction * len(pairs)))
    return pairs.iloc[order[n_test:]], pairs.iloc[order[:n_test]]


def model_constants(model: LatencyModel) -> dict[str, float]:
    """The model as plain numbers (for YAML/JSON)."""
    return asdict(model)


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
    from planner.errors import InputError

    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise InputError([Problem(str(path), "", f"cannot read the CSV file: {error}")]) from error
    problems = check_pairs(frame, str(path), required)
    if problems:
        raise InputError(problems, f"{len(problems)} problem(s) in {path}")
    return frame.assign(**{c: pd.to_numeric(frame[c]) for c in required})
