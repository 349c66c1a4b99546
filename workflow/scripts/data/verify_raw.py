from coprod.data.acquire import verify
from coprod.data.registry import load_registry
from coprod.io import write_text
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    dataset = load_registry(snakemake.config["datasets_registry"])[snakemake.params.dataset["id"]]
    write_text(verify(dataset, snakemake.input[0]) + "\n", snakemake.output[0])
