from coprod.report.variables import merge_values, write_variables
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    values = merge_values(snakemake.input.values)
    write_variables(values, snakemake.output[0])
    log.info("wrote %d report variables from %s", len(values), ", ".join(snakemake.input.values))
