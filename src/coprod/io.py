"""Atomic, deterministic writers: a failed step never leaves a half-written result."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd


def _atomic(path: str | Path, write) -> None:
    """Write to a temporary file beside ``path``, then rename; an OSError (disk full, read-only
    folder) names the file being written, not only the temporary one or none."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Write Parquet without the pandas index and with stable bytes for equal frames."""
    _atomic(path, lambda tmp: frame.to_parquet(tmp, index=False, compression="zstd"))


def write_json(obj, path: str | Path) -> None:
    """Write sorted, indented JSON (NaN becomes null)."""
    text = json.dumps(_finite(obj), indent=2, sort_keys=True, default=_default, allow_nan=False)
    _atomic(path, lambda tmp: Path(tmp).write_text(text + "\n"))


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    _atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_text(text: str, path: str | Path) -> None:
    _atomic(path, lambda tmp: Path(tmp).write_text(text))


def _finite(obj):
    """JSON has no NaN or infinity: map them to null, recursively."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")
