"""Plans round-trip through their result folder, and writing never leaves a half-written folder."""

import json

import pytest

from known_answers import two_towns
from planner.extract import extract
from planner.mip.build import build_model
from planner.results import Plan
from planner.solve import SolveOptions, solve

pytestmark = pytest.mark.solver


@pytest.fixture(scope="module")
def plan():
    inputs = two_towns()
    model = build_model(inputs)
    return extract(model, inputs, solve(model, SolveOptions(mip_gap=0.0)), "hash")


@pytest.mark.parametrize("table_format", ["csv", "parquet"])
def test_round_trip(tmp_path, plan, table_format):
    plan.to_dir(tmp_path / "out", table_format)
    loaded = Plan.from_dir(tmp_path / "out")
    assert loaded.objective_usd == pytest.approx(plan.objective_usd)
    assert loaded.status == plan.status
    assert loaded.fleet[["site", "chip", "chips"]].equals(plan.fleet[["site", "chip", "chips"]])
    assert loaded.sites["is_open"].tolist() == plan.sites["is_open"].tolist()


def test_failed_write_keeps_previous_result(tmp_path, plan, monkeypatch):
    target = tmp_path / "out"
    plan.to_dir(target)
    before = (target / "plan.json").read_text()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("pandas.DataFrame.to_csv", broken)
    with pytest.raises(OSError):
        plan.to_dir(target)
    assert (target / "plan.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_summary_and_html(plan):
    text = plan.summary()
    assert "346,000" not in text  # money is shown in display units
    assert "0.3 M USD" in text and "Sites opened" in text
    assert "<table>" in plan._repr_html_()
    assert json.loads(json.dumps(plan.to_json_dict()))["status"] == "optimal"
