"""``planner chips``: table and JSON output, and exit code 2 on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planner.commands import COMMANDS
from planner.commands.chips import chips

pytestmark = pytest.mark.unit


def run(*args: str):
    return CliRunner().invoke(chips, list(args))


def test_chips_is_registered():
    from planner.cli import cli

    assert "chips" in COMMANDS
    assert cli.get_command(None, "chips") is chips


def test_json_for_china_in_2026():
    result = run("--country", "CHN", "--date", "2026-02-01", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert len(rows) >= 25
    for key in ["name", "tpp", "performance_density", "eccn_class", "status", "price_multiplier"]:
        assert key in rows["H200-SXM"]
    assert rows["H200-SXM"]["status"] == "licensed_premium" and rows["H200-SXM"]["price_multiplier"] == 1.25
    assert rows["B200"]["status"] == "prohibited"
    assert rows["H20"]["eccn_class"] is None
    assert rows["MI300X"]["performance_density"] is None  # die area unpublished -> null, not NaN


def test_table_names_the_pack_and_cap():
    result = run("--country", "IND", "--rules", "diffusion-2025")
    assert result.exit_code == 0, result.output
    assert "tier 2" in result.output and "790,000,000" in result.output
    assert "H100-SXM" in result.output and "licensed_cap" in result.output


def test_without_country_shows_classes_only():
    result = run("--rules", "oct2023", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["A100-SXM"]["eccn_class"] == "3A090.a" and rows["A100-SXM"]["status"] is None


@pytest.mark.parametrize(("args", "text"), [
    (["--country", "XYZ"], "country_iso3"), (["--rules", "nope"], "unknown rule pack"),
    (["--date", "2026-13-01"], "--date"), (["--date", "2019-01-01"], "no rule pack"),
])
def test_bad_input_exits_2_with_a_message(args, text):
    result = run(*args)
    assert result.exit_code == 2 and text in result.output
