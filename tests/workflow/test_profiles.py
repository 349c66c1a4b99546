"""Execution profiles: the SLURM profile is accepted and applied (dry run, always), and a
pipeline target run through a real SLURM cluster equals the local run (when one answers:
.ci/slurm_test.sh starts a single-node cluster for this).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers_pipeline import (
    ROOT,
    clone,
    copy_repo,
    mirror_dir,
    rule_names,
    snakemake,
    snapshot,
)

SLURM_PROFILE = "workflow/profiles/slurm"
# The single-node test cluster has no accounts and no accounting database (sacct).
TEST_CLUSTER_ARGS = [
    "--slurm-no-account",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "1",
]
# A multiverse of 8 specifications in 2 shards: enough to exercise grouping and the gather.
SMALL_MULTIVERSE = {
    "multiverse": {
        "n_shards": 2,
        "geographies": ["utla23"],
        "index_sets": ["core"],
        "variants": ["zscore_equal", "pca1"],
        "outcomes": ["children_in_need", "looked_after_children"],
        "families": ["wls", "poisson"],
        "covariate_sets": ["none"],
    }
}


def profile() -> dict:
    return yaml.safe_load((ROOT / SLURM_PROFILE / "config.yaml").read_text())


def planned_jobs(dry_run_output: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, resources) of every job a dry run lists."""
    jobs = []
    for block in re.split(r"\n(?=\[[^\]]+\]\n(?:local)?rule )", dry_run_output):
        rule = re.search(r"^(?:local)?rule (\w+):", block, re.M)
        res = re.search(r"^\s+resources: (.*)$", block, re.M)
        if rule and res:
            jobs.append((rule.group(1), dict(kv.split("=", 1) for kv in res.group(1).split(", "))))
    return jobs


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory) -> Path:
    """A checkout without any results, so a dry run plans every job of the pipeline."""
    return copy_repo(tmp_path_factory.mktemp("fresh") / "repo")


def test_profile_names_only_rules_that_exist():
    """A misspelt rule in set-resources or groups would silently get the defaults."""
    defined = {
        m
        for smk in (ROOT / "workflow/rules").glob("*.smk")
        for m in re.findall(r"^rule (\w+):", smk.read_text(), re.M)
    }
    cfg = profile()
    assert cfg["executor"] == "slurm"
    assert set(cfg["set-resources"]) <= defined, set(cfg["set-resources"]) - defined
    assert set(cfg["groups"]) <= defined, set(cfg["groups"]) - defined
    assert set(cfg["groups"].values()) == set(cfg["group-components"])


def test_slurm_profile_plans_the_pipeline_with_its_resources(fresh_copy):
    """Snakemake accepts the profile (the slurm executor plugin is installed) and every planned
    job carries the profile's resources: heavy rules their own, the rest the defaults."""
    done = snakemake(fresh_copy, "-n", "--profile", SLURM_PROFILE)
    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stdout + done.stderr
    assert re.search(rf"Using profiles? {re.escape(SLURM_PROFILE)}\b", output), output[-500:]
    jobs = planned_jobs(output)
    cfg = profile()
    planned = {rule for rule, _ in jobs}
    assert {"acquire_census2021", "acquire_lookups", "table_lsoa21", "table_utla23"} <= planned
    for rule, resources in jobs:
        expected = {**cfg["default-resources"], **cfg["set-resources"].get(rule, {})}
        for key, value in expected.items():
            assert resources[key] == str(value), (rule, key, resources)


def test_local_profile_is_the_workflow_default(fresh_copy):
    """A plain `snakemake` from the top level uses workflow/profiles/default (reached through
    the `profiles` link beside the root Snakefile)."""
    assert (fresh_copy / "profiles").resolve() == (fresh_copy / "workflow/profiles").resolve()
    done = snakemake(fresh_copy, "-n")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Using workflow specific profile profiles/default" in done.stdout + done.stderr


def cluster_answers() -> bool:
    if shutil.which("sinfo") is None:
        return False
    done = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True)
    return done.returncode == 0 and any(s.startswith(("idle", "mix")) for s in done.stdout.split())


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Path:
    """The checkout's state brought up to date locally for the tables (the reference run)."""
    if mirror_dir() is None:
        pytest.skip("no offline mirror (COPROD_DATA_MIRROR or ../shared/data/raw)")
    copy = copy_repo(tmp_path_factory.mktemp("local") / "repo", state_from=ROOT)
    done = snakemake(copy, "acquire_all", "tables_all")
    assert done.returncode == 0, done.stderr[-3000:]
    return copy


@pytest.mark.slurm
@pytest.mark.skipif(
    not cluster_answers(),
    reason="no SLURM cluster answers sinfo (.ci/slurm_test.sh starts a single-node one)",
)
def test_tables_through_slurm_equal_the_local_run(local_run, tmp_path):
    """The table jobs, submitted to SLURM from a copy without tables, write the same bytes."""
    copy = clone(local_run, tmp_path / "repo")
    shutil.rmtree(copy / "results/tables")
    done = snakemake(copy, "--profile", SLURM_PROFILE, *TEST_CLUSTER_ARGS, "tables_all")
    assert done.returncode == 0, done.stderr[-5000:]
    assert "SLURM" in done.stderr + done.stdout
    assert snapshot(copy / "results/tables") == snapshot(local_run / "results/tables")


@pytest.mark.slurm
@pytest.mark.skipif(
    not cluster_answers(),
    reason="no SLURM cluster answers sinfo (.ci/slurm_test.sh starts a single-node one)",
)
def test_small_multiverse_through_slurm_equals_the_local_run(local_run, tmp_path):
    """Two multiverse shards run as one grouped SLURM job (not one job each); the gathered
    table is byte-identical to the local run's."""
    if "models_shard" not in rule_names(local_run):
        pytest.skip("the workflow has no rule models_shard yet (models stage not wired)")
    small = tmp_path / "small.yaml"
    small.write_text(yaml.safe_dump(SMALL_MULTIVERSE))
    target = "results/models/multiverse.parquet"
    # the target comes first: --configfile takes every following word as another file
    local = clone(local_run, tmp_path / "local")
    done = snakemake(local, target, "--configfile", str(small))
    assert done.returncode == 0, done.stderr[-5000:]
    cluster = clone(local_run, tmp_path / "cluster")
    done = snakemake(
        cluster, target, "--profile", SLURM_PROFILE, *TEST_CLUSTER_ARGS, "--configfile", str(small)
    )
    assert done.returncode == 0, done.stderr[-5000:]
    submitted = re.findall(
        r"has been submitted with SLURM jobid \d+ \(log: \S+/slurm_logs/(\w+)/",
        done.stderr + done.stdout,
    )
    assert submitted.count("group_multiverse_models_shard") == 1, submitted
    assert "rule_models_shard" not in submitted
    expected = pd.read_parquet(local / target)
    assert len(expected) == 8
    assert (cluster / target).read_bytes() == (local / target).read_bytes()
