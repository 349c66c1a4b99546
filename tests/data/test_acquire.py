"""Acquisition: a verified mirror copy lands; a bad hash or missing file lands nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from coprod.data.acquire import acquire, provenance_table, verify
from coprod.data.registry import Dataset
from coprod.errors import AcquisitionError, ChecksumError


def _dataset(tmp_path, content: bytes, **changes) -> tuple[Dataset, object]:
    mirror = tmp_path / "mirror"
    (mirror / "grp").mkdir(parents=True)
    (mirror / "grp" / "file.csv").write_bytes(content)
    ds = Dataset(id="demo", file="grp/file.csv", url="https://www.nomisweb.co.uk/x.zip",
                 sha256=hashlib.sha256(content).hexdigest(), sha256_of="mirror",
                 bytes=len(content), publisher="ONS", licence="OGL-3.0", provenance="derived",
                 reader="census.read_ts001", direct_download=True)
    return dataclasses.replace(ds, **changes), mirror


def test_mirror_copy_is_verified_and_recorded(tmp_path):
    ds, mirror = _dataset(tmp_path, b"a,b\n1,2\n")
    dest = tmp_path / "raw" / ds.file
    record = acquire(ds, dest, mirror)
    assert dest.read_bytes() == b"a,b\n1,2\n"
    assert record["source_used"] == "mirror" and record["sha256"] == ds.sha256
    assert record["bytes"] == 8
    assert verify(ds, dest) == ds.sha256


def test_checksum_mismatch_names_dataset_and_hashes_and_lands_nothing(tmp_path):
    ds, mirror = _dataset(tmp_path, b"a,b\n1,2\n", sha256="0" * 64)
    dest = tmp_path / "raw" / ds.file
    with pytest.raises(ChecksumError) as err:
        acquire(ds, dest, mirror)
    text = str(err.value)
    assert "demo" in text and "0" * 64 in text and hashlib.sha256(b"a,b\n1,2\n").hexdigest() in text
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []


def test_missing_mirror_file_says_what_to_do(tmp_path):
    ds, mirror = _dataset(tmp_path, b"x\n", file="grp/other.csv")
    with pytest.raises(AcquisitionError, match="COPROD_DATA_MIRROR"):
        acquire(ds, tmp_path / "raw" / "other.csv", mirror)


def test_landing_page_without_mirror_is_refused(tmp_path):
    ds, _ = _dataset(tmp_path, b"x\n", direct_download=False)
    with pytest.raises(AcquisitionError, match="landing page"):
        acquire(ds, tmp_path / "raw" / "file.csv", None)


def test_file_changed_after_acquisition_fails_verification(tmp_path):
    ds, mirror = _dataset(tmp_path, b"a,b\n1,2\n")
    dest = tmp_path / "raw" / ds.file
    acquire(ds, dest, mirror)
    dest.write_bytes(b"a,b\n1,3\n")
    with pytest.raises(ChecksumError, match="changed after it was acquired"):
        verify(ds, dest)


def test_provenance_table_has_one_row_per_record(tmp_path):
    paths = []
    for name in ["b", "a"]:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"dataset": name, "file": name, "source_used": "mirror",
                                    "url": "u", "sha256": "h", "sha256_of": "mirror", "bytes": 1,
                                    "retrieved_at": "t", "publisher": "p", "licence": "l",
                                    "provenance": "official"}))
        paths.append(path)
    table = provenance_table(paths)
    assert table["dataset"].tolist() == ["a", "b"]


@pytest.mark.mirror
def test_provenance_of_real_run(results, root):
    from coprod.data.registry import load_registry

    table = __import__("pandas").read_csv(results / "provenance.csv")
    assert len(table) == len(load_registry(root / "config/datasets.yaml").datasets) == 47
    assert table["dataset"].is_unique
    raw = root / "data" / "raw"
    on_disk = sorted(str(p.relative_to(raw)) for p in raw.rglob("*") if p.is_file()
                     and p.name != "README.md")
    assert on_disk == sorted(table["file"]), "data/raw/ must hold exactly the registry's files"
