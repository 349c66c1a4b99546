"""Shared checks for readers: whole files, required columns, official names mapped to tidy ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.errors import SchemaError


def check_complete(path: str | Path) -> None:
    """Reject empty or truncated text files (a cut download ends mid-line, without a newline)."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise SchemaError(f"{path}: file is empty")
    with path.open("rb") as fh:
        fh.seek(-1, 2)
        if fh.read(1) not in (b"\n", b"\r"):
            raise SchemaError(f"{path}: file does not end with a newline; it looks truncated")


def is_excel(path: str | Path) -> bool:
    """True for xlsx workbooks (zip magic), whatever the file's extension."""
    with Path(path).open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def require_columns(frame: pd.DataFrame, needed: list[str] | dict[str, str], path: str | Path,
                    what: str = "columns") -> None:
    """Raise a SchemaError naming the file and every needed column it lacks."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SchemaError(f"{path}: missing {what} {missing}; found {list(frame.columns)}")


def read_csv_mapped(path: str | Path, mapping: dict[str, str], *, dtype=None,
                    thousands: str | None = None, na_values=None) -> pd.DataFrame:
    """Read a CSV, check it has every official column in ``mapping``, keep and rename them."""
    check_complete(path)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{path}: not a readable CSV ({exc})") from exc
    require_columns(header, mapping, path)
    try:
        frame = pd.read_csv(path, usecols=list(mapping), dtype=dtype, thousands=thousands,
                            na_values=na_values, encoding="utf-8-sig")
    except (pd.errors.ParserError, ValueError) as exc:
        raise SchemaError(f"{path}: malformed CSV ({exc})") from exc
    return frame.rename(columns=mapping)[list(mapping.values())]
