"""`planner demand`: tables, JSON, map and chart files, --year, errors with exit code 2."""

import json

import pytest
from click.testing import CliRunner

from planner.cli import cli

pytestmark = pytest.mark.unit


@pytest.mark.slow
def test_tables_for_great_britain():
    result = CliRunner().invoke(cli, ["demand", "great-britain", "--sensitivity"])
    assert result.exit_code == 0, result.output
    for text in ("By region, 2030", "London", "National totals by year", "coincident", "Training:",
                 "demand.agents_per_capita"):
        assert text in result.output


@pytest.mark.slow
def test_json_override_and_year(tmp_path):
    runner = CliRunner()
    plain = json.loads(runner.invoke(cli, ["demand", "great-britain", "--json"]).output)
    doubled = json.loads(runner.invoke(cli, ["demand", "great-britain", "--json", "--year", "2032",
                                             "--set", "demand.agents_per_capita=0.4"]).output)
    assert plain["year"] == 2030 and doubled["year"] == 2032

    def plan_total(doc):
        return next(r["tokens_per_s_peak"] for r in doc["national_totals"]
                    if r["year"] == 2030 and r["service_class"] == "total")

    assert 1.5 < plan_total(doubled) / plan_total(plain) < 2.0
    assert {r["year"] for r in doubled["forecast"]} == set(range(2025, 2033))
    assert plain["training"]["largest_run_flops"] > 0


@pytest.mark.slow
def test_map_and_chart_files(tmp_path):
    pytest.importorskip("matplotlib")
    result = CliRunner().invoke(cli, ["demand", "great-britain", "--map", str(tmp_path / "map.png"),
                                      "--chart", str(tmp_path / "chart.svg")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "map.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "chart.svg").read_text()


def test_user_errors_exit_2():
    runner = CliRunner()
    bad = runner.invoke(cli, ["demand", "great-britain", "--set", "demand.adoption_share=1.5"])
    assert bad.exit_code == 2 and "demand.adoption_share" in bad.output and "Traceback" not in bad.output
    early = runner.invoke(cli, ["demand", "great-britain", "--year", "2000"])
    assert early.exit_code == 2 and "--year" in early.output


@pytest.mark.slow
def test_band_and_input_columns():
    runner = CliRunner()
    result = runner.invoke(cli, ["demand", "great-britain", "--band"])
    assert result.exit_code == 0, result.output
    assert "low / central / high" in result.output and "demand.agents_growth_per_year" in result.output
    document = json.loads(runner.invoke(cli, ["demand", "great-britain", "--json", "--band"]).output)
    cases = {row["case"]: row["tokens_per_s_peak"] for row in document["band"]}
    assert cases["low"] < cases["central"] < cases["high"]
    assert all(r["input_tokens_per_s_peak"] > 0 for r in document["forecast"])
