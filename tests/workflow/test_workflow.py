"""The workflow as a whole: the DAG builds, the linter is clean, bad config is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "COPROD_DATA_MIRROR": os.environ.get("COPROD_DATA_MIRROR", "../shared/data/raw"),
    }
    return subprocess.run(SNAKEMAKE + args, cwd=cwd, env=env, capture_output=True, text=True)


def test_dry_run_builds_the_dag(root):
    done = run(["-n", "--cores", "1"], root)
    assert done.returncode == 0, done.stderr[-3000:]


def test_lint_is_clean(root):
    done = run(["--lint"], root)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.parametrize(
    "override, key",
    [
        ("services_year=2031", "services_year"),
        ("census_population_tolerance=-5", "census_population_tolerance"),
        ("finance_years=['2019-20']", "finance_years"),
    ],
)
def test_config_value_out_of_range_stops_with_its_key(root, override, key):
    done = run(["-n", "--cores", "1", "--config", override], root)
    assert done.returncode != 0
    assert key in done.stdout + done.stderr
