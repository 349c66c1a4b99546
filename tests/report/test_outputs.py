"""The report Quarto rendered from the pipeline's results on the mirror: every number traced,
every reference resolved in both formats, every figure in the PDF, the council table and its
downloads beside the HTML, and a clean page in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from coprod.report.checks import check_report
from coprod.report.render import (
    _visible_html,
    html_problems,
    pdf_image_count,
    pdf_problems,
    pdf_text,
)
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
    councils = json.loads((report / "councils.json").read_text())
    variables = read_variables(root / "report/_variables.yml")
    flat = {}

    def walk(node, prefix=""):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = value

    walk(variables)
    assert flat == {**values, **software, **councils}
    used = set(
        re.findall(r"\{\{< var ([\w.]+) >\}\}", (root / "report/coproduction.qmd").read_text())
    )
    assert used <= set(flat)


def test_html_has_no_unresolved_references(report):
    html = (report / "coproduction.html").read_text()
    assert html_problems(html) == []
    visible = _visible_html(html)
    assert (
        "??" not in visible
        and "?@" not in visible
        and "@fig-" not in visible
        and "@tbl-" not in visible
    )


def configured(root: Path) -> dict:
    return yaml.safe_load((root / "config/report.yaml").read_text())["report"]


def test_the_report_includes_each_configured_figure_and_table_once(root):
    """config/report.yaml is the one list of figures and tables; the source follows it."""
    source = (root / "report/coproduction.qmd").read_text()
    figures = re.findall(r"figures/([a-z0-9_]+)\.png", source)
    maps = configured(root)["maps"]
    assert [f for f in figures if f not in maps] == list(configured(root)["figures"])
    assert sorted(f for f in figures if f in maps) == sorted(maps)
    tables = re.findall(r"tables/([a-z0-9_]+)\.md", source)
    assert sorted(tables) == sorted(configured(root)["tables"])


def test_pdf_holds_every_figure_and_no_unresolved_reference(root, report):
    figures = len(configured(root)["figures"]) + len(configured(root)["maps"])
    assert len(re.findall(r"\{#fig-", (root / "report/coproduction.qmd").read_text())) == figures
    pdf = report / "coproduction.pdf"
    assert pdf_image_count(pdf) == figures
    assert pdf_problems(pdf) == []
    text = pdf_text(pdf)
    assert "?@" not in text and "??" not in text and "@fig-" not in text
    assert len(set(re.findall(r"Figure (\d+):", text))) == figures


def test_both_formats_carry_the_attributions_and_the_appendix(report):
    html = _visible_html((report / "coproduction.html").read_text())
    pdf = re.sub(r"\s+", " ", pdf_text(report / "coproduction.pdf"))
    html = re.sub(r"\s+", " ", html)
    for text in (html, pdf):
        assert "Open Government Licence v3.0" in text and "Open Parliament Licence v3.0" in text
        assert "Contains OS data © Crown copyright and database right" in text
    contents = pdf[: pdf.index("Summary", pdf.index("Table of contents") + 30)]
    assert "Appendix: council by council" in contents and "Appendix: reproducibility" in contents


def test_council_table_lists_every_upper_tier_council(report):
    table = pd.read_csv(report / "councils_utla23.csv")
    assert len(table) == table["utla23cd"].nunique() == 153
    assert table["utla23cd"].str.match(r"E(06|08|09|10)\d{6}").all()
    html = (report / "coproduction.html").read_text()
    assert 'href="councils_utla23.csv"' in html and 'href="coproduction.pdf"' in html
    assert "https://cdn" not in html and "unpkg.com" not in html  # DataTables inlined, no CDN
    text = pdf_text(report / "coproduction.pdf")  # a long name may wrap within its cell
    assert "Barking" in text and "Dagenham" in text and "Wolverhampton" in text


# The same names the workflow looks for (workflow/rules/report.smk): without a browser the
# screenshot rule is left out of the run, so there is nothing to check.
CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]


@pytest.mark.skipif(
    not any(map(shutil.which, CHROMIUM_NAMES)),
    reason="no Chromium on PATH: the browser check and its screenshot are optional "
    "(.ci/run installs Chromium and runs this test)",
)
def test_browser_screenshot_was_taken(report):
    shot = report / "screenshot.png"
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000
