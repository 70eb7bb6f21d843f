"""Energy, carbon and the compute balance of a plan, from its allocated capacity rows.

Energy is the facility's (IT x PUE, what the grid delivers), shared between the roles at a site by average
draw; emissions are the site's grid carbon intensity times that energy (the sites table). Tokens per joule is
generated tokens over that facility energy. The compute balance is installed dense peak FLOP/s and power of
the chips each role holds.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.economics.rates import TRAINING_ROLE, EconomicsRates
from planner.units import HOURS_PER_YEAR, KW_PER_MW, SECONDS_PER_HOUR

J_PER_MWH = 1e6 * SECONDS_PER_HOUR
MWH_PER_GWH = 1e3
INFERENCE = "inference"
FLOPS_COLUMNS = {"bf16_dense_flops": "bf16_peak_flops", "fp8_dense_flops": "fp8_peak_flops"}


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator / denominator) if denominator > 0 and math.isfinite(numerator) else None


def energy_figures(tokens_per_year: float, energy_mwh: float, emissions_t: float) -> dict:
    """Tokens per joule, average MW, GWh/year, t CO2/year and per million tokens of one part of a plan."""
    return {"tokens_per_year": float(tokens_per_year), "energy_gwh_per_year": energy_mwh / MWH_PER_GWH,
            "average_mw": energy_mwh / HOURS_PER_YEAR,
            "tokens_per_joule": _ratio(tokens_per_year, energy_mwh * J_PER_MWH),
            "co2_t_per_year": float(emissions_t),
            "co2_t_per_million_tokens": _ratio(emissions_t * 1e6, tokens_per_year)}


def _energy_part(rows: pd.DataFrame, serving: pd.DataFrame, n_years: int) -> dict:
    inference = rows[rows["role"] != TRAINING_ROLE]
    return energy_figures(float(serving["tokens_per_year"].sum()) / n_years,
                          float(inference["energy_mwh_per_year"].sum()) / n_years,
                          float(inference["emissions_t_per_year"].sum()) / n_years)


def energy_and_carbon(rows: pd.DataFrame, serving: pd.DataFrame, n_years: int = 1) -> dict:
    """{"national": inference figures, "training": its energy and CO2, "by_site": inference figures per site
    [, "by_year": national figures per year]}; per-year quantities are yearly means over ``n_years``."""
    inference = rows[rows["role"] != TRAINING_ROLE]
    training = rows[rows["role"] == TRAINING_ROLE]
    energy = inference.groupby("site")["energy_mwh_per_year"].sum() / n_years
    emissions = inference.groupby("site")["emissions_t_per_year"].sum() / n_years
    tokens = serving.groupby("site")["tokens_per_year"].sum() / n_years
    by_site = {str(s): energy_figures(float(tokens.get(s, 0.0)), float(energy.get(s, 0.0)),
                                      float(emissions.get(s, 0.0)))
               for s in energy.index.union(tokens.index)}
    training_mwh = float(training["energy_mwh_per_year"].sum()) / n_years
    out = {"national": _energy_part(rows, serving, n_years),
           "training": {"energy_gwh_per_year": training_mwh / MWH_PER_GWH, "average_mw": training_mwh / HOURS_PER_YEAR,
                        "co2_t_per_year": float(training["emissions_t_per_year"].sum()) / n_years},
           "by_site": by_site}
    if "year" in rows and "year" in serving:
        out["by_year"] = {str(y): _energy_part(part, serving[serving["year"] == y], 1)
                          for y, part in rows.groupby("year")}
    return out


def _balance_part(part: pd.DataFrame, rates: EconomicsRates) -> dict:
    out = {"chips": float(part["chips"].sum()), "peak_it_mw": float(part["peak_kw"].sum()) / KW_PER_MW,
           "average_it_mw": float(part["average_kw"].sum()) / KW_PER_MW,
           "average_facility_mw": float(part["energy_mwh_per_year"].sum()) / HOURS_PER_YEAR}
    if rates.peak_flops is not None:
        for column, name in FLOPS_COLUMNS.items():
            if column in rates.peak_flops:
                per_chip = part["chip"].map(rates.peak_flops[column]).astype(float).fillna(0.0)
                out[name] = float((per_chip * part["chips"]).sum())
    return out


def _balance(rows: pd.DataFrame, rates: EconomicsRates) -> dict:
    is_training = rows["role"] == TRAINING_ROLE
    parts = {TRAINING_ROLE: _balance_part(rows[is_training], rates), INFERENCE: _balance_part(rows[~is_training], rates)}
    total_mw = sum(p["average_facility_mw"] for p in parts.values())
    for part in parts.values():
        part["share_of_average_facility_mw"] = _ratio(part["average_facility_mw"], total_mw)
        if "bf16_peak_flops" in part:
            part["share_of_bf16_peak_flops"] = _ratio(part["bf16_peak_flops"],
                                                      sum(p["bf16_peak_flops"] for p in parts.values()))
    return parts


def compute_balance(rows: pd.DataFrame, rates: EconomicsRates) -> dict:
    """{"training": {...}, "inference": {...}[, "by_year": {year: {...}}]}: chips, installed dense peak
    FLOP/s, peak and average IT MW, average facility MW and the shares of each role."""
    out = _balance(rows, rates)
    if "year" in rows:
        out["by_year"] = {str(y): _balance(part, rates) for y, part in rows.groupby("year")}
    return out
