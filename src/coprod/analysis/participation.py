"""Capacity gap in people, anchored on measured civic participation (claim C3; issue 10).

Expected civic participation p_i per LSOA is calibrated so that the adult-weighted means of
the most and least deprived IMD fifths equal the Community Life Survey rates (34% and 48%,
2016-17, DCMS "Focus on: Diversity" as quoted by a third party), then brought to the latest
survey year. The gap in area i is G_i = adults_i x max(0, reference - p_i), in people.

Constructions (an area association, not a claim about why people do not take part):
* ``imd2019_linear`` / ``imd2025_linear``: p linear in the IMD rank fraction (0 = most deprived),
  the two fifths' adult-weighted means fixed (closed form);
* ``logistic_<covariate>``: p = expit(a + b x) in an area share (Level 4+ qualifications,
  NS-SeC L1-3) or the power index, a and b solved so the same two means hold (Newton).
Every function is vectorised over K draws of the two anchors: arrays are (K, n_areas).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from coprod.errors import CoprodError

CONSTRUCTIONS = (
    "imd2019_linear",
    "imd2025_linear",
    "logistic_level4plus",
    "logistic_nssec_l1_l3",
    "logistic_power",
)
LEVELLING = ("additive", "proportional", "constant_odds")
REFERENCES = ("national_mean", "least_deprived_fifth", "top_power_fifth")


@dataclass(frozen=True)
class Anchors:
    """Published participation rates (shares) used to calibrate p_i, with their labelled SE."""

    most_deprived: float
    least_deprived: float
    se: float
    rounding: float
    survey_year: str
    latest_year: str


def linear_participation(
    u: np.ndarray, adults: np.ndarray, fifth: np.ndarray, q1: np.ndarray, q5: np.ndarray
) -> np.ndarray:
    """p = a + b u with the adult-weighted means of fifth 1 and fifth 5 equal to q1 and q5.

    Closed form: b = (q5 - q1) / (u5 - u1), a = q1 - b u1, where u1, u5 are the adult-weighted
    mean rank fractions of the two fifths (with LSOAs uniform in rank these are the quintile
    midpoints 0.1 and 0.9)."""
    u1 = np.average(u[fifth == 1], weights=adults[fifth == 1])
    u5 = np.average(u[fifth == 5], weights=adults[fifth == 5])
    q1, q5 = np.atleast_1d(q1)[:, None], np.atleast_1d(q5)[:, None]
    slope = (q5 - q1) / (u5 - u1)
    return q1 + slope * (u[None, :] - u1)


def logistic_participation(
    x: np.ndarray,
    adults: np.ndarray,
    fifth: np.ndarray,
    q1: np.ndarray,
    q5: np.ndarray,
    *,
    tol: float = 1e-12,
    max_iter: int = 50,
) -> np.ndarray:
    """p = expit(a + b x) with the adult-weighted means of fifth 1 and fifth 5 equal to q1, q5.

    Two equations in (a, b) per draw, solved by Newton's method, vectorised over draws; the
    covariate is standardised first so one start (the logit of the anchors' mean, slope 0)
    serves every construction."""
    z = (x - np.average(x, weights=adults)) / np.sqrt(np.cov(x, aweights=adults))
    q1, q5 = np.atleast_1d(q1).astype(float), np.atleast_1d(q5).astype(float)
    w1 = np.where(fifth == 1, adults, 0.0) / adults[fifth == 1].sum()
    w5 = np.where(fifth == 5, adults, 0.0) / adults[fifth == 5].sum()
    a = logit((q1 + q5) / 2)
    b = np.zeros_like(a)
    for _ in range(max_iter):
        p = expit(a[:, None] + b[:, None] * z[None, :])
        d = p * (1 - p)
        f1, f5 = p @ w1 - q1, p @ w5 - q5
        j11, j12 = d @ w1, (d * z) @ w1
        j21, j22 = d @ w5, (d * z) @ w5
        det = j11 * j22 - j12 * j21
        da = (j22 * f1 - j12 * f5) / det
        db = (-j21 * f1 + j11 * f5) / det
        a, b = a - da, b - db
        if max(np.abs(f1).max(), np.abs(f5).max()) < tol:
            break
    else:
        raise CoprodError("logistic participation calibration did not converge")
    return expit(a[:, None] + b[:, None] * z[None, :])


def level_to_latest(
    p: np.ndarray, survey_mean: float, latest_mean: float, method: str
) -> np.ndarray:
    """Bring participation from the survey year to the latest year by the England series:
    additive (p + change), proportional (p x ratio) or constant odds (shift on the logit)."""
    if method == "additive":
        return p + (latest_mean - survey_mean)
    if method == "proportional":
        return p * (latest_mean / survey_mean)
    if method == "constant_odds":
        return expit(logit(np.clip(p, 1e-9, 1 - 1e-9)) + logit(latest_mean) - logit(survey_mean))
    raise CoprodError(f"participation levelling: {method!r} is not one of {LEVELLING}")


def references(
    p: np.ndarray, adults: np.ndarray, imd_fifth: np.ndarray, power_fifth: np.ndarray
) -> dict[str, np.ndarray]:
    """Reference participation levels per draw (K,): the adult-weighted national mean, the
    least-deprived fifth's mean and the mean predicted for the most powerful fifth."""

    def mean_in(mask):
        w = np.where(mask, adults, 0.0)
        return p @ w / w.sum()

    return {
        "national_mean": mean_in(np.ones_like(adults, dtype=bool)),
        "least_deprived_fifth": mean_in(imd_fifth == 5),
        "top_power_fifth": mean_in(power_fifth == 5),
    }


def gap_people(p: np.ndarray, adults: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """G_i = adults_i x max(0, reference - p_i), people (K, n)."""
    return adults[None, :] * np.clip(np.atleast_1d(reference)[:, None] - p, 0.0, None)


COVARIATES = {
    "logistic_level4plus": "share_qual_level4plus",
    "logistic_nssec_l1_l3": "share_nssec_l1_l3",
    "logistic_power": "power",
}


def calibrate(construction: str, lsoa: pd.DataFrame, adults: np.ndarray, q1, q5) -> np.ndarray:
    """Expected participation (draws, LSOAs) at the survey year under one construction."""
    if construction == "imd2019_linear":
        return linear_participation(
            lsoa["imd_rank_fraction_2019"].to_numpy(),
            adults,
            lsoa["imd_fifth_2019"].to_numpy(),
            q1,
            q5,
        )
    if construction == "imd2025_linear":
        return linear_participation(
            lsoa["imd_rank_fraction_2025"].to_numpy(),
            adults,
            lsoa["imd_fifth_2025"].to_numpy(),
            q1,
            q5,
        )
    if construction in COVARIATES:
        return logistic_participation(
            lsoa[COVARIATES[construction]].to_numpy(dtype=float),
            adults,
            lsoa["imd_fifth_calibration"].to_numpy(),
            q1,
            q5,
        )
    raise CoprodError(
        f"costs.participation.constructions: {construction!r} is not one of {CONSTRUCTIONS}"
    )


def rank_fraction(rank: pd.Series, n: int) -> pd.Series:
    """IMD rank (1 = most deprived) as a fraction in (0, 1): (rank - 0.5) / n."""
    return (rank.astype(float) - 0.5) / n


def fifth_of(fraction: pd.Series) -> pd.Series:
    """Fifth (1 = most deprived) of a rank fraction."""
    return np.ceil(fraction * 5).clip(1, 5).astype("int64")


def lsoa_inputs(
    lsoa21: pd.DataFrame,
    lsoa11: pd.DataFrame,
    lookup: pd.DataFrame,
    power_lsoa: pd.Series,
    power_quintile_lsoa: pd.Series,
    council_power_quintile: pd.Series,
) -> pd.DataFrame:
    """Per LSOA 2021: adults 16+ (Census 2021 TS067 base), IMD rank fraction and fifth in
    IoD2019 (mean rank of the LSOA 2011s that map to it) and IoD2025, the covariates of the
    logistic constructions, power and its fifth, and the council's power fifth."""
    rank19 = (
        lookup[["lsoa11cd", "lsoa21cd"]]
        .merge(lsoa11[["lsoa11cd", "imd_rank"]], on="lsoa11cd", how="inner", validate="many_to_one")
        .groupby("lsoa21cd")["imd_rank"]
        .mean()
    )
    missing = sorted(set(lsoa21["lsoa21cd"]) - set(rank19.index))
    if missing:
        raise CoprodError(f"LSOA 2011 -> 2021 lookup: no IoD2019 rank for lsoa21cd {missing[:5]}")
    frame = pd.DataFrame(
        {
            "lsoa21cd": lsoa21["lsoa21cd"],
            "utla23cd": lsoa21["utla23cd"],
            "lad24cd": lsoa21["lad24cd"],
            "lad24nm": lsoa21["lad24nm"],
            "adults_16plus": lsoa21["qual_total_16plus"].astype(float),
            "imd_rank_fraction_2019": rank_fraction(lsoa21["lsoa21cd"].map(rank19), len(lsoa11)),
            "imd_rank_fraction_2025": rank_fraction(lsoa21["imd_rank"], len(lsoa21)),
            "share_qual_level4plus": lsoa21["share_qual_level4plus"].astype(float),
            "share_nssec_l1_l3": lsoa21["share_nssec_l1_l3"].astype(float),
            "power": lsoa21["lsoa21cd"].map(power_lsoa).astype(float),
            "power_fifth": lsoa21["lsoa21cd"].map(power_quintile_lsoa),
            "council_power_fifth": lsoa21["utla23cd"].map(council_power_quintile),
        }
    )
    frame["imd_fifth_2019"] = fifth_of(frame["imd_rank_fraction_2019"])
    frame["imd_fifth_2025"] = fifth_of(frame["imd_rank_fraction_2025"])
    frame["imd_fifth_calibration"] = frame["imd_fifth_2019"]
    frame["imd_fifth_latest"] = frame["imd_fifth_2025"]
    bad = frame.columns[frame.isna().any()].tolist()
    if bad:
        raise CoprodError(f"participation inputs: missing values in {bad}")
    return frame


def power_of(scores: pd.DataFrame, key: str, index_set: str, variant: str) -> pd.DataFrame:
    """One power-index variant from the long scores table: value and quintile by ``key``."""
    part = scores[(scores["index_set"] == index_set) & (scores["variant"] == variant)]
    if part.empty:
        raise CoprodError(
            f"power scores ({key}): no rows for index_set {index_set!r}, variant {variant!r}"
        )
    return part.set_index(key)[["value", "quintile"]]
