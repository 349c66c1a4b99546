"""Put each registry file under ``data/raw/``: copied from a mirror or downloaded, always verified.

A file only reaches its final path after its SHA-256 matches the registry, so a bad copy or
download is never read downstream.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from coprod.data.registry import Dataset
from coprod.errors import AcquisitionError, ChecksumError

log = logging.getLogger(__name__)


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def acquire(ds: Dataset, dest: str | Path, mirror: str | Path | None) -> dict:
    """Copy ``ds`` from ``mirror`` (if given) or download it, verify, move into ``dest``.

    Returns the provenance record for the appendix of the report.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".acquire-") as tmpdir:
        if mirror:
            source, origin = Path(mirror) / ds.file, "mirror"
            if not source.is_file():
                raise AcquisitionError(
                    f"{ds.id}: mirror file {source} does not exist. Point COPROD_DATA_MIRROR "
                    f"(or config key data_mirror) at the directory that holds {ds.file}, or unset "
                    f"it to download {ds.url}")
            staged = Path(tmpdir) / dest.name
            shutil.copyfile(source, staged)
        else:
            origin = "official"
            staged = _download(ds, Path(tmpdir))
        actual = sha256_file(staged)
        if actual != ds.sha256:
            where = source if mirror else ds.url
            raise ChecksumError(
                f"{ds.id}: SHA-256 mismatch for {where}: expected {ds.sha256} "
                f"({ds.sha256_of} bytes), got {actual}. The file was not used. "
                + ("Restore the mirror file from its publisher." if mirror else
                   "If the publisher re-issued the file, check it and record the new hash "
                   "in config/datasets.yaml (sha256, sha256_of: official)."))
        os.replace(staged, dest)
    log.info("%s: %s copy verified (%s)", ds.id, origin, actual)
    return {
        "dataset": ds.id,
        "file": ds.file,
        "source_used": origin,
        "url": ds.url,
        "sha256": actual,
        "sha256_of": ds.sha256_of,
        "bytes": dest.stat().st_size,
        "retrieved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "publisher": ds.publisher,
        "licence": ds.licence,
        "provenance": ds.provenance,
    }


def verify(ds: Dataset, path: str | Path) -> str:
    """Hash a file already under data/raw/ and stop if it no longer matches the registry."""
    actual = sha256_file(path)
    if actual != ds.sha256:
        raise ChecksumError(
            f"{ds.id}: {path} has SHA-256 {actual}, expected {ds.sha256}: it changed after it was "
            f"acquired. Nothing was read from it. Delete it and rerun to fetch a fresh copy.")
    return actual


def _download(ds: Dataset, tmpdir: Path) -> Path:
    """Fetch the official file with pooch (HTTPS, retries, progress bar)."""
    if not ds.direct_download:
        raise AcquisitionError(
            f"{ds.id}: {ds.url} is a landing page, not a file, so it cannot be downloaded "
            f"automatically. Download {Path(ds.file).name} from there by hand into a mirror "
            f"directory at {ds.file} and set COPROD_DATA_MIRROR to that directory.")
    import pooch

    fname = Path(ds.url).name
    fetcher = pooch.create(path=tmpdir, base_url="", registry={fname: None},
                           urls={fname: ds.url}, retry_if_failed=3)
    processor = pooch.Unzip(members=[ds.archive_member]) if ds.archive_member else None
    try:
        result = fetcher.fetch(fname, processor=processor,
                               downloader=pooch.HTTPDownloader(progressbar=True, timeout=120))
    except Exception as exc:
        raise AcquisitionError(f"{ds.id}: download of {ds.url} failed: {exc}. Check the "
                               f"connection, or use the offline mirror (COPROD_DATA_MIRROR).") from exc
    path = Path(result[0] if isinstance(result, list) else result)
    return path


def provenance_table(record_paths):
    """One row per raw file, sorted by dataset id, for the report's appendix."""
    import pandas as pd  # here, not at the top: the 41 acquire jobs need no pandas

    rows = [json.loads(Path(p).read_text()) for p in record_paths]
    columns = ["dataset", "file", "source_used", "url", "sha256", "sha256_of", "bytes",
               "retrieved_at", "publisher", "licence", "provenance"]
    return pd.DataFrame(rows)[columns].sort_values("dataset", ignore_index=True)
