"""The only place the stages are wired together.

scenario -> regions -> demand -> chips (catalog + export rules) -> throughput (roofline) -> latency pruning
-> ModelInputs -> build -> solve -> extract -> verify -> Plan
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from planner.catalog import load_catalog, resolve_chip
from planner.catalog.policy import PolicyResolution, resolve_policy
from planner.chips import purchasable_chips, site_throughput
from planner.cooling import site_cooling_options
from planner.demand import forecast, training_demand
from planner.extract import extract
from planner.geo.arcs import serve_arcs
from planner.geo.grid_limits import grid_inputs
from planner.geo.regions import demand_regions
from planner.geo.sites import candidate_sites
from planner.mip.build import Builder, build_model, problem_size
from planner.mip.heuristics import siting_start
from planner.mip.inputs import ModelInputs, PolicyLimits, TrainingInputs
from planner.mip.reduce import expand_plan, reduce_inputs
from planner.results import Plan
from planner.roofline import load_workloads, serving_coefficients, training_flops_per_chip
from planner.scenario.load import scenario_hash
from planner.scenario.schema import Scenario
from planner.solve import ProgressCallback, SolveOptions, solve
from planner.units import SECONDS_PER_YEAR, capital_recovery_factor
from planner.verify import verify

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
VERSIONED_PACKAGES = ("planner", "pyomo", "highspy", "numpy", "pandas", "pydantic")


@dataclass
class StageTimer:
    """Wall time per named stage, reported in plan.json and the CLI summary."""

    progress: Progress | None = None
    timings_s: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.progress:
            self.progress(name)
        started = time.perf_counter()
        yield
        self.timings_s[name] = round(time.perf_counter() - started, 4)


@dataclass(frozen=True)
class Prepared:
    """Everything upstream of the MIP, kept for reports and re-checks."""

    scenario: Scenario
    scenario_hash: str
    regions: pd.DataFrame
    demand: pd.DataFrame
    policy: PolicyResolution
    inputs: ModelInputs
    timings_s: dict[str, float]


def _yearly_per_peak_token_rate(scenario: Scenario, usd_per_mtok: dict[str, float]) -> pd.Series:
    """USD per million tokens -> USD/year per token/s of peak demand (tokens in a year at the mean load)."""
    rates = {q: value / 1e6 * SECONDS_PER_YEAR / scenario.demand.classes[q].peak_to_mean_ratio
             for q, value in usd_per_mtok.items()}
    return pd.Series(rates, dtype=float).rename_axis("service_class")


def _unmet_penalty(scenario: Scenario) -> pd.Series:
    return _yearly_per_peak_token_rate(scenario, {
        str(q): cfg.unmet_penalty_usd_per_mtok or scenario.costs.unmet_penalty_usd_per_mtok
        for q, cfg in scenario.service_classes.items()})


def _latency_cost(scenario: Scenario) -> pd.Series:
    default = scenario.costs.latency_cost_usd_per_mtok_per_ms
    return _yearly_per_peak_token_rate(scenario, {
        str(q): default if cfg.latency_cost_usd_per_mtok_per_ms is None else cfg.latency_cost_usd_per_mtok_per_ms
        for q, cfg in scenario.service_classes.items()})


def _training_inputs(scenario: Scenario, chip_specs: pd.DataFrame) -> TrainingInputs | None:
    cfg = scenario.demand.training
    if cfg is None:
        return None
    need = training_demand(scenario)
    return TrainingInputs(sustained_flops=need.sustained_flops, largest_run_flops=need.largest_run_flops,
                          flops_per_chip=training_flops_per_chip(chip_specs, cfg.mfu).fillna(0.0),
                          unmet_penalty_usd_per_flops_year=cfg.unmet_penalty_usd_per_pflops_year / 1e15)


def _per_class(scenario: Scenario, field_name: str) -> pd.Series:
    values = {str(q): getattr(cfg, field_name) for q, cfg in scenario.service_classes.items()}
    return pd.Series(values, name=field_name, dtype=float).rename_axis("service_class")


def _policy_limits(scenario: Scenario, policy: PolicyResolution) -> PolicyLimits:
    cfg = scenario.policy
    cap = cfg.tpp_cap if cfg.tpp_cap is not None else (
        None if policy.tpp_cap is None else policy.tpp_cap * cfg.tpp_cap_share)
    supply = pd.Series({resolve_chip(k): float(v) for k, v in cfg.supply_limits.items()}, dtype=float).rename_axis("chip")
    return PolicyLimits(tpp_cap=cap, min_uncontrolled_share=cfg.min_uncontrolled_share, chip_supply_limit=supply)


def prepare(scenario: Scenario, progress: Progress | None = None) -> Prepared:
    """Run every stage upstream of the MIP and assemble its frozen inputs."""
    timer = StageTimer(progress)
    with timer.stage("regions"):
        cfg = scenario.regions
        regions = demand_regions(scenario.country_iso3, cfg.count, cfg.min_city_population, cfg.seed,
                                 method=cfg.method, rural_area_share=cfg.rural_area_share)
    with timer.stage("demand"):
        demand = forecast(scenario, regions, years=[scenario.year])
    with timer.stage("chips"):
        catalog = load_catalog()
        policy = resolve_policy(catalog, scenario.country_iso3, scenario.effective_policy_date, scenario.policy.rules)
        chips = purchasable_chips(catalog, policy, scenario)
    with timer.stage("throughput"):
        workload_names = {str(q): cfg.workload or str(q) for q, cfg in scenario.service_classes.items()}
        workloads = load_workloads(set(workload_names.values()))
        per_chip = serving_coefficients(catalog.loc[chips.index], {q: workloads[w] for q, w in workload_names.items()})
        sites = candidate_sites(scenario)
        throughput = site_throughput(per_chip["tokens_per_s_per_chip"], sites)
    with timer.stage("cooling_grid"):
        cooling = site_cooling_options(sites, scenario.cooling.technologies,
                                       capital_recovery_factor(scenario.costs.discount_rate,
                                                               scenario.costs.building_lifetime_years),
                                       scenario.costs.power_utilisation_share)
        grid = grid_inputs(scenario.grid, sites)
    with timer.stage("latency"):
        budgets = _per_class(scenario, "rtt_budget_ms")
        arcs = serve_arcs(regions, sites, budgets, _per_class(scenario, "max_candidate_sites"),
                          scenario.latency.budget_percentile)
    with timer.stage("assemble"):
        demand_series = demand.set_index(["region", "service_class"])["tokens_per_s_peak"]
        inputs = ModelInputs(name=scenario.name, regions=regions, sites=sites, chips=chips,
                             demand_tokens_per_s=demand_series, throughput_tokens_per_s=throughput,
                             serve_arcs=arcs, unmet_penalty_usd_per_tokens_per_s_year=_unmet_penalty(scenario),
                             latency_cost_usd_per_tokens_per_s_ms_year=_latency_cost(scenario),
                             rtt_budget_ms=budgets, max_site_share=_per_class(scenario, "max_site_share"),
                             cooling=cooling, grid=grid, policy=_policy_limits(scenario, policy),
                             training=_training_inputs(scenario, catalog.loc[chips.index]))
    return Prepared(scenario=scenario, scenario_hash=scenario_hash(scenario), regions=regions, demand=demand,
                    policy=policy, inputs=inputs, timings_s=timer.timings_s)


def _policy_summary(prepared: Prepared) -> dict:
    policy = prepared.policy
    return {"pack": policy.pack, "date": policy.on_date.isoformat(), "tier": policy.tier,
            "tpp_cap": prepared.inputs.policy.tpp_cap}


def _regions_summary(prepared: Prepared) -> list[dict]:
    """Where each demand region is and how many people it holds, for maps and reports downstream."""
    regions = prepared.regions
    return [{"region": str(name), "lat": float(row.lat), "lon": float(row.lon), "population": int(row.population)}
            for name, row in regions.iterrows()]


def _chip_policy_summary(prepared: Prepared) -> dict[str, dict]:
    """Per purchasable chip: TPP, export-control status and whether it counts against the national cap."""
    chips = prepared.inputs.chips
    columns = {"tpp": float, "status": str, "is_uncontrolled": bool, "counts_against_cap": bool}
    return {str(chip): {name: cast(row[name]) for name, cast in columns.items() if name in row.index}
            for chip, row in chips.iterrows()}


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def options_for(scenario: Scenario, options: SolveOptions | None) -> SolveOptions:
    """Each option set explicitly wins; each one left unset comes from the scenario's solver section."""
    return (options or SolveOptions()).with_defaults(time_limit_s=scenario.solver.time_limit_s,
                                                     mip_gap=scenario.solver.mip_gap)


