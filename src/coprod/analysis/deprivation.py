"""Deprivation without the Education domain, and the circularity of power with deprivation.

The core power index is built from Census qualification and occupation counts; the IoD
Education, Skills and Training domain (its Adult Skills sub-domain) is built from the same
Census qualification counts, so adjusting power for the published IMD partly adjusts it for
itself. We rebuild the IMD without that domain by the official method (MHCLG, *English
Indices of Deprivation 2025: Technical Report*, section 3.7; Noble et al. 2019 for IoD2019):
each domain's rank is transformed to an exponential distribution on 0-100,
``X = -23 ln(1 - R (1 - exp(-100/23)))`` with ``R`` the rank scaled to (0, 1] and 1 the most
deprived, and the transformed domains are combined with the published domain weights. With
every domain included this reproduces the published IMD rank; without Education the remaining
weights are rescaled to sum to one (which leaves the ranking unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from coprod.errors import ConfigError, SchemaError

EXPONENTIAL_CONSTANT = 23.0


@dataclass(frozen=True)
class ImdSettings:
    """The published domain weights (domain -> weight) and the domains to leave out."""

    domain_weights: Mapping[str, float]
    exclude: Sequence[str]
    rank_suffix: str = "_rank"

    def __post_init__(self):
        unknown = [d for d in self.exclude if d not in self.domain_weights]
        if unknown:
            raise ConfigError(
                f"deprivation.exclude: {unknown} are not domains of deprivation.domain_weights"
            )
        if not all(w > 0 for w in self.domain_weights.values()):
            raise ConfigError("deprivation.domain_weights must all be positive")


def exponential_transform(rank, n: int) -> np.ndarray:
    """IoD exponential transformation of a domain rank (1 = most deprived of ``n``) to 0-100,
    100 the most deprived: ``-23 ln(1 - R (1 - exp(-100/23)))`` with ``R = (n + 1 - rank) / n``."""
    rank = np.asarray(rank, dtype=float)
    if np.any((rank < 1) | (rank > n)) or np.any(~np.isfinite(rank)):
        raise SchemaError(f"domain ranks must lie in 1..{n}")
    scaled = (n + 1 - rank) / n
    return -EXPONENTIAL_CONSTANT * np.log(1 - scaled * (1 - np.exp(-100 / EXPONENTIAL_CONSTANT)))


def imd_from_domain_ranks(frame: pd.DataFrame, settings: ImdSettings) -> pd.Series:
    """Weighted sum of exponentially transformed domain ranks (columns ``<domain>_rank``) over
    the domains not excluded; higher = more deprived. The weights are used as published (they
    sum to 0.999) and, when domains are left out, the rest are scaled up to the same total, so
    the score stays on the IMD's scale. ``frame`` must hold every area ranked (all of England)."""
    weights = {d: w for d, w in settings.domain_weights.items() if d not in settings.exclude}
    cols = {d: f"{d}{settings.rank_suffix}" for d in weights}
    missing = [c for c in cols.values() if c not in frame.columns]
    if missing:
        raise SchemaError(f"IMD from domain ranks: table lacks columns {missing}")
    n = len(frame)
    factor = sum(settings.domain_weights.values()) / sum(weights.values())
    score = sum(w * factor * exponential_transform(frame[cols[d]], n) for d, w in weights.items())
    return pd.Series(score, index=frame.index)


def rank_most_deprived_first(score: pd.Series) -> pd.Series:
    """Rank 1 = highest score (most deprived), as the IoD publishes ranks."""
    return (-score).rank(method="min").astype(int)


def imd_without(
    lsoa: pd.DataFrame, settings: ImdSettings, *, key: str, groups: Mapping[str, str], weight: str
) -> tuple[dict[str, pd.DataFrame], dict]:
    """The IMD without the excluded domains per LSOA (score and rank) and, population-weighted
    as in IoD File 10's average scores, per ``groups`` geography ({name: code column}); and the
    check that the same method with every domain reproduces the published IMD."""
    name = "imd_no_" + "_".join(settings.exclude)
    if lsoa[key].duplicated().any():
        raise SchemaError(f"IMD without {settings.exclude}: duplicated {key} in the LSOA table")
    score = imd_from_domain_ranks(lsoa, settings)
    full = imd_from_domain_ranks(
        lsoa, ImdSettings(settings.domain_weights, (), settings.rank_suffix)
    )
    per_lsoa = pd.DataFrame(
        {key: lsoa[key], f"{name}_score": score, f"{name}_rank": rank_most_deprived_first(score)}
    )
    out = {"lsoa": per_lsoa}
    for geo, col in groups.items():
        part = lsoa[[col, weight]].assign(s=score * lsoa[weight])
        agg = part.groupby(col, as_index=False)[["s", weight]].sum()
        out[geo] = pd.DataFrame({col: agg[col], f"{name}_score": agg["s"] / agg[weight]})
    rank = rank_most_deprived_first(full)
    check = {
        "n": int(len(lsoa)),
        "share_rank_identical": float((rank == lsoa["imd_rank"]).mean()),
        "max_abs_rank_difference": int((rank - lsoa["imd_rank"]).abs().max()),
        "max_abs_score_difference": float((full - lsoa["imd_score"]).abs().max()),
        "rank_correlation": float(stats.spearmanr(rank, lsoa["imd_rank"]).statistic),
        "correlation_with_published_imd": float(np.corrcoef(score, lsoa["imd_score"])[0, 1]),
        "column": f"{name}_score",
        "excluded_domains": list(settings.exclude),
        "domain_weights": dict(settings.domain_weights),
    }
    return out, check


def attach(table: pd.DataFrame, extra: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """``table`` with the columns of ``extra`` (one row per ``key``) joined on; every row of
    ``table`` must find its match."""
    merged = table.drop(
        columns=[c for c in extra.columns if c != key and c in table.columns]
    ).merge(extra, on=key, how="left", validate="one_to_one", indicator=True)
    lost = merged.loc[merged["_merge"] != "both", key].tolist()
    if lost:
        raise SchemaError(f"no deprivation scores for {key} {lost[:5]} ({len(lost)} areas)")
    return merged.drop(columns="_merge")


def circularity(
    frame: pd.DataFrame, pairs: Mapping[str, Sequence[str]], *, ci_level: float
) -> dict:
    """Pearson correlations (Fisher-z intervals) of the named column pairs, e.g. power with the
    IMD, with the IMD without Education and with the Adult Skills sub-domain."""
    out = {}
    for label, (x, y) in pairs.items():
        missing = [c for c in (x, y) if c not in frame.columns]
        if missing:
            raise SchemaError(f"circularity.{label}: table lacks columns {missing}")
        d = frame[[x, y]].dropna()
        res = stats.pearsonr(d[x], d[y])
        ci = res.confidence_interval(ci_level)
        out[label] = {
            "x": x,
            "y": y,
            "r": float(res.statistic),
            "ci_low": float(ci.low),
            "ci_high": float(ci.high),
            "n": int(len(d)),
        }
    return out
