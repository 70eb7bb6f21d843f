"""How good is the build-out's imputed price of an announced chip? Leave-one-out on the catalog's priced chips:
hide each one's price, impute it with ``planner.catalog.generations.impute_missing_specs`` (its FP8 FLOP/s at
the catalog's median FLOP/s per USD, moved along the price-performance trend), and compare.

    python benchmarks/bench_price_imputation.py [--json]
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pandas as pd

from planner.catalog import load_catalog
from planner.catalog.generations import impute_missing_specs, load_hardware_trend


def leave_one_out(catalog: pd.DataFrame, growth: float) -> pd.DataFrame:
    priced = catalog.index[(catalog["price_usd"].astype(float) > 0) & catalog["cloud_usd_per_chip_hour"].isna()]
    rows = []
    for chip in priced:
        hidden = catalog.copy()
        hidden.at[chip, "price_usd"] = math.nan
        imputed = float(impute_missing_specs(hidden, growth).at[chip, "price_usd"])
        if math.isnan(imputed):
            continue  # no FP8-equivalent figure to price it by
        actual = float(catalog.at[chip, "price_usd"])
        rows.append({"chip": chip, "release_year": int(catalog.at[chip, "release_year"]), "price_usd": actual,
                     "imputed_usd": round(imputed), "ratio": round(imputed / actual, 3)})
    return pd.DataFrame(rows).set_index("chip")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    table = leave_one_out(load_catalog(), load_hardware_trend().performance_per_usd_growth_per_year)
    error = (table["ratio"] - 1).abs()
    summary = {"chips": len(table), "median_abs_error": round(float(error.median()), 3),
               "median_abs_log_error": round(float(np.log(table["ratio"]).abs().median()), 3),
               "within_factor_2": int(((table["ratio"] >= 0.5) & (table["ratio"] <= 2)).sum())}
    if args.json:
        print(json.dumps({"summary": summary, "chips": table.reset_index().to_dict("records")}, indent=2))
        return
    print(table.sort_values("release_year").to_string())
    print(f"\n{summary['chips']} priced chips, imputed with their own price hidden: median |imputed / price - 1| = "
          f"{summary['median_abs_error']:.1%}; within a factor of 2: {summary['within_factor_2']}")


if __name__ == "__main__":
    main()
