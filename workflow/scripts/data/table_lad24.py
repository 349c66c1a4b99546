import pandas as pd

from coprod.data.build import lad24_table
from coprod.data.registry import load_registry
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    registry = load_registry(snakemake.params.registry)
    lsoa21 = pd.read_parquet(snakemake.input.lsoa21)
    write_parquet(
        lad24_table(lsoa21, registry, snakemake.input, snakemake.params.cfg), snakemake.output[0]
    )
