from coprod.report.render import browser_check
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    browser_check(snakemake.input[0], snakemake.output[0])
    log.info("%s opened in headless chromium without console messages", snakemake.input[0])
