"""The report's parts that need no solve: the assumptions appendix read from the scenario files, the units
and the command's input errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.report import units
from planner.report.assumptions import scenario_values
from planner.report.scenario_source import capture, rebuild

pytestmark = pytest.mark.unit


def test_scenario_values_follow_the_merge_and_overrides():
    rows = {r.key: r for r in scenario_values(capture("great-britain", ["demand.agents_per_capita=2.5"]))}
    assert rows["regions.count"].origin == "great-britain.yaml" and rows["regions.count"].value == "12"
    assert rows["regions.method"].origin == "base.yaml" and rows["regions.method"].kind == "assumption"
    assert rows["demand.agents_per_capita"].origin == "--set" and rows["demand.agents_per_capita"].value == "2.5"
    assert rows["costs.energy_usd_per_mwh"].note.startswith("source: Ember GB wholesale")
    assert rows["sites.Belfast"].kind == "source" and "100 MW" in rows["sites.Belfast"].note
    assert rows["description"].note == ""  # a block of text has no comment of its own
    assert not [r for r in rows.values() if r.kind == "unlabelled"]


def test_schema_defaults_are_listed_as_such():
    source = capture("india")
    rows = scenario_values(source, rebuild(source).model_dump(mode="json"))
    defaults = {r.key for r in rows if r.kind == "default"}
    assert "regions.seed" in defaults and "regions.count" not in defaults
    assert len({r.key for r in rows}) == len(rows)


def test_report_command_rejects_a_folder_without_a_plan(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a plan folder" in result.output
    assert "Traceback" not in result.output


def test_display_units():
    assert units.money(6.693e9, per_year=True) == "6.69 bn USD/year"
    assert units.money(82.9e6) == "82.9 M USD"
    assert units.power_mw(607.54) == "607.5 MW" and units.power_mw(25_000) == "25.00 GW"
    assert units.tokens_per_s(867.95e6) == "867.95 M tokens/s"
    assert units.share(0.0004, 2) == "0.04%"
    assert units.money(float("nan")) == units.power_mw(None) == "n/a"


def test_capture_follows_extends_to_a_shipped_base(tmp_path):
    scenario = tmp_path / "mine.yaml"
    scenario.write_text("extends: base.yaml\nname: mine\n")  # base.yaml is not beside it: the shipped one
    source = capture(scenario)
    assert [name for name, _ in source.files] == ["base.yaml", "mine.yaml"]
    rows = {r.key: r for r in scenario_values(source)}
    assert rows["name"].origin == "mine.yaml" and rows["costs.discount_rate"].origin == "base.yaml"
