"""Put registry files under ``data/raw/``, one job per source group, each file verified before
it reaches its final path, so a bad copy or download is never read downstream.

Sources (config key ``data_source``; ``COPROD_DATA_MIRROR`` selects ``mirror``):

- ``snapshot`` (default): ``data/snapshot/<group>.tar.xz``, shipped with the repository, for
  every input whose licence allows redistribution;
- ``mirror``: a directory laid out like ``data/raw/``;
- ``official``: the publisher's URL. A registry hash with ``sha256_of: official`` is pinned;
  otherwise the first download's hash goes into the lock file (trust on first download: commit
  it) and later downloads must match it. Either way the dataset's reader then parses the file
  (columns, codes, row checks) before it is accepted.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import yaml

from coprod.data import snapshot
from coprod.data.registry import Dataset
from coprod.errors import AcquisitionError, ChecksumError, LockMismatchError

log = logging.getLogger(__name__)

SOURCES = ("snapshot", "mirror", "official")


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _locked(lock_path: Path):
    """Exclusive access to the lock file while parallel download jobs update it."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{lock_path}.flock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)


def read_lock(lock_path: str | Path) -> dict:
    path = Path(lock_path)
    if not path.is_file():
        return {}
    return (yaml.safe_load(path.read_text()) or {}).get("datasets", {})


def _record_in_lock(lock_path: Path, ds: Dataset, digest: str, size: int) -> None:
    with _locked(lock_path):
        entries = read_lock(lock_path)
        entries[ds.id] = {
            "url": ds.url,
            "sha256": digest,
            "bytes": size,
            "first_downloaded": datetime.now(UTC).date().isoformat(),
        }
        text = (
            "# Hashes of official downloads seen for the first time (trust on first download).\n"
            "# Commit this file: later downloads must match it. Delete a line to accept a\n"
            "# file the publisher re-issued, after checking it.\n"
            + yaml.safe_dump({"datasets": dict(sorted(entries.items()))}, sort_keys=True)
        )
        tmp = lock_path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, lock_path)


def acquire_group(
    datasets: list[Dataset],
    dest_root: str | Path,
    source: str,
    *,
    snapshot_dir: str | Path,
    mirror: str | Path | None = None,
    lock_path: str | Path | None = None,
    allowed_hosts: tuple[str, ...] = (),
    retries: int = 3,
    timeout: float = 60.0,
) -> list[dict]:
    """Stage, verify and move into ``dest_root`` every dataset of one source group; return
    their provenance records. Nothing is moved unless every file of the group verified."""
    if source not in SOURCES:
        raise AcquisitionError(f"data_source {source!r} is not one of {list(SOURCES)}")
    dest_root = Path(dest_root)
    dest_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_root, prefix=".acquire-") as tmpdir:
        staged = {
            ds.id: Path(tmpdir) / f"{i}-{Path(ds.file).name}" for i, ds in enumerate(datasets)
        }
        if source == "snapshot":
            _from_snapshot(datasets, staged, Path(snapshot_dir))
        elif source == "mirror":
            _from_mirror(datasets, staged, mirror)
        records = []
        for ds in datasets:
            if source == "official":
                _from_official(ds, staged[ds.id], Path(tmpdir), allowed_hosts, retries, timeout)
                digest = _verify_official(ds, staged[ds.id], Path(lock_path) if lock_path else None)
            else:
                digest = _verify(ds, staged[ds.id], source)
            records.append(
                _record(
                    ds,
                    source,
                    digest,
                    staged[ds.id].stat().st_size,
                    snapshot_dir if source == "snapshot" else None,
                )
            )
        for ds in datasets:
            dest = dest_root / ds.file
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged[ds.id], dest)
    log.info(
        "%d files from %s verified: %s", len(datasets), source, ", ".join(ds.id for ds in datasets)
    )
    return records


def _from_snapshot(datasets, staged, snapshot_dir: Path) -> None:
    manifest = snapshot.read_manifest(snapshot_dir)
    by_archive: dict[str, dict[str, Path]] = {}
    for ds in datasets:
        row = manifest.get(ds.file)
        if row is None:
            raise AcquisitionError(
                f"{ds.id}: {ds.file} is not in the shipped snapshot ({snapshot_dir}/MANIFEST.tsv): "
                f"its licence ({ds.licence}) does not allow redistribution, or the snapshot "
                f"predates the dataset. Use data_source: mirror or official for it."
            )
        by_archive.setdefault(row["archive"], {})[ds.file] = staged[ds.id]
    for archive, members in sorted(by_archive.items()):
        snapshot.extract(snapshot_dir / archive, members)


def _from_mirror(datasets, staged, mirror) -> None:
    if not mirror:
        raise AcquisitionError(
            "data_source is mirror but no mirror directory is set: set "
            "COPROD_DATA_MIRROR (or config key data_mirror)"
        )
    for ds in datasets:
        source = Path(mirror) / ds.file
        if not source.is_file():
            raise AcquisitionError(
                f"{ds.id}: mirror file {source} does not exist. Point COPROD_DATA_MIRROR "
                f"(or config key data_mirror) at the directory that holds {ds.file}, or unset "
                f"it to use the shipped snapshot"
            )
        shutil.copyfile(source, staged[ds.id])


