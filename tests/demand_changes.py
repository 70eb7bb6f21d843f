"""Copies of a scenario with demand fields changed, for the demand tests (a uniquely named module: conftest
files of different folders all import as ``conftest`` and would collide)."""


def with_demand(scenario, **changes):
    """A copy of ``scenario`` with ``demand`` fields replaced (validated like a loaded scenario)."""
    tree = scenario.model_dump(mode="json")
    tree["demand"].update(changes)
    return type(scenario).model_validate(tree)


def with_class(scenario, service_class, **changes):
    tree = scenario.model_dump(mode="json")
    tree["demand"]["classes"][service_class].update(changes)
    return type(scenario).model_validate(tree)
