"""Shared fixtures: the reference scenarios and their regions, built once per session (regions take ~1 s)."""

from __future__ import annotations

import pytest

from planner.geo.regions import regions_for
from planner.scenario.load import load_scenario


@pytest.fixture(scope="session")
def gb():
    return load_scenario("great-britain")


@pytest.fixture(scope="session")
def gb_regions(gb):
    return regions_for(gb)
