"""The Quarto installer's official-archive path: it verifies the archive against the release's
checksums file and the lock, records the hash on first install, and refuses any mismatch.
A small fake release (archive + checksums file) is served from 127.0.0.1."""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib.util
import io
import json
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "install_quarto.py"
VERSION = "1.7.34"
PLATFORM = "linux-amd64"
ARCHIVE = f"quarto-{VERSION}-{PLATFORM}.tar.gz"
CHECKSUMS = f"quarto-{VERSION}-checksums.txt"


def _load_installer():
    spec = importlib.util.spec_from_file_location("install_quarto", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


installer = _load_installer()


def fake_archive() -> bytes:
    """A tar.gz laid out like the official Linux archive: quarto-VERSION/bin/quarto."""
    script = f"#!/bin/sh\necho {VERSION}\n".encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(f"quarto-{VERSION}/bin/quarto")
        info.size, info.mode = len(script), 0o755
        archive.addfile(info, io.BytesIO(script))
    return buffer.getvalue()


@pytest.fixture
def release(tmp_path):
    """Serve tmp_path/www/vVERSION/{archive, checksums} on 127.0.0.1; yields (base_url, folder)."""
    folder = tmp_path / "www" / f"v{VERSION}"
    folder.mkdir(parents=True)
    data = fake_archive()
    (folder / ARCHIVE).write_bytes(data)
    (folder / CHECKSUMS).write_text(
        f"{hashlib.sha256(data).hexdigest()}  {ARCHIVE}\n"
        f"{'0' * 64}  quarto-{VERSION}-macos.tar.gz\n"
    )
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "www")
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


@pytest.fixture
def lock(tmp_path):
    path = tmp_path / "quarto.lock.json"
    path.write_text(
        json.dumps(
            {
                "version": VERSION,
                "base_url": "https://invalid.example",
                "sha256": {PLATFORM: None, "linux-arm64": None, "macos": None},
            }
        )
    )
    return path


def run(prefix, lock, base_url):
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(prefix),
            "--official",
            "--platform",
            PLATFORM,
            "--lock",
            str(lock),
            "--base-url",
            base_url,
        ],
        capture_output=True,
        text=True,
    )


def test_installs_a_verified_archive_and_records_its_hash(tmp_path, lock, release):
    base_url, folder = release
    result = run(tmp_path / "q", lock, base_url)
    assert result.returncode == 0, result.stderr
    command = tmp_path / "q" / "bin" / "quarto"
    assert (
        subprocess.run([command], capture_output=True, text=True, check=True).stdout.strip()
        == VERSION
    )
    recorded = json.loads(lock.read_text())["sha256"][PLATFORM]
    assert recorded == hashlib.sha256((folder / ARCHIVE).read_bytes()).hexdigest()
    # a second install verifies against the recorded hash and succeeds
    assert run(tmp_path / "q2", lock, base_url).returncode == 0


def test_refuses_an_archive_that_does_not_match_the_checksums_file(tmp_path, lock, release):
    base_url, folder = release
    (folder / ARCHIVE).write_bytes(fake_archive() + b"tampered")
    result = run(tmp_path / "q", lock, base_url)
    assert result.returncode == 1
    assert "does not match" in result.stderr and "refusing" in result.stderr
    assert not (tmp_path / "q" / "bin" / "quarto").exists()
    assert json.loads(lock.read_text())["sha256"][PLATFORM] is None


def test_refuses_an_archive_that_does_not_match_the_lock(tmp_path, lock, release):
    base_url, _ = release
    data = json.loads(lock.read_text())
    data["sha256"][PLATFORM] = "f" * 64
    lock.write_text(json.dumps(data))
    result = run(tmp_path / "q", lock, base_url)
    assert result.returncode == 1
    assert str(lock) in result.stderr and "refusing" in result.stderr
    assert not (tmp_path / "q" / "bin" / "quarto").exists()


def test_refuses_when_the_checksums_file_does_not_list_the_archive(tmp_path, lock, release):
    base_url, folder = release
    (folder / CHECKSUMS).write_text(f"{'0' * 64}  quarto-{VERSION}-macos.tar.gz\n")
    result = run(tmp_path / "q", lock, base_url)
    assert result.returncode == 1 and f"no checksum listed for {ARCHIVE}" in result.stderr


def test_platform_names_follow_quarto_releases():
    assert installer.platform_name("Linux", "x86_64") == "linux-amd64"
    assert installer.platform_name("Linux", "aarch64") == "linux-arm64"
    assert installer.platform_name("Darwin", "arm64") == "macos"
    with pytest.raises(installer.InstallError, match="no Quarto release archive"):
        installer.platform_name("Windows", "AMD64")


def test_the_project_lock_pins_one_version():
    lock = installer.read_lock(installer.DEFAULT_LOCK)
    assert lock["version"] == VERSION
    assert set(lock["sha256"]) == {"linux-amd64", "linux-arm64", "macos"}
