"""Independent re-check of a plan from its tables and the model inputs, without the solver or Pyomo.

Each check recomputes a quantity the MIP promised (demand balance, capacity, power, latency, integrality,
policy caps, total cost) and reports every violation as a ``Problem``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pandas as pd

from planner.errors import Problem
from planner.geo.grid import dc_power_flow, transport_flows
from planner.geo.latency import rtt_matrix_ms
from planner.mip.inputs import ModelInputs
from planner.results import Plan
from planner.units import KW_PER_MW

REL_TOL = 1e-5
ABS_TOKENS_PER_S = 1e-2
ABS_MW = 1e-6


@dataclass(frozen=True)
class Verification:
    violations: tuple[Problem, ...]
    checks_run: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def __str__(self) -> str:
        if self.ok:
            return f"verified: {len(self.checks_run)} checks passed ({', '.join(self.checks_run)})"
        return f"{len(self.violations)} violation(s):\n" + "\n".join(f"  - {v}" for v in self.violations)


def _exceeds(lhs: float, rhs: float, abs_tol: float) -> bool:
    return lhs > rhs + abs_tol + REL_TOL * abs(rhs)


def _problem(check: str, key: str, message: str, value=None) -> Problem:
    return Problem("plan", f"{check}[{key}]", message, value)


def check_demand_balance(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    served = plan.serving.groupby(["region", "service_class"])["tokens_per_s"].sum()
    unmet = plan.unmet.set_index(["region", "service_class"])["unmet_tokens_per_s"]
    for (r, q), demand in inputs.demand_tokens_per_s.items():
        total = float(served.get((r, q), 0.0)) + float(unmet.get((r, q), 0.0))
        if abs(total - demand) > ABS_TOKENS_PER_S + REL_TOL * demand:
            yield _problem("demand_balance", f"{r},{q}", f"served + unmet = {total:.6g} != demand {demand:.6g} tokens/s")
    for row in plan.serving.itertuples():
        limit = inputs.max_site_share[row.service_class] * inputs.demand_tokens_per_s[row.region, row.service_class]
        if _exceeds(row.tokens_per_s, limit, ABS_TOKENS_PER_S):
            yield _problem("redundancy", f"{row.region},{row.service_class},{row.site}",
                           f"one site serves {row.tokens_per_s:.6g} tokens/s, over the {limit:.6g} redundancy limit")
    negative = plan.unmet[plan.unmet["unmet_tokens_per_s"] < -ABS_TOKENS_PER_S]
    for row in negative.itertuples():
        yield _problem("demand_balance", f"{row.region},{row.service_class}", "negative unmet demand",
                       row.unmet_tokens_per_s)


def check_latency(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    """Recompute the RTT of every serving pair from coordinates; it must be within the class budget."""
    if plan.serving.empty:
        return
    matrix = rtt_matrix_ms(inputs.regions[["lat", "lon"]], inputs.sites[["lat", "lon"]])
    rtt = [matrix.at[r, s] for r, s in zip(plan.serving["region"], plan.serving["site"])]
    budget = plan.serving["service_class"].map(inputs.rtt_budget_ms).to_numpy()
    for row, value, limit in zip(plan.serving.itertuples(), rtt, budget):
        if value > limit + 1e-6:
            yield _problem("latency", f"{row.region},{row.service_class},{row.site}",
                           f"RTT {value:.1f} ms exceeds the {limit:.1f} ms budget")


def check_capacity(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    thr = inputs.throughput_tokens_per_s
    alloc = plan.allocation.assign(
        capacity=[thr.get((s, k, q), 0.0) for s, k, q in plan.allocation[["site", "chip", "service_class"]].itertuples(index=False)])
    alloc["capacity_tokens_per_s"] = alloc["capacity"] * alloc["chips_serving"]
    capacity = alloc.groupby(["site", "service_class"])["capacity_tokens_per_s"].sum()
    served = plan.serving.groupby(["site", "service_class"])["tokens_per_s"].sum()
    for (s, q), load in served.items():
        if _exceeds(load, float(capacity.get((s, q), 0.0)), ABS_TOKENS_PER_S):
            yield _problem("capacity", f"{s},{q}", f"serves {load:.6g} tokens/s with capacity {capacity.get((s, q), 0.0):.6g}")
    assigned = plan.allocation.groupby(["site", "chip"])["chips_serving"].sum()
    owned = plan.fleet.set_index(["site", "chip"])["chips"]
    for (s, k), n in assigned.items():
        if _exceeds(n, float(owned.get((s, k), 0.0)), 1e-6):
            yield _problem("chip_split", f"{s},{k}", f"assigns {n:.6g} chips but owns {owned.get((s, k), 0.0):g}")
    for row in plan.fleet.itertuples():
        if abs(row.chips - round(row.chips)) > 1e-6 or row.chips < 0:
            yield _problem("integrality", f"{row.site},{row.chip}", "chip count is not a non-negative integer", row.chips)


def check_power(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    power_kw = plan.fleet["chip"].map(inputs.chips["power_kw"]).astype(float)
    it_mw = (plan.fleet["chips"] * power_kw / KW_PER_MW).groupby(plan.fleet["site"]).sum()
    for site, row in plan.sites.iterrows():
        it = float(it_mw.get(site, 0.0))
        pue = inputs.cooling["pue"].get((site, row["cooling"]), 1.0) if row["cooling"] else 1.0
        if _exceeds(pue * it, row["grid_mw"], ABS_MW):
            yield _problem("power", site, f"PUE x IT load = {pue * it:.6g} MW exceeds grid connection {row['grid_mw']:.6g} MW")
        if _exceeds(row["grid_mw"], inputs.sites.at[site, "max_grid_mw"], ABS_MW):
            yield _problem("power", site, f"grid connection {row['grid_mw']:.6g} MW exceeds the site limit "
                           f"{inputs.sites.at[site, 'max_grid_mw']:.6g} MW")
        if it > ABS_MW and not row["is_open"]:
            yield _problem("siting", site, "chips installed at a site that is not open", it)


def check_cooling(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    liquid_chip = plan.fleet["chip"].map(inputs.chips["needs_liquid"]).astype(bool)
    liquid_sites = set(plan.fleet.loc[liquid_chip & (plan.fleet["chips"] > 0), "site"])
    for site, row in plan.sites.iterrows():
        if row["is_open"] and (site, row["cooling"]) not in inputs.cooling.index:
            yield _problem("cooling", site, "an open site needs one of its cooling options", row["cooling"])
            continue
        if site in liquid_sites and not (row["cooling"] and inputs.cooling.at[(site, row["cooling"]), "is_liquid"]):
            yield _problem("cooling", site, "chips that need liquid cooling under a non-liquid technology", row["cooling"])
        limit = inputs.sites.at[site, "max_water_m3_per_year"]
        if row["cooling"] and _exceeds(row["it_mw"] * inputs.cooling.at[(site, row["cooling"]), "water_m3_per_mw_year"], limit, 1e-3):
            yield _problem("water", site, f"cooling water over the site limit {limit:,.0f} m3/year")


def check_grid(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    """Contingency and zone limits; line flows recomputed by an independent DC power flow (nodal) or a
    max-flow transport check (zonal) from the plan's grid connections."""
    grid = inputs.grid
    if grid is None:
        return
    load = plan.sites["grid_mw"]
    for site, mw in load.items():
        if grid.max_site_mw is not None and _exceeds(mw, grid.max_site_mw, ABS_MW):
            yield _problem("contingency", site, f"{mw:.6g} MW at one site exceeds the contingency limit {grid.max_site_mw:g} MW")
    zone_load = load.groupby(grid.site_zone).sum()
    if grid.kind == "nodal":
        for zone, mw in zone_load.items():
            if _exceeds(mw, grid.zone_headroom_mw.get(zone, math.inf), ABS_MW):
                yield _problem("zone_headroom", str(zone), f"{mw:.6g} MW of new load over the zone headroom")
        yield from _check_nodal_flows(load, grid)
    else:
        yield from _check_zonal_transport(plan, zone_load, grid)


