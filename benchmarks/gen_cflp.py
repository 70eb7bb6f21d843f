"""Seeded generator of large CFLP instances in OR-Library capinfo format (the capa/capb/capc shape).

100 sites x 1,000 customers on the unit square; integer demands with a total near 51,000; fixed costs
uniform in [400,000, 1,400,000]; capacities as in OR-Library capa (all sites together hold about ``--slack``
= 12 times the total demand, one site 3,000-8,600 units, so the ~10 sites worth opening run full and the
capacity rows bind); ``cost[i, j]`` is the cost of serving ALL of customer j's demand from site i:
demand_j x distance_ij x 1,000. Fixed and transport costs come out of the same order (as in capa), which is
what makes the choice of sites hard.

    python benchmarks/gen_cflp.py OUT_DIR --count 3 --seed 1
writes OUT_DIR/gencap_s1_0.txt ... gencap_s1_2.txt, the same bytes for the same arguments.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def generate(seed: int, n_sites: int = 100, n_customers: int = 1000, total_demand: float = 51_000.0,
             slack: float = 12.0, rate: float = 1_000.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(capacity[i], fixed_cost[i], demand[j], cost[i, j]) of one instance."""
    rng = np.random.default_rng(seed)
    sites = rng.random((n_sites, 2))
    customers = rng.random((n_customers, 2))
    demand = np.maximum(1, np.round(rng.uniform(0.2, 1.8, n_customers) * total_demand / n_customers))
    capacity = np.round(rng.uniform(0.6, 1.4, n_sites) * slack * demand.sum() / n_sites)
    fixed_cost = np.round(rng.uniform(400_000, 1_400_000, n_sites))
    distance = np.sqrt(((sites[:, None, :] - customers[None, :, :]) ** 2).sum(axis=2))
    cost = np.round(demand[None, :] * distance * rate, 3)
    return capacity, fixed_cost, demand, cost


def capinfo_text(capacity: np.ndarray, fixed_cost: np.ndarray, demand: np.ndarray, cost: np.ndarray) -> str:
    lines = [f" {len(capacity)} {len(demand)} "]
    lines += [f" {c:.0f} {f:.1f} " for c, f in zip(capacity, fixed_cost, strict=True)]
    for j, d in enumerate(demand):
        lines.append(f" {d:.0f} ")
        column = cost[:, j]
        lines += [" " + " ".join(f"{v:.3f}" for v in column[k:k + 7]) + " " for k in range(0, len(column), 7)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slack", type=float, default=12.0, help="total capacity / total demand")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for k in range(args.count):
        data = generate(seed=args.seed * 1000 + k, slack=args.slack)
        path = args.out_dir / f"gencap_s{args.seed}_{k}.txt"
        path.write_text(capinfo_text(*data))
        print(path)


if __name__ == "__main__":
    main()
