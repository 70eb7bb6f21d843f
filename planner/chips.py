"""The chip table the MIP sees: catalog specs + export-control resolution -> yearly cost and power per chip."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from planner.catalog import resolve_chip
from planner.catalog.policy import ChipStatus, PolicyResolution
from planner.scenario.schema import Scenario
from planner.units import capital_recovery_factor


def with_price_overrides(catalog: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The catalog with the scenario's own chip prices in place of the catalog's."""
    if not scenario.chips.price_usd:
        return catalog
    catalog = catalog.copy()
    for name, price in scenario.chips.price_usd.items():
        catalog.loc[resolve_chip(name, catalog), "price_usd"] = float(price)
    return catalog


def purchasable_chips(catalog: pd.DataFrame, policy: PolicyResolution, scenario: Scenario,
                      available: Iterable[str] | None = None, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Candidate chips that are not prohibited and have a price, with ``capex_usd`` (upfront, with servers),
    ``capex_usd_per_year`` (annualised over the chip's lifetime, with maintenance), ``lifetime_years``,
    ``peak_kw`` (peak draw with the server share), ``rack_kw`` (peak draw of a full rack), ``tpp``,
    ``counts_against_cap`` (licensed under the national TPP cap), ``is_uncontrolled`` (outside export
    control: counts toward the sovereignty floor), ``price_multiplier`` and ``needs_liquid`` (liquid-only in
    the catalog). Chips sold only as a cloud service (no price) or without a known TDP cannot be bought.
    ``available``: only these chips may be bought (released by then; None = all); ``keep``: chips bought
    earlier that stay in the table (``purchasable`` False) even where the rules now prohibit them."""
    catalog = with_price_overrides(catalog, scenario)
    candidates = [resolve_chip(name, catalog) for name in scenario.chips.candidates or catalog.index]
    status = policy.chips["status"].reindex(candidates)
    released = set(catalog.index if available is None else available)
    kept = set(keep)
    allowed = [chip for chip in candidates if (chip in kept or (status[chip] != ChipStatus.PROHIBITED and chip in released))
               and catalog.at[chip, "price_usd"] > 0 and catalog.at[chip, "tdp_kw"] > 0]
    specs = catalog.loc[allowed]
    multiplier = policy.chips.loc[allowed, "price_multiplier"].astype(float).fillna(1.0)
    cfg = scenario.chips
    lifetime = specs["lifetime_years"].astype(float) if cfg.lifetime_years is None else pd.Series(
        float(cfg.lifetime_years), index=specs.index)
    annuity = lifetime.map(lambda years: capital_recovery_factor(scenario.costs.discount_rate, years))
    capex = specs["price_usd"] * multiplier * (1 + cfg.server_capex_overhead_share)
    peak_kw = specs["tdp_kw"] * (1 + cfg.server_peak_power_overhead_share)
    table = pd.DataFrame({
        "price_usd": specs["price_usd"].astype(float),
        "price_multiplier": multiplier,
        "capex_usd": capex.astype(float),
        "lifetime_years": lifetime,
        "capex_usd_per_year": capex * (annuity + cfg.maintenance_share_per_year),
        "peak_kw": peak_kw.astype(float),
        "rack_kw": (peak_kw * cfg.accelerators_per_rack).astype(float),
        "tpp": specs["tpp"].astype(float),
        "counts_against_cap": (policy.chips.loc[allowed, "status"] == ChipStatus.LICENSED_CAP).astype(bool),
        "is_uncontrolled": ~policy.chips.loc[allowed, "is_controlled"].astype(bool),
        "status": policy.chips.loc[allowed, "status"].astype(str),
        "needs_liquid": (specs["cooling"] == "liquid").astype(bool),
    })
    if available is not None or kept:
        table["purchasable"] = [chip in released and status[chip] != ChipStatus.PROHIBITED for chip in allowed]
    table.index.name = "chip"
    return table


def average_kw_per_chip(chips: pd.DataFrame, tdp_kw: pd.Series, coefficients: pd.DataFrame, roles: list[str],
                        average_overhead_share: float) -> pd.Series:
    """(chip, role) average draw of one chip in that role over the year [kW], host share included.

    The roofline kernel's ``power_avg_kw_per_chip`` (index chip x service_class) where it gives one; otherwise
    TDP x (1 + the scenario's average server overhead). ``roles`` are the service classes and "training".
    """
    fallback = tdp_kw.reindex(chips.index).astype(float) * (1 + average_overhead_share)
    kernel = coefficients["power_avg_kw_per_chip"] if "power_avg_kw_per_chip" in coefficients else None
    rows = {}
    for chip in chips.index:
        for role in roles:
            value = kernel.get((chip, role), float("nan")) if kernel is not None else float("nan")
            rows[chip, role] = float(value) if pd.notna(value) and value > 0 else float(fallback[chip])
    series = pd.Series(rows, dtype=float)
    series.index = series.index.set_names(["chip", "role"])
    return series.clip(upper=chips["peak_kw"].reindex(series.index.get_level_values("chip")).to_numpy())


def peak_kw_per_chip(chips: pd.DataFrame, coefficients: pd.DataFrame) -> pd.Series:
    """Peak draw of one chip with its host share [kW]: the roofline kernel's ``power_peak_kw_per_chip``
    (largest over the classes) where it gives one, otherwise the catalog TDP x (1 + peak overhead)."""
    peak = chips["peak_kw"].copy()
    if "power_peak_kw_per_chip" in coefficients:
        kernel = coefficients["power_peak_kw_per_chip"].groupby(level="chip").max()
        kernel = kernel[kernel > 0].reindex(peak.index)
        peak = kernel.fillna(peak)
    return peak


def site_throughput(per_chip: pd.Series, sites: pd.DataFrame) -> pd.Series:
    """(site, chip, service_class) tokens/s per chip: the per-chip coefficient at every site, positive only.

    Sites do not derate throughput yet (climate derating arrives with the cooling model)."""
    per_chip = per_chip[per_chip > 0]
    n_sites, n_rows = len(sites.index), len(per_chip)
    index = pd.MultiIndex.from_arrays(
        [sites.index.repeat(n_rows), *(np.tile(per_chip.index.get_level_values(level).to_numpy(), n_sites)
                                       for level in ("chip", "service_class"))],
        names=["site", "chip", "service_class"])
    return pd.Series(np.tile(per_chip.to_numpy(dtype=float), n_sites), index=index, name="tokens_per_s").sort_index()
