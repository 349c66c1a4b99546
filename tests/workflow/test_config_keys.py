"""Reruns follow every config change, and only that: for every key of every config file,
changing it in a copy makes Snakemake see changed params (or a changed set of inputs) in
exactly the rules the table tests/fixtures/config_key_rules.yaml lists for it.

The table is the reviewed statement of which rule reads which key; regenerate it after a
deliberate change with `python tests/workflow/test_config_keys.py --write` (in an up-to-date
checkout) and review the diff. The check parses the workflow in-process with Snakemake's API
(one DAG per key, no jobs run), on a copy of the checkout's up-to-date state.
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

CONFIG_FILES = ["config/config.yaml", "config/models.yaml", "config/costs.yaml", "config/report.yaml"]
TABLE = ROOT / "tests/fixtures/config_key_rules.yaml"
# Keys whose value is a path or a source switch: changing them changes what is read, not a
# setting of a rule; they are covered by the acquisition tests.
NOT_SETTINGS = {"config/config.yaml": {"datasets_registry", "data_mirror", "data_source",
                                       "official_lock", "report_engine"}}


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
            return [[v * 1.01 if isinstance(v, float) else v + 1 for v in value],
                    value[:-1] if len(value) > 1 else value * 2]
        others = [v for v in strings if v not in value][:3]
        return [value[:-1] if len(value) > 1 else value + value, list(reversed(value)),
                *[[*value, v] for v in others], *[[v] for v in others]]
    return []


def _set(data, path, value):
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _changed_rules(workdir: Path) -> set[str] | None:
    """Rules with a job whose params or set of inputs differ from the recorded run, or None
    if the workflow does not parse (the mutation broke the config's schema)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import DAGSettings, OutputSettings, ResourceSettings

    sink = io.StringIO()
    cwd = os.getcwd()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                SnakemakeApi(OutputSettings(quiet={"all"})) as api:
            workflow_api = api.workflow(resource_settings=ResourceSettings(cores=1),
                                        snakefile=workdir / "Snakefile", workdir=workdir)
            dag_api = workflow_api.dag(DAGSettings())
            wf = workflow_api._workflow
            wf._prepare_dag(forceall=False, ignore_incomplete=False, lock_warn_only=True)
            wf._build_dag()
            persistence = wf.persistence
            out = {job.rule.name for job in wf.dag.jobs if not job.is_group()
                   and (bool(persistence.params_changed(job)) or any(persistence.input_changed(job)))}
            del dag_api
            return out
    except Exception:
        return None
    finally:
        os.chdir(cwd)


# One DAG per probe costs seconds, so not every leaf is probed: every key of config.yaml;
# in costs.yaml the first key of each settings object (its siblings share its row: the rules
# take whole objects as params); in models.yaml and report.yaml the first key under each
# second-level object (models.outcomes, report.figures...). About 60 probes for ~380 keys.
PROBE_DEPTH = {"config/config.yaml": "every", "config/costs.yaml": "parent",
               "config/models.yaml": 2, "config/report.yaml": 2}


def probed(rel: str, data) -> list[tuple[tuple, object, list[str]]]:
    """(key path, value, dotted sibling keys sharing its row) to probe in one config file."""
    out, seen = [], {}
    for keys, value in leaves(data):
        dotted = ".".join(map(str, keys))
        if dotted in NOT_SETTINGS.get(rel, set()):
            continue
        depth = PROBE_DEPTH[rel]
        parent = (keys if depth == "every" else keys[:-1] if depth == "parent"
                  else keys[:min(depth, len(keys) - 1)] if len(keys) > 1 else keys)
        if parent in seen:
            out[seen[parent]][2].append(dotted)
        else:
            seen[parent] = len(out)
            out.append((keys, value, [dotted]))
    return out


def key_table(workdir: Path) -> dict[str, list[str]]:
    table = {}
    for rel in CONFIG_FILES:
        path = workdir / rel
        original = path.read_text()
        data = yaml.safe_load(original)
        strings = sorted({v for _, v in leaves(data) if isinstance(v, str)})
        for keys, value, siblings in probed(rel, data):
            result = None
            for new in mutations(value, strings):
                if new == value:
                    continue
                changed = copylib.deepcopy(data)
                _set(changed, keys, new)
                path.write_text(yaml.safe_dump(changed, sort_keys=False))
                result = _changed_rules(workdir)
                if result is not None:
                    break
            path.write_text(original)
            rules = sorted(result) if result is not None else ["<no valid change>"]
            for dotted in siblings:
                table[f"{rel}:{dotted}"] = rules
            print(f"{rel}:{siblings[0]} (+{len(siblings) - 1}) -> {rules}", flush=True)
    return table


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    if mirror_dir() is None or not (ROOT / "results/report").is_dir():
        pytest.skip("needs the checkout's up-to-date results (make run)")
    return copy_repo(tmp_path_factory.mktemp("keys") / "repo", state_from=ROOT)


@pytest.mark.slow
def test_every_config_key_reruns_exactly_the_rules_that_read_it(state):
    assert _changed_rules(state) == set(), "the checkout is not up to date: run `make run`"
    expected = yaml.safe_load(TABLE.read_text())
    actual = key_table(state)
    assert set(actual) == set(expected), "config keys added or removed: regenerate the table"
    wrong = {k: {"expected": expected[k], "scheduled": v} for k, v in actual.items()
             if v != expected[k]}
    assert wrong == {}


def test_the_table_covers_every_config_key():
    """Fast half: every leaf key of every config file has a row in the table."""
    expected = yaml.safe_load(TABLE.read_text())
    keys = {f"{rel}:{'.'.join(map(str, k))}" for rel in CONFIG_FILES
            for k, _ in leaves(yaml.safe_load((ROOT / rel).read_text()))
            if ".".join(map(str, k)) not in NOT_SETTINGS.get(rel, set())}
    assert keys == set(expected)
    assert all(rules for rules in expected.values())


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        work = copy_repo(Path(tmp) / "repo", state_from=ROOT)
        if os.environ.get("COPROD_DATA_MIRROR") is None and mirror_dir():
            os.environ["COPROD_DATA_MIRROR"] = str(mirror_dir())
        table = key_table(work)
    TABLE.write_text("# config key -> rules whose params (or inputs) it changes; generated by\n"
                     "# tests/workflow/test_config_keys.py --write, then reviewed\n"
                     + yaml.safe_dump(table, sort_keys=True, width=100))
    print(f"{len(table)} keys -> {TABLE}")
