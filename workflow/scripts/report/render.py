from coprod.report.render import render_report
from coprod.runlog import rule_log

with rule_log(snakemake.log.main) as log:
    seconds = render_report(
        snakemake.input.sources[0],
        snakemake.output.html,
        snakemake.output.pdf,
        log=snakemake.log.quarto,
    )
    log.info(
        "rendered %s with Quarto: %s",
        snakemake.input.sources[0],
        ", ".join(f"{fmt} {s:.1f} s" for fmt, s in seconds.items()),
    )
