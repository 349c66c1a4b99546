from pathlib import Path

import pandas as pd

from coprod.errors import ConfigError
from coprod.report.figures import figure_function, save_figure
from coprod.runlog import rule_log

READERS = {".parquet": pd.read_parquet, ".csv": pd.read_csv}

with rule_log(snakemake.log[0]) as log:
    name = snakemake.wildcards.figure
    frames = {}
    for key, path in snakemake.input.items():
        if key == "code":  # the package modules the rule depends on, not data
            continue
        if Path(path).suffix not in READERS:
            raise ConfigError(f"figure {name}: input {key}={path} is not Parquet or CSV")
        frames[key] = READERS[Path(path).suffix](path)
    save_figure(figure_function(name)(**frames, **snakemake.params.options), snakemake.output[0])
    log.info("figure %s from %s", name, {k: v for k, v in snakemake.input.items() if k != "code"})
