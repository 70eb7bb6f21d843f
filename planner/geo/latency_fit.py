"""Fitting the latency model on measured pairs, leave-one-country-out cross-validation and error tables.

The fit minimises the weighted sum of absolute *relative* errors |predicted / measured - 1|: relative,
because short and long pairs should count alike; absolute rather than squared, because some measured
pairs are routed absurdly (a 236 km pair at 35 ms) and must not drag the constants. It is solved by
iteratively reweighted Gauss-Newton steps with Levenberg-Marquardt damping (numpy only).

Optionally (``error_cap``) each pair's error counts at most up to a cap, so that pairs off by more stop
pulling the constants. That objective is not convex: the fit first solves the uncapped problem and starts
the capped one from there. It is not the shipped fit: cross-validated honestly it gains little and depends
on the start (docs/latency.md, "Fit").

Weights: the calibration pairs are dominated by international pairs and, among domestic pairs, by one
country (the United States: 2,210 of 2,327); a model that must hold in other countries is fitted with every
country's domestic pairs together weighing ``DOMESTIC_WEIGHT`` international pairs.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from planner.geo.latency import (PAIR_FEATURES, LatencyModel, ResidualBand, design, predict_min_ms)

DOMESTIC_WEIGHT = 20.0
"""Fit weight of one country's domestic pairs together, in international pairs (assumption, chosen by
leave-one-country-out error; see docs/latency.md)."""
PHYSICS_TOLERANCE = 0.98
"""Measured RTTs below this share of light-in-fibre are misplaced servers; they are scored, never fitted."""
REPORT_BANDS_KM = (100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, math.inf)
RESIDUAL_BANDS_KM = (500.0, 2000.0, math.inf)
SHORT_KM = 500.0


def _theta(model: LatencyModel) -> np.ndarray:
    return np.concatenate([[math.log(model.access_ms)], model.coefficients()])


def _with_theta(model: LatencyModel, theta: np.ndarray) -> LatencyModel:
    return replace(model, access_ms=float(math.exp(theta[0])),
                   inflation={name: float(v) for name, v in zip(PAIR_FEATURES, theta[1:])})


def _predict_with_jacobian(theta, X, fibre):
    """Predicted RTT and its derivatives by (log access_ms, inflation coefficients)."""
    access = 2.0 * np.exp(theta[0])
    excess = np.exp(X @ theta[1:])
    predicted = access + fibre * (1.0 + excess)
    jacobian = np.column_stack([np.full_like(fibre, access), (fibre * excess)[:, None] * X])
    return predicted, jacobian


def fit_latency_model(features: pd.DataFrame, measured_ms, weights=None, base: LatencyModel | None = None,
                      start: LatencyModel | None = None, iterations: int = 100,
                      error_cap: float | None = None) -> LatencyModel:
    """Fit the access delay and the inflation coefficients on pairs (``pair_features`` rows) with measured
    minimum RTTs.

    Rows measured faster than light in fibre (``PHYSICS_TOLERANCE``) are left out. ``base`` supplies the
    constants that are not fitted (fibre speed, hub size, residual bands); ``start`` the first guess;
    ``error_cap`` the relative error beyond which a pair no longer counts (None: plain absolute errors).
    """
    base = base or LatencyModel()
    measured = np.asarray(measured_ms, dtype=float)
    weights = np.ones_like(measured) if weights is None else np.asarray(weights, dtype=float)
    fibre = base.fibre_ms(features["distance_km"].to_numpy(float))
    keep = measured >= PHYSICS_TOLERANCE * fibre
    X = design(features)[keep]
    fibre, y, w0 = fibre[keep], measured[keep], weights[keep]
    theta = _theta(start) if start is not None else np.concatenate([[math.log(0.5)], np.zeros(X.shape[1])])
    theta = _minimise(theta, X, fibre, y, w0, None, iterations)
    if error_cap is not None:
        theta = _minimise(theta, X, fibre, y, w0, error_cap, iterations)
    return _with_theta(base, theta)


def _minimise(theta, X, fibre, y, w0, cap: float | None, iterations: int) -> np.ndarray:
    """Weighted sum of absolute relative errors (each at most ``cap``; None: no cap), from ``theta``."""
    def loss(r):
        return np.abs(r) if cap is None else np.minimum(np.abs(r), cap)

    predicted, jacobian = _predict_with_jacobian(theta, X, fibre)
    residual = predicted / y - 1.0
    objective = float(w0 @ loss(residual))
    damping = 1e-3
    for _ in range(iterations):
        # IRLS: |r| = r^2 / |r|, weights from the current residuals (floored so exact fits stay finite);
        # pairs beyond the cap have no gradient
        w = w0 / np.maximum(np.abs(residual), 0.01)
        if cap is not None:
            w = w * (np.abs(residual) < cap)
        J = jacobian / y[:, None]
        normal, gradient = J.T @ (J * w[:, None]), J.T @ (w * residual)
        improved = False
        for _ in range(30):
            step = np.linalg.solve(normal + damping * np.diag(np.diag(normal) + 1e-9), -gradient)
            trial = theta + step
            with np.errstate(over="ignore", invalid="ignore"):
                trial_pred, trial_jac = _predict_with_jacobian(trial, X, fibre)
            trial_residual = trial_pred / y - 1.0
            trial_objective = float(w0 @ loss(trial_residual))
            if math.isfinite(trial_objective) and trial_objective <= objective:
                gain = objective - trial_objective
                theta, predicted, jacobian, residual, objective = trial, trial_pred, trial_jac, trial_residual, trial_objective
                damping = max(damping / 3.0, 1e-9)
                improved = gain > 1e-8 * objective
                break
            damping *= 4.0
        if not improved:
            break
    return theta


def country_weights(country_a, country_b, domestic_weight: float = DOMESTIC_WEIGHT) -> np.ndarray:
    """1 per international pair; each country's domestic pairs share ``domestic_weight`` between them."""
    a, b = np.asarray(country_a, dtype=object), np.asarray(country_b, dtype=object)
    domestic = a == b
    counts = pd.Series(a[domestic]).value_counts()
    weights = np.ones(a.size)
    weights[domestic] = domestic_weight / pd.Series(a[domestic]).map(counts).to_numpy(float)
    return weights


