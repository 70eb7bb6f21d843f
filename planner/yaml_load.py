"""YAML parsing for every file the planner reads: libyaml's parser where PyYAML has it, PyYAML's own otherwise.

``yaml.safe_load`` parses in pure Python: the shipped workload, rule, trend and scenario files took about
a second of a 20-point study's design and a tenth of every worker's first run. The C parser reads the same
documents about eight times faster and builds the same objects (the constructor and the type resolver are
PyYAML's own either way; only the scanner and parser differ). A document it rejects is parsed again by the
pure-Python parser, so an error is raised as before: the same exception type, message and line/column mark.
"""

from __future__ import annotations

import yaml

_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def safe_load(text: str):
    """``yaml.safe_load(text)``, parsed by libyaml when available."""
    if _FAST_LOADER is None:
        return yaml.safe_load(text)
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return yaml.safe_load(text)  # raises PyYAML's own error (message and mark), or reads what libyaml would not
