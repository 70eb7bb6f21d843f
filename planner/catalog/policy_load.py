"""Reading rule packs from a folder: YAML -> ``extends`` merge -> schema -> semantic checks, all problems at once.

A folder holds one pack per ``*.yaml`` file plus ``country_groups.yaml`` (named ISO3 lists the packs share).
A pack may ``extends: <other pack>``: it inherits every top-level section it does not set itself (never the
identity keys: name, lineage, title, source, dates), so a new rule is written as its difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.catalog.accelerators import load_catalog, name_index, normalise_name
from planner.catalog.countries import is_country, suggest_country
from planner.catalog.policy_schema import UNCONTROLLED, CountryTreatment, RulePack
from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.yaml_load import safe_load

GROUPS_FILE = "country_groups.yaml"
IDENTITY_KEYS = frozenset({"name", "lineage", "title", "source", "effective_from", "effective_to", "extends"})


class CountryGroup(BaseModel):
    """A named list of ISO3 codes with the source it was transcribed from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = Field(min_length=1)
    source: str = Field(min_length=1)
    countries: list[str] = Field(min_length=1)


def default_policy_dir() -> Path:
    return data_path("policy")


def _key(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_problems(file: str, error: ValidationError, prefix: str = "") -> list[Problem]:
    problems = []
    for item in error.errors():
        key = _key(tuple(item["loc"]))
        key = f"{prefix}.{key}" if prefix and key else (prefix or key)
        value = item.get("input") if item["type"] != "missing" else None
        problems.append(Problem(file, key, item["msg"].removeprefix("Value error, "), value))
    return problems


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        problems.append(Problem(str(path), "", f"cannot read YAML: {error}"))
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(str(path), "", "expected a mapping at the top level", type(raw).__name__))
        return None
    return raw


def load_groups(path: Path, problems: list[Problem]) -> dict[str, CountryGroup]:
    """The named country groups (an absent file means no groups)."""
    if not path.is_file():
        return {}
    raw = _read_yaml(path, problems) or {}
    groups: dict[str, CountryGroup] = {}
    for name, body in (raw.get("groups") or {}).items():
        try:
            groups[name] = CountryGroup.model_validate(body)
        except ValidationError as error:
            problems.extend(_schema_problems(str(path), error, f"groups.{name}"))
            continue
        problems.extend(_country_problems(str(path), f"groups.{name}.countries", groups[name].countries))
    return groups


def _country_problems(file: str, key: str, codes: list[str]) -> list[Problem]:
    return [Problem(file, f"{key}[{i}]", f"unknown country code; {suggest_country(code)}", code)
            for i, code in enumerate(codes) if not is_country(code)]


def _merged(name: str, raw: dict[str, dict[str, Any]], files: dict[str, Path],
            problems: list[Problem]) -> dict[str, Any] | None:
    """The pack's own keys over its ancestors' sections (identity keys never inherited)."""
    chain, current = [name], raw[name]
    while current.get("extends") is not None:
        parent = str(current["extends"])
        if parent not in raw:
            problems.append(Problem(str(files[chain[-1]]), "extends", "extends an unknown pack", parent))
            return None
        if parent in chain:
            problems.append(Problem(str(files[name]), "extends", "packs extend each other in a cycle",
                                    " -> ".join([*chain, parent])))
            return None
        chain.append(parent)
        current = raw[parent]
    merged: dict[str, Any] = {}
    for ancestor in reversed(chain[1:]):
        merged |= {k: v for k, v in raw[ancestor].items() if k not in IDENTITY_KEYS}
    return merged | raw[name]


def _read_packs(directory: Path, problems: list[Problem]) -> tuple[dict[str, dict], dict[str, Path]]:
    raw: dict[str, dict[str, Any]] = {}
    files: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == GROUPS_FILE:
            continue
        body = _read_yaml(path, problems)
        if body is None:
            continue
        name = str(body.get("name") or path.stem)
        if name in files:
            problems.append(Problem(str(path), "name", f"pack name already used by {files[name]}", name))
            continue
        raw[name], files[name] = body, path
    return raw, files


