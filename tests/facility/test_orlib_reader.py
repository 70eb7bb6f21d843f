"""Readers for the OR-Library capinfo and pmedinfo formats: values, semantics and clear errors."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from planner.errors import DataError
from planner.io.orlib import floyd_warshall, read_capinfo, read_pmedinfo

pytestmark = pytest.mark.unit

TINY_CAP = """ 2 3
 10 100.
 capacity 50
 4 1.5 2.5
 5
 9 6
 3 7
 8
"""


def test_cap41_shape_and_values(orlib_dir):
    inst = read_capinfo(orlib_dir / "cap41.txt")
    assert (inst.name, inst.n_sites, inst.n_customers) == ("cap41", 16, 50)
    assert inst.capacity[0] == 5000 and inst.fixed_cost[0] == 7500
    assert inst.demand[0] == 146 and inst.cost[0, 0] == pytest.approx(6739.725)
    assert inst.cost[15, 0] == pytest.approx(6051.7) and inst.demand[1] == 87
    assert inst.demand.sum() == 58268


def test_capacity_word_takes_the_argument(write):
    inst = read_capinfo(write("t.txt", TINY_CAP), capacity=40)
    np.testing.assert_array_equal(inst.capacity, [10, 40])
    np.testing.assert_array_equal(inst.fixed_cost, [100, 50])
    np.testing.assert_array_equal(inst.demand, [4, 5, 3])
    np.testing.assert_array_equal(inst.cost, [[1.5, 9, 7], [2.5, 6, 8]])


def test_capacity_word_without_argument_says_what_to_do(write):
    with pytest.raises(DataError, match=r"site 2: .*word 'capacity'.*--capacity"):
        read_capinfo(write("t.txt", TINY_CAP))


@pytest.mark.parametrize(("text", "message"), [
    ("", r"header: expected the number of sites m, the file ended"),
    (" 2 ", r"header: expected the number of customers n, the file ended"),
    (" 2 3\n 10 100.\n 20", r"site 2: expected 2 values \(capacity, fixed cost\) for site 2, file ended after 1"),
    (TINY_CAP.replace("capacity", "30")[:-3], r"customer 3: expected 2 cost values for customer 3, file ended after 1"),
    (TINY_CAP.replace("capacity", "30").replace("2.5", "two"), r"customer 1: expected cost values .* \(got 'two'\)"),
    (TINY_CAP.replace("capacity", "30") + " 7", r"expected the end of the file, found 1 more"),
    (" x 3", r"header: expected the number of sites m as a whole number \(got 'x'\)"),
    (" 0 3", r"header: expected the number of sites m of at least 1"),
    (TINY_CAP.replace("capacity", "30").replace(" 5\n", " -5\n"), r"demand: expected values >= 0"),
])
def test_malformed_capinfo_names_file_place_and_expectation(write, text, message):
    with pytest.raises(DataError, match=message) as caught:
        read_capinfo(write("bad.txt", text))
    assert str(caught.value.problems[0]).startswith("bad.txt")


def test_truncated_cap41_reports_customer_and_count(orlib_dir, write):
    text = (orlib_dir / "cap41.txt").read_text()
    cut = write("cap41.txt", text[: len(text) // 2])
    message = r"customer \d+: expected 16 cost values for customer \d+, file ended after \d+"
    with pytest.raises(DataError, match=message):
        read_capinfo(cut)


def test_pmed1_distances_match_networkx(orlib_dir):
    inst = read_pmedinfo(orlib_dir / "pmed1.txt")
    assert (inst.n, inst.p) == (100, 5)
    graph = nx.Graph()
    tokens = (orlib_dir / "pmed1.txt").read_text().split()
    for k in range(3, len(tokens), 3):
        i, j, c = int(tokens[k]), int(tokens[k + 1]), float(tokens[k + 2])
        graph.add_edge(i - 1, j - 1, weight=c)  # re-adding an edge overwrites it: file order, last wins
    expected = dict(nx.all_pairs_dijkstra_path_length(graph))
    for i in (0, 17, 99):
        for j in range(100):
            assert inst.distance[i, j] == expected[i][j]


def test_duplicate_edges_last_one_wins_in_file_order(write):
    inst = read_pmedinfo(write("g.txt", "3 4 1\n1 2 5\n2 3 1\n2 1 9\n3 1 20\n"))
    np.testing.assert_array_equal(inst.distance, [[0, 9, 10], [9, 0, 1], [10, 1, 0]])
    inst = read_pmedinfo(write("g.txt", "3 4 1\n2 1 9\n1 2 5\n2 3 1\n3 1 20\n"))
    assert inst.distance[0, 1] == 5 and inst.distance[0, 2] == 6


def test_disconnected_graph_keeps_infinity(write):
    inst = read_pmedinfo(write("g.txt", "3 1 2\n1 2 4\n"))
    assert inst.distance[0, 1] == 4 and np.isinf(inst.distance[0, 2])


@pytest.mark.parametrize(("text", "message"), [
    ("4 3 2\n1 2 3\n2 3 4\n", r"edges: expected 9 numbers for 3 edges \(i j cost\), file ended after 6"),
    ("4 1 2\n1 5 3\n", r"edge 1: expected vertices between 1 and 4"),
    ("4 1 2\n1 2 -3\n", r"edge 1: expected a cost >= 0"),
    ("4 1 7\n1 2 3\n", r"header: expected p <= the number of vertices \(4\)"),
    ("4 1\n", r"header: expected the number of medians p, the file ended"),
])
def test_malformed_pmedinfo(write, text, message):
    with pytest.raises(DataError, match=message):
        read_pmedinfo(write("bad.txt", text))


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read the file"):
        read_capinfo(tmp_path / "nope.txt")


def test_floyd_warshall_matches_triangle_inequality():
    rng = np.random.default_rng(3)
    weight = np.where(rng.random((9, 9)) < 0.4, rng.integers(1, 20, (9, 9)).astype(float), np.inf)
    weight = np.minimum(weight, weight.T)
    np.fill_diagonal(weight, 0)
    d = floyd_warshall(weight)
    assert np.all(d <= weight)
    for k in range(9):
        assert np.all(d <= d[:, k, None] + d[None, k, :])
