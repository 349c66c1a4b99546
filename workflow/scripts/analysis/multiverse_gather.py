"""Rule models_gather: one row per specification, directions by outcome family, the
specification-curve data, conditional estimates and the outcome classification."""

import pandas as pd

from coprod import io, runlog
from coprod.analysis import multiverse, outcomes

with runlog.rule_log(snakemake.log[0]) as log:
    p = snakemake.params
    specs = multiverse.expand_specs(p.multiverse, p.power, p.models)
    table = multiverse.gather(specs, [pd.read_parquet(f) for f in snakemake.input.shards])
    directed = multiverse.with_directions(
        table, p.models["outcomes"], fdr_alpha=p.multiverse["fdr_alpha"]
    )
    io.write_parquet(table, snakemake.output.table)
    io.write_parquet(multiverse.spec_curve(directed), snakemake.output.curve)
    io.write_parquet(multiverse.direction_summary(directed), snakemake.output.directions)
    io.write_parquet(multiverse.nested_shares(table, **p.models["nested"]), snakemake.output.nested)
    io.write_parquet(outcomes.classification_table(p.models["outcomes"]), snakemake.output.outcomes)
    log.info("%d specifications: %s", len(table), table["status"].value_counts().to_dict())
