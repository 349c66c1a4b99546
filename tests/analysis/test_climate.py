"""Financial climate: per-head series, real terms, change vs deprivation, dropped councils."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coprod.analysis import climate
from coprod.errors import ConfigError

YEARS = ["2021_22", "2022_23", "2023_24", "2024_25"]
CFG = {"services": ["total_service"], "years": YEARS, "headline_service": "total_service",
       "deflator": None}


def councils() -> pd.DataFrame:
    """Five councils whose spend per head grows by 2% per IMD point; the last lacks 2021-22."""
    imd = np.array([10.0, 20.0, 30.0, 40.0, 25.0])
    start = np.array([1000.0, 1100.0, 1200.0, 1300.0, np.nan])
    growth = 0.02 * imd
    frame = pd.DataFrame({"utla23cd": ["E06000001", "E06000002", "E08000003", "E09000004", "E06000066"],
                          "utla23nm": ["A", "B", "C", "D", "Somerset"],
                          "population": [100.0, 300.0, 200.0, 400.0, 500.0], "imd_score": imd})
    for i, year in enumerate(YEARS):
        frame[f"spend_total_service_per_head_gbp_{year}"] = start * (1 + growth * i / 3)
    frame.loc[4, [f"spend_total_service_per_head_gbp_{y}" for y in YEARS[1:]]] = [1500.0, 1600.0, 1700.0]
    return frame


GAP = pd.DataFrame({"utla23cd": ["E06000001", "E06000002", "E08000003", "E09000004", "E06000066"],
                    "power": [1.5, 0.5, -0.5, -1.5, 0.0], "power_quintile": [5, 4, 2, 1, 3]})
REORG = pd.DataFrame({"year": ["2021-22", "2022-23", "2021-22", "2021-22"],
                      "old_code": ["E10000027", "E10000027", "E07000187", "E10000006"],
                      "new_code": ["E06000066", "E06000066", "E06000066", None],
                      "reason": ["merged into Somerset unitary", "merged into Somerset unitary",
                                 "district abolished", "Cumbria split"]})


def test_change_is_computed_from_start_and_end_years():
    out = climate.climate_tables(councils(), GAP, REORG, CFG)
    change = out["change"].set_index("utla23cd")
    assert change.loc["E06000002", "per_head_start_gbp"] == 1100.0
    assert change.loc["E06000002", "change_gbp"] == pytest.approx(1100.0 * 0.4)
    assert change.loc["E09000004", "relative_change"] == pytest.approx(0.8)
    assert "E06000066" not in change.index
    figure = out["figure"].set_index("utla23cd")
    assert figure.loc["E09000004", "spend_change_pct"] == pytest.approx(80.0)
    with pytest.raises(ConfigError, match="headline_service"):
        climate.climate_tables(councils(), GAP, REORG, {**CFG, "headline_service": "education"})


def test_association_recovers_the_built_in_slope():
    assoc = climate.climate_tables(councils(), GAP, REORG, CFG)["associations"]
    imd = assoc[assoc["predictor"] == "imd_score"].iloc[0]
    assert imd["n_councils"] == 4
    assert imd["slope"] == pytest.approx(0.02)
    assert imd["spearman_rho"] == pytest.approx(1.0)
    power = assoc[assoc["predictor"] == "power"].iloc[0]
    assert power["spearman_rho"] == pytest.approx(-1.0)


def test_dropped_lists_reorganised_and_incomplete_councils():
    dropped = climate.climate_tables(councils(), GAP, REORG, CFG)["dropped"]
    # Districts (E07) were never councils in the table; each abolished county appears once.
    assert sorted(dropped["code"]) == ["E06000066", "E10000006", "E10000027"]
    by_code = dropped.set_index("code")
    assert by_code.loc["E06000066", "reason"] == "merged into Somerset unitary"
    assert by_code.loc["E06000066", "detail"] == "no per-head spend for 2021_22"
    assert "2021-22, 2022-23" in by_code.loc["E10000027", "detail"]
    assert pd.isna(by_code.loc["E10000006", "successor"])


def test_groups_are_population_weighted():
    groups = climate.climate_tables(councils(), GAP, REORG, CFG)["groups"]
    # IMD quintiles (1 = most deprived) put D (40) alone in quintile 1 and C (30) in 2.
    row = groups.query("group_var == 'imd_quintile' and group == 1 and year == '2021_22'").iloc[0]
    assert row["per_head_gbp"] == pytest.approx(1300.0)
    # Somerset lacks 2021-22, so it is left out of every year's group means.
    total = groups.query("group_var == 'power_quintile' and year == '2024_25'")
    c = councils().iloc[:4]
    assert total["spend_gbp"].sum() == pytest.approx(
        (c["spend_total_service_per_head_gbp_2024_25"] * c["population"]).sum())
    assert total["n_councils"].sum() == 4


def test_real_terms_use_the_configured_deflator():
    cfg = {**CFG, "deflator": {"source": "test", "base_year": "2024_25",
                               "index": {"2021_22": 80.0, "2022_23": 90.0, "2023_24": 95.0,
                                         "2024_25": 100.0}}}
    long = climate.per_head_long(councils(), cfg["services"], YEARS, cfg["deflator"])
    pick = long.set_index(["utla23cd", "year", "basis"])["per_head_gbp"]
    assert pick[("E06000001", "2021_22", "real_2024_25")] == pytest.approx(1000.0 * 100 / 80)
    assert pick[("E06000001", "2024_25", "real_2024_25")] == pick[("E06000001", "2024_25", "nominal")]
    del cfg["deflator"]["index"]["2022_23"]
    with pytest.raises(ConfigError, match="2022_23"):
        climate.per_head_long(councils(), cfg["services"], YEARS, cfg["deflator"])