def _check_nodal_flows(load: pd.Series, grid) -> Iterator[Problem]:
    withdrawals = load.groupby(grid.site_bus).sum()
    injections = grid.supply_weights * float(load.sum())
    injections = injections.sub(withdrawals, fill_value=0.0)
    flows = dc_power_flow(grid.network, injections)
    headroom = grid.line_headroom_mw.reindex(flows.index)
    for line in flows.index[(flows.abs() > headroom + ABS_MW + REL_TOL * headroom).to_numpy()]:
        yield _problem("line_limit", str(line), f"new flow {flows[line]:.6g} MW exceeds the headroom {headroom[line]:.6g} MW "
                       "(independent DC power flow)")


def _check_zonal_transport(plan: Plan, zone_load: pd.Series, grid) -> Iterator[Problem]:
    supply = plan.grid_zones.set_index("zone")["supply_mw"]
    for zone, mw in supply.items():
        if _exceeds(mw, grid.zone_headroom_mw.get(zone, math.inf), ABS_MW):
            yield _problem("zone_headroom", str(zone), f"{mw:.6g} MW of new supply over the zone headroom")
    if grid.network is None or grid.transfer_lines.empty:
        return
    lines = grid.network.lines.assign(flow_max_mw=grid.transfer_lines["forward_mw"],
                                      flow_max_reverse_mw=grid.transfer_lines["reverse_mw"])
    injections = supply.sub(zone_load, fill_value=0.0)
    feasible, _ = transport_flows(replace(grid.network, lines=lines), injections)
    if not feasible:
        yield _problem("transfer_limit", "zones", "the zones' new load cannot be carried within the available "
                       "inter-zone transfer capacity (independent max-flow check)")


