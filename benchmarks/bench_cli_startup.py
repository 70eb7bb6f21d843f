"""How long ``planner --help`` takes (the issue's target is under 0.3 s), and the same with the whole
pipeline imported, for the ratio.

    python benchmarks/bench_cli_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall_s(code: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    cases = {
        "python alone": "pass",
        "planner --help": "from planner.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "import planner.pipeline": "import planner.pipeline",
    }
    medians = {}
    for name, code in cases.items():
        times = wall_s(code, args.runs)
        medians[name] = statistics.median(times)
        print(f"{name:>24}: median {medians[name]:.3f} s, min {min(times):.3f} s over {args.runs} runs")
    print(f"help / full import: {medians['planner --help'] / medians['import planner.pipeline']:.2f}")


if __name__ == "__main__":
    main()
