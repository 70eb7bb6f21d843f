"""``planner latency estimate`` and ``calibrate`` through the CLI."""

from __future__ import annotations

import io
import itertools
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.geo import latency as lat

pytestmark = pytest.mark.unit

PAIRS = "name,lat_a,lon_a,lat_b,lon_b\nldn-par,51.5074,-0.1278,48.8566,2.3522\nsame,51.5074,-0.1278,51.5074,-0.1278\n"
CITIES = [("London", "GB", 51.51, -0.13), ("Manchester", "GB", 53.48, -2.24), ("Edinburgh", "GB", 55.95, -3.19),
          ("Paris", "FR", 48.86, 2.35), ("Lyon", "FR", 45.76, 4.84), ("Marseille", "FR", 43.30, 5.37),
          ("Berlin", "DE", 52.52, 13.40), ("Munich", "DE", 48.14, 11.58), ("Hamburg", "DE", 53.55, 9.99),
          ("Madrid", "ES", 40.42, -3.70), ("Barcelona", "ES", 41.39, 2.17)]


def test_estimate_to_stdout_keeps_columns(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(PAIRS)
    result = CliRunner().invoke(cli, ["latency", "estimate", str(path)])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(io.StringIO(result.output))
    assert list(out.columns) == ["name", "lat_a", "lon_a", "lat_b", "lon_b", "rtt_ms"]
    assert out.rtt_ms[0] > 343.6 / 100 and out.rtt_ms[1] < out.rtt_ms[0]


def test_estimate_percentiles_are_ordered(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(PAIRS)
    values = {}
    for percentile in ("min", "p50", "p90"):
        result = CliRunner().invoke(cli, ["latency", "estimate", str(path), "--percentile", percentile])
        assert result.exit_code == 0, result.output
        values[percentile] = pd.read_csv(io.StringIO(result.output)).rtt_ms[0]
    assert values["p50"] < values["p90"]
    assert values["min"] == pytest.approx(lat.rtt_ms(51.5074, -0.1278, 48.8566, 2.3522, percentile="min"), abs=1e-3)


def test_estimate_writes_file(tmp_path):
    path, out = tmp_path / "pairs.csv", tmp_path / "rtt.csv"
    path.write_text(PAIRS)
    result = CliRunner().invoke(cli, ["latency", "estimate", str(path), "--out", str(out)])
    assert result.exit_code == 0 and result.output == ""
    assert len(pd.read_csv(out)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.csv", "rtt.csv"]  # no temporary file left


def test_estimate_reports_every_bad_cell_and_exits_2(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("lat_a,lon_a,lat_b\n95,abc,0\n,0,0\n")
    result = CliRunner().invoke(cli, ["latency", "estimate", str(path)])
    assert result.exit_code == 2
    for expected in ("lon_b: required column is missing", "row 1, column lat_a", "row 1, column lon_a",
                     "row 2, column lat_a"):
        assert expected in result.output
    assert "Traceback" not in result.output


def test_estimate_missing_file_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["latency", "estimate", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2


@pytest.fixture(scope="module")
def synthetic_pairs(tmp_path_factory):
    """All pairs of 11 European cities in 4 countries, 'measured' = shipped model x 10 % log-normal noise."""
    rows = [(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]) for a, b in itertools.combinations(CITIES, 2)]
    frame = pd.DataFrame(rows, columns=["city_a", "country_a", "lat_a", "lon_a", "city_b", "country_b", "lat_b",
                                        "lon_b"])
    model_ms = lat.rtt_ms(frame.lat_a, frame.lon_a, frame.lat_b, frame.lon_b, percentile="min")
    frame["rtt_min_ms"] = model_ms * np.random.default_rng(7).lognormal(0.0, 0.1, len(frame))
    path = tmp_path_factory.mktemp("latency") / "pairs.csv"
    frame.to_csv(path, index=False)
    return path


def test_calibrate_with_country_cv_json_and_out(synthetic_pairs, tmp_path):
    out = tmp_path / "model.yaml"
    result = CliRunner().invoke(cli, ["latency", "calibrate", str(synthetic_pairs), "--cv", "country", "--json",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_pairs"] == 55 and report["cv_country"]["n_folds"] == 4
    loco = report["cv_country"]["errors"]
    assert set(loco["domestic_by_country"]) == {"GB", "FR", "DE", "ES"}
    assert {"all", "under_500_km", "domestic", "international", "domestic_country_median_pct",
            "by_distance"} <= set(loco)
    # the data are the shipped model plus 10 % noise: its own error is about the noise (median |e| ~ 7 %)
    assert report["shipped"]["errors"]["all"]["median_abs_pct"] < 12.0
    model = lat.load_latency_model(out)
    assert model.residual_bands[0].p50 < model.residual_bands[0].p90
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_calibrate_prints_the_tables(synthetic_pairs):
    result = CliRunner().invoke(cli, ["latency", "calibrate", str(synthetic_pairs), "--cv", "country"])
    assert result.exit_code == 0, result.output
    for expected in ("LOCO", "under 500 km", "domestic, median country", "international", "250-500 km",
                     "domestic pairs by country", "p90"):
        assert expected in result.output


def test_calibrate_missing_quantity_exits_2(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(PAIRS)
    result = CliRunner().invoke(cli, ["latency", "calibrate", str(path)])
    assert result.exit_code == 2 and "rtt_min_ms: required column is missing" in result.output


def test_calibrate_us_pairs(calibration_csv):
    result = CliRunner().invoke(cli, ["latency", "calibrate", str(calibration_csv), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_pairs"] == 300
    assert report["shipped"]["errors"]["all"]["median_abs_pct"] < 25.0


@pytest.mark.slow
def test_calibrate_world_pairs_leave_one_country_out(world_calibration_csv):
    """The figures of docs/latency.md, printed by the command (about 25 s of CPU)."""
    result = CliRunner().invoke(cli, ["latency", "calibrate", str(world_calibration_csv), "--cv", "country", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_pairs"] == 12012 and report["cv_country"]["n_folds"] == 43
    loco = report["cv_country"]["errors"]
    # the previous, US-fitted model scored 15.1 % on all pairs, 34.7 % under 500 km and a 48.1 % median of
    # the countries' domestic medians; these are the leave-one-country-out errors of the shipped model
    assert loco["all"]["median_abs_pct"] < 16.5
    assert loco["under_500_km"]["median_abs_pct"] < 36.5
    assert loco["domestic_country_median_pct"] < 27.0
    shipped = lat.load_latency_model()
    refit = report["refit"]["constants"]
    assert refit["inflation"]["international"] == pytest.approx(shipped.inflation["international"], abs=0.02)
