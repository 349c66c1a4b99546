# Stage 1, data (coprod.data): acquisition, verification, tidy tables.

# Acquisition: one job per registry file, from the mirror or the official URL, SHA-256 verified.


rule acquire:
    output:
        raw="data/raw/{file}",
        record="results/acquire/{file}.json",
    params:
        dataset=lambda wc: DATASET_BY_FILE[wc.file],
    wildcard_constraints:
        file=RAW_FILES,
    conda:
        "../../environment.yml"
    log:
        "logs/acquire/{file}.log",
    script:
        "../scripts/data/acquire.py"


rule verify_raw:
    """Re-check a raw file before anything reads it: a file changed in place stops the run
    here, before any downstream job (and its earlier results) is touched."""
    input:
        "data/raw/{file}",
    output:
        "data/verified/{file}.sha256",
    params:
        dataset=lambda wc: DATASET_BY_FILE[wc.file],
    wildcard_constraints:
        file=RAW_FILES,
    conda:
        "../../environment.yml"
    log:
        "logs/verify/{file}.log",
    script:
        "../scripts/data/verify_raw.py"


rule provenance:
    input:
        [f"results/acquire/{f}.json" for f in DATASET_BY_FILE],
    output:
        table="results/provenance.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/provenance.log",
    script:
        "../scripts/data/provenance.py"


rule acquire_all:
    input:
        [raw(d) for d in DATASETS],
        "results/provenance.csv",


# Tidy tables: readers -> geography -> validated Parquet under results/tables/.


rule table_lsoa21:
    input:
        **raw_inputs(table_datasets("lsoa21")),
    output:
        "results/tables/lsoa21.parquet",
    conda:
        "../../environment.yml"
    log:
        "logs/tables/lsoa21.log",
    script:
        "../scripts/data/table_lsoa21.py"


rule table_lad24:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        **raw_inputs(table_datasets("lad24")),
    output:
        "results/tables/lad24.parquet",
    conda:
        "../../environment.yml"
    log:
        "logs/tables/lad24.log",
    script:
        "../scripts/data/table_lad24.py"


rule table_utla23:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        **raw_inputs(table_datasets("utla23") + [f"ro_rsx_{year}" for year in config["finance_years"]]),
    output:
        table="results/tables/utla23.parquet",
        measures="results/tables/utla23_measures.csv",
        reorganisations="results/tables/reorganisations.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/tables/utla23.log",
    script:
        "../scripts/data/table_utla23.py"


rule table_lsoa11:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        **raw_inputs(table_datasets("lsoa11")),
    output:
        "results/tables/lsoa11.parquet",
    conda:
        "../../environment.yml"
    log:
        "logs/tables/lsoa11.log",
    script:
        "../scripts/data/table_lsoa11.py"


rule tables_all:
    input:
        rules.table_lsoa21.output,
        rules.table_lad24.output,
        rules.table_utla23.output,
        rules.table_lsoa11.output,
