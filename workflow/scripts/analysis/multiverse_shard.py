"""Rule models_shard: fit one deterministic shard of the multiverse in one process."""

import time

import pandas as pd

from coprod import io, runlog
from coprod.analysis import deprivation, multiverse

with runlog.rule_log(snakemake.log[0]) as log:
    p = snakemake.params
    specs = multiverse.expand_specs(p.multiverse, p.power, p.models)
    part = multiverse.shard(specs, int(snakemake.wildcards.shard), p.multiverse["n_shards"])
    geos = p.models["geographies"]
    tables = {
        geo: deprivation.attach(
            pd.read_parquet(snakemake.input[f"table_{geo}"]),
            pd.read_parquet(snakemake.input[f"deprivation_{geo}"]),
            key=geos[geo]["key"],
        )
        for geo in geos
    }
    scores = {geo: pd.read_parquet(snakemake.input[f"scores_{geo}"]) for geo in geos}
    start = time.perf_counter()
    result = multiverse.fit_specs(part, tables, scores, p.models, ci_level=p.models["ci_level"])
    seconds = time.perf_counter() - start
    io.write_parquet(result, snakemake.output[0])
    log.info(
        "shard %s: %d specifications in %.1f s (%.3f s each), status %s",
        snakemake.wildcards.shard,
        len(result),
        seconds,
        seconds / max(len(result), 1),
        result["status"].value_counts().to_dict(),
    )
