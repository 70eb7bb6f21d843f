"""plan.json carries unmet_reasons, marginal_values and binding_constraints; the marginal-values table is
written beside the other tables and read back."""

import json

import pytest

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


def test_marginal_cost_of_unmet_demand_is_its_penalty(crafted_plans):
    """Where a class's demand is partly unmet, one more token costs its unmet penalty (10 USD/Mtok)."""
    plan = crafted_plans["grid"]
    table = plan.marginal_values
    partly = [r for r in plan.metadata["unmet_reasons"] if r["service_class"] == "agentic"]
    assert partly
    for r in partly:
        row = table[(table["constraint"] == "marginal_cost") & (table["name"] == f"{r['region']}/agentic")]
        assert row["value"].iloc[0] == pytest.approx(10.0, rel=1e-6)
