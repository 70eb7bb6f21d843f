"""`planner roofline`: throughput coefficients per (chip, service class), a roofline chart, and
`planner roofline validate`: the kernel against published measurements."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
import pandas as pd

from planner.commands._common import user_errors_exit_2
from planner.extras import require_extra
from planner.errors import DataError, Problem


def _chips(chip: str | None) -> pd.DataFrame:
    from planner.catalog import load_catalog, resolve_chip

    catalog = load_catalog()
    if chip is None:
        return catalog
    try:
        return catalog.loc[[resolve_chip(chip)]]
    except Exception as error:  # noqa: BLE001 - reported as a user error
        raise DataError([Problem("--chip", chip, f"unknown chip ({error})", chip)]) from error


def _workloads(model: str | None):
    from planner.roofline import load_model_card, load_workloads
    from planner.roofline.workloads import WorkloadProfile

    workloads = load_workloads()
    if model is None:
        return workloads
    card = load_model_card(model)
    return {name: WorkloadProfile(**{**w.__dict__, "model_mix": {card.name: 1.0}}) for name, w in workloads.items()}


def _chart_points(chips: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Place each (chip, class) at the decode step's intensity: FLOPs per byte moved at the chosen batch."""
    rows = []
    for (chip, klass), r in table.iterrows():
        if r["tokens_per_s_per_chip"] <= 0:
            continue
        bytes_per_flop = 1.0 / max(r["batch_size"], 1)  # weights amortised over the batch (2 FLOP per weight byte)
        intensity = 2.0 / (bytes_per_flop * (1.0 if r["precision"] != "bf16" else 2.0))
        rows.append({"chip": chip, "label": klass, "intensity_flop_per_byte": intensity,
                     "achieved_flops": min(intensity * chips.loc[chip, "hbm_bandwidth_bytes_per_s"] * 0.85,
                                           0.7 * chips.loc[chip, "fp8_dense_flops"]
                                           if pd.notna(chips.loc[chip, "fp8_dense_flops"])
                                           else 0.7 * chips.loc[chip, "bf16_dense_flops"])})
    return pd.DataFrame(rows, columns=["chip", "label", "intensity_flop_per_byte", "achieved_flops"])


@click.group(invoke_without_command=True)
@click.option("--chip", default=None, help="Only this chip (any catalog name or alias).")
@click.option("--model", default=None, help="Serve every class with this model card only.")
@click.option("--chart", "chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the roofline chart (.png or .svg).")
@click.pass_context
@user_errors_exit_2
def roofline(ctx: click.Context, chip: str | None, model: str | None, chart: Path | None) -> None:
    """Throughput coefficients per (chip, service class) from the roofline kernel."""
    if ctx.invoked_subcommand is not None:
        return
    if chart is not None:
        require_extra("plot", "--chart")
    from planner.roofline import serving_coefficients, training_flops_per_chip

    chips = _chips(chip)
    table = serving_coefficients(chips, _workloads(model))
    shown = table.copy()
    shown["train_tflops_per_chip"] = (training_flops_per_chip(chips) / 1e12).reindex(
        shown.index.get_level_values("chip")).to_numpy()
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.float_format", "{:,.3g}".format):
        click.echo(shown.to_string())
    click.echo("tokens_per_s_per_chip = generated tokens (output incl. reasoning); 0 = cannot serve the class's "
               "models within memory and TTFT/TPOT targets (not scored).")
    if chart is not None:
        if chart.suffix.lower() not in (".png", ".svg"):
            raise DataError([Problem("--chart", str(chart), "must end in .png or .svg", chart.suffix)])
        from planner.roofline.chart import draw_roofline

        draw_roofline(chips, _chart_points(chips, table), chart)
        click.echo(f"chart written to {chart}")


def _pct(value) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.1f}%"


def _summary_line(label: str, summary: dict) -> str:
    return (f"{label:<22} n={summary['n']:<4d} median {_pct(summary['median_abs_pct_error']):>7} "
            f"p90 {_pct(summary['p90_abs_pct_error']):>7}")


