import json
import time

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.resources import data_path
from planner.roofline import load_workloads, serving_coefficients, training_flops_per_chip
from planner.roofline.validate import read_measurements, validate

pytestmark = pytest.mark.unit
CALIBRATION = data_path("calibration", "measured_throughput_calibration.csv")


def test_coefficient_table_shape_and_units(chips):
    table = serving_coefficients(chips, load_workloads())
    assert table.index.names == ["chip", "service_class"]
    assert list(table.columns) == ["tokens_per_s_per_chip", "avg_power_kw_per_chip", "tokens_per_joule",
                                   "replica_chips", "batch_size", "precision"]
    assert len(table) == 6
    assert (table["tokens_per_s_per_chip"] > 0).all()
    served = table["tokens_per_s_per_chip"] > 0
    expected = table["tokens_per_s_per_chip"] / (table["avg_power_kw_per_chip"] * 1000)
    assert np.allclose(table.loc[served, "tokens_per_joule"], expected[served])
    # more HBM bandwidth and capacity (H200-like) never serves fewer tokens than H100-like
    for klass in ("interactive", "agentic", "batch"):
        assert table.loc[("H200-like", klass), "tokens_per_s_per_chip"] >= table.loc[("H100-like", klass),
                                                                                     "tokens_per_s_per_chip"]


def test_chip_that_cannot_hold_the_models_gets_zero(make_chips):
    tiny = make_chips(hbm_bytes=[1e9, 141e9])
    table = serving_coefficients(tiny, load_workloads(["batch"]))
    assert table.loc[("H100-like", "batch"), "tokens_per_s_per_chip"] == 0
    assert table.loc[("H100-like", "batch"), "replica_chips"] == 0
    assert table.loc[("H200-like", "batch"), "tokens_per_s_per_chip"] > 0


def test_fp8_request_falls_back_to_bf16_without_fp8(make_chips):
    no_fp8 = make_chips(fp8_dense_flops=[np.nan, 1979e12])
    table = serving_coefficients(no_fp8, load_workloads(["interactive"]))
    assert table["precision"].tolist() == ["bf16", "fp8"]


def test_thirty_chips_three_classes_under_a_second(make_chips):
    many = pd.concat([make_chips()] * 15)
    many.index = pd.Index([f"c{i}" for i in range(30)], name="chip")
    workloads = load_workloads()
    serving_coefficients(many.iloc[:2], workloads)  # warm caches
    start = time.perf_counter()
    serving_coefficients(many, workloads)
    assert time.perf_counter() - start < 1.0


def test_training_flops(chips):
    fixed = training_flops_per_chip(chips, mfu=0.4)
    assert fixed["H100-like"] == pytest.approx(0.4 * 989e12)
    modelled = training_flops_per_chip(chips)
    assert 0.3 * 989e12 < modelled["H100-like"] < 0.5 * 989e12  # Llama 3 reports 38-43% MFU


def test_calibration_error_within_target():
    from planner.catalog import load_catalog

    result = validate(read_measurements(CALIBRATION), load_catalog())
    assert result["n_rows"] == 50 and result["n_mapped"] == 50
    assert result["median_abs_pct_error"] <= 15.0


def test_unmappable_rows_are_listed_with_reasons(tmp_path):
    from planner.catalog import load_catalog

    frame = read_measurements(CALIBRATION).head(2).copy()
    frame.loc[0, "hardware"] = "Quantum Toaster 9000"
    frame.loc[1, "metric"] = "time_to_train_minutes"
    result = validate(frame, load_catalog())
    assert result["n_mapped"] == 0
    reasons = " ".join(u["reason"] for u in result["unmapped"])
    assert "Quantum Toaster" in reasons and "time_to_train_minutes" in reasons


def test_cli_validate_json_and_bad_csv(tmp_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["roofline", "validate", str(CALIBRATION), "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert {"n_rows", "n_mapped", "median_abs_pct_error", "p90_abs_pct_error", "rows"} <= set(summary)
    bad = tmp_path / "bad.csv"
    bad.write_text("model,value\nx,1\n")
    out = runner.invoke(cli, ["roofline", "validate", str(bad)])
    assert out.exit_code == 2 and "missing column" in out.output


def test_cli_table_and_chart(tmp_path):
    chart = tmp_path / "roof.svg"
    out = CliRunner().invoke(cli, ["roofline", "--chip", "H100 SXM", "--model", "Llama-3.1-8B", "--chart", str(chart)])
    assert out.exit_code == 0, out.output
    assert "H100-SXM" in out.output and chart.stat().st_size > 1000
    out = CliRunner().invoke(cli, ["roofline", "--chip", "nonsense-chip"])
    assert out.exit_code == 2
