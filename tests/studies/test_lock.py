"""Two sweeps cannot write one study folder at once: the second is refused with a message (exit code 2)."""

import pytest
from click.testing import CliRunner
from study_files import write_study

from planner.cli import cli
from planner.errors import StudyError
from planner.studies.store import StudyStore

pytestmark = pytest.mark.unit


def test_a_held_folder_refuses_a_second_writer_until_released(tmp_path):
    store = StudyStore(tmp_path / "out")
    with store.locked():
        with pytest.raises(StudyError) as caught, StudyStore(tmp_path / "out").locked():
            pass
        assert "another sweep is writing this study folder" in str(caught.value)
        assert "pid" in str(caught.value)  # who holds it
    with StudyStore(tmp_path / "out").locked():  # released when the first writer is done
        pass


def test_sweep_into_a_folder_another_sweep_writes_exits_2(tmp_path):
    path = write_study(tmp_path, "locked", grid={"demand.agents_per_capita": [0.5, 1.0]})
    out = tmp_path / "out"
    with StudyStore(out).locked():
        result = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "another sweep is writing this study folder" in result.output
    assert "Traceback" not in result.output
    assert not (out / "manifest.json").exists()  # nothing of the refused sweep was written
