"""Write environment.yml from pyproject.toml: one source of truth for the dependencies.

pyproject.toml lists every Python dependency with its range; the conda environment names the
same packages with the same ranges (conda-forge names where they differ) plus the tools conda
provides outside Python (quarto, pandoc), then installs the project itself with pip.

    python tools/environment.py            # rewrite environment.yml
    python tools/environment.py --check    # exit 1 if environment.yml is out of date
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"pypandoc-binary": "pypandoc"}
# Not Python packages: what conda installs beside them. Quarto (which bundles pandoc and Typst)
# at the version tools/quarto.lock.json pins for the project-local install.
CONDA_ONLY = ["quarto"]
QUARTO_VERSION = __import__("json").loads((ROOT / "tools" / "quarto.lock.json").read_text())[
    "version"
]
CONDA_PINS = {"quarto": f"={QUARTO_VERSION}"}
EXTRAS = ["test", "slurm", "lint"]


def requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[tuple[str, str]]:
    """(name, range) of every dependency and of the extras the Makefile installs."""
    project = tomllib.loads(pyproject.read_text())["project"]
    specs = project["dependencies"] + [
        d for e in EXTRAS for d in project["optional-dependencies"][e]
    ]
    out = []
    for spec in specs:
        name, rng = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", spec).groups()
        out.append((name.lower(), rng.replace(" ", "")))
    return out


def render(pyproject: Path = ROOT / "pyproject.toml") -> str:
    project = tomllib.loads(pyproject.read_text())["project"]
    python = project["requires-python"]
    lines = [
        "# Generated from pyproject.toml by tools/environment.py: do not edit by hand.",
        "# Conda users: `conda env create -f environment.yml && conda activate coprod`.",
        "name: coprod",
        "channels:",
        "  - conda-forge",
        "  - bioconda",
        "  - nodefaults",
        "dependencies:",
        f"  - python{python},<3.14",
    ]
    lines += [f"  - {CONDA_NAMES.get(name, name)}{rng}" for name, rng in requirements(pyproject)]
    lines += [f"  - {tool}{CONDA_PINS.get(tool, '')}" for tool in CONDA_ONLY]
    lines += ["  - pip", "  - pip:", "      - -e ."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = ROOT / "environment.yml"
    if "--check" in sys.argv:
        sys.exit(0 if target.read_text() == render() else 1)
    target.write_text(render())
