"""Every number in a shipped scenario carries a source or a labelled assumption on its line."""

import re

import pytest

from planner.resources import scenarios_dir

pytestmark = pytest.mark.unit

NUMBER = re.compile(r":\s*-?\d|max_grid_mw:\s*\d")


@pytest.mark.parametrize("path", sorted(scenarios_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_numbers_have_sources_or_assumptions(path):
    unlabelled = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        code = line.split("#", 1)[0]
        if NUMBER.search(code) and not re.search(r"#.*\b(source|assumption):", line):
            unlabelled.append(f"{path.name}:{number}: {line.strip()}")
    assert not unlabelled, "numbers without 'source:' or 'assumption:'\n" + "\n".join(unlabelled)


def _schema_models():
    """Every pydantic model of the input files (scenarios, rule packs, studies, cooling and chip catalogs)."""
    import importlib
    import inspect

    from pydantic import BaseModel

    for module_name in ("planner.scenario.schema", "planner.catalog.policy_schema", "planner.studies.schema",
                        "planner.cooling", "planner.catalog.accelerators"):
        module = importlib.import_module(module_name)
        for _, model in inspect.getmembers(module, inspect.isclass):
            if issubclass(model, BaseModel) and model.__module__ == module_name:
                yield model


def test_code_defaults_have_sources_or_assumptions():
    """A key left out of an input file takes the schema's default: a number there is a fact or a choice like
    any number in a scenario, so its description says 'source:' or 'assumption:'."""
    models = list(_schema_models())
    assert len(models) > 10
    unlabelled = [f"{model.__module__}.{model.__name__}.{name} = {field.default!r}"
                  for model in models for name, field in model.model_fields.items()
                  if isinstance(field.default, (int, float)) and not isinstance(field.default, bool)
                  and not re.search(r"\b(source|assumption):", field.description or "")]
    assert not unlabelled, "numeric defaults without 'source:' or 'assumption:'\n" + "\n".join(unlabelled)
