import pandas as pd

from coprod.data.build import utla23_table
from coprod.data.registry import load_registry
from coprod.io import write_csv, write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    registry = load_registry(snakemake.params.registry)
    lsoa21 = pd.read_parquet(snakemake.input.lsoa21)
    table, measures, reorganisations = utla23_table(
        lsoa21, registry, snakemake.input, snakemake.params.cfg
    )
    write_parquet(table, snakemake.output.table)
    write_csv(measures, snakemake.output.measures)
    write_csv(reorganisations, snakemake.output.reorganisations)
