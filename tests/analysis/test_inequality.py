"""Concentration index: hand cases, the curve-area identity, scaling invariance, sign convention."""

import numpy as np
import pandas as pd
import pytest

from coprod.analysis import inequality
from coprod.errors import SchemaError


def test_hand_computed_case():
    # Four equal areas, least power first, outcome 4, 3, 2, 1: fractional ranks 1/8, 3/8, 5/8, 7/8,
    # mean 2.5, cov(y, R) = -0.3125, so CI = 2 * -0.3125 / 2.5 = -0.25.
    out = inequality.concentration_index([4, 3, 2, 1], [1, 2, 3, 4], [1, 1, 1, 1])
    assert out["concentration_index"] == pytest.approx(-0.25)
    assert out["generalised_index"] == pytest.approx(-0.625)
    assert out["mean"] == pytest.approx(2.5)


def test_fractional_rank_is_the_midpoint_of_each_population_share_and_ties_share_it():
    np.testing.assert_allclose(inequality.fractional_rank([3, 1, 2], [2, 1, 1]), [0.75, 0.125, 0.375])
    np.testing.assert_allclose(inequality.fractional_rank([1, 2, 2], [2, 1, 1]), [0.25, 0.75, 0.75])


def simulate(n=300, seed=2):
    rng = np.random.default_rng(seed)
    power = rng.normal(size=n)
    pop = rng.integers(500, 3000, size=n).astype(float)
    y = np.exp(0.5 - 0.4 * power + rng.normal(0, 0.3, size=n))
    return y, power, pop


def test_index_equals_one_minus_twice_the_area_under_the_concentration_curve():
    y, power, pop = simulate()
    out = inequality.concentration_index(y, power, pop)
    curve = inequality.concentration_curve(y, power, pop)
    area = np.trapezoid(curve["cum_outcome_share"], curve["cum_pop_share"])
    assert out["concentration_index"] == pytest.approx(1 - 2 * area, abs=1e-10)


def test_invariant_to_multiplying_every_population_by_a_constant():
    y, power, pop = simulate()
    a = inequality.concentration_index(y, power, pop)
    b = inequality.concentration_index(y, power, pop * 1000)
    for key in ("concentration_index", "se", "ci_low", "ci_high"):
        assert b[key] == pytest.approx(a[key], rel=1e-8)


def test_outcome_concentrated_in_low_power_areas_is_negative_and_curve_above_diagonal():
    y, power, pop = simulate()
    low = inequality.concentration_index(y, power, pop)
    high = inequality.concentration_index(y, -power, pop)
    assert low["ci_high"] < 0 < high["ci_low"]
    assert high["concentration_index"] == pytest.approx(-low["concentration_index"], rel=1e-6)
    curve = inequality.concentration_curve(y, power, pop)
    assert (curve["cum_outcome_share"] >= curve["cum_pop_share"] - 1e-12).all()


def test_flat_outcome_has_an_index_whose_interval_covers_zero():
    rng = np.random.default_rng(4)
    out = inequality.concentration_index(rng.uniform(1, 2, 400), rng.normal(size=400), np.ones(400))
    assert out["ci_low"] < 0 < out["ci_high"]


def test_negative_outcomes_get_only_the_generalised_index():
    out = inequality.concentration_index([-1.0, 0.5, 2.0, 3.0], [1, 2, 3, 4], [1, 1, 1, 1])
    assert np.isnan(out["concentration_index"])
    assert out["generalised_index"] > 0
    assert "negative" in out["note"]


def test_curve_runs_from_origin_to_one_and_grid_interpolates():
    y, power, pop = simulate(n=50)
    full = inequality.concentration_curve(y, power, pop)
    grid = inequality.concentration_curve(y, power, pop, n_points=11)
    assert full.iloc[0].tolist() == [0.0, 0.0]
    assert full.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert len(grid) == 11 and grid["cum_pop_share"].is_monotonic_increasing
    assert np.all(np.diff(full["cum_outcome_share"]) >= 0)


def test_table_names_missing_columns():
    frame = pd.DataFrame({"power": [1.0, 2.0, 3.0], "population": [1, 1, 1]})
    with pytest.raises(SchemaError, match="cin_per_10k"):
        inequality.concentration_table(frame, {"cin": {"column": "cin_per_10k", "weight": "population"}},
                                       rank_col="power", ci_level=0.95, hac_maxlags=None,
                                       curve_points=None)
