"""Build-out benchmark (issue 16): the national instance of ``bench_national.py`` (2,000 regions x 300 sites x
20 chips x 3 classes) over several planning years, solved with perfect foresight to a target gap, started
from the myopic (rolling) plan, whose cost gap to the full-horizon plan is printed.

    python benchmarks/bench_buildout.py --periods 5 --time-limit 600             # the full instance
    python benchmarks/bench_buildout.py --regions 500 --sites 100 --periods 5    # a smaller one
    python benchmarks/bench_buildout.py --no-rolling-start                       # the full-horizon solve alone

Prints the problem size, prepare / build / solve times, the build's share of the wall time, the gap reached,
the peak memory (resident set) of the process and the rolling plan's present value against the
full-horizon plan's and its bound. ``--time-limit`` covers the rolling plan and the full-horizon solve
together (the rolling steps get ``ROLLING_SHARE_OF_TIME_LIMIT`` of it). Benchmark-only inputs (see
bench_national.py), not a plan.
"""

from __future__ import annotations

import argparse
import logging
import math
import time

from bench_national import add_instance_arguments, national_scenario, peak_memory_gib
from planner.mip.build import problem_size
from planner.mip.periods import PeriodInputs, build_periods_model
from planner.mip.reduce import reduce_inputs
from planner.myopic import solve_from_rolling_start
from planner.pipeline import prepare_periods
from planner.solve import SolveOptions, solve


def planning_years(first: int, periods: int, step: int) -> list[int]:
    return [first + step * i for i in range(periods)]


def build(prepared):
    reductions = {year: reduce_inputs(p.inputs) for year, p in prepared.periods.items()}
    periods = PeriodInputs(prepared.schedule, {year: r.inputs for year, r in reductions.items()})
    return periods, build_periods_model(periods)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_instance_arguments(parser)
    parser.add_argument("--periods", type=int, default=5)
    parser.add_argument("--first-year", type=int, default=2027)
    parser.add_argument("--step", type=int, default=2, help="years between planning years")
    parser.add_argument("--time-limit", type=float, default=600.0, help="rolling plan and full horizon together [s]")
    parser.add_argument("--no-rolling-start", action="store_true",
                        help="the full-horizon model solved alone (no rolling plan, no cost gap)")
    parser.add_argument("--log", action="store_true", help="the solve's progress on stderr")
    args = parser.parse_args()
    if args.log:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        logging.getLogger("pyomo").setLevel(logging.WARNING)

    started = time.perf_counter()
    base = national_scenario(args.regions, args.sites, args.chips)
    years = planning_years(args.first_year, args.periods, args.step)
    scenario = base.model_copy(update={"planning_years": years})
    prepared = prepare_periods(scenario)
    prepare_s = time.perf_counter() - started
    t0 = time.perf_counter()
    periods, model = build(prepared)
    build_s = time.perf_counter() - t0
    size = problem_size(model)
    options = SolveOptions(time_limit_s=args.time_limit, mip_gap=args.gap)
    rolling = None
    if args.no_rolling_start:
        full = solve(model, options)
    else:
        full, rolling = solve_from_rolling_start(model, periods, options)
    wall_s = time.perf_counter() - started
    first = prepared.periods[years[0]].inputs
    rows = {
        "regions x sites x chips x classes x periods": f"{len(first.regions)} x {len(first.sites)} x "
                                                       f"{len(first.chips)} x {len(first.service_classes)} x {len(years)}",
        "planning years": ", ".join(map(str, years)),
        "variables / integer / constraints": f"{size['n_variables']:,} / {size['n_integer']:,} / {size['n_constraints']:,}",
        "prepare, all periods (s)": f"{prepare_s:.1f}",
        "model build (s)": f"{build_s:.1f}",
        "solve: rolling plan, compile, LP bound, MIP (s)": f"{full.solve_s:.1f}",
        "status / gap": f"{full.termination} / {full.gap:.3%}",
        "present value (bn USD)": f"{full.objective / 1e3:,.3f}",
        "bound (bn USD)": f"{full.bound / 1e3:,.3f}",
        "wall, prepare to full solve (s)": f"{wall_s:.1f}",
        "build share of wall time": f"{build_s / wall_s:.1%}",
    }
    if rolling is not None:
        rows["rolling plan: solve (s)"] = f"{rolling.solve_s:.1f}"
        rows["rolling plan: present value (bn USD)"] = f"{rolling.objective / 1e3:,.3f}"
        if full.has_solution:
            rows["rolling vs full-horizon plan"] = f"{rolling.objective / full.objective - 1:+.3%}"
        if math.isfinite(full.bound) and full.bound > 0:
            rows["rolling vs full-horizon bound"] = f"{rolling.objective / full.bound - 1:+.3%}"
    rows["peak memory (GiB)"] = f"{peak_memory_gib():.2f}"
    width = max(map(len, rows))
    for key, value in rows.items():
        print(f"{key:>{width}}: {value}", flush=True)


if __name__ == "__main__":
    main()
