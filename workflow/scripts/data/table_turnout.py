from coprod.data.build import turnout_table
from coprod.data.registry import load_registry
from coprod.data.snapshot import compare_with_shipped
from coprod.io import write_csv
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    registry = load_registry(snakemake.params.registry)
    write_csv(turnout_table(registry, snakemake.input, snakemake.params.cfg), snakemake.output[0])
    compare_with_shipped(snakemake.output[0], snakemake.params.shipped)
