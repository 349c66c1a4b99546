"""Concentration indices: hand cases, textbook corrections, the curve-area identity, the
district-cluster bootstrap (seeded, re-ranked, wider under clustering), sign convention."""

import numpy as np
import pandas as pd
import pytest

from coprod.analysis import inequality
from coprod.errors import SchemaError

FEW = inequality.BootstrapSettings(n_replicates=199, seed=11, chunk=64)


def test_hand_computed_case():
    # Four equal areas, least power first, outcome 4, 3, 2, 1: fractional ranks 1/8, 3/8, 5/8, 7/8,
    # mean 2.5, cov(y, R) = -0.3125, so CI = 2 * -0.3125 / 2.5 = -0.25.
    out = inequality.concentration_index([4, 3, 2, 1], [1, 2, 3, 4], [1, 1, 1, 1], bootstrap=FEW)
    assert out["concentration_index"] == pytest.approx(-0.25)
    assert out["generalised_index"] == pytest.approx(-0.625)
    assert out["mean"] == pytest.approx(2.5)
    # The least-squares line on the rank is exact here: 4.5 - 4 R, so RII = 4.5 / 0.5.
    assert out["rii"] == pytest.approx(9.0)


def test_erreygers_and_wagstaff_equal_the_textbook_formulas_on_a_small_case():
    # Shares 0.4, 0.3, 0.2, 0.1 in [0, 1]: C = -0.25 (scale-invariant), mean 0.25.
    # Erreygers (2009): E = 4 mean C / (b - a) = -0.25; Wagstaff (2005): W = C / (1 - mean) = -1/3.
    out = inequality.concentration_index(
        [0.4, 0.3, 0.2, 0.1], [1, 2, 3, 4], [1, 1, 1, 1], bootstrap=FEW, bounds=(0, 1)
    )
    c, mean = out["concentration_index"], out["mean"]
    assert c == pytest.approx(-0.25)
    assert out["erreygers_index"] == pytest.approx(4 * mean * c)
    assert out["erreygers_index"] == pytest.approx(-0.25)
    assert out["wagstaff_index"] == pytest.approx(c / (1 - mean))
    # Percentages on [0, 100] give the same corrected indices as the shares.
    pct = inequality.concentration_index(
        [40, 30, 20, 10], [1, 2, 3, 4], [1, 1, 1, 1], bootstrap=FEW, bounds=(0, 100)
    )
    assert pct["erreygers_index"] == pytest.approx(out["erreygers_index"])
    assert pct["wagstaff_index"] == pytest.approx(out["wagstaff_index"])


def test_values_outside_the_stated_bounds_are_refused():
    with pytest.raises(SchemaError, match="bounds"):
        inequality.concentration_index(
            [0.5, 1.5, 0.2], [1, 2, 3], [1, 1, 1], bootstrap=FEW, bounds=(0, 1)
        )


def test_fractional_rank_is_the_midpoint_of_each_population_share_and_ties_share_it():
    np.testing.assert_allclose(
        inequality.fractional_rank([3, 1, 2], [2, 1, 1]), [0.75, 0.125, 0.375]
    )
    np.testing.assert_allclose(inequality.fractional_rank([1, 2, 2], [2, 1, 1]), [0.25, 0.75, 0.75])


def simulate(n=300, seed=2, n_districts=30, district_sd=0.0):
    rng = np.random.default_rng(seed)
    district = rng.integers(0, n_districts, size=n)
    power = rng.normal(size=n) + rng.normal(0, 1, n_districts)[district]
    pop = rng.integers(500, 3000, size=n).astype(float)
    shock = rng.normal(0, district_sd, n_districts)[district]
    y = np.exp(0.5 - 0.4 * power + shock + rng.normal(0, 0.3, size=n))
    return y, power, pop, district


def test_point_estimate_equals_the_convenient_regression_and_the_curve_area():
    y, power, pop, _ = simulate()
    out = inequality.concentration_index(y, power, pop, bootstrap=FEW)
    curve = inequality.concentration_curve(y, power, pop)
    area = np.trapezoid(curve["cum_outcome_share"], curve["cum_pop_share"])
    assert out["concentration_index"] == pytest.approx(1 - 2 * area, abs=1e-10)
    rank = inequality.fractional_rank(power, pop)
    slope = np.polyfit(
        rank,
        2 * np.cov(rank, y, aweights=pop, bias=True)[0, 0] * y / out["mean"],
        1,
        w=np.sqrt(pop),
    )[0]
    assert out["concentration_index"] == pytest.approx(
        2 * np.cov(rank, y, aweights=pop, bias=True)[0, 1] / out["mean"], rel=1e-10
    )
    assert np.isfinite(slope)


def test_bootstrap_is_reproducible_with_its_seed_and_changes_with_another():
    y, power, pop, district = simulate()
    a = inequality.concentration_index(y, power, pop, district, bootstrap=FEW)
    b = inequality.concentration_index(y, power, pop, district, bootstrap=FEW)
    c = inequality.concentration_index(
        y, power, pop, district, bootstrap=inequality.BootstrapSettings(199, seed=12, chunk=64)
    )
    np.testing.assert_equal(a, b)
    assert a["se"] != c["se"]
    # Chunking changes memory use, not the draws.
    d = inequality.concentration_index(
        y, power, pop, district, bootstrap=inequality.BootstrapSettings(199, seed=11, chunk=7)
    )
    assert d["se"] == pytest.approx(a["se"], rel=1e-12)


