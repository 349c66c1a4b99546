"""Acquisition from the snapshot, a mirror, or official downloads served by a local HTTP server
on 127.0.0.1 (Nomis bulk zip and gov.uk CSV layouts, from tests/fixtures): every failure gives
its own named error and lands nothing under data/raw/."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import json
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from coprod.data import snapshot
from coprod.data.acquire import acquire_group, provenance_table, read_lock
from coprod.data.registry import Dataset, load_registry
from coprod.errors import (
    AcquisitionError,
    ArchiveMemberError,
    ChecksumError,
    HTTPStatusError,
    LockMismatchError,
    NetworkError,
    NotADataFileError,
    SchemaError,
    TruncatedDownloadError,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TS001 = (FIXTURES / "census" / "ts001_lsoa.csv").read_bytes()
MEMBER = "census2021-ts001-lsoa.csv"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


class Publisher(http.server.BaseHTTPRequestHandler):
    """Official layouts and the ways a download goes wrong, one path each."""

    slow_calls = 0

    def log_message(self, *args):
        pass

    def _send(self, body: bytes, content_type="text/csv", length=None, status=200):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path
        if path == "/nomis/census2021-ts001.zip":
            self._send(_zip({MEMBER: TS001, "census2021-ts001-ltla.csv": b"x"}), "application/zip")
        elif path == "/nomis/renamed.zip":
            self._send(_zip({"census2021-ts001-lsoa-v2.csv": TS001}), "application/zip")
        elif path == "/assets/ts001.csv":
            self._send(TS001)
        elif path == "/assets/slow.csv":
            type(self).slow_calls += 1
            if type(self).slow_calls == 1:
                time.sleep(1.0)  # longer than the client's timeout: the first attempt times out
            self._send(TS001)
        elif path == "/assets/truncated.csv":
            self._send(TS001[:100], length=len(TS001))
            self.close_connection = True
        elif path == "/assets/error-page.csv":
            self._send(
                b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
                "text/html; charset=utf-8",
            )
        elif path == "/assets/not-census.csv":
            self._send(b"a,b\n1,2\n")
        else:
            self._send(b"", status=404)


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def _dataset(content: bytes = TS001, **changes) -> Dataset:
    ds = Dataset(
        id="census2021_ts001_lsoa",
        file="census2021/census2021-ts001-lsoa.csv",
        url="https://www.nomisweb.co.uk/output/census/2021/census2021-ts001.zip",
        sha256=hashlib.sha256(content).hexdigest(),
        sha256_of="mirror",
        bytes=len(content),
        publisher="ONS",
        licence="OGL-3.0",
        provenance="derived",
        reader="census.read_ts001",
        direct_download=True,
    )
    return dataclasses.replace(ds, **changes)


def _official(tmp_path, ds, **kw):
    kw = {
        "snapshot_dir": tmp_path / "snapshot",
        "lock_path": tmp_path / "official.lock.yaml",
        "retries": 2,
        "timeout": 0.5,
        **kw,
    }
    return acquire_group([ds], tmp_path / "raw", "official", **kw)


def _nothing_landed(tmp_path):
    raw = tmp_path / "raw"
    return not raw.exists() or [p for p in raw.rglob("*") if p.is_file()] == []


# --- snapshot and mirror -------------------------------------------------------------------


def _mirror(tmp_path, content=TS001):
    data = tmp_path / "shared"
    (data / "raw" / "census2021").mkdir(parents=True)
    (data / "raw" / "census2021" / "census2021-ts001-lsoa.csv").write_bytes(content)
    (data / "raw" / "lookups").mkdir()
    (data / "raw" / "lookups" / "shares.csv").write_bytes(b"x\n")
    header = (
        "\t".join(
            [
                "path",
                "dataset",
                "sha256",
                "bytes",
                "rows",
                "publisher",
                "official_url",
                "licence",
                "provenance",
                "obtained_from",
                "notes",
            ]
        )
        + "\n"
    )
    rows = [
        f"raw/census2021/census2021-ts001-lsoa.csv\tcensus2021_ts001_lsoa\t"
        f"{hashlib.sha256(content).hexdigest()}\t{len(content)}\t\tONS\tu\tOGL-3.0\tderived\to\t\n",
        f"raw/lookups/shares.csv\tshares\t{hashlib.sha256(b'x' + bytes([10])).hexdigest()}\t2\t\t"
        f"OI\tu\tunstated (repository has no licence file)\tthird-party\to\t\n",
    ]
    (data / "MANIFEST.tsv").write_text(header + "".join(rows))
    return data


def test_snapshot_ships_only_redistributable_files_with_their_manifest(tmp_path):
    manifest = snapshot.build_snapshot(_mirror(tmp_path), tmp_path / "snapshot")
    assert [r["file"] for r in manifest] == ["census2021/census2021-ts001-lsoa.csv"]
    assert sorted(p.name for p in (tmp_path / "snapshot").iterdir()) == [
        "MANIFEST.tsv",
        "census2021.tar.xz",
    ]
    row = snapshot.read_manifest(tmp_path / "snapshot")["census2021/census2021-ts001-lsoa.csv"]
    assert row["sha256"] == hashlib.sha256(TS001).hexdigest()
    assert {row[k] for k in ("publisher", "official_url", "licence", "provenance")} >= {"ONS"}


def test_snapshot_build_is_deterministic(tmp_path):
    data = _mirror(tmp_path)
    snapshot.build_snapshot(data, tmp_path / "a")
    snapshot.build_snapshot(data, tmp_path / "b")
    assert (tmp_path / "a/census2021.tar.xz").read_bytes() == (
        tmp_path / "b/census2021.tar.xz"
    ).read_bytes()


def test_snapshot_copy_is_verified_and_recorded_without_a_timestamp(tmp_path):
    snapshot.build_snapshot(_mirror(tmp_path), tmp_path / "snapshot")
    [record] = acquire_group(
        [_dataset()], tmp_path / "raw", "snapshot", snapshot_dir=tmp_path / "snapshot"
    )
    assert (tmp_path / "raw" / _dataset().file).read_bytes() == TS001
    assert record["source_used"] == "snapshot" and record["retrieved_at"] is None


def test_snapshot_refuses_a_file_whose_licence_kept_it_out(tmp_path):
    snapshot.build_snapshot(_mirror(tmp_path), tmp_path / "snapshot")
    ds = _dataset(b"x\n", id="shares", file="lookups/shares.csv")
    with pytest.raises(AcquisitionError, match="not in the shipped snapshot"):
        acquire_group([ds], tmp_path / "raw", "snapshot", snapshot_dir=tmp_path / "snapshot")
    assert _nothing_landed(tmp_path)


def test_checksum_mismatch_names_dataset_and_both_hashes_and_lands_nothing(tmp_path):
    data = _mirror(tmp_path)
    ds = _dataset(sha256="0" * 64)
    with pytest.raises(ChecksumError) as err:
        acquire_group([ds], tmp_path / "raw", "mirror", snapshot_dir=tmp_path, mirror=data / "raw")
    text = str(err.value)
    assert "census2021_ts001_lsoa" in text and "0" * 64 in text
    assert hashlib.sha256(TS001).hexdigest() in text
    assert _nothing_landed(tmp_path)


def test_missing_mirror_file_says_what_to_do(tmp_path):
    ds = _dataset(file="census2021/other.csv")
    with pytest.raises(AcquisitionError, match="COPROD_DATA_MIRROR"):
        acquire_group(
            [ds],
            tmp_path / "raw",
            "mirror",
            snapshot_dir=tmp_path,
            mirror=_mirror(tmp_path) / "raw",
        )


# --- official downloads from a local server ------------------------------------------------


def test_official_zip_member_lands_and_its_hash_is_locked(tmp_path, server):
    ds = _dataset(url=f"{server}/nomis/census2021-ts001.zip", archive_member=MEMBER)
    [record] = _official(tmp_path, ds)
    assert (tmp_path / "raw" / ds.file).read_bytes() == TS001
    assert record["source_used"] == "official" and record["retrieved_at"]
    lock = read_lock(tmp_path / "official.lock.yaml")
    assert lock["census2021_ts001_lsoa"]["sha256"] == hashlib.sha256(TS001).hexdigest()
    # the lock file is plain YAML a user can read and commit
    assert yaml.safe_load((tmp_path / "official.lock.yaml").read_text())["datasets"]


def test_404_is_an_http_error_not_a_network_error(tmp_path, server):
    with pytest.raises(HTTPStatusError, match="HTTP 404"):
        _official(tmp_path, _dataset(url=f"{server}/assets/moved.csv"))
    assert _nothing_landed(tmp_path)


def test_a_timeout_is_retried_then_succeeds(tmp_path, server):
    Publisher.slow_calls = 0
    _official(tmp_path, _dataset(url=f"{server}/assets/slow.csv"))
    assert Publisher.slow_calls == 2
    assert (tmp_path / "raw" / _dataset().file).read_bytes() == TS001


def test_truncated_body_is_named_and_lands_nothing(tmp_path, server):
    with pytest.raises(TruncatedDownloadError, match="stopped after"):
        _official(tmp_path, _dataset(url=f"{server}/assets/truncated.csv"))
    assert _nothing_landed(tmp_path)


def test_html_error_page_instead_of_csv_is_refused(tmp_path, server):
    with pytest.raises(NotADataFileError, match="HTML page"):
        _official(tmp_path, _dataset(url=f"{server}/assets/error-page.csv"))
    assert _nothing_landed(tmp_path)


def test_file_differing_from_the_lock_is_refused(tmp_path, server):
    lock = tmp_path / "official.lock.yaml"
    lock.write_text(
        yaml.safe_dump(
            {
                "datasets": {
                    "census2021_ts001_lsoa": {
                        "url": "u",
                        "sha256": "1" * 64,
                        "bytes": 1,
                        "first_downloaded": "2026-01-01",
                    }
                }
            }
        )
    )
    with pytest.raises(LockMismatchError) as err:
        _official(tmp_path, _dataset(url=f"{server}/assets/ts001.csv"))
    assert "1" * 64 in str(err.value) and hashlib.sha256(TS001).hexdigest() in str(err.value)
    assert _nothing_landed(tmp_path)


def test_pinned_official_hash_is_enforced(tmp_path, server):
    with pytest.raises(ChecksumError, match="pins"):
        _official(
            tmp_path,
            _dataset(url=f"{server}/assets/ts001.csv", sha256_of="official", sha256="2" * 64),
        )
    assert _nothing_landed(tmp_path)


def test_first_download_must_pass_the_readers_content_checks(tmp_path, server):
    with pytest.raises(SchemaError):
        _official(tmp_path, _dataset(url=f"{server}/assets/not-census.csv"))
    assert read_lock(tmp_path / "official.lock.yaml") == {}
    assert _nothing_landed(tmp_path)


def test_missing_archive_member_is_a_named_error(tmp_path, server):
    ds = _dataset(url=f"{server}/nomis/renamed.zip", archive_member=MEMBER)
    with pytest.raises(ArchiveMemberError, match=f"no member '{MEMBER}'"):
        _official(tmp_path, ds)
    assert _nothing_landed(tmp_path)


def test_no_network_says_so(tmp_path):
    with pytest.raises(NetworkError, match="network problem"):
        _official(tmp_path, _dataset(url="http://127.0.0.1:9/none.csv"), retries=1)
    assert _nothing_landed(tmp_path)


def test_landing_page_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(AcquisitionError, match="landing page"):
        _official(tmp_path, _dataset(direct_download=False))


def test_provenance_table_has_one_row_per_record(tmp_path):
    path = tmp_path / "grp.json"
    path.write_text(
        json.dumps(
            [
                {
                    "dataset": name,
                    "file": name,
                    "source_used": "snapshot",
                    "url": "u",
                    "sha256": "h",
                    "sha256_of": "mirror",
                    "bytes": 1,
                    "retrieved_at": None,
                    "publisher": "p",
                    "licence": "l",
                    "provenance": "official",
                }
                for name in ["b", "a"]
            ]
        )
    )
    assert provenance_table([path])["dataset"].tolist() == ["a", "b"]


def test_provenance_lists_files_the_snapshot_does_not_ship(tmp_path):
    path = tmp_path / "grp.json"
    path.write_text("[]")
    shares = _dataset(
        b"x\n",
        id="shares",
        file="lookups/shares.csv",
        licence="unstated (repository has no licence file)",
    )
    table = provenance_table([path], [shares])
    assert table["source_used"].tolist() == ["not shipped (licence)"]
    assert table["sha256"].tolist() == [shares.sha256]


@pytest.mark.mirror
def test_provenance_of_real_run(results, root):
    """Every registry dataset has one row; data/raw/ holds every file the run's source
    provided and nothing outside the registry (a snapshot run lists the files it may not ship;
    a checkout that once ran from a mirror may still hold them, unread)."""
    table = pd.read_csv(results / "provenance.csv")
    registry = load_registry(root / "config/datasets.yaml")
    assert sorted(table["dataset"]) == sorted(registry.datasets)
    assert table["dataset"].is_unique
    raw = root / "data" / "raw"
    on_disk = {
        str(p.relative_to(raw)) for p in raw.rglob("*") if p.is_file() and p.name != "README.md"
    }
    provided = set(table.loc[table["source_used"] != "not shipped (licence)", "file"])
    assert provided - on_disk == set(), "files the run acquired are missing from data/raw/"
    assert on_disk - set(table["file"]) == set(), "data/raw/ holds files outside the registry"
    unshipped = table.loc[table["source_used"] == "not shipped (licence)"]
    assert not any(map(snapshot.redistributable, unshipped["licence"]))
