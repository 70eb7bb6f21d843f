"""The comparison report of a study folder (``planner report STUDY_DIR``): what it holds, checked against the
study's own results table and run folders."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.report import units
from planner.report.study import read_study
from planner.studies import load, percentiles

pytestmark = [pytest.mark.solver, pytest.mark.slow]


@pytest.fixture(scope="module")
def html(study_dir) -> str:
    return (study_dir / "report.html").read_text()


def _section(html: str, id_: str) -> str:
    found = re.search(rf'<section id="{id_}">(.*?)</section>', html, re.S)
    assert found, f"no section {id_}"
    return found.group(1)


def test_every_point_has_a_row_with_its_state_and_cost(study_dir, html):
    table = load(study_dir)
    results = _section(html, "results")
    body = re.search(r"<tbody>(.*?)</tbody>", results, re.S).group(1)
    assert body.count("<tr>") == len(table) == 6
    for _, row in table.iterrows():
        if row["state"] == "optimal":
            assert units.money(row["objective_usd"]) in results
    assert (table["state"] == "failed").sum() == 2


def test_money_and_penalties_are_apart_and_add_up(study_dir):
    data = read_study(study_dir)
    done = data.table[data.table["state"] == "optimal"]
    assert len(done) == 4
    total = done["cost_usd_per_year"] + done["penalty_usd_per_year"]
    assert ((total - done["objective_usd"]).abs() <= 1e-6 * done["objective_usd"]).all()


def test_run_links_point_at_the_run_folders(study_dir, html):
    links = re.findall(r'href="([^"]+)"', _section(html, "results"))
    assert len(links) == 4  # one per finished run; the failed ones have no folder
    for link in links:
        assert (study_dir / link).is_file() and link.endswith("plan.json")


def test_monte_carlo_percentiles_match_the_table(study_dir, html):
    section = _section(html, "monte_carlo")
    expected = percentiles(load(study_dir), ["objective_usd"], by="demand.agents_per_capita")
    for value in expected["p50"]:
        assert units.money(value) in section
    assert "<img" in section and "p95" in section


def test_failures_carry_their_messages_and_tracebacks(html):
    section = unescape(_section(html, "failures"))
    assert section.count("no cities of at least 100000000 people") >= 2
    assert "Traceback" in section or "traceback" in section


def test_pareto_front_and_outcome_charts(html):
    assert "Pareto front: yearly cost against unmet_share" in _section(html, "pareto")
    outcomes = _section(html, "outcomes")
    assert "<img" in outcomes and "Medians over the Monte Carlo draws" in outcomes


def test_names_are_escaped_and_nothing_is_fetched(html):
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; usage" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(http" not in html


def test_a_folder_that_is_neither_plan_nor_study_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "nor a study folder" in result.output and "Traceback" not in result.output


def test_report_written_elsewhere_links_back_to_the_runs(study_dir, tmp_path):
    out = tmp_path / "elsewhere" / "study.html"
    result = CliRunner().invoke(cli, ["report", str(study_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    links = re.findall(r'href="([^"]+plan\.json)"', out.read_text())
    assert links and all((out.parent / link).resolve().is_file() for link in links)
    assert Path(links[0]).parts[0] == ".."
