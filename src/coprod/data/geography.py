"""Geography: checked joins and population-weighted aggregation LSOA21 -> LAD24 -> UTLA -> region.

Every join states which keys it expects to lose; losing any other key stops the run, so no
row disappears silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from coprod.data import codes
from coprod.data.codes import CODE_PATTERNS  # noqa: F401  (re-exported for schema modules)
from coprod.errors import GeographyError

log = logging.getLogger(__name__)


def england(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    """Keep English rows (codes starting E) of an England-and-Wales table."""
    return frame[frame[code].str.startswith("E")].reset_index(drop=True)


def check_codes(frame: pd.DataFrame, code: str, name: str) -> None:
    """Every code in ``frame[code]`` must belong to its column's family and be unique."""
    codes.check_codes(frame[code], codes.KEY_FAMILIES[code], name, code)
    dup = frame.loc[frame[code].duplicated(), code]
    if len(dup):
        raise GeographyError(f"{name}: duplicate {code} values, e.g. {dup.head(5).tolist()}")


def checked_merge(
    left: pd.DataFrame,
    right: pd.DataFrame,
    on: str,
    name: str,
    expected_unmatched: Iterable[str] = (),
    right_complete: bool = False,
    validate: str = "one_to_one",
) -> pd.DataFrame:
    """Left-merge on ``on``; fail if a left key finds no partner unless listed as expected.

    With ``right_complete`` every right key must find a partner too (both sides describe the
    same set of areas). A listed exclusion that does match is an error: a stale list hides
    changes in the data.
    """
    left_only = set(left[on]) - set(right[on])
    expected = set(expected_unmatched)
    surprise = sorted(left_only - expected)
    if surprise:
        raise GeographyError(
            f"{name}: {len(surprise)} {on} values of the left table have no "
            f"match, e.g. {surprise[:5]}; list them in config "
            "expected_exclusions if that is intended"
        )
    stale = sorted(expected - left_only)
    if stale:
        raise GeographyError(
            f"{name}: {on} values listed as expected exclusions do match now: "
            f"{stale}; remove them from config expected_exclusions"
        )
    if right_complete:
        right_only = sorted(set(right[on]) - set(left[on]))
        if right_only:
            raise GeographyError(
                f"{name}: {len(right_only)} {on} values of the right table "
                f"have no match, e.g. {right_only[:5]}"
            )
    if left_only:
        log.info("%s: %d expected unmatched %s: %s", name, len(left_only), on, sorted(left_only))
    return left.merge(right, on=on, how="left", validate=validate)


def aggregate(
    frame: pd.DataFrame,
    by: str | list[str],
    counts: list[str],
    means: list[str],
    weight: str = "population",
) -> pd.DataFrame:
    """Sum counts and take ``weight``-weighted means, ignoring missing values in each mean.

    Counts are summed exactly, so population is conserved from one level to the next.
    """
    keys = [by] if isinstance(by, str) else list(by)
    grouped = frame.groupby(keys, sort=True)
    out = grouped[counts].sum()
    if means:
        values = frame[means].to_numpy(dtype=float)
        weights = frame[weight].to_numpy(dtype=float)[:, None] * ~np.isnan(values)
        num = pd.DataFrame(np.nan_to_num(values) * weights, columns=means, index=frame.index)
        den = pd.DataFrame(weights, columns=means, index=frame.index)
        num[keys] = frame[keys]
        den[keys] = frame[keys]
        sums = num.groupby(keys, sort=True)[means].sum()
        totals = den.groupby(keys, sort=True)[means].sum()
        out = out.join(sums / totals.where(totals > 0))
    return out.reset_index()


def share(frame: pd.DataFrame, parts: list[str], total: str) -> pd.Series:
    """Fraction of ``total`` in the sum of ``parts`` (missing where the total is zero)."""
    denom = frame[total].astype(float)
    return frame[parts].sum(axis=1).astype(float) / denom.where(denom > 0)


def split_shared_codes(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    """Rows coded 'A / B' (a service shared by two councils) become one row per council.

    ``shared_group`` keeps the joint code on the split rows (missing elsewhere).
    """
    parts = frame[code].str.split(r"\s*/\s*")
    shared = frame[code].where(parts.str.len() > 1)
    return frame.assign(**{code: parts, "shared_group": shared}).explode(code, ignore_index=True)


def recode(frame: pd.DataFrame, code: str, mapping: dict[str, str]) -> pd.DataFrame:
    """Replace codes of another vintage by the pipeline's, as listed in config."""
    if not mapping:
        return frame
    return frame.assign(**{code: frame[code].replace(mapping)})
