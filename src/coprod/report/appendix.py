"""The reproducibility appendix's tables: data provenance, software versions, the rule graph."""

from __future__ import annotations

import graphlib
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from coprod.columns import require_columns
from coprod.errors import ReportError
from coprod.report.tables import frame_to_markdown


def provenance_markdown(provenance: pd.DataFrame) -> str:
    """The appendix's data registry table from `results/provenance.csv`: what each raw file is,
    who publishes it, under which licence, and the start of its verified SHA-256."""
    require_columns(
        provenance,
        ["dataset", "publisher", "licence", "provenance", "sha256", "bytes"],
        "provenance table",
    )
    table = pd.DataFrame(
        {
            "Dataset": provenance["dataset"],
            "Publisher": provenance["publisher"],
            "Licence": provenance["licence"],
            "Provenance": provenance["provenance"],
            **({"Source": provenance["source_used"]} if "source_used" in provenance else {}),
            "SHA-256 (first 12)": "`" + provenance["sha256"].str.slice(0, 12) + "`",
            "Size (kB)": provenance["bytes"] / 1e3,
        }
    ).sort_values("Dataset", ignore_index=True)
    return frame_to_markdown(table, digits=0)


def _command_output(args: list[str], cwd: Path | None = None) -> str | None:
    try:
        result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip()


def software_versions(root: str | Path = ".") -> tuple[pd.DataFrame, dict[str, str]]:
    """(table, values) of what produced the report: git commit, Python, the key packages,
    and Quarto with the pandoc and Typst it renders with. Values are keyed `software.*` for
    `_variables.yml`."""
    from coprod.report.render import quarto_version

    root = Path(root)
    commit = _command_output(["git", "rev-parse", "HEAD"], root)
    if commit is None:
        commit = "unknown (not a git checkout)"
    elif _command_output(["git", "status", "--porcelain", "--untracked-files=no"], root):
        commit += " (with uncommitted changes)"
    rows = [("git commit", commit), ("Python", platform.python_version())]
    for package in (
        "snakemake",
        "pandas",
        "numpy",
        "scipy",
        "statsmodels",
        "matplotlib",
        "pyarrow",
        "pandera",
        "geopandas",
        "itables",
    ):
        try:
            rows.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            rows.append((package, "not installed"))
    if quarto_version() is None:
        raise ReportError("quarto not found: run `make install`")
    for tool in (None, "pandoc", "typst"):  # Quarto, and the pandoc and Typst it runs
        rows.append((tool or "quarto", quarto_version(tool) or "unknown"))
    table = pd.DataFrame(rows, columns=["Component", "Version"])
    values = {
        f"software.{re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_').lower()}": version
        for name, version in rows
    }
    return table, values


def rulegraph_markdown(dot: str) -> str:
    """The pipeline's rule graph (Snakemake `--rulegraph` DOT) as a table: each rule and the
    rules whose outputs it reads, in running order (every rule after the rules it reads, ties
    alphabetical) so the table reads from the raw data down to the report."""
    names = dict(re.findall(r'^\s*(\d+)\s*\[.*?label\s*=\s*"([^"]+)"', dot, re.M))
    if not names:
        raise ReportError("rule graph: no rules found in the DOT text")
    upstream: dict[str, set[str]] = {name: set() for name in names.values()}
    for source, target in re.findall(r"^\s*(\d+)\s*->\s*(\d+)", dot, re.M):
        upstream[names[target]].add(names[source])
    graph = graphlib.TopologicalSorter(upstream)
    graph.prepare()
    ordered: list[str] = []
    while graph.is_active():
        ready = sorted(graph.get_ready())
        ordered += ready
        graph.done(*ready)
    table = pd.DataFrame(
        {
            "Rule": ordered,
            "Reads outputs of": [", ".join(sorted(upstream[r])) or "—" for r in ordered],
        }
    )
    return frame_to_markdown(table)