def _echo_factors() -> None:
    from dataclasses import fields

    from planner.roofline import DEFAULT_EFFICIENCY
    from planner.roofline.fit import FACTORS

    fitted = {f.name: f.group for f in FACTORS}
    click.echo("fitted factors (DEFAULT_EFFICIENCY; refit by --cv on each fold) and the rows they are fitted on:")
    for factor in FACTORS:
        click.echo(f"  {factor.name:<26} {factor.get(DEFAULT_EFFICIENCY):.4g}   fitted on {factor.group} rows")
    click.echo(f"  {'server_load_factor':<26} {DEFAULT_EFFICIENCY.server_load_factor:.4g}   median Server/Offline "
               "ratio of the same systems (inference rows)")
    assumed = [f.name for f in fields(DEFAULT_EFFICIENCY) if f.name not in fitted and f.name != "server_load_factor"]
    click.echo(f"  labelled assumptions (not fitted): {', '.join(assumed)}")


def _echo_rows(result: dict) -> None:
    rows = pd.DataFrame(result["rows"])
    if rows.empty:
        return
    columns = ["row", "chip", "n_accelerators", "model", "scenario", "metric", "precision", "measured", "predicted",
               "abs_pct_error"] + (["fold"] if "fold" in rows.columns else [])
    rows = rows[columns]
    rows["model"] = rows["model"].str.slice(0, 28)
    with pd.option_context("display.width", 240, "display.max_rows", 1000, "display.float_format", "{:,.4g}".format):
        click.echo(rows.to_string(index=False))


def _echo_cv(result: dict) -> None:
    click.echo(f"leave-one-{result['by']}-out cross-validation (factors refit without the held-out group):")
    click.echo(f"{'fold':<24} {'kind':<10} {'n':>4} {'median':>8} {'p90':>8}")
    for fold in result["folds"] + [{"group": "OVERALL", **result["overall"]}]:
        for kind in ("inference", "energy", "training", "gemm", "all"):
            s = fold[kind]
            if s["n"]:
                click.echo(f"{fold['group']:<24} {kind:<10} {s['n']:>4} {_pct(s['median_abs_pct_error']):>8} "
                           f"{_pct(s['p90_abs_pct_error']):>8}")


@roofline.command("validate")
@click.argument("measurements", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary and per-row details as JSON.")
@click.option("--cv", type=click.Choice(["chip", "model"]), default=None,
              help="Leave-one-group-out cross-validation: refit the factors without each chip (or model card).")
@click.option("--precision-sensitivity", "sensitivity", is_flag=True,
              help="Also show the error of rows with an assumed precision at the next wider format.")
@user_errors_exit_2
def validate_command(measurements: Path, as_json: bool, cv: str | None, sensitivity: bool) -> None:
    """Predict every row of MEASUREMENTS.csv it can map; print errors, fitted factors and unmapped rows."""
    from planner.catalog import load_catalog
    from planner.roofline.fit import cross_validate
    from planner.roofline.validate import read_measurements, validate

    frame = read_measurements(measurements)
    if cv is not None:
        result = cross_validate(frame, load_catalog(), by=cv)
        cv_summary = result
        result = {**result, "median_abs_pct_error": result["overall"]["all"]["median_abs_pct_error"],
                  "p90_abs_pct_error": result["overall"]["all"]["p90_abs_pct_error"]}
    else:
        result = validate(frame, load_catalog(), sensitivity=sensitivity)
        cv_summary = None
    if as_json:
        click.echo(json.dumps(result, indent=2, allow_nan=False, default=float))
        return
    _echo_rows(result)
    for item in result["unmapped"]:
        click.echo(f"unmapped row {item['row']}: {item['reason']}")
    _echo_factors()
    if cv_summary is not None:
        _echo_cv(cv_summary)
    else:
        for kind, summary in result["groups"].items():
            if summary["n"]:
                click.echo(_summary_line(kind, summary))
        sens = result.get("precision_sensitivity")
        if sens and sens.get("n_rows"):
            click.echo(_summary_line("assumed precision", sens["assumed"]))
            click.echo(_summary_line("next wider precision", sens["next_wider"]))
    click.echo(f"rows {result['n_rows']}, mapped and predicted {result['n_mapped']}; "
               f"median abs error {_pct(result['median_abs_pct_error'])}, p90 {_pct(result['p90_abs_pct_error'])}")