def check_policy(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    cap = inputs.policy.tpp_cap
    fleet = plan.fleet.assign(tpp=plan.fleet["chip"].map(inputs.chips["tpp"]).astype(float),
                              controlled=plan.fleet["chip"].map(inputs.chips["counts_against_cap"]).astype(bool))
    if cap is not None:
        used = float((fleet["tpp"] * fleet["chips"])[fleet["controlled"]].sum())
        if _exceeds(used, cap, 1e-3):
            yield _problem("tpp_cap", "national", f"controlled chips total {used:,.0f} TPP over the cap {cap:,.0f}")
    limits = inputs.policy.chip_supply_limit
    for chip, n in fleet.groupby("chip")["chips"].sum().items():
        if chip in limits.index and _exceeds(n, float(limits[chip]), 1e-6):
            yield _problem("supply_limit", chip, f"{n:g} chips over the supply limit {limits[chip]:g}")
    yield from _check_sovereignty_floor(plan, inputs)


def _check_sovereignty_floor(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    share = inputs.policy.min_uncontrolled_share
    if share <= 0 or plan.allocation.empty:
        return
    thr = inputs.throughput_tokens_per_s
    keys = list(plan.allocation[["site", "chip", "service_class"]].itertuples(index=False, name=None))
    capacity = plan.allocation["chips_serving"].to_numpy() * [thr.get(key, 0.0) for key in keys]
    uncontrolled = plan.allocation["chip"].map(inputs.chips["is_uncontrolled"]).astype(bool).to_numpy()
    total, floor = float(capacity.sum()), float(capacity[uncontrolled].sum())
    if floor < share * total - ABS_TOKENS_PER_S - REL_TOL * total:
        yield _problem("sovereignty_floor", "national", f"uncontrolled chips carry {floor / max(total, 1e-9):.2%} "
                       f"of serving capacity, below the floor {share:.0%}")


def recompute_cost_usd(plan: Plan, inputs: ModelInputs) -> dict[str, float]:
    """Each cost component recomputed from the plan tables and input prices [USD/year]."""
    sites = inputs.sites.loc[plan.sites.index]
    fleet_capex = plan.fleet["chip"].map(inputs.chips["capex_usd_per_year"]).astype(float) * plan.fleet["chips"]
    penalty = plan.unmet["service_class"].map(inputs.unmet_penalty_usd_per_tokens_per_s_year).astype(float)
    latency_rate = plan.serving["service_class"].map(inputs.latency_cost_usd_per_tokens_per_s_ms_year).astype(float)
    transfer_loss = 0.0
    if inputs.grid is not None and inputs.grid.transfer_lines is not None and not plan.grid_lines.empty:
        loss_rate = plan.grid_lines["line"].map(inputs.grid.transfer_lines["loss_cost_usd_per_mw_year"]).astype(float)
        transfer_loss = float((loss_rate * plan.grid_lines["flow_mw"].abs()).sum())
    training = plan.metadata.get("training", {})
    training_shortfall = training.get("unmet_flops", 0.0) + training.get("largest_run_shortfall_flops", 0.0)
    return {
        "training": training_shortfall * (inputs.training.unmet_penalty_usd_per_flops_year if inputs.training else 0.0),
        "siting": float((sites["fixed_cost_usd_per_year"] * plan.sites["is_open"]).sum()),
        "fleet": float(fleet_capex.sum()),
        "unmet": float((penalty * plan.unmet["unmet_tokens_per_s"]).sum()),
        "latency": float((latency_rate * plan.serving["rtt_ms"] * plan.serving["tokens_per_s"]).sum()),
        "building": float((sites["building_capex_usd_per_mw_year"] * plan.sites["it_mw"]).sum()),
        "cooling": float(sum(inputs.cooling.at[(s, c), "capex_usd_per_mw_year"] * it
                             for s, c, it in zip(plan.sites.index, plan.sites["cooling"], plan.sites["it_mw"]) if c)),
        "grid": float((sites["grid_capex_usd_per_mw_year"] * plan.sites["grid_mw"]).sum()),
        "energy": float((sites["energy_usd_per_mw_year"] * plan.sites["grid_mw"]).sum()),
        "transfer_loss": transfer_loss,
    }


def check_cost(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    recomputed = sum(recompute_cost_usd(plan, inputs).values())
    if not math.isclose(recomputed, plan.objective_usd, rel_tol=1e-4, abs_tol=1.0):
        yield _problem("cost", "total", f"recomputed cost {recomputed:,.0f} USD/year differs from the reported "
                       f"objective {plan.objective_usd:,.0f}")


def check_training(plan: Plan, inputs: ModelInputs) -> Iterator[Problem]:
    """Training compute recomputed from the chips assigned to training; shortfalls must be reported."""
    training, summary = inputs.training, plan.metadata.get("training")
    if training is None or not summary:
        return
    rows = plan.allocation[plan.allocation["service_class"] == "training"]
    site_flops = (rows["chips_serving"] * rows["chip"].map(training.flops_per_chip).astype(float)).groupby(rows["site"]).sum()
    provided = float(site_flops.sum())
    if provided + summary["unmet_flops"] < training.sustained_flops * (1 - REL_TOL) - 1.0:
        yield _problem("training", "sustained", f"provided {provided:.4g} + unmet {summary['unmet_flops']:.4g} FLOP/s "
                       f"< required {training.sustained_flops:.4g}")
    at_site = float(site_flops.get(summary["largest_run_site"], 0.0))
    if at_site + summary["largest_run_shortfall_flops"] < training.largest_run_flops * (1 - REL_TOL) - 1.0:
        yield _problem("training", "largest_run", f"site {summary['largest_run_site']} trains at {at_site:.4g} FLOP/s, "
                       f"below the largest run's {training.largest_run_flops:.4g} with no shortfall reported")


CHECKS: dict[str, Callable[[Plan, ModelInputs], Iterator[Problem]]] = {
    "demand_balance": check_demand_balance,
    "latency": check_latency,
    "capacity": check_capacity,
    "power": check_power,
    "cooling": check_cooling,
    "grid": check_grid,
    "training": check_training,
    "policy": check_policy,
    "cost": check_cost,
}


def verify(plan: Plan, inputs: ModelInputs) -> Verification:
    """Re-check ``plan`` against ``inputs``; a plan without a solution has nothing to verify."""
    if not plan.has_solution:
        return Verification(violations=(), checks_run=())
    violations = [problem for check in CHECKS.values() for problem in check(plan, inputs)]
    return Verification(violations=tuple(violations), checks_run=tuple(CHECKS))
