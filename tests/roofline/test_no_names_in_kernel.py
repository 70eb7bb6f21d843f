"""No factor or branch in planner/roofline keys on a chip's or a model's name: the kernel sees specs only."""

import ast
import re
from pathlib import Path

import pytest

import planner.roofline
from planner.catalog import load_aliases, load_catalog
from planner.roofline import list_model_cards

pytestmark = pytest.mark.unit

ROOFLINE = Path(planner.roofline.__file__).parent
ALLOWED: set[tuple[str, str]] = set()  # no exemptions: the reference training run is data (data/workloads)
"""The reference training run's model is a default input (which job the MIP's training FLOP/s describe), not a
factor: every chip gets the same job."""


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]", "", text.lower())


def _names() -> set[str]:
    catalog = load_catalog()
    names = set(catalog.index) | set(catalog["name"]) | set(load_aliases()["alias"]) | set(list_model_cards())
    return {_norm(n) for n in names if len(_norm(n)) >= 4}


def _code_strings(path: Path):
    """String constants and identifiers of a module, docstrings excluded (they cite sources)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    docstrings |= {id(node.value) for node in ast.walk(tree)  # attribute docstrings of dataclass fields
                   if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value
        elif isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr


def test_no_chip_or_model_name_in_roofline_code():
    names = _names()
    found = []
    for path in sorted(ROOFLINE.glob("*.py")):
        for text in _code_strings(path):
            key = _norm(text)
            hits = [n for n in names if n == key or (len(n) >= 5 and n in key)]
            if hits and (path.name, text) not in ALLOWED:
                found.append(f"{path.name}: {text!r} matches {hits}")
    assert found == []


def test_the_scan_would_catch_a_name(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('def f(chip):\n    """H100 in a docstring is fine."""\n    return 0.8 if chip == "H100-SXM" else 1.0\n')
    names = _names()
    assert any(_norm(t) in names for t in _code_strings(bad))
    assert not any("docstring" in t for t in _code_strings(bad))
