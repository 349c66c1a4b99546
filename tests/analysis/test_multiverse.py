"""Multiverse: only combinations that exist, substantive exclusions with their reason, sharding
as a partition, gathering, directions by outcome family, conditional estimates."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.analysis import multiverse, outcomes, power
from coprod.errors import ConfigError, CoprodError

ROOT = Path(__file__).resolve().parents[2]

POWER = {
    "anchor": "a",
    "index_sets": {
        "core": {
            "geography": "lsoa21",
            "aggregate_to": ["utla23"],
            "indicators": {"a": 1, "b": -1},
        },
        "demos": {
            "geography": "utla23",
            "aggregate_to": [],
            "indicators": {"a": 1, "b": -1, "claim_score": -1},
        },
    },
    "variants": {
        "z": {"method": "zscore", "population_weighted": True},
        "m": {"method": "minmax", "population_weighted": False},
    },
}
MODELS = {
    "ci_level": 0.95,
    "geographies": {
        "lsoa21": {"key": "lsoa21cd", "cluster": "lad24cd", "weight": "population"},
        "utla23": {"key": "utla23cd", "cluster": None, "weight": "population"},
    },
    "outcomes": {
        "rate_l": {
            "column": "rate",
            "geographies": ["lsoa21"],
            "kind": "service_use",
            "desirable": "lower",
            "outcome_family": "use",
            "skewed": True,
        },
        "claims": {
            "column": "claim_score",
            "count": "n_claims",
            "exposure": "population",
            "same_as": ["claim_rate"],
            "geographies": ["lsoa21"],
            "kind": "deprivation_defined",
            "desirable": "lower",
            "outcome_family": "dep",
        },
        "broken": {
            "column": "not_in_table",
            "geographies": ["lsoa21"],
            "kind": "service_use",
            "desirable": "lower",
            "outcome_family": "use",
        },
        "rate_u": {
            "column": "rate_u",
            "geographies": ["utla23"],
            "kind": "service_quality",
            "desirable": "higher",
            "outcome_family": "quality",
        },
    },
    "families": {
        "mixedlm": {"geographies": ["lsoa21"]},
        "mixedlm_slope": {"geographies": ["lsoa21"]},
        "ols": {"geographies": ["lsoa21"]},
        "ols_log": {"geographies": ["lsoa21"]},
        "wls": {"geographies": ["utla23"]},
        "poisson": {"geographies": ["lsoa21", "utla23"]},
    },
    "covariate_sets": {"none": [], "dep": ["claim_score"]},
    "nested": {"base": "none", "adjusted": ["dep"], "max_vif": 10},
    "spline_df": 4,
    "reml": False,
    "maxiter": 200,
    "main": {
        "lsoa21": {
            "index_set": "core",
            "variant": "z",
            "family": "mixedlm_slope",
            "comparison_family": "mixedlm",
        },
        "utla23": {"index_set": "core", "variant": "z", "family": "wls"},
    },
}
MULTIVERSE = {
    "n_shards": 3,
    "geographies": ["lsoa21", "utla23"],
    "index_sets": ["core", "demos"],
    "variants": ["z", "m"],
    "outcomes": ["rate_l", "claims", "broken", "rate_u"],
    "families": ["mixedlm", "mixedlm_slope", "ols", "ols_log", "wls", "poisson"],
    "covariate_sets": ["none", "dep"],
    "fdr_alpha": 0.05,
}


def world(n=600, seed=8):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    lad = rng.integers(0, 24, n)
    pop = rng.integers(1000, 2500, n).astype(float)
    claim = 1 / (1 + np.exp(-(-2 - 0.7 * latent)))
    lsoa = pd.DataFrame(
        {
            "lsoa21cd": [f"E01{i:06d}" for i in range(n)],
            "lad24cd": [f"E07{g:06d}" for g in lad],
            "utla23cd": [f"E10{g % 12:06d}" for g in lad],
            "population": pop,
            "a": latent + rng.normal(0, 0.5, n),
            "b": -latent + rng.normal(0, 0.5, n),
            "claim_score": claim,
            "n_claims": rng.binomial(pop.astype(int), claim),
            "rate": 5 - latent + rng.normal(0, 0.5, 24)[lad] + rng.normal(size=n),
        }
    )
    weighted = (
        lsoa[["a", "b", "claim_score"]]
        .mul(lsoa["population"], axis=0)
        .assign(utla23cd=lsoa["utla23cd"], population=lsoa["population"])
    )
    utla = weighted.groupby("utla23cd", as_index=False).sum()
    utla[["a", "b", "claim_score"]] = utla[["a", "b", "claim_score"]].div(
        utla["population"], axis=0
    )
    utla["rate_u"] = 3 + 8 * utla["a"] + rng.normal(0, 0.1, len(utla))
    tables = {"lsoa21": lsoa, "utla23": utla}
    scores, _ = power.all_scores(tables, POWER, MODELS["geographies"])
    return tables, scores


@pytest.fixture(scope="module")
def fitted():
    tables, scores = world()
    specs = multiverse.expand_specs(MULTIVERSE, POWER, MODELS)
    shards = [
        multiverse.fit_specs(multiverse.shard(specs, k, 3), tables, scores, MODELS, ci_level=0.95)
        for k in range(3)
    ]
    return specs, shards, multiverse.gather(specs, shards)


def _defined_at(row, cfg) -> bool:
    outcome = cfg["models"]["outcomes"][row["outcome"]]
    index = cfg["power"]["index_sets"][row["index_set"]]
    family = row["family"]
    return (
        row["geography"] in outcome["geographies"]
        and row["geography"] in [index["geography"], *index.get("aggregate_to", [])]
        and row["geography"] in cfg["models"]["families"][family]["geographies"]
        and (family not in ("poisson", "negbin") or "count" in outcome)
        and (not family.endswith("_log") or outcome.get("skewed", False))
    )


def test_repo_config_enumerates_only_combinations_defined_at_their_geography():
    cfg = yaml.safe_load((ROOT / "config/models.yaml").read_text())
    mv = cfg["multiverse"]
    specs = multiverse.expand_specs(mv, cfg["power"], cfg["models"])
    assert specs["spec_id"].is_unique and specs["spec_id"].is_monotonic_increasing
    assert all(_defined_at(row, cfg) for row in specs.to_dict("records"))
    lists = ["geographies", "index_sets", "variants", "outcomes", "families", "covariate_sets"]
    full = math.prod(len(mv[k]) for k in lists)
    assert len(specs) < full / 4  # most of the cartesian product does not exist
    assert (specs["valid"] == (specs["exclusion_reason"] == "")).all()
    # Substantive exclusions are few, and each one regresses an outcome on itself.
    excluded = specs.loc[~specs["valid"]]
    assert 0 < len(excluded) < 0.25 * len(specs)
    assert excluded["exclusion_reason"].str.contains("the outcome").all()
    # Every outcome the multiverse uses keeps some specifications.
    assert set(specs.loc[specs["valid"], "outcome"]) == set(mv["outcomes"])


def test_every_configured_outcome_has_a_recorded_class_and_direction():
    cfg = yaml.safe_load((ROOT / "config/models.yaml").read_text())
    classes = outcomes.classification_table(cfg["models"]["outcomes"])
    assert sorted(classes["outcome"]) == sorted(cfg["models"]["outcomes"])
    assert classes["kind"].isin(outcomes.KINDS).all()
    assert classes["desirable"].isin(outcomes.DESIRABLE).all()
    assert (classes["expected_sign"] == np.where(classes["desirable"] == "lower", -1, 1)).all()
    by_name = classes.set_index("outcome")
    # The benefit-based measures are inputs of the IoD: deprivation-defined, not service use.
    assert (
        by_name.loc[["income_claimants", "employment_claimants", "illness_disability"], "kind"]
        == "deprivation_defined"
    ).all()
    # Adult social care quality of life: higher is better, so the expected sign is positive.
    assert by_name.loc["asc1_carer_quality_of_life", "expected_sign"] == 1
    with pytest.raises(ConfigError, match="desirable"):
        outcomes.outcome_classes(
            {"x": {**cfg["models"]["outcomes"]["acute_morbidity"], "desirable": "up"}}
        )


def test_combinations_that_do_not_exist_are_not_enumerated_and_exclusions_say_why():
    specs = multiverse.expand_specs(MULTIVERSE, POWER, MODELS).set_index("spec_id")
    absent = [
        "utla23.core.z.rate_l.wls.none",  # outcome not measured there
        "lsoa21.demos.z.rate_l.ols.none",  # index not defined there
        "lsoa21.core.z.rate_l.wls.none",  # family not used there
        "lsoa21.core.z.rate_l.poisson.none",  # no count
        "lsoa21.core.z.claims.ols_log.none",
    ]  # not marked skewed
    assert not set(absent) & set(specs.index)
    assert "lsoa21.core.z.rate_l.ols_log.none" in specs.index
    assert (
        "covariate set dep holds ['claim_score']"
        in specs.loc["lsoa21.core.z.claims.ols.dep", "exclusion_reason"]
    )
    assert specs.loc[
        ["lsoa21.core.z.claims.poisson.none", "utla23.demos.m.rate_u.wls.dep"], "valid"
    ].all()
    outcomes_cfg = {
        **MODELS["outcomes"],
        "rate_u": {**MODELS["outcomes"]["rate_u"], "same_as": ["claim_score"]},
    }
    circular = multiverse.expand_specs(MULTIVERSE, POWER, {**MODELS, "outcomes": outcomes_cfg})
    circular = circular.set_index("spec_id")
    reason = circular.loc["utla23.demos.z.rate_u.wls.none", "exclusion_reason"]
    assert "demos has ['claim_score'] (the outcome) as an input" in reason
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
    assert parts == [
        multiverse.shard(specs, k, n_shards)["spec_id"].tolist() for k in range(n_shards)
    ]
    with pytest.raises(ConfigError):
        multiverse.shard(specs, n_shards, n_shards)


def test_every_spec_gets_exactly_one_row_including_failures(fitted):
    specs, _, table = fitted
    assert table["spec_id"].tolist() == specs["spec_id"].tolist()
    status = table.set_index("spec_id")["status"]
    assert (status[~specs.set_index("spec_id")["valid"]] == "excluded").all()
    broken = table[(table["outcome"] == "broken") & (table["status"] != "excluded")]
    assert len(broken) > 0 and (broken["status"] == "failed").all()
    assert broken["error"].str.contains("not_in_table").all()
    fitted_ok = table[table["status"] == "ok"]
    assert len(fitted_ok) > 0 and fitted_ok["converged"].all()
    assert fitted_ok["estimate"].notna().all() and (fitted_ok["se"] > 0).all()
    counts = multiverse.multiverse_counts(table)
    assert counts["n_defined"] == len(specs)
    assert counts["n_fitted"] == counts["n_defined"] - counts["n_excluded"] == specs["valid"].sum()
    assert (
        counts["n_converged"] + counts["n_not_converged"] + counts["n_failed"] == counts["n_fitted"]
    )


def test_power_lowers_the_simulated_outcomes(fitted):
    table = fitted[2].set_index("spec_id")
    assert table.loc["lsoa21.core.z.rate_l.mixedlm.none", "ci_high"] < 0
    assert table.loc["lsoa21.core.z.rate_l.mixedlm_slope.none", "ci_high"] < 0
    assert table.loc["lsoa21.core.z.claims.poisson.none", "ci_high"] < 0
    assert table.loc["utla23.core.z.rate_u.wls.none", "ci_low"] > 0


def test_random_slopes_widen_the_interval_when_districts_differ_in_slope():
    tables, scores = world()
    lsoa = tables["lsoa21"]
    rng = np.random.default_rng(3)
    district = pd.factorize(lsoa["lad24cd"])[0]
    slope = rng.normal(0, 0.8, district.max() + 1)[district]
    lsoa = lsoa.assign(rate=5 - (1 + slope) * lsoa["a"] + rng.normal(size=len(lsoa)))
    frame = multiverse.analysis_frame(
        lsoa, scores["lsoa21"], key="lsoa21cd", index_set="core", variant="z"
    )
    from coprod.analysis.models import fit_model

    ri = fit_model(frame, family="mixedlm", outcome="rate", cluster="lad24cd")
    rs = fit_model(frame, family="mixedlm_slope", outcome="rate", cluster="lad24cd")
    assert rs["converged"] and rs["re_slope_sd"] > 0.3
    assert rs["se"] > 1.5 * ri["se"]
    assert ri["re_slope_sd"] is None


def test_gather_refuses_lost_or_duplicated_shards(fitted):
    specs, shards, _ = fitted
    with pytest.raises(CoprodError, match="missing"):
        multiverse.gather(specs, shards[:-1])
    with pytest.raises(CoprodError, match="duplicated"):
        multiverse.gather(specs, [*shards, shards[0]])


def test_conditional_ratio_only_where_it_means_something(fitted):
    table = fitted[2]
    nested = multiverse.nested_shares(table, base="none", adjusted=["dep"], max_vif=10)
    nested = nested.set_index("spec_id_base")
    row = nested.loc["lsoa21.core.z.rate_l.mixedlm.none"]
    by_id = table.set_index("spec_id")["estimate"]
    assert row["ratio_conditional"] == pytest.approx(
        by_id["lsoa21.core.z.rate_l.mixedlm.dep"] / by_id["lsoa21.core.z.rate_l.mixedlm.none"]
    )
    # Make the adjusted fit collinear: the ratio is withheld and the note says why.
    collinear = table.assign(
        vif_max=np.where(
            table["spec_id"] == "lsoa21.core.z.rate_l.mixedlm.dep", 25.0, table["vif_max"]
        )
    )
    again = multiverse.nested_shares(collinear, base="none", adjusted=["dep"], max_vif=10)
    again = again.set_index("spec_id_base").loc["lsoa21.core.z.rate_l.mixedlm.none"]
    assert np.isnan(again["ratio_conditional"]) and again["ratio_note"] == "VIF above 10"


def test_directions_follow_each_outcome_and_families_weigh_equally(fitted):
    directed = multiverse.with_directions(fitted[2], MODELS["outcomes"], fdr_alpha=0.05)
    assert set(directed["status"]) == {"ok"}
    # rate_l (lower is better) falls with power, rate_u (higher is better) rises: both expected.
    assert directed.loc[directed["outcome"] == "rate_l", "expected_direction"].all()
    assert directed.loc[directed["outcome"] == "rate_u", "expected_direction"].all()
    assert (directed["q_value"] >= directed["p_value"] - 1e-12).all()
    summary = multiverse.direction_summary(directed).set_index("outcome_family")
    families = summary.drop(index=["all", "all_service"])
    assert summary.loc["all", "share_expected"] == pytest.approx(families["share_expected"].mean())
    assert summary.loc["all_service", "share_expected"] == pytest.approx(
        families.drop(index="dep")["share_expected"].mean()
    )
    curve = multiverse.spec_curve(directed)
    for _, part in curve.groupby("desirable"):
        assert part["rank"].tolist() == list(range(1, len(part) + 1))
        assert part["estimate"].is_monotonic_increasing


def test_headline_reads_the_main_model_of_each_outcome(fitted):
    table = fitted[2]
    nested = multiverse.nested_shares(table, base="none", adjusted=["dep"], max_vif=10)
    head = multiverse.headline(table, nested, MODELS)
    main = head["main_models"]["rate_l"]
    assert main["unconditional"]["spec_id"] == "lsoa21.core.z.rate_l.mixedlm_slope.none"
    assert main["comparison"]["spec_id"] == "lsoa21.core.z.rate_l.mixedlm.none"
    assert main["unconditional"]["re_slope_sd"] > 0
    cond = main["conditional"]["dep"]
    assert cond["ratio_conditional"] == pytest.approx(
        cond["estimate"] / main["unconditional"]["estimate"]
    )
    assert (
        head["main_models"]["claims"]["conditional"]["dep"] is None
    )  # excluded: the outcome itself
    assert main["expected_sign"] == -1 and head["main_models"]["rate_u"]["expected_sign"] == 1
    assert sum(head["status_counts"].values()) == head["n_specs"] == len(table)


def test_replication_fits_both_vintages_and_falls_back_to_a_same_as_column():
    tables, scores = world(n=400)
    lsoa21 = tables["lsoa21"].assign(claim_rate=tables["lsoa21"]["claim_score"])
    lsoa11 = lsoa21.rename(columns={"lsoa21cd": "lsoa21cd_main", "lad24cd": "lad19cd"}).drop(
        columns=["claim_score"]
    )
    out = multiverse.replication(
        lsoa21,
        lsoa11,
        scores["lsoa21"],
        models_cfg=MODELS,
        replication_cfg={"outcomes": ["claims"], "link": "lsoa21cd_main", "cluster": "lad19cd"},
        ci_level=0.95,
    )
    assert out["vintage"].tolist() == ["iod2025", "iod2019"]
    assert out["column"].tolist() == ["claim_score", "claim_rate"]
    assert out["converged"].all()
    assert out["estimate"].iloc[0] == pytest.approx(out["estimate"].iloc[1], rel=1e-6)
