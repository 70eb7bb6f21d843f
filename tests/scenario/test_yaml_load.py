"""planner.yaml_load: the C parser reads every shipped YAML file into exactly what PyYAML's own parser reads,
and a broken document fails with PyYAML's own message and line/column mark."""

from pathlib import Path

import pytest
import yaml

from planner import yaml_load

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted([*ROOT.glob("data/**/*.yaml"), *ROOT.glob("models/**/*.yaml"), *ROOT.glob("tests/**/*.yaml")])


def _typed(value):
    """The value with every scalar's type spelled out (1 == 1.0 == True would hide a changed type)."""
    if isinstance(value, dict):
        return {_typed(k): _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def test_the_fast_parser_is_used_where_pyyaml_has_it():
    assert (yaml_load._FAST_LOADER is not None) == bool(getattr(yaml, "__with_libyaml__", False))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_files_read_exactly_as_pyyaml_reads_them(path):
    text = path.read_text(encoding="utf-8")
    assert _typed(yaml_load.safe_load(text)) == _typed(yaml.safe_load(text))


@pytest.mark.parametrize("text", ["a: [1, 2\nb: 3\n", "a: 1\n  b: 2\n", "key: 'unterminated\n", "- a\nb: c\n"])
def test_a_broken_document_fails_with_pyyaml_s_own_error(text):
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.safe_load(text)
    with pytest.raises(type(expected.value)) as raised:
        yaml_load.safe_load(text)
    assert str(raised.value) == str(expected.value)


def test_dates_and_scalars_resolve_as_in_pyyaml():
    text = "when: 2026-03-01\nshare: 1e-3\nflag: yes\nnothing: ~\ncode: 0o17\n"
    assert _typed(yaml_load.safe_load(text)) == _typed(yaml.safe_load(text))
