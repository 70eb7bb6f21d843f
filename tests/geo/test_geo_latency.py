"""Latency model: geometry, physics floor, fitting, shipped constants and the calibration target."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import DataError, InputError
from planner.geo import latency as lat

pytestmark = pytest.mark.unit

latitudes = st.floats(-89.9, 89.9)
longitudes = st.floats(-180, 180)


def test_great_circle_known_distances():
    # London - Paris is about 344 km; a quarter of the equator is pi/2 * R.
    assert lat.great_circle_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.6, abs=1.0)
    assert lat.great_circle_km(0, 0, 0, 90) == pytest.approx(np.pi / 2 * 6371.0088)
    assert lat.great_circle_km(10, 20, 10, 20) == 0.0


def test_great_circle_broadcasts():
    out = lat.great_circle_km(np.zeros((3, 1)), np.zeros((3, 1)), np.zeros((1, 4)), np.arange(4.0)[None, :])
    assert out.shape == (3, 4)
    assert np.allclose(out[0], out[2])


@settings(max_examples=60, deadline=None)
@given(latitudes, longitudes, latitudes, longitudes, latitudes, longitudes)
def test_great_circle_is_a_metric(la, oa, lb, ob, lc, oc):
    ab, ba = lat.great_circle_km(la, oa, lb, ob), lat.great_circle_km(lb, ob, la, oa)
    assert ab == pytest.approx(ba, abs=1e-6)
    assert ab <= lat.great_circle_km(la, oa, lc, oc) + lat.great_circle_km(lc, oc, lb, ob) + 1e-6


@settings(max_examples=40, deadline=None)
@given(latitudes, longitudes, latitudes, longitudes, st.floats(0, 4e7), st.floats(0, 4e7))
def test_rtt_never_beats_light_in_fibre(la, oa, lb, ob, pop_a, pop_b):
    model = lat.load_latency_model()
    rtt = lat.rtt_ms(la, oa, lb, ob, model, metro_population_a=pop_a, metro_population_b=pop_b)
    assert rtt >= lat.great_circle_km(la, oa, lb, ob) / 100.0


def test_shipped_model_is_physical():
    model = lat.load_latency_model()
    assert model.fibre_speed_km_per_ms == 200.0
    assert 1.0 <= model.route_inflation < 3.0
    assert model.overhead_ms >= 0 and model.backhaul_ms >= 0


def test_bad_model_file_lists_every_problem(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text("constants:\n  route_inflation: fast\n  warp_factor: 9\n")
    with pytest.raises(DataError) as caught:
        lat.load_latency_model(path)
    keys = {p.key_path for p in caught.value.problems}
    assert keys == {"constants.route_inflation", "constants.warp_factor"}


def test_hubs_are_closer_than_small_towns():
    model = lat.load_latency_model()
    new_york, nowhere = lat.metro_population([40.71, 0.0], [-74.0, -30.0])
    assert new_york > 5e6 and nowhere == 0
    assert model.access_ms(new_york) < 0.5 * model.access_ms(nowhere)


def test_rtt_matrix_matches_pointwise_rtt():
    a = pd.DataFrame({"lat": [51.5, 53.5], "lon": [-0.1, -2.2]}, index=pd.Index(["ldn", "man"], name="region"))
    b = pd.DataFrame({"lat": [55.9, 51.5, 50.4], "lon": [-3.2, -2.6, -4.1]}, index=pd.Index(list("xyz"), name="site"))
    matrix = lat.rtt_matrix_ms(a, b)
    assert matrix.shape == (2, 3) and list(matrix.index) == ["ldn", "man"] and list(matrix.columns) == list("xyz")
    assert matrix.loc["man", "z"] == pytest.approx(lat.rtt_ms(53.5, -2.2, 50.4, -4.1))


def test_fit_recovers_known_constants():
    rng = np.random.default_rng(1)
    truth = lat.LatencyModel(route_inflation=1.8, overhead_ms=3.0, backhaul_ms=5.0,
                             hub_population=float(np.geomspace(1e5, 3e7, 41)[20]))
    features = pd.DataFrame({"distance_km": rng.uniform(50, 4000, 200),
                             "metro_population_a": rng.uniform(0, 8e6, 200),
                             "metro_population_b": rng.uniform(0, 8e6, 200)})
    pairs = pd.DataFrame({"rtt_avg_ms": lat.predict_pairs_ms(None, truth, features)})
    pairs.loc[:9, "rtt_avg_ms"] *= 3.0  # a few absurd routes must not drag a robust fit
    fitted = lat.fit_latency_model(pairs, features=features)
    assert fitted.route_inflation == pytest.approx(1.8, rel=0.02)
    assert fitted.overhead_ms == pytest.approx(3.0, abs=0.3)
    assert fitted.backhaul_ms == pytest.approx(5.0, rel=0.05)


def test_check_pairs_reports_every_problem():
    frame = pd.DataFrame({"lat_a": ["91", "x", None], "lon_a": [0, 0, 0], "lat_b": [0, 0, -200.0], "note": [1, 2, 3]})
    problems = lat.check_pairs(frame, "pairs.csv")
    where = {p.key_path for p in problems}
    assert where == {"lon_b", "row 1, column lat_a", "row 2, column lat_a", "row 3, column lat_a",
                     "row 3, column lat_b"}


def test_read_pairs_raises_input_error(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("lat_a,lon_a,lat_b\n1,2,3\n")
    with pytest.raises(InputError, match="lon_b"):
        lat.read_pairs(path)


def test_rtt_over_graph_follows_the_cable():
    graph = nx.Graph()
    graph.add_edge("a", "b", length_km=1000.0)
    graph.add_edge("b", "c", length_km=500.0)
    graph.add_edge("a", "c", length_km=2000.0)
    model = lat.LatencyModel(overhead_ms=1.0)
    rtt = lat.rtt_over_graph_ms(graph, "a", model)
    assert rtt["c"] == pytest.approx(1.0 + 15.0) and rtt["a"] == pytest.approx(1.0)


def test_shipped_model_meets_the_calibration_target(calibration_csv):
    pairs = pd.read_csv(calibration_csv)
    errors = lat.latency_errors(pairs, lat.load_latency_model())
    assert errors.n_pairs == 300
    assert errors.median_abs_pct < 15.0


def test_refit_generalises_to_held_out_pairs(calibration_csv):
    pairs = pd.read_csv(calibration_csv)
    fit_rows, test_rows = lat.holdout_split(pairs)
    model = lat.fit_latency_model(fit_rows)
    assert lat.latency_errors(test_rows, model).median_abs_pct < 15.0
