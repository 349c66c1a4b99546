"""Area power index (claim C1): weighting variants, deciles, leagues, reliability and C1 tests.

Every variant is oriented so that a higher value means more power (capacity to participate):
indicators carry a direction (+1 as is, -1 reversed) and the principal component's sign is
fixed by a positive loading on the anchor indicator (Level 4+ qualifications).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pandera.pandas as pa
import statsmodels.api as sm
from scipy import stats

from coprod.errors import ConfigError, SchemaError

METHODS = ("zscore", "pca", "minmax")

SCORES_SCHEMA = pa.DataFrameSchema(
    {
        "index_set": pa.Column(str),
        "variant": pa.Column(str),
        "value": pa.Column(float, nullable=False),
        "decile": pa.Column(int, pa.Check.in_range(1, 10)),
        "quintile": pa.Column(int, pa.Check.in_range(1, 5)),
    },
    strict=False,
)

LOADINGS_SCHEMA = pa.DataFrameSchema(
    {
        "index_set": pa.Column(str),
        "variant": pa.Column(str),
        "indicator": pa.Column(str),
        "direction": pa.Column(int, pa.Check.isin([-1, 1])),
        "weight": pa.Column(float),
        "loading": pa.Column(float, pa.Check.in_range(-1.0, 1.0)),
        "variance_explained": pa.Column(float, pa.Check.in_range(0.0, 1.0)),
        "cronbach_alpha": pa.Column(float, pa.Check.le(1.0)),
        "n_areas": pa.Column(int, pa.Check.gt(2)),
        "n_missing": pa.Column(int, pa.Check.ge(0)),
    },
    strict=True,
)


def _weights(frame: pd.DataFrame, weight: str | None) -> np.ndarray:
    if weight is None:
        return np.ones(len(frame))
    w = frame[weight].to_numpy(dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise SchemaError(f"weight column {weight!r} has missing or non-positive values")
    return w


def _wstd(items: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = np.average(items, axis=0, weights=w)
    sd = np.sqrt(np.average((items - mean) ** 2, axis=0, weights=w))
    return mean, sd


def cronbach_alpha(items: np.ndarray, w: np.ndarray | None = None) -> float:
    """Internal consistency of oriented items (Cronbach 1951):
    k/(k-1) * (1 - sum item variances / total variance)."""
    items = np.asarray(items, dtype=float)
    w = np.ones(len(items)) if w is None else np.asarray(w, dtype=float)
    k = items.shape[1]
    item_var = _wstd(items, w)[1] ** 2
    total_var = _wstd(items.sum(axis=1, keepdims=True), w)[1][0] ** 2
    return float(k / (k - 1) * (1 - item_var.sum() / total_var))


def build_index(
    frame: pd.DataFrame,
    indicators: Mapping[str, int],
    variant: Mapping,
    *,
    anchor: str,
    weight: str | None = "population",
) -> tuple[pd.Series, dict]:
    """One index variant for the complete rows of ``frame``: (values aligned to frame, diagnostics).

    ``variant`` holds ``method`` (zscore | pca | minmax) and ``population_weighted``: when true,
    means, SDs and the correlation matrix are population-weighted, so 0 on the z-score variants
    is the average resident's area rather than the average area.
    """
    method = variant.get("method")
    if method not in METHODS:
        raise ConfigError(f"power variant method {method!r} not one of {METHODS}")
    if anchor not in indicators:
        raise ConfigError(f"power anchor {anchor!r} is not among the indicators {list(indicators)}")
    cols = list(indicators)
    weighted = bool(variant.get("population_weighted", False)) and weight is not None
    needed = cols + ([weight] if weighted else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SchemaError(f"power index needs columns {missing}; table has {list(frame.columns)}")
    complete = frame[cols].notna().all(axis=1)
    data = frame.loc[complete]
    direction = np.array([indicators[c] for c in cols], dtype=float)
    x = data[cols].to_numpy(dtype=float)
    w = _weights(data, weight) if weighted else np.ones(len(data))
    mean, sd = _wstd(x, w)
    if np.any(sd == 0):
        raise SchemaError(
            f"power indicator(s) {[c for c, s in zip(cols, sd) if s == 0]} are constant"
        )
    z = (x - mean) / sd * direction
    if method == "minmax":
        lo, hi = x.min(axis=0), x.max(axis=0)
        items = np.where(direction > 0, x - lo, hi - x) / (hi - lo) * 100
        coef = np.full(len(cols), 1 / len(cols))
    elif method == "zscore":
        items = z
        coef = np.full(len(cols), 1 / len(cols))
    else:
        items = z
        eigval, eigvec = np.linalg.eigh(np.cov(z, rowvar=False, aweights=w, bias=True))
        coef = eigvec[:, -1] * np.sign(eigvec[cols.index(anchor), -1])
    value = items @ coef
    centred_items = items - np.average(items, axis=0, weights=w)
    centred_value = value - np.average(value, weights=w)
    loading = np.average(centred_items * centred_value[:, None], axis=0, weights=w) / (
        _wstd(items, w)[1] * _wstd(value[:, None], w)[1]
    )
    diagnostics = {
        "indicator": cols,
        "direction": direction.astype(int).tolist(),
        "weight": coef.tolist(),
        "loading": loading.tolist(),
        "variance_explained": float(np.mean(loading**2)),
        "cronbach_alpha": cronbach_alpha(items, w),
        "n_areas": int(complete.sum()),
        "n_missing": int((~complete).sum()),
    }
    return pd.Series(value, index=data.index).reindex(frame.index), diagnostics


def quantile_group(values: pd.Series, n: int) -> pd.Series:
    """Equal-count groups 1..n by ascending value (1 = least power); ties broken by row order."""
    ranks = values.rank(method="first")
    return (pd.qcut(ranks, n, labels=False) + 1).astype("Int64")


def power_scores(
    frame: pd.DataFrame,
    *,
    key: str,
    index_set: str,
    indicators: Mapping[str, int],
    variants: Mapping[str, Mapping],
    anchor: str,
    weight: str | None = "population",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All variants of one index set: long scores (key, variant, value, decile, quintile) and
    loadings."""
    frame = frame.sort_values(key, ignore_index=True)
    score_parts, loading_parts = [], []
    for name in sorted(variants):
        value, diag = build_index(frame, indicators, variants[name], anchor=anchor, weight=weight)
        part = pd.DataFrame(
            {key: frame[key], "index_set": index_set, "variant": name, "value": value}
        ).dropna(subset=["value"])
        score_parts.append(_with_groups(part))
        loading_parts.append(pd.DataFrame({"index_set": index_set, "variant": name, **diag}))
    scores = SCORES_SCHEMA.validate(pd.concat(score_parts, ignore_index=True))
    return scores, LOADINGS_SCHEMA.validate(pd.concat(loading_parts, ignore_index=True))


