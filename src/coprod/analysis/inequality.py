"""Concentration index and curve of an outcome over areas ranked by power (claim C2).

Convention: areas are ranked by power ascending (least power first), each weighted by its
population, so a negative index means the outcome is concentrated in low-power areas.
The index is estimated by the convenient regression of Kakwani, Wagstaff & van Doorslaer
(1997), 2 var(R) y / mean(y) = a + b R, fitted by population-weighted least squares on the
rank-ordered areas; b is the index. Its standard error is Newey-West (HAC), because residuals
of neighbouring ranks are correlated; like the convenient regression itself it treats the
mean as known (Kakwani et al. give the delta-method correction, negligible at these n).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa
import statsmodels.api as sm

from coprod.analysis.models import home_frames
from coprod.errors import SchemaError

CONCENTRATION_SCHEMA = pa.DataFrameSchema(
    {
        "outcome": pa.Column(str),
        "n": pa.Column(int, pa.Check.gt(2)),
        "mean": pa.Column(float),
        "concentration_index": pa.Column(float, pa.Check.in_range(-1.0, 1.0), nullable=True),
        "se": pa.Column(float, pa.Check.ge(0), nullable=True),
        "ci_low": pa.Column(float, nullable=True),
        "ci_high": pa.Column(float, nullable=True),
        "p_value": pa.Column(float, pa.Check.in_range(0.0, 1.0), nullable=True),
        "generalised_index": pa.Column(float),
        "generalised_se": pa.Column(float, pa.Check.ge(0)),
        "hac_maxlags": pa.Column(int, pa.Check.ge(0)),
        "note": pa.Column(str),
    },
    strict=False,
)


def _arrays(y, rank_by, weight) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, r, w = (np.asarray(a, dtype=float) for a in (y, rank_by, weight))
    if not (y.shape == r.shape == w.shape):
        raise SchemaError("concentration index: outcome, rank variable and weights differ in length")
    keep = np.isfinite(y) & np.isfinite(r) & np.isfinite(w)
    if np.any(w[keep] <= 0):
        raise SchemaError("concentration index: weights must be positive")
    return y[keep], r[keep], w[keep]


def fractional_rank(rank_by, weight) -> np.ndarray:
    """Weighted fractional rank in (0, 1): the midpoint of each area's (or tied block's) share
    of the cumulative population, ranking ``rank_by`` ascending."""
    frame = pd.DataFrame({"r": np.asarray(rank_by, dtype=float), "w": np.asarray(weight, dtype=float)})
    blocks = frame.groupby("r", sort=True)["w"].sum()
    mid = (blocks.cumsum() - blocks / 2) / blocks.sum()
    return frame["r"].map(mid).to_numpy(dtype=float)


def newey_west_lags(n: int) -> int:
    """Newey-West rule-of-thumb truncation lag, floor(4 (n/100)^(2/9))."""
    return int(np.floor(4 * (n / 100) ** (2 / 9)))


def concentration_index(y, rank_by, weight, *, ci_level: float = 0.95,
                        hac_maxlags: int | None = None) -> dict:
    """Relative (and generalised) concentration index of ``y`` over ``rank_by`` with HAC SEs.

    The relative index needs a ratio-scale outcome; where ``y`` takes negative values it is
    reported as missing and only the generalised index (mean x index = 2 cov(y, R)) is given.
    """
    y, r, w = _arrays(y, rank_by, weight)
    n = len(y)
    if n < 3:
        raise SchemaError(f"concentration index needs at least 3 areas with data, got {n}")
    rank = fractional_rank(r, w)
    mean = float(np.average(y, weights=w))
    var_rank = np.average((rank - np.average(rank, weights=w)) ** 2, weights=w)
    order = np.argsort(rank, kind="stable")
    lags = newey_west_lags(n) if hac_maxlags is None else int(hac_maxlags)
    fit = sm.WLS(2 * var_rank * y[order], sm.add_constant(rank[order]), weights=w[order]).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags})
    gci, gse = float(fit.params[1]), float(fit.bse[1])
    low, high = fit.conf_int(alpha=1 - ci_level)[1]
    out = {"n": n, "mean": mean, "generalised_index": gci, "generalised_se": gse,
           "hac_maxlags": lags, "concentration_index": np.nan, "se": np.nan, "ci_low": np.nan,
           "ci_high": np.nan, "p_value": np.nan, "note": ""}
    if np.any(y < 0) or mean <= 0:
        out["note"] = "outcome takes negative values: relative index undefined; use the generalised index"
        return out
    out.update(concentration_index=gci / mean, se=gse / mean, ci_low=float(low) / mean,
               ci_high=float(high) / mean, p_value=float(fit.pvalues[1]))
    return out


def concentration_curve(y, rank_by, weight, *, n_points: int | None = None) -> pd.DataFrame:
    """Cumulative population share against cumulative outcome share, least power first,
    starting at (0, 0); on an even grid of ``n_points`` shares when given (for figures)."""
    y, r, w = _arrays(y, rank_by, weight)
    order = np.lexsort((np.arange(len(r)), r))
    pop = np.concatenate([[0.0], np.cumsum(w[order]) / w.sum()])
    out = np.concatenate([[0.0], np.cumsum((w * y)[order]) / np.sum(w * y)])
    if n_points is not None:
        grid = np.linspace(0, 1, n_points)
        pop, out = grid, np.interp(grid, pop, out)
    return pd.DataFrame({"cum_pop_share": pop, "cum_outcome_share": out})


def concentration_table(frame: pd.DataFrame, outcomes: Mapping[str, Mapping], *, rank_col: str,
                        ci_level: float, hac_maxlags: int | None,
                        curve_points: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Index and curve for each outcome (``{name: {column, weight}}``) in one area table."""
    rows, curves = [], []
    for name, spec in outcomes.items():
        cols = [spec["column"], spec["weight"], rank_col]
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise SchemaError(f"concentration index for {name!r}: table lacks columns {missing}")
        args = (frame[spec["column"]], frame[rank_col], frame[spec["weight"]])
        rows.append({"outcome": name, "column": spec["column"], "weight": spec["weight"],
                     **concentration_index(*args, ci_level=ci_level, hac_maxlags=hac_maxlags)})
        curves.append(concentration_curve(*args, n_points=curve_points).assign(outcome=name))
    table = CONCENTRATION_SCHEMA.validate(pd.DataFrame(rows))
    return table, pd.concat(curves, ignore_index=True)


def concentration_outputs(tables: Mapping[str, pd.DataFrame], scores: Mapping[str, pd.DataFrame],
                          models_cfg: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concentration index and curve of every outcome at its home geography, ranked by that
    geography's main power variant."""
    cfg = models_cfg["concentration"]
    tables_out, curves_out = [], []
    for geo, frame, outcomes in home_frames(tables, scores, models_cfg):
        table, curves = concentration_table(frame, outcomes, rank_col="power",
                                            ci_level=models_cfg["ci_level"],
                                            hac_maxlags=cfg["hac_maxlags"],
                                            curve_points=cfg["curve_points"])
        tables_out.append(table.assign(geography=geo))
        curves_out.append(curves.assign(geography=geo))
    return pd.concat(tables_out, ignore_index=True), pd.concat(curves_out, ignore_index=True)
