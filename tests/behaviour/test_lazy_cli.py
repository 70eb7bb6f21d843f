"""``planner --help`` lists every command without importing any of them (nor the pipeline)."""

import subprocess
import sys
from importlib import import_module

import pytest

from planner.commands import COMMANDS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_help_matches_the_command(name):
    module, attribute, short_help = COMMANDS[name]
    command = getattr(import_module(module), attribute)
    assert command.name == name
    assert command.get_short_help_str(limit=200) == short_help


def test_help_imports_neither_the_pipeline_nor_the_commands():
    code = ("import sys; from planner.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('pyomo', 'pandas', 'geopandas', 'planner.pipeline', 'planner.commands.solve')"
            " if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
    for name in COMMANDS:
        assert name in done.stdout


@pytest.mark.slow
def test_public_names_load_on_first_use():
    done = subprocess.run([sys.executable, "-c", "import sys, planner; assert 'pyomo' not in sys.modules; "
                           "planner.SolveOptions; assert planner.Plan.__name__ == 'Plan'"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_a_public_function_is_not_shadowed_by_its_submodule():
    done = subprocess.run([sys.executable, "-c", "import planner, planner.pipeline, planner.verify; "
                           "assert callable(planner.verify) and callable(planner.plan)"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
