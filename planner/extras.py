"""Optional extras: checked before any work starts, so a missing package costs no solve and shows no
traceback, only the command that installs it."""

from __future__ import annotations

from importlib.util import find_spec

from planner.errors import PlannerError

EXTRA_MODULES = {
    "parquet": ("pyarrow",),
    "plot": ("matplotlib",),
    "report": ("jinja2", "matplotlib"),
    "pdf": ("weasyprint", "jinja2", "matplotlib"),
    "sweep": ("dask", "distributed"),
    "notebooks": ("nbclient", "nbformat"),
    "netcdf": ("xarray", "netCDF4"),
}


class MissingExtraError(PlannerError):
    """An optional feature was asked for and the package behind it is not installed."""


def missing_modules(extra: str) -> list[str]:
    return [name for name in EXTRA_MODULES[extra] if find_spec(name) is None]


def require_extra(extra: str, feature: str) -> None:
    """Raise ``MissingExtraError`` naming ``feature`` and the install command unless ``extra`` is installed."""
    missing = missing_modules(extra)
    if missing:
        raise MissingExtraError(f"{feature} needs {', '.join(missing)}, which is not installed; "
                                f"install it with: pip install 'planner[{extra}]'")
