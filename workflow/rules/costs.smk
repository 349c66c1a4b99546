# Cost model and financial climate (issue 4; research brief §5, C4-C5): config/costs.yaml.

COSTS_GEOGRAPHIES = ["utla23", "lad24"]
COSTS_TABLES = ["areas", "scenarios", "draws_summary", "deciles", "sensitivity"]
COSTS_CLIMATE = ["councils", "change", "groups", "associations", "dropped"]
COSTS_COREC = sorted({p["corec"]["dataset"] for p in config["costs"]["parameters"].values()
                      if "corec" in p})


rule costs_parameters:
    input:
        corec=[raw(d) for d in COSTS_COREC],
    output:
        table="results/costs/parameters.parquet",
    params:
        costs=config["costs"],
        corec_ids=COSTS_COREC,
    conda:
        "../../environment.yml"
    log:
        "logs/costs/costs_parameters.log",
    script:
        "../scripts/costs_parameters.py"


rule costs_model:
    input:
        parameters="results/costs/parameters.parquet",
        table="results/tables/{geography}.parquet",
        utla="results/tables/utla23.parquet",
        gap="results/models/gap_{geography}.parquet",
    output:
        **{name: f"results/costs/{{geography}}/{name}.parquet" for name in COSTS_TABLES},
    params:
        costs=config["costs"],
    wildcard_constraints:
        geography="|".join(COSTS_GEOGRAPHIES),
    conda:
        "../../environment.yml"
    log:
        "logs/costs/costs_model_{geography}.log",
    script:
        "../scripts/costs_model.py"


rule costs_headline:
    input:
        scenarios=expand("results/costs/{geography}/scenarios.parquet", geography=COSTS_GEOGRAPHIES),
        deciles=expand("results/costs/{geography}/deciles.parquet", geography=COSTS_GEOGRAPHIES),
        sensitivity=expand("results/costs/{geography}/sensitivity.parquet", geography=COSTS_GEOGRAPHIES),
    output:
        scenarios="results/costs/scenarios.parquet",
        by_imd="results/costs/by_imd.parquet",
        sensitivity="results/costs/sensitivity.parquet",
        headline="results/costs/headline.json",
    params:
        costs=config["costs"],
    conda:
        "../../environment.yml"
    log:
        "logs/costs/costs_headline.log",
    script:
        "../scripts/costs_headline.py"


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
        "../scripts/costs_climate.py"


rule costs_all:
    input:
        "results/costs/parameters.parquet",
        expand("results/costs/{geography}/{name}.parquet", geography=COSTS_GEOGRAPHIES,
               name=COSTS_TABLES),
        rules.costs_headline.output,
        rules.costs_climate.output,
