"""prepare_periods builds cooling, grid and serve arcs once and reuses them in every later planning year:
each later year's inputs must be exactly those a fresh ``prepare`` of that year computes."""

from dataclasses import fields, is_dataclass

import pandas as pd
import pytest

import planner
from planner.pipeline import prepare, prepare_periods


def assert_same(a, b, path: str) -> None:
    """Field by field, tables compared exactly (values, index, dtypes)."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=path)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, obj=path)
    elif is_dataclass(a):
        assert type(a) is type(b), path
        for f in fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    else:
        assert a == b, path


def test_reused_year_invariant_inputs_equal_recomputed_ones():
    scenario = planner.load_scenario("india", ["regions.count=8", "planning_years=[2027,2031]"])
    prepared = prepare_periods(scenario)
    first, later = prepared.periods[2027], prepared.periods[2031]
    fresh = prepare(scenario, period_year=2031, regions=first.regions, keep_chips=set(first.inputs.chips.index))
    assert_same(later.inputs, fresh.inputs, "inputs")
    assert later.inputs.grid is not None and len(later.inputs.serve_arcs) > 0  # the zonal grid and arcs are there
    assert later.inputs.serve_arcs is first.inputs.serve_arcs  # reused, not recomputed

