"""National-scale siting benchmark (issue 8): 2,000 demand regions from India's GeoNames cities, 300 candidate
sites (the largest cities), 20 chip types, 3 service classes, solved to a 1% gap.

Prints the problem size, the time of every stage, the model build's share of the wall time, the solve time
and the peak memory (resident set) of the process.

    python benchmarks/bench_national.py                      # the full instance
    python benchmarks/bench_national.py --regions 500 --sites 100 --chips 12   # a smaller one
    python benchmarks/bench_national.py --compare-plain     # also the whole model passed straight to HiGHS

Benchmark-only inputs (not a plan anyone should act on): candidate sites are the N most populous cities with
a 300 MW connection each; the priced catalog chips the export rules allow are joined by the next chips with a
known TDP, priced at the priced chips' median USD per TPP (a stated imputation, printed below); each region
considers its 10 (interactive) and 20 (agentic) nearest sites within the RTT budget (``max_candidate_sites``).
"""

from __future__ import annotations

import argparse
import resource
import time

import pandas as pd

import planner
from planner.catalog import load_catalog
from planner.catalog.policy import ChipStatus, resolve_policy
from planner.geo.population import cities
from planner.mip.build import build_model, problem_size
from planner.mip.heuristics import siting_start
from planner.mip.reduce import reduce_inputs
from planner.pipeline import prepare
from planner.solve import SolveOptions, solve

SITE_MW = 300.0
# Each region considers its nearest candidate sites within the class's RTT budget (batch: every site, pooled).
NEIGHBOURHOODS = ("service_classes.interactive.max_candidate_sites=10", "service_classes.agentic.max_candidate_sites=20")


def site_list(n_sites: int) -> list[dict]:
    largest = cities("IND").sort_values("population", ascending=False).head(n_sites)
    return [{"name": f"{row['name']}-{city_id}", "lat": row["lat"], "lon": row["lon"], "max_grid_mw": SITE_MW}
            for city_id, row in largest.iterrows()]


def chip_prices(n_chips: int, scenario: planner.Scenario) -> dict[str, float]:
    """Catalog prices, plus imputed ones (median USD/TPP of priced chips) for further chips with a TDP; chips
    the scenario's export rules prohibit are left out, so that all ``n_chips`` can be bought."""
    catalog = load_catalog()
    policy = resolve_policy(catalog, scenario.country_iso3, scenario.effective_policy_date, scenario.policy.rules)
    allowed = policy.chips.index[policy.chips["status"] != ChipStatus.PROHIBITED]
    usable = catalog[(catalog["tdp_kw"] > 0) & catalog.index.isin(allowed)]
    priced = usable[usable["price_usd"] > 0]
    usd_per_tpp = float((priced["price_usd"] / priced["tpp"]).median())
    unpriced = usable[~(usable["price_usd"] > 0)].sort_values("release_year", ascending=False)
    imputed = {chip: round(usd_per_tpp * tpp, -2) for chip, tpp in unpriced["tpp"].head(max(n_chips - len(priced), 0)).items()}
    chosen = list(priced.index[:n_chips]) + list(imputed)
    print(f"chips: {len(chosen)} ({len(imputed)} with imputed prices at {usd_per_tpp:.2f} USD/TPP: "
          f"{', '.join(f'{c} {p:,.0f}' for c, p in imputed.items())})")
    return {chip: float(catalog.at[chip, "price_usd"]) if chip in priced.index else imputed[chip] for chip in chosen}


def national_scenario(n_regions: int, n_sites: int, n_chips: int) -> planner.Scenario:
    scenario = planner.load_scenario("india", [f"regions.count={n_regions}", *NEIGHBOURHOODS])
    prices = chip_prices(n_chips, scenario)
    chips = scenario.chips.model_copy(update={"candidates": list(prices), "price_usd": prices})
    return scenario.model_copy(update={"sites": [planner.scenario.schema.SiteConfig(**s) for s in site_list(n_sites)],
                                       "chips": chips, "name": f"india-national-{n_regions}x{n_sites}x{n_chips}"})


def peak_memory_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def add_instance_arguments(parser: argparse.ArgumentParser) -> None:
    """The national instance's size and the target gap (shared with bench_buildout.py)."""
    parser.add_argument("--regions", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--chips", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_instance_arguments(parser)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--compare-plain", action="store_true",
                        help="afterwards, solve the same model passed whole to HiGHS (no start heuristic) within the "
                             "same time limit, for the ratio")
    args = parser.parse_args()

    started = time.perf_counter()
    scenario = national_scenario(args.regions, args.sites, args.chips)
    prepared = prepare(scenario)
    inputs = prepared.inputs
    t0 = time.perf_counter()
    reduction = reduce_inputs(inputs)
    model = build_model(reduction.inputs)
    build_s = time.perf_counter() - t0
    size = problem_size(model)
    outcome = solve(model, SolveOptions(time_limit_s=args.time_limit, mip_gap=args.gap), start=siting_start)
    total_s = time.perf_counter() - started
    prepare_s = sum(prepared.timings_s.values())
    rows = {
        "regions x sites x chips x classes": f"{len(inputs.regions)} x {len(inputs.sites)} x {len(inputs.chips)} x "
                                             f"{len(inputs.service_classes)}",
        "serve arcs (after latency pruning)": f"{len(inputs.serve_arcs):,} of {len(inputs.regions) * len(inputs.sites) * len(inputs.service_classes):,}",
        "pooled classes (exact reduction)": ", ".join(reduction.pooled_classes) or "none",
        "variables / integer / constraints": f"{size['n_variables']:,} / {size['n_integer']:,} / {size['n_constraints']:,}",
        "prepare stages (s)": ", ".join(f"{k} {v:.2f}" for k, v in prepared.timings_s.items()),
        "prepare total (s)": f"{prepare_s:.1f}",
        "model build (s)": f"{build_s:.1f}",
        "solve: compile, start heuristic, MIP (s)": f"{outcome.solve_s:.1f}",
        "status / gap": f"{outcome.termination} / {outcome.gap:.3%}",
        "bound (bn USD/year)": f"{outcome.bound / 1e3:,.3f}",
        "objective (bn USD/year)": f"{outcome.objective / 1e3:,.3f}",
        "total wall (s)": f"{total_s:.1f}",
        "build share of wall time": f"{build_s / total_s:.1%}",
        "peak memory (GiB)": f"{peak_memory_gib():.2f}",
    }
    if args.compare_plain:
        plain = solve(build_model(reduction.inputs), SolveOptions(time_limit_s=args.time_limit, mip_gap=args.gap,
                                                                 rounding_start=False))
        rows["plain: whole model to HiGHS (s)"] = f"{plain.solve_s:.1f}"
        rows["plain: status / gap"] = f"{plain.termination} / {plain.gap:.3%}"
        rows["plain: objective / bound (bn USD/year)"] = f"{plain.objective / 1e3:,.3f} / {plain.bound / 1e3:,.3f}"
        rows["solve time ratio plain / ours"] = f"{plain.solve_s / outcome.solve_s:.2f}"
    width = max(map(len, rows))
    for key, value in rows.items():
        print(f"{key:>{width}}: {value}")


if __name__ == "__main__":
    main()
