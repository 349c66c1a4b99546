"""Compare the report's headline figures between two runs (the shipped snapshot and the
official downloads): what changed and by how much."""

from __future__ import annotations

import re

import pandas as pd

_NUMBER = re.compile(r"^[^\d\-−]*([\-−]?[\d,]*\.?\d+)\s*([%a-zA-Z]*)")


def _number(text) -> float | None:
    """The number a formatted report value shows ('£1,811', '27.2%', '-0.041', '3,200 people')."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    match = _NUMBER.match(str(text).strip())
    return float(match[1].replace(",", "").replace("−", "-")) if match else None


def compare_values(snapshot: dict, official: dict) -> pd.DataFrame:
    """One row per report value present in either run: both values, whether they differ,
    and for numbers the absolute and relative change (official minus snapshot)."""
    rows = []
    for key in sorted(set(snapshot) | set(official)):
        a, b = snapshot.get(key), official.get(key)
        x, y = _number(a), _number(b)
        diff = y - x if x is not None and y is not None else None
        rows.append(
            {
                "value": key,
                "snapshot": a,
                "official": b,
                "changed": a != b,
                "change": diff,
                "relative_change": diff / abs(x) if diff is not None and x else None,
            }
        )
    return pd.DataFrame(
        rows, columns=["value", "snapshot", "official", "changed", "change", "relative_change"]
    )
