"""Export classification from specs, and policy resolution per destination and date."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from planner.catalog import ChipStatus, load_catalog, load_rule_packs, resolve_policy
from planner.catalog.policy import ChipMetrics, classify, classify_catalog, pack_in_force
from planner.errors import DataError

pytestmark = pytest.mark.unit

NAN = math.nan
PACKS_WITH_PD_RULE = ["oct2023", "dec2024-hbm", "diffusion-2025", "h20-apr2025", "rescission-may2025",
                      "h20-licences-aug2025", "china-jan2026"]


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return load_catalog()


@pytest.fixture(scope="module")
def packs():
    return load_rule_packs()


def metrics(tpp, pd_, *, dram=4e12, link=900e9, datacenter=True) -> ChipMetrics:
    return ChipMetrics(tpp=tpp, performance_density=pd_, dram_bandwidth_bytes_per_s=dram,
                       scaleup_bandwidth_bytes_per_s=link, is_datacenter=datacenter)


def test_all_required_packs_exist(packs):
    assert set(PACKS_WITH_PD_RULE) | {"oct2022"} <= set(packs)
    assert packs["dec2024-hbm"].hbm_stack_control.eccn_class == "3A090.c"


@pytest.mark.parametrize("pack", PACKS_WITH_PD_RULE)
def test_flagship_chips_are_3a090a_and_china_specials_uncontrolled(catalog, packs, pack):
    classes = classify_catalog(catalog, packs[pack])["eccn_class"]
    for chip in ["H100-SXM", "H200-SXM", "B200", "A100-SXM", "MI300X"]:
        assert classes[chip] == "3A090.a", chip
    assert classes["H20"] is None and classes["L20"] is None


@pytest.mark.parametrize(("chip", "expected"), [
    (metrics(3000, 2.0), "3A090.b"),            # the synthetic chip
    (metrics(4800, 1.0), "3A090.a"),
    (metrics(1600, 5.92), "3A090.a"),
    (metrics(1599, 50.0), None),
    (metrics(2400, 1.6), "3A090.b"),
    (metrics(2399, 3.19), None),
    (metrics(2000, 3.2), "3A090.b"),
    (metrics(2368, 2.91), None),                # H20
    (metrics(4000, 10.0, datacenter=False), None),
    (metrics(4800, 10.0, datacenter=False), "3A090.a"),
    (metrics(3000, NAN), "3A090.a"),            # unknown die area: assumed dense enough
])
def test_oct2023_thresholds(packs, chip, expected):
    assert classify(chip, packs["oct2023"])[0] == expected


def test_oct2022_needs_600_gb_s_links(catalog, packs):
    classes = classify_catalog(catalog, packs["oct2022"])["eccn_class"]
    assert classes["H100-SXM"] == "3A090.a"
    assert classes["H800-SXM"] is None and classes["A800-SXM"] is None  # 400 GB/s NVLink
    assert classify(metrics(5000, 1.0, link=NAN), packs["oct2022"])[0] == "3A090.a"


def test_india_under_diffusion_is_tier2_with_the_790m_cap(catalog):
    india = resolve_policy(catalog, "IND", dt.date(2025, 3, 1), "diffusion-2025")
    assert (india.tier, india.tpp_cap, india.pack) == ("2", 790e6, "diffusion-2025")
    assert india.tpp_cap_period_years == (2025, 2027)
    assert india.low_volume_tpp_per_consignee_per_year == 26.9e6
    assert india.chips.loc["H100-SXM", "status"] == ChipStatus.LICENSED_CAP
    assert india.chips.loc["H20", "status"] == ChipStatus.ALLOWED


def test_uk_under_diffusion_is_tier1_without_cap(catalog):
    uk = resolve_policy(catalog, "GBR", dt.date(2025, 3, 1), "diffusion-2025")
    assert uk.tier == "1" and uk.tpp_cap is None
    assert (uk.chips["status"] == ChipStatus.ALLOWED).all()


def test_china_jan2026_licenses_h200_at_a_premium_but_not_b200(catalog):
    china = resolve_policy(catalog, "CHN", dt.date(2026, 2, 1), "china-jan2026")
    assert china.chips.loc["H200-SXM", "status"] == ChipStatus.LICENSED_PREMIUM
    assert china.chips.loc["H200-SXM", "price_multiplier"] == 1.25
    assert china.chips.loc["B200", "status"] == ChipStatus.PROHIBITED
    assert china.chips.loc["Ascend-910B", "status"] == ChipStatus.ALLOWED  # domestic, not an export


def test_h20_history_for_china(catalog):
    def h20(pack):
        return resolve_policy(catalog, "CHN", dt.date(2025, 6, 1), pack).chips.loc["H20"]
    assert h20("oct2023")["status"] == ChipStatus.ALLOWED
    assert h20("h20-apr2025")["status"] == ChipStatus.PROHIBITED
    assert h20("h20-licences-aug2025")["price_multiplier"] == 1.15


def test_ascend_guidance_applies_outside_china(catalog):
    india = resolve_policy(catalog, "IND", dt.date(2025, 6, 1), "rescission-may2025")
    assert india.chips.loc["Ascend-910B", "status"] == ChipStatus.PROHIBITED
    assert india.chips.loc["H100-SXM", "status"] == ChipStatus.ALLOWED
    assert india.tier is None and india.tpp_cap is None


@pytest.mark.parametrize(("day", "pack"), [
    (dt.date(2023, 1, 1), "oct2022"), (dt.date(2023, 11, 17), "oct2023"), (dt.date(2025, 2, 1), "diffusion-2025"),
    (dt.date(2025, 5, 13), "rescission-may2025"), (dt.date(2026, 2, 1), "china-jan2026"),
])
def test_the_pack_in_force_follows_the_date(packs, catalog, day, pack):
    assert pack_in_force(packs, day).name == pack
    assert resolve_policy(catalog, "IND", day).pack == pack


def test_no_pack_before_oct_2022(catalog):
    with pytest.raises(DataError, match="no rule pack is in force"):
        resolve_policy(catalog, "IND", dt.date(2020, 1, 1))


def test_resolution_columns_and_types(catalog):
    chips = resolve_policy(catalog, "SAU", dt.date(2024, 1, 1)).chips
    assert list(chips.columns) == ["eccn_class", "is_controlled", "status", "price_multiplier", "tpp",
                                   "performance_density", "note"]
    assert chips.index.name == "chip" and list(chips.index) == list(catalog.index)
    assert set(chips["status"]) <= {s.value for s in ChipStatus}
    assert chips.loc["H100-SXM", "status"] == ChipStatus.LICENSED_CAP  # D:4 destination, Oct 2023
    assert (chips["is_controlled"] == chips["eccn_class"].notna()).all()


@pytest.mark.parametrize(("code", "hint"), [("XYZ", "ISO 3166"), ("UK", "GBR"), ("India", "IND")])
def test_unknown_country_is_a_data_error(catalog, code, hint):
    with pytest.raises(DataError) as caught:
        resolve_policy(catalog, code, dt.date(2025, 3, 1))
    assert caught.value.problems[0].key_path == "country_iso3" and hint in str(caught.value)


def test_unknown_pack_is_a_data_error(catalog):
    with pytest.raises(DataError, match="diffusion-2025"):
        resolve_policy(catalog, "IND", dt.date(2025, 3, 1), "diffusion")
