import pandas as pd

from coprod.report.councils import council_table, council_values, write_council_outputs
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    power = pd.read_parquet(snakemake.input.power)
    for key, value in snakemake.params.power.items():
        power = power[power[key] == value]
    table = council_table(
        pd.read_parquet(snakemake.input.councils),
        power,
        pd.read_parquet(snakemake.input.gap),
        pd.read_parquet(snakemake.input.costs),
        pd.read_parquet(snakemake.input.spend),
        spend_columns=snakemake.params.spend_columns,
    )
    write_council_outputs(
        table,
        snakemake.output.csv,
        snakemake.output.html,
        snakemake.output.table,
        headline=snakemake.params.headline,
        interval=snakemake.params.interval,
    )
    council_values(
        table, snakemake.params.headline, snakemake.params.interval, snakemake.output.values
    )
    log.info("%d councils -> %s", len(table), snakemake.output.csv)
