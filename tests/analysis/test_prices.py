"""Price-year conversion: identity of deflating and re-inflating, conversion by the ratio."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coprod.analysis.prices import deflator_ratio, to_prices
from coprod.data.readers.prices import DEFLATOR
from coprod.errors import ConfigError

DEFLATOR_TABLE = pd.DataFrame(
    {
        "financial_year": ["2009-10", "2021-22", "2023-24", "2024-25"],
        DEFLATOR: [67.7042, 85.3036, 96.1117, 100.0],
    }
)


def test_a_value_at_price_year_y_converts_by_the_ratio():
    ratio = deflator_ratio(DEFLATOR_TABLE, "2009-10", "2024-25")
    assert ratio == pytest.approx(100 / 67.7042)
    assert to_prices(1000.0, "2009-10", DEFLATOR_TABLE) == pytest.approx(1000 * ratio)
    assert deflator_ratio(DEFLATOR_TABLE, "2024-25", "2024-25") == 1


def test_deflating_then_reinflating_is_the_identity():
    values = pd.Series([1.0, 250.5, -40.0, 1e6], index=list("abcd"))
    years = ["2009-10", "2021-22", "2023-24", "2024-25"]
    real = to_prices(values, years, DEFLATOR_TABLE, base_year="2024-25")
    back = pd.Series(
        [
            to_prices(v, "2024-25", DEFLATOR_TABLE, base_year=y)
            for v, y in zip(real, years, strict=True)
        ],
        index=values.index,
    )
    pd.testing.assert_series_equal(back, values)
    assert list(real.index) == list("abcd")
    assert real["d"] == values["d"]  # already at base-year prices


def test_series_conversion_uses_each_rows_own_year():
    values = pd.Series([100.0, 100.0])
    real = to_prices(values, pd.Series(["2009-10", "2023-24"]), DEFLATOR_TABLE)
    np.testing.assert_allclose(real, [100 * 100 / 67.7042, 100 * 100 / 96.1117])
    assert real[0] > real[1]  # older cash buys more


def test_unknown_price_year_is_a_config_error():
    with pytest.raises(ConfigError, match="2030-31"):
        to_prices(1.0, "2030-31", DEFLATOR_TABLE)
    with pytest.raises(ConfigError, match="2008-09"):
        deflator_ratio(DEFLATOR_TABLE, "2008-09", "2024-25")
