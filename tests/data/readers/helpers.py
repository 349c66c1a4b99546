"""Helpers the reader tests share: copies of small fixtures edited into malformed variants."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def raw(path: Path) -> pd.DataFrame:
    """A fixture as plain strings (blanks stay ''), to edit into malformed variants."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write(frame: pd.DataFrame, path: Path) -> Path:
    """Write an edited fixture frame as CSV and return its path."""
    frame.to_csv(path, index=False)
    return path


def variant(tmp_path: Path, source: Path, old: str, new: str, count: int = 1) -> Path:
    """Copy of a fixture with ``old`` replaced by ``new`` (the first ``count`` times; -1: all)."""
    text = source.read_text()
    assert old in text
    target = tmp_path / source.name
    target.write_text(text.replace(old, new, count))
    return target
