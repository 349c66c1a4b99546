from coprod.io import write_json
from coprod.report.appendix import software_versions
from coprod.report.tables import frame_to_markdown
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    table, values = software_versions(".")
    frame_to_markdown(table, snakemake.output.table)
    write_json(values, snakemake.output.values)
