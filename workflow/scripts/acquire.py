from coprod.acquire import acquire
from coprod.io import write_json
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    record = acquire(snakemake.params.dataset, snakemake.output.raw, snakemake.config["data_mirror"])
    write_json(record, snakemake.output.record)
