"""Reading scenarios: YAML files, ``extends`` chains, ``--set`` overrides, and schema validation.

Every problem is collected as a ``Problem`` (file, key path, value, what is expected) and raised together
in one ``ScenarioError``.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from planner.errors import Problem, ScenarioError
from planner.resources import default_scenario_path, scenarios_dir
from planner.scenario.schema import Scenario
from planner.yaml_load import safe_load

MAX_EXTENDS_DEPTH = 8


def resolve_scenario_path(name_or_path: str | Path | None) -> Path:
    """A path as given, or the name of a shipped reference scenario (``india``, ``great-britain``)."""
    if name_or_path is None:
        return default_scenario_path()
    path = Path(name_or_path)
    if path.exists():
        return path
    shipped = scenarios_dir() / f"{name_or_path}.yaml"
    if shipped.exists():
        return shipped
    names = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))
    raise ScenarioError([Problem(str(name_or_path), "", f"no such file, and not a shipped scenario {names}")])


def _read_yaml(path: Path) -> dict:
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError([Problem(str(path), "", f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError as error:
        raise ScenarioError([Problem(str(path), f"byte {error.start}",
                                     "not UTF-8 text; a scenario is a YAML file saved as UTF-8")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError([Problem(str(path), where, f"invalid YAML: {getattr(error, 'problem', error)}")]) from None
    except ValueError as error:  # a value YAML reads but cannot build, e.g. the date 2026-13-45
        raise ScenarioError([Problem(str(path), "", f"invalid value: {error}")]) from None
    if not isinstance(raw, dict):
        raise ScenarioError([Problem(str(path), "", "a scenario must be a YAML mapping", type(raw).__name__)])
    return raw


def deep_merge(base: Mapping, override: Mapping) -> dict:
    """``override`` on top of ``base``: mappings merge key by key; everything else is replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_raw(path: Path, _depth: int = 0) -> dict:
    """The scenario mapping of ``path`` with its ``extends`` chain merged in (base first)."""
    raw = _read_yaml(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if _depth >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([Problem(str(path), "extends", f"chain deeper than {MAX_EXTENDS_DEPTH} (a cycle?)", parent)])
    parent_path = (path.parent / str(parent)) if not Path(str(parent)).is_absolute() else Path(str(parent))
    if not parent_path.exists() and (scenarios_dir() / str(parent)).is_file():
        parent_path = scenarios_dir() / str(parent)  # a shipped base (e.g. base.yaml) from a file anywhere
    if not parent_path.exists():
        raise ScenarioError([Problem(str(path), "extends", "base scenario file not found", parent)])
    return deep_merge(read_raw(parent_path, _depth + 1), raw)


def parse_override(text: str) -> tuple[list[str], object]:
    """``a.b.0.c=VALUE`` -> (["a", "b", "0", "c"], VALUE parsed as YAML)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError([Problem("--set", text, "expected KEY=VALUE, e.g. demand.agents_per_capita=2")])
    try:
        return key.strip().split("."), safe_load(value) if value.strip() else None
    except (yaml.YAMLError, ValueError) as error:  # ValueError: a date YAML reads but the calendar lacks
        raise ScenarioError([Problem(f"--set {text}", key.strip(), f"invalid value: {error}", value)]) from None


def _set_path(tree: dict, keys: list[str], value: object, source: str) -> Problem | None:
    node: object = tree
    for depth, key in enumerate(keys[:-1]):
        child = _child(node, key)
        if child is None and isinstance(node, dict):
            child = node[key] = {}  # a new key: the schema reports it if it is not a known one
        if child is None:
            return Problem(source, ".".join(keys[: depth + 1]), "no such list index to override")
        node = child
    last = keys[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            return Problem(source, ".".join(keys), f"list index out of range (length {len(node)})")
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        return Problem(source, ".".join(keys), "cannot set a key below a plain value")
    return None


def _child(node: object, key: str) -> object | None:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and key.isdigit() and int(key) < len(node):
        return node[int(key)]
    return None


def apply_overrides(raw: dict, overrides: Iterable[str]) -> tuple[dict, list[Problem]]:
    """Apply ``--set KEY=VALUE`` overrides; returns the new tree and the overrides that could not apply."""
    result = copy.deepcopy(raw)
    problems = []
    for text in overrides:
        try:
            keys, value = parse_override(text)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        problem = _set_path(result, keys, value, f"--set {text}")
        if problem:
            problems.append(problem)
    return result, problems


def _problems_from_validation(error: ValidationError, source: str) -> list[Problem]:
    problems = []
    for item in error.errors():
        key_path = ".".join(str(part) for part in item["loc"])
        value = item.get("input") if item["type"] != "missing" else None
        if isinstance(value, (dict, list)):
            value = None
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = _unknown_key_message(item["loc"])
            value = None
        problems.append(Problem(source, key_path, message, value))
    return problems


def _unknown_key_message(loc: tuple) -> str:
    """'unknown key' with the closest allowed keys at that place in the schema."""
    allowed = keys_allowed_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=3, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {' or '.join(repr(c) for c in close)}?"
    return f"unknown key; allowed here: {', '.join(allowed)}" if allowed else "unknown key"


def keys_allowed_at(loc: tuple) -> list[str]:
    """Field names of the schema model found by following ``loc`` (dict keys and list indexes pass through)."""
    annotation: object = Scenario
    for part in loc:
        annotation = _container_of(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field_info = annotation.model_fields.get(str(part))
            if field_info is None:
                return []
            annotation = field_info.annotation
        else:
            args = typing.get_args(annotation)
            annotation = args[-1] if args else None
    annotation = _container_of(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sorted(annotation.model_fields)
    return []


def _container_of(annotation: object) -> object:
    """The model, dict or list inside an Optional or Union annotation."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [a for a in typing.get_args(annotation) if a is not type(None)]
        return kept[0] if kept else None
    return annotation


def validate_raw(raw: dict, source: str, earlier: list[Problem] = ()) -> Scenario:
    """Schema-validate ``raw``; raise every problem (with ``earlier`` ones) together."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError([*earlier, *_problems_from_validation(error, source)]) from None
    if earlier:
        raise ScenarioError(list(earlier))
    return scenario


def _blame_overrides(problems: Iterable[Problem], overrides: Iterable[str]) -> list[Problem]:
    """Problems at (or under) a key an override set are the override's, not the file's."""
    by_key = {text.partition("=")[0].strip(): text for text in overrides}
    blamed = []
    for problem in problems:
        text = next((t for key, t in by_key.items()
                     if problem.key_path == key or problem.key_path.startswith(key + ".")), None)
        blamed.append(Problem(f"--set {text}", problem.key_path, problem.message, problem.value) if text else problem)
    return blamed


def load_scenario(path: str | Path | None = None, overrides: Iterable[str] = (), check: bool = True) -> Scenario:
    """Load, merge, override and validate a scenario; with ``check`` also run the semantic checks."""
    resolved = resolve_scenario_path(path)
    raw, override_problems = apply_overrides(read_raw(resolved), overrides)
    try:
        scenario = validate_raw(raw, str(resolved), override_problems)
    except ScenarioError as error:
        raise ScenarioError(_blame_overrides(error.problems, overrides)) from None
    if check:
        from planner.scenario.checks import check_scenario

        check_scenario(scenario, source=str(resolved))
    return scenario


ADDED_OPTIONAL_KEYS = (("planning_years",), ("planning_foresight",), ("service_classes", "*", "n_minus_1_share"),
                       ("chips", "price_trend_per_year"), ("chips", "impute_missing_specs"),
                       ("demand", "training", "time_sharing_share"), ("model_trends",))


def _drop_if_none(tree: dict, path: tuple[str, ...]) -> None:
    """Remove ``path`` ("*": every key) from ``tree`` where its value is None."""
    head, rest = path[0], path[1:]
    nodes = list(tree.values()) if head == "*" else [tree.get(head)] if rest else []
    if not rest:
        if tree.get(head, 0) is None:
            tree.pop(head)
        return
    for node in nodes:
        if isinstance(node, dict):
            _drop_if_none(node, rest)


def scenario_hash(scenario: Scenario) -> str:
    """Stable SHA-256 of the validated scenario (after merges and overrides); keys added later with their
    absent value (``ADDED_OPTIONAL_KEYS``) are left out, so hashes of earlier scenarios do not change."""
    dumped = scenario.model_dump(mode="json")
    for path in ADDED_OPTIONAL_KEYS:
        _drop_if_none(dumped, path)
    canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
