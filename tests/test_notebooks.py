"""The notebooks in analyses/ run top to bottom (nbclient, kernel python3, working directory analyses/) and
are committed without outputs."""

import os
from pathlib import Path

import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ANALYSES = ROOT / "analyses"
NOTEBOOKS = sorted(ANALYSES.glob("*.ipynb"))
TIMEOUT = 120  # seconds per cell


def test_the_expected_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == ["01_meta_analysis.ipynb", "02_bias_and_sensitivity.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    # the kernel imports the working tree's ruptstats even when it is not installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT,
                                     resources={"metadata": {"path": str(ANALYSES)}})
    client.execute()  # raises CellExecutionError, naming the cell, when a cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    expected = {"01_meta_analysis.ipynb": 3, "02_bias_and_sensitivity.ipynb": 7}[path.name]
    assert len(images) == expected  # every figure cell drew its figure
