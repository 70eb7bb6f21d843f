"""Sweep benchmark (issue 18): the speed-up of 2 workers over 1 on a 20-scenario study, and whether warm
starts from a finished run of the same structure shorten the solves.

    python benchmarks/bench_sweep.py                    # both parts, India with 4 demand regions
    python benchmarks/bench_sweep.py --part speedup --json
    python benchmarks/bench_sweep.py --part speedup --regions 6 --repeats 5
    python benchmarks/bench_sweep.py --part speedup --study data/studies/demand-uncertainty.yaml --draws 20

The study: India (no training demand) over a 5 x 4 grid of agents per adopting person and the interactive
round-trip budget, solved to a 0.2% gap; or, for the speed-up, any study file (``--study``, with
``--draws`` to resize a Monte Carlo one), e.g. the shipped demand-uncertainty study of the full India
reference scenario cut to 20 draws.

Speed-up: each sweep (1 worker or 2) runs in a fresh Python process that does what ``planner sweep
STUDY --workers N`` does, in its order: open a LocalCluster (single-threaded workers, one HiGHS thread
each, forked from a server process that imports the solve path; they start while the study is read),
read the study, ``run_study`` on the cluster (the runs, then the results table), close the cluster. A fresh
process each, so the second sweep finds nothing the first one started or loaded. Three ratios of 1-worker
time over 2-worker time, from the narrowest to the widest (with N cores free the ideal is min(N, 2)):
- ``speedup``: the runs, from the first one submitted to the last one in (``runs_s``: the speed-up of the
  workers; they are up before the first run is submitted, and it includes each worker's first-run loading
  of the data files);
- ``speedup_with_startup``: everything from the command's start, before the cluster is opened and the
  study file read, to the results table written and the cluster closed (``sweep_s``);
- ``speedup_process``: the whole process, interpreter start included (``process_s``).
``ceiling_with_startup`` is what ``speedup_with_startup`` would be had the 2-worker runs taken exactly half
the 1-worker ones, each sweep keeping its own start-up: the most 2 workers can give a study this small,
where a start-up of about 3 s (the workers' server importing the solve path) is paid by both sweeps.
The two result tables must be identical (timing columns aside). ``--repeats`` pairs of sweeps (default 3),
one pair after the other, the 2-worker sweep first in every other pair: each ratio is of two neighbouring
sweeps, and the medians are reported (the speed of a shared machine drifts over minutes: on 2026-12-01 the
same 1-worker sweep took 1.40-1.93 s per run within an hour, and single pairs ranged 1.46-2.18x). Where the
2-worker sweep loses time:
``busy_share`` is the summed run time over workers x ``runs_s`` (1.0: no worker ever idle), ``worker_run_s``
each worker's summed run time (their difference is the idle tail of the worker that finished first), ``mean_run_s``
the mean run time and ``run_cpu_s`` the CPU seconds the runs took (a run's wall time well above its CPU
time waited for a core: the workers contend for the cores with each other, the client and other jobs);
``client_cpu_s`` the CPU seconds of the client process (the LocalCluster's scheduler included) during
``sweep_s``, the part of the work that does not spread over workers.

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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AGENTS = [0.5, 0.75, 1.0, 1.25, 1.5]
RTT_BUDGETS_MS = [15, 20, 30, 40]
MIP_GAP = 0.002


def study_file(directory: Path, regions: int) -> Path:
    import yaml

    path = directory / "bench-sweep.yaml"
    path.write_text(yaml.safe_dump({
        "name": "bench-sweep", "base": "india",
        "set": {"regions.count": regions, "demand.training": None},
        "grid": {"demand.agents_per_capita": AGENTS, "service_classes.interactive.rtt_budget_ms": RTT_BUDGETS_MS},
        "solver": {"time_limit_s": 300, "mip_gap": MIP_GAP}}, sort_keys=False))
    return path


def shipped_study_copy(directory: Path, source: Path, draws: int | None) -> Path:
    """A copy of the study file ``source`` in ``directory``, with ``draws`` Monte Carlo draws if given (a
    relative base scenario path is made absolute, so the copy reads the same scenario)."""
    import yaml

    from planner.yaml_load import safe_load

    study = safe_load(source.read_text(encoding="utf-8"))
    if draws is not None:
        if not study.get("monte_carlo"):
            raise SystemExit(f"{source}: --draws needs a study with monte_carlo draws")
        study["monte_carlo"]["draws"] = draws
    base = study.get("base")
    if isinstance(base, str) and (source.parent / base).exists():
        study["base"] = str((source.parent / base).resolve())
    path = directory / source.name
    path.write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    return path


def _cpu_s() -> float:
    """CPU seconds of this process so far (all its threads), user and system."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_sweep(study: Path, out: Path, workers: int) -> dict:
    """``planner sweep STUDY --workers N --out OUT`` in this process (a fresh one), in the command's order
    (the LocalCluster opened, its workers starting while the study is read; ``run_study`` on it; the
    cluster closed), timed. Imports only what the command has imported by then."""
    started, client_before = time.perf_counter(), _cpu_s()
    from planner.studies.local import prestart

    method = prestart()
    from planner.studies.runner import dask_client

    with dask_client(workers) as client:
        cluster_start_s = time.perf_counter() - started
        from planner.studies import load_design, run_study

        design = load_design(study)
        read_s, client_read_cpu_s = time.perf_counter() - started, _cpu_s() - client_before
        client.wait_for_workers(workers)  # above read_s: the workers, not the client, held the runs up
        workers_up_s = time.perf_counter() - started
        outcome = run_study(design, out, client=client)
        closing = time.perf_counter()
    ended = time.perf_counter()
    table = outcome.table
    runs_s = outcome.timings_s["runs_s"]
    return {"workers": workers, "start_method": method, "sweep_s": round(ended - started, 2),
            "cluster_start_s": round(cluster_start_s, 2), "read_study_s": round(read_s, 2),
            "workers_up_s": round(workers_up_s, 2),
            **{key: round(value, 2) for key, value in outcome.timings_s.items()},
            "close_s": round(ended - closing, 2),
            "sum_run_wall_s": round(float(table["wall_s"].sum()), 2),
            "run_cpu_s": round(float(table["cpu_s"].sum()), 2),
            "mean_run_s": round(float(table["wall_s"].mean()), 3),
            "busy_share": round(float(table["wall_s"].sum()) / (workers * runs_s), 3),
            "worker_run_s": sorted(round(float(v), 2) for v in table.groupby("worker")["wall_s"].sum()),
            "client_cpu_s": round(_cpu_s() - client_before, 2), "client_read_cpu_s": round(client_read_cpu_s, 2),
            "done": outcome.progress.done, "optimal": int((table["state"] == "optimal").sum())}


