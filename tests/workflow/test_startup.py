"""Failures that lose nothing, and config/registry hardening (issue 14, findings 3, 5 and 6).

Every fault here is detectable before any job runs, so the run must stop at start-up with a
named error and leave results/ byte-identical. Runs happen on a temporary copy of the
repository (tests/helpers_pipeline); the checkout's results are only read.
"""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers_pipeline import ROOT, clone, copy_repo, mirror_dir, snakemake, snapshot

from coprod import io, startup
from coprod.errors import ConfigError

pytestmark = pytest.mark.skipif(
    mirror_dir() is None, reason="no offline mirror (COPROD_DATA_MIRROR or ../shared/data/raw)"
)

TARGETS = ("tables_all", "results/costs/parameters.parquet")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    copy = copy_repo(tmp_path_factory.mktemp("startup") / "repo", state_from=ROOT)
    done = snakemake(copy, *TARGETS)
    assert done.returncode == 0, done.stderr[-3000:]
    return copy


@pytest.fixture
def work(base, tmp_path) -> Path:
    return clone(base, tmp_path / "repo")


def output(done) -> str:
    return done.stdout + done.stderr


def stops_before_any_job(work: Path, pattern: str, *args: str, dry_run: bool = False) -> str:
    """Run; assert it failed with ``pattern`` in its output, ran no job, changed no result."""
    before = snapshot(work / "results")
    done = snakemake(work, *(["-n"] if dry_run else []), *TARGETS, *args)
    text = output(done)
    assert done.returncode != 0, text[-2000:]
    assert re.search(pattern, text), text[-2000:]
    assert not re.search(r"^rule \w+:", done.stdout, re.M), done.stdout[-2000:]
    assert snapshot(work / "results") == before
    return text


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


# --- finding 5: YAML handed to Snakemake only after the project's safe loader --------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_yte_switch_is_refused_and_runs_no_code(work, dry_run):
    """``__use_yte__: true`` made Snakemake's YTE loader run code, even on ``snakemake -n``."""
    marker = work / "yte_ran"
    append(
        work / "config/config.yaml",
        f'__use_yte__: true\nyte_probe: ?__import__("pathlib").Path("{marker}").touch()\n',
    )
    stops_before_any_job(work, r"config/config\.yaml: __use_yte__ is not allowed", dry_run=dry_run)
    assert not marker.exists()


def test_yaml_tag_names_the_file(work):
    """Was: "Config file is not valid JSON or YAML" (which of three files?)."""
    append(work / "config/models.yaml", "probe: !!python/name:os.system\n")
    stops_before_any_job(
        work,
        r"config/models\.yaml: line \d+: YAML tag "
        r"'tag:yaml\.org,2002:python/name:os\.system' is not allowed",
    )


