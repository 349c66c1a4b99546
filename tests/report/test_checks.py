"""The report machinery on the fixture Quarto project: variables, Markdown tables, the number
lint, shortcode/cross-reference resolution, and the offline render to HTML and PDF."""

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pypandoc
import pytest

from coprod.errors import ReportError
from coprod.report import render
from coprod.report.appendix import (
    provenance_markdown,
    rulegraph_markdown,
    software_versions,
)
from coprod.report.checks import assert_report_clean, check_report, find_numbers
from coprod.report.offline import resolve_document
from coprod.report.tables import frame_to_markdown
from coprod.report.variables import (
    lookup,
    merge_values,
    nest_values,
    read_variables,
    write_variables,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "report"
FIGURES_IN_FIXTURE = 2


@pytest.fixture
def project(tmp_path):
    """A writable copy of the fixture project; returns its .qmd."""
    shutil.copytree(FIXTURE, tmp_path / "report")
    return tmp_path / "report" / "demo.qmd"


def plant(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1))


# ---------------------------------------------------------------- variables and tables


def test_write_variables_nests_dotted_keys_and_round_trips(tmp_path):
    values = {"costs.pu.total": "£1.2bn", "costs.universal.total": "£0.9bn", "n_lsoa": "33,755"}
    path = tmp_path / "_variables.yml"
    write_variables(values, path)
    variables = read_variables(path)
    assert variables == {"costs": {"pu": {"total": "£1.2bn"}, "universal": {"total": "£0.9bn"}},
                         "n_lsoa": "33,755"}
    assert all(lookup(variables, key) == value for key, value in values.items())
    assert path.read_text().startswith("# Generated")


@pytest.mark.parametrize("values, message", [
    ({"a.b": "2", "a": "1"}, "'a' is itself a value|which is itself a value"),
    ({"a.b": "2", "a.b.c": "3"}, "itself a value"),
    ({"a": 0.5}, "not a formatted string"),
    ({"a b": "1"}, "not dotted words"),
])
def test_nest_values_rejects_ambiguous_or_unformatted_values(values, message):
    with pytest.raises(ReportError, match=message):
        nest_values(values)


def test_lookup_rejects_groups_and_missing_keys():
    variables = {"a": {"b": {"c": "x"}}}
    assert lookup(variables, "a.b.c") == "x"
    for key in ("a.b", "a.c", "z"):
        with pytest.raises(KeyError):
            lookup(variables, key)


def test_frame_to_markdown_is_a_pipe_table_pandoc_reads_back(tmp_path):
    frame = pd.DataFrame({"council": ["Leeds", "A|B"], "spend": [1234.5678, float("nan")],
                          "areas": pd.array([10, 2000], dtype="Int64")})
    text = frame_to_markdown(frame, tmp_path / "t.md", digits=1)
    assert (tmp_path / "t.md").read_text() == text
    assert re.fullmatch(r"\|:-+\|-+:\|-+:\|", text.splitlines()[1])  # text left, numbers right
    html = pypandoc.convert_text(text, "html", format="markdown")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells == ["Leeds", "1,234.6", "10", "A|B", "—", "2,000"]


def test_frame_to_markdown_right_aligns_numbers_formatted_as_text():
    frame = pd.DataFrame({"measure": ["Admissions", "Claims"],
                          "index": ["\u22120.079", "—"],
                          "interval": ["\u22120.081 to \u22120.077", "0.003 to 0.041"],
                          "cost": ["£992 million", "£1.64 billion"],
                          "share": ["21%", "\u2212125%"],
                          "gap": ["—", "—"],
                          "version": ["3.11.7", "not on PATH"]})
    separator = frame_to_markdown(frame).splitlines()[1].strip("|").split("|")
    aligned = dict(zip(frame.columns, ["right" if cell.endswith(":") else "left" for cell in separator]))
    assert aligned == {"measure": "left", "index": "right", "interval": "right", "cost": "right",
                       "share": "right", "gap": "left", "version": "left"}


