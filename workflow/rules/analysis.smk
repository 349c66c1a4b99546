# Stage 2, analysis (coprod.analysis): power index and models (C1-C3), costs and climate (C4-C5).

# Power index, service use against power, concentration index, capacity gap and the multiverse
# of specifications (issue 3; research brief C1-C3): config/models.yaml.

MODELS_GEOGRAPHIES = list(config["models"]["geographies"])
MODELS_SHARDS = list(range(config["multiverse"]["n_shards"]))
MODELS_TABLES = {f"table_{geo}": f"results/tables/{geo}.parquet" for geo in MODELS_GEOGRAPHIES}
POWER_SCORES = {
    f"scores_{geo}": f"results/power/scores_{geo}.parquet" for geo in MODELS_GEOGRAPHIES
}
GAP_OUTPUTS = [
    "gap_lsoa21",
    "gap_totals",
    "gap_by_region",
    "gap_by_imd",
    *[f"gap_{geo}" for geo in config["models"]["gap"]["areas"]],
]
GRADIENT_OUTPUTS = ["gradients", "gradient_power", "gradient_imd", "gradient_ratios"]
DEPRIVATION = {
    f"deprivation_{geo}": f"results/models/deprivation_{geo}.parquet" for geo in MODELS_GEOGRAPHIES
}
CIRCULARITY_GEOGRAPHY = config["models"]["circularity"]["geography"]


rule deprivation:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        code=code_inputs("analysis/deprivation.py"),
    output:
        **DEPRIVATION,
        check="results/models/imd_reproduction.json",
    log:
        "logs/models/deprivation.log",
    conda:
        "../../environment.yml"
    params:
        deprivation=config["models"]["deprivation"],
        geographies=config["models"]["geographies"],
    script:
        "../scripts/analysis/deprivation.py"


rule circularity:
    input:
        table=f"results/tables/{CIRCULARITY_GEOGRAPHY}.parquet",
        scores=f"results/power/scores_{CIRCULARITY_GEOGRAPHY}.parquet",
        deprivation=f"results/models/deprivation_{CIRCULARITY_GEOGRAPHY}.parquet",
        check="results/models/imd_reproduction.json",
        code=code_inputs("analysis/circularity.py"),
    output:
        "results/models/circularity.json",
    log:
        "logs/models/circularity.log",
    conda:
        "../../environment.yml"
    params:
        circularity=config["models"]["circularity"],
        main=config["models"]["main"][CIRCULARITY_GEOGRAPHY],
        key=config["models"]["geographies"][CIRCULARITY_GEOGRAPHY]["key"],
        ci_level=config["models"]["ci_level"],
    script:
        "../scripts/analysis/circularity.py"


rule power:
    input:
        **MODELS_TABLES,
        code=code_inputs("analysis/power.py"),
    output:
        **POWER_SCORES,
        main="results/power/lsoa21_core.parquet",
        loadings="results/power/loadings.parquet",
        c1="results/power/c1.json",
    log:
        "logs/models/power.log",
    conda:
        "../../environment.yml"
    params:
        power=config["power"],
        geographies=config["models"]["geographies"],
        main=config["models"]["main"]["lsoa21"],
    script:
        "../scripts/analysis/power.py"


rule models_shard:
    input:
        **MODELS_TABLES,
        **POWER_SCORES,
        **DEPRIVATION,
        code=code_inputs("analysis/multiverse_shard.py"),
    output:
        "results/models/shards/shard_{shard}.parquet",
    log:
        "logs/models/models_shard_{shard}.log",
    wildcard_constraints:
        shard="|".join(str(k) for k in MODELS_SHARDS),
    conda:
        "../../environment.yml"
    threads: 1
    params:
        power=config["power"],
        models=config["models"],
        multiverse=config["multiverse"],
    script:
        "../scripts/analysis/multiverse_shard.py"


rule models_gather:
    input:
        shards=expand("results/models/shards/shard_{shard}.parquet", shard=MODELS_SHARDS),
        code=code_inputs("analysis/multiverse_gather.py"),
    output:
        table="results/models/multiverse.parquet",
        curve="results/models/spec_curve.parquet",
        nested="results/models/nested.parquet",
        directions="results/models/multiverse_directions.parquet",
        outcomes="results/models/outcomes.parquet",
    log:
        "logs/models/models_gather.log",
    conda:
        "../../environment.yml"
    params:
        power=config["power"],
        models=config["models"],
        multiverse=config["multiverse"],
    script:
        "../scripts/analysis/multiverse_gather.py"


