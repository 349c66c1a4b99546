"""Reruns follow every config change, and only that: for every key of every config file,
changing it in a copy makes Snakemake see changed params (or a changed set of inputs) in
exactly the rules the table tests/fixtures/config_key_rules.yaml lists for it.

The table is the reviewed statement of which rule reads which key; regenerate it after a
deliberate change with `python tests/workflow/test_config_keys.py --write` (in an up-to-date
checkout; add `--update` to probe only groups of keys the table does not cover yet) and
review the diff. The check parses the workflow in-process with Snakemake's API
(a full DAG per changed key, no jobs run, no results needed), on a copy of the working tree:
a rule is listed when one of its jobs has other params or another set of inputs than with the
unchanged config.
"""

from __future__ import annotations

import contextlib
import copy as copylib
import io
import os
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers_pipeline import ROOT, copy_repo, mirror_dir  # noqa: E402

CONFIG_FILES = [
    "config/config.yaml",
    "config/models.yaml",
    "config/costs.yaml",
    "config/report.yaml",
    "config/climate.yaml",
]
TABLE = ROOT / "tests/fixtures/config_key_rules.yaml"
# Keys whose value is a path or a source switch: changing them changes what is read, not a
# setting of a rule; they are covered by the acquisition tests.
NOT_SETTINGS = {
    "config/config.yaml": {
        "datasets_registry",
        "data_mirror",
        "data_source",
        "official_lock",
        "report_engine",
    }
}


def leaves(node, prefix=()):
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from leaves(value, (*prefix, key))
    else:
        yield prefix, node


def mutations(value, strings=()):
    """Values to try in place of ``value``, most innocuous first (the first that passes the
    config schemas is used); ``strings``: other string values of the same file, tried for an
    enumerated or patterned string."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, -value, value - 1, value * 2]
    if isinstance(value, float):
        return [value * 1.01 if value else 0.01, value * 0.99, value + 0.1]
    if isinstance(value, str):
        return [value + "x", *[v for v in strings if v != value][:4]]
    if isinstance(value, list):
        if not value:
            return [["E06000001"], [1]]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return [
                [v * 1.01 if isinstance(v, float) else v + 1 for v in value],
                value[:-1] if len(value) > 1 else value * 2,
            ]
        others = [v for v in strings if v not in value][:3]
        return [
            value[:-1] if len(value) > 1 else value + value,
            list(reversed(value)),
            *[[*value, v] for v in others],
            *[[v] for v in others],
        ]
    return []


def _set(data, path, value):
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _signatures(workdir: Path) -> dict[str, tuple] | None:
    """Each job's params (serialized as Snakemake records them) and set of inputs, keyed by
    rule and outputs, or None if the workflow does not parse (the change broke a schema)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import DAGSettings, OutputSettings, ResourceSettings

    sink = io.StringIO()
    cwd = os.getcwd()
    try:
        with (
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
            SnakemakeApi(OutputSettings(quiet={"all"})) as api,
        ):
            workflow_api = api.workflow(
                resource_settings=ResourceSettings(cores=1),
                snakefile=workdir / "Snakefile",
                workdir=workdir,
            )
            workflow_api.dag(DAGSettings())
            wf = workflow_api._workflow
            wf._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True)
            wf._build_dag()
            return {
                f"{job.rule.name}:{sorted(map(str, job.output))}": (
                    job.rule.name,
                    tuple(wf.persistence._params(job)),
                    tuple(sorted(map(str, job.input))),
                )
                for job in wf.dag.jobs
                if not job.is_group()
            }
    except Exception:
        return None
    finally:
        os.chdir(cwd)


_BASE: dict[Path, dict] = {}


def _changed_rules(workdir: Path) -> set[str] | None:
    """Rules with a job whose params or set of inputs differ from the unchanged config's (or
    that appear or disappear), or None if the changed workflow does not parse. No results are
    needed: both DAGs are built in full (forceall)."""
    if workdir not in _BASE:
        _BASE[workdir] = _signatures(workdir)
    new = _signatures(workdir)
    if new is None:
        return None
    base = _BASE[workdir]
    return {new[k][0] for k in new if base.get(k) != new[k]} | {
        base[k][0] for k in base if k not in new
    }


# One DAG per probe costs seconds, so not every leaf is probed: every key of config.yaml;
# in costs.yaml the first key of each settings object (its siblings share its row: the rules
# take whole objects as params); in models.yaml and report.yaml the first key under each
# second-level object (models.outcomes, report.figures...). About 60 probes for ~380 keys.
PROBE_DEPTH = {
    "config/config.yaml": "every",
    "config/costs.yaml": "parent",
    "config/models.yaml": 2,
    "config/report.yaml": 2,
    "config/climate.yaml": "parent",
}


