"""Our facility-location path against a plain textbook formulation passed straight to highspy.

For every instance both paths run in one process, one HiGHS thread each, the same time limit and the same
relative gap (1e-4); the table shows both and the time ratio plain / ours (> 1: ours is faster).

Plain formulations (what a textbook writes down first, built as numpy CSC arrays, no Pyomo):
- CFLP: sum_i x_ij = 1; sum_j d_j x_ij <= cap_i y_i (the capacity row is the only link between x and y).
- UFLP: sum_i x_ij = 1; sum_j x_ij <= n y_i (aggregated linking).
- p-median: ReVelle-Swain: sum_i x_ij = 1; x_ij <= y_i; sum_i y_i = p.
Ours: ``planner.mip.facility.solve_facility`` (CFLP/UFLP: Pyomo + planner.solve, strong formulations;
p-median: ``planner.mip.pmedian``, heuristic + Lagrangian fixing, then a Lagrangian branch and bound on the
sites (small p) or the truncated radius MIP, arrays into HiGHS (large p)).

    python benchmarks/bench_orlib.py --samples tests/data/orlib --generated 3 --seed 1 --time-limit 300
    python benchmarks/bench_orlib.py --samples tests/data/orlib --pmed 1-40 --time-limit 300   # the p-median table
    python benchmarks/bench_orlib.py --pmed 1-10 --variants no-truncate,no-lagrangian   # what each step pays
    python benchmarks/bench_orlib.py --pmed 27,31,38 --sides ours --variants radius   # ours alone, tree vs radius
    python benchmarks/bench_orlib.py --published DIR --pmed 1-40   # OR-Library's own pmed1..40.txt in DIR
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_cflp import capinfo_text, generate  # noqa: E402
from gen_pmed import case_text, parse_cases  # noqa: E402

from planner.io.orlib import CapInstance, PMedianInstance, read_capinfo, read_pmedinfo  # noqa: E402
from planner.mip.facility import FacilityProblem, solve_facility  # noqa: E402
from planner.mip.pmedian import PMedianOptions  # noqa: E402
from planner.solve import SolveOptions  # noqa: E402

MIP_GAP = 1e-4
SAMPLES = (("cap41.txt", "cflp"), ("cap71.txt", "cflp"), ("cap71.txt", "uflp"),
           ("pmed1.txt", "pmedian"), ("pmed2.txt", "pmedian"))


@dataclass(frozen=True)
class Run:
    n_vars: int
    n_cons: int
    build_s: float
    solve_s: float
    objective: float
    gap: float
    status: str

    @property
    def total_s(self) -> float:
        return self.build_s + self.solve_s


# ------------------------------------------------------------------------------------------ plain highspy

def plain_location(inst: CapInstance, problem: str) -> dict:
    """Columns y_0..y_{m-1}, then x_ij at m + i*n + j. Rows: n assignment rows, then m linking rows."""
    m, n = inst.n_sites, inst.n_customers
    rows_x = np.stack([np.tile(np.arange(n), m), n + np.repeat(np.arange(m), n)], axis=1).ravel()
    if problem == "cflp":
        link_x, link_y = np.tile(inst.demand, m), -inst.capacity
    else:
        link_x, link_y = np.ones(m * n), np.full(m, -float(n))
    vals_x = np.stack([np.ones(m * n), link_x], axis=1).ravel()
    start = np.concatenate([np.arange(m + 1), m + 2 * np.arange(1, m * n + 1)])
    index = np.concatenate([n + np.arange(m), rows_x])
    value = np.concatenate([link_y, vals_x])
    return {"cost": np.concatenate([inst.fixed_cost, inst.cost.ravel()]), "n_int": m,
            "row_lower": np.concatenate([np.ones(n), np.full(m, -np.inf)]),
            "row_upper": np.concatenate([np.ones(n), np.zeros(m)]), "start": start, "index": index, "value": value}


def plain_pmedian(inst: PMedianInstance) -> dict:
    """ReVelle-Swain. Columns y_i, then x_ij at n + i*n + j. Rows: n assignment, n*n links, one count row."""
    n = inst.n
    link = n + np.arange(n * n)
    y_index = np.concatenate([link.reshape(n, n), np.full((n, 1), n + n * n)], axis=1)
    y_value = np.concatenate([-np.ones((n, n)), np.ones((n, 1))], axis=1)
    x_index = np.stack([np.tile(np.arange(n), n), link], axis=1)
    x_value = np.stack([np.ones(n * n), np.ones(n * n)], axis=1)
    start = np.concatenate([(n + 1) * np.arange(n + 1), n * (n + 1) + 2 * np.arange(1, n * n + 1)])
    return {"cost": np.concatenate([np.zeros(n), inst.distance.ravel()]), "n_int": n,
            "row_lower": np.concatenate([np.ones(n), np.full(n * n, -np.inf), [inst.p]]),
            "row_upper": np.concatenate([np.ones(n), np.zeros(n * n), [inst.p]]),
            "start": start, "index": np.concatenate([y_index.ravel(), x_index.ravel()]),
            "value": np.concatenate([y_value.ravel(), x_value.ravel()])}


def solve_plain(inst, problem: str, time_limit_s: float) -> Run:
    started = time.perf_counter()
    a = plain_pmedian(inst) if problem == "pmedian" else plain_location(inst, problem)
    n_col, n_row = len(a["cost"]), len(a["row_lower"])
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = a["cost"]
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.ones(n_col)
    lp.row_lower_, lp.row_upper_ = a["row_lower"], a["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a["start"], a["index"], a["value"]
    n_int = a["n_int"]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_int + [highspy.HighsVarType.kContinuous] * (n_col - n_int)
    h = highspy.Highs()
    for name, value in (("output_flag", False), ("threads", 1), ("random_seed", 0),
                        ("time_limit", float(time_limit_s)), ("mip_rel_gap", MIP_GAP)):
        h.setOptionValue(name, value)
    h.passModel(lp)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - started
    info, status = h.getInfo(), h.getModelStatus()
    optimal = status == highspy.HighsModelStatus.kOptimal
    return Run(n_col, n_row, build_s, solve_s, info.objective_function_value, info.mip_gap,
               "optimal" if optimal else h.modelStatusToString(status).lower().replace(" ", "_"))


# ------------------------------------------------------------------------------------------ ours

VARIANTS = {"no-heuristic": {"heuristic": False}, "no-lagrangian": {"lagrangian": False},
            "no-truncate": {"truncate": False}, "tree": {"search": "tree"}, "radius": {"search": "radius"}}


def solve_ours(inst, problem: str, time_limit_s: float, variant: str | None = None) -> Run:
    accel = PMedianOptions(**VARIANTS[variant]) if variant else None
    r = solve_facility(inst, FacilityProblem(problem), SolveOptions(time_limit_s=time_limit_s, mip_gap=MIP_GAP),
                       pmedian=accel)
    return Run(r.n_vars, r.n_cons, r.build_s, r.solve_s, r.objective, r.gap, str(r.status))


# ------------------------------------------------------------------------------------------ table

HEADER = ("instance", "problem", "path", "n_vars", "n_cons", "build_s", "solve_s", "objective", "gap", "status")


def _line(name: str, problem: str, path: str, run: Run) -> str:
    return (f"| {name} | {problem} | {path} | {run.n_vars} | {run.n_cons} | {run.build_s:.2f} | {run.solve_s:.2f} "
            f"| {run.objective:.3f} | {run.gap:.2e} | {run.status} |")


def bench(cases: list[tuple[str, object, str]], time_limit_s: float, variants: list[str],
          sides: tuple[str, ...] = ("plain", "ours")) -> None:
    """Each case on each of ``sides`` (plain, ours) and the extra p-median ``variants``, back to back."""
    print("| " + " | ".join(HEADER) + " | ratio |")
    print("|" + "---|" * (len(HEADER) + 1))
    paths = [*sides, *variants]
    totals = {group: dict.fromkeys(paths, 0.0) for group in ("all", "generated p-median")}
    proven = {group: dict.fromkeys(paths, 0) for group in totals}
    counted = dict.fromkeys(totals, 0)
    for name, inst, problem in cases:
        groups = ["all"] + (["generated p-median"] if name.startswith("genpmed") else [])
        runs = {}
        for path in paths:
            if path not in ("plain", "ours") and problem != "pmedian":
                continue
            if path == "plain":
                runs[path] = solve_plain(inst, problem, time_limit_s)
            else:
                runs[path] = solve_ours(inst, problem, time_limit_s, None if path == "ours" else path)
            ratio = runs["plain"].total_s / max(runs[path].total_s, 1e-9) if "plain" in runs and path != "plain" \
                else None
            print(_line(name, problem, path, runs[path]) + (f" {ratio:.2f} |" if ratio is not None else " |"),
                  flush=True)
        for group in groups:
            counted[group] += 1
            for path, run in runs.items():
                totals[group][path] += run.total_s
                proven[group][path] += run.status == "optimal"
    print()
    for group in totals:
        if not counted[group]:
            continue
        shown = ", ".join(f"{path} {totals[group][path]:.2f} s ({proven[group][path]}/{counted[group]} proven)"
                          for path in paths if path in ("plain", "ours") or group != "all")
        ratio = (f"; ours/plain {totals[group]['ours'] / max(totals[group]['plain'], 1e-9):.3f}"
                 if {"plain", "ours"} <= set(paths) else "")
        print(f"total_s over {group} ({counted[group]} cases): {shown}{ratio}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory (resident set) of the run: {peak:.2f} GiB")


def cases(samples: Path | None, generated: int, seed: int, slack: float, tmp: Path, pmed: list[int],
          published: Path | None) -> list:
    found = []
    if samples is not None:
        for file, problem in SAMPLES:
            read = read_pmedinfo if problem == "pmedian" else read_capinfo
            found.append((Path(file).stem, read(samples / file), problem))
    for k in range(generated):
        path = tmp / f"gencap_s{seed}_{k}.txt"
        path.write_text(capinfo_text(*generate(seed=seed * 1000 + k, slack=slack)))
        found.append((path.stem, read_capinfo(path), "cflp"))
    for case in pmed:
        path = published / f"pmed{case}.txt" if published is not None else tmp / f"genpmed{case}.txt"
        if published is None:
            path.write_text(case_text(case))
        found.append((path.stem, read_pmedinfo(path), "pmedian"))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="OR-Library facility location: plain highspy vs ours")
    parser.add_argument("--samples", type=Path, default=None, help="folder holding cap41/cap71/pmed1/pmed2")
    parser.add_argument("--generated", type=int, default=0, help="number of generated 100x1000 CFLP instances")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slack", type=float, default=12.0, help="generated: total capacity / total demand")
    parser.add_argument("--pmed", type=parse_cases, default=[],
                        help="p-median cases in the 40 OR-Library shapes (gen_pmed.py, seed = case), e.g. 1-40")
    parser.add_argument("--published", type=Path, default=None,
                        help="read the --pmed cases from OR-Library's pmedK.txt files in this folder instead")
    parser.add_argument("--variants", default="", help=f"extra p-median rows, comma-separated: {', '.join(VARIANTS)}")
    parser.add_argument("--sides", default="plain,ours",
                        help="which of plain, ours to run (comma-separated; e.g. ours alone while developing)")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per instance and path")
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose from {', '.join(VARIANTS)}")
    sides = tuple(s for s in args.sides.split(",") if s)
    if not sides or set(sides) - {"plain", "ours"}:
        parser.error(f"--sides takes plain, ours or both, got {args.sides!r}")
    with tempfile.TemporaryDirectory() as tmp:
        found = cases(args.samples, args.generated, args.seed, args.slack, Path(tmp), args.pmed, args.published)
        bench(found, args.time_limit, variants, sides)


if __name__ == "__main__":
    main()
