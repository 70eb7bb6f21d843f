"""The accelerator catalog: vendor specs in, canonical units and export-control metrics out.

The data file holds figures as vendors print them (TFLOPS, GB, TB/s, W); this loader validates every row
(collecting all problems at once), converts to canonical units (FLOP/s, bytes, bytes/s, kW) and derives the
two export-control metrics, which are never typed in:

- TPP = max over formats of dense TOPS x bit length (ECCN 3A090 technical note; H100 SXM: 1979 x 8 = 15,832);
- performance density (PD) = TPP / logic die area in mm2 (NaN when the die area is unpublished).
"""

from __future__ import annotations

import difflib
import math
import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.catalog.countries import is_country, suggest_country
from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.units import GIGA, TERA, W_PER_KW

CATALOG_FILE = ("accelerators", "accelerators.csv")
ALIASES_FILE = ("accelerators", "aliases.csv")

#: dense-throughput column in the data file -> (canonical column, bit length used for TPP)
FORMATS: dict[str, tuple[str, int]] = {
    "bf16_dense_tflops": ("bf16_dense_flops", 16),
    "fp8_dense_tflops": ("fp8_dense_flops", 8),
    "int8_dense_tops": ("int8_dense_ops", 8),
    "fp4_dense_tflops": ("fp4_dense_flops", 4),
}
DERIVED_COLUMNS = ("tpp", "performance_density")

#: the columns of ``load_catalog()``'s result, in order (index: ``chip``)
COLUMNS = (
    "name", "vendor", "origin_country", "form_factor", "release_year",
    *(canonical for canonical, _ in FORMATS.values()),
    "hbm_bytes", "hbm_bandwidth_bytes_per_s", "tdp_kw", "logic_die_area_mm2", "scaleup_bandwidth_bytes_per_s",
    "scaleup_domain_chips", "scaleout_bandwidth_bytes_per_s", "is_datacenter", "cooling", "price_usd",
    "price_note", "cloud_usd_per_chip_hour", "lifetime_years",
    "is_estimate", "estimate_note", "source", *DERIVED_COLUMNS,
)


class Cooling(StrEnum):
    """What the vendor's reference system needs."""

    AIR = "air"
    LIQUID = "liquid"


