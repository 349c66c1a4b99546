"""Power index: orientation, weighting, reliability, groups, aggregation and the C1 statistics."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.analysis import power
from coprod.errors import ConfigError, SchemaError

ROOT = Path(__file__).resolve().parents[2]
CORE = {
    "share_qual_level4plus": 1,
    "share_qual_none": -1,
    "share_nssec_l1_l3": 1,
    "share_nssec_l12_l14": -1,
}
VARIANTS = {
    "zscore_equal": {"method": "zscore", "population_weighted": True},
    "pca1": {"method": "pca", "population_weighted": True},
    "demos_0_100": {"method": "minmax", "population_weighted": False},
}


def simulate(n=800, seed=1):
    """Areas with a latent capacity that raises Level 4+/L1-L3 shares and lowers the reversed ones;
    bigger areas have more capacity, so weighted and unweighted means differ."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    share = lambda a, b: 1 / (1 + np.exp(-(a * latent + b + rng.normal(0, 0.4, n))))  # noqa: E731
    return pd.DataFrame(
        {
            "lsoa21cd": [f"E01{i:06d}" for i in range(n)],
            "lad24cd": [f"E06{i % 20:06d}" for i in range(n)],
            "population": np.round(1500 * np.exp(0.3 * latent)).astype(int),
            "share_qual_level4plus": share(1.0, -1.0),
            "share_qual_none": share(-0.8, -1.5),
            "share_nssec_l1_l3": share(0.9, -1.0),
            "share_nssec_l12_l14": share(-0.9, -1.0),
            "latent": latent,
        }
    )


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_is_oriented_so_higher_means_more_power(variant):
    frame = simulate()
    value, diag = power.build_index(frame, CORE, VARIANTS[variant], anchor="share_qual_level4plus")
    assert np.corrcoef(value, frame["latent"])[0, 1] > 0.9
    assert np.corrcoef(value, frame["share_qual_none"])[0, 1] < 0
    assert all(loading > 0 for loading in diag["loading"])


def test_pca_sign_follows_the_anchor_whatever_the_column_order():
    frame = simulate()
    reordered = dict(reversed(list(CORE.items())))
    a, diag = power.build_index(frame, CORE, VARIANTS["pca1"], anchor="share_qual_level4plus")
    b, _ = power.build_index(frame, reordered, VARIANTS["pca1"], anchor="share_qual_level4plus")
    np.testing.assert_allclose(a, b, atol=1e-10)
    assert diag["weight"][0] > 0
    assert 0 < diag["variance_explained"] <= 1


def test_population_weighting_centres_the_zscore_index_on_the_average_resident():
    frame = simulate()
    weighted, _ = power.build_index(
        frame, CORE, VARIANTS["zscore_equal"], anchor="share_qual_level4plus"
    )
    unweighted, _ = power.build_index(
        frame,
        CORE,
        {"method": "zscore", "population_weighted": False},
        anchor="share_qual_level4plus",
    )
    assert np.average(weighted, weights=frame["population"]) == pytest.approx(0, abs=1e-12)
    assert unweighted.mean() == pytest.approx(0, abs=1e-12)
    assert abs(np.average(unweighted, weights=frame["population"])) > 0.05


def test_minmax_index_runs_from_0_for_the_worst_to_100_for_the_best_area():
    frame = pd.DataFrame({"code": ["a", "b", "c"], "good": [0.1, 0.2, 0.5], "bad": [0.9, 0.5, 0.1]})
    value, _ = power.build_index(
        frame, {"good": 1, "bad": -1}, VARIANTS["demos_0_100"], anchor="good", weight=None
    )
    np.testing.assert_allclose(value, [0.0, (25 + 50) / 2, 100.0])


def test_cronbach_alpha_matches_a_hand_computation():
    items = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 3.0]])
    assert power.cronbach_alpha(items) == pytest.approx(6 / 7)
    identical = np.column_stack([items[:, 0]] * 3)
    assert power.cronbach_alpha(identical) == pytest.approx(1.0)


def test_deciles_and_quintiles_are_equal_sized_and_ascending():
    values = pd.Series(np.random.default_rng(3).normal(size=200))
    decile = power.quantile_group(values, 10)
    assert decile.value_counts().tolist() == [20] * 10
    assert values[decile == 1].max() < values[decile == 2].min()
    assert values.idxmin() in decile.index[decile == 1]


def test_scores_keep_every_area_and_missing_indicators_drop_only_their_area():
    frame = simulate(n=100)
    frame.loc[5, "share_qual_none"] = np.nan
    scores, loadings = power.power_scores(
        frame,
        key="lsoa21cd",
        index_set="core",
        indicators=CORE,
        variants=VARIANTS,
        anchor="share_qual_level4plus",
    )
    assert scores.groupby("variant").size().tolist() == [99, 99, 99]
    assert frame.loc[5, "lsoa21cd"] not in set(scores["lsoa21cd"])
    assert set(loadings["n_missing"]) == {1}


