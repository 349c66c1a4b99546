import pandas as pd

from coprod.analysis import costs
from coprod.io import write_json, write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    cfg = snakemake.params.costs
    tables = {name: pd.concat([pd.read_parquet(p) for p in snakemake.input[name]], ignore_index=True)
              for name in ("scenarios", "deciles", "sensitivity")}
    views = costs.report_tables(tables["scenarios"], tables["deciles"], tables["sensitivity"], cfg)
    for name, view in views.items():
        write_parquet(view, snakemake.output[name])
    write_json(costs.headline(tables["scenarios"], cfg), snakemake.output.headline)
