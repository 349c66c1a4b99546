"""Service use against power (claim C2): gradient tables and model fits as tidy records.

Every fit standardises power within its analysis sample, so the power coefficient is "per
standard deviation of the index" whatever the variant; identity-link estimates are in the
outcome's units (``estimate_std`` divides by the outcome's SD), log-link estimates are log rate
ratios. A fit never raises: failures and non-convergence are returned as records.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pandera.pandas as pa
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.outliers_influence import variance_inflation_factor

from coprod.analysis.power import quantile_group, wide_variant
from coprod.errors import ConfigError, SchemaError

FAMILIES = (
    "mixedlm",
    "mixedlm_slope",
    "ols",
    "ols_spline",
    "ols_log",
    "wls",
    "wls_log",
    "poisson",
    "negbin",
)
COUNT_FAMILIES = ("poisson", "negbin")
# Linear models of log(outcome): the log link for skewed positive ratios and rates.
LOG_FAMILIES = ("ols_log", "wls_log")
MIXED_FAMILIES = ("mixedlm", "mixedlm_slope")
EFFECT_SCALE = {
    "mixedlm": "outcome units per SD of power",
    "mixedlm_slope": "outcome units per SD of power (mean of the district slopes)",
    "ols_log": "log ratio per SD of power",
    "wls_log": "log ratio per SD of power",
    "ols": "outcome units per SD of power",
    "wls": "outcome units per SD of power",
    "ols_spline": "outcome units per SD of power, mean slope between its 10th and 90th percentiles",
    "poisson": "log rate ratio per SD of power",
    "negbin": "log rate ratio per SD of power",
}
RECORD_FIELDS = (
    "family",
    "formula",
    "n",
    "n_dropped",
    "dropped_reason",
    "n_clusters",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "estimate_std",
    "ci_low_std",
    "ci_high_std",
    "effect_scale",
    "converged",
    "llf",
    "aic",
    "bic",
    "vif_power",
    "vif_max",
    "re_intercept_sd",
    "re_slope_sd",
    "warnings",
    "error",
)

GRADIENT_SCHEMA = pa.DataFrameSchema(
    {
        "outcome": pa.Column(str),
        "by": pa.Column(str),
        "group": pa.Column(int, pa.Check.ge(1)),
        "n": pa.Column(int, pa.Check.gt(0)),
        "mean": pa.Column(float),
        "se": pa.Column(float, pa.Check.ge(0), nullable=True),
        "ci_low": pa.Column(float, nullable=True),
        "ci_high": pa.Column(float, nullable=True),
    },
    strict=False,
)


def gradient_table(
    frame: pd.DataFrame, *, outcome: str, column: str, by: str, weight: str, ci_level: float
) -> pd.DataFrame:
    """Population-weighted mean of ``column`` per group of ``by`` with heteroskedasticity-robust
    (HC1) intervals, from the cell-means WLS regression."""
    needed = [column, by, weight]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SchemaError(f"gradient for {outcome!r}: table lacks columns {missing}")
    data = (
        frame[needed].dropna().astype("float64").rename(columns={column: "y", by: "g", weight: "w"})
    )
    data["g"] = data["g"].astype(int)
    fit = smf.wls("y ~ 0 + C(g)", data, weights=data["w"]).fit(cov_type="HC1")
    groups = sorted(data["g"].unique())
    ci = fit.conf_int(alpha=1 - ci_level).to_numpy()
    return pd.DataFrame(
        {
            "outcome": outcome,
            "column": column,
            "by": by,
            "group": groups,
            "n": data.groupby("g").size().loc[groups].to_numpy(),
            "mean": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
        }
    )


def gradients(
    frame: pd.DataFrame, outcomes: dict[str, dict], by: Sequence[str], *, ci_level: float
) -> pd.DataFrame:
    """Gradient tables for several outcomes (``{name: {column, weight}}``) and groupings."""
    parts = [
        gradient_table(
            frame,
            outcome=name,
            column=spec["column"],
            by=col,
            weight=spec["weight"],
            ci_level=ci_level,
        )
        for name, spec in outcomes.items()
        for col in by
    ]
    return GRADIENT_SCHEMA.validate(pd.concat(parts, ignore_index=True))


def extreme_ratio(gradient: pd.DataFrame, *, ci_level: float) -> pd.DataFrame:
    """Ratio of the lowest to the highest group mean per outcome and grouping (e.g. least- over
    most-powerful quintile), with a delta-method interval on the log scale (independent groups).
    Undefined (missing) where either mean is not positive."""
    z = _z(ci_level)
    rows = []
    for (outcome, by), part in gradient.groupby(["outcome", "by"], sort=True):
        lo, hi = part.loc[part["group"].idxmin()], part.loc[part["group"].idxmax()]
        ratio = se_log = np.nan
        if lo["mean"] > 0 and hi["mean"] > 0:
            ratio = lo["mean"] / hi["mean"]
            se_log = np.hypot(lo["se"] / lo["mean"], hi["se"] / hi["mean"])
        rows.append(
            {
                "outcome": outcome,
                "by": by,
                "group_low": int(lo["group"]),
                "group_high": int(hi["group"]),
                "mean_low": lo["mean"],
                "mean_high": hi["mean"],
                "ratio": ratio,
                "ci_low": ratio * np.exp(-z * se_log),
                "ci_high": ratio * np.exp(z * se_log),
            }
        )
    return pd.DataFrame(rows)


def _z(ci_level: float) -> float:
    return float(stats.norm.ppf(0.5 + ci_level / 2))


def _term(data: pd.DataFrame, column: str) -> str:
    return column if pd.api.types.is_numeric_dtype(data[column]) else f"C({column})"


def _prepare(
    data: pd.DataFrame, needed: list[str], positive: list[str]
) -> tuple[pd.DataFrame, str]:
    """Complete rows for the needed columns; a readable account of what was dropped and why."""
    reasons, keep = [], pd.Series(True, index=data.index)
    for col in needed:
        bad = data[col].isna() & keep
        if bad.any():
            reasons.append(f"{int(bad.sum())} missing {col}")
        keep &= ~data[col].isna()
    for col in positive:
        ok = (data[col] > 0).fillna(False).astype(bool)
        bad = keep & ~ok
        if bad.any():
            reasons.append(f"{int(bad.sum())} non-positive {col}")
        keep &= ok
    frame = data.loc[keep, needed].copy()
    numeric = [c for c in needed if pd.api.types.is_numeric_dtype(frame[c])]
    frame[numeric] = frame[numeric].astype("float64")
    return frame, "; ".join(reasons)


def fit_model(
    data: pd.DataFrame,
    *,
    family: str,
    outcome: str,
    covariates: Sequence[str] = (),
    count: str | None = None,
    exposure: str | None = None,
    weight: str | None = None,
    cluster: str | None = None,
    spline_df: int = 4,
    reml: bool = False,
    ci_level: float = 0.95,
    maxiter: int = 200,
) -> dict:
    """Fit one model of service use on power (column ``power``) and return one tidy record.

    mixedlm: random intercept by ``cluster``; mixedlm_slope: random intercept and random
    power slope by ``cluster`` (the fixed slope is the mean district slope, and its interval
    allows for districts differing in slope; ``re_slope_sd`` is their SD); ols/ols_spline/wls:
    cluster-robust SEs by ``cluster`` when given, else HC3; ols_log/wls_log: the same on
    log(outcome), for skewed positive ratios; poisson/negbin: ``count`` with offset
    log(``exposure``), cluster-robust or HC1 SEs. ``weight`` is used by wls and wls_log only.
    With covariates, ``vif_power`` is the variance inflation factor of power,
    1 / (1 - R^2 of power on the covariates), and ``vif_max`` the largest of any regressor:
    above about 10 a conditional coefficient is not usefully separated from its collinear
    partners.
    """
    if family not in FAMILIES:
        raise ConfigError(f"model family {family!r} not one of {FAMILIES}")
    record = dict.fromkeys(RECORD_FIELDS)
    record.update(
        family=family,
        effect_scale=EFFECT_SCALE[family],
        converged=False,
        n=0,
        n_dropped=len(data),
        dropped_reason="",
        warnings="",
        error="",
    )
    is_count, is_log = family in COUNT_FAMILIES, family in LOG_FAMILIES
    weighted = family in ("wls", "wls_log")
    response = count if is_count else outcome
    needed = ["power", response, *covariates]
    needed += [exposure] if is_count else []
    needed += [weight] if weighted else []
    needed += [cluster] if cluster else []
    missing = [c for c in dict.fromkeys(needed) if c is None or c not in data.columns]
    if missing:
        record["error"] = f"columns missing from the analysis table: {missing}"
        return record
    needed = list(dict.fromkeys(needed))
    positive = (
        ([exposure] if is_count else [])
        + ([weight] if weighted else [])
        + ([response] if is_log else [])
    )
    frame, reason = _prepare(data, needed, positive)
    record.update(n=len(frame), n_dropped=len(data) - len(frame), dropped_reason=reason)
    terms = [_term(frame, c) for c in covariates]
    power_sd = float(frame["power"].std())
    if len(frame) < len(needed) + 3 or not power_sd > 0:
        record["error"] = f"too few usable rows ({len(frame)}) or no variation in power"
        return record
    frame["power_z"] = (frame["power"] - frame["power"].mean()) / power_sd
    # Linear families are fitted to the outcome divided by its SD (MixedLM's optimiser puts
    # the random-intercept variance on the boundary for outcomes of small scale) and mapped back.
    # Log families are left on the log scale (estimates are log ratios, like the count families).
    scale = 1.0 if is_count or is_log else float(frame[response].std())
    frame["y"] = np.log(frame[response]) if is_log else frame[response] / scale
    if not (scale > 0 and frame["y"].std() > 0):
        record["error"] = f"no variation in {response}"
        return record
    if covariates:
        record["vif_power"], record["vif_max"] = _vif(frame, terms)
    rhs = (
        f"cr(power_z, df={spline_df}, constraints='center')"
        if family == "ols_spline"
        else "power_z"
    )
    formula = " + ".join([f"y ~ {rhs}", *terms])
    record["formula"] = formula.replace(
        "y ~", f"log({response}) ~" if is_log else f"{response} ~", 1
    )
    groups = pd.factorize(frame[cluster])[0] if cluster else None
    record["n_clusters"] = int(groups.max() + 1) if cluster else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res, converged = _fit(
                family,
                formula,
                frame,
                groups=groups,
                exposure=exposure,
                weight=weight,
                reml=reml,
                maxiter=maxiter,
            )
            effect = _effect(res, family, frame, ci_level)
        except Exception as exc:  # a failed fit is a result, recorded, not a crash
            record["error"] = f"{type(exc).__name__}: {exc}"
            res = None
    messages = sorted(
        {
            str(w.message).splitlines()[0]
            for w in caught
            if not issubclass(w.category, (FutureWarning, DeprecationWarning))
        }
    )
    record["warnings"] = "; ".join(messages)[:500]
    if res is None:
        return record
    est, se, low, high, p = effect
    # Likelihoods on the outcome's own scale: undo the division by ``scale`` or the log.
    jacobian = float(np.log(frame[response]).sum()) if is_log else len(frame) * np.log(scale)
    llf = _finite(getattr(res, "llf", np.nan)) - jacobian
    bic = res.bic_llf if hasattr(res, "bic_llf") else getattr(res, "bic", np.nan)
    record.update(
        estimate=est * scale,
        se=se * scale,
        ci_low=low * scale,
        ci_high=high * scale,
        p_value=p,
        estimate_std=est,
        ci_low_std=low,
        ci_high_std=high,
        converged=bool(converged and np.isfinite([est, se, llf]).all()),
        llf=llf,
        aic=_finite(getattr(res, "aic", np.nan)) + 2 * jacobian,
        bic=_finite(bic) + 2 * jacobian,
    )
    if family in MIXED_FAMILIES:
        sd = np.sqrt(np.clip(np.diag(np.asarray(res.cov_re, dtype=float)), 0, None)) * scale
        record.update(
            re_intercept_sd=float(sd[0]),
            re_slope_sd=float(sd[1]) if family == "mixedlm_slope" else None,
        )
    return record


def _vif(frame: pd.DataFrame, terms: Sequence[str]) -> tuple[float, float]:
    """Variance inflation factors (Belsley, Kuh & Welsch 1980) of power and the largest of any
    regressor, from the design of power and the covariate terms."""
    design = patsy.dmatrix(" + ".join(["power_z", *terms]), frame, return_type="dataframe")
    x = design.to_numpy(dtype=float)
    vifs = [
        variance_inflation_factor(x, i)
        for i in range(x.shape[1])
        if design.columns[i] != "Intercept"
    ]
    vifs = [float(v) if np.isfinite(v) else float("inf") for v in vifs]
    return vifs[0], max(vifs)


def _finite(value) -> float:
    value = float(value) if value is not None else np.nan
    return value if np.isfinite(value) else np.nan


def _fit(
    family: str, formula: str, frame: pd.DataFrame, *, groups, exposure, weight, reml, maxiter
):
    robust = (
        {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
        if groups is not None
        else {"cov_type": "HC1" if family in COUNT_FAMILIES else "HC3"}
    )
    if family in MIXED_FAMILIES:
        if groups is None:
            raise ConfigError(f"{family} needs a grouping (cluster) column")
        re_formula = "~power_z" if family == "mixedlm_slope" else None
        res = smf.mixedlm(formula, frame, groups=groups, re_formula=re_formula).fit(
            reml=reml, maxiter=maxiter, method=["bfgs", "powell"]
        )
        return res, res.converged
    if family in ("ols", "ols_spline", "ols_log"):
        return smf.ols(formula, frame).fit(**robust), True
    if family in ("wls", "wls_log"):
        return smf.wls(formula, frame, weights=frame[weight]).fit(**robust), True
    offset = np.log(frame[exposure].to_numpy(dtype=float))
    if family == "poisson":
        res = smf.glm(formula, frame, family=sm.families.Poisson(), offset=offset).fit(
            maxiter=maxiter, **robust
        )
        return res, res.converged
    res = smf.negativebinomial(formula, frame, offset=offset).fit(disp=0, maxiter=maxiter, **robust)
    return res, bool(res.mle_retvals["converged"])


def _effect(res, family: str, frame: pd.DataFrame, ci_level: float):
    """Power effect: the power_z coefficient, or for the spline the mean slope between the
    10th and 90th percentiles of power (a linear contrast of the spline coefficients)."""
    if family != "ols_spline":
        ci = res.conf_int(alpha=1 - ci_level).loc["power_z"]
        return (
            float(res.params["power_z"]),
            float(res.bse["power_z"]),
            float(ci.iloc[0]),
            float(ci.iloc[1]),
            float(res.pvalues["power_z"]),
        )
    p10, p90 = frame["power_z"].quantile([0.1, 0.9])
    at = pd.concat([frame.iloc[[0]]] * 2, ignore_index=True).assign(power_z=[p10, p90])
    (design,) = patsy.build_design_matrices(
        [res.model.data.model_spec], at, return_type="dataframe"
    )
    contrast = (design.iloc[1] - design.iloc[0]).to_numpy() / (p90 - p10)
    test = res.t_test(contrast)
    low, high = test.conf_int(alpha=1 - ci_level)[0]
    return (
        float(np.squeeze(test.effect)),
        float(np.squeeze(test.sd)),
        float(low),
        float(high),
        float(np.squeeze(test.pvalue)),
    )


def analysis_frame(
    table: pd.DataFrame, scores: pd.DataFrame, *, key: str, index_set: str, variant: str
) -> pd.DataFrame:
    """An area table with one power variant attached as ``power``, ``power_decile`` and
    ``power_quintile`` (missing where the area has no score), and ``imd_decile`` derived from
    ``imd_score`` (1 = most deprived, equal counts) where the table has none."""
    wide = wide_variant(scores, key=key, index_set=index_set, variant=variant)
    frame = table.drop(columns=[c for c in wide.columns if c != key and c in table.columns])
    frame = frame.merge(wide, on=key, how="left", validate="one_to_one")
    if "imd_decile" not in frame.columns and "imd_score" in frame.columns:
        decile = quantile_group(-frame["imd_score"].dropna(), 10)
        frame["imd_decile"] = decile.reindex(frame.index)
    return frame


def home_frames(
    tables: Mapping[str, pd.DataFrame], scores: Mapping[str, pd.DataFrame], models_cfg: Mapping
):
    """For each home geography (the first listed for an outcome): the analysis frame with the
    geography's main power variant, and its outcomes as ``{name: {column, bounds, weight}}``."""
    by_geo: dict[str, dict] = {}
    for name in sorted(models_cfg["outcomes"]):
        spec = models_cfg["outcomes"][name]
        geo = spec["geographies"][0]
        by_geo.setdefault(geo, {})[name] = {
            "column": spec["column"],
            "bounds": spec.get("bounds"),
            "weight": spec.get("weight", models_cfg["geographies"][geo]["weight"]),
        }
    for geo in sorted(by_geo):
        if geo not in models_cfg["main"]:
            raise ConfigError(
                f"models.main has no entry for {geo!r}, the home of {sorted(by_geo[geo])}"
            )
        main = models_cfg["main"][geo]
        frame = analysis_frame(
            tables[geo],
            scores[geo],
            key=models_cfg["geographies"][geo]["key"],
            index_set=main["index_set"],
            variant=main["variant"],
        )
        yield geo, frame, by_geo[geo]


def gradient_outputs(
    tables: Mapping[str, pd.DataFrame], scores: Mapping[str, pd.DataFrame], models_cfg: Mapping
) -> dict[str, pd.DataFrame]:
    """Gradient tables of every outcome at its home geography, the power- and IMD-decile views
    (``decile`` column) and the lowest/highest group ratios."""
    ci_level = models_cfg["ci_level"]
    long = pd.concat(
        [
            gradients(frame, outcomes, models_cfg["gradients"]["by"], ci_level=ci_level).assign(
                geography=geo
            )
            for geo, frame, outcomes in home_frames(tables, scores, models_cfg)
        ],
        ignore_index=True,
    )
    ratios = extreme_ratio(long, ci_level=ci_level)
    views = {
        name: long.loc[long["by"] == by].rename(columns={"group": "decile"}).reset_index(drop=True)
        for name, by in (("gradient_power", "power_decile"), ("gradient_imd", "imd_decile"))
    }
    return {"gradients": long, "gradient_ratios": ratios, **views}
