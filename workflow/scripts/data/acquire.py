from coprod.data.acquire import acquire
from coprod.data.registry import load_registry
from coprod.io import write_json
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    dataset = load_registry(snakemake.config["datasets_registry"])[snakemake.params.dataset["id"]]
    write_json(acquire(dataset, snakemake.output.raw, snakemake.config["data_mirror"]), snakemake.output.record)
