"""Participation calibration (issue 10 item 1): the published fifths are reproduced exactly."""

import numpy as np
import pandas as pd
import pytest

from coprod.analysis import participation as part


def _areas(n=500, seed=3):
    rng = np.random.default_rng(seed)
    u = (np.arange(n) + 0.5) / n
    adults = rng.integers(800, 2500, n).astype(float)
    fifth = part.fifth_of(pd.Series(u)).to_numpy()
    level4 = np.clip(0.1 + 0.4 * u + rng.normal(0, 0.08, n), 0.01, 0.9)
    return u, adults, fifth, level4


def test_linear_calibration_reproduces_both_fifths_and_reports_the_mean():
    u, adults, fifth, _ = _areas()
    p = part.linear_participation(u, adults, fifth, np.array([0.34]), np.array([0.48]))[0]
    assert np.average(p[fifth == 1], weights=adults[fifth == 1]) == pytest.approx(0.34, abs=1e-12)
    assert np.average(p[fifth == 5], weights=adults[fifth == 5]) == pytest.approx(0.48, abs=1e-12)
    mean = np.average(p, weights=adults)
    assert 0.34 < mean < 0.48 and mean == pytest.approx(0.41, abs=0.01)  # linear: near the midpoint
    assert np.all(np.diff(p) > 0)  # rises with rank


def test_logistic_calibration_reproduces_both_fifths_for_every_draw():
    u, adults, fifth, level4 = _areas()
    q1, q5 = np.array([0.34, 0.30, 0.36]), np.array([0.48, 0.52, 0.45])
    p = part.logistic_participation(level4, adults, fifth, q1, q5)
    for k in range(3):
        assert np.average(p[k, fifth == 1], weights=adults[fifth == 1]) == pytest.approx(
            q1[k], abs=1e-9
        )
        assert np.average(p[k, fifth == 5], weights=adults[fifth == 5]) == pytest.approx(
            q5[k], abs=1e-9
        )
    assert np.all((p > 0) & (p < 1))


@pytest.mark.parametrize("method", part.LEVELLING)
def test_levelling_takes_the_survey_mean_to_the_latest_mean(method):
    out = part.level_to_latest(np.array([[0.41123]]), 0.41123, 0.33585, method)
    assert out[0, 0] == pytest.approx(0.33585, abs=1e-12)


def test_gap_is_people_below_the_reference():
    p = np.array([[0.30, 0.40, 0.50]])
    adults = np.array([1000.0, 2000.0, 3000.0])
    gap = part.gap_people(p, adults, np.array([0.45]))
    assert gap[0].tolist() == pytest.approx([150.0, 100.0, 0.0])


def test_references_are_adult_weighted_means():
    p = np.array([[0.30, 0.40, 0.50]])
    adults = np.array([1000.0, 1000.0, 2000.0])
    refs = part.references(
        p, adults, imd_fifth=np.array([1, 3, 5]), power_fifth=np.array([1, 5, 5])
    )
    assert refs["national_mean"][0] == pytest.approx(0.425)
    assert refs["least_deprived_fifth"][0] == pytest.approx(0.50)
    assert refs["top_power_fifth"][0] == pytest.approx((0.40 * 1000 + 0.50 * 2000) / 3000)
