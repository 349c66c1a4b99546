"""Concentration indices of an outcome over areas ranked by power (claim C2), with a
district-cluster bootstrap, bounded-outcome corrections and a common-scale comparison.

Convention: areas are ranked by power ascending (least power first), each weighted by its
population (weighted fractional rank, Kakwani, Wagstaff & van Doorslaer 1997), so a negative
index means the outcome is concentrated in low-power areas. The relative index is
``C = 2 cov_w(y, R) / mean(y)``, the slope of the convenient regression.

Inference: neighbourhoods in one district share services and shocks, so the sampling unit is
the district. Each bootstrap replicate draws districts with replacement (Cameron, Gelbach &
Miller 2008), gives every neighbourhood the weight population x times its district was drawn,
and re-ranks within the replicate (the fractional rank depends on who is in the sample); the
standard error is the replicates' SD and the interval their percentiles. Replicates are
computed as a matrix (replicates x areas) in chunks, not in a Python loop over replicates.
The previous Newey-West SE of the convenient regression (which treats areas as independent
given rank) is kept beside it for comparison.

Bounded outcomes (shares in 0-1, percentages): the relative index depends on the mean and is
not comparable across outcomes with different bounds, so the Erreygers (2009) corrected index
``E = 8 cov_w(y, R) / (b - a)`` is the headline for them and the Wagstaff (2005) normalisation
``W = 2 cov_w(y, R) (b - a) / ((b - mean)(mean - a))`` a sensitivity. For a common scale across
all outcomes we give the relative index of inequality (RII: fitted value at the least powerful
end over the most powerful end of the weighted least-squares line on the fractional rank,
Mackenbach & Kunst 1997) and the ratio of the lowest to the highest power quintile's mean.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
import statsmodels.api as sm
from scipy import stats

from coprod.analysis.models import home_frames
from coprod.analysis.outcomes import classification_table
from coprod.errors import SchemaError

MEASURES = (
    "concentration_index",
    "generalised_index",
    "erreygers_index",
    "wagstaff_index",
    "rii",
    "q1_q5_ratio",
)


@dataclass(frozen=True)
class BootstrapSettings:
    """District-cluster bootstrap: replicates (>= 1,999 for percentile intervals), seed, and how
    many replicates are held in memory at once."""

    n_replicates: int
    seed: int
    chunk: int = 250

    def __post_init__(self):
        if self.n_replicates < 1 or self.chunk < 1:
            raise SchemaError("concentration bootstrap: n_replicates and chunk must be positive")


CONCENTRATION_SCHEMA = pa.DataFrameSchema(
    {
        "outcome": pa.Column(str),
        "n": pa.Column(int, pa.Check.gt(2)),
        "n_clusters": pa.Column(int, pa.Check.gt(1)),
        "mean": pa.Column(float),
        "concentration_index": pa.Column(float, pa.Check.in_range(-1.0, 1.0), nullable=True),
        "se": pa.Column(float, pa.Check.ge(0), nullable=True),
        "se_hac": pa.Column(float, pa.Check.ge(0), nullable=True),
        "ci_low": pa.Column(float, nullable=True),
        "ci_high": pa.Column(float, nullable=True),
        "erreygers_index": pa.Column(float, pa.Check.in_range(-1.0, 1.0), nullable=True),
        "wagstaff_index": pa.Column(float, pa.Check.in_range(-1.0, 1.0), nullable=True),
        "rii": pa.Column(float, nullable=True),
        "q1_q5_ratio": pa.Column(float, nullable=True),
        "generalised_index": pa.Column(float),
        "n_replicates": pa.Column(int, pa.Check.ge(1)),
        "note": pa.Column(str),
    },
    strict=False,
)


def _arrays(y, rank_by, weight, cluster=None):
    y, r, w = (np.asarray(a, dtype=float) for a in (y, rank_by, weight))
    cl = np.arange(len(y)) if cluster is None else np.asarray(cluster)
    if not (y.shape == r.shape == w.shape == cl.shape):
        raise SchemaError(
            "concentration index: outcome, rank variable, weights and clusters differ in length"
        )
    keep = np.isfinite(y) & np.isfinite(r) & np.isfinite(w) & pd.notna(cl)
    if np.any(w[keep] <= 0):
        raise SchemaError("concentration index: weights must be positive")
    return y[keep], r[keep], w[keep], cl[keep]


def fractional_rank(rank_by, weight) -> np.ndarray:
    """Weighted fractional rank in (0, 1): the midpoint of each area's (or tied block's) share
    of the cumulative population, ranking ``rank_by`` ascending."""
    frame = pd.DataFrame(
        {"r": np.asarray(rank_by, dtype=float), "w": np.asarray(weight, dtype=float)}
    )
    blocks = frame.groupby("r", sort=True)["w"].sum()
    mid = (blocks.cumsum() - blocks / 2) / blocks.sum()
    return frame["r"].map(mid).to_numpy(dtype=float)


def measures(
    y: np.ndarray,
    weights: np.ndarray,
    bounds: tuple[float, float] | None,
    rank_by: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Every inequality measure for each row of ``weights`` (replicates x areas, areas sorted
    by ``rank_by`` ascending, a zero weight = area not drawn): fractional ranks are recomputed
    per row. Areas tied on ``rank_by``, and the k copies of an area drawn k times, form one
    block sharing its midpoint rank, as in :func:`fractional_rank` (``rank_by`` None: no ties
    between areas). A replicate that draws a single area has no rank variance and gives
    missing values."""
    if rank_by is None:
        starts = np.arange(weights.shape[1])
    else:
        starts = np.flatnonzero(np.r_[True, np.diff(rank_by) != 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        return _measures(y, weights, bounds, starts)


def _measures(
    y: np.ndarray, weights: np.ndarray, bounds: tuple[float, float] | None, starts: np.ndarray
) -> dict[str, np.ndarray]:
    total = weights.sum(axis=1, keepdims=True)
    block = np.add.reduceat(weights, starts, axis=1)  # each tied block's population
    mid = (np.cumsum(block, axis=1) - block / 2) / total
    rank = np.repeat(mid, np.diff(np.r_[starts, weights.shape[1]]), axis=1)
    share = weights / total
    mean = share @ y
    centred = rank - 0.5  # the weighted mean of midpoint ranks is exactly 1/2
    cov = np.einsum("bn,bn,n->b", share, centred, y)
    var_rank = np.einsum("bn,bn->b", share, centred**2)
    slope = cov / var_rank
    low_end, high_end = mean - slope / 2, mean + slope / 2
    q1, q5 = rank < 0.2, rank >= 0.8
    out = {
        "generalised_index": 2 * cov,
        "mean": mean,
        "q1_q5_ratio": ((share * q1) @ y / (share * q1).sum(1))
        / ((share * q5) @ y / (share * q5).sum(1)),
    }
    positive = np.all(y >= 0)
    out["concentration_index"] = 2 * cov / mean if positive else np.full_like(mean, np.nan)
    out["rii"] = low_end / high_end if positive else np.full_like(mean, np.nan)
    if not positive:
        out["q1_q5_ratio"] = np.full_like(mean, np.nan)
    if bounds is None:
        out["erreygers_index"] = out["wagstaff_index"] = np.full_like(mean, np.nan)
    else:
        a, b = bounds
        out["erreygers_index"] = 8 * cov / (b - a)
        out["wagstaff_index"] = 2 * cov * (b - a) / ((b - mean) * (mean - a))
    return out


def replicate_counts(clusters: np.ndarray, settings: BootstrapSettings) -> Iterator[np.ndarray]:
    """Chunks of (replicates x areas) draw counts: each replicate draws the clusters with
    replacement (as many as there are), and every area carries its cluster's count."""
    codes, index = np.unique(clusters, return_inverse=True)
    rng = np.random.default_rng(settings.seed)
    n = len(codes)
    for start in range(0, settings.n_replicates, settings.chunk):
        size = min(settings.chunk, settings.n_replicates - start)
        yield rng.multinomial(n, np.full(n, 1 / n), size=size)[:, index]


def concentration_hac_se(y, rank_by, weight) -> float:
    """The previous SE: Newey-West (rule-of-thumb lag) on the convenient regression, areas
    independent given rank; kept only to show what clustering changes."""
    rank = fractional_rank(rank_by, weight)
    mean = np.average(y, weights=weight)
    var_rank = np.average((rank - np.average(rank, weights=weight)) ** 2, weights=weight)
    order = np.argsort(rank, kind="stable")
    lags = int(np.floor(4 * (len(y) / 100) ** (2 / 9)))
    fit = sm.WLS(
        2 * var_rank * y[order] / mean, sm.add_constant(rank[order]), weights=weight[order]
    ).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    return float(fit.bse[1])


def concentration_index(
    y,
    rank_by,
    weight,
    cluster=None,
    *,
    bootstrap: BootstrapSettings,
    bounds: tuple[float, float] | None = None,
    ci_level: float = 0.95,
) -> dict:
    """Point estimates of every measure, with cluster-bootstrap SEs and percentile intervals.
    ``cluster`` None resamples areas themselves (e.g. councils)."""
    y, r, w, cl = _arrays(y, rank_by, weight, cluster)
    if len(y) < 3:
        raise SchemaError(f"concentration index needs at least 3 areas with data, got {len(y)}")
    if bounds is not None and (np.any(y < bounds[0]) or np.any(y > bounds[1])):
        raise SchemaError(f"concentration index: outcome outside its stated bounds {bounds}")
    order = np.lexsort((np.arange(len(r)), r))
    y, r, w, cl = y[order], r[order], w[order], cl[order]
    point = {k: float(v[0]) for k, v in measures(y, w[None, :], bounds, r).items()}
    draws: dict[str, list] = {k: [] for k in point}
    for counts in replicate_counts(cl, bootstrap):
        for k, v in measures(y, w[None, :] * counts, bounds, r).items():
            draws[k].append(v)
    alpha = 1 - ci_level
    out = {
        "n": len(y),
        "n_clusters": len(np.unique(cl)),
        "n_replicates": bootstrap.n_replicates,
        "seed": bootstrap.seed,
        "mean": point["mean"],
        "note": "",
    }
    for k in MEASURES:
        rep = np.concatenate(draws[k])
        prefix = "" if k == "concentration_index" else f"{k}_"
        ok = np.isfinite(point[k])
        lo, hi = np.nanquantile(rep, [alpha / 2, 1 - alpha / 2]) if ok else (np.nan, np.nan)
        out |= {
            k: point[k],
            f"{prefix}se": float(np.nanstd(rep, ddof=1)) if ok else np.nan,
            f"{prefix}ci_low": float(lo),
            f"{prefix}ci_high": float(hi),
        }
    if np.isfinite(point["concentration_index"]):
        z = point["concentration_index"] / out["se"]
        out["p_value"] = float(2 * stats.norm.sf(abs(z)))
        out["se_hac"] = concentration_hac_se(y, r, w)
    else:
        out |= {
            "p_value": np.nan,
            "se_hac": np.nan,
            "note": "outcome takes negative values: relative measures undefined; "
            "see the generalised index",
        }
    return out


def concentration_curve(y, rank_by, weight, *, n_points: int | None = None) -> pd.DataFrame:
    """Cumulative population share against cumulative outcome share, least power first,
    starting at (0, 0); on an even grid of ``n_points`` shares when given (for figures)."""
    y, r, w, _ = _arrays(y, rank_by, weight)
    order = np.lexsort((np.arange(len(r)), r))
    pop = np.concatenate([[0.0], np.cumsum(w[order]) / w.sum()])
    out = np.concatenate([[0.0], np.cumsum((w * y)[order]) / np.sum(w * y)])
    if n_points is not None:
        grid = np.linspace(0, 1, n_points)
        pop, out = grid, np.interp(grid, pop, out)
    return pd.DataFrame({"cum_pop_share": pop, "cum_outcome_share": out})


def concentration_table(
    frame: pd.DataFrame,
    outcomes: Mapping[str, Mapping],
    *,
    rank_col: str,
    cluster: str | None,
    bootstrap: BootstrapSettings,
    ci_level: float,
    curve_points: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Measures and curve for each outcome (``{name: {column, weight, bounds}}``) in one area
    table, resampling ``cluster`` (None: the areas themselves)."""
    rows, curves = [], []
    for name, spec in outcomes.items():
        cols = [spec["column"], spec["weight"], rank_col, *([cluster] if cluster else [])]
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise SchemaError(f"concentration index for {name!r}: table lacks columns {missing}")
        args = (frame[spec["column"]], frame[rank_col], frame[spec["weight"]])
        bounds = tuple(spec["bounds"]) if spec.get("bounds") is not None else None
        rows.append(
            {
                "outcome": name,
                "column": spec["column"],
                "weight": spec["weight"],
                "cluster": cluster or "none (areas resampled)",
                **concentration_index(
                    *args,
                    frame[cluster] if cluster else None,
                    bootstrap=bootstrap,
                    bounds=bounds,
                    ci_level=ci_level,
                ),
            }
        )
        curves.append(concentration_curve(*args, n_points=curve_points).assign(outcome=name))
    table = CONCENTRATION_SCHEMA.validate(pd.DataFrame(rows))
    return table, pd.concat(curves, ignore_index=True)


def concentration_outputs(
    tables: Mapping[str, pd.DataFrame], scores: Mapping[str, pd.DataFrame], models_cfg: Mapping
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every measure and curve of every outcome at its home geography, ranked by that
    geography's main power variant and resampling its cluster (districts for neighbourhoods;
    councils themselves at council level), with each outcome's class and expected sign and
    whether its index points that way (``expected_direction``) with an interval on that side
    (``expected_excludes_zero``). Where the relative index is undefined the generalised index
    gives the direction."""
    cfg = models_cfg["concentration"]
    bootstrap = BootstrapSettings(cfg["bootstrap_replicates"], cfg["seed"], cfg["chunk"])
    tables_out, curves_out = [], []
    for geo, frame, outcomes in home_frames(tables, scores, models_cfg):
        table, curves = concentration_table(
            frame,
            outcomes,
            rank_col="power",
            cluster=models_cfg["geographies"][geo]["cluster"],
            bootstrap=bootstrap,
            ci_level=models_cfg["ci_level"],
            curve_points=cfg["curve_points"],
        )
        tables_out.append(table.assign(geography=geo))
        curves_out.append(curves.assign(geography=geo))
    table = pd.concat(tables_out, ignore_index=True).merge(
        classification_table(models_cfg["outcomes"]).drop(columns=["column"]),
        on="outcome",
        how="left",
        validate="one_to_one",
    )
    relative = table["concentration_index"].notna()
    index = table["concentration_index"].where(relative, table["generalised_index"])
    low = table["ci_low"].where(relative, table["generalised_index_ci_low"])
    high = table["ci_high"].where(relative, table["generalised_index_ci_high"])
    sign = table["expected_sign"]
    table["expected_direction"] = np.sign(index) == sign
    table["expected_excludes_zero"] = ((sign < 0) & (high < 0)) | ((sign > 0) & (low > 0))
    return table, pd.concat(curves_out, ignore_index=True)
