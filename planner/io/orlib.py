"""Readers for J.E. Beasley's OR-Library facility-location formats (capinfo and pmedinfo).

``read_capinfo`` reads capacitated/uncapacitated warehouse location files (cap41 .. capc);
``read_pmedinfo`` reads p-median graphs (pmed1 .. pmed40) and turns them into a shortest-path distance
matrix. Both read the file as one whitespace-separated token stream (the files wrap lines freely) and
raise ``DataError`` naming the file, the position and what was expected when a file is malformed or ends
early. Indexes inside the returned arrays are 0-based; messages count sites, customers and edges from 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from planner.errors import DataError, Problem

CAPACITY_WORD = "capacity"


@dataclass(frozen=True, eq=False)
class CapInstance:
    """A facility-location instance: sites i (rows) and customers j (columns).

    ``cost[i, j]`` is the cost of serving ALL of customer j's demand from site i (not a unit cost).
    """

    name: str
    capacity: np.ndarray  # [site] demand units
    fixed_cost: np.ndarray  # [site] cost units
    demand: np.ndarray  # [customer] demand units
    cost: np.ndarray  # [site, customer] cost of serving all of customer j from site i

    @property
    def n_sites(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def n_customers(self) -> int:
        return int(self.demand.shape[0])


@dataclass(frozen=True, eq=False)
class PMedianInstance:
    """A p-median instance: ``distance[i, j]`` is the shortest-path distance between vertices i and j."""

    name: str
    n: int
    p: int
    distance: np.ndarray  # [vertex, vertex]


class _Tokens:
    """A cursor over a file's whitespace-separated tokens that reports problems with the file's name."""

    def __init__(self, path: Path):
        self.file = str(path.name)
        try:
            self._tokens = path.read_text().split()
        except (OSError, UnicodeDecodeError) as error:
            raise DataError([Problem(self.file, "", f"cannot read the file: {error}")]) from None
        self.pos = 0

    def remaining(self) -> int:
        return len(self._tokens) - self.pos

    def fail(self, key_path: str, message: str, value: object = None) -> DataError:
        return DataError([Problem(self.file, key_path, message, value)])

    def take(self, count: int, key_path: str, what: str) -> list[str]:
        """The next ``count`` tokens, or a DataError saying how many were expected and how many were there."""
        if self.remaining() < count:
            raise self.fail(key_path, f"expected {count} {what}, file ended after {self.remaining()}")
        chunk = self._tokens[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def numbers(self, count: int, key_path: str, what: str) -> np.ndarray:
        chunk = self.take(count, key_path, what)
        try:
            values = np.array(chunk, dtype=float)
        except ValueError:
            bad = next(t for t in chunk if not _is_number(t))
            raise self.fail(key_path, f"expected {what} as numbers", bad) from None
        if not np.all(np.isfinite(values)):
            raise self.fail(key_path, f"expected finite {what}", chunk[int(np.argmin(np.isfinite(values)))])
        return values

    def count(self, key_path: str, what: str, minimum: int = 1) -> int:
        if not self.remaining():
            raise self.fail(key_path, f"expected {what}, the file ended")
        token = self.take(1, key_path, what)[0]
        try:
            value = int(token)
        except ValueError:
            raise self.fail(key_path, f"expected {what} as a whole number", token) from None
        if value < minimum:
            raise self.fail(key_path, f"expected {what} of at least {minimum}", value)
        return value

    def expect_end(self) -> None:
        if self.remaining():
            raise self.fail("", f"expected the end of the file, found {self.remaining()} more token(s)",
                            self._tokens[self.pos])


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def read_capinfo(path: str | Path, capacity: float | None = None) -> CapInstance:
    """Read a capinfo file: ``m n``, m pairs ``capacity fixed_cost``, then per customer ``demand c_1j..c_mj``.

    Where the file holds the literal word ``capacity`` instead of a number, ``capacity`` supplies it.
    """
    path = Path(path)
    tokens = _Tokens(path)
    n_sites = tokens.count("header", "the number of sites m")
    n_customers = tokens.count("header", "the number of customers n")
    site_capacity, fixed_cost = _read_sites(tokens, n_sites, capacity)
    demand = np.empty(n_customers)
    cost = np.empty((n_sites, n_customers))
    for j in range(n_customers):
        key = f"customer {j + 1}"
        demand[j] = tokens.numbers(1, key, f"demand value for customer {j + 1}")[0]
        cost[:, j] = tokens.numbers(n_sites, key, f"cost values for customer {j + 1}")
    tokens.expect_end()
    _check_nonnegative(tokens, site_capacity=site_capacity, fixed_cost=fixed_cost, demand=demand, cost=cost)
    return CapInstance(name=path.stem, capacity=site_capacity, fixed_cost=fixed_cost, demand=demand, cost=cost)


def _read_sites(tokens: _Tokens, n_sites: int, capacity: float | None) -> tuple[np.ndarray, np.ndarray]:
    site_capacity = np.empty(n_sites)
    fixed_cost = np.empty(n_sites)
    for i in range(n_sites):
        key = f"site {i + 1}"
        cap_token, cost_token = tokens.take(2, key, f"values (capacity, fixed cost) for site {i + 1}")
        site_capacity[i] = _capacity_value(tokens, key, cap_token, capacity)
        if not _is_number(cost_token):
            raise tokens.fail(key, "expected the fixed cost as a number", cost_token)
        fixed_cost[i] = float(cost_token)
    return site_capacity, fixed_cost


def _capacity_value(tokens: _Tokens, key: str, token: str, capacity: float | None) -> float:
    if token.lower() == CAPACITY_WORD:
        if capacity is None:
            raise tokens.fail(key, "the file gives the word 'capacity' instead of a number; "
                                   "supply the capacity (capacity=... or --capacity N)", token)
        return float(capacity)
    if not _is_number(token):
        raise tokens.fail(key, "expected the capacity as a number or the word 'capacity'", token)
    return float(token)


def _check_nonnegative(tokens: _Tokens, **arrays: np.ndarray) -> None:
    problems = [Problem(tokens.file, name, "expected values >= 0", float(values.min()))
                for name, values in arrays.items() if values.size and values.min() < 0]
    if problems:
        raise DataError(problems)


def read_pmedinfo(path: str | Path) -> PMedianInstance:
    """Read a pmedinfo file: ``n edges p`` then ``i j cost`` per undirected edge (1-based vertices).

    Edges are applied in file order (a later duplicate overwrites an earlier one), then all-pairs shortest
    paths give the distance matrix (Floyd-Warshall, vectorised over rows and columns).
    """
    path = Path(path)
    tokens = _Tokens(path)
    n = tokens.count("header", "the number of vertices")
    n_edges = tokens.count("header", "the number of edges", minimum=0)
    p = tokens.count("header", "the number of medians p")
    if p > n:
        raise tokens.fail("header", f"expected p <= the number of vertices ({n})", p)
    edges = tokens.numbers(3 * n_edges, "edges", f"numbers for {n_edges} edges (i j cost)")
    tokens.expect_end()
    weight = _edge_matrix(tokens, n, edges.reshape(n_edges, 3))
    distance = floyd_warshall(weight)
    return PMedianInstance(name=path.stem, n=n, p=p, distance=distance)


def _edge_matrix(tokens: _Tokens, n: int, edges: np.ndarray) -> np.ndarray:
    """Dense symmetric weight matrix, inf for no edge; of duplicate edges the LAST in file order wins."""
    ends = edges[:, :2]
    bad = np.flatnonzero((ends != np.round(ends)).any(axis=1) | (ends < 1).any(axis=1) | (ends > n).any(axis=1))
    if bad.size:
        k = int(bad[0])
        raise tokens.fail(f"edge {k + 1}", f"expected vertices between 1 and {n}", edges[k, :2].tolist())
    if (edges[:, 2] < 0).any():
        k = int(np.flatnonzero(edges[:, 2] < 0)[0])
        raise tokens.fail(f"edge {k + 1}", "expected a cost >= 0", float(edges[k, 2]))
    vertex = ends.astype(int) - 1
    rows = _last_rows(n, vertex)
    i, j = vertex[rows, 0], vertex[rows, 1]
    weight = np.full((n, n), np.inf)
    weight[i, j] = edges[rows, 2]
    weight[j, i] = weight[i, j]
    np.fill_diagonal(weight, 0.0)
    return weight


def _last_rows(n: int, ends: np.ndarray) -> np.ndarray:
    """Row index of the last occurrence of each undirected vertex pair, in file order."""
    key = np.minimum(ends[:, 0], ends[:, 1]) * n + np.maximum(ends[:, 0], ends[:, 1])
    _, first_in_reversed = np.unique(key[::-1], return_index=True)
    return len(key) - 1 - first_in_reversed


def floyd_warshall(weight: np.ndarray) -> np.ndarray:
    """All-pairs shortest paths of a dense weight matrix (inf = no edge): n vectorised relaxation sweeps."""
    distance = weight.copy()
    for k in range(distance.shape[0]):
        np.minimum(distance, distance[:, k, None] + distance[None, k, :], out=distance)
    return distance