def _with_groups(part: pd.DataFrame) -> pd.DataFrame:
    part = part.reset_index(drop=True)
    return part.assign(
        decile=quantile_group(part["value"], 10).astype(int),
        quintile=quantile_group(part["value"], 5).astype(int),
    )


def aggregate_scores(
    scores: pd.DataFrame, areas: pd.DataFrame, *, key: str, group: str, weight: str = "population"
) -> pd.DataFrame:
    """Population-weighted mean of area scores within ``group`` (e.g. LSOA -> LAD), re-grouped
    there."""
    merged = scores.merge(areas[[key, group, weight]], on=key, how="left", validate="many_to_one")
    if merged[group].isna().any() or merged[weight].isna().any():
        lost = merged.loc[merged[group].isna() | merged[weight].isna(), key].unique()[:5]
        raise SchemaError(
            f"scores for {key} {list(lost)} have no {group} or {weight} to aggregate by"
        )
    merged["wv"] = merged["value"] * merged[weight]
    agg = (
        merged.groupby(["index_set", "variant", group], as_index=False)[["wv", weight]]
        .sum()
        .assign(value=lambda d: d["wv"] / d[weight])
    )
    parts = [
        _with_groups(part.sort_values(group))
        for _, part in agg[["index_set", "variant", group, "value"]].groupby(
            ["index_set", "variant"]
        )
    ]
    return SCORES_SCHEMA.validate(pd.concat(parts, ignore_index=True))


