from coprod.acquire import verify
from coprod.io import write_text
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_text(verify(snakemake.params.dataset, snakemake.input[0]) + "\n", snakemake.output[0])
