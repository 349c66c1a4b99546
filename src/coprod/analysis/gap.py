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

from coprod.analysis.models import analysis_frame
from coprod.analysis.power import wide_variant
from coprod.errors import SchemaError

TOTALS_SCHEMA = pa.DataFrameSchema(
    {
        "use_measure": pa.Column(str),
        "population": pa.Column(float, pa.Check.ge(0)),
        "use": pa.Column(float, pa.Check.ge(0)),
        "gap": pa.Column(float, pa.Check.ge(0)),
        "share_of_use": pa.Column(float, pa.Check.in_range(0.0, 1.0)),
        "share_of_gap": pa.Column(float, pa.Check.in_range(0.0, 1.0), nullable=True),
    },
    strict=False,
)


AREA_SCHEMA = pa.DataFrameSchema(
    {
        "capacity_gap": pa.Column(float, pa.Check.ge(0)),
        "power": pa.Column(float),
        "power_quintile": pa.Column(int, pa.Check.in_range(1, 5)),
        "population": pa.Column(float, pa.Check.gt(0)),
    },
    strict=False,
)


def reference_value(power, weight, quantile: float) -> float:
    """Population-weighted quantile of power (0.5: the national median resident's area)."""
    power, weight = np.asarray(power, dtype=float), np.asarray(weight, dtype=float)
    keep = np.isfinite(power) & np.isfinite(weight)
    return float(np.quantile(power[keep], quantile, weights=weight[keep], method="inverted_cdf"))


def capacity_gap(
    frame: pd.DataFrame,
    *,
    uses: Mapping[str, Mapping],
    reference: float,
    power: str = "power",
    population: str = "population",
    keep: Sequence[str] = (),
) -> pd.DataFrame:
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
            raise SchemaError(
                f"capacity gap: use measure {name!r} ({spec['column']}) has negative values"
            )
        parts.append(
            frame[list(keep)].assign(
                use_measure=name,
                population=frame[population].astype(float),
                power=frame[power],
                use=use,
                shortfall=shortfall,
                gap=shortfall * use,
            )
        )
    return pd.concat(parts, ignore_index=True)


