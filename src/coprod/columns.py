"""The one column check every stage shares: a frame lacks a column it needs -> a named error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.errors import SchemaError


def require_columns(
    frame: pd.DataFrame, needed: list[str] | dict[str, str], path: str | Path, what: str = "columns"
) -> None:
    """Raise a SchemaError naming the file and every needed column it lacks."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SchemaError(f"{path}: missing {what} {missing}; found {list(frame.columns)}")
