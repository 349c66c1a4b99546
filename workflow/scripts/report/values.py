import json

import pandas as pd

from coprod.io import write_json
from coprod.report import values as rv
from coprod.report.tables import frame_to_markdown
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    inp, out = snakemake.input, snakemake.output
    write_json(rv.all_values(inp, snakemake.params.first_year, snakemake.params.last_year),
               out.values)
    summary = json.loads(open(inp.models_summary).read())
    tables = {
        out.scenarios: rv.scenario_table(pd.read_parquet(inp.scenarios)),
        out.concentration: rv.concentration_table(pd.read_parquet(inp.concentration)),
        out.headline_models: rv.headline_models_table(summary),
        out.multiverse_directions: rv.directions_table(pd.read_parquet(inp.directions)),
    }
    for path, frame in tables.items():
        frame_to_markdown(frame, path)