def wide_variant(scores: pd.DataFrame, *, key: str, index_set: str, variant: str) -> pd.DataFrame:
    """One variant's scores as columns ``power, power_decile, power_quintile`` keyed by ``key``."""
    part = scores.loc[(scores["index_set"] == index_set) & (scores["variant"] == variant)]
    if part.empty:
        raise ConfigError(f"no power scores for index set {index_set!r}, variant {variant!r}")
    return part[[key, "value", "decile", "quintile"]].rename(
        columns={"value": "power", "decile": "power_decile", "quintile": "power_quintile"}
    )


def r2_with_interval(
    y: np.ndarray, x: np.ndarray, *, n_resamples: int, seed: int, ci_level: float
) -> dict:
    """OLS R² of y on x with a BCa bootstrap interval (areas resampled in pairs)."""

    def r2(*cols):
        return (
            sm.OLS(cols[0], sm.add_constant(np.column_stack(cols[1:]), has_constant="add"))
            .fit()
            .rsquared
        )

    data = (y, *x.T)
    boot = stats.bootstrap(
        data,
        r2,
        paired=True,
        vectorized=False,
        n_resamples=n_resamples,
        confidence_level=ci_level,
        method="BCa",
        rng=np.random.default_rng(seed),
    )
    return {
        "r2": float(r2(*data)),
        "ci_low": float(boot.confidence_interval.low),
        "ci_high": float(boot.confidence_interval.high),
        "n": len(y),
        "method": f"OLS R²; BCa bootstrap, {n_resamples} resamples, seed {seed}",
    }


def correlation_with_interval(x: np.ndarray, y: np.ndarray, ci_level: float) -> dict:
    """Pearson correlation with its Fisher-z confidence interval."""
    res = stats.pearsonr(x, y)
    ci = res.confidence_interval(ci_level)
    return {
        "r": float(res.statistic),
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
        "p_value": float(res.pvalue),
        "n": len(x),
        "method": "Pearson; Fisher-z interval",
    }


def c1_tests(
    lad: pd.DataFrame,
    lad_scores: pd.DataFrame,
    *,
    key: str,
    demos_set: str,
    core_set: str,
    components: Sequence[str],
    turnout: str,
    n_resamples: int,
    seed: int,
    ci_level: float,
    rest_indicators: Mapping[str, int] | None = None,
    variants: Mapping[str, Mapping] | None = None,
    weight: str | None = "population",
) -> dict:
    """C1 per variant: R² of the Demos-style index on the education+occupation components, and
    the correlation of the (population-weighted, LSOA-aggregated) core index with turnout.

    The first R² is partly mechanical (the components are inputs of the index), so when
    ``rest_indicators`` and ``variants`` are given it is also reported for an index of the
    remaining Demos indicators alone (oriented by turnout), which the components do not enter."""
    out: dict = {"r2_demos_on_education_occupation": {}, "core_turnout_correlation": {}}
    if rest_indicators is not None:
        out["r2_rest_of_demos_on_education_occupation"] = {}
    for variant in sorted(lad_scores["variant"].unique()):
        demos = wide_variant(lad_scores, key=key, index_set=demos_set, variant=variant)
        d = lad.merge(demos, on=key, validate="one_to_one").dropna(subset=[*components, "power"])
        x = d[list(components)].to_numpy(float)
        out["r2_demos_on_education_occupation"][variant] = r2_with_interval(
            d["power"].to_numpy(float), x, n_resamples=n_resamples, seed=seed, ci_level=ci_level
        )
        if rest_indicators is not None:
            rest, _ = build_index(
                d, rest_indicators, variants[variant], anchor=turnout, weight=weight
            )
            out["r2_rest_of_demos_on_education_occupation"][variant] = r2_with_interval(
                rest.to_numpy(float), x, n_resamples=n_resamples, seed=seed, ci_level=ci_level
            )
        core = wide_variant(lad_scores, key=key, index_set=core_set, variant=variant)
        c = lad.merge(core, on=key, validate="one_to_one").dropna(subset=[turnout, "power"])
        out["core_turnout_correlation"][variant] = correlation_with_interval(
            c["power"].to_numpy(float), c[turnout].to_numpy(float), ci_level
        )
    return out


