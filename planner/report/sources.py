"""Data sources and licences for the appendix: each shipped data folder's PROVENANCE.md, summarised by its
title and the lines that state a licence, with the full text kept for the reader to expand."""

from __future__ import annotations

import re
from dataclasses import dataclass

from planner.resources import data_dir

LICENCE = re.compile(r"licen[cs]e|public domain|CC[- ]BY|CC0|Apache|MIT\b", re.IGNORECASE)


@dataclass(frozen=True)
class DataSource:
    folder: str
    title: str
    licences: tuple[str, ...]
    text: str


def _clean(line: str) -> str:
    return re.sub(r"[*`]", "", line).strip(" -#")


def data_sources() -> list[DataSource]:
    found = []
    for path in sorted(data_dir().glob("*/PROVENANCE.md")):
        text = path.read_text(encoding="utf-8")
        lines = [l for l in text.splitlines() if l.strip()]
        title = _clean(lines[0]) if lines else path.parent.name
        licences = tuple(dict.fromkeys(_clean(l) for l in lines[1:] if LICENCE.search(l)))
        found.append(DataSource(path.parent.name, title, licences[:4], text))
    return found
