"""Chip generations over a build-out: which chips can be bought in a year, their prices along the
price-performance trend, and labelled imputations for announced parts without a price or a TDP.

- availability: a chip can be bought from its ``release_year`` on (announced parts from their stated year);
- prices: every chip's FLOP/s per USD follows the sourced trend (data/trends/hardware.yaml, Epoch AI: ~30%
  a year), so its price in year t is price / (1 + g)^(t - t0) from the first planning year t0 (an
  assumption: older parts are discounted in step with the frontier);
- imputations (``impute_missing_specs``), each written into ``estimate_note``:
  - dense throughput at a missing precision from the next one at the usual 2:1 steps (FP8 = 2 x BF16 =
    FP4 / 2), so the roofline kernel can run on parts announced only with FP4 figures;
  - price: the chip's FP8 FLOP/s divided by the catalog's median FP8 FLOP/s per USD (chips with a price,
    each moved along the trend to a common year), moved along the trend to the chip's release year;
  - TDP: the chip's FP8 FLOP/s times the power per FLOP/s of the nearest generation (the priced-or-not
    chip with a TDP and the closest release year, same vendor first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from planner.resources import data_path
from planner.yaml_load import safe_load

TREND_FILE = "hardware.yaml"


@dataclass(frozen=True)
class HardwareTrend:
    performance_per_usd_growth_per_year: float
    all_gpus_2006_2021_growth_per_year: float
    ml_gpus_2006_2021_growth_per_year: float


@lru_cache(maxsize=1)
def load_hardware_trend() -> HardwareTrend:
    raw = safe_load(data_path("trends", TREND_FILE).read_text(encoding="utf-8"))
    return HardwareTrend(**{k: float(v) for k, v in raw.items()})


def price_factor(year: int, first_year: int, growth_per_year: float) -> float:
    """Price in ``year`` per USD of catalog price: 1 / (1 + g)^(year - first_year)."""
    return (1.0 + growth_per_year) ** -(year - first_year)


def released_by(catalog: pd.DataFrame, year: int) -> pd.Index:
    """Chips released in or before ``year``."""
    return catalog.index[catalog["release_year"].astype(int) <= year]


def _fp8_equivalent_flops(catalog: pd.DataFrame) -> pd.Series:
    fp8 = catalog["fp8_dense_flops"].astype(float)
    return fp8.fillna(catalog["bf16_dense_flops"].astype(float) * 2).fillna(catalog["fp4_dense_flops"].astype(float) / 2)


def _note(catalog: pd.DataFrame, chip: str, text: str) -> None:
    previous = str(catalog.at[chip, "estimate_note"] or "")
    catalog.at[chip, "estimate_note"] = f"{previous}; {text}" if previous else text
    catalog.at[chip, "is_estimate"] = True


def impute_missing_specs(catalog: pd.DataFrame, growth_per_year: float) -> pd.DataFrame:
    """The catalog with labelled imputations for missing dense throughput, price and TDP (see the module)."""
    catalog = catalog.copy()
    catalog["estimate_note"] = catalog["estimate_note"].astype(object)
    _impute_precisions(catalog)
    _impute_prices(catalog, growth_per_year)
    _impute_tdp(catalog)
    return catalog


def _impute_precisions(catalog: pd.DataFrame) -> None:
    steps = [("fp8_dense_flops", "fp4_dense_flops", 0.5, "FP8 = FP4 / 2"),
             ("bf16_dense_flops", "fp8_dense_flops", 0.5, "BF16 = FP8 / 2"),
             ("fp8_dense_flops", "bf16_dense_flops", 2.0, "FP8 = 2 x BF16")]
    for target, source, factor, label in steps:
        missing = catalog.index[catalog[target].isna() & catalog[source].notna()]
        for chip in missing:
            catalog.at[chip, target] = float(catalog.at[chip, source]) * factor
            _note(catalog, chip, f"imputed dense {label} (the usual 2:1 step)")


def _impute_prices(catalog: pd.DataFrame, growth: float) -> None:
    flops = _fp8_equivalent_flops(catalog)
    priced = catalog.index[(catalog["price_usd"].astype(float) > 0) & flops.notna()]
    if priced.empty:
        return
    reference_year = int(catalog.loc[priced, "release_year"].median())
    per_usd = [flops[k] / float(catalog.at[k, "price_usd"]) * (1 + growth) ** (reference_year - int(catalog.at[k, "release_year"]))
               for k in priced]
    median = float(np.median(per_usd))
    for chip in catalog.index[catalog["price_usd"].isna() & flops.notna() & catalog["cloud_usd_per_chip_hour"].isna()]:
        at_release = median * (1 + growth) ** (int(catalog.at[chip, "release_year"]) - reference_year)
        catalog.at[chip, "price_usd"] = float(flops[chip] / at_release)
        _note(catalog, chip, f"imputed price: FP8 FLOP/s at the catalog's median FLOP/s per USD "
                             f"({median / 1e12 * 1e3:.1f} TFLOP/s per kUSD in {reference_year}) moved along the "
                             f"{growth:.0%}/year price-performance trend to {int(catalog.at[chip, 'release_year'])}")


def _impute_tdp(catalog: pd.DataFrame) -> None:
    flops = _fp8_equivalent_flops(catalog)
    known = catalog.index[(catalog["tdp_kw"].astype(float) > 0) & flops.notna()]
    for chip in catalog.index[catalog["tdp_kw"].isna() & flops.notna()]:
        nearest = _nearest_generation(catalog, known, chip)
        if nearest is None:
            continue
        kw_per_flops = float(catalog.at[nearest, "tdp_kw"]) / flops[nearest]
        catalog.at[chip, "tdp_kw"] = float(flops[chip] * kw_per_flops)
        _note(catalog, chip, f"imputed TDP: FP8 FLOP/s x the power per FLOP/s of {nearest} (nearest generation)")


def _nearest_generation(catalog: pd.DataFrame, known: pd.Index, chip: str) -> str | None:
    if known.empty:
        return None
    year = int(catalog.at[chip, "release_year"])
    same_vendor = known[catalog.loc[known, "vendor"] == catalog.at[chip, "vendor"]]
    pool = same_vendor if len(same_vendor) else known
    distance = (catalog.loc[pool, "release_year"].astype(int) - year).abs()
    closest = distance[distance == distance.min()].index
    later = [k for k in closest if int(catalog.at[k, "release_year"]) >= year]  # the newer node when tied
    return sorted(later or list(closest))[0] if math.isfinite(float(distance.min())) else None
