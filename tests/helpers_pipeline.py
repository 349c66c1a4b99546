"""Run the pipeline on a throw-away copy of the repository, never on the real results or mirror.

A copy holds the working tree's files (tracked, plus untracked files git does not ignore) and,
on request, the checkout's pipeline state (``data/raw``, ``results`` and
Snakemake's metadata, modification times kept), so an up-to-date checkout gives a copy with
nothing to rerun. Snakemake runs in the copy with ``PYTHONPATH`` at the copy's ``src/``, so
the copy's own code runs, not the editable install of the checkout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ("data/raw", "results", ".snakemake/metadata")
NOT_STATE = ("results/bench",)  # benchmark output, not a pipeline result
# The environment of a run from the shipped snapshot (the README's `make run`): no mirror.
SNAPSHOT_SOURCE = {"COPROD_DATA_MIRROR": ""}


def mirror_dir() -> Path | None:
    """The offline mirror: COPROD_DATA_MIRROR (relative to the checkout) or ../shared/data/raw."""
    configured = os.environ.get("COPROD_DATA_MIRROR")
    path = (ROOT / configured) if configured else ROOT.parent / "shared/data/raw"
    return path.resolve() if path.is_dir() else None


def snakemake_command() -> list[str]:
    """Snakemake of the interpreter running the tests (the project's venv)."""
    return [sys.executable, "-m", "snakemake"]


def worktree_files(root: Path = ROOT) -> list[str]:
    """Paths of the working tree that a clean checkout plus local edits would hold."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    return sorted(p for p in out.decode().split("\0") if p and (root / p).is_file())


def copy_repo(dest: Path, *, state_from: Path | None = None, root: Path = ROOT) -> Path:
    """Copy the working tree into ``dest`` and, if ``state_from`` is given, its pipeline state.

    The copy is a git clone of the checkout with the working tree's edits on top, so what
    the report records of the code (commit, uncommitted changes) is the checkout's.
    """
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", str(root), str(dest)], check=True)
    deleted = (
        subprocess.run(
            ["git", "ls-files", "-z", "--deleted"], cwd=root, check=True, capture_output=True
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, deleted):
        (dest / rel).unlink(missing_ok=True)
    for rel in worktree_files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
    if state_from is not None:
        skip = {state_from / rel for rel in NOT_STATE}
        for rel in STATE:
            if (state_from / rel).is_dir():
                shutil.copytree(
                    state_from / rel,
                    dest / rel,
                    symlinks=True,
                    dirs_exist_ok=True,
                    ignore=lambda d, names: [n for n in names if Path(d, n) in skip],
                )
    return dest


def clone(copy: Path, dest: Path) -> Path:
    """A full independent copy of a prepared copy (files, state and Snakemake metadata)."""
    shutil.copytree(copy, dest, symlinks=True)
    return dest


def environment(copy: Path, mirror: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(copy / "src")}
    env.pop("COPROD_DATA_MIRROR", None)
    if mirror is not None:
        env["COPROD_DATA_MIRROR"] = str(mirror)
    return env


def snakemake(
    copy: Path,
    *args: str,
    mirror: Path | None = None,
    cores: int = 2,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run Snakemake in ``copy`` and capture its output (mirror: defaults to mirror_dir())."""
    env = {**environment(copy, mirror or mirror_dir()), **(extra_env or {})}
    return subprocess.run(
        [*snakemake_command(), "--cores", str(cores), *args],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )


def kill_when(
    copy: Path,
    args: Iterable[str],
    ready: Callable[[], bool],
    *,
    mirror: Path | None = None,
    cores: int = 2,
    extra_env: dict[str, str] | None = None,
) -> list[str]:
    """Start Snakemake, SIGKILL its whole process group as soon as ``ready()`` (polled every
    0.05 s) is true, and return what it printed: a crash of the machine, not a polite stop."""
    proc = subprocess.Popen(
        [*snakemake_command(), "--cores", str(cores), *args],
        cwd=copy,
        env={**environment(copy, mirror or mirror_dir()), **(extra_env or {})},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    while proc.poll() is None:
        if ready():
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait()
    reader.join()
    proc.stdout.close()
    return lines


def rule_names(copy: Path) -> set[str]:
    """Rules the copy's workflow defines (so tests can wait for stages not yet wired)."""
    done = snakemake(copy, "--list-rules")
    done.check_returncode()
    return {line.strip() for line in done.stdout.splitlines() if line.strip()}


def snapshot(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under ``directory``, keyed by relative path."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
