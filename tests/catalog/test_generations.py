"""Chip generations: release-year availability, prices along the trend, labelled imputations."""

import math

import pandas as pd
import pytest

from planner.catalog import load_catalog
from planner.catalog.generations import impute_missing_specs, load_hardware_trend, price_factor, released_by


def synthetic() -> pd.DataFrame:
    """Two priced chips of one vendor (2022: 1e15 FLOP/s FP8 for 10,000 USD at 0.5 kW; 2024: 4e15 for 20,000
    at 1 kW) and an announced 2026 part with only FP4 (8e15) and nothing else."""
    base = load_catalog().loc[["H100-SXM", "H200-SXM", "Rubin-VR200"]].copy()
    base.index = pd.Index(["old", "new", "announced"], name="chip")
    base["vendor"] = "V"
    base["release_year"] = [2022, 2024, 2026]
    base["fp8_dense_flops"] = [1e15, 4e15, math.nan]
    base["bf16_dense_flops"] = [5e14, 2e15, math.nan]
    base["fp4_dense_flops"] = [math.nan, math.nan, 8e15]
    base["price_usd"] = [10_000.0, 20_000.0, math.nan]
    base["tdp_kw"] = [0.5, 1.0, math.nan]
    base["cloud_usd_per_chip_hour"] = math.nan
    base["estimate_note"] = ["", "", "announced"]
    base["is_estimate"] = [False, False, True]
    return base


def test_imputations_by_hand():
    growth = 0.3
    imputed = impute_missing_specs(synthetic(), growth)
    # FP8 = FP4 / 2 = 4e15, BF16 = 2e15
    assert imputed.at["announced", "fp8_dense_flops"] == pytest.approx(4e15)
    assert imputed.at["announced", "bf16_dense_flops"] == pytest.approx(2e15)
    # FLOP/s per USD moved to the median release year 2023: old 1e11 * 1.3, new 2e11 / 1.3; median of two
    median_2023 = (1e11 * 1.3 + 2e11 / 1.3) / 2
    assert imputed.at["announced", "price_usd"] == pytest.approx(4e15 / (median_2023 * 1.3 ** 3))
    # TDP at the nearest generation's (2024, "new") power per FLOP/s: 1 kW per 4e15
    assert imputed.at["announced", "tdp_kw"] == pytest.approx(1.0)
    note = imputed.at["announced", "estimate_note"]
    assert note.startswith("announced;") and "imputed price" in note and "imputed TDP" in note
    assert bool(imputed.at["announced", "is_estimate"])
    pd.testing.assert_frame_equal(imputed.loc[["old", "new"]].drop(columns="estimate_note"),
                                  synthetic().loc[["old", "new"]].drop(columns="estimate_note"), check_dtype=False)


def test_announced_catalog_parts_become_purchasable_with_labels():
    catalog = load_catalog()
    imputed = impute_missing_specs(catalog, load_hardware_trend().performance_per_usd_growth_per_year)
    for chip in ("Rubin-VR200", "MI400", "Ascend-960"):
        assert math.isnan(catalog.at[chip, "price_usd"])
        assert imputed.at[chip, "price_usd"] > 0 and imputed.at[chip, "tdp_kw"] > 0
        assert "imputed price" in imputed.at[chip, "estimate_note"]
    priced = catalog.index[catalog["price_usd"] > 0]
    assert (imputed.loc[priced, "price_usd"] == catalog.loc[priced, "price_usd"]).all()


def test_release_year_and_price_trend():
    catalog = load_catalog()
    assert "Ascend-960" not in released_by(catalog, 2026) and "Ascend-960" in released_by(catalog, 2027)
    assert price_factor(2030, 2027, 0.3) == pytest.approx(1.3 ** -3)
    assert price_factor(2027, 2027, 0.3) == 1.0
    trend = load_hardware_trend()
    assert trend.performance_per_usd_growth_per_year <= trend.all_gpus_2006_2021_growth_per_year <= trend.ml_gpus_2006_2021_growth_per_year
