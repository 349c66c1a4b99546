from coprod.data.acquire import provenance_table
from coprod.data.registry import Dataset
from coprod.io import write_csv
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    fields = Dataset.__dataclass_fields__
    not_shipped = [
        Dataset(**{k: v for k, v in d.items() if k in fields}) for d in snakemake.params.not_shipped
    ]
    write_csv(provenance_table(snakemake.input.records, not_shipped), snakemake.output.table)
