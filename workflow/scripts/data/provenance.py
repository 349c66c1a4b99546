from coprod.data.acquire import provenance_table
from coprod.io import write_csv
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_csv(provenance_table(snakemake.input.records), snakemake.output.table)