class AcceleratorRow(BaseModel):
    """One row of ``accelerators.csv``, in the units the vendors print."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chip: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]*$", description="short id, no spaces")
    name: str = Field(min_length=1, description="full marketing name")
    vendor: str = Field(min_length=1)
    origin_country: str = Field(description="ISO3 of the designer's headquarters")
    form_factor: str = Field(min_length=1)
    release_year: int = Field(ge=2000, le=2100)
    bf16_dense_tflops: float | None = Field(default=None, gt=0)
    fp8_dense_tflops: float | None = Field(default=None, gt=0)
    int8_dense_tops: float | None = Field(default=None, gt=0)
    fp4_dense_tflops: float | None = Field(default=None, gt=0)
    hbm_gb: float | None = Field(default=None, gt=0, description="device memory (GDDR for PCIe parts)")
    hbm_bandwidth_tb_per_s: float | None = Field(default=None, gt=0)
    tdp_w: float | None = Field(default=None, gt=0)
    logic_die_area_mm2: float | None = Field(default=None, gt=0, description="non-planar logic dies, HBM excluded")
    scaleup_bandwidth_gb_per_s: float | None = Field(default=None, gt=0, description="bidirectional, per chip")
    scaleup_domain_chips: int | None = Field(default=None, ge=1, description="chips sharing the scale-up fabric")
    scaleout_gbit_per_s: float | None = Field(default=None, gt=0, description="scale-out NIC bandwidth per chip")
    is_datacenter: bool
    cooling: Cooling
    price_usd: float | None = Field(default=None, gt=0, description="indicative street price per chip")
    price_note: str = Field(min_length=1, description="basis of the price (always an estimate)")
    cloud_usd_per_chip_hour: float | None = Field(default=None, gt=0)
    lifetime_years: float = Field(gt=0, le=20, description="planning assumption")
    is_estimate: bool
    estimate_note: str | None = None
    source: str = Field(min_length=1)

    @field_validator("origin_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if not is_country(value):
            raise ValueError(suggest_country(value))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AcceleratorRow:
        if not any(getattr(self, column) is not None for column in FORMATS):
            raise ValueError(f"needs at least one dense throughput figure ({', '.join(FORMATS)})")
        if self.is_estimate and not self.estimate_note:
            raise ValueError("is_estimate is true but estimate_note does not say what is estimated")
        return self


def tpp(row: AcceleratorRow) -> float:
    """Total processing performance: max over formats of dense TOPS x bit length."""
    return max(getattr(row, column) * bits for column, (_, bits) in FORMATS.items()
               if getattr(row, column) is not None)


def performance_density(tpp_value: float, die_area_mm2: float | None) -> float:
    """TPP per mm2 of logic die; NaN when the die area is unknown."""
    return math.nan if die_area_mm2 is None else tpp_value / die_area_mm2


def _nan(value: float | None, scale: float = 1.0) -> float:
    return math.nan if value is None else value * scale


def to_canonical(row: AcceleratorRow) -> dict[str, object]:
    """One validated row in canonical units, with the derived export-control metrics."""
    tpp_value = tpp(row)
    record: dict[str, object] = {
        "chip": row.chip, "name": row.name, "vendor": row.vendor, "origin_country": row.origin_country,
        "form_factor": row.form_factor, "release_year": row.release_year,
    }
    record |= {canonical: _nan(getattr(row, column), TERA) for column, (canonical, _) in FORMATS.items()}
    record |= {
        "hbm_bytes": _nan(row.hbm_gb, GIGA),
        "hbm_bandwidth_bytes_per_s": _nan(row.hbm_bandwidth_tb_per_s, TERA),
        "tdp_kw": math.nan if row.tdp_w is None else row.tdp_w / W_PER_KW,
        "logic_die_area_mm2": _nan(row.logic_die_area_mm2),
        "scaleup_bandwidth_bytes_per_s": _nan(row.scaleup_bandwidth_gb_per_s, GIGA),
        "scaleup_domain_chips": _nan(row.scaleup_domain_chips),
        "scaleout_bandwidth_bytes_per_s": _nan(row.scaleout_gbit_per_s, GIGA / 8.0),
        "is_datacenter": row.is_datacenter, "cooling": row.cooling.value,
        "price_usd": _nan(row.price_usd), "price_note": row.price_note,
        "cloud_usd_per_chip_hour": _nan(row.cloud_usd_per_chip_hour),
        "lifetime_years": row.lifetime_years, "is_estimate": row.is_estimate,
        "estimate_note": row.estimate_note or "", "source": row.source,
        "tpp": tpp_value, "performance_density": performance_density(tpp_value, row.logic_die_area_mm2),
    }
    return record


def _read_rows(path: Path) -> list[dict[str, str | None]]:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError([Problem(str(path), "", f"cannot read the catalog: {error}")]) from error
    return [{k: (v.strip() or None) for k, v in record.items()} for record in raw.to_dict("records")]


def _row_key(record: dict[str, str | None], number: int) -> str:
    return record.get("chip") or f"row {number}"


def _pydantic_problems(file: str, key: str, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(file, f"{key}.{where}" if where else key, message, item.get("input")))
    return problems


def parse_catalog(path: Path) -> list[AcceleratorRow]:
    """Validate every row of the catalog file; raise one DataError listing every problem."""
    file = str(path)
    records = _read_rows(path)
    problems: list[Problem] = []
    typed_derived = [c for c in DERIVED_COLUMNS if records and c in records[0]]
    for column in typed_derived:
        problems.append(Problem(file, column, "is derived from the specs; remove the column from the data file"))
    rows: list[AcceleratorRow] = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=2):
        key = _row_key(record, number)
        if key in seen:
            problems.append(Problem(file, f"{key}.chip", "duplicate chip id", key))
        seen.add(key)
        fields = {k: v for k, v in record.items() if k not in typed_derived and v is not None}
        try:
            rows.append(AcceleratorRow.model_validate(fields))
        except ValidationError as error:
            problems.extend(_pydantic_problems(file, key, error))
    if not rows and not problems:
        problems.append(Problem(file, "", "the catalog has no rows"))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in the accelerator catalog")
    return rows


def load_catalog(path: Path | None = None) -> pd.DataFrame:
    """The validated catalog in canonical units, indexed by ``chip`` (a fresh copy each call)."""
    return _load_cached(Path(path) if path is not None else data_path(*CATALOG_FILE)).copy()


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> pd.DataFrame:
    records = [to_canonical(row) for row in parse_catalog(path)]
    frame = pd.DataFrame.from_records(records).set_index("chip")
    return frame.loc[:, list(COLUMNS)]


def normalise_name(name: str) -> str:
    """Case-, space-, hyphen- and underscore-insensitive key for chip names ("H100 SXM" == "h100-sxm")."""
    return re.sub(r"[\s\-_]+", "", str(name)).casefold()


def load_aliases(path: Path | None = None) -> pd.DataFrame:
    """The alias table (``alias``, ``chip``, ``note``): how other sources name the catalog's chips."""
    return _read_aliases(Path(path) if path is not None else data_path(*ALIASES_FILE)).copy()


@lru_cache(maxsize=4)
def _read_aliases(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError([Problem(str(path), "", f"cannot read the alias table: {error}")]) from error


def name_index(catalog: pd.DataFrame, aliases: pd.DataFrame | None = None,
               aliases_file: str = "aliases.csv") -> dict[str, str]:
    """Normalised name -> chip id, from ids, marketing names and the alias table (checked for clashes)."""
    aliases = load_aliases() if aliases is None else aliases
    index: dict[str, str] = {}
    problems: list[Problem] = []
    entries = [(c, c, "chip") for c in catalog.index] + [(n, c, "name") for c, n in catalog["name"].items()]
    entries += [(a, c, f"{a}.chip") for a, c in zip(aliases["alias"], aliases["chip"], strict=True)]
    for alias, chip, key in entries:
        if chip not in catalog.index:
            if key.endswith(".chip"):
                problems.append(Problem(aliases_file, key, "alias points to a chip not in the catalog", chip))
            continue
        previous = index.setdefault(normalise_name(alias), chip)
        if previous != chip:
            problems.append(Problem(aliases_file, key, f"name is ambiguous: also means {previous}", chip))
    if problems:
        raise DataError(problems, "the chip alias table is inconsistent")
    return index


def resolve_chip(name: str, catalog: pd.DataFrame | None = None) -> str:
    """Canonical chip id for an id, marketing name or alias (case-insensitive); DataError with close matches."""
    catalog = load_catalog() if catalog is None else catalog
    index = name_index(catalog)
    found = index.get(normalise_name(name))
    if found is not None:
        return found
    close = difflib.get_close_matches(normalise_name(name), list(index), n=5, cutoff=0.6)
    chips = list(dict.fromkeys(index[c] for c in close))
    hint = f"did you mean {', '.join(chips)}?" if chips else f"known chips: {', '.join(catalog.index)}"
    raise DataError([Problem("accelerator catalog", "chip", f"unknown chip name; {hint}", name)])
