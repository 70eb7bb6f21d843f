"""Allocate a plan's money cost to the capacity that incurs it: one row per (site, chip, role).

Each money component of the costs table is split over the allocation table's rows (chips of a type at a
site serving a class, or training) by the key that drives it, then scaled so the rows add up to the
component's total exactly:

- fleet: the chips' own yearly cost (annuity + maintenance) x chips in the role;
- buildings, cooling plant, grid connections, site fixed cost (and any component not listed): the site's
  amount (peak IT, hall cooling cost, connection, opened), shared within the site by peak draw;
- energy, carbon, transfer losses: the site's energy (x its tariff) or emissions, shared within the site by
  average draw.

Penalties are never allocated: they are not money. Cost of a site with no chips (an opened, empty site) is
spread over the other sites' rows by the same component's weights, so nothing is lost.
"""

from __future__ import annotations

import pandas as pd

from planner.economics.rates import EconomicsRates

PENALTY_COMPONENTS = ("unmet", "latency", "training")
AVERAGE_DRAW_COMPONENTS = ("energy", "carbon", "transfer_loss")
ROW_KEYS = ["site", "chip", "role"]


def money_components(costs: pd.DataFrame) -> pd.Series:
    """index component: USD/year of every money (not penalty) term of a costs table."""
    if costs.empty:
        return pd.Series(dtype=float)
    money = costs[costs["kind"] == "cost"] if "kind" in costs else costs[~costs["component"].isin(PENALTY_COMPONENTS)]
    return money.groupby("component")["usd_per_year"].sum().astype(float)


def _lookup(series: pd.Series | None, keys: pd.Index | pd.MultiIndex, default: pd.Series) -> pd.Series:
    if series is None:
        return default
    values = pd.Series(series.reindex(keys).to_numpy(dtype=float), index=default.index)
    return values.where(values.notna() & (values > 0), default)


def capacity_rows(allocation: pd.DataFrame, fleet: pd.DataFrame, rates: EconomicsRates) -> pd.DataFrame:
    """The allocation table with each row's keys: chips, peak and average kW and yearly chip cost.

    Without rates a chip's peak kW is read from the fleet table (peak IT / chips) and its average and yearly
    cost fall back to the peak draw."""
    rows = allocation.rename(columns={"service_class": "role", "chips_serving": "chips"})[ROW_KEYS + ["chips"]]
    rows = rows[rows["chips"] > 0].reset_index(drop=True).astype({"chips": float})
    per_chip = fleet.assign(kw=fleet["it_mw"] * 1000.0 / fleet["chips"].where(fleet["chips"] > 0))
    fleet_kw = per_chip.set_index(["site", "chip"])["kw"]
    fallback = pd.Series(fleet_kw.reindex(pd.MultiIndex.from_frame(rows[["site", "chip"]])).to_numpy(dtype=float),
                         index=rows.index).fillna(0.0)
    peak = _lookup(rates.peak_kw, pd.Index(rows["chip"]), fallback)
    average = _lookup(rates.average_kw, pd.MultiIndex.from_frame(rows[["chip", "role"]]), peak)
    yearly = _lookup(rates.chip_usd_per_year, pd.Index(rows["chip"]), peak)
    return rows.assign(peak_kw=peak * rows["chips"], average_kw=average * rows["chips"],
                       chip_usd_per_year=yearly * rows["chips"])


def _site_amounts(component: str, sites: pd.DataFrame, halls: pd.DataFrame, rates: EconomicsRates) -> pd.Series:
    def column(name: str) -> pd.Series:
        return sites[name].astype(float) if name in sites else pd.Series(0.0, index=sites.index)

    if component == "cooling" and len(halls) and "cooling_cost_usd_per_year" in halls:
        return halls.groupby("site")["cooling_cost_usd_per_year"].sum().reindex(sites.index, fill_value=0.0)
    if component == "energy":
        price = 1.0 if rates.energy_usd_per_mwh is None else rates.energy_usd_per_mwh.reindex(sites.index).fillna(1.0)
        return column("energy_mwh_per_year") * price
    return {"grid": column("grid_mw"), "siting": column("is_open"), "carbon": column("emissions_t_per_year"),
            "transfer_loss": column("energy_mwh_per_year")}.get(component, column("it_mw"))


def _weights(component: str, rows: pd.DataFrame, sites: pd.DataFrame, halls: pd.DataFrame,
             rates: EconomicsRates) -> pd.Series:
    """Each row's share of ``component`` (summing to 1 over the rows)."""
    if component == "fleet":
        key = rows["chip_usd_per_year"]
        return key / key.sum()
    key = rows["average_kw" if component in AVERAGE_DRAW_COMPONENTS else "peak_kw"]
    site_key = key.groupby(rows["site"]).transform("sum")
    amounts = _site_amounts(component, sites, halls, rates).clip(lower=0.0)
    staffed = amounts.reindex(rows["site"].unique()).fillna(0.0)
    if staffed.sum() <= 0:  # no site with chips carries this cost by its own key: share by the row key
        return key / key.sum()
    site_share = rows["site"].map(staffed / staffed.sum()).astype(float)
    return site_share * key / site_key.where(site_key > 0, 1.0)


def allocate_money(plan_tables, rates: EconomicsRates) -> pd.DataFrame:
    """One row per (site, chip, role): chips, peak_kw, average_kw, one ``<component>_usd_per_year`` column
    per money component and their sum ``usd_per_year``, plus the site's energy and emissions shared by
    average draw (``energy_mwh_per_year``, ``emissions_t_per_year``). Columns add up to the plan's totals."""
    rows = capacity_rows(plan_tables.allocation, plan_tables.fleet, rates)
    sites, halls = plan_tables.sites, plan_tables.cooling_halls
    components = money_components(plan_tables.costs)
    if rows.empty or rows["peak_kw"].sum() <= 0:
        return rows.assign(usd_per_year=0.0, energy_mwh_per_year=0.0, emissions_t_per_year=0.0)
    columns = {}
    for component, total in components.items():
        columns[f"{component}_usd_per_year"] = _weights(component, rows, sites, halls, rates) * total
    rows = rows.assign(**columns)
    rows["usd_per_year"] = rows[list(columns)].sum(axis=1) if columns else 0.0
    average_share = rows["average_kw"] / rows.groupby("site")["average_kw"].transform("sum").where(lambda v: v > 0, 1.0)
    for name in ("energy_mwh_per_year", "emissions_t_per_year"):
        site_total = sites[name].astype(float) if name in sites else pd.Series(0.0, index=sites.index)
        rows[name] = rows["site"].map(site_total).fillna(0.0).astype(float) * average_share
    return rows
