import ast
import csv
import hashlib
import json
import re

# Helpers shared by the rule files; stdlib and PyYAML only, so parsing imports nothing heavy.

SNAPSHOT_DIR = "data/snapshot"
ACQUIRE_RECORDS = "results/acquire"


def _snapshot_manifest():
    path = ROOT / SNAPSHOT_DIR / "MANIFEST.tsv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


SNAPSHOT = _snapshot_manifest()


def available(dataset_id):
    """Whether the configured source can provide a dataset: the snapshot holds only the files
    whose licence allows redistribution; a mirror or the official download holds all."""
    return DATA_SOURCE != "snapshot" or DATASETS[dataset_id]["file"] in SNAPSHOT


UNAVAILABLE = sorted(d for d in DATASETS if not available(d))


def raw(dataset_id):
    """Path under data/raw/ of a registry dataset."""
    return f"data/raw/{DATASETS[dataset_id]['file']}"


DATASET_BY_FILE = {d["file"]: d for d in DATASETS.values()}


def acquire_group(dataset_id):
    """Acquisition job a dataset belongs to: its top folder under data/raw/ (a source group,
    one snapshot archive), so ~12 jobs rather than one per file."""
    return DATASETS[dataset_id]["file"].split("/")[0]


ACQUIRE_GROUPS = {}
for _id in sorted(DATASETS):
    if available(_id):
        ACQUIRE_GROUPS.setdefault(acquire_group(_id), []).append(_id)


def table_datasets(table):
    """Ids of the datasets a tidy table is built from (the registry's ``tables`` field)."""
    return [i for i, d in DATASETS.items() if table in d.get("tables", [])]


def raw_inputs(dataset_ids):
    """Named raw inputs, one per dataset id, so scripts look paths up by id. The datasets the
    source cannot provide are left out (the scripts' callers handle their absence)."""
    return {d.replace("-", "_"): raw(d) for d in dataset_ids if available(d)}


def expected_sha256(dataset_id):
    """The hash a file under data/raw/ must have for the configured source, or None when the
    official bytes are not known yet (first download: the lock file records them)."""
    ds = DATASETS[dataset_id]
    if DATA_SOURCE != "official" or ds["sha256_of"] == "official":
        return ds["sha256"]
    return OFFICIAL_LOCK.get(dataset_id, {}).get("sha256")


def content_key(dataset_id):
    """What the file's content must be: recorded as a param of its acquisition job, so the job
    reruns exactly when the registry entry or the expected content changes (not when only the
    source of identical bytes does)."""
    return {
        **DATASETS[dataset_id],
        "expected_sha256": expected_sha256(dataset_id)
        or f"official download of {DATASETS[dataset_id]['url']}",
    }


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _recorded_sha256():
    """Hash each file had when its acquisition job verified it (results/acquire/*.json)."""
    out = {}
    for path in sorted(Path(ACQUIRE_RECORDS).glob("*.json")):
        try:
            out.update({r["file"]: r["sha256"] for r in json.loads(path.read_text())})
        except (ValueError, KeyError, TypeError):
            continue
    return out


def verify_raw_at_startup():
    """Hash every file under data/raw/ against the registry before any job is scheduled.

    A file the registry still describes must have the registry's bytes. A file whose entry
    changed since it was acquired (its bytes are still those its acquisition job verified) is
    re-acquired by that job (its params changed); any other difference means the file was
    edited in place, and the run stops before a reader can see it."""
    recorded = _recorded_sha256()
    problems = []
    for dataset_id, ds in sorted(DATASETS.items()):
        path = Path("data/raw") / ds["file"]
        expected = expected_sha256(dataset_id)
        if not path.is_file() or expected is None:
            continue
        actual = _sha256(path)
        if actual == expected:
            continue
        if recorded.get(ds["file"]) == actual:
            continue  # registry entry changed: acquire_<group> reruns and replaces the file
        problems.append(
            f"  {dataset_id}: {path} has SHA-256 {actual}, the registry expects {expected}"
        )
    if problems:
        raise WorkflowError(
            "raw files changed after acquisition (nothing has read them):\n"
            + "\n".join(problems)
            + "\nDelete them (rm <file>) and rerun to restore them from the "
            + f"{DATA_SOURCE} source, or, if the new bytes are intended, record their hash in "
            + "config/datasets.yaml."
        )


def _module_file(module):
    parts = module.split(".")
    for candidate in (Path("src", *parts).with_suffix(".py"), Path("src", *parts, "__init__.py")):
        if (ROOT / candidate).is_file():
            return candidate
    return None


def code_inputs(script, modules=()):
    """The package modules a rule's script (and ``modules``, imported by name) imports,
    transitively (found with ast): inputs of the rule, so editing a module of src/coprod/
    reruns exactly the rules that use it."""
    seen = {_module_file(m) for m in modules} - {None}
    todo = [Path("workflow/scripts") / script, *seen]
    while todo:
        path = todo.pop()
        for node in ast.walk(ast.parse((ROOT / path).read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name == "coprod" or name.startswith("coprod."):
                    # a package's __init__ runs on import of any of its modules
                    parts = name.split(".")
                    for i in range(1, len(parts) + 1):
                        found = _module_file(".".join(parts[:i]))
                        if found and found not in seen:
                            seen.add(found)
                            todo.append(found)
    return sorted(str(p) for p in seen)


def config_subset(*keys):
    """The config values at the given dotted keys, nested as in the config (``a.b`` gives
    ``{"a": {"b": ...}}``), for a rule's ``params:``: a change to exactly those keys reruns it."""
    out = {}
    for key in keys:
        value, parts = config, key.split(".")
        for part in parts:
            value = value[part]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def readers_of(dataset_ids):
    """Reader of each dataset (``coprod.data.readers.<module>.<function>``): a table rule's
    params, and the reader modules among its code inputs (they are imported by name)."""
    return {d: DATASETS[d]["reader"] for d in dataset_ids if available(d)}


def table_code(script, dataset_ids):
    readers = {f"coprod.data.readers.{r.split('.')[0]}" for r in readers_of(dataset_ids).values()}
    return code_inputs(script, sorted(readers))


def filled(value, fields):
    """`value` (nested dicts of strings) with `{name}` placeholders filled from `fields`."""
    if isinstance(value, dict):
        return {k: filled(v, fields) for k, v in value.items()}
    return value.format(**fields) if isinstance(value, str) else value
