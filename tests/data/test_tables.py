"""The tidy tables built from the real mirror: counts, conservation, published totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.data.validation import ENGLAND_POPULATION_2021

pytestmark = pytest.mark.mirror


def test_row_counts_and_unique_keys(table):
    for name, key, rows in [
        ("lsoa21", "lsoa21cd", 33_755),
        ("lad24", "lad24cd", 296),
        ("utla23", "utla23cd", 153),
        ("lsoa11", "lsoa11cd", 32_844),
    ]:
        frame = table(name)
        assert len(frame) == rows, name
        assert frame[key].is_unique, name


def test_england_population_matches_published_total(table, root):
    """OA sums differ from the published LSOA tables by ONS perturbation: a few hundred."""
    tolerance = yaml.safe_load((root / "config/config.yaml").read_text())[
        "census_population_tolerance"
    ]
    assert abs(table("lsoa21")["population"].sum() - ENGLAND_POPULATION_2021) <= tolerance


def test_population_conserved_lsoa_to_lad_to_utla_to_region(table):
    lsoa = table("lsoa21")
    total = lsoa["population"].sum()
    assert table("lad24")["population"].sum() == total
    assert table("utla23")["population"].sum() == total
    by_region = lsoa.groupby("rgn24cd")["population"].sum()
    lad_region = table("lad24").groupby("rgn24cd")["population"].sum()
    pd.testing.assert_series_equal(by_region, lad_region)
    assert len(by_region) == 9


def test_every_lsoa_in_exactly_one_lad_and_utla(table):
    lsoa = table("lsoa21")
    assert lsoa[["lad24cd", "utla23cd", "rgn24cd"]].notna().all().all()
    assert lsoa.groupby("lad24cd")["utla23cd"].nunique().max() == 1
    assert set(lsoa["lad24cd"]) == set(table("lad24")["lad24cd"])
    assert set(lsoa["utla23cd"]) == set(table("utla23")["utla23cd"])


def test_published_qualification_shares(table):
    """ONS: 33.9% Level 4+ and 18.1% no qualifications, England, Census 2021 (±0.1 pt)."""
    lsoa = table("lsoa21")
    level4 = lsoa["qual_level4plus"].sum() / lsoa["qual_total_16plus"].sum()
    none = lsoa["qual_none"].sum() / lsoa["qual_total_16plus"].sum()
    assert level4 == pytest.approx(0.339, abs=0.001)
    assert none == pytest.approx(0.181, abs=0.001)


def test_lad_imd_scores_agree_with_file10(table):
    """Recomputed with Census 2021 weights (File 10 used mid-2022 ones): median gap < 0.05."""
    lad = table("lad24")
    gap = (lad["imd_score"] - lad["imd_average_score_file10"]).abs()
    assert gap.median() < 0.05
    assert gap.max() < 0.5
    assert np.corrcoef(lad["imd_score"], lad["imd_average_score_file10"])[0, 1] > 0.9999


def test_turnout_is_plausible_and_tracks_2019(table):
    lad = table("lad24")
    assert lad["turnout_ge2024_pct"].between(40, 80).all()
    weighted = np.average(lad["turnout_ge2024_pct"], weights=lad["population"])
    assert weighted == pytest.approx(60, abs=2.5)
    both = lad.dropna(subset=["turnout_ge2019_pct"])
    assert np.corrcoef(both["turnout_ge2024_pct"], both["turnout_ge2019_pct"])[0, 1] > 0.7


def test_children_services_rates_reproduce_published_rates(table):
    """DfE publishes CLA per 10,000 with the same ONS denominator: ours must agree."""
    utla = table("utla23").dropna(subset=["cla_rate_per_10k_published", "cla_at31_per_10k"])
    assert len(utla) > 140
    assert (utla["cla_at31_per_10k"] - utla["cla_rate_per_10k_published"]).abs().max() <= 0.5 + 1e-9


def test_spend_totals_within_england_total(table):
    """Councils' 2024-25 ASC spend cannot exceed England's £25.24bn (England row)."""
    utla = table("utla23")
    asc = utla["spend_adult_social_care_gbp_2024_25"].sum()
    assert 22e9 < asc <= 25.24e9


def test_deprivation_and_education_move_together(table):
    lsoa = table("lsoa21")
    assert lsoa["imd_score"].corr(lsoa["share_qual_level4plus"]) < -0.5
    assert lsoa["imd_decile"].min() == 1 and lsoa["imd_decile"].max() == 10


def test_lsoa11_links_to_2021_geography(table):
    lsoa11 = table("lsoa11")
    assert lsoa11["lsoa21cd_main"].isin(table("lsoa21")["lsoa21cd"]).all()
    assert (lsoa11["change_code"] == "U").mean() > 0.95


def test_reorganisations_are_listed(results):
    reorg = pd.read_csv(results / "tables" / "reorganisations.csv")
    assert {"E10000006", "E10000023", "E10000027"} <= set(reorg["old_code"])
    assert set(reorg["reason"].str.len() > 20) == {True}


def test_census_ltla_tables_agree_with_lsoa_sums(table):
    """Both are sums of the same output areas; they differ only where a best-fit LSOA lies
    across a 2024 district boundary."""
    lad = table("lad24")
    for count in [
        "population",
        "qual_level4plus",
        "nssec_l1_l3",
        "health_bad",
        "disab_disabled",
        "occ_total_employed",
    ]:
        ltla = lad[f"census_ltla_{count}"]
        assert ltla.sum() == lad[count].sum(), count
        assert (ltla == lad[count]).mean() > 0.95, count
