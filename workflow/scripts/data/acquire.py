from coprod.data.acquire import acquire_group
from coprod.data.registry import Dataset
from coprod.io import write_json
from coprod.runlog import rule_log
from coprod.startup import ALLOWED_HOSTS

# The source (snapshot, mirror or official) is read from the config, not params: switching
# between sources of identical bytes must not rerun anything; the expected content is a param.
with rule_log(snakemake.log[0]):
    fields = Dataset.__dataclass_fields__
    datasets = [
        Dataset(**{k: v for k, v in d.items() if k in fields}) for d in snakemake.params.datasets
    ]
    records = acquire_group(
        datasets,
        "data/raw",
        snakemake.config["data_source"],
        snapshot_dir="data/snapshot",
        mirror=snakemake.config["data_mirror"],
        lock_path=snakemake.config["official_lock"],
        allowed_hosts=ALLOWED_HOSTS,
    )
    write_json(records, snakemake.output.record)