def solve_prepared(prepared: Prepared, options: SolveOptions | None = None, progress: Progress | None = None,
                   extra: Iterable[Builder] = (), solver_progress: ProgressCallback | None = None) -> Plan:
    """Build, solve, extract and verify the MIP of already prepared inputs (after exact reductions, so
    ``extra`` builders see the reduced inputs); ``solver_progress`` follows the solve's incumbent and bound."""
    options = options_for(prepared.scenario, options)
    timer = StageTimer(progress, dict(prepared.timings_s))
    with timer.stage("build"):
        reduction = reduce_inputs(prepared.inputs)
        model = build_model(reduction.inputs, extra)
    with timer.stage("solve"):
        outcome = solve(model, options, start=siting_start, progress=solver_progress)
    with timer.stage("extract"):
        metadata = {"versions": package_versions(), "solver": outcome.solver, "solver_options": options.as_dict(),
                    "problem_size": problem_size(model), "policy": _policy_summary(prepared),
                    "regions": _regions_summary(prepared), "chip_policy": _chip_policy_summary(prepared)}
        result = expand_plan(extract(model, reduction.inputs, outcome, prepared.scenario_hash, metadata),
                             reduction, prepared.inputs)
    with timer.stage("verify"):
        verification = verify(result, prepared.inputs)
    result.metadata["verification"] = {"ok": verification.ok, "checks": list(verification.checks_run),
                                       "violations": [str(v) for v in verification.violations]}
    if not verification.ok:
        log.warning("plan failed independent verification:\n%s", verification)
    return result.with_timings(timer.timings_s)


def plan(scenario: Scenario, options: SolveOptions | None = None, progress: Progress | None = None,
         extra: Iterable[Builder] = (), solver_progress: ProgressCallback | None = None) -> Plan:
    """Scenario -> checked plan. ``options`` default to the scenario's solver section."""
    return solve_prepared(prepare(scenario, progress), options, progress, extra, solver_progress)
