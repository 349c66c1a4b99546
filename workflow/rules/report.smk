# Report: pipeline values -> report/_variables.yml; results -> figures, maps and tables under
# report/_generated/ (inside the Quarto project, so Quarto's Typst root holds every file the
# report reads; ignored by git); the project's checks, then `quarto render` to self-contained
# HTML and to PDF through Typst (any warning fails); a headless-browser check with a
# screenshot. The report reads files only.

from pathlib import Path

import shutil

REPORT_NAME = "coproduction"
CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
REPORT_SOURCES = [
    f"report/{REPORT_NAME}.qmd",
    "report/_quarto.yml",
    "report/references.bib",
    "report/chicago-author-date.csl",
]
REPORT_INPUTS = "report/_generated"  # pipeline outputs the report reads (figures/, tables/)

# Figures and generated tables are defined once, in config/report.yaml.
REPORT_FIGURE_INPUTS = {name: f["inputs"] for name, f in config["report"]["figures"].items()}
REPORT_FIGURE_OPTIONS = {
    name: f.get("options", {}) for name, f in config["report"]["figures"].items()
}
REPORT_FIGURES = list(REPORT_FIGURE_INPUTS)
REPORT_TABLES = config["report"]["tables"]
REPORT_VALUES = [
    "results/report/values.json",
    "results/report/software.json",
    "results/report/councils.json",
]

# Maps (config/report.yaml): one figure per measure, one panel per geography, each panel one
# declared file and column joined 1:1 to the ONS boundaries; templates filled from the config.
REPORT_HEADLINE_SCENARIO = config["report"]["headline_rule"]
# the financial climate's years and price base (config/climate.yaml)
REPORT_SPEND_YEARS = (config["climate"]["first_year"], config["climate"]["last_year"])
_MAP_TEMPLATE = {
    "headline_scenario": REPORT_HEADLINE_SCENARIO,
    "first_year": REPORT_SPEND_YEARS[0].replace("-", "_"),
    "last_year": REPORT_SPEND_YEARS[-1].replace("-", "_"),
    "price_year": config["climate"]["base_year"].replace("-", "_"),
    "first_label": REPORT_SPEND_YEARS[0],
    "last_label": REPORT_SPEND_YEARS[-1],
    "price_label": config["climate"]["base_year"],
}
# results/climate/councils.parquet: real service spend per head in every year of the
# comparison, then the change (last) that the report shows and maps
REPORT_SPEND_COLUMNS = [
    *(
        f"service_spend_per_head_{y}_{(y + 1) % 100:02d}_gbp_{_MAP_TEMPLATE['price_year']}_prices"
        for y in range(int(REPORT_SPEND_YEARS[0][:4]), int(REPORT_SPEND_YEARS[-1][:4]) + 1)
    ),
    f"service_spend_per_head_change_gbp_{_MAP_TEMPLATE['price_year']}_prices",
]
REPORT_MAPS = {name: filled(spec, _MAP_TEMPLATE) for name, spec in config["report"]["maps"].items()}
REPORT_COUNCILS_CSV = "results/report/councils_utla23.csv"
# the council table shows the power index the power map shows
_CORE_POWER = REPORT_MAPS["map_power"]["panels"]["utla23"].get("where", {})
REPORT_BOUNDARIES = {"lad24": "boundaries_lad24_buc", "utla23": "boundaries_utla23_buc"}
REPORT_BOUNDARY_TITLES = {"lad24": "districts", "utla23": "upper-tier councils"}
REPORT_BOUNDARY_FILES = {
    "lad24": ["boundaries_lad24_buc"],
    "utla23": [d for d in DATASETS if d.startswith("boundaries_utla23_buc")],
}


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
        gap_specifications="results/costs/gap_specifications.parquet",
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
        scenarios=f"{REPORT_INPUTS}/tables/scenarios.md",
        concentration=f"{REPORT_INPUTS}/tables/concentration.md",
        headline_models=f"{REPORT_INPUTS}/tables/headline_models.md",
        multiverse_directions=f"{REPORT_INPUTS}/tables/multiverse_directions.md",
    log:
        "logs/report/values.log",
    conda:
        "../../environment.yml"
    params:
        power_level=config["power"]["c1"]["ci_level"],
        models_level=config["models"]["ci_level"],
    script:
        "../scripts/report/values.py"


rule report_variables:
    input:
        values=REPORT_VALUES,
        code=code_inputs("report/variables.py"),
    output:
        "report/_variables.yml",
    log:
        "logs/report/variables.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/report/variables.py"


rule report_figure:
    input:
        unpack(lambda wc: REPORT_FIGURE_INPUTS[wc.figure]),
        code=code_inputs("report/figure.py"),
    output:
        report(
            f"{REPORT_INPUTS}/figures/{{figure}}.png",
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "{figure}"},
        ),
    log:
        "logs/report/figure_{figure}.log",
    wildcard_constraints:
        figure="|".join(REPORT_FIGURES),
    conda:
        "../../environment.yml"
    params:
        options=lambda wc: REPORT_FIGURE_OPTIONS.get(wc.figure, {}),
    script:
        "../scripts/report/figure.py"


