"""Rule circularity: correlations of the main power index with the IMD, the IMD without
Education and the Education domain's Adult Skills sub-domain."""

import json
from pathlib import Path

import pandas as pd

from coprod import io, runlog
from coprod.analysis import deprivation, models

with runlog.rule_log(snakemake.log[0]):
    p, inp = snakemake.params, snakemake.input
    table = deprivation.attach(
        pd.read_parquet(inp.table), pd.read_parquet(inp.deprivation), key=p.key
    )
    frame = models.analysis_frame(
        table,
        pd.read_parquet(inp.scores),
        key=p.key,
        index_set=p.main["index_set"],
        variant=p.main["variant"],
    )
    out = {
        "index_set": p.main["index_set"],
        "variant": p.main["variant"],
        "geography": p.circularity["geography"],
        "correlations": deprivation.circularity(
            frame, p.circularity["correlations"], ci_level=p.ci_level
        ),
        "imd_reproduction": json.loads(Path(inp.check).read_text()),
    }
    io.write_json(out, snakemake.output[0])
