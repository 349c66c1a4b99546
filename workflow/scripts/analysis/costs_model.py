import pandas as pd

from coprod.analysis import costs
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    cfg = snakemake.params.costs
    geography = snakemake.wildcards.geography
    areas = costs.prepare_areas(pd.read_parquet(snakemake.input.table),
                                pd.read_parquet(snakemake.input.gap), f"{geography}cd",
                                spend_year=cfg["spend_year"],
                                utla=pd.read_parquet(snakemake.input.utla))
    for name, table in costs.run_cost_model(areas, cfg, geography).items():
        write_parquet(table, snakemake.output[name])
