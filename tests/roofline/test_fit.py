"""The factor fit recovers known factors, and cross-validation never sees the held-out rows."""

from dataclasses import replace

import pytest

from planner.catalog import load_catalog
from planner.resources import data_path
from planner.roofline import DEFAULT_EFFICIENCY
from planner.roofline.fit import FACTORS, fit, server_load_factor
from planner.roofline.validate import map_rows, predict, read_measurements

pytestmark = pytest.mark.unit
CALIBRATION = data_path("calibration", "measured_throughput_calibration.csv")


def _rows(kind_metric: str):
    frame = read_measurements(CALIBRATION)
    return frame[frame["metric"] == kind_metric].copy()


def test_fit_recovers_the_gemm_factors_that_generated_synthetic_measurements():
    chips = load_catalog()
    frame = _rows("gemm_time_ms")
    truth = replace(DEFAULT_EFFICIENCY, compute=0.62, memory=0.81)
    mapped, _ = map_rows(frame, chips)
    synthetic = predict(mapped, chips, truth)
    frame["value"] = [synthetic[i] for i in frame.index]
    fitted, report = fit(map_rows(frame, chips)[0], chips)
    assert fitted.compute == pytest.approx(0.62, rel=0.02)
    assert fitted.memory == pytest.approx(0.81, rel=0.02)
    assert report["compute"]["rows"] == len(frame) == 14


def test_a_group_without_rows_gets_its_published_prior_not_a_fit():
    chips = load_catalog()
    mapped, _ = map_rows(_rows("gemm_time_ms"), chips)
    fitted, _ = fit(mapped, chips, start=replace(DEFAULT_EFFICIENCY, train_system=0.33, host_power_fraction=0.01))
    priors = {f.name: f.prior for f in FACTORS}
    assert fitted.train_system == priors["train_system"]
    assert fitted.host_power_fraction == priors["host_power_fraction"]


def test_server_load_factor_is_the_median_server_over_offline_ratio_of_the_same_systems():
    frame = read_measurements(CALIBRATION)
    frame = frame[frame["metric"] == "output_tokens_per_s_system"].head(4)  # two systems, Offline + Server
    mapped, _ = map_rows(frame, load_catalog())
    values = frame["value"].tolist()
    expected = sorted([values[1] / values[0], values[3] / values[2]])
    assert server_load_factor(mapped) == pytest.approx(sum(expected) / 2)
