"""Price-year conversion with the GDP deflator: a cash value of year Y is expressed in the prices
of year B by multiplying by deflator(B) / deflator(Y) (HM Treasury, "How to use the GDP
deflator series: practical examples", 2013; Green Book §5.9 on real terms).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coprod.data.readers.prices import DEFLATOR
from coprod.errors import ConfigError


def _index(deflator: pd.DataFrame) -> pd.Series:
    """The deflator as a Series indexed by financial year."""
    missing = [c for c in ("financial_year", DEFLATOR) if c not in deflator.columns]
    if missing:
        raise ConfigError(
            f"deflator table: missing columns {missing}; found {list(deflator.columns)}"
        )
    index = deflator.set_index("financial_year")[DEFLATOR].astype("float64")
    if index.index.duplicated().any():
        raise ConfigError("deflator table: a financial year occurs more than once")
    return index


def _lookup(index: pd.Series, years, what: str) -> pd.Series:
    years = pd.Series(years, dtype="object")
    unknown = sorted(set(years.dropna()) - set(index.index))
    if unknown or years.isna().any():
        raise ConfigError(
            f"{what}: no GDP deflator for price years {unknown or ['(blank)']}; "
            f"the deflator covers {index.index.min()} to {index.index.max()}"
        )
    return years.map(index).astype("float64")


def deflator_ratio(deflator: pd.DataFrame, from_year: str, to_year: str) -> float:
    """Factor turning a value at ``from_year`` prices into ``to_year`` prices."""
    index = _index(deflator)
    start, end = _lookup(index, [from_year, to_year], "deflator_ratio")
    return float(end / start)


def to_prices(values, price_years, deflator: pd.DataFrame, base_year: str = "2024-25"):
    """Values at their price years in ``base_year`` prices.

    ``price_years`` is one year for all values or one per value. A Series keeps its index,
    a scalar stays a scalar, anything else becomes a float array.
    """
    index = _index(deflator)
    base = float(_lookup(index, [base_year], "to_prices base_year").iloc[0])
    if isinstance(price_years, str):
        return values * (base / float(_lookup(index, [price_years], "to_prices").iloc[0]))
    factor = base / _lookup(index, list(price_years), "to_prices").to_numpy()
    if isinstance(values, pd.Series):
        return values.astype("float64") * factor
    return np.asarray(values, dtype="float64") * factor
