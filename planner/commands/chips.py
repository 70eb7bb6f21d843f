"""``planner chips``: the accelerator catalog with export class and status for a destination."""

from __future__ import annotations

import datetime as dt
import json
import math

import click
import pandas as pd

from planner.catalog import load_catalog
from planner.catalog.policy import classify_catalog, load_rule_packs, resolve_policy, select_pack
from planner.commands._common import user_errors_exit_2
from planner.errors import DataError, Problem


def _parse_date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise DataError([Problem("command line", "--date", "expected a date as YYYY-MM-DD", text)]) from error


def chip_table(country: str | None, rules: str | None, on_date: dt.date) -> tuple[pd.DataFrame, str]:
    """One row per chip (TPP, PD, class, status, price multiplier) and a one-line heading."""
    catalog = load_catalog()
    if country is None:
        pack = select_pack(load_rule_packs(), on_date, rules)
        classes = classify_catalog(catalog, pack)
        table = classes.assign(is_controlled=classes["eccn_class"].notna(), status=None, price_multiplier=None,
                               note=classes["class_note"])
        heading = f"rule pack {pack.name} ({pack.title}); no destination given (--country)"
    else:
        resolution = resolve_policy(catalog, country, on_date, rules)
        table = resolution.chips
        cap = "no TPP cap" if resolution.tpp_cap is None else f"TPP cap {resolution.tpp_cap:,.0f}"
        heading = (f"{resolution.country_iso3} on {on_date} under {resolution.pack} "
                   f"(destination {resolution.destination}, tier {resolution.tier or '-'}, {cap})")
    columns = ["name", "vendor", "tpp", "performance_density", "tdp_kw", "price_usd"]
    table = catalog[columns].join(table[["eccn_class", "is_controlled", "status", "price_multiplier", "note"]])
    return table, heading


def _json_value(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def to_json(table: pd.DataFrame) -> str:
    """A JSON list of objects; ``name`` is the chip id, ``full_name`` the marketing name."""
    records = []
    for chip, row in table.iterrows():
        record = {"name": chip, "full_name": row["name"]}
        record |= {k: _json_value(v) for k, v in row.items() if k != "name"}
        records.append(record)
    return json.dumps(records, indent=2)


def _cell(value: object, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, fmt)


def to_text(table: pd.DataFrame, heading: str) -> str:
    header = (f"{'chip':<12} {'vendor':<10} {'TPP':>8} {'PD':>6} {'class':<8} {'status':<17} "
              f"{'x price':>7} {'kW':>5} {'USD':>8}")
    lines = [heading, header, "-" * len(header)]
    for chip, row in table.iterrows():
        lines.append(
            f"{chip:<12} {row['vendor'][:10]:<10} {_cell(row['tpp'], ',.0f'):>8} "
            f"{_cell(row['performance_density'], '.2f'):>6} {row['eccn_class'] or '-':<8} "
            f"{row['status'] or '-':<17} {_cell(row['price_multiplier'], '.2f'):>7} "
            f"{_cell(row['tdp_kw'], '.2f'):>5} {_cell(row['price_usd'], ',.0f'):>8}")
    return "\n".join(lines)


@click.command("chips")
@click.option("--country", default=None, help="Destination country, ISO3 (e.g. IND, GBR, CHN).")
@click.option("--rules", default=None, help="Rule pack name (default: the pack in force on --date).")
@click.option("--date", "date_text", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects instead of a table.")
@user_errors_exit_2
def chips(country: str | None, rules: str | None, date_text: str | None, as_json: bool) -> None:
    """The accelerator catalog with TPP, performance density, export class, status and price multiplier."""
    table, heading = chip_table(country, rules, _parse_date(date_text))
    click.echo(to_json(table) if as_json else to_text(table, heading))
