"""Rule costs_views: figure-ready views of the cost results for the report."""

import json

import pandas as pd

from coprod.analysis import costs
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    headline = json.loads(open(snakemake.input.headline).read())
    views = costs.figure_views(
        pd.read_parquet(snakemake.input.rules),
        pd.read_parquet(snakemake.input.tornado),
        pd.read_parquet(snakemake.input.curves),
        scheme=headline["primary_scheme"],
        budget=headline["fixed_budget_gbp"],
    )
    for name, frame in views.items():
        write_parquet(frame, snakemake.output[name])
