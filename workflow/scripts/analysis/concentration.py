"""Rule concentration: concentration index and curve of each outcome over power rank."""

import pandas as pd

from coprod import io, runlog
from coprod.analysis import inequality

with runlog.rule_log(snakemake.log[0]):
    cfg = snakemake.params.models
    tables = {geo: pd.read_parquet(snakemake.input[f"table_{geo}"]) for geo in cfg["geographies"]}
    scores = {geo: pd.read_parquet(snakemake.input[f"scores_{geo}"]) for geo in cfg["geographies"]}
    table, curves = inequality.concentration_outputs(tables, scores, cfg)
    io.write_parquet(table, snakemake.output.table)
    io.write_parquet(curves, snakemake.output.curves)
