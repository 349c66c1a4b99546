import pandas as pd

from coprod import costs
from coprod.io import write_json, write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    scenarios = pd.concat([pd.read_parquet(p) for p in snakemake.input.scenarios], ignore_index=True)
    write_parquet(scenarios, snakemake.output.scenarios)
    write_json(costs.headline(scenarios, snakemake.params.costs), snakemake.output.headline)
