"""Rule-pack files: an analyst's mistakes come back as DataErrors naming the file and the key."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from planner.catalog import load_catalog, load_rule_packs, resolve_policy
from planner.errors import DataError
from planner.resources import data_path

pytestmark = pytest.mark.unit


@pytest.fixture
def packs_dir(tmp_path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(data_path("policy"), target, ignore=shutil.ignore_patterns("*.md"))
    return target


def edit(path: Path, change) -> None:
    body = yaml.safe_load(path.read_text())
    change(body)
    path.write_text(yaml.safe_dump(body, sort_keys=False))


def problems_of(directory: Path):
    with pytest.raises(DataError) as caught:
        load_rule_packs(directory)
    return caught.value.problems


def test_a_copy_of_the_shipped_packs_loads(packs_dir):
    assert load_rule_packs(packs_dir).keys() == load_rule_packs().keys()


def test_overlapping_dates_name_the_file_and_key(packs_dir):
    edit(packs_dir / "oct2023.yaml", lambda b: b.update(effective_to="2025-01-01"))
    [problem] = problems_of(packs_dir)
    assert problem.file.endswith("dec2024-hbm.yaml") and problem.key_path == "effective_from"
    assert "oct2023" in problem.message


def test_an_open_ended_pack_overlaps_a_later_one(packs_dir):
    extra = yaml.safe_load((packs_dir / "oct2022.yaml").read_text())
    extra.update(name="future", effective_from="2027-01-01", effective_to=None)
    (packs_dir / "future.yaml").write_text(yaml.safe_dump(extra))
    [problem] = problems_of(packs_dir)
    assert problem.file.endswith("future.yaml") and "china-jan2026" in problem.message


def test_missing_fields_are_all_reported(packs_dir):
    edit(packs_dir / "oct2022.yaml", lambda b: [b.pop("effective_from"), b.pop("source")])
    edit(packs_dir / "diffusion-2025.yaml", lambda b: b["other_countries"]["treatment"][0].pop("status"))
    found = {(Path(p.file).name, p.key_path) for p in problems_of(packs_dir)}
    assert {("oct2022.yaml", "effective_from"), ("oct2022.yaml", "source"),
            ("diffusion-2025.yaml", "other_countries.treatment[0].status")} <= found


def test_unknown_country_codes_name_the_file_and_key(packs_dir):
    edit(packs_dir / "oct2022.yaml", lambda b: b["destinations"][0].update(countries=["CHN", "XXX"]))
    edit(packs_dir / "country_groups.yaml", lambda b: b["groups"]["diffusion_tier1"]["countries"].append("UK"))
    found = {(Path(p.file).name, p.key_path, p.value) for p in problems_of(packs_dir)}
    assert ("oct2022.yaml", "destinations[0].countries[1]", "XXX") in found
    assert ("country_groups.yaml", "groups.diffusion_tier1.countries[19]", "UK") in found


def test_unknown_group_class_and_chip_are_reported(packs_dir):
    edit(packs_dir / "oct2023.yaml", lambda b: b["destinations"][1].update(groups=["d1_d4"]))
    edit(packs_dir / "oct2022.yaml", lambda b: b["other_countries"]["treatment"][0].update(
        classes=["3A090.a", "3A090.z", "uncontrolled"]))
    edit(packs_dir / "h20-apr2025.yaml", lambda b: b["chip_overrides"][0].update(chips=["H2O"]))
    found = {(Path(p.file).name, p.key_path) for p in problems_of(packs_dir)}
    assert {("oct2023.yaml", "destinations[1].groups[0]"), ("oct2022.yaml", "other_countries.treatment[0].classes"),
            ("h20-apr2025.yaml", "chip_overrides[0].chips[0]")} <= found


def test_a_class_without_treatment_is_reported(packs_dir):
    edit(packs_dir / "oct2023.yaml", lambda b: b["destinations"][0]["treatment"].pop(0))
    found = {(Path(p.file).name, p.key_path) for p in problems_of(packs_dir)}
    assert ("oct2023.yaml", "destinations[0].treatment") in found


def test_extends_an_unknown_pack(packs_dir):
    edit(packs_dir / "dec2024-hbm.yaml", lambda b: b.update(extends="oct2024"))
    found = {(Path(p.file).name, p.key_path, p.value) for p in problems_of(packs_dir)}
    assert ("dec2024-hbm.yaml", "extends", "oct2024") in found


def test_an_analyst_adds_a_pack_without_code(packs_dir):
    """A new what-if pack: Tier 2 treatment everywhere but Tier 1, at half the Diffusion cap."""
    pack = {
        "name": "half-cap", "lineage": "what-if", "title": "Diffusion at half the cap", "source": "study",
        "effective_from": dt.date(2026, 1, 1), "extends": "diffusion-2025",
        "other_countries": {"tier": "2", "tpp_cap": 395e6, "treatment": [
            {"classes": ["3A090.a", "3A090.b"], "status": "licensed_cap"},
            {"classes": ["uncontrolled"], "status": "allowed"}]},
    }
    (packs_dir / "half-cap.yaml").write_text(yaml.safe_dump(pack, sort_keys=False))
    packs = load_rule_packs(packs_dir)
    india = resolve_policy(load_catalog(), "IND", dt.date(2026, 6, 1), "half-cap", packs=packs)
    assert india.tpp_cap == 395e6 and india.chips.loc["B200", "status"] == "licensed_cap"
    assert resolve_policy(load_catalog(), "GBR", dt.date(2026, 6, 1), "half-cap", packs=packs).tier == "1"
    with pytest.raises(DataError, match="several lineages"):
        resolve_policy(load_catalog(), "IND", dt.date(2026, 6, 1), packs=packs)
