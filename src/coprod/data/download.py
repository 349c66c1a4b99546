"""Official downloads over HTTPS with errors that say what went wrong.

Each failure has its own error class (no network, HTTP status, truncated body, an HTML page
instead of a data file, a missing archive member), so a user knows whether to check the
connection, the URL or the publisher's file. Uses ``requests`` (a declared dependency); no
progress bar, so no optional dependency (tqdm) is needed.
"""

from __future__ import annotations

import logging
import time
import zipfile
from pathlib import Path

import requests

from coprod.errors import (
    ArchiveMemberError,
    HTTPStatusError,
    NetworkError,
    NotADataFileError,
    TruncatedDownloadError,
)

log = logging.getLogger(__name__)

# Leading bytes of the binary formats the registry holds; text formats must not look like HTML.
MAGIC = {
    ".zip": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".gpkg": (b"SQLite format 3\x00",),
    ".shp": (b"\x00\x00\x27\x0a",),
    ".shx": (b"\x00\x00\x27\x0a",),
}
HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")


def fetch(
    url: str,
    dest: Path,
    *,
    what: str,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
) -> Path:
    """Download ``url`` to ``dest``: retry timeouts and dropped connections, never a 4xx.

    ``what`` names the dataset in every message."""
    last: Exception | None = None
    for attempt in range(1, retries + 1):
        try:
            return _fetch_once(url, dest, what=what, timeout=timeout)
        except (requests.Timeout, requests.ConnectionError, TruncatedDownloadError) as exc:
            last = exc
            log.warning("%s: attempt %d/%d for %s failed: %s", what, attempt, retries, url, exc)
            if attempt < retries:
                time.sleep(backoff * attempt)
    if isinstance(last, TruncatedDownloadError):
        raise last
    kind = "timed out" if isinstance(last, requests.Timeout) else "could not connect"
    raise NetworkError(
        f"{what}: {kind} to {url} after {retries} attempts ({last}). This is a network problem, "
        f"not a bad file: check the connection or proxy, or run from the shipped snapshot "
        f"(data_source: snapshot)."
    ) from last


def _fetch_once(url: str, dest: Path, *, what: str, timeout: float) -> Path:
    with requests.get(
        url, stream=True, timeout=timeout, headers={"User-Agent": "coprod-pipeline"}
    ) as resp:
        if resp.status_code >= 400:
            raise HTTPStatusError(
                f"{what}: {url} answered HTTP {resp.status_code} {resp.reason}. The publisher "
                f"moved or withdrew the file: find its new address and update `url` in "
                f"config/datasets.yaml."
            )
        expected = resp.headers.get("Content-Length")
        got = 0
        with dest.open("wb") as fh:
            try:
                for block in resp.iter_content(1 << 16):
                    fh.write(block)
                    got += len(block)
            except requests.exceptions.ChunkedEncodingError as exc:
                raise TruncatedDownloadError(
                    f"{what}: the download of {url} stopped after {got} bytes ({exc})"
                ) from exc
        if expected is not None and got != int(expected):
            raise TruncatedDownloadError(
                f"{what}: the download of {url} stopped after {got} of {expected} bytes"
            )
        content_type = resp.headers.get("Content-Type", "")
    check_format(dest, what=what, source=url, content_type=content_type)
    return dest


def check_format(
    path: Path, *, what: str, source: str, content_type: str = "", suffix: str | None = None
) -> None:
    """Refuse an HTML page (a login or error page served with status 200) or a file whose
    leading bytes do not match its format."""
    suffix = (suffix or path.suffix).lower()
    with path.open("rb") as fh:
        head = fh.read(512)
    if not head:
        raise NotADataFileError(f"{what}: {source} gave an empty file")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if "html" in content_type.lower() or stripped.startswith(HTML_STARTS):
        raise NotADataFileError(
            f"{what}: {source} gave an HTML page (Content-Type {content_type or 'unset'}), not "
            f"the {suffix} file: the URL points at a web page or the publisher returned an error "
            f"page. Open it in a browser and update `url` in config/datasets.yaml."
        )
    magic = MAGIC.get(suffix)
    if magic and not head.startswith(magic):
        raise NotADataFileError(f"{what}: {source} is not a {suffix} file (starts {head[:8]!r})")


def extract_member(archive: Path, member: str, dest: Path, *, what: str) -> Path:
    """Take ``member`` out of a downloaded zip; a missing member is a named error listing
    the members the archive does hold."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            if member not in names:
                raise ArchiveMemberError(
                    f"{what}: {archive.name} has no member {member!r}; it holds "
                    f"{sorted(names)[:20]}. The publisher changed the archive's layout: update "
                    f"`archive_member` in config/datasets.yaml."
                )
            with zf.open(member) as src, dest.open("wb") as out:
                while block := src.read(1 << 20):
                    out.write(block)
    except zipfile.BadZipFile as exc:
        raise NotADataFileError(
            f"{what}: {archive.name} is not a valid zip archive ({exc})"
        ) from exc
    return dest
