"""``planner latency``: estimate RTTs for a table of point pairs, and calibrate the latency model."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click
import pandas as pd

from planner.commands._common import user_errors_exit_2
from planner.geo import latency as lat


@click.group("latency")
def latency() -> None:
    """Network round-trip time between places (great circle, route inflation, hub access)."""


def _write_atomic(frame: pd.DataFrame, out: Path) -> None:
    """Write the CSV to a temporary file beside ``out`` and rename it, so a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(handle, "w", newline="") as stream:
            frame.to_csv(stream, index=False)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@latency.command("estimate")
@click.argument("pairs", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the CSV here (atomically) instead of to stdout.")
@user_errors_exit_2
def estimate(pairs: Path, out: Path | None) -> None:
    """Add an ``rtt_ms`` column to PAIRS.csv (columns lat_a, lon_a, lat_b, lon_b; others kept)."""
    frame = lat.read_pairs(pairs)
    coords = [frame[c].to_numpy(float) for c in lat.PAIR_COORDINATES]
    result = frame.assign(rtt_ms=lat.rtt_ms(*coords).round(3))
    if out is None:
        result.to_csv(sys.stdout, index=False)
    else:
        _write_atomic(result, out)


def _errors_dict(errors: lat.LatencyErrors) -> dict:
    return {"n_pairs": errors.n_pairs, "median_abs_pct": round(errors.median_abs_pct, 2),
            "p90_abs_pct": round(errors.p90_abs_pct, 2)}


def calibration_report(pairs: pd.DataFrame, quantity: str) -> dict:
    """Shipped model vs a refit on all pairs vs a refit on 2/3 checked on the other 1/3."""
    shipped = lat.load_latency_model()
    features = lat.pair_features(pairs, shipped.metro_radius_km)
    refit = lat.fit_latency_model(pairs, quantity, features=features)
    fit_rows, test_rows = lat.holdout_split(pairs)
    held = lat.fit_latency_model(fit_rows, quantity, features=features.loc[fit_rows.index])
    return {
        "quantity": quantity,
        "shipped": {"constants": lat.model_constants(shipped),
                    "errors": _errors_dict(lat.latency_errors(pairs, shipped, quantity, features))},
        "refit_all": {"constants": lat.model_constants(refit),
                      "errors": _errors_dict(lat.latency_errors(pairs, refit, quantity, features))},
        "holdout": {"constants": lat.model_constants(held),
                    "fit_errors": _errors_dict(lat.latency_errors(fit_rows, held, quantity,
                                                                  features.loc[fit_rows.index])),
                    "holdout_errors": _errors_dict(lat.latency_errors(test_rows, held, quantity,
                                                                      features.loc[test_rows.index]))},
    }


def _print_report(report: dict) -> None:
    click.echo(f"latency model vs measured {report['quantity']}")
    rows = [("shipped", report["shipped"]["constants"], report["shipped"]["errors"], "all pairs"),
            ("refit", report["refit_all"]["constants"], report["refit_all"]["errors"], "all pairs"),
            ("hold-out", report["holdout"]["constants"], report["holdout"]["fit_errors"], "fit rows"),
            ("hold-out", report["holdout"]["constants"], report["holdout"]["holdout_errors"], "held-out rows")]
    click.echo(f"{'model':9} {'inflation':>9} {'overhead_ms':>11} {'backhaul_ms':>11} {'hub_pop':>10} "
               f"{'on':>14} {'n':>4} {'median_%':>8} {'p90_%':>6}")
    for name, c, e, on in rows:
        click.echo(f"{name:9} {c['route_inflation']:9.3f} {c['overhead_ms']:11.2f} {c['backhaul_ms']:11.2f} "
                   f"{c['hub_population']:10.3g} {on:>14} {e['n_pairs']:4d} {e['median_abs_pct']:8.1f} "
                   f"{e['p90_abs_pct']:6.1f}")


@latency.command("calibrate")
@click.argument("pairs", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quantity", type=click.Choice(["rtt_avg_ms", "rtt_min_ms"]), default=lat.DEFAULT_QUANTITY,
              show_default=True, help="Measured RTT to fit and score against.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@user_errors_exit_2
def calibrate(pairs: Path, quantity: str, as_json: bool) -> None:
    """Fit the model on PAIRS.csv (calibration format) and print constants and absolute % errors."""
    frame = lat.read_pairs(pairs, lat.PAIR_COORDINATES + (quantity,))
    report = calibration_report(frame, quantity)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print_report(report)
