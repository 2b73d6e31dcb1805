"""The notebooks in analyses/ are committed with their outputs (figures visible when the repository is browsed),
are what ``analyses/make_notebooks.py`` writes, and run top to bottom again from a fresh copy (nbclient, kernel
python3, working directory analyses/)."""

import base64
import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ANALYSES = ROOT / "analyses"
NOTEBOOKS = sorted(ANALYSES.glob("*.ipynb"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _make_notebooks():
    """analyses/make_notebooks.py as a module (analyses/ is not a package): the cells and the kernel settings."""
    spec = importlib.util.spec_from_file_location("make_notebooks", ANALYSES / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _make_notebooks()


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _images(cell) -> list[bytes]:
    return [base64.b64decode(o["data"]["image/png"]) for o in cell.outputs
            if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})]


def _texts(nb) -> list[list[str]]:
    """Per code cell, its printed and displayed text (stream text and text/plain; not the images)."""
    return [[o.text if o.output_type == "stream" else o.get("data", {}).get("text/plain", "") for o in c.outputs]
            for c in _code(nb)]


def _errors(nb) -> list:
    return [o for c in _code(nb) for o in c.outputs
            if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")]


def test_the_expected_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == ["01_meta_analysis.ipynb", "02_bias_and_sensitivity.ipynb",
                                           "03_sessions_to_meta.ipynb", "04_session_level_models.ipynb",
                                           "05_power_and_simulation.ipynb",
                                           "06_testing_practice_claims.ipynb"]
    assert sorted(MAKE.NOTEBOOKS) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_cells_are_those_of_make_notebooks(path):
    # a cell edited in the .ipynb only would be lost on the next regeneration
    committed = nbformat.read(path, as_version=4)
    built = MAKE.build(MAKE.NOTEBOOKS[path.name])
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_with_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = _code(nb)
    assert code
    # executed once, top to bottom, in one kernel
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert not _errors(nb)
    for cell in code:
        images = _images(cell)
        if MAKE.draws_figure(cell.source):  # every figure cell shows its figure, as a real PNG
            assert len(images) == 1, cell.source
            assert images[0].startswith(PNG_SIGNATURE) and len(images[0]) > 5_000
        else:
            assert not images, cell.source
    assert any(_images(c) for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_volatile_metadata(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata == MAKE.METADATA  # no kernel id, no Python version
    assert all("execution" not in c.metadata for c in nb.cells)  # no execution timestamps
    for cell in _code(nb):
        for png in _images(cell):
            assert b"Software" not in png  # no matplotlib version in the PNG text chunks


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path):
    committed = nbformat.read(path, as_version=4)
    nb = nbformat.read(path, as_version=4)
    for cell in _code(nb):  # a fresh copy: outputs cleared
        cell.outputs, cell.execution_count = [], None
    MAKE.execute(nb)  # raises CellExecutionError, naming the cell, when a cell fails
    assert not _errors(nb)
    code = _code(nb)
    drawn = [len(_images(c)) for c in code]
    assert drawn == [int(MAKE.draws_figure(c.source)) for c in code]  # every figure cell drew its figure
    expected = {"01_meta_analysis.ipynb": 3, "02_bias_and_sensitivity.ipynb": 7, "03_sessions_to_meta.ipynb": 6,
                "04_session_level_models.ipynb": 3, "05_power_and_simulation.ipynb": 4, "06_testing_practice_claims.ipynb": 3}
    assert sum(drawn) == expected[path.name]  # counted by hand from the plot calls in make_notebooks.py
    # the committed outputs are what the code gives today (otherwise: python analyses/make_notebooks.py)
    assert _texts(nb) == _texts(committed), f"{path.name} is stale: run python analyses/make_notebooks.py"