def _fresh_sweep(study: Path, out: Path, workers: int) -> dict:
    command = [sys.executable, __file__, "--one-sweep", str(workers), "--study", str(study), "--out", str(out)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    process_s = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the {workers}-worker sweep failed:\n{done.stderr[-3000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "process_s": round(process_s, 2)}


RATIOS = (("speedup", "runs_s"), ("speedup_with_startup", "sweep_s"), ("speedup_process", "process_s"))


def _halved_runs_s(one: dict, two: dict) -> float:
    """The 2-worker sweep's time had its runs phase taken exactly half the 1-worker one: its own start-up,
    table and close kept (the workers' start and first-run loading inside the runs phase are halved too, so
    this is a little above what any 2-worker sweep could reach)."""
    return two["sweep_s"] - two["runs_s"] + one["runs_s"] / 2


def _pair(study: Path, directory: Path, two_first: bool) -> dict:
    """A 1-worker and a 2-worker sweep, in that order or the other, each into its own folder; their ratios."""
    from planner.studies import TIMING_COLUMNS, load

    load_before = os.getloadavg()[0]
    if two_first:
        two = _fresh_sweep(study, directory / "two", 2)
        one = _fresh_sweep(study, directory / "one", 1)
    else:
        one = _fresh_sweep(study, directory / "one", 1)
        two = _fresh_sweep(study, directory / "two", 2)
    timing = list(TIMING_COLUMNS)
    identical = load(directory / "one").drop(columns=timing).equals(load(directory / "two").drop(columns=timing))
    return {"two_first": two_first, "one": one, "two": two,
            **{name: round(one[key] / two[key], 3) for name, key in RATIOS},
            "ceiling_with_startup": round(one["sweep_s"] / _halved_runs_s(one, two), 3),
            "tables_identical": bool(identical), "load_average_1min_before": load_before,
            "load_average_1min": os.getloadavg()[0]}


def speedup(regions: int, repeats: int, source: Path | None = None, draws: int | None = None) -> dict:
    """``repeats`` pairs of sweeps, one after the other, the 1-worker sweep first in every other pair (the
    speed of a shared machine drifts over minutes: each ratio is of two neighbouring sweeps, and alternating
    their order keeps a steady drift from favouring either); the median of each ratio and the pairs."""
    import statistics

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        study = study_file(tmp, regions) if source is None else shipped_study_copy(tmp, source, draws)
        pairs = [_pair(study, tmp / f"pair-{index}", two_first=index % 2 == 1) for index in range(repeats)]
    medians = {name: round(statistics.median(pair[name] for pair in pairs), 3)
               for name in (*(name for name, _ in RATIOS), "ceiling_with_startup")}
    return {"runs": pairs[0]["one"]["done"], "repeats": repeats, **medians,
            "tables_identical": all(pair["tables_identical"] for pair in pairs), "cores": os.cpu_count(),
            "pairs": pairs}


def _columns(model) -> list:
    """The model's columns as ``HighsInstance`` orders them (unfixed active variables, declaration order)."""
    import pyomo.core as pyo

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

    def __call__(self, instance, options, deadline: float):
        from planner.mip.heuristics import siting_start
        from planner.solve import restricted_start, seconds_left

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


def _solve(prepared, options, start):
    from planner.mip.build import build_model
    from planner.mip.reduce import reduce_inputs
    from planner.solve import solve

    model = build_model(reduce_inputs(prepared.inputs).inputs)
    started = time.perf_counter()
    outcome = solve(model, options, start=start)
    return outcome, time.perf_counter() - started, model


def warm_starts(regions: int) -> dict:
    import pandas as pd

    import planner
    from planner.mip.heuristics import siting_start
    from planner.solve import SolveOptions
    from planner.studies import load_design

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


def _print_speedup(s: dict) -> None:
    print(f"{s['runs']} runs, {s['cores']} cores, {s['repeats']} pair(s) of sweeps")
    for index, pair in enumerate(s["pairs"], 1):
        print(f" pair {index} ({'2 workers first' if pair['two_first'] else '1 worker first'}): load average "
              f"{pair['load_average_1min_before']:.1f} before, {pair['load_average_1min']:.1f} after")
        for key in ("one", "two"):
            r = pair[key]
            print(f"  {r['workers']} worker(s): runs {r['runs_s']:.1f} s ({r['mean_run_s']:.2f} s each, CPU "
                  f"{r['run_cpu_s']:.1f} s of {r['sum_run_wall_s']:.1f} s, workers busy {r['busy_share']:.0%}); "
                  f"sweep {r['sweep_s']:.1f} s (scheduler up {r['cluster_start_s']:.1f} s, study read by "
                  f"{r['read_study_s']:.1f} s, workers up by {r['workers_up_s']:.1f} s, table {r['table_s']:.1f} s, "
                  f"close {r['close_s']:.1f} s; client CPU {r['client_cpu_s']:.1f} s, "
                  f"{r['client_read_cpu_s']:.1f} s of it reading the study); process {r['process_s']:.1f} s; "
                  f"{r['optimal']}/{s['runs']} optimal; workers started by {r['start_method']}")
        print(f"  speed-up 2 over 1: runs {pair['speedup']:.2f}x, sweep with its start-up "
              f"{pair['speedup_with_startup']:.2f}x (ceiling with these start-ups "
              f"{pair['ceiling_with_startup']:.2f}x), whole process {pair['speedup_process']:.2f}x; "
              f"run seconds per worker (2) {pair['two']['worker_run_s']}; tables identical: {pair['tables_identical']}")
    if s["repeats"] > 1:
        print(f"  median of {s['repeats']} pairs: runs {s['speedup']:.2f}x, sweep with its start-up "
              f"{s['speedup_with_startup']:.2f}x (ceiling {s['ceiling_with_startup']:.2f}x), whole process {s['speedup_process']:.2f}x; tables identical: "
              f"{s['tables_identical']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["speedup", "warm", "both"], default="both")
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3, help="pairs of sweeps (1 worker and 2, the order alternating); medians reported")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one-sweep", type=int, metavar="WORKERS", help=argparse.SUPPRESS)
    parser.add_argument("--study", type=Path, help="speed-up part: this study file (e.g. a shipped one under "
                        "data/studies) instead of the India grid; --regions is then ignored")
    parser.add_argument("--draws", type=int, help="with --study: its number of Monte Carlo draws")
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_sweep:  # one sweep of the speed-up part, in the fresh process ``speedup`` started
        print(json.dumps(one_sweep(args.study, args.out, args.one_sweep)))
        return
    report = {"regions": args.regions} if args.study is None else {"study": str(args.study), "draws": args.draws}
    if args.part in {"speedup", "both"}:
        report["speedup"] = speedup(args.regions, args.repeats, args.study, args.draws)
    if args.part in {"warm", "both"} and args.study is None:
        report["warm_start"] = warm_starts(args.regions)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    if "speedup" in report:
        _print_speedup(report["speedup"])
    if "warm_start" in report:
        w = report["warm_start"]
        print(f"warm starts on {w['warm_started']} of {w['runs']} runs: solve {w['warm_solve_s']:.1f} s vs "
              f"{w['cold_solve_s']:.1f} s cold ({w['warm_over_cold']:.2f}x); largest cost difference "
              f"{w['max_relative_cost_difference']:.2e} (gaps <= {w['max_gap']:.2e}); load {w['load_average_1min']:.1f}")
        if not math.isfinite(w["warm_over_cold"]):
            print("  (no warm-started run)")


if __name__ == "__main__":
    main()
