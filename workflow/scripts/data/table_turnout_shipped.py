from coprod.data.snapshot import copy_verified
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    copy_verified(snakemake.input.shipped, snakemake.params.sha256, snakemake.output[0])
