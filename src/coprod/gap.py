"""Capacity gap (claim C3): power shortfall below a reference, weighted by service use.

Per area, shortfall = max(0, reference - power) in index units, and gap = shortfall x use,
where use is a count of service use (or a per-capita rate times population). Summing the gap
over areas says where the missing capacity to participate meets the heaviest service use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pandera.pandas as pa

from coprod.errors import SchemaError

TOTALS_SCHEMA = pa.DataFrameSchema(
    {
        "use_measure": pa.Column(str),
        "by": pa.Column(str),
        "group": pa.Column(str),
        "population": pa.Column(float, pa.Check.ge(0)),
        "use": pa.Column(float, pa.Check.ge(0)),
        "gap": pa.Column(float, pa.Check.ge(0)),
        "share_of_use": pa.Column(float, pa.Check.in_range(0.0, 1.0)),
        "share_of_gap": pa.Column(float, pa.Check.in_range(0.0, 1.0), nullable=True),
    },
    strict=False,
)


def reference_value(power, weight, quantile: float) -> float:
    """Population-weighted quantile of power (0.5: the national median resident's area)."""
    power, weight = np.asarray(power, dtype=float), np.asarray(weight, dtype=float)
    keep = np.isfinite(power) & np.isfinite(weight)
    return float(np.quantile(power[keep], quantile, weights=weight[keep], method="inverted_cdf"))


def capacity_gap(frame: pd.DataFrame, *, uses: Mapping[str, Mapping], reference: float,
                 power: str = "power", population: str = "population",
                 keep: Sequence[str] = ()) -> pd.DataFrame:
    """Long table, one row per area and use measure (``{name: {column, per_capita}}``):
    use, shortfall below ``reference`` and gap = shortfall x use. Areas lacking power or use
    are kept with missing gap so that totals can report them."""
    needed = [power, population, *keep, *(u["column"] for u in uses.values())]
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise SchemaError(f"capacity gap: table lacks columns {missing}")
    shortfall = (reference - frame[power]).clip(lower=0)
    parts = []
    for name, spec in uses.items():
        use = frame[spec["column"]].astype(float)
        if spec.get("per_capita", False):
            use = use * frame[population]
        if (use < 0).any():
            raise SchemaError(f"capacity gap: use measure {name!r} ({spec['column']}) has negative values")
        parts.append(frame[list(keep)].assign(
            use_measure=name, population=frame[population].astype(float), power=frame[power],
            use=use, shortfall=shortfall, gap=shortfall * use))
    return pd.concat(parts, ignore_index=True)


def gap_totals(gap: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Totals of population, use and gap by each grouping column (e.g. LAD, region, IMD decile),
    with each group's shares of the national use and gap and its gap per head."""
    parts = []
    complete = gap.dropna(subset=["use", "gap"])
    for col in by:
        if col not in complete.columns:
            raise SchemaError(f"capacity gap totals: no column {col!r} to group by")
        totals = (complete.groupby(["use_measure", col], as_index=False)[["population", "use", "gap"]]
                  .sum().rename(columns={col: "group"}))
        national = totals.groupby("use_measure")[["use", "gap"]].transform("sum")
        parts.append(totals.assign(
            by=col, group=totals["group"].astype(str),
            share_of_use=totals["use"] / national["use"],
            share_of_gap=(totals["gap"] / national["gap"]).where(national["gap"] > 0),
            shortfall_per_use=(totals["gap"] / totals["use"]).where(totals["use"] > 0),
            gap_per_head=totals["gap"] / totals["population"]))
    out = pd.concat(parts, ignore_index=True)
    return TOTALS_SCHEMA.validate(out[["use_measure", "by", "group", "population", "use", "gap",
                                       "share_of_use", "share_of_gap", "shortfall_per_use",
                                       "gap_per_head"]])


def gap_summary(totals: pd.DataFrame, *, quintile_col: str, reference: float,
                reference_quantile: float) -> dict:
    """Scalar C3 results: per use measure, national totals and the shares of population, use
    and gap that fall in the lowest power quintile."""
    q = totals.loc[totals["by"] == quintile_col]
    if q.empty:
        raise SchemaError(f"capacity gap summary: totals have no grouping by {quintile_col!r}")
    out = {"reference": reference, "reference_quantile": reference_quantile, "measures": {}}
    for name, part in q.groupby("use_measure", sort=True):
        low = part.loc[part["group"] == "1"]
        out["measures"][name] = {
            "total_use": float(part["use"].sum()), "total_gap": float(part["gap"].sum()),
            "lowest_quintile_share_of_population": float(low["population"].sum() / part["population"].sum()),
            "lowest_quintile_share_of_use": float(low["share_of_use"].sum()),
            "lowest_quintile_share_of_gap": float(low["share_of_gap"].sum()),
        }
    return out