def test_aggregation_is_population_weighted():
    scores = pd.DataFrame(
        {
            "lsoa21cd": ["a", "b", "c"],
            "index_set": "core",
            "variant": "v",
            "value": [1.0, 4.0, 10.0],
            "decile": 1,
            "quintile": 1,
        }
    )
    areas = pd.DataFrame(
        {"lsoa21cd": ["a", "b", "c"], "lad24cd": ["X", "X", "Y"], "population": [300, 100, 50]}
    )
    out = power.aggregate_scores(scores, areas, key="lsoa21cd", group="lad24cd").set_index(
        "lad24cd"
    )
    assert out.loc["X", "value"] == pytest.approx((300 * 1 + 100 * 4) / 400)
    assert out.loc["Y", "value"] == pytest.approx(10.0)


def test_aggregation_refuses_areas_without_a_group():
    scores = pd.DataFrame(
        {
            "lsoa21cd": ["a"],
            "index_set": "core",
            "variant": "v",
            "value": [1.0],
            "decile": 1,
            "quintile": 1,
        }
    )
    areas = pd.DataFrame({"lsoa21cd": ["b"], "lad24cd": ["X"], "population": [1]})
    with pytest.raises(SchemaError, match="lad24cd"):
        power.aggregate_scores(scores, areas, key="lsoa21cd", group="lad24cd")


def test_bad_config_is_rejected_with_its_name():
    frame = simulate(n=50)
    with pytest.raises(ConfigError, match="anchor"):
        power.build_index(frame, CORE, VARIANTS["pca1"], anchor="turnout")
    with pytest.raises(ConfigError, match="method"):
        power.build_index(frame, CORE, {"method": "median"}, anchor="share_qual_level4plus")


def test_r2_interval_recovers_a_known_r2_and_is_reproducible():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 2))
    y = x @ np.array([1.0, 1.0]) + rng.normal(scale=np.sqrt(2.0), size=400)  # true R2 = 0.5
    a = power.r2_with_interval(y, x, n_resamples=300, seed=11, ci_level=0.95)
    b = power.r2_with_interval(y, x, n_resamples=300, seed=11, ci_level=0.95)
    assert a == b
    assert a["ci_low"] < 0.5 < a["ci_high"]
    assert a["ci_low"] < a["r2"] < a["ci_high"]


def test_correlation_interval_covers_the_true_correlation():
    rng = np.random.default_rng(5)
    z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=500)
    out = power.correlation_with_interval(z[:, 0], z[:, 1], 0.95)
    assert out["ci_low"] < 0.6 < out["ci_high"]
    assert out["ci_low"] < out["r"] < out["ci_high"]


@pytest.mark.mirror
def test_core_index_on_the_real_lsoa_table_is_oriented_towards_power():
    path = ROOT / "results/tables/lsoa21.parquet"
    if not path.exists():
        pytest.skip(f"{path} not built")
    cfg = yaml.safe_load((ROOT / "config/models.yaml").read_text())["power"]
    core = cfg["index_sets"]["core"]
    frame = pd.read_parquet(path)
    for name, variant in cfg["variants"].items():
        value, _ = power.build_index(frame, core["indicators"], variant, anchor=cfg["anchor"])
        assert value.corr(frame["share_qual_level4plus"]) > 0.5, name
        assert value.corr(frame["imd_score"]) < -0.3, name


def test_c1_tests_on_a_simulated_lad_table():
    frame = simulate(n=300).drop(columns="lad24cd").rename(columns={"lsoa21cd": "lad24cd"})
    rng = np.random.default_rng(9)
    frame["turnout_ge2024_pct"] = 60 + 4 * frame["latent"] + rng.normal(0, 3, len(frame))
    frame["income_score"] = 0.2 - 0.05 * frame["latent"] + rng.normal(0, 0.03, len(frame))
    demos = {**CORE, "turnout_ge2024_pct": 1, "income_score": -1}
    demos_scores, _ = power.power_scores(
        frame,
        key="lad24cd",
        index_set="demos",
        indicators=demos,
        variants=VARIANTS,
        anchor="share_qual_level4plus",
    )
    core_scores, _ = power.power_scores(
        frame,
        key="lad24cd",
        index_set="core",
        indicators=CORE,
        variants=VARIANTS,
        anchor="share_qual_level4plus",
    )
    out = power.c1_tests(
        frame,
        pd.concat([demos_scores, core_scores]),
        key="lad24cd",
        demos_set="demos",
        core_set="core",
        components=list(CORE),
        turnout="turnout_ge2024_pct",
        n_resamples=200,
        seed=1,
        ci_level=0.95,
        rest_indicators={"turnout_ge2024_pct": 1, "income_score": -1},
        variants=VARIANTS,
    )
    for variant in VARIANTS:
        full = out["r2_demos_on_education_occupation"][variant]["r2"]
        rest = out["r2_rest_of_demos_on_education_occupation"][variant]["r2"]
        assert 0 < rest < full < 1
        assert out["core_turnout_correlation"][variant]["ci_low"] > 0.3
