# Report: pipeline values -> report/_variables.yml; results -> figures and Markdown tables under
# results/report/; lint + render to self-contained HTML and PDF (Quarto if on PATH, otherwise
# pandoc + Typst); a headless-browser check with a screenshot. The report reads files only.

from pathlib import Path

import shutil

REPORT_NAME = "coproduction"
CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
REPORT_SOURCES = [
    f"report/{REPORT_NAME}.qmd",
    "report/_quarto.yml",
    "report/references.bib",
]

# Figures and generated tables are defined once, in config/report.yaml.
REPORT_FIGURE_INPUTS = {name: f["inputs"] for name, f in config["report"]["figures"].items()}
REPORT_FIGURE_OPTIONS = {name: f.get("options", {}) for name, f in config["report"]["figures"].items()}
REPORT_FIGURES = list(REPORT_FIGURE_INPUTS)
REPORT_TABLES = config["report"]["tables"]
REPORT_VALUES = ["results/report/values.json", "results/report/software.json"]


rule report_values:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        lad24="results/tables/lad24.parquet",
        utla23="results/tables/utla23.parquet",
        provenance="results/provenance.csv",
        models_summary="results/models/summary.json",
        loadings="results/power/loadings.parquet",
        concentration="results/models/concentration.parquet",
        gap_by_region="results/models/gap_by_region.parquet",
        spec_curve="results/models/spec_curve.parquet",
        directions="results/models/multiverse_directions.parquet",
        replication="results/models/iod_replication.parquet",
        costs_headline="results/costs/headline.json",
        climate_changes="results/climate/changes.parquet",
        climate_gap="results/climate/gap.parquet",
        climate_england="results/climate/england.parquet",
        climate_exclusions="results/climate/exclusions.parquet",
        climate_fixed_effects="results/climate/fixed_effects.parquet",
        climate_footprints="results/climate/footprints.parquet",
        scenarios="results/costs/rules.parquet",
        code=code_inputs("report/values.py"),
    output:
        values="results/report/values.json",
        scenarios="results/report/tables/scenarios.md",
        concentration="results/report/tables/concentration.md",
        headline_models="results/report/tables/headline_models.md",
        multiverse_directions="results/report/tables/multiverse_directions.md",
    params:
        power_level=config["power"]["c1"]["ci_level"],
        models_level=config["models"]["ci_level"],
    conda:
        "../../environment.yml"
    log:
        "logs/report/values.log",
    script:
        "../scripts/report/values.py"


rule report_variables:
    input:
        values=REPORT_VALUES,
        code=code_inputs("report/variables.py"),
    output:
        "report/_variables.yml",
    conda:
        "../../environment.yml"
    log:
        "logs/report/variables.log",
    script:
        "../scripts/report/variables.py"


rule report_figure:
    input:
        unpack(lambda wc: REPORT_FIGURE_INPUTS[wc.figure]),
        code=code_inputs("report/figure.py"),
    output:
        report(
            "results/report/figures/{figure}.png",
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "{figure}"},
        ),
    params:
        options=lambda wc: REPORT_FIGURE_OPTIONS.get(wc.figure, {}),
    wildcard_constraints:
        figure="|".join(REPORT_FIGURES),
    conda:
        "../../environment.yml"
    log:
        "logs/report/figure_{figure}.log",
    script:
        "../scripts/report/figure.py"


rule report_provenance_table:
    input:
        "results/provenance.csv",
        code=code_inputs("report/provenance.py"),
    output:
        "results/report/tables/provenance.md",
    conda:
        "../../environment.yml"
    log:
        "logs/report/provenance_table.log",
    script:
        "../scripts/report/provenance.py"


rule report_software:
    input:
        code=code_inputs("report/software.py"),
    output:
        table="results/report/tables/software.md",
        values="results/report/software.json",
    conda:
        "../../environment.yml"
    log:
        "logs/report/software.log",
    script:
        "../scripts/report/software.py"


rule report_rulegraph:
    input:
        # relative paths: moving the checkout reruns nothing
        snakefile=["Snakefile", "workflow/Snakefile"],
        rules=sorted(str(p.relative_to(ROOT)) for p in (ROOT / "workflow/rules").glob("*.smk")),
        code=code_inputs("report/rulegraph.py"),
    output:
        dot="results/report/rulegraph.dot",
        table="results/report/tables/rulegraph.md",
    params:
        targets=lambda wc: [f"results/report/{REPORT_NAME}.html"],
    conda:
        "../../environment.yml"
    log:
        "logs/report/rulegraph.log",
    script:
        "../scripts/report/rulegraph.py"


rule report_render:
    input:
        sources=REPORT_SOURCES,
        variables="report/_variables.yml",
        figures=expand("results/report/figures/{figure}.png", figure=REPORT_FIGURES),
        tables=expand("results/report/tables/{table}.md", table=REPORT_TABLES),
        code=code_inputs("report/render.py"),
    output:
        html=report(f"results/report/{REPORT_NAME}.html", caption="../report/html.rst", category="Report"),
        pdf=report(f"results/report/{REPORT_NAME}.pdf", caption="../report/pdf.rst", category="Report"),
    params:
        engine=config["report_engine"],
        typst_source=f"results/report/{REPORT_NAME}.typ",
    conda:
        "../../environment.yml"
    log:
        "logs/report/render.log",
    script:
        "../scripts/report/render.py"


rule report_screenshot:
    input:
        f"results/report/{REPORT_NAME}.html",
        code=code_inputs("report/screenshot.py"),
    output:
        # in the Snakemake report only where a browser can take it (else the rule never runs)
        report("results/report/screenshot.png", caption="../report/screenshot.rst", category="Report")
        if any(map(shutil.which, CHROMIUM_NAMES)) else "results/report/screenshot.png",
    conda:
        "../../environment.yml"
    log:
        "logs/report/screenshot.log",
    script:
        "../scripts/report/screenshot.py"


rule report_all:
    input:
        rules.report_render.output,
        # the browser check needs chromium (apt-get install chromium); without it, skip it
        [rules.report_screenshot.output[0]] if any(map(shutil.which, CHROMIUM_NAMES)) else [],
