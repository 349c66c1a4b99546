"""Notebooks: stored clean, run in this environment's kernel, fail loudly, and execute end to end
on the pipeline's results (the cost explorer reproducing the pipeline at configured values)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from coprod.errors import CoprodError
from coprod.report.notebooks import (
    execute,
    execute_notebook,
    repo_root,
    stored_outputs,
    strip_outputs,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPLORER = ROOT / "notebooks" / "03_cost_scenarios.ipynb"


def _write(path: Path, *sources: str) -> Path:
    nbformat.write(v4.new_notebook(cells=[v4.new_code_cell(s) for s in sources]), path)
    return path


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_data_tour.ipynb",
        "02_power_index.ipynb",
        "03_cost_scenarios.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs_on_the_python3_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert stored_outputs(path) == [], (
        f"{path.name}: clear outputs with coprod.report.notebooks.strip_outputs"
    )
    assert nb.metadata.kernelspec.name == "python3"


def test_explorer_parameters_come_first_and_are_tagged():
    first = next(c for c in nbformat.read(EXPLORER, as_version=4).cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    assert all(name in first.source for name in ("N_DRAWS", "CHANGES", "GEOGRAPHY"))


def test_kernel_runs_this_environment(tmp_path):
    nb = execute(
        v4.new_notebook(cells=[v4.new_code_cell("import sys; print(sys.prefix)")]), cwd=tmp_path
    )
    assert nb.cells[0].outputs[0].text.strip() == sys.prefix


def test_a_failing_cell_raises_naming_the_notebook(tmp_path):
    path = _write(tmp_path / "broken.ipynb", "x = 1", "x / 0")
    with pytest.raises(CoprodError, match="broken.ipynb") as err:
        execute_notebook(path)
    assert "ZeroDivisionError" in str(err.value)


def test_strip_outputs_clears_outputs_and_counts_only(tmp_path):
    path = _write(tmp_path / "nb.ipynb", "print('hello')", "# no output")
    nbformat.write(execute(nbformat.read(path, as_version=4), cwd=tmp_path), path)
    assert stored_outputs(path) == [0, 1]  # the silent cell still has an execution count
    assert strip_outputs(path) is True
    assert stored_outputs(path) == []
    assert strip_outputs(path) is False
    assert [c.source for c in nbformat.read(path, as_version=4).cells] == [
        "print('hello')",
        "# no output",
    ]


def test_repo_root_walks_up_to_pyproject(tmp_path):
    assert repo_root(ROOT / "notebooks") == ROOT
    with pytest.raises(CoprodError, match="pyproject.toml"):
        repo_root(tmp_path)


@pytest.mark.mirror
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_on_the_pipeline_results(path, results):
    nb = execute_notebook(path, cwd=path.parent)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    if path == EXPLORER:
        printed = "".join(
            o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream"
        )
        assert "configured parameters reproduce results/costs/" in printed


@pytest.mark.mirror
def test_explorer_rejects_an_invalid_parameter_change(results, tmp_path):
    nb = nbformat.read(EXPLORER, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    first.source += '\nCHANGES = {"backfill_share": {"min": 0.9, "max": 0.5}}'
    path = tmp_path / EXPLORER.name
    nbformat.write(nb, path)
    with pytest.raises(CoprodError, match="backfill_share: uniform bounds"):
        execute_notebook(path, cwd=EXPLORER.parent)
