"""Rule gap: the capacity gap (C3) per LSOA, per LAD/UTLA for the cost model, and totals."""

import pandas as pd

from coprod import io, runlog
from coprod.analysis import gap

with runlog.rule_log(snakemake.log[0]):
    geographies = snakemake.params.geographies
    scores = {geo: pd.read_parquet(snakemake.input[f"scores_{geo}"]) for geo in geographies}
    outputs = gap.gap_outputs(
        pd.read_parquet(snakemake.input.lsoa21),
        scores,
        gap_cfg=snakemake.params.gap,
        geographies=geographies,
    )
    io.write_json(outputs.pop("summary"), snakemake.output.summary)
    for name, frame in outputs.items():
        io.write_parquet(frame, snakemake.output[name])