def test_merge_values_refuses_a_key_defined_twice(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"x": "1", "y.z": "2"}))
    (tmp_path / "b.json").write_text(json.dumps({"w": "3"}))
    (tmp_path / "c.json").write_text(json.dumps({"y.z": "4"}))
    assert merge_values([tmp_path / "a.json", tmp_path / "b.json"]) == {"x": "1", "y.z": "2", "w": "3"}
    with pytest.raises(ReportError, match=r"'y.z' is also defined in .*a.json"):
        merge_values([tmp_path / "a.json", tmp_path / "c.json"])


def test_provenance_markdown_shortens_checksums_and_sorts():
    frame = pd.DataFrame({"dataset": ["z_file", "a_file"], "publisher": ["ONS", "MHCLG"],
                          "licence": ["OGL-3.0", "OGL-3.0"], "provenance": ["official", "derived"],
                          "sha256": ["ab" * 32, "cd" * 32], "bytes": [1_234_567, 999]})
    rows = [line.split("|")[1:-1] for line in provenance_markdown(frame).splitlines()[2:]]
    assert [[c.strip() for c in row] for row in rows] == [
        ["a_file", "MHCLG", "OGL-3.0", "derived", f"`{'cd' * 6}`", "1"],
        ["z_file", "ONS", "OGL-3.0", "official", f"`{'ab' * 6}`", "1,235"]]


def test_rulegraph_markdown_lists_upstream_rules():
    dot = """digraph snakemake_dag {
        graph[bgcolor=white, margin=0];
        0[label = "all", color = "0.1 0.6 0.85", style="rounded"];
        1[label = "report_render", color = "0.2 0.6 0.85", style="rounded"];
        2[label = "acquire", color = "0.3 0.6 0.85", style="rounded"];
        3[label = "tables", color = "0.4 0.6 0.85", style="rounded"];
        1 -> 0
        2 -> 3
        3 -> 1
        2 -> 1
    }"""
    lines = rulegraph_markdown(dot).splitlines()[2:]
    rows = {r.split("|")[1].strip(): r.split("|")[2].strip() for r in lines}
    assert rows == {"all": "report_render", "report_render": "acquire, tables", "acquire": "—", "tables": "acquire"}
    # running order: every rule after the rules it reads, whatever order the DOT lists them in
    assert list(rows) == ["acquire", "tables", "report_render", "all"]
    with pytest.raises(ReportError, match="no rules"):
        rulegraph_markdown("digraph {}")


