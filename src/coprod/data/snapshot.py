"""The shipped snapshot: every redistributable raw input, compressed, with its manifest.

``data/snapshot/<group>.tar.xz`` holds the files of one source group (``census2021``,
``iod2025``, ...) under their ``data/raw/`` paths; ``data/snapshot/MANIFEST.tsv`` gives for
each file its dataset, the SHA-256 and size of the uncompressed bytes, the archive, publisher,
official URL, licence and provenance class. Only files whose licence allows redistribution
(Open Government Licence, Open Parliament Licence) are shipped. The archives are built
deterministically (sorted members, fixed mtime/owner, xz preset 9e) so rebuilding from the
same mirror gives the same bytes. Stdlib only (tarfile, lzma): extraction needs nothing the
Snakefile does not already have.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import lzma
import os
import shutil
import tarfile
from pathlib import Path

from coprod.errors import ArchiveMemberError, ChecksumError

log = logging.getLogger(__name__)

# Licences (prefix of the mirror manifest's `licence`) that allow the project to redistribute.
REDISTRIBUTABLE_LICENCES = ("OGL-3.0", "Open Parliament Licence")
MANIFEST_COLUMNS = [
    "file",
    "dataset",
    "sha256",
    "bytes",
    "archive",
    "publisher",
    "official_url",
    "licence",
    "provenance",
    "obtained_from",
]


def redistributable(licence: str) -> bool:
    return licence.startswith(REDISTRIBUTABLE_LICENCES)


def build_snapshot(mirror_data: Path, out_dir: Path) -> list[dict]:
    """Pack the mirror's redistributable files (``mirror_data``/MANIFEST.tsv, raw/) into one
    xz tar per source group under ``out_dir`` and write its manifest."""
    mirror_data, out_dir = Path(mirror_data), Path(out_dir)
    with (mirror_data / "MANIFEST.tsv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if redistributable(row["licence"]):
            file = row["path"].removeprefix("raw/")
            groups.setdefault(file.split("/")[0], []).append({**row, "file": file})
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = []
    for group, members in sorted(groups.items()):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for row in sorted(members, key=lambda r: r["file"]):
                data = (mirror_data / "raw" / row["file"]).read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                if digest != row["sha256"]:
                    raise ValueError(
                        f"{row['file']}: mirror bytes have SHA-256 {digest}, its "
                        f"MANIFEST.tsv says {row['sha256']}"
                    )
                info = tarfile.TarInfo(row["file"])
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                tar.addfile(info, io.BytesIO(data))
                manifest.append(
                    {
                        "file": row["file"],
                        "dataset": row["dataset"],
                        "sha256": digest,
                        "bytes": str(len(data)),
                        "archive": f"{group}.tar.xz",
                        **{k: row[k] for k in MANIFEST_COLUMNS[5:]},
                    }
                )
        (out_dir / f"{group}.tar.xz").write_bytes(
            lzma.compress(buf.getvalue(), preset=9 | lzma.PRESET_EXTREME)
        )
    with (out_dir / "MANIFEST.tsv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, MANIFEST_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(manifest, key=lambda r: r["file"]))
    return manifest


def add_derived(out_dir: Path, file: str, source: Path, **meta: str) -> dict:
    """Ship a table derived from inputs that cannot be shipped themselves (their licence is
    unstated), as a plain file under ``out_dir`` with its manifest row."""
    out_dir = Path(out_dir)
    data = Path(source).read_bytes()
    (out_dir / file).parent.mkdir(parents=True, exist_ok=True)
    (out_dir / file).write_bytes(data)
    rows = [r for r in read_manifest(out_dir).values() if r["file"] != file]
    row = {
        "file": file,
        "dataset": meta.get("dataset", ""),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": str(len(data)),
        "archive": "",
        **{k: meta.get(k, "") for k in MANIFEST_COLUMNS[5:]},
    }
    with (out_dir / "MANIFEST.tsv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, MANIFEST_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted([*rows, row], key=lambda r: r["file"]))
    return row


def read_manifest(snapshot_dir: Path) -> dict[str, dict]:
    """The snapshot's manifest, keyed by file path under data/raw/."""
    with (Path(snapshot_dir) / "MANIFEST.tsv").open(newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def extract(archive: Path, members: dict[str, Path]) -> None:
    """Write each wanted member (path in the archive -> destination) in one pass over the
    archive; a wanted member the archive lacks is an error naming it."""
    wanted = dict(members)
    with tarfile.open(archive, mode="r:xz") as tar:
        for info in tar:
            dest = wanted.pop(info.name, None)
            if dest is None or not info.isfile():
                continue
            with tar.extractfile(info) as src, Path(dest).open("wb") as out:
                while block := src.read(1 << 20):
                    out.write(block)
    if wanted:
        raise ArchiveMemberError(
            f"{archive}: no member {sorted(wanted)}; rebuild the snapshot "
            f"(python -m coprod.data.snapshot) or restore the archive"
        )


if __name__ == "__main__":  # python -m coprod.data.snapshot ../shared/data data/snapshot
    import sys

    rows = build_snapshot(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{len(rows)} files in {len({r['archive'] for r in rows})} archives under {sys.argv[2]}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def copy_verified(shipped: str | Path, sha256: str | None, dest: str | Path) -> None:
    """Copy a shipped derived table (``data/snapshot/derived/``) after checking its bytes
    against the snapshot manifest."""
    actual = _sha256(Path(shipped))
    if sha256 is None or actual != sha256:
        raise ChecksumError(
            f"{shipped}: SHA-256 {actual}, data/snapshot/MANIFEST.tsv expects "
            f"{sha256}. Restore it (git checkout {shipped}) or rebuild the "
            f"snapshot from a checked mirror."
        )
    tmp = Path(f"{dest}.tmp")
    shutil.copyfile(shipped, tmp)
    os.replace(tmp, dest)


def compare_with_shipped(computed: str | Path, shipped: str | Path) -> bool:
    """Log whether a derived table computed from the full inputs equals the shipped one (it
    does for the mirror; an official download may differ, and the run then uses its own)."""
    same = Path(shipped).is_file() and _sha256(Path(computed)) == _sha256(Path(shipped))
    (log.info if same else log.warning)(
        "%s %s the shipped %s", computed, "equals" if same else "differs from", shipped
    )
    return same
