"""The assumptions appendix: every scenario value with the source or labelled assumption on its line.

Values come from the scenario files (base first; a later file or an override replaces an earlier value, as
the loader merges them), then the ``--set`` overrides, then whatever the scenario leaves at the schema
default. The note is the comment on the value's line in the YAML (the convention the reference scenarios
follow and tests/scenario check: ``# source: ...`` or ``# assumption: ...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from planner.report.scenario_source import ScenarioSource
from planner.yaml_load import safe_load

Path_ = tuple[str, ...]
LABEL = re.compile(r"\b(source|assumption):", re.IGNORECASE)


@dataclass(frozen=True)
class ValueRow:
    key: str
    value: str
    origin: str
    """Where the value is set: a file name, ``--set`` or ``schema default``."""
    note: str
    """The source or assumption comment ('' when the line has none)."""

    @property
    def kind(self) -> str:
        """source / assumption / override / default / text (a name or choice without a number) / unlabelled
        (a number without a source or assumption): how the value is backed."""
        if self.origin == "--set":
            return "override"
        if self.origin == "schema default":
            return "default"
        labels = {m.group(1).lower() for m in LABEL.finditer(self.note)}
        if "source" in labels:
            return "source"
        if "assumption" in labels:
            return "assumption"
        return "unlabelled" if _is_number(self.value) else "text"


def _is_number(text: str) -> bool:
    """A number, or a one-line mapping holding numbers (as tests/scenario reads the YAML lines)."""
    try:
        float(text)
        return True
    except ValueError:
        return bool(re.search(r":\s*-?\d", text))


def _comment_after(lines: list[str], node: yaml.Node) -> str:
    """The ``#`` comment after a one-line value; none for values spanning lines (block text), whose last
    line belongs to the next key."""
    if node.end_mark.line != node.start_mark.line or node.end_mark.line >= len(lines):
        return ""
    _, hash_, comment = lines[node.end_mark.line][node.end_mark.column:].partition("#")
    return comment.strip() if hash_ else ""


def _display(node: yaml.Node) -> str:
    value = safe_load(yaml.serialize(node))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "null" if value is None else str(value).strip()


def _key_of(key_node: yaml.Node, value_node: yaml.Node, index: int | None) -> str:
    if index is None:
        return str(key_node.value)
    if isinstance(value_node, yaml.MappingNode):  # a list item: name it by its "name" when it has one
        for k, v in value_node.value:
            if k.value == "name" and isinstance(v, yaml.ScalarNode):
                return v.value
    return str(index)


def _leaves(node: yaml.Node, path: Path_, lines: list[str]):
    """(path, display value, comment) for scalars and one-line (flow) collections under ``node``."""
    one_line = node.start_mark.line == node.end_mark.line
    if isinstance(node, yaml.ScalarNode) or (one_line and getattr(node, "flow_style", False)):
        yield path, _display(node), _comment_after(lines, node)
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not path and key_node.value == "extends":
                continue
            yield from _leaves(value_node, path + (_key_of(key_node, value_node, None),), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _leaves(item, path + (_key_of(None, item, index),), lines)


def _replace_under(rows: dict[Path_, ValueRow], path: Path_) -> None:
    for existing in [p for p in rows if p[: len(path)] == path]:
        del rows[existing]


def _file_rows(name: str, text: str) -> dict[Path_, ValueRow]:
    root = yaml.compose(text)
    if root is None:
        return {}
    lines = text.splitlines()
    return {path: ValueRow(".".join(path), value, name, note) for path, value, note in _leaves(root, (), lines)}


def _replaced_subtrees(text: str) -> list[Path_]:
    """Paths a file sets to a non-mapping value: they replace the base's whole subtree (lists, scalars)."""
    raw = safe_load(text) or {}
    raw.pop("extends", None)
    paths: list[Path_] = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + (str(key),))
        else:
            paths.append(path)

    walk(raw, ())
    return paths


def _default_rows(effective: dict, covered: set[Path_]) -> list[ValueRow]:
    """Leaves of ``effective`` under no covered path (paths with list positions as digits)."""
    rows = []

    def children(node):
        if isinstance(node, dict):
            return [(str(k), str(k), v) for k, v in node.items()]
        return [(str(i), str(v.get("name", i)) if isinstance(v, dict) else str(i), v) for i, v in enumerate(node)]

    def walk(node, path, label):
        if any(path[: len(c)] == c for c in covered):
            return
        if isinstance(node, (dict, list)) and node and (isinstance(node, dict) or any(
                c[: len(path)] == path for c in covered)):
            for key, name, value in children(node):
                walk(value, path + (key,), label + (name,))
            return
        rows.append(ValueRow(".".join(label), _plain(node), "schema default", ""))

    walk(effective, (), ())
    return rows


def _plain(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value else "[]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) if value else "{}"
    return str(value)


def scenario_values(source: ScenarioSource, effective: dict | None = None) -> list[ValueRow]:
    """Every value of the scenario with where it is set and its note, in file order then overrides, then
    the schema defaults of ``effective`` (the validated scenario's ``model_dump(mode="json")``) that no file
    or override sets."""
    rows: dict[Path_, ValueRow] = {}
    for name, text in source.files:
        for path in _replaced_subtrees(text):
            _replace_under(rows, path)
        rows.update(_file_rows(name, text))
    for text in source.overrides:
        key, _, value = text.partition("=")
        path = tuple(key.strip().split("."))
        _replace_under(rows, path)
        rows[path] = ValueRow(key.strip(), value.strip(), "--set", "set on the command line")
    listed = list(rows.values())
    if effective is not None:
        covered = {_numeric_list_path(p, effective) for p in rows}
        listed += _default_rows(effective, covered)
    return listed


def _numeric_list_path(path: Path_, effective: dict) -> Path_:
    """Sites are named by their ``name`` in the rows but indexed by position in the validated scenario."""
    node, out = effective, []
    for part in path:
        if isinstance(node, list):
            position = next((i for i, item in enumerate(node) if isinstance(item, dict) and item.get("name") == part),
                            int(part) if part.isdigit() else None)
            if position is None or position >= len(node):
                return path
            out.append(str(position))
            node = node[position]
        elif isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        else:
            return path
    return tuple(out)
