"""Rule costs_parameters: check COReC-typed values and list every parameter in 2024-25 prices."""

import yaml

from coprod.analysis import costs
from coprod.data.readers.costs_data import read_corec_hourly_costs
from coprod.data.readers.participation import read_cls_imd_quintile, read_smc_dr41
from coprod.data.readers.prices import read_gdp_deflator
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    cfg = snakemake.params.costs
    settings = costs.settings_from_config(cfg, yaml.safe_load(open(snakemake.input.schema)))
    hourly = {
        dataset: read_corec_hourly_costs(path)
        for dataset, path in zip(snakemake.params.corec_ids, snakemake.input.corec, strict=True)
    }
    costs.check_corec(cfg["parameters"], hourly, not_shipped=snakemake.params.corec_not_shipped)
    costs.check_participation(
        cfg["participation"],
        read_cls_imd_quintile(snakemake.input.cls_civic_participation_imd_quintile_2016_17),
        read_smc_dr41(snakemake.input.smc_dr41_civic_engagement),
    )
    deflator = read_gdp_deflator(
        snakemake.input.hmt_gdp_deflator_march2026, snakemake.input.hmt_gdp_deflator_dec2023
    )
    write_parquet(
        costs.parameter_table(costs.in_base_prices(settings, deflator)), snakemake.output.table
    )
