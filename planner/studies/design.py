"""From a study file to its runs: the points of the grid, the cases and the Monte Carlo draws, each turned
into a validated scenario keyed by its hash.

Every problem (a key path the scenario does not have, a value it rejects, a semantic check that fails) is
reported against the study file's own key path (``grid.demand.agents_per_capita.1``) and raised together,
before anything runs.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from pydantic import ValidationError

from planner.errors import Problem, ScenarioError, StudyError
from planner.scenario.checks import check_scenario
from planner.scenario.load import read_raw, resolve_scenario_path, scenario_hash, validate_raw
from planner.scenario.schema import Scenario
from planner.studies.schema import Choice, KnobRange, LogNormal, MonteCarlo, Normal, Study, Triangular, Uniform
from planner.yaml_load import safe_load

TRUNCATED_NORMAL_MAX_TRIES = 1000


@dataclass(frozen=True)
class Point:
    """One run of the study as the study file describes it: the key paths it sets and where in the study
    file each value comes from."""

    index: int
    values: dict[str, object]
    sources: dict[str, str]
    draw: int | None = None


@dataclass(frozen=True)
class Run:
    """A distinct scenario to solve; several points may lead to the same one (the same hash)."""

    scenario_hash: str
    scenario: Scenario
    points: tuple[int, ...]

    @property
    def key(self) -> str:
        return run_key(self.scenario_hash)


@dataclass(frozen=True)
class Design:
    """A loaded study: the study, its file, its points and its distinct runs."""

    study: Study
    source: str
    points: list[Point]
    runs: list[Run]
    point_hashes: list[str]
    parameters: list[str] = field(default_factory=list)
    """Key paths the study varies (grid, cases, Monte Carlo), in file order: the parameter columns."""
    parameter_values: list[dict[str, object]] = field(default_factory=list)
    """Value of each parameter in each point's scenario (the base's where a point does not set it)."""


def run_key(scenario_hash: str) -> str:
    """Name of a run's result folder: the first 16 hex digits of its scenario hash (64 bits)."""
    return scenario_hash[:16]


def _problems_from_validation(error: ValidationError, source: str, prefix: str = "") -> list[Problem]:
    problems = []
    for item in error.errors():
        key_path = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        value = item.get("input") if item["type"] != "missing" else None
        problems.append(Problem(source, key_path, item["msg"], None if isinstance(value, (dict, list)) else value))
    return problems


