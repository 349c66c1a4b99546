import re

# Helpers shared by the rule files.


def raw(dataset_id):
    """Path under data/raw/ of a registry dataset."""
    return f"data/raw/{DATASETS[dataset_id]['file']}"


DATASET_BY_FILE = {d["file"]: d for d in DATASETS.values()}
RAW_FILES = "|".join(sorted(re.escape(f) for f in DATASET_BY_FILE))


def table_datasets(table):
    """Ids of the datasets a tidy table is built from (the registry's ``tables`` field)."""
    return [i for i, d in DATASETS.items() if table in d.get("tables", [])]


def raw_inputs(dataset_ids):
    """Named raw inputs, one per dataset id (so scripts look paths up by id), plus the
    verification stamps that gate every reader."""
    return {
        **{d.replace("-", "_"): raw(d) for d in dataset_ids},
        "verified": [f"data/verified/{DATASETS[d]['file']}.sha256" for d in dataset_ids],
    }


def filled(value, fields):
    """`value` (nested dicts of strings) with `{name}` placeholders filled from `fields`."""
    if isinstance(value, dict):
        return {k: filled(v, fields) for k, v in value.items()}
    return value.format(**fields) if isinstance(value, str) else value