rule gradients:
    input:
        **MODELS_TABLES,
        **POWER_SCORES,
        code=code_inputs("analysis/gradients.py"),
    output:
        **{name: f"results/models/{name}.parquet" for name in GRADIENT_OUTPUTS},
    log:
        "logs/models/gradients.log",
    conda:
        "../../environment.yml"
    params:
        models=config["models"],
    script:
        "../scripts/analysis/gradients.py"


rule concentration:
    input:
        **MODELS_TABLES,
        **POWER_SCORES,
        code=code_inputs("analysis/concentration.py"),
    output:
        table="results/models/concentration.parquet",
        curves="results/models/concentration_curves.parquet",
    log:
        "logs/models/concentration.log",
    conda:
        "../../environment.yml"
    params:
        models=config["models"],
    script:
        "../scripts/analysis/concentration.py"


rule gap:
    input:
        **POWER_SCORES,
        lsoa21="results/tables/lsoa21.parquet",
        code=code_inputs("analysis/gap.py"),
    output:
        **{name: f"results/models/{name}.parquet" for name in GAP_OUTPUTS},
        summary="results/models/gap.json",
    log:
        "logs/models/gap.log",
    conda:
        "../../environment.yml"
    params:
        gap=config["models"]["gap"],
        geographies=config["models"]["geographies"],
    script:
        "../scripts/analysis/gap.py"


rule replication_iod2019:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        lsoa11="results/tables/lsoa11.parquet",
        scores="results/power/scores_lsoa21.parquet",
        code=code_inputs("analysis/replication_iod2019.py"),
    output:
        "results/models/iod_replication.parquet",
    log:
        "logs/models/replication_iod2019.log",
    conda:
        "../../environment.yml"
    params:
        models=config["models"],
    script:
        "../scripts/analysis/replication_iod2019.py"


rule models_summary:
    input:
        c1="results/power/c1.json",
        circularity="results/models/circularity.json",
        table="results/models/multiverse.parquet",
        nested="results/models/nested.parquet",
        directions="results/models/multiverse_directions.parquet",
        concentration="results/models/concentration.parquet",
        ratios="results/models/gradient_ratios.parquet",
        gap="results/models/gap.json",
        replication="results/models/iod_replication.parquet",
        code=code_inputs("analysis/models_summary.py"),
    output:
        "results/models/summary.json",
    log:
        "logs/models/models_summary.log",
    conda:
        "../../environment.yml"
    params:
        power=config["power"],
        models=config["models"],
    script:
        "../scripts/analysis/models_summary.py"


rule models_all:
    input:
        rules.power.output,
        rules.deprivation.output,
        rules.circularity.output,
        rules.models_gather.output,
        rules.gradients.output,
        rules.concentration.output,
        rules.gap.output,
        rules.replication_iod2019.output,
        rules.models_summary.output,


# Capacity gap in people and the cost of closing it (issue 10; research brief §5, C3-C4):
# config/costs.yaml, validated again in the package by workflow/schemas/costs.schema.yaml.

COSTS_TABLES = [
    "national",
    "gap",
    "gap_specifications",
    "calibration",
    "rules",
    "curves",
    "councils",
    "districts",
    "council_curves",
    "tornado",
    "sobol",
    "thresholds",
]
COSTS_COREC = sorted(
    {p["corec"]["dataset"] for p in config["costs"]["parameters"].values() if "corec" in p}
)
COSTS_DEFLATOR = ["hmt_gdp_deflator_march2026", "hmt_gdp_deflator_dec2023"]
COSTS_PARTICIPATION = ["cls_civic_participation_imd_quintile_2016_17", "smc_dr41_civic_engagement"]


