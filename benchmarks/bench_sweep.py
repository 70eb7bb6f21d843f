"""Sweep benchmark (issue 18): the speed-up of 2 workers over 1 on a 20-scenario study, and whether warm
starts from a finished run of the same structure shorten the solves.

    python benchmarks/bench_sweep.py                    # both parts, India with 4 demand regions
    python benchmarks/bench_sweep.py --part speedup --regions 6
    python benchmarks/bench_sweep.py --part warm --json

The study: India (no training demand) over a 5 x 4 grid of agents per adopting person and the interactive
round-trip budget, solved to a 0.2% gap. Each LocalCluster is started and every worker warmed up as
``planner sweep`` does it (the ``WarmUp`` plugin: the solve path imported, one scenario prepared) before the
clock starts, so the times are the study's runs alone; the start-up is printed apart, and the speed-up with
it included (the whole ``planner sweep``) too.

Speed-up: wall time of the study on 1 worker over that on 2 workers (single-threaded worker processes, one
HiGHS thread each); with N cores free the ideal is min(N, 2). The two result tables must be identical
(timing columns aside). Where the 2-worker run loses time: ``busy_share`` is the summed run time over
workers x wall (1.0: no worker ever idle, the client's own work and the last run's tail included), and
``mean_run_s`` the mean run time (longer with 2 workers than with 1: the workers contend for the cores with
each other, the client and other jobs). ``workers_cpu_s`` and ``client_cpu_s``: CPU seconds the workers and
the client process (the LocalCluster's scheduler included) spent on the study; unlike wall times they hardly
move with the machine's load, so they show whether 2 workers do more work than 1 and how much of it is the
client's (serial) share.

Warm start: the runs solved in order in one process, each either with the default siting start (LP, count
relaxation, rounded counts) or with a warm start: the LP for the bound, then the yes/no choices (sites,
cooling, training site) of the previous run with the same model structure fixed and the counts rounded from
the LP (the count relaxation skipped). Reported: total solve time of both, and the largest relative cost
difference (both within the gap).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import yaml

import planner
from planner.mip.build import build_model
from planner.mip.heuristics import siting_start
from planner.mip.reduce import reduce_inputs
from planner.solve import SolveOptions, restricted_start, seconds_left, solve
from planner.studies import TIMING_COLUMNS, dask_client, load, load_design, run_study

AGENTS = [0.5, 0.75, 1.0, 1.25, 1.5]
RTT_BUDGETS_MS = [15, 20, 30, 40]
MIP_GAP = 0.002


def study_file(directory: Path, regions: int) -> Path:
    path = directory / "bench-sweep.yaml"
    path.write_text(yaml.safe_dump({
        "name": "bench-sweep", "base": "india",
        "set": {"regions.count": regions, "demand.training": None},
        "grid": {"demand.agents_per_capita": AGENTS, "service_classes.interactive.rtt_budget_ms": RTT_BUDGETS_MS},
        "solver": {"time_limit_s": 300, "mip_gap": MIP_GAP}}, sort_keys=False))
    return path


def _warm_up(client, design) -> None:
    try:
        from planner.studies.warm import WarmUp
    except ImportError:  # a planner before the warm-up plugin (to measure it against): import the pipeline only
        client.run(lambda: __import__("planner.pipeline") and None)
        return
    client.register_plugin(WarmUp(design.runs[0].scenario.model_dump(mode="json")))


def _cpu_s() -> float:
    """CPU seconds of this process so far (all its threads), user and system."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_study(design, out: Path, workers: int) -> dict:
    started = time.perf_counter()
    with dask_client(workers=workers) as client:
        client.wait_for_workers(workers)
        _warm_up(client, design)
        ready = time.perf_counter()
        workers_before, client_before = client.run(_cpu_s), _cpu_s()
        outcome = run_study(design, out, client=client)
        wall_s = time.perf_counter() - ready
        client_cpu_s = _cpu_s() - client_before
        workers_after = client.run(_cpu_s)
    workers_cpu_s = sum(workers_after[w] - workers_before.get(w, 0.0) for w in workers_after)
    table = outcome.table
    runs_s = float(table["wall_s"].sum())
    return {"workers": workers, "startup_s": round(ready - started, 2), "wall_s": round(wall_s, 2),
            "sum_run_wall_s": round(runs_s, 2), "mean_run_s": round(runs_s / len(table), 3),
            "busy_share": round(runs_s / (workers * wall_s), 3), "workers_cpu_s": round(workers_cpu_s, 2),
            "client_cpu_s": round(client_cpu_s, 2), "done": outcome.progress.done,
            "optimal": int((table["state"] == "optimal").sum())}


