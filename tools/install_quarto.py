#!/usr/bin/env python3
"""Install the pinned Quarto into a project-local folder (never system-wide).

Where the offline installer of this workplace exists (`../shared/tools/quarto/install.sh`,
which builds the same Quarto release from its source and registry binaries), it is used.
Otherwise the official release archive for this platform is downloaded from Quarto's GitHub
releases, verified against the checksums file published with the same release, and its
SHA-256 recorded in the lock file (`tools/quarto.lock.json`), so that every later install
verifies against the recorded hash as well; any mismatch refuses the install and leaves
nothing behind. Standard library only: it runs before the project's virtual environment.

    python3 tools/install_quarto.py .tools/quarto        # then .tools/quarto/bin/quarto
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_LOCK = HERE / "quarto.lock.json"
DEFAULT_SHARED = ROOT.parent / "shared" / "tools" / "quarto" / "install.sh"
BASE_URL_ENV = "COPROD_QUARTO_BASE_URL"  # tests point this at a server on 127.0.0.1


class InstallError(Exception):
    """The archive could not be fetched, verified or unpacked."""


def platform_name(system: str | None = None, machine: str | None = None) -> str:
    """Quarto's release name for this platform: linux-amd64, linux-arm64 or macos."""
    system = (system or platform.system()).lower()
    machine = (machine or platform.machine()).lower()
    if system == "darwin":
        return "macos"
    if system == "linux" and machine in ("x86_64", "amd64"):
        return "linux-amd64"
    if system == "linux" and machine in ("aarch64", "arm64"):
        return "linux-arm64"
    raise InstallError(
        f"no Quarto release archive for {system}/{machine}: install Quarto "
        "from conda-forge (environment.yml) or quarto.org"
    )


def read_lock(path: Path) -> dict:
    lock = json.loads(path.read_text())
    for key in ("version", "base_url", "sha256"):
        if key not in lock:
            raise InstallError(f"{path}: key {key!r} missing")
    return lock


def archive_name(version: str, plat: str) -> str:
    return f"quarto-{version}-{plat}.tar.gz"


def checksums_name(version: str) -> str:
    return f"quarto-{version}-checksums.txt"


def _download(url: str, dest: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as exc:
        raise InstallError(f"cannot download {url}: {exc}") from exc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def published_hash(checksums: str, name: str, source: str) -> str:
    """The SHA-256 a `sha256sum`-style checksums file gives for `name`."""
    for line in checksums.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == name:
            return parts[0].lower()
    raise InstallError(f"{source}: no checksum listed for {name}")


def install_official(prefix: Path, lock_path: Path, plat: str, base_url: str | None = None) -> Path:
    """Download, verify (release checksums file, then the lock) and unpack; returns the
    `quarto` command. Records the hash in the lock on the first install of a platform."""
    lock = read_lock(lock_path)
    version = lock["version"]
    base = (base_url or os.environ.get(BASE_URL_ENV) or lock["base_url"]).rstrip("/")
    name = archive_name(version, plat)
    prefix.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=prefix) as tmp:
        tmp = Path(tmp)
        sums_url = f"{base}/v{version}/{checksums_name(version)}"
        _download(sums_url, tmp / "checksums.txt")
        expected = published_hash((tmp / "checksums.txt").read_text(), name, sums_url)
        _download(f"{base}/v{version}/{name}", tmp / name)
        actual = sha256_of(tmp / name)
        if actual != expected:
            raise InstallError(
                f"{name}: SHA-256 {actual} does not match {expected} from {sums_url}; "
                "refusing to install"
            )
        locked = lock["sha256"].get(plat)
        if locked and locked != actual:
            raise InstallError(
                f"{name}: SHA-256 {actual} does not match {locked} recorded in "
                f"{lock_path}; refusing to install"
            )
        unpacked = tmp / "unpacked"
        with tarfile.open(tmp / name) as archive:
            if not hasattr(tarfile, "data_filter"):  # Python < 3.11.4: no extraction filters
                raise InstallError(
                    "this Python cannot unpack archives safely: use Python >= 3.11.4"
                )
            archive.extractall(unpacked, filter="data")  # refuses absolute paths and links out
        found = sorted(unpacked.glob("**/bin/quarto"), key=lambda p: len(p.parts))
        if not found:
            raise InstallError(f"{name}: no bin/quarto inside the archive")
        home = found[0].parent.parent
        target = prefix / f"quarto-{version}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(home), target)
    (prefix / "bin").mkdir(exist_ok=True)
    command = prefix / "bin" / "quarto"
    if command.is_symlink() or command.exists():
        command.unlink()
    command.symlink_to(target / "bin" / "quarto")
    if not locked:
        lock["sha256"][plat] = actual
        lock_path.write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n")
    return command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "prefix", type=Path, help="install folder; the command is PREFIX/bin/quarto"
    )
    parser.add_argument("--lock", type=Path, default=DEFAULT_LOCK)
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="offline installer to use when it exists",
    )
    parser.add_argument("--official", action="store_true", help="ignore the offline installer")
    parser.add_argument("--platform", help="release platform (default: this machine's)")
    parser.add_argument(
        "--base-url", help=f"release download base (default: the lock's, or ${BASE_URL_ENV})"
    )
    args = parser.parse_args(argv)
    prefix = args.prefix.resolve()
    try:
        if args.shared.is_file() and not args.official:
            subprocess.run(["bash", str(args.shared), str(prefix)], check=True)
            command = prefix / "bin" / "quarto"
        else:
            command = install_official(
                prefix, args.lock, args.platform or platform_name(), args.base_url
            )
    except (InstallError, subprocess.CalledProcessError) as exc:
        print(f"install_quarto: {exc}", file=sys.stderr)
        return 1
    print(f"install_quarto: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