def test_software_versions_name_the_commit_and_tools(tmp_path):
    table, values = software_versions(tmp_path)  # not a git checkout
    assert values["software.git_commit"] == "unknown (not a git checkout)"
    assert values["software.pandoc"] == pypandoc.get_pandoc_version()
    assert list(table["Component"][:2]) == ["git commit", "Python"]
    assert set(values) == {"software." + re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_") for c in table["Component"]}


# ---------------------------------------------------------------- the number lint


@pytest.mark.parametrize("prose", [
    "In 2025 and 2021-22 to 2024-25, from 1900 to 2100.",
    "See Section 3.2, §6 and sections 4.",
    "## 3.1 The power index",
    "1. first item\n2. second item",
    "Areas on IoD2025 and LSOA21 with NS-SeC L1-L3 in the 20th century; SHA-256 checksums.",
    "The cost is {{< var costs.total >}} [@knapp2010, p. 12] and @fig-gradient, @tbl-2x.",
    "Run `make 42` or\n\n```python\nx = 3.14\n```\n",
    "An image ![Alt](figures/fig10.png){#fig-a width=80%} and a [link](https://x.org/a/123).",
    "Maths $x^2 + 1$ and <!-- a note about 17 -->.",
])
def test_find_numbers_allows_years_sections_keys_code_and_identifiers(prose):
    assert find_numbers(prose) == []


@pytest.mark.parametrize("prose, token", [
    ("The index explains 62% of the variance.", "62%"),
    ("Spend fell by £1,234 per head.", "1,234"),
    ("A ratio of 1.8 between quintiles.", "1.8"),
    ("Costs rose by -0.3 points.", "-0.3"),
    ("In the year 2150 it will be so.", "2150"),
    ("Using 10,000 draws.", "10,000"),
    ("| a | b |\n|---|---|\n| 3 | x |", "3"),
])
def test_find_numbers_flags_hand_typed_results(prose, token):
    assert [t for _, t in find_numbers(prose)] == [token]


def test_find_numbers_reports_the_line():
    assert find_numbers("first line\n\nsecond with 42 in it\n", first_line=10) == [(12, "42")]


def test_fixture_project_is_clean(project):
    assert check_report(project) == []
    assert_report_clean(project)


def _kinds(problems):
    return [(p.kind, p.line) for p in problems]


def test_lint_catches_a_planted_hand_typed_number(project):
    plant(project, "{{< var gradient.ratio >}} times", "1.8 times")
    problems = check_report(project)
    assert _kinds(problems) == [("number", 10)]
    assert "'1.8'" in problems[0].message
    with pytest.raises(ReportError, match="hand-typed number '1.8'"):
        assert_report_clean(project)


def test_lint_catches_a_number_in_the_abstract_or_title(project):
    plant(project, 'subtitle: "Fixture for the report machinery"', 'subtitle: "Fixture for 12 reports"')
    assert _kinds(check_report(project)) == [("number", 3)]


def test_lint_catches_a_number_in_an_included_section(project):
    methods = project.parent / "sections" / "methods.qmd"
    plant(methods, "{{< var power.alpha >}}", "0.91")
    problems = check_report(project)
    assert [(p.path.name, p.kind) for p in problems] == [("methods.qmd", "number")]


def test_lint_catches_an_undefined_variable(project):
    plant(project, "{{< var counts.lsoa >}}", "{{< var counts.lsoas >}}")
    problems = check_report(project)
    assert _kinds(problems) == [("variable", 9)]
    assert "counts.lsoas" in problems[0].message


def test_lint_catches_a_missing_include(project):
    (project.parent / "tables" / "scenarios.md").unlink()
    problems = check_report(project)
    # the table's caption id also loses its target only if the caption lived in the include:
    # here the caption is in the document, so exactly one problem
    assert _kinds(problems) == [("include", 27)]


def test_lint_catches_a_missing_image(project):
    (project.parent / "figures" / "costs.png").unlink()
    assert _kinds(check_report(project)) == [("image", 25)]


def test_lint_catches_a_figure_without_alt_text(project):
    plant(project, ' fig-alt="Line chart: service use falls as power rises."', "")
    problems = check_report(project)
    assert _kinds(problems) == [("alt", 20)]
    assert "#fig-gradient" in problems[0].message


def test_lint_catches_an_image_without_any_alt(project):
    plant(project, "{{< include tables/scenarios.md >}}", "![](figures/gradient.png)\n\n{{< include tables/scenarios.md >}}")
    assert ("alt", 27) in _kinds(check_report(project))


def test_lint_catches_a_malformed_shortcode(project):
    plant(project, "{{< var gradient.ratio >}}", "{{< var gradient.ratio }}")
    problems = check_report(project)
    assert _kinds(problems) == [("shortcode", 10)]


def test_lint_catches_dangling_crossrefs_and_unknown_citations(project):
    plant(project, "@fig-costs and", "@fig-cost and")
    plant(project, "[@marmot2010, p. 15]", "[@marmot2011, p. 15]")
    assert sorted(p.kind for p in check_report(project)) == ["citation", "crossref"]


# ---------------------------------------------------------------- resolution


def test_resolve_document_substitutes_includes_and_numbers_crossrefs(project):
    _, body = resolve_document(project, target="html", number_sections=True)
    assert "{{<" not in body and "@fig-" not in body and "@tbl-" not in body and "@sec-" not in body
    assert "£1.2bn (£0.9bn to £1.6bn)" in body                  # nested key costs.pu.total
    assert "internal consistency (Cronbach's alpha) of 0.91" in body   # from the include
    assert "| Proportionate universalism |" in body              # generated table included
    assert "![Figure 1: Service use by power decile.]" in body
    assert "![Figure 2: Cost per scenario with 95% intervals.]" in body
    assert ": Table 1: Cost per allocation scenario. {#tbl-scenarios}" in body
    assert "[Figure 2](#fig-costs) and [Table 1](#tbl-scenarios)" in body
    assert "[Section 1](#sec-methods)" in body                   # Summary is unnumbered
    assert 'alt="Line chart' in body and "fig-alt" not in body


def test_resolve_document_for_typst_leaves_numbering_to_typst(project):
    _, body = resolve_document(project, target="typst")
    assert "![Service use by power decile.]" in body and "Figure 1:" not in body
    assert "[Figure 1](#fig-gradient)" in body


def test_resolve_document_escapes_markdown_in_values(project):
    variables = read_variables(project.parent / "_variables.yml")
    variables["gradient"]["ratio"] = "1.8 [1.6, 2.0] *"
    _, body = resolve_document(project, variables)
    assert r"1.8 \[1.6, 2.0\] \*" in body


def test_resolve_document_fails_on_undefined_variable(project):
    plant(project, "{{< var counts.lsoa >}}", "{{< var nope >}}")
    with pytest.raises(ReportError, match="nope"):
        resolve_document(project)


# ---------------------------------------------------------------- offline render


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The fixture project rendered once by the offline path."""
    out = tmp_path_factory.mktemp("rendered")
    shutil.copytree(FIXTURE, out / "report")
    qmd = out / "report" / "demo.qmd"
    engine = render.render_report(qmd, out / "demo.html", out / "demo.pdf", engine="offline",
                                  typst_out=out / "demo.typ")
    assert engine == "offline"
    return out


def test_offline_html_has_every_reference_resolved(rendered):
    html = (rendered / "demo.html").read_text()
    assert render.html_problems(html) == []
    body = html[html.index("<body"):]
    assert "??" not in body and "@fig-" not in body and "@tbl-" not in body
    assert re.findall(r"<figcaption>(Figure \d+):", body) == ["Figure 1", "Figure 2"]
    assert re.findall(r"<caption>(Table \d+):", body) == ["Table 1"]
    assert '<a href="#fig-costs">Figure 2</a>' in body
    assert '<a href="#tbl-scenarios">Table 1</a>' in body
    # citations resolved by citeproc: in-text links to bibliography entries that exist
    cited = set(re.findall(r'href="#ref-([\w-]+)"', body))
    listed = set(re.findall(r'<div id="ref-([\w-]+)" class="csl-entry"', body))
    assert cited == listed == {"boyle2009", "marmot2010", "mhclg2025"}
    assert "Boyle, David, and Michael Harris. 2009." in body
    # self-contained: both figures inlined as data URIs
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', body)) == FIGURES_IN_FIXTURE


def test_html_problems_detects_unresolved_content():
    page = '<html><body><p>See ?? and @fig-x and {{< var a >}} and <strong>knapp2010?</strong>' \
           '<img src="figures/a.png"></p></body></html>'
    found = " ".join(render.html_problems(page))
    for what in ("??", "@fig-x", "unresolved variable", "knapp2010?", "figures/a.png"):
        assert what in found


def test_offline_pdf_has_the_expected_figures(rendered):
    pdf = rendered / "demo.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    typ = (rendered / "demo.typ").read_text()
    assert len(re.findall(r"#figure\(image\(", typ)) == FIGURES_IN_FIXTURE
    assert render.pdf_figure_count(pdf) == FIGURES_IN_FIXTURE
    images = render.pdf_image_count(pdf)
    if images is None:
        pytest.skip("pdfimages (poppler-utils) not installed: tagged-figure count checked only")
    assert images == FIGURES_IN_FIXTURE


def test_offline_pdf_is_deterministic(rendered, tmp_path):
    again = render.render_pdf(rendered / "report" / "demo.qmd", tmp_path / "again.pdf")
    assert again.read_bytes() == (rendered / "demo.pdf").read_bytes()


def test_render_refuses_sources_that_fail_the_lint(project, tmp_path):
    plant(project, "{{< var gradient.ratio >}} times", "1.8 times")
    with pytest.raises(ReportError, match="hand-typed"):
        render.render_report(project, tmp_path / "x.html", tmp_path / "x.pdf", engine="offline")
    assert not (tmp_path / "x.html").exists()


def test_variables_file_written_by_the_pipeline_feeds_the_render(project):
    write_variables({"counts.lsoa": "12,345", "gradient.ratio": "2.5", "costs.pu.total": "£7m",
                     "ci_level": "90%", "power.alpha": "0.80"}, project.parent / "_variables.yml")
    _, body = resolve_document(project)
    assert "Across 12,345 areas" in body and "with 90% intervals" in body


def test_quarto_on_path_is_used_and_its_outputs_moved(project, tmp_path, monkeypatch):
    """With `quarto` on PATH the auto engine calls it once per format in the document's folder
    and moves what it writes beside the source to the requested outputs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    fake = bin_dir / "quarto"
    fake.write_text(f"#!/bin/sh\necho \"$PWD $*\" >> {calls}\necho rendered > \"$6\"\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "out"
    engine = render.render_report(project, out / "r.html", out / "r.pdf")
    assert engine == "quarto"
    assert calls.read_text().splitlines() == [
        f"{project.parent} render demo.qmd --to html --output demo.html",
        f"{project.parent} render demo.qmd --to typst --output demo.pdf"]
    assert (out / "r.html").read_text() == (out / "r.pdf").read_text() == "rendered\n"
    assert not (project.parent / "demo.html").exists()


# ---------------------------------------------------------------- headless browser

needs_chromium = pytest.mark.skipif(render.chromium_path() is None,
                                    reason="chromium not installed (apt-get install chromium)")


@needs_chromium
def test_html_opens_in_chromium_without_console_messages(rendered):
    png = rendered / "screenshot.png"
    assert render.screenshot(rendered / "demo.html", png) == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    render.browser_check(rendered / "demo.html", png)


@needs_chromium
def test_browser_check_reports_a_console_error(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><html><head><meta charset='utf-8'><title>t</title></head>"
                    "<body><script>console.error('planted failure'); missingFunction();</script></body></html>")
    messages = render.screenshot(page, tmp_path / "bad.png")
    assert any("planted failure" in m for m in messages)
    assert any("missingFunction" in m for m in messages)
    with pytest.raises(ReportError, match="planted failure"):
        render.browser_check(page, tmp_path / "bad.png")


# ---------------------------------------------------------------- the real report's sources

REPORT = Path(__file__).parents[2] / "report" / "coproduction.qmd"
PIPELINE_OUTPUTS = {"image", "include"}  # produced by pipeline rules, absent in a fresh checkout


def test_real_report_prose_has_no_hand_typed_numbers_and_resolves():
    """Only the pipeline's outputs may be missing: no numbers, alt text everywhere, every
    cross-reference and citation resolvable, and each variable it uses well formed."""
    keys = sorted(set(re.findall(r"\{\{<\s*var\s+(\S+)\s*>\}\}", REPORT.read_text())))
    problems = check_report(REPORT, nest_values({key: "value" for key in keys}))
    assert [str(p) for p in problems if p.kind not in PIPELINE_OUTPUTS] == []
    missing = {Path(p.message.split()[2 if p.kind == "include" else 1]).name for p in problems}
    assert missing <= {f"{name}.png" for name in ("power_distribution", "power_loadings", "gradient_power",
                                                   "gradient_imd", "concentration_curves", "gap_region_imd",
                                                   "cost_scenarios", "budget_response", "sobol_indices", "tornado",
                                                   "climate_series",
                                                   "spec_curve", "iod_replication")} | {
        f"{name}.md" for name in ("provenance", "scenarios", "concentration", "headline_models", "software",
                                  "rulegraph", "multiverse_directions")}
