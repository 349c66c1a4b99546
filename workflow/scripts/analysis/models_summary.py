"""Rule models_summary: the scalar C1-C3 results the report quotes, in one JSON file."""

import json
from pathlib import Path

import pandas as pd

from coprod import io, runlog
from coprod.analysis import multiverse

with runlog.rule_log(snakemake.log[0]):
    inp = snakemake.input
    summary = multiverse.summary(
        c1=json.loads(Path(inp.c1).read_text()),
        circularity=json.loads(Path(inp.circularity).read_text()),
        table=pd.read_parquet(inp.table),
        nested=pd.read_parquet(inp.nested),
        directions=pd.read_parquet(inp.directions),
        concentration=pd.read_parquet(inp.concentration),
        ratios=pd.read_parquet(inp.ratios),
        gap=json.loads(Path(inp.gap).read_text()),
        replication=pd.read_parquet(inp.replication),
        models_cfg=snakemake.params.models,
    )
    io.write_json(summary, snakemake.output[0])
