"""Model fits recover known parameters; failures become records; gradient tables are right."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from coprod.analysis import models
from coprod.errors import ConfigError


def simulate(n=3000, groups=60, slope=-0.5, seed=4):
    """LSOA-like areas in LADs: a LAD random intercept, a linear effect of power on a rate, and
    Poisson and negative-binomial counts with log rate ratio ``slope`` per unit of power."""
    rng = np.random.default_rng(seed)
    lad = rng.integers(0, groups, n)
    power = rng.normal(0, 2.0, n)
    pop = rng.integers(800, 3000, n).astype(float)
    mu = pop * np.exp(-3 + slope * power)
    nb_size = 5.0
    return pd.DataFrame(
        {
            "lad24cd": [f"E06{g:06d}" for g in lad],
            "power": power,
            "population": pop,
            "rate": 10 + slope * power + rng.normal(0, 1.0, groups)[lad] + rng.normal(0, 1.0, n),
            "poisson_count": rng.poisson(mu),
            "nb_count": rng.negative_binomial(nb_size, nb_size / (nb_size + mu)),
            "covariate": rng.normal(size=n),
        }
    )


@pytest.mark.parametrize("family", ["mixedlm", "ols", "wls", "ols_spline"])
def test_linear_families_recover_the_slope_per_sd_of_power(family):
    data = simulate()
    rec = models.fit_model(
        data,
        family=family,
        outcome="rate",
        covariates=["covariate"],
        cluster="lad24cd",
        weight="population",
    )
    truth = -0.5 * data["power"].std()
    assert rec["error"] == "" and rec["converged"]
    assert rec["estimate"] == pytest.approx(truth, abs=0.06)
    assert rec["ci_low"] < truth < rec["ci_high"]
    assert rec["estimate_std"] == pytest.approx(rec["estimate"] / data["rate"].std())


@pytest.mark.parametrize("family,count", [("poisson", "poisson_count"), ("negbin", "nb_count")])
def test_count_families_recover_the_log_rate_ratio_with_an_exposure_offset(family, count):
    data = simulate()
    rec = models.fit_model(
        data, family=family, outcome="rate", count=count, exposure="population", cluster="lad24cd"
    )
    truth = -0.5 * data["power"].std()
    assert rec["converged"]
    assert rec["estimate"] == pytest.approx(truth, abs=0.03)
    assert rec["ci_low"] < truth < rec["ci_high"]
    assert rec["formula"].startswith(f"{count} ~")


def test_mixedlm_estimate_scales_with_the_outcome():
    data = simulate()
    small = data.assign(rate=data["rate"] * 0.001)
    a = models.fit_model(data, family="mixedlm", outcome="rate", cluster="lad24cd")
    b = models.fit_model(small, family="mixedlm", outcome="rate", cluster="lad24cd")
    assert b["converged"]
    assert b["estimate"] == pytest.approx(a["estimate"] * 0.001, rel=1e-4)
    assert b["estimate_std"] == pytest.approx(a["estimate_std"], rel=1e-4)


def test_likelihood_is_on_the_scale_of_the_raw_outcome():
    data = simulate(n=500)
    rec = models.fit_model(data, family="ols", outcome="rate", cluster="lad24cd")
    raw = smf.ols("rate ~ power", data).fit()
    assert rec["llf"] == pytest.approx(raw.llf, rel=1e-9)
    assert rec["aic"] == pytest.approx(raw.aic, rel=1e-9)


def test_spline_slope_differs_from_linear_when_the_truth_is_curved():
    data = simulate()
    curved = data.assign(
        rate=np.where(data["power"] < 0, -2.0 * data["power"], 0.0)
        + np.random.default_rng(1).normal(0, 0.5, len(data))
    )
    spline = models.fit_model(curved, family="ols_spline", outcome="rate", cluster="lad24cd")
    p10, p90 = curved["power"].quantile([0.1, 0.9])
    mean_slope = (
        curved["rate"][curved["power"].between(p90 - 0.1, p90 + 0.1)].mean()
        - curved["rate"][curved["power"].between(p10 - 0.1, p10 + 0.1)].mean()
    ) / (p90 - p10)
    assert spline["estimate"] == pytest.approx(mean_slope * curved["power"].std(), rel=0.1)
    assert "cr(power_z" in spline["formula"]


def test_dropped_rows_are_counted_with_their_reason():
    data = simulate(n=400)
    data.loc[:4, "rate"] = np.nan
    data.loc[10:11, "population"] = 0
    rec = models.fit_model(data, family="ols", outcome="rate", cluster="lad24cd")
    assert (rec["n"], rec["n_dropped"]) == (395, 5)
    assert rec["dropped_reason"] == "5 missing rate"
    rec = models.fit_model(
        data,
        family="poisson",
        outcome="rate",
        count="poisson_count",
        exposure="population",
        cluster="lad24cd",
    )
    assert rec["n_dropped"] == 2 and rec["dropped_reason"] == "2 non-positive population"


def test_failures_are_records_not_exceptions():
    data = simulate(n=200)
    missing = models.fit_model(data, family="ols", outcome="no_such_column")
    assert "no_such_column" in missing["error"] and not missing["converged"]
    empty = models.fit_model(
        data.assign(rate=np.nan), family="mixedlm", outcome="rate", cluster="lad24cd"
    )
    assert empty["error"] and empty["n"] == 0 and empty["n_dropped"] == 200
    constant = models.fit_model(data.assign(rate=1.0), family="ols", outcome="rate")
    assert "no variation" in constant["error"]
    no_groups = models.fit_model(data, family="mixedlm", outcome="rate")
    assert "grouping" in no_groups["error"]
    with pytest.raises(ConfigError):
        models.fit_model(data, family="probit", outcome="rate")


def test_gradient_means_are_population_weighted_group_means():
    data = simulate(n=600).assign(power_decile=lambda d: models.quantile_group(d["power"], 10))
    table = models.gradient_table(
        data, outcome="r", column="rate", by="power_decile", weight="population", ci_level=0.95
    )
    expected = data.groupby("power_decile").apply(
        lambda g: np.average(g["rate"], weights=g["population"]), include_groups=False
    )
    np.testing.assert_allclose(table["mean"], expected.to_numpy())
    assert (table["ci_low"] < table["mean"]).all() and (table["mean"] < table["ci_high"]).all()
    assert table["n"].sum() == 600


def test_extreme_ratio_hand_case():
    gradient = pd.DataFrame(
        {
            "outcome": "y",
            "by": "power_quintile",
            "group": [1, 3, 5],
            "mean": [6.0, 4.0, 2.0],
            "se": [0.6, 0.1, 0.2],
        }
    )
    out = models.extreme_ratio(gradient, ci_level=0.95).iloc[0]
    assert out["ratio"] == pytest.approx(3.0)
    se_log = np.hypot(0.1, 0.1)
    assert out["ci_high"] == pytest.approx(3.0 * np.exp(1.959964 * se_log), rel=1e-6)
    negative = gradient.assign(mean=[-1.0, 0.0, 1.0])
    assert np.isnan(models.extreme_ratio(negative, ci_level=0.95).iloc[0]["ratio"])


def test_analysis_frame_attaches_power_and_derives_imd_deciles_most_deprived_first():
    table = pd.DataFrame(
        {"utla23cd": [f"E10{i:06d}" for i in range(20)], "imd_score": np.arange(20.0)}
    )
    scores = pd.DataFrame(
        {
            "utla23cd": table["utla23cd"][:19],
            "index_set": "core",
            "variant": "v",
            "value": np.linspace(-1, 1, 19),
            "decile": 1,
            "quintile": 1,
        }
    )
    frame = models.analysis_frame(table, scores, key="utla23cd", index_set="core", variant="v")
    assert frame["power"].isna().sum() == 1
    assert frame.loc[frame["imd_score"].idxmax(), "imd_decile"] == 1
    assert frame.loc[frame["imd_score"].idxmin(), "imd_decile"] == 10
    with pytest.raises(ConfigError):
        models.analysis_frame(table, scores, key="utla23cd", index_set="core", variant="other")
