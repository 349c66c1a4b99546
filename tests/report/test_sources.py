"""Snapshot-vs-official comparison of the headline figures."""

import pandas as pd
import pytest

from coprod.report.sources import compare_values


def test_compare_values_reports_what_changed_and_by_how_much():
    table = compare_values(
        {"a": "£1,811", "b": "27.2%", "c": "nominal", "d": "7"},
        {"a": "£1,900", "b": "27.2%", "c": "real", "e": "1"},
    ).set_index("value")
    assert table.loc["a", "change"] == pytest.approx(89)
    assert table.loc["a", "relative_change"] == pytest.approx(89 / 1811)
    assert not table.loc["b", "changed"] and table.loc["b", "change"] == 0
    assert table.loc["c", "changed"] and pd.isna(table.loc["c", "change"])
    assert pd.isna(table.loc["d", "official"]) and pd.isna(table.loc["e", "snapshot"])
    assert table["changed"].sum() == 4
