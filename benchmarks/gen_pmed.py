"""Seeded generator of p-median graphs in the shape of the OR-Library pmed1..pmed40 family (pmedinfo format).

Beasley (1985, J. Opl Res. Soc. 36) describes the family: n vertices (100 to 900), m undirected edges, integer
edge lengths uniform on 1..100, shortest-path distances, p from 5 to n/3; the 40 shapes (n, m, p) are the
published ones (``SHAPES``, as listed in ``../shared/orlib-sample/README.md``). Each graph is connected: a
random spanning tree first (every vertex, in a random order, joins a random earlier one), then distinct random
extra edges up to m. The seed is the case number, so case k is the same graph on every machine; these are
instances of the family's shape, not the published files.

    python benchmarks/gen_pmed.py OUT_DIR --cases 1-40
writes OUT_DIR/genpmed1.txt ... genpmed40.txt, the same bytes for the same arguments.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SHAPES: dict[int, tuple[int, int, int]] = {
    1: (100, 200, 5), 2: (100, 200, 10), 3: (100, 200, 10), 4: (100, 200, 20), 5: (100, 200, 33),
    6: (200, 800, 5), 7: (200, 800, 10), 8: (200, 800, 20), 9: (200, 800, 40), 10: (200, 800, 67),
    11: (300, 1800, 5), 12: (300, 1800, 10), 13: (300, 1800, 30), 14: (300, 1800, 60), 15: (300, 1800, 100),
    16: (400, 3200, 5), 17: (400, 3200, 10), 18: (400, 3200, 40), 19: (400, 3200, 80), 20: (400, 3200, 133),
    21: (500, 5000, 5), 22: (500, 5000, 10), 23: (500, 5000, 50), 24: (500, 5000, 100), 25: (500, 5000, 167),
    26: (600, 7200, 5), 27: (600, 7200, 10), 28: (600, 7200, 60), 29: (600, 7200, 120), 30: (600, 7200, 200),
    31: (700, 9800, 5), 32: (700, 9800, 10), 33: (700, 9800, 70), 34: (700, 9800, 140),
    35: (800, 12800, 5), 36: (800, 12800, 10), 37: (800, 12800, 80),
    38: (900, 16200, 5), 39: (900, 16200, 10), 40: (900, 16200, 90),
}
MAX_LENGTH = 100


def generate(n: int, n_edges: int, seed: int) -> np.ndarray:
    """Edges as rows (i, j, length), 1-based vertices, a connected simple graph with ``n_edges`` edges."""
    if not n - 1 <= n_edges <= n * (n - 1) // 2:
        raise ValueError(f"a connected simple graph on {n} vertices has {n - 1} to {n * (n - 1) // 2} edges")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    parent = order[(rng.random(n - 1) * np.arange(1, n)).astype(int)]
    pairs = {(min(a, b), max(a, b)) for a, b in zip(order[1:].tolist(), parent.tolist(), strict=True)}
    tree = sorted(pairs)
    extra: list[tuple[int, int]] = []
    while len(pairs) < n_edges:
        a, b = (int(v) for v in rng.integers(0, n, 2))
        if a != b and (min(a, b), max(a, b)) not in pairs:
            pairs.add((min(a, b), max(a, b)))
            extra.append((min(a, b), max(a, b)))
    ends = np.array(tree + extra) + 1
    lengths = rng.integers(1, MAX_LENGTH + 1, len(ends))
    return np.column_stack([ends, lengths])


def pmedinfo_text(n: int, p: int, edges: np.ndarray) -> str:
    return f" {n} {len(edges)} {p}\n" + "".join(f" {i} {j} {c}\n" for i, j, c in edges.tolist())


def case_text(case: int) -> str:
    n, n_edges, p = SHAPES[case]
    return pmedinfo_text(n, p, generate(n, n_edges, seed=case))


def parse_cases(text: str) -> list[int]:
    """'1-5,9,38-40' -> [1, 2, 3, 4, 5, 9, 38, 39, 40]; every case must be one of the 40 shapes."""
    cases: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        cases += range(int(low), int(high or low) + 1)
    unknown = sorted(set(cases) - set(SHAPES))
    if unknown:
        raise argparse.ArgumentTypeError(f"cases must be within 1-40, got {unknown}")
    return cases


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--cases", type=parse_cases, default=parse_cases("1-40"), help="e.g. 1-40 or 1,5,38-40")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for case in args.cases:
        path = args.out_dir / f"genpmed{case}.txt"
        path.write_text(case_text(case))
        print(path)


if __name__ == "__main__":
    main()
