"""Capacity gap: reference, shortfall x use, totals, shares, and per-area tables."""

import numpy as np
import pandas as pd
import pytest

from coprod.analysis import gap
from coprod.errors import SchemaError

USES = {
    "claimants": {"column": "claimants", "per_capita": False},
    "admissions": {"column": "admission_rate", "per_capita": True},
}


def areas():
    return pd.DataFrame(
        {
            "lsoa21cd": ["a", "b", "c", "d"],
            "lad24cd": ["X", "X", "Y", "Y"],
            "power": [-2.0, -1.0, 0.5, 1.0],
            "power_quintile": [1, 1, 5, 5],
            "population": [100.0, 200.0, 300.0, 400.0],
            "claimants": [50.0, 40.0, 10.0, 0.0],
            "admission_rate": [0.3, 0.2, 0.1, 0.1],
        }
    )


def test_reference_is_a_population_weighted_quantile():
    assert gap.reference_value([1.0, 2.0, 3.0], [1, 1, 10], 0.5) == 3.0
    assert gap.reference_value([1.0, 2.0, 3.0], [10, 1, 1], 0.5) == 1.0


def test_gap_is_shortfall_below_reference_times_use():
    out = gap.capacity_gap(areas(), uses=USES, reference=0.0, keep=["lsoa21cd"])
    claim = out[out["use_measure"] == "claimants"].set_index("lsoa21cd")
    assert claim["shortfall"].tolist() == [2.0, 1.0, 0.0, 0.0]
    assert claim["gap"].tolist() == [100.0, 40.0, 0.0, 0.0]
    adm = out[out["use_measure"] == "admissions"].set_index("lsoa21cd")
    assert adm["use"].tolist() == pytest.approx([30.0, 40.0, 30.0, 40.0])
    assert adm["gap"].tolist() == pytest.approx([60.0, 40.0, 0.0, 0.0])


def test_totals_shares_and_gap_per_head():
    per_area = gap.capacity_gap(
        areas(), uses=USES, reference=0.0, keep=["lad24cd", "power_quintile"]
    )
    totals = gap.gap_totals(per_area, ["lad24cd", "power_quintile"])
    lad = totals["lad24cd"].set_index(["use_measure", "lad24cd"])
    assert lad.loc[("claimants", "X"), "gap"] == 140.0
    assert lad.loc[("claimants", "X"), "capacity_gap"] == pytest.approx(140.0 / 300.0)
    assert lad.loc[("claimants", "X"), "share_of_use"] == pytest.approx(90 / 100)
    for frame in totals.values():
        sums = frame.groupby("use_measure")[["share_of_use", "share_of_gap"]].sum()
        np.testing.assert_allclose(sums.to_numpy(), 1.0)
    summary = gap.gap_summary(
        totals,
        quintile_col="power_quintile",
        reference=0.0,
        reference_quantile=0.5,
        primary="claimants",
    )
    claim = summary["measures"]["claimants"]
    assert claim["lowest_quintile_share_of_use"] == pytest.approx(0.9)
    assert claim["lowest_quintile_share_of_population"] == pytest.approx(0.3)
    assert claim["lowest_quintile_share_of_gap"] == pytest.approx(1.0)


def test_area_table_has_one_row_per_area_and_refuses_unmatched_codes():
    per_area = gap.capacity_gap(areas(), uses=USES, reference=0.0, keep=["lad24cd"])
    totals = gap.gap_totals(per_area, ["lad24cd"])["lad24cd"]
    power = pd.DataFrame(
        {
            "lad24cd": ["X", "Y"],
            "power": [-1.5, 0.8],
            "power_decile": [1, 10],
            "power_quintile": [1, 5],
        }
    )
    out = gap.area_gap(totals, power, key="lad24cd", primary="claimants")
    assert out["lad24cd"].tolist() == ["X", "Y"]
    assert out["capacity_gap"].tolist() == pytest.approx([140 / 300, 0.0])
    assert "capacity_gap_admissions" in out
    with pytest.raises(SchemaError, match="Z"):
        gap.area_gap(
            totals,
            pd.concat([power, power.iloc[[0]].assign(lad24cd="Z")]),
            key="lad24cd",
            primary="claimants",
        )


def test_areas_without_use_are_counted_not_summed():
    frame = areas()
    frame.loc[0, "claimants"] = np.nan
    per_area = gap.capacity_gap(frame, uses=USES, reference=0.0, keep=["lad24cd"])
    lad = gap.gap_totals(per_area, ["lad24cd"])["lad24cd"].set_index(["use_measure", "lad24cd"])
    assert lad.loc[("claimants", "X"), ["n_areas", "n_missing"]].tolist() == [1, 1]
    assert lad.loc[("claimants", "X"), "gap"] == 40.0
    assert lad.loc[("admissions", "X"), ["n_areas", "n_missing"]].tolist() == [2, 0]


def test_negative_use_and_missing_columns_are_refused():
    with pytest.raises(SchemaError, match="negative"):
        gap.capacity_gap(areas().assign(claimants=-1.0), uses=USES, reference=0.0)
    with pytest.raises(SchemaError, match="admission_rate"):
        gap.capacity_gap(areas().drop(columns="admission_rate"), uses=USES, reference=0.0)
