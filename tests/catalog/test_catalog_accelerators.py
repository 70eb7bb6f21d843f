"""The accelerator catalog: schema, canonical units, derived export metrics, names."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from planner.catalog import load_catalog, resolve_chip
from planner.catalog.accelerators import COLUMNS, FORMATS, load_aliases, name_index
from planner.errors import DataError
from planner.resources import data_path

pytestmark = pytest.mark.unit

REQUIRED_CHIPS = [
    "H100-SXM", "H100-PCIe", "H100-NVL", "H800-SXM", "H200-SXM", "H200-NVL", "H20", "L40S", "L20", "A100-SXM",
    "A800-SXM", "B200", "GB200", "GB300", "MI300X", "MI325X", "MI355X", "Gaudi3", "Ascend-910B", "Ascend-910C",
    "TPU-v5e", "TPU-v5p", "TPU-v6e", "TPU-v7", "Trainium2", "BR100", "RNGD",
]


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return load_catalog()


def test_catalog_has_the_required_chips_and_columns(catalog):
    assert len(catalog) >= 25
    assert set(REQUIRED_CHIPS) <= set(catalog.index)
    assert catalog.index.name == "chip" and catalog.index.is_unique
    assert list(catalog.columns) == list(COLUMNS)
    assert {"tpp", "performance_density", "hbm_bandwidth_bytes_per_s", "tdp_kw", "price_usd"} <= set(COLUMNS)


def test_h100_in_canonical_units(catalog):
    h100 = catalog.loc["H100-SXM"]
    assert h100["tpp"] == pytest.approx(15_832)  # 1979 dense FP8 TOPS x 8 (export-controls reference)
    assert h100["performance_density"] == pytest.approx(15_832 / 814)
    assert h100["fp8_dense_flops"] == pytest.approx(1979e12)
    assert h100["hbm_bytes"] == pytest.approx(80e9)
    assert h100["hbm_bandwidth_bytes_per_s"] == pytest.approx(3.35e12)
    assert h100["tdp_kw"] == 0.7
    assert h100["scaleup_bandwidth_bytes_per_s"] == pytest.approx(900e9)


def test_tpp_is_the_max_over_formats_of_dense_tops_times_bits(catalog):
    for chip, row in catalog.iterrows():
        expected = max(row[col] / 1e12 * bits for col, bits in FORMATS.values() if not math.isnan(row[col]))
        assert row["tpp"] == pytest.approx(expected), chip
        area = row["logic_die_area_mm2"]
        assert math.isnan(row["performance_density"]) == math.isnan(area), chip


def test_every_row_has_a_source_and_estimates_say_why(catalog):
    assert (catalog["source"].str.len() > 0).all()
    assert (catalog.loc[catalog["is_estimate"], "estimate_note"].str.len() > 0).all()
    assert set(catalog["cooling"]) <= {"air", "liquid"}
    assert catalog.loc["GB200", "cooling"] == "liquid"
    assert (catalog["price_note"].str.len() > 0).all()
    assert catalog.loc[["H20", "L20", "Ascend-910B", "Ascend-910C", "B200", "GB300", "TPU-v7"], "is_estimate"].all()


def test_load_returns_an_independent_copy(catalog):
    first = load_catalog()
    first.loc["H100-SXM", "price_usd"] = -1.0
    assert load_catalog().loc["H100-SXM", "price_usd"] == 27_500


@pytest.mark.parametrize(("name", "chip"), [
    ("H100 SXM", "H100-SXM"), ("H100 SXM5 80GB", "H100-SXM"), ("NVIDIA H100 SXM5 80GB", "H100-SXM"),
    ("h100-sxm", "H100-SXM"), ("H200 SXM", "H200-SXM"), ("GH200", "GH200-144GB"), ("MI300X", "MI300X"),
    ("Gaudi 3", "Gaudi3"), ("A100 SXM 80GB", "A100-SXM"), ("H200 NVL", "H200-NVL"), ("GB200", "GB200"),
    ("GB300", "GB300"), ("MI325X", "MI325X"), ("MI355X", "MI355X"), ("L40S", "L40S"), ("ironwood", "TPU-v7"),
])
def test_resolve_chip_accepts_ids_names_and_aliases(catalog, name, chip):
    assert resolve_chip(name, catalog) == chip


def test_unknown_chip_is_a_data_error_with_close_matches(catalog):
    with pytest.raises(DataError) as caught:
        resolve_chip("H1OO SXM", catalog)
    assert "H100-SXM" in str(caught.value) and "H1OO SXM" in str(caught.value)
    assert caught.value.problems[0].key_path == "chip"


def test_every_alias_points_to_a_catalog_chip(catalog):
    aliases = load_aliases()
    assert set(aliases["chip"]) <= set(catalog.index)
    assert len(name_index(catalog, aliases)) > len(catalog)


def test_alias_clash_is_reported(catalog):
    clash = pd.DataFrame({"alias": ["H100"], "chip": ["B200"], "note": [""]})
    with pytest.raises(DataError, match="ambiguous"):
        name_index(catalog, pd.concat([load_aliases(), clash]))


def _broken_catalog(tmp_path):
    path = tmp_path / "accelerators.csv"
    shutil.copy(data_path("accelerators", "accelerators.csv"), path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["chip"] == "H100-SXM", "cooling"] = "immersion"
    frame.loc[frame["chip"] == "B200", "source"] = ""
    frame.loc[frame["chip"] == "RNGD", "origin_country"] = "KR"
    frame.loc[frame["chip"] == "L40S", "tdp_w"] = "-5"
    frame.loc[frame["chip"] == "H20", "chip"] = "H200-SXM"
    frame["tpp"] = "1"
    frame.to_csv(path, index=False)
    return path


def test_bad_catalog_reports_every_problem_with_file_and_key(tmp_path):
    path = _broken_catalog(tmp_path)
    with pytest.raises(DataError) as caught:
        load_catalog(path)
    keys = {p.key_path for p in caught.value.problems}
    assert {"H100-SXM.cooling", "B200.source", "RNGD.origin_country", "L40S.tdp_w", "H200-SXM.chip", "tpp"} <= keys
    assert all(p.file == str(path) for p in caught.value.problems)
    assert "KOR" in str(caught.value)  # the ISO2 code gets its ISO3 suggested


def test_estimate_without_note_is_rejected(tmp_path):
    path = tmp_path / "accelerators.csv"
    frame = pd.read_csv(data_path("accelerators", "accelerators.csv"), dtype=str, keep_default_na=False)
    frame.loc[frame["chip"] == "H20", "estimate_note"] = ""
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match="estimate_note"):
        load_catalog(path)
