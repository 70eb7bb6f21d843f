"""Shared fixtures for the geo tests: where the (unshipped) latency calibration file would be."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CALIBRATION_CSV = REPO_ROOT.parent / "shared" / "data" / "latency_calibration" / "us_city_pairs_rtt.csv"


@pytest.fixture(scope="session")
def calibration_csv() -> Path:
    if not CALIBRATION_CSV.is_file():
        pytest.skip("latency calibration data (../shared/data/latency_calibration) is not available")
    return CALIBRATION_CSV
