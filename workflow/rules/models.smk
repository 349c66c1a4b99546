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
        "../scripts/power.py"


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
        "../scripts/models_shard.py"


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
        "../scripts/models_gather.py"


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
        "../scripts/models_gradients.py"


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
        "../scripts/models_concentration.py"


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
        "../scripts/models_gap.py"


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
        "../scripts/models_replication.py"


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
        "../scripts/models_summary.py"


rule models_all:
    input:
        rules.power.output,
        rules.models_gather.output,
        rules.gradients.output,
        rules.concentration.output,
        rules.gap.output,
        rules.replication_iod2019.output,
        rules.models_summary.output,
