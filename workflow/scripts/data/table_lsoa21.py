from coprod.data.build import lsoa21_table
from coprod.data.registry import load_registry
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    registry = load_registry(snakemake.params.registry)
    write_parquet(
        lsoa21_table(registry, snakemake.input, snakemake.params.cfg), snakemake.output[0]
    )