def _from_official(ds: Dataset, staged: Path, tmpdir: Path, allowed_hosts, retries, timeout):
    from coprod.data import download  # here: snapshot and mirror jobs need no HTTP client

    host = urlparse(ds.url).hostname
    if not ds.direct_download:
        raise AcquisitionError(
            f"{ds.id}: {ds.url} is a landing page, not a file, so it cannot be downloaded "
            f"automatically. Download {Path(ds.file).name} from there by hand into a mirror "
            f"directory at {ds.file} and set COPROD_DATA_MIRROR to that directory."
        )
    if allowed_hosts and host not in allowed_hosts and host != "127.0.0.1":
        raise AcquisitionError(f"{ds.id}: {ds.url} is not on an allowed host {list(allowed_hosts)}")
    if ds.archive_member:
        archive = download.fetch(
            ds.url, tmpdir / f"{ds.id}.zip", what=ds.id, retries=retries, timeout=timeout
        )
        download.extract_member(archive, ds.archive_member, staged, what=ds.id)
        archive.unlink()
        download.check_format(
            staged, what=ds.id, source=f"{ds.url}!{ds.archive_member}", suffix=Path(ds.file).suffix
        )
    else:
        download.fetch(ds.url, staged, what=ds.id, retries=retries, timeout=timeout)


def _verify(ds: Dataset, path: Path, source: str) -> str:
    actual = sha256_file(path)
    if actual != ds.sha256:
        raise ChecksumError(
            f"{ds.id}: the {source} copy of {ds.file} has SHA-256 {actual}, the registry "
            f"(config/datasets.yaml) expects {ds.sha256}. The file was not used. "
            + (
                "Rebuild the snapshot from a checked mirror (python -m coprod.data.snapshot)."
                if source == "snapshot"
                else "Restore the mirror file from its publisher."
            )
        )
    return actual


def _verify_official(ds: Dataset, path: Path, lock_path: Path | None) -> str:
    """Pinned hash if the registry has the official bytes' hash, else the lock file's; a file
    seen for the first time is parsed by its reader before its hash is locked."""
    actual = sha256_file(path)
    if ds.sha256_of == "official":
        if actual != ds.sha256:
            raise ChecksumError(
                f"{ds.id}: the download of {ds.url} has SHA-256 {actual}, the registry pins "
                f"{ds.sha256}. The file was not used. If the publisher re-issued it, check it "
                f"and record the new hash in config/datasets.yaml."
            )
        return actual
    locked = read_lock(lock_path).get(ds.id) if lock_path else None
    if locked and locked["sha256"] != actual:
        raise LockMismatchError(
            f"{ds.id}: the download of {ds.url} has SHA-256 {actual}, but {lock_path} recorded "
            f"{locked['sha256']} on {locked['first_downloaded']}. The file was not used. If the "
            f"publisher re-issued it, check it and delete its entry in {lock_path}."
        )
    ds.read(path)  # content check: the reader's column, code and row checks
    if not locked and lock_path:
        _record_in_lock(lock_path, ds, actual, path.stat().st_size)
        log.warning(
            "%s: first download of %s, SHA-256 %s recorded in %s (commit it)",
            ds.id,
            ds.url,
            actual,
            lock_path,
        )
    return actual


def _record(ds: Dataset, source: str, digest: str, size: int, snapshot_dir) -> dict:
    # Snapshot and mirror copies are the same bytes on every run: no timestamp, so the
    # provenance table is reproducible; an official download records when it was made.
    retrieved = datetime.now(UTC).isoformat(timespec="seconds") if source == "official" else None
    return {
        "dataset": ds.id,
        "file": ds.file,
        "source_used": source,
        "url": ds.url,
        "sha256": digest,
        "sha256_of": ds.sha256_of if source != "official" else "official",
        "bytes": size,
        "retrieved_at": retrieved,
        "publisher": ds.publisher,
        "licence": ds.licence,
        "provenance": ds.provenance,
    }


def not_shipped_record(ds: Dataset) -> dict:
    """Provenance row of a registry file the source cannot provide (the snapshot leaves out
    unstated licences): the report still lists it, with what the pipeline used instead."""
    return {
        "dataset": ds.id,
        "file": ds.file,
        "source_used": "not shipped (licence)",
        "url": ds.url,
        "sha256": ds.sha256,
        "sha256_of": ds.sha256_of,
        "bytes": ds.bytes,
        "retrieved_at": None,
        "publisher": ds.publisher,
        "licence": ds.licence,
        "provenance": ds.provenance,
    }


def provenance_table(record_paths, not_shipped: list[Dataset] = ()):
    """One row per registry file, sorted by dataset id, for the report's appendix."""
    import pandas as pd  # here, not at the top: the acquire jobs need no pandas

    rows = [r for p in record_paths for r in json.loads(Path(p).read_text())]
    rows += [not_shipped_record(ds) for ds in not_shipped]
    columns = [
        "dataset",
        "file",
        "source_used",
        "url",
        "sha256",
        "sha256_of",
        "bytes",
        "retrieved_at",
        "publisher",
        "licence",
        "provenance",
    ]
    return pd.DataFrame(rows)[columns].sort_values("dataset", ignore_index=True)
