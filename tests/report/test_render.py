"""Real Quarto on the fixture project: both formats render with no warnings, every reference
resolves, the PDF holds every figure, a Quarto warning fails the render, and the HTML opens in
headless Chromium without console messages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from coprod.errors import ReportError
from coprod.report import render

FIXTURE = Path(__file__).parents[1] / "fixtures" / "report"
CSL = Path(__file__).parents[2] / "report" / "chicago-author-date.csl"
FIGURES_IN_FIXTURE = 2


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "report")
    shutil.copy(CSL, tmp_path / "report")
    return tmp_path / "report" / "demo.qmd"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render")
    qmd = _copy(tmp)
    html, pdf = tmp / "out" / "demo.html", tmp / "out" / "demo.pdf"
    seconds = render.render_report(qmd, html, pdf, log=tmp / "render.log")
    return html, pdf, seconds, tmp


def test_quarto_is_installed():
    """`make install` puts Quarto beside the venv's Python (or it is on PATH)."""
    assert render.quarto_path() is not None, "run `make install`: it installs Quarto"
    assert render.quarto_version()


def test_both_formats_render_and_land_at_their_destinations(rendered):
    html, pdf, seconds, tmp = rendered
    assert html.read_text().lstrip().lower().startswith("<!doctype html>")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert set(seconds) == {"html", "typst"}
    assert (
        not (tmp / "report" / "demo.html").exists() and not (tmp / "report" / "demo.pdf").exists()
    )
    assert "quarto render --to typst (exit 0" in (tmp / "render.log").read_text()


def test_html_resolves_variables_references_and_citations(rendered):
    html = rendered[0].read_text()
    assert render.html_problems(html) == []
    visible = render._visible_html(html)
    assert "33,755" in visible and "£1.2bn" in visible  # variables, from _variables.yml
    assert re.search(r"Figure\s+1", visible) and re.search(r"Table\s+1", visible)
    assert "Boyle and Harris" in visible  # author-date citation from the project's CSL
    assert "data:image/png;base64" in html  # self-contained


def test_pdf_has_every_figure_and_no_unresolved_text(rendered):
    pdf = rendered[1]
    assert render.pdf_image_count(pdf) == FIGURES_IN_FIXTURE
    text = render.pdf_text(pdf)
    assert render.pdf_problems(pdf) == []
    assert "?@" not in text and "??" not in text and "@fig-" not in text
    assert "Boyle and Harris" in text and text.count("References") >= 1
    assert "Bibliography" not in text  # pandoc's citeproc, not Typst's own bibliography


@pytest.mark.parametrize(
    "old, new, warning",
    [
        (
            "(@fig-gradient)",
            "(@fig-gradient, @fig-missing)",
            "Unable to resolve crossref @fig-missing",
        ),
        ("[@marmot2010, p. 15]", "[@nosuchkey2020]", "citation nosuchkey2020 not found"),
        ("{{< var gradient.ratio >}}", "{{< var no.such.key >}}", "Unknown var no.such.key"),
    ],
)
def test_a_quarto_warning_fails_the_render(tmp_path, old, new, warning):
    """The project's own checks would stop these first; here Quarto runs on them directly."""
    qmd = _copy(tmp_path)
    qmd.write_text(qmd.read_text().replace(old, new, 1))
    with pytest.raises(ReportError, match="warned") as error:
        render.quarto_render(qmd, "html", tmp_path / "demo.html")
    assert warning in str(error.value)


def test_quarto_warnings_reads_quarto_pandoc_and_typst_lines():
    output = (
        "\x1b[33mWARNING (filters/crossref/refs.lua:128) Unable to resolve crossref @fig-x\n"
        "[WARNING] Citeproc: citation y not found\nwarning: unknown font family: z\n"
        "Output created: a.html\n"
    )
    assert len(render.quarto_warnings(output)) == 3


def test_render_refuses_sources_that_fail_the_checks(tmp_path):
    qmd = _copy(tmp_path)
    qmd.write_text(qmd.read_text().replace("{{< var gradient.ratio >}} times", "1.8 times", 1))
    with pytest.raises(ReportError, match="hand-typed number '1.8'"):
        render.render_report(qmd, tmp_path / "a.html", tmp_path / "a.pdf")


def test_html_problems_detects_unresolved_content():
    page = (
        "<html><body><p>See ?@fig-missing and {{&lt; var x &gt;}} and ?var:y and @tbl-raw "
        '(<strong>nokey?</strong>)</p><img src="https://example.org/x.png"></body></html>'
    )
    problems = " ".join(render.html_problems(page))
    for expected in ("?@fig-missing", "{{&lt;", "?var:", "@tbl-raw", "nokey?", "external resource"):
        assert expected in problems


needs_chromium = pytest.mark.skipif(
    render.chromium_path() is None, reason="needs chromium (apt-get install chromium)"
)


@needs_chromium
def test_html_opens_in_chromium_without_console_messages(rendered):
    html, _, _, tmp = rendered
    png = tmp / "shot.png"
    assert render.screenshot(html, png) == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_chromium
def test_browser_check_reports_a_console_error(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><p>x</p><script>console.error('planted failure')</script></body></html>"
    )
    with pytest.raises(ReportError, match="planted failure"):
        render.browser_check(page, tmp_path / "bad.png")
