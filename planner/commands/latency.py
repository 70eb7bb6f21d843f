"""``planner latency``: estimate RTTs for a table of point pairs, and calibrate the latency model."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
import os
import sys
import tempfile
from pathlib import Path

import click
import numpy as np
import pandas as pd
import yaml

from planner.commands._common import user_errors_exit_2
from planner.geo import latency as lat
from planner.geo import latency_fit as fit


@click.group("latency")
def latency() -> None:
    """Network round-trip time between places (fibre physics, route inflation, access delay)."""


def _write_atomic(text: str, out: Path) -> None:
    """Write to a temporary file beside ``out`` and rename it, so a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(handle, "w", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes the file private; the result is an ordinary file
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@latency.command("estimate")
@click.argument("pairs", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the CSV here (atomically) instead of to stdout.")
@click.option("--percentile", type=click.Choice(["p50", "p90", "min"]), default="p50", show_default=True,
              help="RTT to report: median or 90th percentile for pairs like these, or the model's minimum RTT.")
@user_errors_exit_2
def estimate(pairs: Path, out: Path | None, percentile: str) -> None:
    """Add an ``rtt_ms`` column to PAIRS.csv (columns lat_a, lon_a, lat_b, lon_b; others kept)."""
    frame = lat.read_pairs(pairs)
    coords = [frame[c].to_numpy(float) for c in lat.PAIR_COORDINATES]
    result = frame.assign(rtt_ms=lat.rtt_ms(*coords, percentile=percentile).round(3))
    if out is None:
        result.to_csv(sys.stdout, index=False)
    else:
        _write_atomic(result.to_csv(index=False), out)


# --- calibrate ----------------------------------------------------------------------------------------------

def _countries(frame: pd.DataFrame, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The file's ``country_a``/``country_b`` columns where present, else the countries of the coordinates."""
    if {"country_a", "country_b"} <= set(frame.columns):
        return frame["country_a"].astype(str).to_numpy(object), frame["country_b"].astype(str).to_numpy(object)
    return features["country_a"].to_numpy(object), features["country_b"].to_numpy(object)


def calibration_report(frame: pd.DataFrame, quantity: str, cv: str | None) -> tuple[dict, lat.LatencyModel]:
    """Errors of the shipped model and of a refit on all pairs, and (``cv='country'``) leave-one-country-out.

    Returns the report and the refitted model, whose residual bands come from the cross-validated
    predictions when there are some (else from the refit's own residuals)."""
    shipped = lat.load_latency_model()
    features = lat.pair_features(*(frame[c].to_numpy(float) for c in lat.PAIR_COORDINATES), shipped.hub_population,
                                 shipped.metro_radius_km)
    measured = frame[quantity].to_numpy(float)
    country_a, country_b = _countries(frame, features)
    distance = features["distance_km"].to_numpy(float)
    refit = fit.fit_latency_model(features, measured, fit.country_weights(country_a, country_b), base=shipped,
                                  start=shipped)
    refit_pred = lat.predict_min_ms(features, refit)
    report = {
        "quantity": quantity, "n_pairs": int(len(frame)),
        "n_pairs_faster_than_fibre": int((measured < fit.PHYSICS_TOLERANCE * shipped.fibre_ms(distance)).sum()),
        "shipped": {"errors": fit.error_report(measured, lat.predict_min_ms(features, shipped), distance,
                                               country_a, country_b)},
        "refit": {"constants": lat.model_constants(refit),
                  "errors": fit.error_report(measured, refit_pred, distance, country_a, country_b)},
    }
    bands = fit.residual_bands(measured, refit_pred, distance)
    if cv == "country":
        folds = fit.leave_one_country_out(features, measured, country_a, country_b, base=shipped, start=refit)
        rows = folds["row"].to_numpy()
        predicted = folds["predicted_ms"].to_numpy(float)
        bands = fit.residual_bands(measured[rows], predicted, distance[rows])
        report["cv_country"] = {
            "n_folds": int(folds["country"].nunique()),
            "errors": fit.error_report(measured[rows], predicted, distance[rows], country_a[rows], country_b[rows]),
        }
    refit = replace(refit, residual_bands=bands)
    report["refit"]["constants"] = lat.model_constants(refit)
    report["residual_bands_from"] = "leave-one-country-out predictions" if cv == "country" else "refit residuals"
    return report, refit


def _fmt(value: float | None, width: int = 7) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}.1f}"


def _columns(report: dict) -> list[tuple[str, dict]]:
    columns = [("shipped", report["shipped"]["errors"]), ("refit", report["refit"]["errors"])]
    if "cv_country" in report:
        columns.append(("LOCO", report["cv_country"]["errors"]))
    return columns


def _print_report(report: dict) -> None:
    columns = _columns(report)
    click.echo(f"latency model vs measured {report['quantity']}: {report['n_pairs']} pairs "
               f"({report['n_pairs_faster_than_fibre']} faster than light in fibre: scored, not fitted)")
    click.echo("median absolute error, % (n = pairs scored; LOCO = leave-one-country-out, each pair "
               "predicted by a fit without its countries)")
    header = f"{'':24}" + "".join(f"{name:>10}{'n':>7}" for name, _ in columns)
    click.echo(header)

    def row(label: str, pick) -> None:
        cells = "".join(f"{_fmt(pick(e)['median_abs_pct'], 10)}{pick(e)['n_pairs']:7d}" for _, e in columns)
        click.echo(f"{label:24}{cells}")

    row("all pairs", lambda e: e["all"])
    for band in columns[0][1]["by_distance"]:
        row(f"  {band}", lambda e, b=band: e["by_distance"][b])
    row(f"under {fit.SHORT_KM:g} km", lambda e: e[f"under_{fit.SHORT_KM:g}_km"])
    row("domestic", lambda e: e["domestic"])
    row("international", lambda e: e["international"])
    click.echo(f"{'domestic, median country':24}" + "".join(f"{_fmt(e['domestic_country_median_pct'], 10)}{'':7}"
                                                           for _, e in columns))
    click.echo("domestic pairs by country")
    for country in columns[-1][1]["domestic_by_country"]:
        row(f"  {country}", lambda e, c=country: e["domestic_by_country"][c])
    bands = report["refit"]["constants"]["residual_bands"]
    click.echo(f"measured / predicted quantiles ({report['residual_bands_from']}):")
    for band in bands:
        limit = "no limit" if band["max_km"] is None else f"< {band['max_km']:g} km"
        click.echo(f"  {limit:12} p50 {band['p50']:.3f}  p90 {band['p90']:.3f}")


def _rounded(value):
    """Constants to 6 significant digits (more is noise), keeping the structure."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return float(f"{value:.6g}") if isinstance(value, float) else value


def _model_yaml(report: dict, source: str) -> str:
    errors = report.get("cv_country", report["refit"])["errors"]
    label = "leave-one-country-out" if "cv_country" in report else "in-sample"
    header = (f"# Constants of the planner's round-trip-time model (planner/geo/latency.py; docs/latency.md).\n"
              f"# Written by `planner latency calibrate` on {dt.date.today().isoformat()} from {report['n_pairs']} "
              f"measured pairs, quantity {report['quantity']}.\n"
              f"# {label} median absolute error: all {errors['all']['median_abs_pct']} %, under 500 km "
              f"{errors['under_500_km']['median_abs_pct']} %, domestic (median of countries) "
              f"{errors['domestic_country_median_pct']} %.\n")
    body = {"source": source, "quantity": report["quantity"], "constants": _rounded(report["refit"]["constants"])}
    return header + yaml.safe_dump(body, sort_keys=False)


@latency.command("calibrate")
@click.argument("pairs", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quantity", type=click.Choice(["rtt_min_ms", "rtt_avg_ms"]), default="rtt_min_ms",
              show_default=True, help="Measured RTT to fit and score against.")
@click.option("--cv", type=click.Choice(["country"]), default=None,
              help="Cross-validate: fit without each country's pairs and predict them.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the refitted constants as a model YAML (the format of data/latency/latency_model.yaml).")
@click.option("--source", default="measured pairs", show_default=True,
              help="Where the pairs come from (recorded in the --out file).")
@user_errors_exit_2
def calibrate(pairs: Path, quantity: str, cv: str | None, as_json: bool, out: Path | None, source: str) -> None:
    """Fit the model on PAIRS.csv (lat_a, lon_a, lat_b, lon_b and the measured RTT; country_a and country_b
    optional) and print absolute % errors by distance band, domestic vs international and by country."""
    frame = lat.read_pairs(pairs, lat.PAIR_COORDINATES + (quantity,))
    report, refit = calibration_report(frame, quantity, cv)
    if out is not None:
        _write_atomic(_model_yaml(report, source), out)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print_report(report)
