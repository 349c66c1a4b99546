# Stage 1, data (coprod.data): acquisition, verification, tidy tables.

# Acquisition: one job per source group (a top folder of data/raw/, one snapshot archive),
# from the shipped snapshot, a mirror or the official URLs; every file SHA-256 verified before
# it lands. The params record each file's registry entry and expected content, so a change to
# either reruns the job; the start-up check in the Snakefile guards the files between runs.
ACQUIRE_CODE = code_inputs("data/acquire.py")

for _group, _ids in ACQUIRE_GROUPS.items():

    rule:
        name:
            f"acquire_{_group}"
        input:
            code=ACQUIRE_CODE,
        output:
            raw=[raw(d) for d in _ids],
            record=f"{ACQUIRE_RECORDS}/{_group}.json",
        log:
            f"logs/acquire/{_group}.log",
        conda:
            "../../environment.yml"
        params:
            datasets=[content_key(d) for d in _ids],
        script:
            "../scripts/data/acquire.py"


rule provenance:
    input:
        records=[f"{ACQUIRE_RECORDS}/{g}.json" for g in ACQUIRE_GROUPS],
        code=code_inputs("data/provenance.py"),
    output:
        table="results/provenance.csv",
    log:
        "logs/provenance.log",
    conda:
        "../../environment.yml"
    params:
        # registry files the source cannot provide (the snapshot leaves out unstated licences)
        not_shipped=[DATASETS[d] for d in UNAVAILABLE],
    script:
        "../scripts/data/provenance.py"


rule acquire_all:
    input:
        [raw(d) for d in DATASETS if available(d)],
        "results/provenance.csv",


# Tidy tables: readers -> geography -> validated Parquet under results/tables/. Each rule's
# params hold exactly the config keys its build function reads, and its code inputs the
# modules it runs (the script's imports and the readers of its datasets).
LSOA21_DATASETS = table_datasets("lsoa21")
LAD24_DATASETS = table_datasets("lad24")
UTLA23_DATASETS = table_datasets("utla23") + [f"ro_rsx_{year}" for year in config["finance_years"]]
LSOA11_DATASETS = table_datasets("lsoa11")
TURNOUT_DATASETS = table_datasets("turnout")
# District turnout needs the constituency share lookups, whose licence is unstated: the
# snapshot ships the derived district figures instead (data/snapshot/derived/).
TURNOUT_SHIPPED = "data/snapshot/derived/turnout_lad.csv"
TURNOUT_FROM_SHARES = all(available(d) for d in TURNOUT_DATASETS)


rule table_lsoa21:
    input:
        **raw_inputs(LSOA21_DATASETS),
        code=table_code("data/table_lsoa21.py", LSOA21_DATASETS),
    output:
        "results/tables/lsoa21.parquet",
    log:
        "logs/tables/lsoa21.log",
    conda:
        "../../environment.yml"
    params:
        registry=config["datasets_registry"],
        readers=readers_of(LSOA21_DATASETS),
        cfg=config_subset(
            "expected_exclusions.lsoa21_lookup_not_england", "census_population_tolerance"
        ),
    script:
        "../scripts/data/table_lsoa21.py"


if TURNOUT_FROM_SHARES:

    rule table_turnout:
        input:
            **raw_inputs(TURNOUT_DATASETS),
            code=table_code("data/table_turnout.py", TURNOUT_DATASETS),
        output:
            "results/tables/turnout_lad.csv",
        log:
            "logs/tables/turnout.log",
        conda:
            "../../environment.yml"
        params:
            registry=config["datasets_registry"],
            readers=readers_of(TURNOUT_DATASETS),
            cfg=config_subset(
                "expected_exclusions.lad24_pcon24_non_england_lads",
                "expected_exclusions.lad22_pcon10_non_england_lads",
            ),
            shipped=TURNOUT_SHIPPED,
        script:
            "../scripts/data/table_turnout.py"

else:

    rule table_turnout:
        input:
            shipped=TURNOUT_SHIPPED,
            code=code_inputs("data/table_turnout_shipped.py"),
        output:
            "results/tables/turnout_lad.csv",
        log:
            "logs/tables/turnout.log",
        conda:
            "../../environment.yml"
        params:
            sha256=SNAPSHOT.get("derived/turnout_lad.csv", {}).get("sha256"),
        script:
            "../scripts/data/table_turnout_shipped.py"


rule table_lad24:
    input:
        **raw_inputs(LAD24_DATASETS),
        lsoa21="results/tables/lsoa21.parquet",
        turnout="results/tables/turnout_lad.csv",
        code=table_code("data/table_lad24.py", LAD24_DATASETS),
    output:
        "results/tables/lad24.parquet",
    log:
        "logs/tables/lad24.log",
    conda:
        "../../environment.yml"
    params:
        registry=config["datasets_registry"],
        readers=readers_of(LAD24_DATASETS),
        cfg=config_subset(
            "expected_exclusions.lad24_without_ge2019_turnout", "file10_score_tolerance"
        ),
    script:
        "../scripts/data/table_lad24.py"


rule table_utla23:
    input:
        **raw_inputs(UTLA23_DATASETS),
        lsoa21="results/tables/lsoa21.parquet",
        code=table_code("data/table_utla23.py", UTLA23_DATASETS),
    output:
        table="results/tables/utla23.parquet",
        measures="results/tables/utla23_measures.csv",
        reorganisations="results/tables/reorganisations.csv",
    log:
        "logs/tables/utla23.log",
    conda:
        "../../environment.yml"
    params:
        registry=config["datasets_registry"],
        readers=readers_of(UTLA23_DATASETS),
        cfg=config_subset(
            "services_year",
            "child_population_year",
            "code_recodes",
            "finance_years",
            "expected_exclusions.utla23_without_dfe",
            "expected_exclusions.utla23_without_workforce",
            "expected_exclusions.utla23_without_oflog",
            "expected_exclusions.utla23_without_fingertips",
            "expected_exclusions.utla23_without_finance",
        ),
    script:
        "../scripts/data/table_utla23.py"


rule table_lsoa11:
    input:
        **raw_inputs(LSOA11_DATASETS),
        lsoa21="results/tables/lsoa21.parquet",
        code=table_code("data/table_lsoa11.py", LSOA11_DATASETS),
    output:
        "results/tables/lsoa11.parquet",
    log:
        "logs/tables/lsoa11.log",
    conda:
        "../../environment.yml"
    params:
        registry=config["datasets_registry"],
        readers=readers_of(LSOA11_DATASETS),
    script:
        "../scripts/data/table_lsoa11.py"


rule tables_all:
    input:
        rules.table_lsoa21.output,
        rules.table_lad24.output,
        rules.table_utla23.output,
        rules.table_lsoa11.output,
