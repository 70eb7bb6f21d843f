"""Shared fixtures: the OR-Library samples shipped in tests/data/orlib and a writer for small bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

ORLIB = Path(__file__).resolve().parent.parent / "data" / "orlib"


@pytest.fixture
def orlib_dir() -> Path:
    return ORLIB


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text) -> path of a file holding text."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write
