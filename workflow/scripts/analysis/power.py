"""Rule power: index variants per area, loadings, the report's main index table and C1 tests."""

import pandas as pd

from coprod import io, runlog
from coprod.analysis import power

with runlog.rule_log(snakemake.log[0]) as log:
    cfg, geographies = snakemake.params.power, snakemake.params.geographies
    tables = {geo: pd.read_parquet(snakemake.input[f"table_{geo}"]) for geo in geographies}
    scores, loadings = power.all_scores(tables, cfg, geographies)
    for geo, frame in scores.items():
        io.write_parquet(frame, snakemake.output[f"scores_{geo}"])
    main = snakemake.params.main
    io.write_parquet(
        power.main_scores(
            scores["lsoa21"],
            key=geographies["lsoa21"]["key"],
            index_set=main["index_set"],
            variant=main["variant"],
        ),
        snakemake.output.main,
    )
    io.write_parquet(loadings, snakemake.output.loadings)
    c1 = power.c1_summary(tables, scores, cfg, geographies)
    io.write_json(c1, snakemake.output.c1)
    log.info(
        "C1: R2 %.3f, turnout r %.3f (%s)",
        c1["r2"]["r2"],
        c1["turnout_r"]["r"],
        c1["headline_variant"],
    )