def leave_one_country_out(features: pd.DataFrame, measured_ms, country_a, country_b,
                          base: LatencyModel | None = None, start: LatencyModel | None = None,
                          domestic_weight: float = DOMESTIC_WEIGHT) -> pd.DataFrame:
    """For each country: fit without every pair touching it, predict those pairs.

    Returns one row per (held-out country, pair): ``row`` (position in the inputs), ``country``,
    ``predicted_ms``. An international pair appears twice, once for each of its countries."""
    measured = np.asarray(measured_ms, dtype=float)
    a, b = np.asarray(country_a, dtype=object), np.asarray(country_b, dtype=object)
    weights = country_weights(a, b, domestic_weight)
    frames = []
    for country in sorted(set(a) | set(b)):
        held = (a == country) | (b == country)
        fit_rows = np.flatnonzero(~held)
        model = fit_latency_model(features.iloc[fit_rows], measured[fit_rows], weights[fit_rows], base, start)
        rows = np.flatnonzero(held)
        frames.append(pd.DataFrame({"row": rows, "country": country,
                                    "predicted_ms": predict_min_ms(features.iloc[rows], model)}))
    return pd.concat(frames, ignore_index=True)


def residual_bands(measured_ms, predicted_ms, distance_km,
                   edges_km: tuple[float, ...] = RESIDUAL_BANDS_KM) -> tuple[ResidualBand, ...]:
    """Median and 90th percentile of measured / predicted in each distance band (upper edges ``edges_km``)."""
    ratio = np.asarray(measured_ms, dtype=float) / np.asarray(predicted_ms, dtype=float)
    distance = np.asarray(distance_km, dtype=float)
    bands, lower = [], 0.0
    for upper in edges_km:
        inside = (distance >= lower) & (distance < upper)
        values = ratio[inside] if inside.any() else ratio
        bands.append(ResidualBand(float(upper), round(float(np.quantile(values, 0.5)), 4),
                                  round(float(np.quantile(values, 0.9)), 4)))
        lower = upper
    return tuple(bands)


# --- error tables -----------------------------------------------------------------------------------------

def _summary(error_pct: np.ndarray) -> dict:
    if error_pct.size == 0:
        return {"n_pairs": 0, "median_abs_pct": None, "p90_abs_pct": None}
    return {"n_pairs": int(error_pct.size), "median_abs_pct": round(float(np.median(error_pct)), 2),
            "p90_abs_pct": round(float(np.quantile(error_pct, 0.9)), 2)}


def _band_label(lower: float, upper: float) -> str:
    return f">= {lower:g} km" if math.isinf(upper) else f"{lower:g}-{upper:g} km"


def error_report(measured_ms, predicted_ms, distance_km, country_a, country_b) -> dict:
    """Absolute % errors overall, by distance band, domestic vs international, and per country (domestic).

    ``domestic_country_median_pct`` is the median over countries of each country's domestic median error:
    it weighs countries, not pairs."""
    measured = np.asarray(measured_ms, dtype=float)
    error = 100.0 * np.abs(np.asarray(predicted_ms, dtype=float) - measured) / measured
    distance = np.asarray(distance_km, dtype=float)
    a, b = np.asarray(country_a, dtype=object), np.asarray(country_b, dtype=object)
    domestic = a == b
    bands, lower = {}, 0.0
    for upper in REPORT_BANDS_KM:
        bands[_band_label(lower, upper)] = _summary(error[(distance >= lower) & (distance < upper)])
        lower = upper
    per_country = {str(c): _summary(error[domestic & (a == c)]) for c in sorted(set(a[domestic]))}
    country_medians = [s["median_abs_pct"] for s in per_country.values()]
    return {
        "all": _summary(error),
        f"under_{SHORT_KM:g}_km": _summary(error[distance < SHORT_KM]),
        "domestic": _summary(error[domestic]),
        "international": _summary(error[~domestic]),
        "domestic_country_median_pct": round(float(np.median(country_medians)), 2) if country_medians else None,
        "by_distance": bands,
        "domestic_by_country": per_country,
    }
