"""Names of the shipped grid networks, without loading any of them: what a scenario's ``grid.network`` may
say. Kept apart from ``planner.geo.grid`` (pandas, networkx, the network tables) because every scenario
check asks for them, including a study client that checks each of its points and solves none.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from planner.errors import DataError, Problem
from planner.resources import data_path

GTD_PREFIX = "gtd_"
FIXED_NETWORKS = ("none", "gb_nodal", "india_zonal")
GTD_ZONES_FILE = "gtd_zones.csv"


def gtd_countries(folder: Path | str | None = None) -> list[str]:
    """ISO3 codes of the countries the GTD splits into sub-national zones (``data/grid/gtd_zones.csv``)."""
    path = (Path(folder) if folder is not None else data_path("grid")) / GTD_ZONES_FILE
    return list(_countries_in(path, *_stamp(path)))


def known_networks() -> list[str]:
    """Every name ``grid.network`` accepts: the fixed ones, then ``gtd_<iso3>`` for each GTD country."""
    return [*FIXED_NETWORKS, *(GTD_PREFIX + iso3.lower() for iso3 in gtd_countries())]


def _stamp(path: Path) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError as error:
        raise DataError([Problem(str(path), "", f"cannot read grid table: {error}")]) from error
    return status.st_mtime_ns, status.st_size


@lru_cache(maxsize=8)
def _countries_in(path: Path, _mtime_ns: int, _size: int) -> tuple[str, ...]:
    """The file's distinct ``country`` values, sorted (cached per path and file version)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = csv.DictReader(handle)
            if rows.fieldnames is None or "country" not in rows.fieldnames:
                raise ValueError("no 'country' column")
            return tuple(sorted({row["country"] for row in rows}))
    except (OSError, ValueError) as error:
        raise DataError([Problem(str(path), "", f"cannot read grid table: {error}")]) from error
