# Stage 2, analysis (coprod.analysis): power index and models (C1-C3), costs and climate (C4-C5).

# Power index, service use against power, concentration index, capacity gap and the multiverse
# of specifications (issue 3; research brief C1-C3): config/models.yaml.

MODELS_GEOGRAPHIES = list(config["models"]["geographies"])
MODELS_SHARDS = list(range(config["multiverse"]["n_shards"]))
MODELS_TABLES = {f"table_{geo}": f"results/tables/{geo}.parquet" for geo in MODELS_GEOGRAPHIES}
POWER_SCORES = {f"scores_{geo}": f"results/power/scores_{geo}.parquet" for geo in MODELS_GEOGRAPHIES}
GAP_OUTPUTS = ["gap_lsoa21", "gap_totals", "gap_by_region", "gap_by_imd",
               *[f"gap_{geo}" for geo in config["models"]["gap"]["areas"]]]
GRADIENT_OUTPUTS = ["gradients", "gradient_power", "gradient_imd", "gradient_ratios"]


rule power:
    input:
        **MODELS_TABLES,
    output:
        **POWER_SCORES,
        main="results/power/lsoa21_core.parquet",
        loadings="results/power/loadings.parquet",
        c1="results/power/c1.json",
    params:
        power=config["power"],
        geographies=config["models"]["geographies"],
        main=config["models"]["main"]["lsoa21"],
    conda:
        "../../environment.yml"
    log:
        "logs/models/power.log",
    script:
        "../scripts/analysis/power.py"


rule models_shard:
    input:
        **MODELS_TABLES,
        **POWER_SCORES,
    output:
        "results/models/shards/shard_{shard}.parquet",
    params:
        power=config["power"],
        models=config["models"],
        multiverse=config["multiverse"],
    wildcard_constraints:
        shard="|".join(str(k) for k in MODELS_SHARDS),
    threads: 1
    conda:
        "../../environment.yml"
    log:
        "logs/models/models_shard_{shard}.log",
    script:
        "../scripts/analysis/multiverse_shard.py"


rule models_gather:
    input:
        shards=expand("results/models/shards/shard_{shard}.parquet", shard=MODELS_SHARDS),
    output:
        table="results/models/multiverse.parquet",
        curve="results/models/spec_curve.parquet",
        nested="results/models/nested.parquet",
    params:
        power=config["power"],
        models=config["models"],
        multiverse=config["multiverse"],
    conda:
        "../../environment.yml"
    log:
        "logs/models/models_gather.log",
    script:
        "../scripts/analysis/multiverse_gather.py"


rule gradients:
    input:
        **MODELS_TABLES,
        **POWER_SCORES,
    output:
        **{name: f"results/models/{name}.parquet" for name in GRADIENT_OUTPUTS},
    params:
        models=config["models"],
    conda:
        "../../environment.yml"
    log:
        "logs/models/gradients.log",
    script:
        "../scripts/analysis/gradients.py"


rule concentration:
    input:
        **MODELS_TABLES,
        **POWER_SCORES,
    output:
        table="results/models/concentration.parquet",
        curves="results/models/concentration_curves.parquet",
    params:
        models=config["models"],
    conda:
        "../../environment.yml"
    log:
        "logs/models/concentration.log",
    script:
        "../scripts/analysis/concentration.py"


rule gap:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        **POWER_SCORES,
    output:
        **{name: f"results/models/{name}.parquet" for name in GAP_OUTPUTS},
        summary="results/models/gap.json",
    params:
        gap=config["models"]["gap"],
        geographies=config["models"]["geographies"],
    conda:
        "../../environment.yml"
    log:
        "logs/models/gap.log",
    script:
        "../scripts/analysis/gap.py"


rule replication_iod2019:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        lsoa11="results/tables/lsoa11.parquet",
        scores="results/power/scores_lsoa21.parquet",
    output:
        "results/models/iod_replication.parquet",
    params:
        models=config["models"],
    conda:
        "../../environment.yml"
    log:
        "logs/models/replication_iod2019.log",
    script:
        "../scripts/analysis/replication_iod2019.py"


rule models_summary:
    input:
        c1="results/power/c1.json",
        table="results/models/multiverse.parquet",
        nested="results/models/nested.parquet",
        concentration="results/models/concentration.parquet",
        ratios="results/models/gradient_ratios.parquet",
        gap="results/models/gap.json",
        replication="results/models/iod_replication.parquet",
    output:
        "results/models/summary.json",
    params:
        power=config["power"],
        models=config["models"],
    conda:
        "../../environment.yml"
    log:
        "logs/models/models_summary.log",
    script:
        "../scripts/analysis/models_summary.py"


