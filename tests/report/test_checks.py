"""The report machinery on the fixture Quarto project: variables, Markdown tables, and the
project's own checks on the sources (numbers, variables, includes, alt text, references).
Rendering with Quarto is tested in test_render.py."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from coprod.errors import ReportError
from coprod.report import render
from coprod.report.appendix import (
    provenance_markdown,
    rulegraph_markdown,
    software_versions,
)
from coprod.report.checks import assert_report_clean, check_report, find_numbers
from coprod.report.tables import frame_to_markdown
from coprod.report.variables import (
    lookup,
    merge_values,
    nest_values,
    read_variables,
    write_variables,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "report"


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
    assert variables == {
        "costs": {"pu": {"total": "£1.2bn"}, "universal": {"total": "£0.9bn"}},
        "n_lsoa": "33,755",
    }
    assert all(lookup(variables, key) == value for key, value in values.items())
    assert path.read_text().startswith("# Generated")


@pytest.mark.parametrize(
    "values, message",
    [
        ({"a.b": "2", "a": "1"}, "'a' is itself a value|which is itself a value"),
        ({"a.b": "2", "a.b.c": "3"}, "itself a value"),
        ({"a": 0.5}, "not a formatted string"),
        ({"a b": "1"}, "not dotted words"),
    ],
)
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
    frame = pd.DataFrame(
        {
            "council": ["Leeds", "A|B"],
            "spend": [1234.5678, float("nan")],
            "areas": pd.array([10, 2000], dtype="Int64"),
        }
    )
    text = frame_to_markdown(frame, tmp_path / "t.md", digits=1)
    assert (tmp_path / "t.md").read_text() == text
    assert re.fullmatch(r"\|:-+\|-+:\|-+:\|", text.splitlines()[1])  # text left, numbers right
    html = subprocess.run(
        [render.quarto_path(), "pandoc", "--from", "markdown", "--to", "html"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells == ["Leeds", "1,234.6", "10", "A|B", "—", "2,000"]


def test_frame_to_markdown_right_aligns_numbers_formatted_as_text():
    frame = pd.DataFrame(
        {
            "measure": ["Admissions", "Claims"],
            "index": ["\u22120.079", "—"],
            "interval": ["\u22120.081 to \u22120.077", "0.003 to 0.041"],
            "cost": ["£992 million", "£1.64 billion"],
            "share": ["21%", "\u2212125%"],
            "gap": ["—", "—"],
            "version": ["3.11.7", "not on PATH"],
        }
    )
    separator = frame_to_markdown(frame).splitlines()[1].strip("|").split("|")
    aligned = dict(
        zip(frame.columns, ["right" if cell.endswith(":") else "left" for cell in separator])
    )
    assert aligned == {
        "measure": "left",
        "index": "right",
        "interval": "right",
        "cost": "right",
        "share": "right",
        "gap": "left",
        "version": "left",
    }


def test_merge_values_refuses_a_key_defined_twice(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"x": "1", "y.z": "2"}))
    (tmp_path / "b.json").write_text(json.dumps({"w": "3"}))
    (tmp_path / "c.json").write_text(json.dumps({"y.z": "4"}))
    assert merge_values([tmp_path / "a.json", tmp_path / "b.json"]) == {
        "x": "1",
        "y.z": "2",
        "w": "3",
    }
    with pytest.raises(ReportError, match=r"'y.z' is also defined in .*a.json"):
        merge_values([tmp_path / "a.json", tmp_path / "c.json"])


def test_provenance_markdown_shortens_checksums_and_sorts():
    frame = pd.DataFrame(
        {
            "dataset": ["z_file", "a_file"],
            "publisher": ["ONS", "MHCLG"],
            "licence": ["OGL-3.0", "OGL-3.0"],
            "provenance": ["official", "derived"],
            "sha256": ["ab" * 32, "cd" * 32],
            "bytes": [1_234_567, 999],
        }
    )
    rows = [line.split("|")[1:-1] for line in provenance_markdown(frame).splitlines()[2:]]
    assert [[c.strip() for c in row] for row in rows] == [
        ["a_file", "MHCLG", "OGL-3.0", "derived", f"`{'cd' * 6}`", "1"],
        ["z_file", "ONS", "OGL-3.0", "official", f"`{'ab' * 6}`", "1,235"],
    ]


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
    assert rows == {
        "all": "report_render",
        "report_render": "acquire, tables",
        "acquire": "—",
        "tables": "acquire",
    }
    # running order: every rule after the rules it reads, whatever order the DOT lists them in
    assert list(rows) == ["acquire", "tables", "report_render", "all"]
    with pytest.raises(ReportError, match="no rules"):
        rulegraph_markdown("digraph {}")


def test_software_versions_name_the_commit_and_tools(tmp_path):
    table, values = software_versions(tmp_path)  # not a git checkout
    assert values["software.git_commit"] == "unknown (not a git checkout)"
    assert values["software.quarto"] == render.quarto_version()
    assert re.fullmatch(r"\d+\.\d+(\.\d+)*", values["software.pandoc"])  # Quarto's own pandoc
    assert list(table["Component"][:2]) == ["git commit", "Python"]
    assert set(values) == {
        "software." + re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_") for c in table["Component"]
    }


# ---------------------------------------------------------------- the number lint


@pytest.mark.parametrize(
    "prose",
    [
        "In 2025 and 2021-22 to 2024-25, from 1900 to 2100.",
        "See Section 3.2, §6 and sections 4.",
        "## 3.1 The power index",
        "1. first item\n2. second item",
        "Areas on IoD2025 and LSOA21 with NS-SeC L1-L3 in the 20th century; SHA-256 checksums.",
        "The cost is {{< var costs.total >}} [@knapp2010, p. 12] and @fig-gradient, @tbl-2x.",
        "Run `make 42` or\n\n```python\nx = 3.14\n```\n",
        "An image ![Alt](figures/fig10.png){#fig-a width=80%} and a [link](https://x.org/a/123).",
        "Maths $x^2 + 1$ and <!-- a note about 17 -->.",
    ],
)
def test_find_numbers_allows_years_sections_keys_code_and_identifiers(prose):
    assert find_numbers(prose) == []


@pytest.mark.parametrize(
    "prose, token",
    [
        ("The index explains 62% of the variance.", "62%"),
        ("Spend fell by £1,234 per head.", "1,234"),
        ("A ratio of 1.8 between quintiles.", "1.8"),
        ("Costs rose by -0.3 points.", "-0.3"),
        ("In the year 2150 it will be so.", "2150"),
        ("Using 10,000 draws.", "10,000"),
        ("| a | b |\n|---|---|\n| 3 | x |", "3"),
    ],
)
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
    plant(
        project,
        'subtitle: "Fixture for the report machinery"',
        'subtitle: "Fixture for 12 reports"',
    )
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
    plant(
        project,
        "{{< include tables/scenarios.md >}}",
        "![](figures/gradient.png)\n\n{{< include tables/scenarios.md >}}",
    )
    assert ("alt", 27) in _kinds(check_report(project))


def test_lint_catches_a_malformed_shortcode(project):
    plant(project, "{{< var gradient.ratio >}}", "{{< var gradient.ratio }}")
    problems = check_report(project)
    assert _kinds(problems) == [("shortcode", 10)]


def test_lint_catches_dangling_crossrefs_and_unknown_citations(project):
    plant(project, "@fig-costs and", "@fig-cost and")
    plant(project, "[@marmot2010, p. 15]", "[@marmot2011, p. 15]")
    # the misspelt reference also leaves the figure it meant unreferenced
    assert sorted(p.kind for p in check_report(project)) == ["citation", "crossref", "unreferenced"]


def test_lint_catches_a_figure_or_table_nobody_refers_to(project):
    plant(project, "(@tbl-scenarios)", "")
    plant(project, "@fig-costs and @tbl-scenarios", "the figure and table below")
    problems = check_report(project)
    assert [(p.kind, p.line) for p in problems] == [("unreferenced", 25), ("unreferenced", 29)]
    assert "#fig-costs is never referenced" in problems[0].message
    assert "#tbl-scenarios is never referenced" in problems[1].message


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
    report = yaml.safe_load((REPORT.parents[1] / "config" / "report.yaml").read_text())["report"]
    outputs = (
        {f"{name}.png" for name in [*report["figures"], *report["maps"]]}
        | {f"{name}.md" for name in report["tables"]}
        | {"councils.html"}
    )
    assert missing <= outputs


def test_a_number_planted_in_the_real_report_is_caught(tmp_path):
    keys = sorted(set(re.findall(r"\{\{<\s*var\s+(\S+)\s*>\}\}", REPORT.read_text())))
    variables = nest_values({key: "value" for key in keys})
    planted = tmp_path / "coproduction.qmd"
    planted.write_text(
        REPORT.read_text().replace(
            "{{< var councils.n >}} upper-tier councils its own",
            "153 upper-tier councils its own",
            1,
        )
    )
    shutil.copy(REPORT.parent / "references.bib", tmp_path)
    shutil.copy(REPORT.parent / "_quarto.yml", tmp_path)
    numbers = [p for p in check_report(planted, variables) if p.kind == "number"]
    assert [p.message for p in numbers] == ["hand-typed number '153': use {{< var … >}}"]


def test_frame_to_markdown_keeps_numbers_with_their_intervals_on_one_line():
    """No table wraps a number: spaces inside number phrases become non-breaking."""
    frame = pd.DataFrame(
        {
            "measure": ["Emergency admissions (acute)"],
            "estimate": ["\u221215.576 (\u221216.238 to \u221214.934)"],
            "cost": ["£992 million"],
        }
    )
    row = frame_to_markdown(frame).splitlines()[2]
    # a break is allowed only before the bracketed interval, never inside a number or range
    assert (
        "\u221215.576 (\u221216.238\u00a0to\u00a0\u221214.934)" in row
        and "£992\u00a0million" in row
    )
    assert "Emergency admissions (acute)" in row  # words still wrap between words
