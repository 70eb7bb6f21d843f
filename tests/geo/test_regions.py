"""Demand regions: exact national population, controllable count, admin-1 grouping, rural placement, time zones."""

import numpy as np
import pytest

from planner.geo.population import cities, countries
from planner.geo.regions import (REGION_COLUMNS, _allocate_population, demand_regions, nearest_index,
                                 standard_utc_offset_h)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("country, count, area_share", [("GBR", 12, 0.5), ("IND", 20, 0.5), ("GBR", 3, 0.0),
                                                         ("IND", 7, 1.0), ("DEU", 9, 0.3)])
def test_aggregation_preserves_the_national_population_exactly(country, count, area_share):
    regions = demand_regions(country, count, rural_area_share=area_share)
    assert int(regions["population"].sum()) == int(countries().loc[country, "population"])
    assert len(regions) == count
    assert list(regions.columns) == REGION_COLUMNS
    assert regions["urban_population"].sum() == pytest.approx(cities(country)["population"].sum())
    assert (regions["population"] >= regions["urban_population"] - 1).all()  # uncovered people only add
    assert regions["n_cities"].sum() == len(cities(country))
    assert regions["land_share"].sum() == pytest.approx(1.0)


def test_nearest_index_matches_the_full_distance_matrix_and_breaks_ties_by_lowest_index():
    rng = np.random.default_rng(7)
    targets = rng.uniform(-5, 5, size=(400, 2))
    targets[17] = targets[3]  # a duplicated target (GeoNames has cities at identical coordinates)
    points = np.vstack([rng.uniform(-6, 6, size=(3000, 2)), targets[3], [[0.0, 10.0]]])
    distance = np.hypot(points[:, None, 0] - targets[None, :, 0], points[:, None, 1] - targets[None, :, 1])
    np.testing.assert_array_equal(nearest_index(points, targets), distance.argmin(axis=1))
    assert nearest_index(points, targets)[3000] == 3  # the tie goes to the lower index, as argmin's


def test_members_centroid_and_largest_city():
    regions = demand_regions("GBR", 12)
    london = regions.loc["London"]
    assert "London" in london["cities"] and len(london["cities"]) == london["n_cities"]
    assert 51.0 < london["lat"] < 52.0 and -1.0 < london["lon"] < 0.5
    assert regions.index.is_unique and regions.index.name == "region"
    assert regions["population"].is_monotonic_decreasing


def test_admin1_grouping_gives_one_region_per_unit():
    gb = demand_regions("GBR", 99, method="admin1")
    assert len(gb) == cities("GBR")["admin1"].nunique() == 4  # England, Scotland, Wales, Northern Ireland
    assert int(gb["population"].sum()) == int(countries().loc["GBR", "population"])
    assert {"London", "Glasgow", "Belfast"} <= set(gb["largest_city"])


def test_rural_placement_by_land_area_moves_people_to_sparse_regions():
    by_cities = demand_regions("IND", 10, rural_area_share=0.0)
    by_land = demand_regions("IND", 10, rural_area_share=1.0)
    share_by_cities = by_cities["population"] / by_cities["population"].sum()
    urban_share = by_cities["urban_population"] / by_cities["urban_population"].sum()
    assert np.allclose(share_by_cities, urban_share, atol=1e-8)
    # the largest-city region is denser than average: placing rural people by land lowers its share
    top = by_cities.index[0]
    assert by_land.loc[top, "population"] < by_cities.loc[top, "population"]


def test_allocation_rule_by_hand():
    people = _allocate_population(np.array([60.0, 20.0]), np.array([0.25, 0.75]), 180, 0.5)
    # uncovered 100: half by land (25, 75), half by cities (75, 25) -> 60+50, 20+50
    assert people.tolist() == [110, 70]
    scaled = _allocate_population(np.array([60.0, 60.0]), np.array([0.5, 0.5]), 101, 0.5)
    assert scaled.sum() == 101  # cities hold more than the national figure: scaled down, whole persons


def test_count_larger_than_cities_caps_at_the_number_of_cities():
    regions = demand_regions("ISL", 50)  # Iceland: a handful of cities over 15,000
    assert len(regions) == len(cities("ISL"))
    assert int(regions["population"].sum()) == int(countries().loc["ISL", "population"])


def test_time_zones_and_standard_offsets():
    assert set(demand_regions("IND", 5)["utc_offset_h"]) == {5.5}
    usa = demand_regions("USA", 8)
    assert usa["utc_offset_h"].between(-10, -5).all() and usa["utc_offset_h"].nunique() >= 3
    assert standard_utc_offset_h("Europe/London", 0.0) == 0.0  # winter time, not BST
    assert standard_utc_offset_h("Not/AZone", 30.0) == 2.0  # falls back to longitude / 15


def test_deterministic():
    a, b = demand_regions("IND", 12), demand_regions("IND", 12)
    assert a.drop(columns="cities").equals(b.drop(columns="cities"))