def speedup(regions: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        design = load_design(study_file(tmp, regions))
        load_before = os.getloadavg()[0]
        one = timed_study(design, tmp / "one", 1)
        two = timed_study(design, tmp / "two", 2)
        timing = list(TIMING_COLUMNS)
        identical = load(tmp / "one").drop(columns=timing).equals(load(tmp / "two").drop(columns=timing))
    with_startup = (one["wall_s"] + one["startup_s"]) / (two["wall_s"] + two["startup_s"])
    return {"runs": len(design.runs), "one": one, "two": two, "speedup": round(one["wall_s"] / two["wall_s"], 3),
            "speedup_with_startup": round(with_startup, 3), "tables_identical": bool(identical),
            "cores": os.cpu_count(), "load_average_1min_before": load_before,
            "load_average_1min": os.getloadavg()[0]}


def _columns(model) -> list:
    """The model's columns as ``HighsInstance`` orders them (unfixed active variables, declaration order)."""
    return [v for v in model.component_data_objects(pyo.Var, active=True, descend_into=True) if not v.fixed]


def _structure(columns) -> tuple:
    return tuple(v.name for v in columns)


class WarmStart:
    """Start heuristic: the LP's bound, the yes/no choices of the last finished run of the same structure
    fixed, the counts rounded from the LP; the default siting start where no run of that structure has
    finished."""

    def __init__(self) -> None:
        self.choices: dict[tuple, dict[int, float]] = {}
        self.used = 0

    def __call__(self, instance, options: SolveOptions, deadline: float):
        fixed = self.choices.get(_structure(instance.columns))
        if fixed is None:
            return siting_start(instance, options, deadline)
        lp = instance.run(seconds_left(deadline), mip_gap=options.mip_gap, relax=instance.all)
        if not lp.has_solution:
            return None
        self.used += 1
        return restricted_start(instance, options, deadline, lp.values, dict(fixed), bound=lp.bound)

    def remember(self, model) -> None:
        columns = _columns(model)
        self.choices[_structure(columns)] = {j: float(round(v.value)) for j, v in enumerate(columns)
                                             if v.is_binary() and v.value is not None}


def _solve(prepared, options: SolveOptions, start):
    model = build_model(reduce_inputs(prepared.inputs).inputs)
    started = time.perf_counter()
    outcome = solve(model, options, start=start)
    return outcome, time.perf_counter() - started, model


def warm_starts(regions: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        design = load_design(study_file(Path(tmp), regions))
    options = SolveOptions(time_limit_s=300, mip_gap=MIP_GAP)
    warm = WarmStart()
    rows = []
    for run in design.runs:
        prepared = planner.prepare(run.scenario)
        cold, cold_s, _ = _solve(prepared, options, siting_start)
        hot, warm_s, model = _solve(prepared, options, warm)
        warm.remember(model)
        rows.append({"cold_s": cold_s, "warm_s": warm_s, "cold_usd": cold.objective, "warm_usd": hot.objective,
                     "cold_gap": cold.gap, "warm_gap": hot.gap})
    table = pd.DataFrame(rows)
    started_warm = table.iloc[1:]  # the first run has no finished run to start from
    return {"runs": len(table), "warm_started": warm.used,
            "cold_solve_s": round(float(started_warm["cold_s"].sum()), 2),
            "warm_solve_s": round(float(started_warm["warm_s"].sum()), 2),
            "warm_over_cold": round(float(started_warm["warm_s"].sum() / started_warm["cold_s"].sum()), 3),
            "max_relative_cost_difference": float(((table["warm_usd"] - table["cold_usd"]).abs()
                                                   / table["cold_usd"]).max()),
            "max_gap": float(table[["cold_gap", "warm_gap"]].max().max()),
            "load_average_1min": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["speedup", "warm", "both"], default="both")
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {"regions": args.regions}
    if args.part in {"speedup", "both"}:
        report["speedup"] = speedup(args.regions)
    if args.part in {"warm", "both"}:
        report["warm_start"] = warm_starts(args.regions)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    if "speedup" in report:
        s = report["speedup"]
        print(f"{s['runs']} runs, {s['cores']} cores, load average {s['load_average_1min_before']:.1f} before, "
              f"{s['load_average_1min']:.1f} after")
        for key in ("one", "two"):
            r = s[key]
            print(f"  {r['workers']} worker(s): {r['wall_s']:.1f} s wall ({r['sum_run_wall_s']:.1f} s of runs, "
                  f"{r['mean_run_s']:.2f} s each, workers busy {r['busy_share']:.0%}; start-up with warm-up "
                  f"{r['startup_s']:.1f} s), {r['optimal']}/{s['runs']} optimal; CPU: workers "
                  f"{r['workers_cpu_s']:.1f} s, client and scheduler {r['client_cpu_s']:.1f} s")
        print(f"  speed-up 2 over 1: {s['speedup']:.2f}x ({s['speedup_with_startup']:.2f}x with the start-up); "
              f"tables identical: {s['tables_identical']}")
    if "warm_start" in report:
        w = report["warm_start"]
        print(f"warm starts on {w['warm_started']} of {w['runs']} runs: solve {w['warm_solve_s']:.1f} s vs "
              f"{w['cold_solve_s']:.1f} s cold ({w['warm_over_cold']:.2f}x); largest cost difference "
              f"{w['max_relative_cost_difference']:.2e} (gaps <= {w['max_gap']:.2e}); load {w['load_average_1min']:.1f}")
        if not math.isfinite(w["warm_over_cold"]):
            print("  (no warm-started run)")


if __name__ == "__main__":
    main()
