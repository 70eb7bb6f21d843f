"""The report's content from a solved plan: key figures, escaping, no external resources, the assumptions
appendix, money apart from penalties, and sections that appear only when the plan has their data."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.report import build_report, units
from planner.report.summary import money_and_penalties
from planner.results import Plan
from planner.resources import scenarios_dir

pytestmark = [pytest.mark.solver, pytest.mark.slow]

RESOURCE = re.compile(r"""(?:\bsrc|\bhref|\bsrcset|\baction|\bposter|\bdata)\s*=\s*["']?\s*([^"'\s>]+)|url\(\s*["']?([^"')]+)|@import""",
                      re.IGNORECASE)


@pytest.fixture(scope="module")
def plans(solved_dirs) -> dict[str, Plan]:
    return {name: Plan.from_dir(folder) for name, folder in solved_dirs.items()}


def _opened(plan: Plan) -> pd.DataFrame:
    return plan.sites[plan.sites["is_open"].astype(bool)]


@pytest.mark.parametrize("name", ["india", "great-britain"])
def test_report_states_cost_sites_and_mw(solved_dirs, plans, name):
    html = (solved_dirs[name] / "report.html").read_text(encoding="utf-8")
    plan = plans[name]
    opened = _opened(plan)
    assert len(opened) >= 1
    assert units.money(plan.objective_usd, per_year=True) in html
    for site, row in opened.iterrows():
        assert site in html
        assert units.power_mw(row["it_mw"]) in html
    assert units.power_mw(opened["it_mw"].sum()) in html
    assert html.count("data:image/png;base64,") >= 5  # map and charts inline


@pytest.mark.parametrize("name", ["india", "great-britain"])
def test_report_loads_nothing_from_outside(solved_dirs, name):
    html = (solved_dirs[name] / "report.html").read_text(encoding="utf-8")
    references = [a or b or "@import" for a, b in RESOURCE.findall(html)]
    assert references, "the pattern must see the inline images"
    external = [r for r in references if not r.startswith(("data:", "#"))]
    assert not external
    assert not re.search(r"<(script|link|iframe|object|embed)\b", html, re.IGNORECASE)
    # source URLs are quoted as text in the data-sources appendix only, never as links
    outside_sources = re.sub(r"Appendix B\..*?(?=Appendix C\.)", "", html, flags=re.DOTALL)
    assert "Appendix C." in outside_sources and "https://" in html
    assert not re.search(r"https?://", outside_sources)


def test_names_with_html_characters_are_escaped(plans):
    plan = plans["great-britain"]
    victim = _opened(plan).index[0]
    hostile = '<script>alert("x")</script> & Sons $5'
    renamed = replace(plan, sites=plan.sites.rename(index={victim: hostile}),
                      fleet=plan.fleet.replace({"site": {victim: hostile}}),
                      allocation=plan.allocation.replace({"site": {victim: hostile}}),
                      serving=plan.serving.replace({"site": {victim: hostile}}))
    html = build_report(renamed).html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons $5" in html


def test_money_and_penalties_add_up_to_the_objective(plans):
    for plan in plans.values():
        money, penalty = money_and_penalties(plan)
        assert money > 0 and penalty >= 0
        assert money + penalty == pytest.approx(plan.objective_usd, rel=1e-9)
        latency = float(plan.costs.set_index("component").at["latency", "usd_per_year"])
        assert penalty >= latency  # latency quality is a penalty, never counted as money


def test_optional_sections_appear_only_with_their_data(solved_dirs, plans):
    plan = plans["great-britain"]
    site = _opened(plan).index[0]
    region = plan.unmet["region"].iloc[0]
    extra = {"unmet_reasons": [{"region": region, "service_class": "interactive", "tokens_per_s": 5.0,
                                "reason": "no site within the round-trip budget", "constraint": "latency"}],
             "marginal_values": [{"constraint": "zone_headroom", "name": "GB", "value": 2.1e6, "unit": "USD/year per MW"}],
             "binding_constraints": [{"constraint": "site_power_limit", "name": site, "slack": 0.0}],
             "cost_per_million_tokens_usd": {"national": 0.0123, "by_class": {"interactive": 0.02, "batch": 0.01}},
             "cost_usd_by_year": {"2027": 1e8, "2030": 3e8},
             "cost_usd_per_year": 1.5e9, "penalty_usd_per_year": 2.5e8}
    unmet = plan.unmet.copy()
    unmet.loc[(unmet["region"] == region) & (unmet["service_class"] == "interactive"), "unmet_tokens_per_s"] = 5.0
    # the solved plan itself carries the explain stage's sections: the plain report is the plan without them
    plain = build_report(replace(plan, metadata={k: v for k, v in plan.metadata.items() if k not in extra})).html
    rich = build_report(replace(plan, unmet=unmet, metadata={**plan.metadata, **extra})).html
    for marker in ('id="schedule"', 'id="binding_constraints"', 'id="marginal_values"', 'id="cost_per_token"',
                   "no site within the round-trip budget", "USD/year per MW", "0.012 USD per million tokens",
                   f"site_power_limit {site}", units.money(2.5e8, per_year=True)):
        assert marker in rich and marker not in plain, marker


def test_an_old_plan_without_report_metadata_still_renders(plans):
    plan = plans["india"]
    bare = {k: v for k, v in plan.metadata.items() if k not in {"scenario_source", "regions", "chip_policy", "policy"}}
    html = build_report(replace(plan, metadata=bare)).html
    assert units.money(plan.objective_usd, per_year=True) in html
    assert "does not carry its scenario files" in html


def test_appendix_lists_every_labelled_scenario_number_with_its_note(solved_dirs):
    html = (solved_dirs["great-britain"] / "report.html").read_text(encoding="utf-8")
    assert "<td>regions.count=4</td>" not in html and "<td>--set</td>" in html
    entry = (scenarios_dir() / "great-britain.yaml").read_text()
    for path in (scenarios_dir() / "base.yaml", scenarios_dir() / "great-britain.yaml"):
        for line in path.read_text().splitlines():
            code, _, comment = line.partition("#")
            key = code.split(":", 1)[0].strip()
            replaced = key == "count" or (  # the small solve overrides regions.count
                path.name == "base.yaml" and re.search(rf"^\s*{re.escape(key)}:", entry, re.MULTILINE))
            if re.search(r":\s*-?\d", code) and re.search(r"\b(source|assumption):", comment) and not replaced:
                note = comment.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                note = note.replace('"', "&#34;").replace("'", "&#39;")
                assert note in html, line


def test_report_command_writes_html_and_explains_missing_pdf_extra(solved_dirs, tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", str(solved_dirs["india"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    monkeypatch.setitem(__import__("sys").modules, "weasyprint", None)  # as if the pdf extra were not installed
    result = CliRunner().invoke(cli, ["report", str(solved_dirs["india"]), "--out", str(tmp_path / "p.html"), "--pdf"])
    assert result.exit_code == 2
    assert "pip install 'planner[pdf]'" in result.output
    assert not (tmp_path / "p.html").exists()  # nothing half-written


def test_plan_json_carries_what_the_report_needs(solved_dirs):
    document = json.loads((solved_dirs["great-britain"] / "plan.json").read_text())
    assert [f["name"] for f in document["scenario_source"]["files"]] == ["base.yaml", "great-britain.yaml"]
    assert document["scenario_source"]["overrides"] == ["regions.count=4"]
    assert len(document["regions"]) == 4 and {"region", "lat", "lon", "population"} <= set(document["regions"][0])
    fleet_chips = set(pd.read_csv(solved_dirs["great-britain"] / "fleet.csv")["chip"])
    assert fleet_chips <= set(document["chip_policy"])


def test_pdf_is_written_when_weasyprint_is_installed(solved_dirs, tmp_path):
    pytest.importorskip("weasyprint", reason="the pdf extra (WeasyPrint) is not installed")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", str(solved_dirs["great-britain"]), "--out", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
