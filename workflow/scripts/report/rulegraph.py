import os
import subprocess
import sys

from coprod.io import write_text
from coprod.report.appendix import rulegraph_markdown
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    # a read-only second look at the workflow: --nolock leaves the running pipeline alone;
    # a fixed hash seed fixes the order in which Snakemake walks its sets of rules
    dot = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            *snakemake.params.targets,
            "--snakefile",
            snakemake.input.snakefile[0],
            "--nolock",
            "--rulegraph",
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    ).stdout
    dot = dot[dot.index("digraph") :]
    write_text(dot, snakemake.output.dot)
    write_text(rulegraph_markdown(dot), snakemake.output.table)
    log.info("rule graph with %d edges", dot.count("->"))