rule costs_parameters:
    input:
        **raw_inputs(COSTS_DEFLATOR + COSTS_PARTICIPATION),
        corec=[raw(d) for d in COSTS_COREC if available(d)],
        schema="workflow/schemas/costs.schema.yaml",
        code=code_inputs("analysis/costs_parameters.py"),
    output:
        table="results/costs/parameters.parquet",
    log:
        "logs/costs/costs_parameters.log",
    conda:
        "../../environment.yml"
    params:
        costs=config["costs"],
        corec_ids=[d for d in COSTS_COREC if available(d)],
        # COReC tables have unstated terms of use, so the snapshot does not ship them: the
        # figures stay in config/costs.yaml with their citation, cross-checked when a mirror
        # or the official download provides the tables.
        corec_not_shipped=[d for d in COSTS_COREC if not available(d)],
    script:
        "../scripts/analysis/costs_parameters.py"


rule costs_inputs:
    input:
        **raw_inputs(["lookup_lsoa11_lsoa21"]),
        lsoa21="results/tables/lsoa21.parquet",
        lsoa11="results/tables/lsoa11.parquet",
        utla23="results/tables/utla23.parquet",
        scores_lsoa21="results/power/scores_lsoa21.parquet",
        scores_utla23="results/power/scores_utla23.parquet",
        code=code_inputs("analysis/costs_inputs.py"),
    output:
        lsoa="results/costs/lsoa_inputs.parquet",
        councils="results/costs/council_inputs.parquet",
    log:
        "logs/costs/costs_inputs.log",
    conda:
        "../../environment.yml"
    params:
        index_set=config["models"]["gap"]["index_set"],
        variant=config["models"]["gap"]["variant"],
        spend_year=config["costs"]["spend_year"],
    script:
        "../scripts/analysis/costs_inputs.py"


rule costs_model:
    input:
        **raw_inputs(COSTS_DEFLATOR),
        parameters="results/costs/parameters.parquet",
        lsoa="results/costs/lsoa_inputs.parquet",
        councils="results/costs/council_inputs.parquet",
        schema="workflow/schemas/costs.schema.yaml",
        code=code_inputs("analysis/costs_model.py"),
    output:
        **{name: f"results/costs/{name}.parquet" for name in COSTS_TABLES},
        councils_csv="results/costs/councils.csv",
        headline="results/costs/headline.json",
    log:
        "logs/costs/costs_model.log",
    conda:
        "../../environment.yml"
    threads: 1
    params:
        costs=config["costs"],
    script:
        "../scripts/analysis/costs_model.py"


rule costs_views:
    input:
        rules="results/costs/rules.parquet",
        tornado="results/costs/tornado.parquet",
        curves="results/costs/curves.parquet",
        headline="results/costs/headline.json",
        code=code_inputs("analysis/costs_views.py"),
    output:
        **{
            name: f"results/costs/views/{name}.parquet"
            for name in ["cost_to_close", "tornado", "curves"]
        },
    log:
        "logs/costs/costs_views.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/analysis/costs_views.py"


# Financial climate since 2009-10 (issue 11; research brief §5, C5): config/climate.yaml.

CLIMATE = config["climate"]
CLIMATE_RS_YEARS = [
    f"{y}-{(y + 1) % 100:02d}"
    for y in range(int(CLIMATE["first_year"][:4]), int(CLIMATE["last_year"][:4]))
]
CLIMATE_DATASETS = [
    *[f"mhclg_rs_{year}" for year in CLIMATE_RS_YEARS],
    f"ro_rsx_{CLIMATE['last_year']}",
    *CLIMATE["population_datasets"],
    "iod2019_file11",
    "hmt_gdp_deflator_march2026",
    "hmt_gdp_deflator_dec2023",
    "lookup_ltla23_utla23_ons",
]
CLIMATE_OUTPUTS = [
    "panel",
    "councils_years",
    "england",
    "footprints",
    "changes",
    "gap",
    "fixed_effects",
    "series",
    "exclusions",
    "councils",
]


rule climate_panel:
    input:
        **raw_inputs(CLIMATE_DATASETS),
        code=code_inputs("analysis/climate.py"),
    output:
        **{name: f"results/climate/{name}.parquet" for name in CLIMATE_OUTPUTS},
    log:
        "logs/climate/climate_panel.log",
    conda:
        "../../environment.yml"
    params:
        climate=CLIMATE,
        rs_years=CLIMATE_RS_YEARS,
    script:
        "../scripts/analysis/climate.py"


rule climate_all:
    input:
        rules.climate_panel.output,


rule costs_all:
    input:
        rules.costs_parameters.output,
        rules.costs_model.output,
        rules.costs_views.output,
