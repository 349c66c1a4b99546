import json

import pandas as pd

from coprod.io import write_json
from coprod.report import values as rv
from coprod.report.tables import frame_to_markdown
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    levels = {"power": params.power_level, "models": params.models_level}
    write_json(rv.all_values(inp, levels), out.values)
    summary = json.loads(open(inp.models_summary).read())
    costs_level = json.loads(open(inp.costs_headline).read())["interval"]
    tables = {
        out.scenarios: rv.scenario_table(pd.read_parquet(inp.scenarios), costs_level),
        out.concentration: rv.concentration_table(
            pd.read_parquet(inp.concentration), levels["models"]
        ),
        out.headline_models: rv.headline_models_table(summary, levels["models"]),
        out.multiverse_directions: rv.directions_table(pd.read_parquet(inp.directions)),
    }
    for path, frame in tables.items():
        frame_to_markdown(frame, path)