def test_alias_bomb_in_the_registry_is_refused_without_expanding(work):
    """A 1 KB alias bomb in datasets.yaml cost 80 s of CPU before its error."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, name = chr(96 + i), chr(97 + i)
        levels.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    append(work / "config/datasets.yaml", "\n".join(levels) + "\n")
    stops_before_any_job(work, r"config/datasets\.yaml: more than 20 YAML aliases")


def test_misspelt_key_in_a_file_is_an_error(work):
    append(work / "config/config.yaml", "sevices_year: 2024\n")
    stops_before_any_job(work, r"config/config\.yaml: unknown config keys \['sevices_year'\]")


def test_misspelt_key_in_dash_dash_config_is_an_error(work):
    stops_before_any_job(
        work, r"--config: unknown config keys \['n_draw'\]", "--config", "n_draw=5"
    )


def test_unknown_nested_key_in_dash_dash_config_is_an_error(work):
    stops_before_any_job(
        work,
        r"Additional properties are not allowed \('n_draw' was "
        r"unexpected\)",
        "--config",
        "costs={'n_draw': 5}",
    )


# --- finding 3: sizes bounded, cross-field checks before any job -----------------------------


def set_key(path: Path, keys: list[str], value) -> None:
    data = yaml.safe_load(path.read_text())
    node = data
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize(
    ("key", "value"),
    [("n_draws", 100_000_000), ("n_draws", 1_000_000_000), ("chunk_draws", 10_000)],
)
def test_cost_sizes_beyond_memory_are_refused_with_the_figure(work, key, value):
    """n_draws 1e9 ended in MemoryError and deleted five cost files; 1e8 would fill memory, and
    so would a chunk of 10,000 draws over every LSOA."""
    path = work / "config/costs.yaml"
    set_key(path, ["costs", key], value)
    costs = yaml.safe_load(path.read_text())["costs"]
    n, chunk = costs["n_draws"], costs["chunk_draws"]
    gib = startup.cost_memory_bytes(n, min(chunk, n)) / 1024**3
    assert gib > 4
    stops_before_any_job(
        work,
        rf"costs\.n_draws {n:,} with costs\.chunk_draws {chunk:,}: about {gib:,.1f} GiB "
        r"at the cost model's peak .* more than the 4 GiB budget",
    )


def test_the_configured_cost_sizes_fit_the_memory_budget():
    costs = yaml.safe_load((ROOT / "config/costs.yaml").read_text())["costs"]
    need = startup.cost_memory_bytes(costs["n_draws"], costs["chunk_draws"])
    assert need < startup.MEMORY_BUDGET_BYTES


def test_n_shards_is_bounded(work):
    """n_shards 10000 built a 20,005-job DAG within the schema."""
    set_key(work / "config/models.yaml", ["multiverse", "n_shards"], 10_000)
    stops_before_any_job(work, r"multiverse\.n_shards: 10000 shard jobs exceed the bound 64")


def test_triangular_min_above_max_keeps_the_last_parameters(work):
    """Was checked inside costs_parameters, whose output Snakemake had already deleted."""
    set_key(
        work / "config/costs.yaml", ["costs", "parameters", "cyp_sw_hourly_cost_gbp", "min"], 99
    )
    assert (work / "results/costs/parameters.parquet").exists()
    stops_before_any_job(
        work,
        r"costs\.parameters\.cyp_sw_hourly_cost_gbp: triangular bounds "
        r"must satisfy min <= mode <= max",
    )
    assert (work / "results/costs/parameters.parquet").exists()


# --- finding 5: registry paths and hosts ----------------------------------------------------


def edit_registry(work: Path, change) -> None:
    path = work / "config/datasets.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize(
    "file", ["/etc/hostname", "../outside.csv", "lookups/../../x.csv", "./lookups/x.csv"]
)
def test_registry_file_outside_the_data_folder_is_refused(work, file):
    """``file: /etc/hostname`` with its hash was copied from outside the mirror."""
    edit_registry(work, lambda d: d["datasets"][0].update(file=file))
    stops_before_any_job(work, rf"{re.escape(file)}")


def test_registry_file_behind_a_symlink_out_of_the_data_folder_is_refused(work, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.move(work / "data/raw/lookups", outside)
    (work / "data/raw/lookups").symlink_to(outside)
    stops_before_any_job(
        work,
        r"resolves to .*elsewhere.*, outside .*data/raw \(a symlink out "
        r"of the data folder\)",
    )


def test_symlinks_inside_the_data_folder_or_into_the_mirror_are_allowed(tmp_path):
    root, mirror, elsewhere = (tmp_path / n for n in ("raw", "mirror", "elsewhere"))
    for folder in (root / "lookups", mirror / "lookups", elsewhere):
        folder.mkdir(parents=True)
    (mirror / "lookups/a.csv").write_text("x\n")
    (elsewhere / "b.csv").write_text("x\n")
    (root / "lookups/a.csv").symlink_to(mirror / "lookups/a.csv")
    (root / "lookups/b.csv").symlink_to(elsewhere / "b.csv")
    assert startup.check_inside(root, "lookups/a.csv", "x", [mirror]) == mirror / "lookups/a.csv"
    with pytest.raises(ConfigError, match=r"lookups/b\.csv resolves to .*elsewhere/b\.csv"):
        startup.check_inside(root, "lookups/b.csv", "x", [mirror])
    startup.check_inside(root, "lookups/not_yet_acquired.csv", "x", [mirror])


def test_registry_cannot_extend_the_host_allow_list(work):
    edit_registry(work, lambda d: d.update(allowed_hosts=["evil.example.com"]))
    stops_before_any_job(work, r"Additional properties are not allowed \('allowed_hosts'")


def test_download_from_a_host_not_in_code_is_refused(work):
    def change(d):
        d["datasets"][0].update(url="https://evil.example.com/x.csv", direct_download=True)

    edit_registry(work, change)
    stops_before_any_job(
        work,
        r"download URL https://evil\.example\.com/x\.csv is not HTTPS "
        r"on an allowed host",
    )


def test_unit_paths_and_hosts():
    for bad in ["/etc/hostname", "..", "a/../b", "a//b", "./a", "a\\b", ""]:
        with pytest.raises(ConfigError, match="must be a relative path"):
            startup.check_relative_file(bad, "x")
    startup.check_relative_file("lookups/lad22_lad23.csv", "x")
    with pytest.raises(ConfigError, match="not HTTPS"):
        startup.check_download_url("http://assets.publishing.service.gov.uk/x", "x")
    startup.check_download_url("https://assets.publishing.service.gov.uk/x", "x")


# --- finding 3: failures only a job can find -----------------------------------------------------


def test_disk_full_names_the_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    """Disk full on table_lad24 deleted lad24.parquet with an OSError naming no file; the
    atomic writer now names the file and the previous bytes stay until a write completes."""
    path = tmp_path / "lad24.parquet"
    io.write_parquet(pd.DataFrame({"a": [1]}), path)
    before = path.read_bytes()

    def full(self, tmp, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    with pytest.raises(OSError, match=rf"cannot write {re.escape(str(path))}: No space left"):
        io.write_parquet(pd.DataFrame({"a": [2]}), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lad24.parquet"]


def test_a_failed_job_removes_only_its_own_outputs_and_a_rerun_restores_them(work):
    """Snakemake deletes a job's declared outputs before running it, so a job that fails loses
    exactly those (here table_lad24's lad24.parquet, when its input lsoa21.parquet is
    unreadable); everything else stays, and once the cause is fixed the plain rerun rebuilds
    the lost file byte for byte."""
    lsoa21 = work / "results/tables/lsoa21.parquet"
    good = lsoa21.read_bytes()
    before = snapshot(work / "results")
    lsoa21.write_bytes(good[: len(good) // 2])

    done = snakemake(work, "results/tables/lad24.parquet")

    assert done.returncode != 0
    assert "rule table_lad24" in done.stdout + done.stderr
    after = snapshot(work / "results")
    lost = sorted(set(before) - set(after))
    assert lost == ["tables/lad24.parquet"]
    assert {k: v for k, v in after.items() if k != "tables/lsoa21.parquet"} == {
        k: v for k, v in before.items() if k not in lost + ["tables/lsoa21.parquet"]
    }

    lsoa21.write_bytes(good)  # the cause fixed (newer mtime than lad24, so lad24 reruns)
    assert snakemake(work, "results/tables/lad24.parquet").returncode == 0
    assert snapshot(work / "results") == before
