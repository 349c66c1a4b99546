from coprod.analysis import costs
from coprod.data.readers.costs_data import read_corec_hourly_costs
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    cfg = costs.validate_costs_config(snakemake.params.costs)
    hourly = {dataset: read_corec_hourly_costs(path)
              for dataset, path in zip(snakemake.params.corec_ids, snakemake.input.corec)}
    costs.check_corec(cfg["parameters"], hourly, not_shipped=snakemake.params.corec_not_shipped)
    write_parquet(costs.parameter_table(cfg["parameters"]), snakemake.output.table)
