"""``planner latency estimate`` and ``calibrate`` through the CLI."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import cli

pytestmark = pytest.mark.unit

PAIRS = "name,lat_a,lon_a,lat_b,lon_b\nldn-par,51.5074,-0.1278,48.8566,2.3522\nsame,51.5074,-0.1278,51.5074,-0.1278\n"


def test_estimate_to_stdout_keeps_columns(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(PAIRS)
    result = CliRunner().invoke(cli, ["latency", "estimate", str(path)])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(io.StringIO(result.output))
    assert list(out.columns) == ["name", "lat_a", "lon_a", "lat_b", "lon_b", "rtt_ms"]
    assert out.rtt_ms[0] > 343.6 / 100 and out.rtt_ms[1] < out.rtt_ms[0]


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


def test_calibrate_prints_errors_below_target(calibration_csv):
    result = CliRunner().invoke(cli, ["latency", "calibrate", str(calibration_csv), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["shipped"]["errors"]["median_abs_pct"] < 15.0
    assert report["holdout"]["holdout_errors"]["median_abs_pct"] < 15.0
