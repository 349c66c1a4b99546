"""The report the pipeline rendered from the mirror: every number traced, every reference
resolved, every figure in the PDF, and a clean page in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from coprod.report.checks import check_report
from coprod.report.render import html_problems, pdf_figure_count
from coprod.report.variables import read_variables

pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def report(results):
    out = results / "report"
    assert (out / "coproduction.html").exists(), "run the pipeline (make run) first"
    return out


def test_sources_pass_the_number_check(root, report):
    assert check_report(root / "report/coproduction.qmd", root / "report/_variables.yml") == []


def test_every_variable_comes_from_the_values_file(root, report):
    """_variables.yml holds exactly the values the pipeline computed, and all are used."""
    values = json.loads((report / "values.json").read_text())
    software = json.loads((report / "software.json").read_text())
    variables = read_variables(root / "report/_variables.yml")
    flat = {}

    def walk(node, prefix=""):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = value

    walk(variables)
    assert flat == {**values, **software}
    used = set(re.findall(r"\{\{< var ([\w.]+) >\}\}", (root / "report/coproduction.qmd").read_text()))
    assert used <= set(flat)


def test_html_has_no_unresolved_references(report):
    html = (report / "coproduction.html").read_text()
    assert html_problems(html) == []
    assert "??" not in html and "@fig-" not in html and "@tbl-" not in html


def configured(root: Path) -> dict:
    return yaml.safe_load((root / "config/report.yaml").read_text())["report"]


def test_the_report_includes_each_configured_figure_and_table_once(root):
    """config/report.yaml is the one list of figures and tables; the source follows it."""
    source = (root / "report/coproduction.qmd").read_text()
    figures = re.findall(r"figures/([a-z0-9_]+)\.png", source)
    assert figures == list(configured(root)["figures"])
    tables = re.findall(r"tables/([a-z0-9_]+)\.md", source)
    assert sorted(tables) == sorted(configured(root)["tables"])


def test_pdf_holds_every_figure(root, report):
    assert pdf_figure_count(report / "coproduction.pdf") == len(configured(root)["figures"])


# The same names the workflow looks for (workflow/rules/report.smk): without a browser the
# screenshot rule is left out of the run, so there is nothing to check.
CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]


@pytest.mark.skipif(not any(map(shutil.which, CHROMIUM_NAMES)),
                    reason="no Chromium on PATH: the browser check and its screenshot are optional "
                           "(.ci/run installs Chromium and runs this test)")
def test_browser_screenshot_was_taken(report):
    shot = report / "screenshot.png"
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000
