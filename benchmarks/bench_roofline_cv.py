"""Leave-one-group-out cross-validation of the roofline kernel on the calibration file.

For each chip (or model card) the kernel's global factors are refitted on the other rows and the held-out
rows are predicted; prints median and p90 absolute % error per fold and overall, inference vs training, and
the fit time. Run: python benchmarks/bench_roofline_cv.py [chip|model] [--json OUT.json]
The same table: planner roofline validate data/calibration/measured_throughput_calibration.csv --cv chip
"""

from __future__ import annotations

import json
import sys
import time

from planner.catalog import load_catalog
from planner.resources import data_path
from planner.roofline.fit import cross_validate
from planner.roofline.validate import read_measurements


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def main(argv: list[str]) -> None:
    by = argv[0] if argv and not argv[0].startswith("--") else "chip"
    frame = read_measurements(data_path("calibration", "measured_throughput_calibration.csv"))
    start = time.perf_counter()
    result = cross_validate(frame, load_catalog(), by=by, progress=lambda g: print(f"  fold {g} done", flush=True))
    elapsed = time.perf_counter() - start
    print(f"leave-one-{by}-out: {len(result['folds'])} folds, {elapsed:.0f} s; rows {result['n_rows']}, "
          f"predicted {result['n_mapped']}, unmapped {len(result['unmapped'])}")
    print(f"{'fold':<24} {'kind':<10} {'n':>4} {'median':>8} {'p90':>8}")
    for fold in result["folds"] + [{"group": "OVERALL", **result["overall"]}]:
        for kind in ("inference", "energy", "training", "gemm", "all"):
            s = fold[kind]
            if s["n"]:
                print(f"{fold['group']:<24} {kind:<10} {s['n']:>4} {_pct(s['median_abs_pct_error']):>8} "
                      f"{_pct(s['p90_abs_pct_error']):>8}")
    if "--json" in argv:
        with open(argv[argv.index("--json") + 1], "w", encoding="utf-8") as out:
            json.dump({k: v for k, v in result.items() if k != "rows"}, out, indent=2)


if __name__ == "__main__":
    main(sys.argv[1:])
