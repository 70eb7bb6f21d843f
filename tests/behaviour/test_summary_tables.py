"""The plan summary: rich tables on a terminal, plain aligned text elsewhere, built from the same sections
(shares as percentages, chip counts as integers); a stage adds a section by adding one function."""

import io

import pandas as pd
import pytest
from rich.console import Console

from known_answers import two_towns
from planner import results_format
from planner.extract import extract
from planner.mip.build import build_model
from planner.solve import SolveOptions, solve

pytestmark = pytest.mark.solver

BOX_CHARACTERS = set("┏┃━┡│└─╇┩")


@pytest.fixture(scope="module")
def plan():
    inputs = two_towns()
    model = build_model(inputs)
    return extract(model, inputs, solve(model, SolveOptions(mip_gap=0.0)), "hash")


def _plain_section(text: str, title: str) -> pd.DataFrame:
    block = text.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0]
    return pd.read_csv(io.StringIO(block), sep=r"\s+")


def test_plain_summary_has_integer_chips_and_percent_shares(plan):
    text = plan.summary()
    assert not BOX_CHARACTERS & set(text) and "\x1b[" not in text
    chips = _plain_section(text, "Chips by type").set_index("chip")
    expected = plan.chips_by_type()
    assert chips["chips"].to_dict() == {chip: round(n) for chip, n in expected.items()}
    assert chips["chips"].dtype.kind == "i"
    shares = chips["share"].str.rstrip("%").astype(float)
    assert shares.sum() == pytest.approx(100, abs=0.15)
    assert shares.loc["Y"] == pytest.approx(100 * expected["Y"] / expected.sum(), abs=0.05)
    block = text.split("\nCost breakdown:\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    shares = {line.split()[0]: line.split()[-1] for line in block}  # header "M USD/year" has a space
    assert all(share.endswith("%") for share in shares.values())
    usd = plan.costs.set_index("component")["usd_per_year"]
    assert float(shares["siting"].rstrip("%")) == pytest.approx(100 * usd["siting"] / usd.sum(), abs=0.05)


def test_rich_summary_shows_the_same_cells_as_tables(plan):
    console = Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)
    results_format.print_summary(plan, console)
    shown = console.file.getvalue()
    assert BOX_CHARACTERS & set(shown)
    plain = plan.summary()
    for section in results_format.summary_sections(plan):
        assert section.title in shown and section.title in plain
        cells = [] if section.table is None else section.table.to_numpy().ravel()
        for cell in cells:
            assert cell in shown and cell in plain


def test_a_section_added_shows_in_every_renderer(plan, monkeypatch):
    def extra(p):
        return results_format.Section("Extra figures", pd.DataFrame({"figure": ["answer"], "value": ["42"]}))

    monkeypatch.setattr(results_format, "SECTIONS", [*results_format.SECTIONS, extra])
    console = Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)
    results_format.print_summary(plan, console)
    for rendered in (plan.summary(), console.file.getvalue(), plan._repr_html_()):
        assert "Extra figures" in rendered and "answer" in rendered


def test_cli_prints_plain_text_to_a_pipe_and_tables_to_a_terminal(plan, capsys, monkeypatch):
    from planner.commands._tables import echo_plan_summary

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    echo_plan_summary(plan)
    assert capsys.readouterr().out == plan.summary() + "\n"
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the output as a terminal
    echo_plan_summary(plan)
    shown = capsys.readouterr().out
    assert BOX_CHARACTERS & set(shown) and "Chips by type" in shown
