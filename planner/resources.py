"""Where the shipped reference data and model cards live.

In a source checkout (or an editable install) they are the top-level ``data/`` and ``models/`` folders;
in a wheel they are packaged as ``planner/_data`` and ``planner/_models``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"none of {[str(c) for c in candidates]} exists; is the installation complete?")


def data_dir() -> Path:
    """The reference data folder (``data/``)."""
    return _first_existing(_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent / "data")


def models_dir() -> Path:
    """The AI model architecture cards folder (``models/``)."""
    return _first_existing(_PACKAGE_DIR / "_models", _PACKAGE_DIR.parent / "models")


def data_path(*parts: str) -> Path:
    return data_dir().joinpath(*parts)


def scenarios_dir() -> Path:
    return data_path("scenarios")


def default_scenario_path() -> Path:
    """The embedded default scenario (the India reference scenario)."""
    return scenarios_dir() / "india.yaml"
