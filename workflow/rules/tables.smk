# Tidy tables: readers -> geography -> validated Parquet under results/tables/.
from coprod import build


rule table_lsoa21:
    input:
        **raw_inputs(build.LSOA21_INPUTS),
    output:
        "results/tables/lsoa21.parquet",
    conda:
        "../../environment.yml"
    log:
        "logs/tables/lsoa21.log",
    script:
        "../scripts/table_lsoa21.py"


rule table_lad24:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        **raw_inputs(build.LAD24_INPUTS),
    output:
        "results/tables/lad24.parquet",
    conda:
        "../../environment.yml"
    log:
        "logs/tables/lad24.log",
    script:
        "../scripts/table_lad24.py"


rule table_utla23:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        **raw_inputs(build.UTLA23_INPUTS + build.rsx_inputs(config["finance_years"])),
    output:
        table="results/tables/utla23.parquet",
        measures="results/tables/utla23_measures.csv",
        reorganisations="results/tables/reorganisations.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/tables/utla23.log",
    script:
        "../scripts/table_utla23.py"


rule table_lsoa11:
    input:
        lsoa21="results/tables/lsoa21.parquet",
        **raw_inputs(build.LSOA11_INPUTS),
    output:
        "results/tables/lsoa11.parquet",
    conda:
        "../../environment.yml"
    log:
        "logs/tables/lsoa11.log",
    script:
        "../scripts/table_lsoa11.py"


rule tables_all:
    input:
        rules.table_lsoa21.output,
        rules.table_lad24.output,
        rules.table_utla23.output,
        rules.table_lsoa11.output,
