"""Cost model: hand-computed case, additivity, seeding, linearity, allocation, validation."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.analysis import costs
from coprod.errors import ConfigError, GeographyError

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "costs.yaml"
SCHEMA = ROOT / "workflow" / "schemas" / "costs.schema.yaml"

# Point values for the one-area hand computation (see test_one_area_matches_hand_computation).
POINT = {
    "cyp_sw_hourly_cost_gbp": 60, "asc_staff_hourly_cost_gbp": 60, "other_staff_hourly_cost_gbp": 47,
    "training_hours_per_staff": 35, "refresher_hours_per_staff_year": 7,
    "course_cost_per_trainee_gbp": 350, "backfill_share": 0.5, "asc_staff_per_1000": 0.7,
    "other_staff_per_1000": 0.6, "other_staff_turnover_rate": 0.15,
    "participation_share_at_mean_gap": 0.02, "timebank_cost_per_member_gbp": 450,
    "befriending_cost_per_person_gbp": 80, "navigator_cost_per_person_gbp": 480,
    "lac_cost_per_coordinator_year_gbp": 44000, "residents_per_coordinator": 20000,
    "timebank_saving_per_member_gbp": 1300, "befriending_saving_per_person_gbp": 300,
    "navigator_saving_per_person_gbp": 900, "lac_social_value_ratio": 4,
}


def load_cfg() -> dict:
    return yaml.safe_load(CONFIG.read_text())["costs"]


def small_cfg(n_draws: int = 2000, seed: int = 7) -> dict:
    cfg = load_cfg()
    cfg["n_draws"], cfg["seed"] = n_draws, seed
    return cfg


def point_cfg() -> dict:
    cfg = small_cfg(n_draws=3)
    for name, value in POINT.items():
        spec = cfg["parameters"][name]
        cfg["parameters"][name] = {"dist": "fixed", "value": value, "unit": spec["unit"],
                                   "price_year": spec["price_year"], "source": spec["source"],
                                   "note": spec.get("note", "x")}
    return cfg


def utla_table(n: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    pop = rng.integers(100_000, 1_000_000, n).astype(float)
    return pd.DataFrame({
        "utla23cd": [f"E06{i:06d}" for i in range(n)],
        "utla23nm": [f"Council {i}" for i in range(n)],
        "population": pop,
        "imd_score": np.linspace(10, 40, n),
        "sw_fte": pop / 1500,
        "sw_turnover_rate_pct": rng.uniform(10, 25, n),
        "spend_total_service_gbp_2024_25": pop * 2000,
    })


def gap_table(utla: pd.DataFrame) -> pd.DataFrame:
    n = len(utla)
    return pd.DataFrame({"utla23cd": utla["utla23cd"],
                         "capacity_gap": np.linspace(0.0, 1.0, n),
                         "population": utla["population"],
                         "power_quintile": np.minimum(5, 5 - np.arange(n) * 5 // n)})


def utla_areas(n: int = 6) -> pd.DataFrame:
    utla = utla_table(n)
    return costs.prepare_areas(utla, gap_table(utla), "utla23cd", spend_year="2024_25")


def one_area() -> pd.DataFrame:
    utla = pd.DataFrame({"utla23cd": ["E06000001"], "utla23nm": ["Solo"], "population": [100_000.0],
                         "imd_score": [30.0], "sw_fte": [100.0], "sw_turnover_rate_pct": [15.0],
                         "spend_total_service_gbp_2024_25": [500e6]})
    gap = pd.DataFrame({"utla23cd": ["E06000001"], "capacity_gap": [0.2], "power_quintile": [1]})
    return costs.prepare_areas(utla, gap, "utla23cd", spend_year="2024_25")


def test_one_area_matches_hand_computation():
    # Per trainee at GBP 60/h: 35 h x 60 x 1.5 (backfill) + 350 course = 3500; refresher
    # 7 x 60 x 1.5 = 630. Children's SW: 100 x (3500 x (1 + 3 x 0.15) + 3 x 630) = 696,500.
    # Adult staff 70 FTE: 70 x 6965 = 487,550. Other staff 60 at GBP 47/h: per trainee 2817.5,
    # refresher 493.5, per person 2817.5 x 1.45 + 1480.5 = 5565.875, x 60 = 333,952.5.
    # Community: 2,000 participants x GBP 348 (0.4x450 + 0.3x80 + 0.3x480) + 5 coordinators x
    # 44,000, over 3 years = 2,748,000. Savings 3 x 2,000 x 880 = 5,280,000; social value
    # 3 x 220,000 x 4 = 2,640,000.
    cfg = point_cfg()
    areas = one_area()
    draws = costs.draw_parameters(cfg["parameters"], 3, seed=1)
    for scenario in costs.SCENARIOS:
        sim = costs.simulate(areas, draws, scenario, cfg)
        assert sim["workforce_gbp"][:, 0] == pytest.approx([1_518_002.5] * 3, rel=1e-12)
        assert sim["community_gbp"][:, 0] == pytest.approx([2_748_000.0] * 3, rel=1e-12)
        assert sim["total_gbp"][:, 0] == pytest.approx([4_266_002.5] * 3, rel=1e-12)
        assert sim["offset_savings_gbp"][0, 0] == pytest.approx(5_280_000.0, rel=1e-12)
        assert sim["offset_social_value_gbp"][0, 0] == pytest.approx(2_640_000.0, rel=1e-12)
    row = costs.run_cost_model(areas, cfg, "utla23")["scenarios"].iloc[0]
    assert row["per_head_gbp_mean"] == pytest.approx(42.660025, rel=1e-12)
    assert row["annual_share_of_spend_mean"] == pytest.approx(4_266_002.5 / 3 / 500e6, rel=1e-12)
    assert row["prob_savings_exceed_costs"] == 1.0
    assert row["gap_closed_share"] == 1.0


def test_totals_equal_sum_of_areas():
    cfg = small_cfg(n_draws=500)
    areas = utla_areas()
    out = costs.run_cost_model(areas, cfg, "utla23")
    by_area = out["areas"].groupby("scenario")["total_gbp_mean"].sum()
    national = out["scenarios"].set_index("scenario")["total_gbp_mean"]
    pd.testing.assert_series_equal(by_area.sort_index(), national.sort_index(),
                                   check_names=False, rtol=1e-12)
    sim = costs.monte_carlo(areas, cfg)["universal"]
    np.testing.assert_allclose(sim["total_gbp"], sim["workforce_gbp"] + sim["community_gbp"])


def test_lad_apportionment_conserves_council_totals():
    utla = utla_table(3)
    lad = pd.DataFrame({"lad24cd": ["E07000001", "E07000002", "E06000001", "E06000002"],
                        "lad24nm": list("abcd"),
                        "utla23cd": ["E06000000", "E06000000", "E06000001", "E06000002"],
                        "population": [utla["population"][0] * 0.25, utla["population"][0] * 0.75,
                                       utla["population"][1], utla["population"][2]],
                        "imd_score": [5.0, 15.0, 25.0, 35.0]})
    gap = pd.DataFrame({"lad24cd": lad["lad24cd"], "capacity_gap": [0.1, 0.2, 0.3, 0.4],
                        "power_quintile": [5, 4, 2, 1]})
    areas = costs.prepare_areas(lad, gap, "lad24cd", spend_year="2024_25", utla=utla)
    assert areas["sw_fte"].sum() == pytest.approx(utla["sw_fte"].sum())
    assert areas["spend_gbp"].sum() == pytest.approx(utla["spend_total_service_gbp_2024_25"].sum())
    assert areas["sw_fte"].iloc[1] == pytest.approx(3 * areas["sw_fte"].iloc[0])
    utla_areas_ = costs.prepare_areas(utla, gap_table(utla), "utla23cd", spend_year="2024_25")
    cfg = small_cfg(n_draws=200)
    lad_work = costs.monte_carlo(areas, cfg)["universal"]["workforce_gbp"].sum(axis=1)
    utla_work = costs.monte_carlo(utla_areas_, cfg)["universal"]["workforce_gbp"].sum(axis=1)
    np.testing.assert_allclose(lad_work, utla_work, rtol=1e-12)


def test_prepare_areas_rejects_unmatched_gap_and_imputes_missing_fte():
    utla = utla_table(4)
    gap = gap_table(utla)
    with pytest.raises(GeographyError, match="E06000003"):
        costs.prepare_areas(utla, gap.iloc[:3], "utla23cd", spend_year="2024_25")
    utla.loc[3, "sw_fte"] = np.nan
    areas = costs.prepare_areas(utla, gap, "utla23cd", spend_year="2024_25")
    rate = utla["sw_fte"][:3].sum() / utla["population"][:3].sum()
    assert areas["sw_fte"].iloc[3] == pytest.approx(rate * utla["population"][3])
    assert areas["sw_fte_imputed"].tolist() == [False, False, False, True]


def test_same_seed_identical_other_seed_different():
    areas = utla_areas()
    a = costs.run_cost_model(areas, small_cfg(n_draws=300, seed=11), "utla23")
    b = costs.run_cost_model(areas, small_cfg(n_draws=300, seed=11), "utla23")
    c = costs.run_cost_model(areas, small_cfg(n_draws=300, seed=12), "utla23")
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not np.allclose(a["scenarios"]["total_gbp_mean"], c["scenarios"]["total_gbp_mean"])


def test_scaling_unit_costs_scales_costs():
    k = 1.7
    cfg = small_cfg(n_draws=1000)
    scaled = copy.deepcopy(cfg)
    for name, spec in scaled["parameters"].items():
        if name.endswith("_gbp"):
            for field in ("value", "min", "mode", "max", "median", "p95"):
                if field in spec:
                    spec[field] *= k
    areas = utla_areas()
    base, big = costs.monte_carlo(areas, cfg), costs.monte_carlo(areas, scaled)
    for scenario in cfg["scenarios"]:
        for component in costs.COMPONENTS:
            np.testing.assert_allclose(big[scenario][component], k * base[scenario][component],
                                       rtol=1e-10)


def test_proportionate_universalism_gives_more_per_head_where_gap_is_larger():
    cfg = small_cfg(n_draws=500)
    utla = utla_table(2).assign(population=[200_000.0, 200_000.0], sw_fte=[100.0, 100.0],
                                sw_turnover_rate_pct=[15.0, 15.0])
    gap = pd.DataFrame({"utla23cd": utla["utla23cd"], "capacity_gap": [0.1, 0.5],
                        "power_quintile": [3, 1]})
    areas = costs.prepare_areas(utla, gap, "utla23cd", spend_year="2024_25")
    sims = costs.monte_carlo(areas, cfg)
    pu = sims["proportionate_universalism"]["total_gbp"]
    assert (pu[:, 1] > pu[:, 0]).all()
    universal = sims["universal"]["total_gbp"]
    np.testing.assert_allclose(universal[:, 1], universal[:, 0])
    assert (sims["targeted"]["total_gbp"][:, 0] == 0).all()
    # Equal budgets for capacity building, but only proportionate allocation closes every gap.
    np.testing.assert_allclose(sims["universal"]["community_gbp"].sum(axis=1),
                               sims["proportionate_universalism"]["community_gbp"].sum(axis=1))
    closed_u = costs.gap_closed(areas, "universal", cfg).sum()
    closed_pu = costs.gap_closed(areas, "proportionate_universalism", cfg).sum()
    assert closed_pu == pytest.approx((0.1 + 0.5) * 200_000)
    assert closed_u < closed_pu


def test_decile_shares_sum_to_one_and_sensitivity_ranks_relevant_parameters():
    cfg = small_cfg(n_draws=400)
    cfg["community_mix"]["weights"] = {"timebank": 0.0, "befriending": 0.5, "navigator": 0.5}
    out = costs.run_cost_model(utla_areas(10), cfg, "utla23")
    shares = out["deciles"].groupby("scenario")["share_of_spending_mean"].sum()
    np.testing.assert_allclose(shares, 1.0)
    sens = out["sensitivity"].set_index(["scenario", "parameter"])
    assert sens.loc[("universal", "timebank_cost_per_member_gbp"), "swing_gbp"] == 0
    assert sens.loc[("universal", "training_hours_per_staff"), "swing_gbp"] > 0
    assert sens.loc[("universal", "training_hours_per_staff"), "spearman_rho"] > 0


def test_report_views_follow_the_figure_contracts():
    cfg = small_cfg(n_draws=300)
    out = costs.run_cost_model(utla_areas(), cfg, "utla23")
    views = costs.report_tables(out["scenarios"], out["deciles"], out["sensitivity"], cfg)
    s = views["scenarios"].set_index("scenario")
    assert s.loc["targeted", "estimate"] == pytest.approx(s.loc["targeted", "total_gbp_mean"] / 3 / 1e6)
    assert (s["ci_low"] <= s["estimate"]).all() and (s["estimate"] <= s["ci_high"]).all()
    assert views["sensitivity"]["base"].nunique() == 1
    assert set(views["sensitivity"]["scenario"]) == {cfg["report"]["scenario"]}
    assert len(views["by_imd"]) == 10 * len(cfg["scenarios"])
    with pytest.raises(ConfigError, match="costs.report.geography"):
        costs.report_tables(out["scenarios"], out["deciles"], out["sensitivity"],
                            {**cfg, "report": {"geography": "lad24", "scenario": "targeted"}})


def test_lognormal_from_p95_reproduces_its_quantiles():
    spec = load_cfg()["parameters"]["training_hours_per_staff"]
    p50, p95 = costs.quantile_of(spec, [0.5, 0.95])
    assert p50 == pytest.approx(spec["median"])
    assert p95 == pytest.approx(spec["p95"])
    table = costs.parameter_table(load_cfg()["parameters"])
    assert table.loc[table["parameter"] == "training_hours_per_staff", "is_assumption"].item()


def _broken(name: str, change) -> dict:
    cfg = load_cfg()
    change(cfg["parameters"][name])
    return cfg


INVALID = [
    ("no source", "timebank_cost_per_member_gbp", lambda s: s.pop("source"),
     r"costs\.parameters\.timebank_cost_per_member_gbp\.source"),
    ("negative cost", "course_cost_per_trainee_gbp", lambda s: s.update(min=-5),
     r"costs\.parameters\.course_cost_per_trainee_gbp\.min"),
    ("bounds reversed", "cyp_sw_hourly_cost_gbp", lambda s: s.update(min=80),
     r"costs\.parameters\.cyp_sw_hourly_cost_gbp"),
    ("uniform reversed", "backfill_share", lambda s: s.update(min=0.9, max=0.3),
     r"costs\.parameters\.backfill_share"),
    ("lognormal p95 below median", "training_hours_per_staff", lambda s: s.update(p95=10),
     r"costs\.parameters\.training_hours_per_staff"),
    ("share above one", "backfill_share", lambda s: s.update(max=1.5),
     r"costs\.parameters\.backfill_share"),
    ("assumption without note", "asc_staff_per_1000", lambda s: s.pop("note"),
     r"costs\.parameters\.asc_staff_per_1000\.note"),
    ("unknown row id", "navigator_cost_per_person_gbp", lambda s: s.update(source="Knapp"),
     r"costs\.parameters\.navigator_cost_per_person_gbp\.source"),
    ("stray field", "navigator_cost_per_person_gbp", lambda s: s.update(value=3),
     r"costs\.parameters\.navigator_cost_per_person_gbp"),
]


@pytest.mark.parametrize("what, name, change, message", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_parameters_raise_config_error_naming_the_key(what, name, change, message):
    with pytest.raises(ConfigError, match=message):
        costs.validate_costs_config(_broken(name, change))


def test_config_level_checks():
    cfg = load_cfg()
    costs.validate_costs_config(cfg)
    cfg["community_mix"]["weights"]["timebank"] = 0.9
    with pytest.raises(ConfigError, match="community_mix"):
        costs.validate_costs_config(cfg)
    cfg = load_cfg()
    del cfg["parameters"]["residents_per_coordinator"]
    with pytest.raises(ConfigError, match="residents_per_coordinator"):
        costs.validate_costs_config(cfg)


def test_schema_accepts_config_and_rejects_broken_copies():
    schema = yaml.safe_load(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    config = yaml.safe_load(CONFIG.read_text())
    validator.validate(config)
    for what, name, change, _ in INVALID:
        if what in ("bounds reversed", "uniform reversed", "lognormal p95 below median", "share above one"):
            continue  # relations between fields: the Python validator's job
        broken = copy.deepcopy(config)
        change(broken["costs"]["parameters"][name])
        errors = list(validator.iter_errors(broken))
        assert errors, what
        assert any(name in "/".join(map(str, e.absolute_path)) for e in errors), what


def test_check_corec_matches_typed_values_and_rejects_a_mismatch():
    hourly = pd.DataFrame({"year": [2025] * 4, "band": ["Band 4", "Band 5", "Band 6", "Band 7"],
                           "qualification_cost": pd.NA,
                           "cost_per_working_hour_gbp": [42.0, 47.0, 60.0, 72.0], "job_title": "x"})
    params = load_cfg()["parameters"]
    costs.check_corec(params, {"corec_community_hcp": hourly})
    params["other_staff_hourly_cost_gbp"]["mode"] = 48
    with pytest.raises(ConfigError, match=r"other_staff_hourly_cost_gbp\.mode"):
        costs.check_corec(params, {"corec_community_hcp": hourly})


MIRROR = Path(os.environ.get("COPROD_DATA_MIRROR", ROOT.parent / "shared" / "data" / "raw"))


@pytest.mark.mirror
def test_sources_are_rows_of_the_evidence_file_and_corec_values_match_the_mirror():
    evidence = MIRROR.parent / "evidence" / "cost_evidence.md"
    corec = MIRROR / "costs" / "corec_unit_costs_community_hcp.csv"
    if not evidence.exists() or not corec.exists():
        pytest.skip("offline mirror not available")
    ids = set(re.findall(r"^\| ([A-E]\d+) \|", evidence.read_text(), flags=re.MULTILINE))
    cfg = load_cfg()
    sources = {s["source"] for s in cfg["parameters"].values()} - {"assumption"}
    assert sources and sources <= ids
    reader = pytest.importorskip("coprod.data.readers.costs_data")
    costs.check_corec(cfg["parameters"],
                      {"corec_community_hcp": reader.read_corec_hourly_costs(corec)})
