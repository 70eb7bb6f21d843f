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