def probed(rel: str, data) -> list[tuple[list[tuple[tuple, object]], list[str]]]:
    """Per probe group of one config file: its (key path, value) pairs, numbers first (they
    always have a valid change), and the dotted keys sharing the group's row."""
    groups: dict[tuple, tuple[list, list]] = {}
    for keys, value in leaves(data):
        dotted = ".".join(map(str, keys))
        if dotted in NOT_SETTINGS.get(rel, set()):
            continue
        depth = PROBE_DEPTH[rel]
        parent = (
            keys
            if depth == "every"
            else keys[:-1]
            if depth == "parent"
            else keys[: min(depth, len(keys) - 1)]
            if len(keys) > 1
            else keys
        )
        members, dotted_keys = groups.setdefault(parent, ([], []))
        members.append((keys, value))
        dotted_keys.append(dotted)
    kind = {bool: 1, int: 0, float: 0, list: 2, str: 3}
    return [(sorted(m, key=lambda kv: kind.get(type(kv[1]), 4)), d) for m, d in groups.values()]


MAX_ATTEMPTS = 8  # parses per probe group before it is recorded as having no valid change


def _same_key_values(data, name) -> list:
    """Values the same key name has elsewhere in the file: the likeliest valid alternatives
    for an enumerated string (another `dist`, another `geography`)."""
    return sorted({v for k, v in leaves(data) if k and k[-1] == name and isinstance(v, str)})


def key_table(workdir: Path, known: dict | None = None) -> dict[str, list[str]]:
    """Probe every group; with ``known`` (the committed table), reuse the row of a group all
    of whose keys already have that same row, and probe only new or changed groups."""
    _BASE[workdir] = _signatures(workdir)  # before any change: the unchanged config's DAG
    if _BASE[workdir] is None:
        raise RuntimeError(f"the workflow in {workdir} does not parse")
    table = {}
    for rel in CONFIG_FILES:
        path = workdir / rel
        original = path.read_text()
        data = yaml.safe_load(original)
        strings = sorted({v for _, v in leaves(data) if isinstance(v, str)})
        for members, siblings in probed(rel, data):
            rows = [known.get(f"{rel}:{k}") for k in siblings] if known else [None]
            if rows[0] is not None and all(r == rows[0] for r in rows):
                for dotted in siblings:
                    table[f"{rel}:{dotted}"] = rows[0]
                continue
            result, attempts = None, 0
            for keys, value in members:
                alternatives = [*_same_key_values(data, keys[-1]), *strings]
                for new in mutations(value, alternatives):
                    if new == value or attempts >= MAX_ATTEMPTS:
                        continue
                    attempts += 1
                    changed = copylib.deepcopy(data)
                    _set(changed, keys, new)
                    path.write_text(yaml.safe_dump(changed, sort_keys=False))
                    result = _changed_rules(workdir)
                    if result is not None:
                        break
                if result is not None:
                    break
            path.write_text(original)
            rules = sorted(result) if result is not None else ["<no valid change>"]
            for dotted in siblings:
                table[f"{rel}:{dotted}"] = rules
            probe = ".".join(map(str, keys))
            print(f"{rel}:{probe} (group of {len(siblings)}) -> {rules}", flush=True)
    return table


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """A copy of the working tree: no results needed, both DAGs are built in full."""
    return copy_repo(tmp_path_factory.mktemp("keys") / "repo")


def with_mirror_source() -> dict:
    """The source the table was probed with (and `--write` uses): the offline mirror where
    there is one, so source-dependent rules (table_turnout reads the share lookups, which the
    snapshot does not ship) are in the DAG."""
    if os.environ.get("COPROD_DATA_MIRROR") is None and mirror_dir():
        return {"COPROD_DATA_MIRROR": str(mirror_dir())}
    return {}


@pytest.mark.slow
def test_every_config_key_reruns_exactly_the_rules_that_read_it(state, monkeypatch):
    for name, value in with_mirror_source().items():
        monkeypatch.setenv(name, value)
    _BASE[state] = _signatures(state)
    assert _changed_rules(state) == set()
    expected = yaml.safe_load(TABLE.read_text())
    actual = key_table(state)
    assert set(actual) == set(expected), "config keys added or removed: regenerate the table"
    wrong = {
        k: {"expected": expected[k], "scheduled": v} for k, v in actual.items() if v != expected[k]
    }
    assert wrong == {}


def test_the_table_covers_every_config_key():
    """Fast half: every leaf key of every config file has a row in the table."""
    expected = yaml.safe_load(TABLE.read_text())
    keys = {
        f"{rel}:{'.'.join(map(str, k))}"
        for rel in CONFIG_FILES
        for k, _ in leaves(yaml.safe_load((ROOT / rel).read_text()))
        if ".".join(map(str, k)) not in NOT_SETTINGS.get(rel, set())
    }
    assert keys == set(expected)
    assert all(rules for rules in expected.values())


class _NoAliases(yaml.SafeDumper):
    """Write every row in full (rows sharing a list would otherwise become YAML aliases)."""

    def ignore_aliases(self, data):
        return True


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        work = copy_repo(Path(tmp) / "repo")
        os.environ.update(with_mirror_source())
        known = yaml.safe_load(TABLE.read_text()) if "--update" in sys.argv else None
        table = key_table(work, known)
    TABLE.write_text(
        "# config key -> rules whose params (or inputs) it changes; generated by\n"
        "# tests/workflow/test_config_keys.py --write, then reviewed\n"
        + yaml.dump(
            {k: list(v) for k, v in table.items()}, Dumper=_NoAliases, sort_keys=True, width=100
        )
    )
    print(f"{len(table)} keys -> {TABLE}")
