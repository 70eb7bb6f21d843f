"""The bad-input corpus (``cases.yaml``): each broken input gets a clear message naming the file, the key path
and the value, with exit status 2 from the CLI and no traceback; loaders raise an ``InputError`` saying the
same. One parametrised test runs every case."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from planner.catalog import load_catalog
from planner.catalog.policy_load import load_rule_packs_from
from planner.cli import cli
from planner.errors import InputError
from planner.resources import data_path, scenarios_dir

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))
ORLIB = Path(__file__).parents[1] / "data" / "orlib"


def _fill(text: str, tmp: Path) -> str:
    return (text.replace("{scenarios}", str(scenarios_dir())).replace("{tmp}", str(tmp))
            .replace("{orlib}", str(ORLIB)))


def _write_files(case: dict, tmp: Path) -> None:
    for name, content in case.get("files", {}).items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict) and "hex" in content:
            path.write_bytes(bytes.fromhex(content["hex"]))
        else:
            path.write_text(_fill(content, tmp), encoding="utf-8")


def _message_from_cli(case: dict, tmp: Path) -> str:
    result = CliRunner().invoke(cli, [_fill(str(a), tmp) for a in case["args"]], catch_exceptions=True)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        f"raised {result.exception!r} instead of a clean message")
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.output}"
    assert "Traceback" not in result.output
    return result.output


def _message_from_catalog(case: dict, tmp: Path) -> str:
    frame = pd.read_csv(data_path("accelerators", "accelerators.csv"), dtype=str, keep_default_na=False)
    for edit in case["edits"]:
        frame.loc[frame["chip"] == edit["chip"], edit["column"]] = str(edit["value"])
    path = tmp / "accelerators.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as raised:
        load_catalog(path)
    return str(raised.value)


def _message_from_rule_packs(case: dict, tmp: Path) -> str:
    directory = tmp / "policy"
    shutil.copytree(data_path("policy"), directory)
    for name, content in case["packs"].items():
        (directory / name).write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_rule_packs_from(directory)
    return str(raised.value)


RUNNERS = {"cli": _message_from_cli, "catalog": _message_from_catalog, "rule_packs": _message_from_rule_packs}


@pytest.mark.unit
def test_corpus_is_large_and_varied():
    assert len(CASES) >= 40
    assert len({case["id"] for case in CASES}) == len(CASES)
    assert {case["kind"] for case in CASES} == set(RUNNERS)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_input_gets_a_clear_message(case, tmp_path):
    _write_files(case, tmp_path)
    message = RUNNERS[case["kind"]](case, tmp_path)
    for fragment in case["expect"]:
        assert _fill(str(fragment), tmp_path) in message, f"{fragment!r} not in:\n{message}"
