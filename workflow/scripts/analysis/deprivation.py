"""Rule deprivation: the IMD 2025 rebuilt without its Education domain, per area, and the
check that the method with every domain reproduces the published IMD."""

import pandas as pd

from coprod import io, runlog
from coprod.analysis import deprivation

with runlog.rule_log(snakemake.log[0]) as log:
    p, geos = snakemake.params.deprivation, snakemake.params.geographies
    settings = deprivation.ImdSettings(p["domain_weights"], tuple(p["exclude"]))
    home = geos["lsoa21"]
    frames, check = deprivation.imd_without(
        pd.read_parquet(snakemake.input.lsoa21),
        settings,
        key=home["key"],
        weight=home["weight"],
        groups={geo: spec["key"] for geo, spec in geos.items() if geo != "lsoa21"},
    )
    io.write_parquet(frames.pop("lsoa"), snakemake.output.deprivation_lsoa21)
    for geo, frame in frames.items():
        io.write_parquet(frame, snakemake.output[f"deprivation_{geo}"])
    io.write_json(check, snakemake.output.check)
    log.info(
        "IMD from domain ranks: %.4f%% of published ranks reproduced exactly",
        100 * check["share_rank_identical"],
    )