rule models_all:
    input:
        rules.power.output,
        rules.models_gather.output,
        rules.gradients.output,
        rules.concentration.output,
        rules.gap.output,
        rules.replication_iod2019.output,
        rules.models_summary.output,


# Capacity gap in people and the cost of closing it (issue 10; research brief §5, C3-C4):
# config/costs.yaml, validated again in the package by workflow/schemas/costs.schema.yaml.

COSTS_TABLES = ["national", "gap", "calibration", "rules", "curves", "councils", "council_curves",
                "tornado", "sobol", "thresholds"]
COSTS_CLIMATE = ["councils", "change", "groups", "associations", "dropped"]
COSTS_COREC = sorted({p["corec"]["dataset"] for p in config["costs"]["parameters"].values()
                      if "corec" in p})
COSTS_DEFLATOR = ["hmt_gdp_deflator_march2026", "hmt_gdp_deflator_dec2023"]
COSTS_PARTICIPATION = ["cls_civic_participation_imd_quintile_2016_17", "smc_dr41_civic_engagement"]
# The model uses every costs key except the financial-climate block.
COSTS_MODEL_CONFIG = {k: v for k, v in config["costs"].items() if k != "climate"}


rule costs_parameters:
    input:
        corec=[raw(d) for d in COSTS_COREC],
        **raw_inputs(COSTS_DEFLATOR + COSTS_PARTICIPATION),
        schema="workflow/schemas/costs.schema.yaml",
    output:
        table="results/costs/parameters.parquet",
    params:
        costs=COSTS_MODEL_CONFIG,
        corec_ids=COSTS_COREC,
    conda:
        "../../environment.yml"
    log:
        "logs/costs/costs_parameters.log",
    script:
        "../scripts/analysis/costs_parameters.py"


rule costs_inputs:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        lsoa11="results/tables/lsoa11.parquet",
        utla23="results/tables/utla23.parquet",
        scores_lsoa21="results/power/scores_lsoa21.parquet",
        scores_utla23="results/power/scores_utla23.parquet",
        **raw_inputs(["lookup_lsoa11_lsoa21"]),
    output:
        lsoa="results/costs/lsoa_inputs.parquet",
        councils="results/costs/council_inputs.parquet",
    params:
        index_set=config["models"]["gap"]["index_set"],
        variant=config["models"]["gap"]["variant"],
        spend_year=config["costs"]["spend_year"],
    conda:
        "../../environment.yml"
    log:
        "logs/costs/costs_inputs.log",
    script:
        "../scripts/analysis/costs_inputs.py"


rule costs_model:
    input:
        parameters="results/costs/parameters.parquet",
        lsoa="results/costs/lsoa_inputs.parquet",
        councils="results/costs/council_inputs.parquet",
        **raw_inputs(COSTS_DEFLATOR),
        schema="workflow/schemas/costs.schema.yaml",
    output:
        **{name: f"results/costs/{name}.parquet" for name in COSTS_TABLES},
        councils_csv="results/costs/councils.csv",
        headline="results/costs/headline.json",
    params:
        costs=COSTS_MODEL_CONFIG,
    threads: 1
    conda:
        "../../environment.yml"
    log:
        "logs/costs/costs_model.log",
    script:
        "../scripts/analysis/costs_model.py"


rule costs_views:
    input:
        rules="results/costs/rules.parquet",
        tornado="results/costs/tornado.parquet",
        curves="results/costs/curves.parquet",
        headline="results/costs/headline.json",
    output:
        **{name: f"results/costs/views/{name}.parquet" for name in ["cost_to_close", "tornado", "curves"]},
    conda:
        "../../environment.yml"
    log:
        "logs/costs/costs_views.log",
    script:
        "../scripts/analysis/costs_views.py"


rule costs_climate:
    input:
        utla="results/tables/utla23.parquet",
        gap="results/models/gap_utla23.parquet",
        reorganisations="results/tables/reorganisations.csv",
    output:
        figure="results/costs/climate.parquet",
        **{name: f"results/costs/climate_{name}.parquet" for name in COSTS_CLIMATE},
    params:
        climate=config["costs"]["climate"],
    conda:
        "../../environment.yml"
    log:
        "logs/costs/costs_climate.log",
    script:
        "../scripts/analysis/climate.py"


rule costs_all:
    input:
        rules.costs_parameters.output,
        rules.costs_model.output,
        rules.costs_views.output,
        rules.costs_climate.output,