def all_scores(
    tables: Mapping[str, pd.DataFrame], power_cfg: Mapping, geographies: Mapping[str, Mapping]
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every index set and variant at its home geography, plus population-weighted aggregates of
    it to each ``aggregate_to`` geography: long scores per geography, and all loadings."""
    parts: dict[str, list[pd.DataFrame]] = {geo: [] for geo in geographies}
    loadings = []
    for name in sorted(power_cfg["index_sets"]):
        spec = power_cfg["index_sets"][name]
        home = geographies[spec["geography"]]
        scores, load = power_scores(
            tables[spec["geography"]],
            key=home["key"],
            index_set=name,
            indicators=spec["indicators"],
            variants=power_cfg["variants"],
            anchor=power_cfg["anchor"],
            weight=home["weight"],
        )
        parts[spec["geography"]].append(scores)
        loadings.append(load)
        for target in spec.get("aggregate_to", []):
            parts[target].append(
                aggregate_scores(
                    scores,
                    tables[spec["geography"]],
                    key=home["key"],
                    group=geographies[target]["key"],
                    weight=home["weight"],
                )
            )
    out = {
        geo: (
            pd.concat(p, ignore_index=True)
            if p
            else pd.DataFrame(columns=[geographies[geo]["key"], *SCORES_SCHEMA.columns])
        )
        for geo, p in parts.items()
    }
    return out, pd.concat(loadings, ignore_index=True)


def main_scores(scores: pd.DataFrame, *, key: str, index_set: str, variant: str) -> pd.DataFrame:
    """One variant as the report's power table: ``power_index``, ``power_decile`` and
    ``power_league`` (quintile, 1 = least power)."""
    wide = wide_variant(scores, key=key, index_set=index_set, variant=variant)
    return wide.rename(columns={"power": "power_index", "power_quintile": "power_league"}).assign(
        index_set=index_set, variant=variant
    )


def c1_summary(
    tables: Mapping[str, pd.DataFrame],
    scores: Mapping[str, pd.DataFrame],
    power_cfg: Mapping,
    geographies: Mapping[str, Mapping],
) -> dict:
    """The C1 tests for every variant, plus the headline variant's two numbers."""
    cfg = power_cfg["c1"]
    geo = cfg["geography"]
    demos = power_cfg["index_sets"][cfg["index_set"]]["indicators"]
    rest = {c: d for c, d in demos.items() if c not in cfg["components"]}
    if cfg["turnout"] not in rest:
        raise ConfigError(
            f"power.c1.turnout {cfg['turnout']!r} must be an indicator of "
            f"index set {cfg['index_set']!r} outside the components"
        )
    tests = c1_tests(
        tables[geo],
        scores[geo],
        key=geographies[geo]["key"],
        demos_set=cfg["index_set"],
        core_set=cfg["core_index_set"],
        components=cfg["components"],
        turnout=cfg["turnout"],
        n_resamples=cfg["bootstrap_resamples"],
        seed=cfg["seed"],
        ci_level=cfg["ci_level"],
        rest_indicators=rest,
        variants=power_cfg["variants"],
        weight=geographies[geo]["weight"],
    )
    variant = cfg["headline_variant"]
    if variant not in tests["r2_demos_on_education_occupation"]:
        raise ConfigError(f"power.c1.headline_variant {variant!r} is not a power variant")
    return {
        **tests,
        "headline_variant": variant,
        "geography": geo,
        "r2": tests["r2_demos_on_education_occupation"][variant],
        "r2_rest": tests["r2_rest_of_demos_on_education_occupation"][variant],
        "turnout_r": tests["core_turnout_correlation"][variant],
    }
