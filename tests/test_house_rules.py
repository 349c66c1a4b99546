"""The rules of the house, checked over the source tree (README, "Rules of the house").

- Only acquisition touches the network or the mirror.
- Only readers know raw column names.
- Lower stages never import higher ones: foundation < data < analysis < report, and the report
  reads result files, never model code.
- Parsing the workflow needs only Snakemake, PyYAML and the standard library.
"""

from __future__ import annotations

import ast
import csv
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "coprod"
FIXTURES = ROOT / "tests" / "fixtures"

NETWORK_MODULES = {
    "pooch",
    "requests",
    "httpx",
    "aiohttp",
    "urllib.request",
    "http.client",
    "socket",
    "ftplib",
    "urllib3",
}
ACQUISITION = {"coprod.data.acquire", "coprod.data.download"}
# The stage each module belongs to; a module may import only its own stage and those below.
LEVELS = {"foundation": 0, "data": 1, "analysis": 2, "report": 3}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LEVELS else "foundation"


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def string_literals(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_stages_are_subpackages_a_newcomer_can_name():
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} == {
        "data",
        "analysis",
        "report",
    }
    assert {stage(m) for m in package_modules()} == set(LEVELS)


def test_lower_stages_never_import_higher_ones():
    broken = []
    for module, path in package_modules().items():
        own = LEVELS[stage(module)]
        for name in imports(path):
            if name.startswith("coprod.") and LEVELS[stage(name)] > own:
                broken.append(f"{module} imports {name}")
    assert broken == []


def test_the_report_reads_files_never_model_code():
    broken = [
        f"{m} imports {n}"
        for m, p in package_modules().items()
        if stage(m) == "report"
        for n in imports(p)
        if n.startswith("coprod.analysis")
    ]
    broken += [
        f"{p.name} imports {n}"
        for p in (ROOT / "workflow/scripts/report").glob("*.py")
        for n in imports(p)
        if n.startswith("coprod.analysis")
    ]
    assert broken == []


def test_only_acquisition_touches_the_network_or_the_mirror():
    sources = {
        **package_modules(),
        **{
            str(p.relative_to(ROOT)): p
            for d in ("workflow/scripts", "bench")
            for p in sorted((ROOT / d).rglob("*.py"))
        },
    }
    network = {m for m, p in sources.items() if imports(p) & NETWORK_MODULES}
    mirror = {
        m for m, p in sources.items() if {"data_mirror", "COPROD_DATA_MIRROR"} & string_literals(p)
    }
    assert network <= ACQUISITION, network - ACQUISITION
    assert mirror <= ACQUISITION | {"workflow/scripts/data/acquire.py"}, mirror


def raw_column_names() -> set[str]:
    """Header names of the raw-layout fixtures that cannot be tidy names or display words (tidy
    names are lower-case snake_case; raw ones carry spaces, capitals, digits or punctuation;
    a lone word such as "Region" is also a display label, so it is left out)."""
    names = set()
    for path in FIXTURES.rglob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
        names |= {h for h in header if not re.fullmatch(r"[a-z0-9_]+|[A-Za-z]+", h)}
    return names


def test_only_readers_know_raw_column_names():
    raw = raw_column_names()
    assert len(raw) > 50  # the fixtures carry the official headers
    leaks = {
        m: sorted(string_literals(p) & raw)
        for m, p in package_modules().items()
        if not m.startswith("coprod.data.readers")
    }
    assert {m: names for m, names in leaks.items() if names} == {}


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "Snakefile",
        ROOT / "workflow" / "Snakefile",
        *sorted((ROOT / "workflow" / "rules").glob("*.smk")),
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_parsing_the_workflow_imports_nothing_heavy(path):
    """Rule files read the registry as plain YAML, so `snakemake -n` and `--lint` need only
    Snakemake and PyYAML (and the workflow can be deployed as a catalog module)."""
    # onstart: runs after parsing, in the pipeline's environment (the package's cross-field
    # config checks); coprod.startup is imported from src/ and needs only the standard
    # library, PyYAML and jsonschema (test_startup_module_is_light).
    text = re.sub(r"^onstart:\n(?:[ \t]+.*\n|\n)*", "", path.read_text(), flags=re.M)
    found = re.findall(r"^\s*(?:from\s+(\S+)\s+import|import\s+(\S+))", text, re.M)
    modules = {(a or b).split(".")[0] for a, b in found if (a or b) != "coprod"}
    assert modules <= set(sys.stdlib_module_names) | {"yaml", "snakemake"}, modules


def test_startup_module_is_light():
    """What the Snakefile imports at parse time: stdlib, PyYAML, jsonschema (a Snakemake
    dependency) and coprod.errors, nothing of the scientific stack."""
    for module in ("startup", "errors"):
        source = (ROOT / "src" / "coprod" / f"{module}.py").read_text()
        found = re.findall(r"^\s*(?:from\s+(\S+)\s+import|import\s+(\S+))", source, re.M)
        modules = {(a or b) for a, b in found}
        roots = {m.split(".")[0] for m in modules if m != "coprod.errors"}
        assert roots <= set(sys.stdlib_module_names) | {"yaml", "jsonschema"}, (module, roots)