def read_study(path: str | Path) -> Study:
    """Parse and schema-validate a study file; every problem at once, with key paths."""
    path = Path(path)
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StudyError([Problem(str(path), "", f"cannot read: {error.strerror}")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise StudyError([Problem(str(path), where, f"invalid YAML: {getattr(error, 'problem', error)}")]) from None
    if not isinstance(raw, dict):
        raise StudyError([Problem(str(path), "", "a study must be a YAML mapping", type(raw).__name__)])
    try:
        return Study.model_validate(raw)
    except ValidationError as error:
        raise StudyError(_problems_from_validation(error, str(path))) from None


def resolve_base(study: Study, source: str) -> Path:
    """The base scenario: a path relative to the study file, or a shipped scenario name."""
    relative = Path(source).parent / study.base
    if relative.is_file():
        return relative
    try:
        return resolve_scenario_path(study.base)
    except ScenarioError as error:
        raise StudyError([Problem(source, "base", p.message, study.base) for p in error.problems]) from None


# -- points ------------------------------------------------------------------------------------------------

def grid_points(grid: Mapping[str, list]) -> list[tuple[dict, dict]]:
    """Every combination of the grid's values, the first key varying slowest."""
    if not grid:
        return []
    keys = list(grid)
    combos = itertools.product(*(list(enumerate(grid[key])) for key in keys))
    return [({key: value for key, (_, value) in zip(keys, combo)},
             {key: f"grid.{key}.{i}" for key, (i, _) in zip(keys, combo)}) for combo in combos]


def case_points(cases: list[Mapping]) -> list[tuple[dict, dict]]:
    return [(dict(case), {key: f"cases.{j}.{key}" for key in case}) for j, case in enumerate(cases)]


def _draw(rng: np.random.Generator, spec) -> object:
    if isinstance(spec, Uniform):
        return float(rng.uniform(spec.low, spec.high))
    if isinstance(spec, Triangular):
        return float(rng.triangular(spec.low, spec.mode, spec.high))
    if isinstance(spec, LogNormal):
        return float(spec.median * math.exp(spec.sigma * rng.standard_normal()))
    if isinstance(spec, Normal):
        for _ in range(TRUNCATED_NORMAL_MAX_TRIES):
            value = float(rng.normal(spec.mean, spec.sd))
            if (spec.low is None or value >= spec.low) and (spec.high is None or value <= spec.high):
                return value
        raise ValueError(f"no draw within [{spec.low}, {spec.high}] in {TRUNCATED_NORMAL_MAX_TRIES} tries")
    if isinstance(spec, Choice):
        weights = None if spec.weights is None else np.asarray(spec.weights) / sum(spec.weights)
        return copy.deepcopy(spec.values[int(rng.choice(len(spec.values), p=weights))])
    raise TypeError(f"unknown distribution {spec!r}")


def monte_carlo_draws(monte_carlo: MonteCarlo) -> list[dict[str, object]]:
    """``draws`` samples of every parameter, in file order, from one PCG64 stream seeded with ``seed``
    (the same values on every machine and numpy version that keeps the PCG64 stream)."""
    rng = np.random.Generator(np.random.PCG64(monte_carlo.seed))
    return [{key: _draw(rng, spec) for key, spec in monte_carlo.parameters.items()} for _ in range(monte_carlo.draws)]


def resolve_knob_ranges(study: Study, base: Scenario, source: str) -> Study:
    """``knob_range`` distributions replaced by the triangular distribution of the knob's shipped range."""
    from planner.demand.ranges import knob_ranges

    if study.monte_carlo is None:
        return study
    specs = dict(study.monte_carlo.parameters)
    ranged = [key for key, spec in specs.items() if isinstance(spec, KnobRange)]
    if not ranged:
        return study
    try:
        found = {r.knob: r for r in knob_ranges(base, ranged)}
    except ScenarioError as error:
        raise StudyError([Problem(source, f"monte_carlo.parameters.{p.key_path}", p.message)
                          for p in error.problems]) from None
    missing = [key for key in ranged if key not in found]
    if missing:
        raise StudyError([Problem(source, f"monte_carlo.parameters.{key}", "the base scenario has no value for "
                                  "this knob") for key in missing])
    for key in ranged:
        r = found[key]
        specs[key] = (Triangular(distribution="triangular", low=r.low, mode=r.central, high=r.high)
                      if r.high > r.low else Choice(distribution="choice", values=[r.central]))
    return study.model_copy(update={"monte_carlo": study.monte_carlo.model_copy(update={"parameters": specs})})


def study_points(study: Study) -> list[Point]:
    """The grid's points, then the cases; each crossed with every Monte Carlo draw. The draws are the same
    for every point (common random numbers), so policies are compared on the same futures."""
    base_points = grid_points(study.grid) + case_points(study.cases) or [({}, {})]
    draws: list[dict | None] = monte_carlo_draws(study.monte_carlo) if study.monte_carlo else [None]
    points = []
    for (values, sources), (d, draw) in itertools.product(base_points, enumerate(draws)):
        if draw is None:
            points.append(Point(len(points), values, sources))
            continue
        draw_sources = {key: f"monte_carlo.parameters.{key}" for key in draw}
        points.append(Point(len(points), {**values, **draw}, {**sources, **draw_sources}, draw=d))
    return points


def study_parameters(study: Study) -> list[str]:
    keys = list(study.grid)
    for case in study.cases:
        keys += [key for key in case if key not in keys]
    if study.monte_carlo:
        keys += [key for key in study.monte_carlo.parameters if key not in keys]
    return keys


# -- scenarios -----------------------------------------------------------------------------------------------

def set_key_path(tree: dict, key_path: str, value: object) -> str | None:
    """Set ``a.b.0.c`` in a scenario tree; returns what is wrong when the path cannot be set. Missing mapping
    keys are created (the schema then reports unknown ones); list indexes must exist."""
    keys = key_path.split(".")
    if not all(keys):
        return "empty part in the key path"
    node: object = tree
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                return f"{'.'.join(keys[:depth]) or 'the scenario'} is a list of {len(node)}: no index {key!r}"
            if last:
                node[int(key)] = copy.deepcopy(value)
            node = node[int(key)]
        elif isinstance(node, dict):
            if last:
                node[key] = copy.deepcopy(value)
            elif not isinstance(node.get(key), (dict, list)):
                if node.get(key) is not None:
                    return f"{'.'.join(keys[:depth + 1])} is a plain value: no keys below it"
                node[key] = {}
            node = node[key]
        else:
            return f"{'.'.join(keys[:depth])} is a plain value: no keys below it"
    return None


def lookup_key_path(tree: object, key_path: str) -> object:
    """The value at ``a.b.0.c`` in nested mappings and lists; KeyError when there is none."""
    node = tree
    for key in key_path.split("."):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError(key_path)
    return node


def _solver_values(study: Study) -> dict[str, tuple[object, str]]:
    values = {}
    if study.solver.time_limit_s is not None:
        values["solver.time_limit_s"] = (study.solver.time_limit_s, "solver.time_limit_s")
    if study.solver.mip_gap is not None:
        values["solver.mip_gap"] = (study.solver.mip_gap, "solver.mip_gap")
    return values


def _study_key_for(problem_key: str, sources: Mapping[str, str]) -> str | None:
    """The study key path whose value the scenario problem at ``problem_key`` is about."""
    for key in sorted(sources, key=len, reverse=True):
        if problem_key == key or problem_key.startswith(key + ".") or key.startswith(problem_key + "."):
            return sources[key]
    return None


def _remap(problems: Iterable[Problem], source: str, sources: Mapping[str, str], values: Mapping) -> list[Problem]:
    """Scenario problems as problems of the study file (the study key path that set the value)."""
    remapped = []
    for problem in problems:
        study_key = _study_key_for(problem.key_path, sources)
        if study_key is not None:
            remapped.append(Problem(source, study_key, f"scenario key {problem.key_path}: {problem.message}",
                                    problem.value))
        else:
            setting = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "the base alone"
            remapped.append(Problem(source, problem.key_path, f"{problem.message} (in the run with {setting})",
                                    problem.value))
    return remapped


def build_scenario(base_raw: dict, study: Study, point: Point, source: str) -> Scenario:
    """The validated (and checked) scenario of one point; StudyError with study key paths otherwise."""
    tree = copy.deepcopy(base_raw)
    settings = {**{k: (v, f"set.{k}") for k, v in study.set.items()}, **_solver_values(study),
                **{k: (v, point.sources[k]) for k, v in point.values.items()}}
    sources = {key: where for key, (_, where) in settings.items()}
    problems = []
    for key, (value, where) in settings.items():
        wrong = set_key_path(tree, key, value)
        if wrong:
            problems.append(Problem(source, where, f"not a scenario key path: {wrong}", value))
    if problems:
        raise StudyError(problems)
    try:
        scenario = validate_raw(tree, source)
        check_scenario(scenario, source=source)
    except ScenarioError as error:
        raise StudyError(_remap(error.problems, source, sources, point.values)) from None
    return scenario


def design(study: Study, source: str | Path) -> Design:
    """Every point of ``study`` and its distinct runs; all problems across all points raised at once."""
    source = str(source)
    base_raw = read_raw(resolve_base(study, source))
    study = resolve_knob_ranges(study, build_scenario(base_raw, study, Point(-1, {}, {}), source), source)
    try:
        points = study_points(study)
    except ValueError as error:
        raise StudyError([Problem(source, "monte_carlo", str(error))]) from None
    problems: dict[Problem, None] = {}
    scenarios: dict[str, Scenario] = {}
    by_hash: dict[str, list[int]] = {}
    hashes = []
    for point in points:
        try:
            scenario = build_scenario(base_raw, study, point, source)
        except StudyError as error:
            problems.update(dict.fromkeys(error.problems))
            continue
        digest = scenario_hash(scenario)
        scenarios.setdefault(digest, scenario)
        by_hash.setdefault(digest, []).append(point.index)
        hashes.append(digest)
    parameters = study_parameters(study)
    problems.update(dict.fromkeys(Problem(source, f"outputs.{i}", "an output may not have the name of a "
                                          "parameter column (a key the study varies)", name)
                                  for i, name in enumerate(study.outputs) if name in parameters))
    if problems:
        raise StudyError(list(problems))
    dumps = {digest: scenario.model_dump(mode="json") for digest, scenario in scenarios.items()}
    parameter_values = [{key: lookup_key_path(dumps[digest], key) for key in parameters} for digest in hashes]
    runs = [Run(digest, scenarios[digest], tuple(indexes)) for digest, indexes in by_hash.items()]
    return Design(study=study, source=source, points=points, runs=runs, point_hashes=hashes,
                  parameters=parameters, parameter_values=parameter_values)


def load_design(path: str | Path, overrides: Mapping[str, object] | None = None) -> Design:
    """Read a study file and build its runs; ``overrides`` are added to the study's ``set`` (key path ->
    value), e.g. fewer regions for a quick look."""
    study = read_study(path)
    if overrides:
        study = study.model_copy(update={"set": {**study.set, **overrides}})
    return design(study, path)