def load_rule_packs_from(directory: Path) -> dict[str, RulePack]:
    """Every pack in ``directory``, validated; one DataError lists every problem in every file."""
    problems: list[Problem] = []
    if not directory.is_dir():
        raise DataError([Problem(str(directory), "", "rule-pack folder not found")])
    groups = load_groups(directory / GROUPS_FILE, problems)
    raw, files = _read_packs(directory, problems)
    packs: dict[str, RulePack] = {}
    for name in raw:
        merged = _merged(name, raw, files, problems)
        if merged is None:
            continue
        try:
            pack = RulePack.model_validate(merged)
        except ValidationError as error:
            problems.extend(_schema_problems(str(files[name]), error))
            continue
        problems.extend(check_pack(pack, str(files[name]), groups))
        packs[name] = pack
    problems.extend(check_lineages(packs, files))
    if not packs and not problems:
        problems.append(Problem(str(directory), "", "no rule packs (*.yaml) found"))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in the rule packs")
    names = name_index(load_catalog())
    return {name: _expand(pack, groups, names) for name, pack in packs.items()}


def _expand(pack: RulePack, groups: dict[str, CountryGroup], names: dict[str, str]) -> RulePack:
    """Replace group names by their members and chip aliases by ids, so resolution sees plain lists."""
    def members(entry):
        codes = list(entry.countries) + [c for g in entry.groups for c in groups[g].countries]
        return entry.model_copy(update={"countries": list(dict.fromkeys(codes)), "groups": []})

    def chips(override):
        return override.model_copy(update={"chips": [names[normalise_name(c)] for c in override.chips]})
    return pack.model_copy(update={
        "destinations": [members(d) for d in pack.destinations],
        "chip_overrides": [chips(members(o)) for o in pack.chip_overrides],
    })


def check_pack(pack: RulePack, file: str, groups: dict[str, CountryGroup]) -> list[Problem]:
    """Semantic checks the schema cannot express: names that must exist, and full class coverage."""
    problems: list[Problem] = []
    known_classes = {*pack.class_names, UNCONTROLLED}
    for i, dest in enumerate(pack.destinations):
        key = f"destinations[{i}]"
        problems += _country_problems(file, f"{key}.countries", dest.countries)
        problems += _group_problems(file, f"{key}.groups", dest.groups, groups)
        problems += _coverage_problems(file, key, dest, known_classes)
    problems += _coverage_problems(file, "other_countries", pack.other_countries, known_classes)
    names = name_index(load_catalog())
    for i, override in enumerate(pack.chip_overrides):
        key = f"chip_overrides[{i}]"
        problems += _country_problems(file, f"{key}.countries", override.countries)
        problems += _group_problems(file, f"{key}.groups", override.groups, groups)
        problems += [Problem(file, f"{key}.chips[{j}]", "unknown chip (not an id or alias in the catalog)", chip)
                     for j, chip in enumerate(override.chips) if normalise_name(chip) not in names]
    return problems


def _group_problems(file: str, key: str, names: list[str], groups: dict[str, CountryGroup]) -> list[Problem]:
    return [Problem(file, f"{key}[{i}]", f"unknown country group (known: {', '.join(sorted(groups))})", name)
            for i, name in enumerate(names) if name not in groups]


def _coverage_problems(file: str, key: str, treatment: CountryTreatment, known: set[str]) -> list[Problem]:
    problems = []
    for i, rule in enumerate(treatment.treatment):
        problems += [Problem(file, f"{key}.treatment[{i}].classes", f"unknown class (known: {sorted(known)})", c)
                     for c in rule.classes if c not in known]
    covered = {c for rule in treatment.treatment if rule.when is None for c in rule.classes}
    missing = sorted(known - covered)
    if missing:
        problems.append(Problem(file, f"{key}.treatment", "no unconditional treatment for these classes: "
                                + ", ".join(missing)))
    return problems


def check_lineages(packs: dict[str, RulePack], files: dict[str, Path]) -> list[Problem]:
    """Within a lineage, effective periods must not overlap (so a date picks exactly one pack)."""
    problems = []
    by_lineage: dict[str, list[RulePack]] = {}
    for pack in packs.values():
        by_lineage.setdefault(pack.lineage, []).append(pack)
    for members in by_lineage.values():
        members.sort(key=lambda p: p.effective_from)
        for earlier, later in zip(members, members[1:], strict=False):
            if earlier.effective_to is None or earlier.effective_to > later.effective_from:
                problems.append(Problem(
                    str(files[later.name]), "effective_from",
                    f"overlaps pack {earlier.name!r} ({files[earlier.name].name}: "
                    f"{earlier.effective_from} to {earlier.effective_to or 'open end'}) in lineage {later.lineage!r}",
                    str(later.effective_from)))
    return problems
