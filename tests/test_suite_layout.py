"""Test modules import shared helpers by unique names: every folder's conftest imports as the top-level module
``conftest``, so ``from conftest import X`` gets whichever folder's conftest was imported first."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

TESTS = Path(__file__).parent


def test_no_test_module_imports_a_conftest():
    offenders = [f"{path.relative_to(TESTS)}:{number}" for path in TESTS.rglob("*.py") if path != Path(__file__)
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if line.lstrip().startswith(("from conftest", "import conftest")) or ".conftest import" in line]
    assert not offenders, offenders
