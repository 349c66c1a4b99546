"""Rule gradients: mean service use by power and IMD decile, and extreme-group ratios."""

import pandas as pd

from coprod import io, runlog
from coprod.analysis import models

with runlog.rule_log(snakemake.log[0]):
    cfg = snakemake.params.models
    tables = {geo: pd.read_parquet(snakemake.input[f"table_{geo}"]) for geo in cfg["geographies"]}
    scores = {geo: pd.read_parquet(snakemake.input[f"scores_{geo}"]) for geo in cfg["geographies"]}
    for name, frame in models.gradient_outputs(tables, scores, cfg).items():
        io.write_parquet(frame, snakemake.output[name])
