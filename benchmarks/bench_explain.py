"""Explain stage: marginal values against finite differences, and what the stage costs next to the solve.

For each case: solve the plan, read the limit's dual from ``plan.marginal_values``, re-solve the pricing LP
(the plan's yes/no decisions fixed, counts continuous) with one more unit of the limit, and print both, their
relative difference, and the explain stage's time against the solve's (with and without the latency-budget
re-solves). Run: ``python benchmarks/bench_explain.py`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import planner
from planner.explain import ExplainOptions, choices_from_plan, pricing_cost_usd
from planner.pipeline import solve_prepared


def _headroom(inputs, step):
    return replace(inputs, grid=replace(inputs.grid, zone_headroom_mw=inputs.grid.zone_headroom_mw + step))


def _cap(inputs, step):
    return replace(inputs, policy=replace(inputs.policy, tpp_cap=inputs.policy.tpp_cap + step))


CASES = [
    ("GB, 10 MW headroom, 4 regions", "great-britain", ["regions.count=4", "grid.zone_headroom_mw.GB=10"],
     ("zone_headroom", "GB"), _headroom, 1.0),
    ("GB, 10 MW headroom, 12 regions", "great-britain", ["grid.zone_headroom_mw.GB=10"],
     ("zone_headroom", "GB"), _headroom, 1.0),
    ("India, diffusion-2025 at 50% cap, 4 regions", "india",
     ["regions.count=4", "policy.rules=diffusion-2025", "policy.tpp_cap_share=0.5"], ("export_cap", "national"), _cap, 1e6),
    ("India, diffusion-2025 at 50% cap, 20 regions", "india",
     ["policy.rules=diffusion-2025", "policy.tpp_cap_share=0.5"], ("export_cap", "national"), _cap, 1e6),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 4-region cases")
    args = parser.parse_args()
    print("| case | dual | finite difference | rel. diff | solve_s | explain_s | explain_s with latency values |")
    print("|---|---|---|---|---|---|---|")
    for label, name, sets, (constraint, member), relax, step in CASES:
        if args.quick and "4 regions" not in label:
            continue
        prepared = planner.prepare(planner.load_scenario(name, sets))
        plan = solve_prepared(prepared, explain_options=ExplainOptions())
        table = plan.marginal_values
        dual = float(table[(table["constraint"] == constraint) & (table["name"] == member)]["value"].iloc[0])
        choices = choices_from_plan(plan, prepared.inputs.cooling.index)
        base = pricing_cost_usd(prepared.inputs, choices)
        difference = (base - pricing_cost_usd(relax(prepared.inputs, step), choices)) / step
        started = time.perf_counter()
        with_latency = solve_prepared(prepared, explain_options=ExplainOptions(latency_values=True))
        total = time.perf_counter() - started
        print(f"| {label} | {dual:,.6g} | {difference:,.6g} | "
              f"{abs(difference - dual) / abs(dual):.2e} | {plan.timings_s['solve']:.2f} | {plan.timings_s['explain']:.2f} "
              f"| {with_latency.timings_s['explain']:.2f} (run {total:.1f}) |")


if __name__ == "__main__":
    main()