rule report_provenance_table:
    input:
        "results/provenance.csv",
        code=code_inputs("report/provenance.py"),
    output:
        f"{REPORT_INPUTS}/tables/provenance.md",
    log:
        "logs/report/provenance_table.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/report/provenance.py"


rule report_software:
    input:
        code=code_inputs("report/software.py"),
    output:
        table=f"{REPORT_INPUTS}/tables/software.md",
        values="results/report/software.json",
    log:
        "logs/report/software.log",
    conda:
        "../../environment.yml"
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
        table=f"{REPORT_INPUTS}/tables/rulegraph.md",
    log:
        "logs/report/rulegraph.log",
    conda:
        "../../environment.yml"
    params:
        targets=lambda wc: [f"results/report/{REPORT_NAME}.html"],
    script:
        "../scripts/report/rulegraph.py"


rule report_map:
    input:
        unpack(
            lambda wc: {
                geo: panel["input"] for geo, panel in REPORT_MAPS[wc.map]["panels"].items()
            }
        ),
        boundaries=lambda wc: [
            raw(d) for geo in REPORT_MAPS[wc.map]["panels"] for d in REPORT_BOUNDARY_FILES[geo]
        ],
        code=code_inputs("report/map.py", ["coprod.data.readers.boundaries"]),
    output:
        report(
            f"{REPORT_INPUTS}/figures/{{map}}.png",
            caption="../report/figure.rst",
            category="Maps",
            labels={"figure": "{map}"},
        ),
    log:
        "logs/report/map_{map}.log",
    wildcard_constraints:
        map="|".join(REPORT_MAPS),
    conda:
        "../../environment.yml"
    params:
        spec=lambda wc: REPORT_MAPS[wc.map],
        boundaries=lambda wc: {
            geo: raw(REPORT_BOUNDARIES[geo]) for geo in REPORT_MAPS[wc.map]["panels"]
        },
        attribution=lambda wc: "Boundaries: "
        + "; ".join(
            f"{REPORT_BOUNDARY_TITLES[geo]}, {DATASETS[REPORT_BOUNDARIES[geo]]['publisher']}, "
            f"{DATASETS[REPORT_BOUNDARIES[geo]]['licence']}"
            for geo in REPORT_MAPS[wc.map]["panels"]
        ),
    script:
        "../scripts/report/map.py"


rule report_councils:
    input:
        councils="results/tables/utla23.parquet",
        power="results/power/scores_utla23.parquet",
        gap="results/models/gap_utla23.parquet",
        costs="results/costs/councils.parquet",
        spend="results/climate/councils.parquet",
        code=code_inputs("report/councils.py"),
    output:
        csv=REPORT_COUNCILS_CSV,
        html=f"{REPORT_INPUTS}/tables/councils.html",
        table=f"{REPORT_INPUTS}/tables/councils.md",
        values="results/report/councils.json",
    log:
        "logs/report/councils.log",
    conda:
        "../../environment.yml"
    params:
        headline=REPORT_HEADLINE_SCENARIO,
        interval=config["costs"]["interval"],
        spend_columns=REPORT_SPEND_COLUMNS,
        power=_CORE_POWER,
    script:
        "../scripts/report/councils.py"


rule report_render:
    input:
        sources=REPORT_SOURCES,
        variables="report/_variables.yml",
        figures=expand(
            f"{REPORT_INPUTS}/figures/{{figure}}.png", figure=[*REPORT_FIGURES, *REPORT_MAPS]
        ),
        tables=expand(f"{REPORT_INPUTS}/tables/{{table}}.md", table=REPORT_TABLES),
        councils_html=rules.report_councils.output.html,
        # linked from the HTML for download: it must sit beside the rendered report
        councils_csv=REPORT_COUNCILS_CSV,
        code=code_inputs("report/render.py"),
    output:
        html=report(
            f"results/report/{REPORT_NAME}.html", caption="../report/html.rst", category="Report"
        ),
        pdf=report(
            f"results/report/{REPORT_NAME}.pdf", caption="../report/pdf.rst", category="Report"
        ),
    log:
        main="logs/report/render.log",
        quarto="logs/report/render_quarto.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/report/render.py"


rule report_screenshot:
    input:
        f"results/report/{REPORT_NAME}.html",
        code=code_inputs("report/screenshot.py"),
    output:
        # in the Snakemake report only where a browser can take it (else the rule never runs)
        report(
            "results/report/screenshot.png", caption="../report/screenshot.rst", category="Report"
        )
        if any(map(shutil.which, CHROMIUM_NAMES))
        else "results/report/screenshot.png",
    log:
        "logs/report/screenshot.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/report/screenshot.py"


rule report_all:
    input:
        rules.report_render.output,
        # the browser check needs chromium (apt-get install chromium); without it, skip it
        [rules.report_screenshot.output[0]] if any(map(shutil.which, CHROMIUM_NAMES)) else [],
