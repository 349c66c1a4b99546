"""Multiverse: one row per specification, explicit skips, sharding as a partition, gathering."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.analysis import multiverse, power
from coprod.errors import ConfigError, CoprodError

ROOT = Path(__file__).resolve().parents[2]

POWER = {
    "anchor": "a",
    "index_sets": {
        "core": {"geography": "lsoa21", "aggregate_to": ["utla23"], "indicators": {"a": 1, "b": -1}},
        "demos": {"geography": "utla23", "aggregate_to": [],
                  "indicators": {"a": 1, "b": -1, "claim_score": -1}},
    },
    "variants": {"z": {"method": "zscore", "population_weighted": True},
                 "m": {"method": "minmax", "population_weighted": False}},
}
MODELS = {
    "ci_level": 0.95,
    "geographies": {"lsoa21": {"key": "lsoa21cd", "cluster": "lad24cd", "weight": "population"},
                    "utla23": {"key": "utla23cd", "cluster": None, "weight": "population"}},
    "outcomes": {
        "rate_l": {"column": "rate", "geographies": ["lsoa21"]},
        "claims": {"column": "claim_score", "count": "n_claims", "exposure": "population",
                   "same_as": ["claim_rate"], "geographies": ["lsoa21"]},
        "broken": {"column": "not_in_table", "geographies": ["lsoa21"]},
        "rate_u": {"column": "rate_u", "geographies": ["utla23"]},
    },
    "families": {"mixedlm": {"geographies": ["lsoa21"]}, "ols": {"geographies": ["lsoa21"]},
                 "wls": {"geographies": ["utla23"]}, "poisson": {"geographies": ["lsoa21", "utla23"]}},
    "covariate_sets": {"none": [], "dep": ["claim_score"]},
    "nested": {"base": "none", "adjusted": "dep"},
    "spline_df": 4, "reml": False, "maxiter": 200,
    "main": {"lsoa21": {"index_set": "core", "variant": "z", "family": "mixedlm"},
             "utla23": {"index_set": "core", "variant": "z", "family": "wls"}},
}
MULTIVERSE = {"n_shards": 3, "geographies": ["lsoa21", "utla23"], "index_sets": ["core", "demos"],
              "variants": ["z", "m"], "outcomes": ["rate_l", "claims", "broken", "rate_u"],
              "families": ["mixedlm", "ols", "wls", "poisson"], "covariate_sets": ["none", "dep"]}


def world(n=600, seed=8):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    lad = rng.integers(0, 24, n)
    pop = rng.integers(1000, 2500, n).astype(float)
    claim = 1 / (1 + np.exp(-(-2 - 0.7 * latent)))
    lsoa = pd.DataFrame({
        "lsoa21cd": [f"E01{i:06d}" for i in range(n)], "lad24cd": [f"E07{g:06d}" for g in lad],
        "utla23cd": [f"E10{g % 12:06d}" for g in lad], "population": pop,
        "a": latent + rng.normal(0, 0.5, n), "b": -latent + rng.normal(0, 0.5, n),
        "claim_score": claim, "n_claims": rng.binomial(pop.astype(int), claim),
        "rate": 5 - latent + rng.normal(0, 0.5, 24)[lad] + rng.normal(size=n),
    })
    weighted = lsoa[["a", "b", "claim_score"]].mul(lsoa["population"], axis=0).assign(
        utla23cd=lsoa["utla23cd"], population=lsoa["population"])
    utla = weighted.groupby("utla23cd", as_index=False).sum()
    utla[["a", "b", "claim_score"]] = utla[["a", "b", "claim_score"]].div(utla["population"], axis=0)
    utla["rate_u"] = 3 - 2 * utla["a"] + rng.normal(0, 0.2, len(utla))
    tables = {"lsoa21": lsoa, "utla23": utla}
    scores, _ = power.all_scores(tables, POWER, MODELS["geographies"])
    return tables, scores


@pytest.fixture(scope="module")
def fitted():
    tables, scores = world()
    specs = multiverse.expand_specs(MULTIVERSE, POWER, MODELS)
    shards = [multiverse.fit_specs(multiverse.shard(specs, k, 3), tables, scores, MODELS, ci_level=0.95)
              for k in range(3)]
    return specs, shards, multiverse.gather(specs, shards)


def test_repo_config_expands_to_every_combination_exactly_once():
    cfg = yaml.safe_load((ROOT / "config/models.yaml").read_text())
    mv = cfg["multiverse"]
    specs = multiverse.expand_specs(mv, cfg["power"], cfg["models"])
    lists = ["geographies", "index_sets", "variants", "outcomes", "families", "covariate_sets"]
    assert len(specs) == math.prod(len(mv[k]) for k in lists)
    assert specs["spec_id"].is_unique and specs["spec_id"].is_monotonic_increasing
    assert (specs["valid"] == (specs["skip_reason"] == "")).all()
    assert 0 < specs["valid"].sum() < len(specs)


def test_invalid_combinations_are_skipped_with_their_reason():
    specs = multiverse.expand_specs(MULTIVERSE, POWER, MODELS).set_index("spec_id")
    reasons = {
        "utla23.core.z.rate_l.wls.none": "measured at ['lsoa21'], not utla23",
        "lsoa21.demos.z.rate_l.ols.none": "index set demos is defined at ['utla23']",
        "lsoa21.core.z.rate_l.wls.none": "family wls is used at ['utla23']",
        "lsoa21.core.z.rate_l.poisson.none": "needs a count outcome",
        "lsoa21.core.z.claims.ols.dep": "covariate set dep contains the outcome",
    }
    for sid, reason in reasons.items():
        assert reason in specs.loc[sid, "skip_reason"], sid
    assert specs.loc[["lsoa21.core.z.claims.poisson.none", "utla23.demos.m.rate_u.wls.dep"], "valid"].all()
    outcomes = {**MODELS["outcomes"], "rate_u": {**MODELS["outcomes"]["rate_u"], "same_as": ["claim_score"]}}
    circular = multiverse.expand_specs(MULTIVERSE, POWER, {**MODELS, "outcomes": outcomes})
    circular = circular.set_index("spec_id")
    reason = circular.loc["utla23.demos.z.rate_u.wls.none", "skip_reason"]
    assert "demos has the outcome rate_u as an input" in reason
    assert circular.loc["utla23.core.z.rate_u.wls.none", "valid"]


def test_unknown_names_in_the_multiverse_lists_are_config_errors():
    with pytest.raises(ConfigError, match="outcomes"):
        multiverse.expand_specs({**MULTIVERSE, "outcomes": ["rate_l", "nope"]}, POWER, MODELS)


@pytest.mark.parametrize("n_shards", [1, 3, 7, 500])
def test_shards_partition_the_valid_specs_deterministically(n_shards):
    specs = multiverse.expand_specs(MULTIVERSE, POWER, MODELS)
    parts = [multiverse.shard(specs, k, n_shards)["spec_id"].tolist() for k in range(n_shards)]
    flat = [sid for part in parts for sid in part]
    assert sorted(flat) == sorted(specs.loc[specs["valid"], "spec_id"])
    assert len(flat) == len(set(flat))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert parts == [multiverse.shard(specs, k, n_shards)["spec_id"].tolist() for k in range(n_shards)]
    with pytest.raises(ConfigError):
        multiverse.shard(specs, n_shards, n_shards)


def test_every_spec_gets_exactly_one_row_including_failures(fitted):
    specs, _, table = fitted
    assert table["spec_id"].tolist() == specs["spec_id"].tolist()
    status = table.set_index("spec_id")["status"]
    assert (status[~specs.set_index("spec_id")["valid"]] == "skipped").all()
    broken = table[(table["outcome"] == "broken") & (table["status"] != "skipped")]
    assert len(broken) > 0 and (broken["status"] == "failed").all()
    assert broken["error"].str.contains("not_in_table").all()
    fitted_ok = table[table["status"] == "ok"]
    assert len(fitted_ok) > 0 and fitted_ok["converged"].all()
    assert fitted_ok["estimate"].notna().all() and (fitted_ok["se"] > 0).all()


def test_power_lowers_the_simulated_outcomes(fitted):
    table = fitted[2].set_index("spec_id")
    assert table.loc["lsoa21.core.z.rate_l.mixedlm.none", "ci_high"] < 0
    assert table.loc["lsoa21.core.z.claims.poisson.none", "ci_high"] < 0
    assert table.loc["utla23.core.z.rate_u.wls.none", "ci_high"] < 0


def test_gather_refuses_lost_or_duplicated_shards(fitted):
    specs, shards, _ = fitted
    with pytest.raises(CoprodError, match="missing"):
        multiverse.gather(specs, shards[:-1])
    with pytest.raises(CoprodError, match="duplicated"):
        multiverse.gather(specs, [*shards, shards[0]])


def test_nested_share_is_adjusted_over_base_estimate(fitted):
    table = fitted[2]
    nested = multiverse.nested_shares(table, base="none", adjusted="dep").set_index("spec_id_base")
    row = nested.loc["lsoa21.core.z.rate_l.mixedlm.none"]
    by_id = table.set_index("spec_id")["estimate"]
    assert row["share_remaining"] == pytest.approx(
        by_id["lsoa21.core.z.rate_l.mixedlm.dep"] / by_id["lsoa21.core.z.rate_l.mixedlm.none"])


def test_spec_curve_ranks_fitted_specs_within_outcome(fitted):
    curve = multiverse.spec_curve(fitted[2])
    for _, part in curve.groupby("outcome"):
        assert part["rank"].tolist() == list(range(1, len(part) + 1))
        assert part["estimate"].is_monotonic_increasing
    assert set(curve["status"]) <= {"ok", "not_converged"}


def test_headline_reads_the_main_model_of_each_outcome(fitted):
    table = fitted[2]
    nested = multiverse.nested_shares(table, base="none", adjusted="dep")
    head = multiverse.headline(table, nested, MODELS)
    main = head["main_models"]["rate_l"]
    assert main["unadjusted"]["spec_id"] == "lsoa21.core.z.rate_l.mixedlm.none"
    ratio = main["adjusted"]["estimate"] / main["unadjusted"]["estimate"]
    assert main["share_remaining"] == pytest.approx(ratio)
    assert sum(head["status_counts"].values()) == head["n_specs"] == len(table)


def test_replication_fits_both_vintages_and_falls_back_to_a_same_as_column():
    tables, scores = world(n=400)
    lsoa21 = tables["lsoa21"].assign(claim_rate=tables["lsoa21"]["claim_score"])
    lsoa11 = lsoa21.rename(columns={"lsoa21cd": "lsoa21cd_main", "lad24cd": "lad19cd"}).drop(
        columns=["claim_score"])
    out = multiverse.replication(lsoa21, lsoa11, scores["lsoa21"], models_cfg=MODELS,
                                 replication_cfg={"outcomes": ["claims"], "link": "lsoa21cd_main",
                                                  "cluster": "lad19cd"}, ci_level=0.95)
    assert out["vintage"].tolist() == ["iod2025", "iod2019"]
    assert out["column"].tolist() == ["claim_score", "claim_rate"]
    assert out["converged"].all()
    assert out["estimate"].iloc[0] == pytest.approx(out["estimate"].iloc[1], rel=1e-6)
