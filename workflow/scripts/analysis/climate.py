import pandas as pd

from coprod.analysis.climate import climate_tables
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    tables = climate_tables(pd.read_parquet(snakemake.input.utla), pd.read_parquet(snakemake.input.gap),
                            pd.read_csv(snakemake.input.reorganisations, dtype="str"),
                            snakemake.params.climate)
    for name, table in tables.items():
        write_parquet(table, snakemake.output[name])
