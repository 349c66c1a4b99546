import re

# Helpers shared by the rule files.


def raw(dataset_id):
    """Path under data/raw/ of a registry dataset."""
    return f"data/raw/{REGISTRY[dataset_id].file}"


RAW_FILES = "|".join(sorted(re.escape(d.file) for d in REGISTRY.datasets.values()))


def raw_inputs(dataset_ids):
    """Named raw inputs, one per dataset id (so scripts look paths up by id), plus the
    verification stamps that gate every reader."""
    return {
        **{d.replace("-", "_"): raw(d) for d in dataset_ids},
        "verified": [f"data/verified/{REGISTRY[d].file}.sha256" for d in dataset_ids],
    }
