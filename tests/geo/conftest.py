"""Shared fixtures for the geo tests: where the (unshipped) latency calibration files would be."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CALIBRATION_DIR = REPO_ROOT.parent / "shared" / "data" / "latency_calibration"
CALIBRATION_CSV = CALIBRATION_DIR / "us_city_pairs_rtt.csv"
WORLD_CALIBRATION_CSV = CALIBRATION_DIR / "city_pairs_rtt.csv"


def _required(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"latency calibration data (../shared/data/latency_calibration/{path.name}) is not available")
    return path


@pytest.fixture(scope="session")
def calibration_csv() -> Path:
    """300 US city pairs (WonderNetwork 2020)."""
    return _required(CALIBRATION_CSV)


@pytest.fixture(scope="session")
def world_calibration_csv() -> Path:
    """12,012 city pairs over 43 countries (WonderNetwork 2020)."""
    return _required(WORLD_CALIBRATION_CSV)
