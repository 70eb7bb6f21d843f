"""plan.json carries unmet_reasons, marginal_values and binding_constraints; the marginal-values table is
written beside the other tables and read back."""

import json

import pytest

import planner
from planner.demand.load_duration import marginal_lost_share
from planner.results import Plan

pytestmark = pytest.mark.solver


def test_plan_json_keys_and_table_round_trip(crafted_plans, tmp_path):
    plan = crafted_plans["grid"]
    folder = plan.to_dir(tmp_path / "grid")
    document = json.loads((folder / "plan.json").read_text())
    assert {"unmet_reasons", "marginal_values", "binding_constraints"} <= set(document)
    headroom = [v for v in document["marginal_values"] if v["constraint"] == "zone_headroom" and v["name"] == "GB"]
    assert headroom and headroom[0]["unit"] == "USD/year per MW" and headroom[0]["value"] > 0
    back = Plan.from_dir(folder)
    assert list(back.marginal_values.columns) == ["constraint", "name", "value", "unit"]
    assert len(back.marginal_values) == len(plan.marginal_values)
    assert back.metadata["unmet_reasons"] == document["unmet_reasons"]


def test_marginal_cost_of_unmet_demand_is_the_price_of_the_tokens_it_loses(crafted_plans):
    """Where a class's demand goes unmet, one more token/s of its daily profile costs its unmet penalty
    (10 USD/Mtok) times the share of those tokens lost: all of them where nothing is served, fewer where
    only the busiest minutes go unserved (``marginal_lost_share``)."""
    plan = crafted_plans["grid"]
    ratio = planner.load_scenario("great-britain").demand.classes["agentic"].peak_to_mean_ratio
    unmet = plan.unmet.set_index(["region", "service_class"])
    table = plan.marginal_values
    partly = [r for r in plan.metadata["unmet_reasons"] if r["service_class"] == "agentic"]
    assert partly
    for r in partly:
        row = unmet.loc[(r["region"], "agentic")]
        share = row["unmet_tokens_per_s"] / row["demand_tokens_per_s"]
        value = table[(table["constraint"] == "marginal_cost") & (table["name"] == f"{r['region']}/agentic")]
        expected = 10.0 * marginal_lost_share(share, ratio)
        assert value["value"].iloc[0] == pytest.approx(expected, rel=1e-6)
        assert value["value"].iloc[0] <= 10.0 * (1 + 1e-9)
    assert marginal_lost_share(1.0, ratio) == pytest.approx(1.0) and marginal_lost_share(0.01, ratio) < 0.2
