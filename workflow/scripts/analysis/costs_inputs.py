"""Rule costs_inputs: per-LSOA participation inputs and per-council staff and spend."""

import pandas as pd

from coprod.analysis import costs, participation
from coprod.data.readers.lookups import read_lsoa11_lsoa21
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    p = snakemake.params
    lsoa_power = participation.power_of(
        pd.read_parquet(snakemake.input.scores_lsoa21), "lsoa21cd", p.index_set, p.variant
    )
    council_power = participation.power_of(
        pd.read_parquet(snakemake.input.scores_utla23), "utla23cd", p.index_set, p.variant
    )
    lsoa = participation.lsoa_inputs(
        pd.read_parquet(snakemake.input.lsoa21),
        pd.read_parquet(snakemake.input.lsoa11),
        read_lsoa11_lsoa21(snakemake.input.lookup_lsoa11_lsoa21),
        lsoa_power["value"],
        lsoa_power["quintile"],
        council_power["quintile"],
    )
    write_parquet(lsoa, snakemake.output.lsoa)
    write_parquet(
        costs.council_inputs(
            pd.read_parquet(snakemake.input.utla23), council_power["quintile"], p.spend_year
        ),
        snakemake.output.councils,
    )
