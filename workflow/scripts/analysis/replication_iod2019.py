"""Rule replication_iod2019: the main LSOA model on IoD2019 (2011 LSOAs) beside IoD2025."""

import pandas as pd

from coprod import io, runlog
from coprod.analysis import multiverse

with runlog.rule_log(snakemake.log[0]):
    cfg = snakemake.params.models
    result = multiverse.replication(
        pd.read_parquet(snakemake.input.lsoa21),
        pd.read_parquet(snakemake.input.lsoa11),
        pd.read_parquet(snakemake.input.scores),
        models_cfg=cfg,
        replication_cfg=cfg["replication"],
        ci_level=cfg["ci_level"],
    )
    io.write_parquet(result, snakemake.output[0])
