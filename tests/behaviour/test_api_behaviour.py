"""The Python API behaves as a notebook user expects: options override one by one, a short repr, integer
chip counts."""

import pytest

import planner
from planner.pipeline import options_for
from planner.solve import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT_S, SolveOptions


@pytest.mark.unit
def test_solve_options_override_the_scenario_field_by_field():
    scenario = planner.load_scenario("india", ["solver.mip_gap=0.002", "solver.time_limit_s=90"])
    assert options_for(scenario, SolveOptions(time_limit_s=60)).mip_gap == 0.002
    assert options_for(scenario, SolveOptions(time_limit_s=60)).time_limit_s == 60
    assert options_for(scenario, SolveOptions(mip_gap=0.01)).time_limit_s == 90
    assert options_for(scenario, None) == SolveOptions(time_limit_s=90, mip_gap=0.002)


@pytest.mark.unit
def test_solve_options_outside_a_scenario_fall_back_to_the_documented_defaults():
    filled = SolveOptions(threads=2).with_defaults()
    assert (filled.time_limit_s, filled.mip_gap, filled.threads) == (DEFAULT_TIME_LIMIT_S, DEFAULT_MIP_GAP, 2)


@pytest.fixture(scope="module")
def small_plan():
    return planner.plan(planner.load_scenario("great-britain", ["regions.count=4"]))


@pytest.mark.slow
@pytest.mark.solver
def test_repr_is_one_short_line(small_plan):
    text = repr(small_plan)
    assert "\n" not in text and len(text) < 200
    assert text.startswith("Plan('great-britain', optimal, ")


@pytest.mark.slow
@pytest.mark.solver
def test_chip_counts_are_integers(small_plan):
    assert str(small_plan.fleet["chips"].dtype) == "int64"
    assert str(small_plan.sites["chips"].dtype) == "int64"


@pytest.mark.slow
@pytest.mark.solver
def test_to_xarray_and_netcdf_round_trip(small_plan, tmp_path):
    xr = pytest.importorskip("xarray", reason="the netcdf extra is not installed")
    dataset = small_plan.to_xarray()
    assert dataset["fleet_chips"].dims == ("site", "chip")
    assert float(dataset["fleet_chips"].sum()) == small_plan.fleet["chips"].sum()
    assert float(dataset["costs_usd_per_year"].sum()) == pytest.approx(small_plan.costs["usd_per_year"].sum())
    assert dataset.attrs["objective_usd"] == small_plan.objective_usd
    path = small_plan.to_netcdf(tmp_path / "plan.nc")
    with xr.open_dataset(path) as reread:
        assert float(reread["serving_tokens_per_s"].sum()) == pytest.approx(small_plan.serving["tokens_per_s"].sum())
