from coprod.report.render import render_report
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    engine = render_report(snakemake.input.sources[0], snakemake.output.html, snakemake.output.pdf,
                           engine=snakemake.params.engine, typst_out=snakemake.params.typst_source)
    log.info("rendered %s with the %s engine", snakemake.input.sources[0], engine)
