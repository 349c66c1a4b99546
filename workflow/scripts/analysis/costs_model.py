"""Rule costs_model: gap in people, cost to close under each rule, curves, councils, sensitivity."""

import pandas as pd
import yaml

from coprod.analysis import costs
from coprod.data.readers.prices import read_gdp_deflator
from coprod.io import write_csv, write_json, write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    settings = costs.settings_from_config(
        snakemake.params.costs, yaml.safe_load(open(snakemake.input.schema))
    )
    deflator = read_gdp_deflator(
        snakemake.input.hmt_gdp_deflator_march2026, snakemake.input.hmt_gdp_deflator_dec2023
    )
    settings = costs.in_base_prices(settings, deflator)
    councils = pd.read_parquet(snakemake.input.councils)
    areas = costs.prepare_areas(pd.read_parquet(snakemake.input.lsoa), councils)
    tables = costs.run_cost_model(areas, settings)
    for name, table in tables.items():
        write_parquet(table, snakemake.output[name])
    write_csv(tables["councils"], snakemake.output.councils_csv)
    budget = costs.fixed_budget(councils, settings.fixed_budget_share_of_spend)
    write_json(costs.headline(tables, settings, budget), snakemake.output.headline)
