"""Rule models_gather: one row per specification, specification-curve data, nested shares."""

import pandas as pd

from coprod import io, runlog
from coprod.analysis import multiverse

with runlog.rule_log(snakemake.log[0]) as log:
    p = snakemake.params
    specs = multiverse.expand_specs(p.multiverse, p.power, p.models)
    table = multiverse.gather(specs, [pd.read_parquet(f) for f in snakemake.input.shards])
    io.write_parquet(table, snakemake.output.table)
    io.write_parquet(multiverse.spec_curve(table), snakemake.output.curve)
    io.write_parquet(multiverse.nested_shares(table, **p.models["nested"]), snakemake.output.nested)
    log.info("%d specifications: %s", len(table), table["status"].value_counts().to_dict())
