import pandas as pd

from coprod.io import write_text
from coprod.report.appendix import provenance_markdown
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_text(provenance_markdown(pd.read_csv(snakemake.input[0])), snakemake.output[0])
