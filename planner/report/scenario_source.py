"""The scenario a plan was solved from, kept inside the plan so the report's appendix can quote it.

``capture`` reads the scenario file and its ``extends`` chain as text (comments included: they carry each
value's source or labelled assumption) plus the ``--set`` overrides; ``planner solve`` stores the result in
plan.json under ``scenario_source``. ``rebuild`` turns it back into the validated ``Scenario`` without the
original files, and checks that it hashes to the plan's ``scenario_hash``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from planner.errors import PlannerError
from planner.scenario.load import (
    MAX_EXTENDS_DEPTH,
    apply_overrides,
    deep_merge,
    resolve_scenario_path,
    scenario_hash,
    validate_raw,
)
from planner.resources import scenarios_dir
from planner.scenario.schema import Scenario
from planner.yaml_load import safe_load

METADATA_KEY = "scenario_source"


@dataclass(frozen=True)
class ScenarioSource:
    """Scenario files base first (name, text), the entry file last, and the overrides applied on top."""

    files: tuple[tuple[str, str], ...]
    overrides: tuple[str, ...] = ()

    @property
    def entry(self) -> str:
        return self.files[-1][0]

    def as_metadata(self) -> dict:
        return {"files": [{"name": name, "text": text} for name, text in self.files],
                "overrides": list(self.overrides)}

    @classmethod
    def from_metadata(cls, document: dict | None) -> "ScenarioSource | None":
        """The source stored in a plan's metadata; None when absent or malformed (older plans)."""
        if not isinstance(document, dict):
            return None
        files = document.get("files")
        if not isinstance(files, list) or not files:
            return None
        try:
            pairs = tuple((str(f["name"]), str(f["text"])) for f in files)
        except (KeyError, TypeError):
            return None
        return cls(pairs, tuple(str(o) for o in document.get("overrides") or ()))


def _parent_path(path: Path, parent: str) -> Path:
    """The file ``extends`` names, found as the loader finds it: beside the scenario, else a shipped base."""
    candidate = Path(parent) if Path(parent).is_absolute() else path.parent / parent
    if not candidate.exists() and (scenarios_dir() / parent).is_file():
        return scenarios_dir() / parent
    return candidate


def capture(name_or_path: str | Path | None, overrides: Iterable[str] = ()) -> ScenarioSource:
    """Read the scenario file and its ``extends`` chain (base first) as text."""
    path = resolve_scenario_path(name_or_path)
    chain: list[tuple[str, str]] = []
    for _ in range(MAX_EXTENDS_DEPTH + 1):
        text = path.read_text(encoding="utf-8")
        chain.append((path.name, text))
        parent = (safe_load(text) or {}).get("extends")
        if parent is None:
            break
        path = _parent_path(path, str(parent))
    return ScenarioSource(tuple(reversed(chain)), tuple(overrides))


def parsed_files(source: ScenarioSource) -> list[tuple[str, dict]]:
    """Each file's own mapping (``extends`` removed), base first."""
    documents = []
    for name, text in source.files:
        raw = safe_load(text) or {}
        raw.pop("extends", None)
        documents.append((name, raw))
    return documents


def merged_raw(source: ScenarioSource) -> dict:
    """The scenario mapping after merging the chain and applying the overrides (not yet validated)."""
    merged: dict = {}
    for _, raw in parsed_files(source):
        merged = deep_merge(merged, raw)
    result, _ = apply_overrides(merged, source.overrides)
    return result


def rebuild(source: ScenarioSource) -> Scenario:
    """The validated scenario; raises ``ScenarioError`` if the stored text no longer validates."""
    return validate_raw(merged_raw(source), source.entry)


def scenario_for_plan(plan) -> tuple[Scenario | None, ScenarioSource | None, str]:
    """The plan's scenario and source, and a note on where they came from or why they are missing."""
    source = ScenarioSource.from_metadata(plan.metadata.get(METADATA_KEY))
    if source is None:
        return None, None, "the plan does not carry its scenario files (solved before reports existed, or not by `planner solve`)"
    try:
        scenario = rebuild(source)
    except (PlannerError, yaml.YAMLError) as error:
        return None, source, f"the scenario stored in the plan no longer validates: {error}"
    if scenario_hash(scenario) != plan.scenario_hash:
        return scenario, source, ("the stored scenario does not hash to the plan's scenario_hash "
                                  "(the schema or its defaults changed since the solve)")
    return scenario, source, f"scenario files stored in the plan ({', '.join(n for n, _ in source.files)}); hash matches"
