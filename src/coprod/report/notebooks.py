"""The exploratory notebooks in ``notebooks/``: find the repository from inside one, run one
the way CI does, and keep them stored without outputs.

Notebooks read pipeline outputs only, so they fail with a message naming the missing result
and the command that builds it rather than a bare FileNotFoundError. Stored notebooks carry no
outputs or execution counts: diffs stay readable and no result is committed by hand.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from coprod.errors import CoprodError
from coprod.io import write_text

KERNEL = "python3"


def repo_root(start: str | Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: the working directory) holding
    ``pyproject.toml``, so a notebook finds ``results/`` wherever Jupyter was started."""
    start = Path.cwd() if start is None else Path(start)
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    raise CoprodError(
        f"no pyproject.toml at or above {start}: open the notebook inside the repository"
    )


def result(root: str | Path, relative: str) -> Path:
    """A pipeline output under ``root``; a missing one names the snakemake target to build."""
    path = Path(root) / relative
    if not path.exists():
        raise CoprodError(
            f"{relative} is missing: build it first with "
            f"`.venv/bin/snakemake --cores 2 {relative}` (or `make run`)"
        )
    return path


def execute(
    nb: nbformat.NotebookNode,
    *,
    cwd: str | Path,
    timeout: int | None = None,
    kernel_name: str = KERNEL,
    name: str = "notebook",
) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in ``cwd`` and return it with outputs; any cell error raises.

    ``timeout`` is per cell in seconds (None: no limit). A kernel spec whose command is plain
    ``python`` runs this interpreter (jupyter_client substitutes ``sys.executable``), so the
    notebook sees the same environment as the caller."""
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    try:
        client.execute()
    except CellExecutionError as err:
        raise CoprodError(f"{name}: a cell failed\n{err}") from err
    return nb


def execute_notebook(
    path: str | Path, cwd: str | Path | None = None, timeout: int | None = None
) -> nbformat.NotebookNode:
    """Execute the notebook at ``path`` (working directory ``cwd``, default its folder) without
    writing it back; raise CoprodError naming the notebook on any cell error."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    return execute(nb, cwd=cwd or path.parent, timeout=timeout, name=str(path))


def stored_outputs(path: str | Path) -> list[int]:
    """Indices of code cells that carry outputs or an execution count (should be none)."""
    nb = nbformat.read(Path(path), as_version=4)
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def strip_outputs(path: str | Path) -> bool:
    """Clear outputs and execution counts in place; return whether the file changed."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count, changed = [], None, True
    if changed:
        write_text(nbformat.writes(nb) + "\n", path)
    return changed
