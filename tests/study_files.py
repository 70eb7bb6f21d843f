"""Small study files for the study tests. A uniquely named module: conftest files of different folders all
import as ``conftest`` and would collide."""

from pathlib import Path

import yaml

# India with three demand regions of its larger cities and no training: each run takes about a second.
SMALL_SET = {"regions.count": 3, "regions.min_city_population": 300_000, "demand.training": None}
SMALL_SOLVER = {"time_limit_s": 120, "mip_gap": 0.002}
RAISING_CASE = {"regions.min_city_population": 100_000_000}  # valid, but no city is that large: the run raises


def write_study(directory: Path, name: str, **sections) -> Path:
    study = {"name": name, "base": "india", "set": dict(SMALL_SET), "solver": dict(SMALL_SOLVER), **sections}
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path