def test_a_replicate_re_ranks_the_areas_it_draws():
    # Replicate weights = population x times the district was drawn; the measures of that row
    # equal those of the resampled data set built by repeating the drawn areas.
    y, power, pop, district = simulate(n=60, n_districts=8)
    order = np.argsort(power)
    y, power, pop, district = y[order], power[order], pop[order], district[order]
    counts = next(inequality.replicate_counts(district, inequality.BootstrapSettings(1, seed=3)))[0]
    row = inequality.measures(y, (pop * counts)[None, :], None)
    keep = np.repeat(np.arange(len(y)), counts)
    # Copies of one area tie on power, so they share one block midpoint (fractional_rank).
    yk, wk = y[keep], pop[keep]
    rank = inequality.fractional_rank(power[keep], wk)
    mean = np.average(yk, weights=wk)
    cov = np.average((yk - mean) * (rank - 0.5), weights=wk)
    slope, intercept = np.polyfit(rank, yk, 1, w=np.sqrt(wk))
    assert row["concentration_index"][0] == pytest.approx(2 * cov / mean, rel=1e-10)
    assert row["rii"][0] == pytest.approx(intercept / (intercept + slope), rel=1e-8)


def test_clustered_outcomes_get_wider_district_bootstrap_errors_than_independent_areas():
    y, power, pop, district = simulate(n=600, n_districts=30, district_sd=0.5)
    settings = inequality.BootstrapSettings(499, seed=5)
    clustered = inequality.concentration_index(y, power, pop, district, bootstrap=settings)
    areas = inequality.concentration_index(y, power, pop, None, bootstrap=settings)
    assert clustered["n_clusters"] == 30 and areas["n_clusters"] == 600
    assert clustered["se"] > 1.5 * areas["se"]
    assert clustered["ci_low"] < clustered["concentration_index"] < clustered["ci_high"]


def test_invariant_to_multiplying_every_population_by_a_constant():
    y, power, pop, district = simulate()
    a = inequality.concentration_index(y, power, pop, district, bootstrap=FEW)
    b = inequality.concentration_index(y, power, pop * 1000, district, bootstrap=FEW)
    for key in ("concentration_index", "se", "ci_low", "ci_high", "rii", "q1_q5_ratio"):
        assert b[key] == pytest.approx(a[key], rel=1e-8)


def test_outcome_concentrated_in_low_power_areas_is_negative_and_curve_above_diagonal():
    y, power, pop, district = simulate()
    low = inequality.concentration_index(y, power, pop, district, bootstrap=FEW)
    high = inequality.concentration_index(y, -power, pop, district, bootstrap=FEW)
    assert low["ci_high"] < 0 < high["ci_low"]
    assert high["concentration_index"] == pytest.approx(-low["concentration_index"], rel=1e-6)
    assert low["rii"] > 1 and low["q1_q5_ratio"] > 1
    curve = inequality.concentration_curve(y, power, pop)
    assert (curve["cum_outcome_share"] >= curve["cum_pop_share"] - 1e-12).all()


def test_flat_outcome_has_an_index_whose_interval_covers_zero():
    rng = np.random.default_rng(4)
    out = inequality.concentration_index(
        rng.uniform(1, 2, 400), rng.normal(size=400), np.ones(400), bootstrap=FEW
    )
    assert out["ci_low"] < 0 < out["ci_high"]


def test_negative_outcomes_get_only_the_generalised_index():
    out = inequality.concentration_index(
        [-1.0, 0.5, 2.0, 3.0], [1, 2, 3, 4], [1, 1, 1, 1], bootstrap=FEW
    )
    assert np.isnan(out["concentration_index"]) and np.isnan(out["rii"])
    assert out["generalised_index"] > 0
    assert "negative" in out["note"]


def test_curve_runs_from_origin_to_one_and_grid_interpolates():
    y, power, pop, _ = simulate(n=50)
    full = inequality.concentration_curve(y, power, pop)
    grid = inequality.concentration_curve(y, power, pop, n_points=11)
    assert full.iloc[0].tolist() == [0.0, 0.0]
    assert full.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert len(grid) == 11 and grid["cum_pop_share"].is_monotonic_increasing
    assert np.all(np.diff(full["cum_outcome_share"]) >= 0)


def test_table_names_missing_columns():
    frame = pd.DataFrame({"power": [1.0, 2.0, 3.0], "population": [1, 1, 1]})
    with pytest.raises(SchemaError, match="cin_per_10k"):
        inequality.concentration_table(
            frame,
            {"cin": {"column": "cin_per_10k", "weight": "population"}},
            rank_col="power",
            cluster=None,
            bootstrap=FEW,
            ci_level=0.95,
            curve_points=None,
        )


def test_areas_tied_on_power_share_one_rank_whatever_their_order():
    # Two areas with equal power and different outcomes, each its own cluster: listing them
    # the other way round changes nothing (each cluster keeps its draws), because the point
    # estimate and every replicate give a tied block its midpoint rank (fractional_rank).
    y = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    power = np.array([0.1, 0.5, 0.5, 0.9, 1.3])
    pop = np.array([100.0, 200.0, 50.0, 150.0, 120.0])
    cluster = np.arange(5)
    settings = inequality.BootstrapSettings(199, seed=2)
    swap = [0, 2, 1, 3, 4]
    a = inequality.concentration_index(y, power, pop, cluster, bootstrap=settings)
    b = inequality.concentration_index(
        y[swap], power[swap], pop[swap], cluster[swap], bootstrap=settings
    )
    rank = inequality.fractional_rank(power, pop)
    mean = np.average(y, weights=pop)
    textbook = 2 * np.average((y - mean) * (rank - 0.5), weights=pop) / mean
    assert a["concentration_index"] == pytest.approx(textbook, rel=1e-12)
    assert b["concentration_index"] == pytest.approx(textbook, rel=1e-12)
    for key in ("se", "ci_low", "ci_high", "rii_se"):
        assert a[key] == pytest.approx(b[key], rel=1e-12), key
