"""A six-scenario study on a real LocalCluster: one raising run recorded without stopping the others, 1 and 2
workers giving identical tables, a re-run redoing nothing."""

import json

import pandas as pd
import pytest
from study_files import RAISING_CASE, SMALL_SOLVER, write_study

from planner.errors import StudyError
from planner.studies import TIMING_COLUMNS, load, load_design, run_study
from planner.studies.store import StudyStore
from planner.studies.table import results_table

pytestmark = [pytest.mark.solver, pytest.mark.slow]

GRID = {"service_classes.interactive.rtt_budget_ms": [20, 40], "demand.agents_per_capita": [0.5, 1.0]}
CASES = [{"demand.agents_per_capita": 1.5}, RAISING_CASE]


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    path = write_study(tmp_path_factory.mktemp("study"), "six", grid=GRID, cases=CASES)
    return load_design(path)


@pytest.fixture(scope="module")
def two_workers(design, client, tmp_path_factory):
    out = tmp_path_factory.mktemp("two")
    return run_study(design, out, client=client), out


def test_six_runs_one_failure_recorded(design, two_workers):
    outcome, out = two_workers
    assert len(design.points) == len(design.runs) == 6
    table = outcome.table
    assert outcome.progress.done == 5 and outcome.progress.failed == 1
    failed = table[table["state"] == "failed"]
    assert len(failed) == 1 and failed["regions.min_city_population"].iloc[0] == 100_000_000
    assert "no cities of at least 100000000 people" in failed["message"].iloc[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"runs": 6, "done": 5, "failed": 1, "resumed": 0, "points": 6}
    failed_run = manifest["runs"][failed["scenario_hash"].iloc[0][:16]]
    assert failed_run["state"] == "failed" and failed_run["traceback"]
    for digest in table.loc[table["state"] != "failed", "scenario_hash"]:
        assert (out / "runs" / digest[:16] / "plan.json").exists()
        assert json.loads((out / "runs" / digest[:16] / "plan.json").read_text())["scenario_hash"] == digest
    assert not (out / "runs" / failed["scenario_hash"].iloc[0][:16]).exists()


def test_runs_proven_within_their_gap(two_workers):
    table = two_workers[0].table
    good = table[table["state"] != "failed"]
    assert (good["state"] == "optimal").all()
    assert (good["gap"] <= SMALL_SOLVER["mip_gap"]).all() and good["verified"].all()
    # more agents per person never costs less at the same latency budget
    for _, same_budget in good.groupby("service_classes.interactive.rtt_budget_ms"):
        ordered = same_budget.sort_values("demand.agents_per_capita")
        assert ordered["objective_usd"].is_monotonic_increasing


def test_results_table_round_trips_through_parquet(two_workers):
    outcome, out = two_workers
    pd.testing.assert_frame_equal(load(out), pd.read_parquet(out / "results.parquet"))
    assert list(load(out)["point"]) == list(range(6))


def test_one_and_two_workers_give_identical_tables(design, two_workers, tmp_path):
    one = run_study(design, tmp_path, workers=1)
    timing = list(TIMING_COLUMNS)
    pd.testing.assert_frame_equal(load(tmp_path).drop(columns=timing), load(two_workers[1]).drop(columns=timing))
    assert one.progress.done == 5
    # its own cluster: the phases of the call; on the shared client, none of the cluster's
    assert set(one.timings_s) == {"cluster_start_s", "runs_s", "table_s", "close_s"}
    assert set(two_workers[0].timings_s) == {"runs_s", "table_s"}
    finished = one.table[one.table["state"] == "optimal"]
    assert (finished["cpu_s"] > 0).all()


def test_rerun_redoes_nothing_and_retries_the_failure(design, two_workers, client):
    outcome, out = two_workers
    records = {p: p.read_text() for p in (out / "runs").glob("*/run.json")}
    again = run_study(design, out, client=client)
    assert again.progress.resumed == 5 and again.progress.failed == 1
    assert {p: p.read_text() for p in (out / "runs").glob("*/run.json")} == records
    manifest = json.loads((out / "manifest.json").read_text())
    attempts = {entry["state"]: entry["attempts"] for entry in manifest["runs"].values()}
    assert attempts == {"optimal": 1, "failed": 2}


def test_outputs_by_plan_json_key_and_an_unknown_one(two_workers):
    store = StudyStore(two_workers[1])
    manifest = store.read_manifest()
    table = results_table(store, {**manifest, "outputs": ["problem_size.n_variables", "solver_options.threads"]})
    good = table[table["state"] == "optimal"]
    assert (good["solver_options.threads"] == 1).all() and (good["problem_size.n_variables"] > 0).all()
    with pytest.raises(StudyError) as caught:
        results_table(store, {**manifest, "outputs": ["objective_usd", "cost_usd_per_yr"]})
    assert [p.key_path for p in caught.value.problems] == ["outputs.1"]
    assert "chips_total" in str(caught.value) and "bound_usd" in str(caught.value)


def test_outputs_collected_by_the_workers_match_their_folders(two_workers):
    store = StudyStore(two_workers[1])
    manifest = store.read_manifest()
    recorded = results_table(store, manifest)
    for record in (two_workers[1] / "runs").glob("*/run.json"):
        assert json.loads(record.read_text())["output_names"] == manifest["outputs"]
    # an output list in another order is collected again from the plan folders
    reread = results_table(store, {**manifest, "outputs": list(reversed(manifest["outputs"]))})
    pd.testing.assert_frame_equal(recorded, reread[recorded.columns], check_exact=False, rtol=1e-12)
    assert "outputs" not in next(iter(manifest["runs"].values()))  # kept in run.json, not in the manifest


def test_study_report_compares_the_runs(two_workers, tmp_path):
    pytest.importorskip("jinja2", reason="the report extra is not installed")
    from planner.report import write_study_report

    html = write_study_report(two_workers[1], tmp_path / "study.html").read_text()
    assert 'id="monte_carlo"' not in html  # no draws, no distributions
    assert "Pareto front: yearly cost against service_classes.interactive.rtt_budget_ms" in html
    assert 'id="outcomes"' in html and 'id="failures"' in html
    assert html.count("plan.json") == 5
