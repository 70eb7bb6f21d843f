import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.resources import data_path
from planner.roofline import load_workloads, serving_coefficients, training_flops_per_chip, training_power_kw_per_chip
from planner.roofline.validate import read_measurements, validate

pytestmark = pytest.mark.unit
CALIBRATION = data_path("calibration", "measured_throughput_calibration.csv")


def test_coefficient_table_shape_and_units(chips):
    table = serving_coefficients(chips, load_workloads())
    assert table.index.names == ["chip", "service_class"]
    assert list(table.columns) == ["tokens_per_s_per_chip", "avg_power_kw_per_chip", "power_avg_kw_per_chip",
                                   "power_peak_kw_per_chip", "tokens_per_joule", "replica_chips", "batch_size",
                                   "precision", "prefill_time_share"]
    assert table["prefill_time_share"].between(0, 1).all()
    assert (table["power_peak_kw_per_chip"] >= table["power_avg_kw_per_chip"]).all()
    assert (table["power_peak_kw_per_chip"] <= 0.7 * 1.9).all()  # never above TDP + the host's peak share
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


def test_training_flops_and_power(chips):
    fixed = training_flops_per_chip(chips, mfu=0.4)
    assert fixed["H100-like"] == pytest.approx(0.4 * 989e12)
    modelled = training_flops_per_chip(chips)
    assert 0.3 * 989e12 < modelled["H100-like"] < 0.55 * 989e12  # Llama 3 reports 38-43% MFU
    power = training_power_kw_per_chip(chips)
    assert list(power.columns) == ["power_avg_kw_per_chip", "power_peak_kw_per_chip"]
    assert (power["power_avg_kw_per_chip"] < power["power_peak_kw_per_chip"]).all()
    assert (power["power_avg_kw_per_chip"] > 0.7).all()  # a training chip near its TDP plus host share


def test_fp4_on_a_chip_without_a_faster_fp4_rate_runs_fp8(make_chips):
    from planner.roofline.workloads import WorkloadProfile

    # H200-like: FP4 at the FP8 rate -> no submitter would pick it, and it must not gain; H100-like: 2x peak
    fp4 = make_chips(fp4_dense_flops=[3958e12, 1979e12])
    base = load_workloads(["interactive", "batch"])
    as_fp4 = {k: WorkloadProfile(**{**w.__dict__, "precision": "fp4"}) for k, w in base.items()}
    with_fp8 = serving_coefficients(fp4, base)
    with_fp4 = serving_coefficients(fp4, as_fp4)
    assert (with_fp4.xs("H200-like", level="chip")["precision"] == "fp8").all()
    assert (with_fp4.xs("H200-like", level="chip")["tokens_per_s_per_chip"]
            == with_fp8.xs("H200-like", level="chip")["tokens_per_s_per_chip"]).all()
    assert (with_fp4.xs("H100-like", level="chip")["tokens_per_s_per_chip"]
            > with_fp8.xs("H100-like", level="chip")["tokens_per_s_per_chip"]).all()


def test_every_calibration_row_is_mapped_and_in_sample_errors_are_reported():
    from planner.catalog import load_catalog

    frame = read_measurements(CALIBRATION)
    result = validate(frame, load_catalog())
    assert result["n_rows"] == len(frame) == 242
    assert result["n_mapped"] == 242 and result["unmapped"] == []
    groups = result["groups"]
    assert groups["inference"]["n"] == 104 and groups["training"]["n"] == 116
    # in-sample (DEFAULT_EFFICIENCY is the fit on this file); the out-of-sample figures are the benchmark's
    assert groups["inference"]["median_abs_pct_error"] <= 15.0
    assert groups["training"]["median_abs_pct_error"] <= 15.0
    assert groups["gemm"]["median_abs_pct_error"] <= 10.0


def test_samples_to_converge_interpolates_in_log_batch():
    from planner.roofline.validate import samples_to_converge

    table = {1152: 322560, 2304: 384000}
    assert samples_to_converge(table, 1152) == 322560
    assert samples_to_converge(table, 1152 * 2**0.5) == pytest.approx((322560 + 384000) / 2)
    assert samples_to_converge(table, 576) == pytest.approx(322560 - 61440)


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


@pytest.mark.slow
def test_cli_table_and_chart(tmp_path):
    chart = tmp_path / "roof.svg"
    out = CliRunner().invoke(cli, ["roofline", "--chip", "H100 SXM", "--model", "Llama-3.1-8B", "--chart", str(chart)])
    assert out.exit_code == 0, out.output
    assert "H100-SXM" in out.output and chart.stat().st_size > 1000
    out = CliRunner().invoke(cli, ["roofline", "--chip", "nonsense-chip"])
    assert out.exit_code == 2