def gap_totals(gap: pd.DataFrame, by: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Per grouping column (e.g. LAD, region, IMD decile): totals of population, use and gap by
    use measure, each group's shares of the national use and gap, its use-weighted mean
    shortfall, and ``capacity_gap`` = gap per head of population. Areas lacking use or power are
    left out of the sums and counted in ``n_missing``."""
    out = {}
    gap = gap.assign(
        n_areas=gap["gap"].notna().astype(int), n_missing=gap["gap"].isna().astype(int)
    )
    complete = gap.dropna(subset=["use", "gap"])
    for col in by:
        if col not in gap.columns:
            raise SchemaError(f"capacity gap totals: no column {col!r} to group by")
        counts = gap.groupby(["use_measure", col], as_index=False)[["n_areas", "n_missing"]].sum()
        totals = complete.groupby(["use_measure", col], as_index=False)[
            ["population", "use", "gap"]
        ].sum()
        totals = totals.merge(counts, on=["use_measure", col], how="right", validate="one_to_one")
        national = totals.groupby("use_measure")[["use", "gap"]].transform("sum")
        out[col] = TOTALS_SCHEMA.validate(
            totals.assign(
                share_of_use=totals["use"] / national["use"],
                share_of_gap=(totals["gap"] / national["gap"]).where(national["gap"] > 0),
                shortfall_per_use=(totals["gap"] / totals["use"]).where(totals["use"] > 0),
                capacity_gap=totals["gap"] / totals["population"],
            )
        )
    return out


def long_totals(totals: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """All groupings in one long table (``by``, ``group`` as text)."""
    return pd.concat(
        [
            t.rename(columns={col: "group"}).assign(by=col, group=lambda d: d["group"].astype(str))
            for col, t in totals.items()
        ],
        ignore_index=True,
    )


def area_gap(totals: pd.DataFrame, power: pd.DataFrame, *, key: str, primary: str) -> pd.DataFrame:
    """One row per area (LAD or UTLA): its capacity gap per head for the ``primary`` use measure
    (and each measure as ``capacity_gap_<measure>``) with the area's own power and league."""
    wide = totals.pivot(index=key, columns="use_measure", values="capacity_gap")
    if primary not in wide.columns:
        raise SchemaError(
            f"capacity gap: primary use measure {primary!r} not among {list(wide.columns)}"
        )
    wide = wide.add_prefix("capacity_gap_").reset_index()
    wide.columns.name = None
    prim = totals.loc[totals["use_measure"] == primary, [key, "population", "use", "gap"]]
    out = (
        prim.merge(wide, on=key, validate="one_to_one")
        .assign(capacity_gap=lambda d: d[f"capacity_gap_{primary}"])
        .merge(power, on=key, how="outer", validate="one_to_one", indicator=True)
    )
    unmatched = out.loc[out["_merge"] != "both", key].tolist()
    if unmatched:
        raise SchemaError(
            f"capacity gap: areas {unmatched[:5]} have a gap or a power score but not both"
        )
    return AREA_SCHEMA.validate(out.drop(columns="_merge").sort_values(key, ignore_index=True))


def gap_summary(
    totals: Mapping[str, pd.DataFrame],
    *,
    quintile_col: str,
    reference: float,
    reference_quantile: float,
    primary: str,
) -> dict:
    """Scalar C3 results: per use measure, national totals and the shares of population, use
    and gap that fall in the lowest power quintile."""
    if quintile_col not in totals:
        raise SchemaError(f"capacity gap summary: totals have no grouping by {quintile_col!r}")
    q = totals[quintile_col]
    out = {
        "reference": reference,
        "reference_quantile": reference_quantile,
        "primary_use_measure": primary,
        "measures": {},
    }
    for name, part in q.groupby("use_measure", sort=True):
        low = part.loc[part[quintile_col] == part[quintile_col].min()]
        out["measures"][name] = {
            "total_use": float(part["use"].sum()),
            "total_gap": float(part["gap"].sum()),
            "lowest_quintile_share_of_population": float(
                low["population"].sum() / part["population"].sum()
            ),
            "lowest_quintile_share_of_use": float(low["share_of_use"].sum()),
            "lowest_quintile_share_of_gap": float(low["share_of_gap"].sum()),
        }
    return out


def gap_outputs(
    lsoa: pd.DataFrame,
    scores: Mapping[str, pd.DataFrame],
    *,
    gap_cfg: Mapping,
    geographies: Mapping[str, Mapping],
) -> dict:
    """Every C3 output from the LSOA table and the power scores: per-LSOA gaps, per-area gaps
    (for the cost model), totals by each grouping, the region and IMD views of the primary use
    measure, and the scalar summary."""
    home = geographies["lsoa21"]
    frame = analysis_frame(
        lsoa,
        scores["lsoa21"],
        key=home["key"],
        index_set=gap_cfg["index_set"],
        variant=gap_cfg["variant"],
    )
    reference = reference_value(
        frame["power"], frame[home["weight"]], gap_cfg["reference_quantile"]
    )
    keep = list(dict.fromkeys([home["key"], *gap_cfg["by"]]))
    per_lsoa = capacity_gap(
        frame, uses=gap_cfg["uses"], reference=reference, population=home["weight"], keep=keep
    )
    totals = gap_totals(per_lsoa, gap_cfg["by"])
    primary = gap_cfg["primary_use"]
    out = {
        "gap_lsoa21": per_lsoa,
        "gap_totals": long_totals(totals),
        "summary": gap_summary(
            totals,
            quintile_col="power_quintile",
            reference=reference,
            reference_quantile=gap_cfg["reference_quantile"],
            primary=primary,
        ),
    }
    for geo in gap_cfg["areas"]:
        key = geographies[geo]["key"]
        power = wide_variant(
            scores[geo], key=key, index_set=gap_cfg["index_set"], variant=gap_cfg["variant"]
        )
        out[f"gap_{geo}"] = area_gap(totals[key], power, key=key, primary=primary)
    for name, col in (("gap_by_region", "rgn24nm"), ("gap_by_imd", "imd_decile")):
        out[name] = totals[col].loc[totals[col]["use_measure"] == primary].reset_index(drop=True)
    return out
