"""The shipped snapshot reproduces the mirror run: with ../shared out of reach (a copy in a
temporary directory, COPROD_DATA_MIRROR unset), a clean run from data/snapshot/ writes result
tables byte-identical to a clean run from the mirror."""

from __future__ import annotations

import csv
import hashlib
import subprocess

import pandas as pd
import pytest
import yaml
from helpers_pipeline import ROOT, copy_repo, environment, mirror_dir, snakemake, snakemake_command

TARGETS = ("tables_all", "results/provenance.csv")


def _manifest() -> dict[str, dict]:
    with (ROOT / "data/snapshot/MANIFEST.tsv").open(newline="", encoding="utf-8") as fh:
        return {r["file"]: r for r in csv.DictReader(fh, delimiter="\t")}


def test_the_snapshot_holds_every_redistributable_registry_input_and_nothing_else():
    """Every registry file under an open licence is in the manifest with the registry's hash;
    no file with an unstated licence is shipped."""
    manifest = _manifest()
    registry = yaml.safe_load((ROOT / "config/datasets.yaml").read_text())["datasets"]
    for ds in registry:
        open_licence = ds["licence"].startswith(("OGL-3.0", "Open Parliament Licence"))
        assert (ds["file"] in manifest) == open_licence, ds["id"]
        if open_licence:
            assert manifest[ds["file"]]["sha256"] == ds["sha256"], ds["id"]
    for row in manifest.values():
        assert row["licence"].startswith(("OGL-3.0", "Open Parliament Licence")), row["file"]
        for key in ("publisher", "official_url", "provenance"):
            assert row[key], (row["file"], key)
        if not row["archive"]:  # a shipped derived table: its bytes are in the repository
            data = (ROOT / "data/snapshot" / row["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"]


def test_the_snapshot_stays_small():
    size = sum(p.stat().st_size for p in (ROOT / "data/snapshot").rglob("*") if p.is_file())
    assert size < 40 * 2**20  # 21 MB today; the submission limit is 512 MiB packed


@pytest.mark.slow
@pytest.mark.skipif(mirror_dir() is None, reason="no offline mirror to compare with")
def test_a_run_from_the_snapshot_without_the_mirror_gives_identical_tables(tmp_path):
    from_snapshot = copy_repo(tmp_path / "snapshot" / "repo")
    assert not (from_snapshot.parent / "shared").exists()
    done = subprocess.run(
        [*snakemake_command(), "--cores", "2", *TARGETS],
        cwd=from_snapshot,
        env=environment(from_snapshot, None),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    from_mirror = copy_repo(tmp_path / "mirror" / "repo")
    done = snakemake(from_mirror, *TARGETS)
    assert done.returncode == 0, done.stderr[-3000:]

    tables = sorted(p.relative_to(from_mirror) for p in (from_mirror / "results/tables").iterdir())
    assert len(tables) >= 5
    for rel in tables:
        assert (from_snapshot / rel).read_bytes() == (from_mirror / rel).read_bytes(), rel
    provenance = pd.read_csv(from_snapshot / "results/provenance.csv")
    # every shipped file came from the snapshot; the rest are listed as not shipped
    assert set(provenance["source_used"]) == {"snapshot", "not shipped (licence)"}
    unstated = provenance["licence"].str.contains("unstated|not checked", case=False)
    assert (provenance.loc[unstated, "source_used"] == "not shipped (licence)").all()
