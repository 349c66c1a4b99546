"""Cost model (issue 10 items 2-3): hand-computed cases, allocation rules, prices, settings."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.analysis import costs
from coprod.errors import ConfigError, CoprodError

ROOT = Path(__file__).resolve().parents[2]


def _config():
    return yaml.safe_load((ROOT / "config/costs.yaml").read_text())["costs"]


def _schema():
    return yaml.safe_load((ROOT / "workflow/schemas/costs.schema.yaml").read_text())


def _areas(adults, fifth):
    lsoa = pd.DataFrame(
        {
            "lsoa21cd": [f"E0{i}" for i in range(len(adults))],
            "utla23cd": "E1",
            "lad24cd": "E7",
            "lad24nm": "D",
            "adults_16plus": np.asarray(adults, float),
            "power_fifth": fifth,
            "council_power_fifth": 1,
            "imd_fifth_latest": fifth,
        }
    )
    councils = pd.DataFrame({"utla23cd": ["E1"], "utla23nm": ["A"]})
    return costs.prepare_areas(lsoa, councils)


def test_one_area_by_hand():
    # 1,000 adults, p = 0.30, reference 0.40: gap 100 people. lambda = 0.5 gives
    # a = 0.5 x 0.7 / (0.35 + 0.30) = 7/13; theta = 0.5, no displacement: 7/26 of members count.
    a = costs.additionality(np.array([[0.30]]), np.array([0.5]))[0, 0]
    assert a == pytest.approx(7 / 13)
    eff, c, gap = a * 0.5, 500.0, 100.0
    need = gap * c / eff  # GBP a year that closes the gap
    assert need == pytest.approx(100 * 500 * 26 / 7)
    assert costs.closed_people(need / 2, c, eff, gap) == pytest.approx(50.0)
    assert costs.closed_people(need * 3, c, eff, gap) == pytest.approx(100.0)  # capped at the gap


def test_additionality_is_one_when_nobody_takes_part_and_falls_with_p():
    a = costs.additionality(np.array([[0.0, 0.2, 0.5]]), np.array([0.6]))[0]
    assert a[0] == pytest.approx(1.0) and a[1] > a[2]
    assert costs.additionality(np.array([[0.4]]), np.array([1.0]))[0, 0] == pytest.approx(0.6)


def test_proportional_at_half_its_cost_closes_half_and_beats_universal_and_targeted():
    adults = np.array([1000.0, 2000.0, 1500.0, 500.0])
    gap = np.array([200.0, 100.0, 30.0, 0.0])
    fifth = np.array([1, 1, 3, 5])
    areas = _areas(adults, fifth)
    c, eff = 400.0, 0.25  # constant a, theta and c
    need = gap * c / eff
    budget = need.sum() / 2
    targets = costs.targets_of(areas)

    def share(rule):
        spend = costs.allocate(rule, budget, need, areas, 0.0, targets)
        assert spend.sum() == pytest.approx(budget)
        return costs.closed_people(spend, c, eff, gap).sum() / gap.sum()

    assert share("proportional") == pytest.approx(0.5)
    assert share("universal") < 0.5
    in_set = gap[fifth == 1].sum() / gap.sum()
    for rule in costs.TARGETED:
        assert share(rule) <= in_set + 1e-12


def test_pu_floor_spends_its_share_per_adult_and_respreads_money_beyond_need():
    adults = np.array([1000.0, 1000.0])
    need = np.array([0.0, 1000.0])
    areas = _areas(adults, np.array([5, 1]))
    spend = costs.allocate("proportionate_universalism", 500.0, need, areas, 0.2, {})
    # floor 100 = 50 each; area 1 needs nothing, so its 50 joins the need pot: 450 to area 2
    assert spend.tolist() == pytest.approx([0.0, 500.0])
    cost = costs.pu_cost_to_close(need[None, :], adults, 0.2)[0]
    # smallest B with 0.8 B >= 1000 - 0.2 B x 0.5, i.e. B = 1000 / 0.9
    assert cost == pytest.approx(1000.0 / 0.9, rel=1e-9)
    assert costs.pu_cost_to_close(need[None, :], adults, 0.0)[0] == pytest.approx(1000.0)


def test_recruitment_capacity_accumulates_on_a_linear_ramp():
    # R = 2: year 1 recruits half the cap, later years the full cap, and members stay.
    cap_per_year = 0.02 * 1000
    capacity = cap_per_year * costs.ramp_sum(np.array([1, 2, 3]), 2.0)
    assert capacity.tolist() == pytest.approx([0.5 * 20, 1.5 * 20, 2.5 * 20])
    # a fractional ramp is exact: R = 2.5 gives 0.4, 0.4 + 0.8, then + 1
    assert costs.ramp_sum(np.array([1, 2, 3]), 2.5).tolist() == pytest.approx([0.4, 1.2, 2.2])
    assert costs.ramp_sum(np.array([1, 2]), 1.0).tolist() == pytest.approx([1.0, 2.0])


def test_a_binding_cap_closes_less_than_the_uncapped_share_and_extra_money_buys_nothing():
    adults = np.array([1000.0, 1000.0])
    gap = np.array([100.0, 20.0])
    areas = _areas(adults, np.array([1, 5]))
    c, eff = 400.0, 0.25  # members needed: 400 and 80
    need = gap * c / eff
    spend = costs.allocate("proportional", need.sum() / 2, need, areas, 0.0, {})
    assert spend.tolist() == pytest.approx([80_000.0, 16_000.0])  # buys 200 and 40 members
    # 5% of adults a year on a two-year ramp: 2.5 x 50 = 125 members by year 3 in each area
    capacity = 0.05 * adults * costs.ramp_sum(3, 2.0)
    closed = costs.closed_people(spend, c, eff, gap, capacity)
    assert closed.tolist() == pytest.approx([125 * 0.25, 40 * 0.25])
    assert closed.sum() / gap.sum() == pytest.approx(41.25 / 120) and 41.25 / 120 < 0.5
    more = costs.closed_people(spend * [2.0, 1.0], c, eff, gap, capacity)
    assert more.tolist() == pytest.approx(closed.tolist())  # money beyond the cap closes nothing
    unlimited = costs.closed_people(np.full(2, np.inf), c, eff, gap, capacity)
    assert unlimited.sum() / gap.sum() == pytest.approx((31.25 + 20) / 120)


def test_years_to_close_by_hand_and_against_counting_years():
    # caps of 20 and 40 members a year, R = 2 (0.5, 1.5, 2.5 ... years of capacity): 25 members
    # need year 2 (capacity 30), 100 members need year 3 (capacity exactly 100).
    years = costs.years_to_recruit(np.array([25.0, 100.0]), np.array([20.0, 40.0]), 2.0)
    assert years.tolist() == [2.0, 3.0]
    gap = np.array([10.0, 30.0])
    assert (years * gap).sum() / gap.sum() == pytest.approx((10 * 2 + 30 * 3) / 40)
    assert costs.years_to_recruit(np.array([0.0]), np.array([20.0]), 2.0).tolist() == [0.0]
    rng = np.random.default_rng(1)
    members, ramp = rng.uniform(0, 30, 500), rng.uniform(1, 4, 500)
    counted = [
        next(t for t in range(100) if costs.ramp_sum(t, r) >= n) for n, r in zip(members, ramp)
    ]
    assert costs.years_to_recruit(members, 1.0, ramp).tolist() == counted


def test_council_costs_are_apportioned_to_districts_by_adults_and_conserved():
    # Council E1 has districts D1 (LSOAs of 100 and 300 adults) and D2 (600); council E2 is one
    # district D3. A council-wide cost splits 40/60 in E1 and stays whole in E2.
    lsoa = pd.DataFrame(
        {
            "lsoa21cd": ["A", "B", "C", "D"],
            "utla23cd": ["E1", "E1", "E1", "E2"],
            "lad24cd": ["D1", "D1", "D2", "D3"],
            "lad24nm": ["One", "One", "Two", "Three"],
            "adults_16plus": [100.0, 300.0, 600.0, 50.0],
        }
    )
    councils = pd.DataFrame({"utla23cd": ["E2", "E1"], "utla23nm": ["b", "a"]})
    areas = costs.prepare_areas(lsoa, councils)
    assert areas.districts["lad24cd"].tolist() == ["D1", "D2", "D3"]
    per_council = np.array([[1000.0, 70.0], [10.0, 0.0]])  # draws x councils (E1, E2)
    by_district = areas.apportion(per_council)
    np.testing.assert_allclose(by_district, [[400.0, 600.0, 70.0], [4.0, 6.0, 0.0]])
    assert by_district.sum(axis=1) == pytest.approx(per_council.sum(axis=1))


def test_a_district_with_two_names_is_an_error():
    lsoa = pd.DataFrame(
        {"utla23cd": ["E1", "E1"], "lad24cd": ["D1", "D1"], "lad24nm": ["One", "Uno"]}
    )
    councils = pd.DataFrame({"utla23cd": ["E1"], "utla23nm": ["a"]})
    with pytest.raises(CoprodError, match="lad24cd"):
        costs.prepare_areas(lsoa, councils)


def test_weighted_quantile_matches_the_inverted_cdf():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    w = np.array([1.0, 1.0, 1.0, 7.0])
    assert costs.weighted_quantile(x, w, 0.25)[0] == 3.0
    assert costs.weighted_quantile(x, w, 0.9)[0] == 4.0


def test_a_parameter_at_price_year_y_converts_by_the_deflator_ratio():
    p = costs.Parameter(
        "timebank_cost_per_member_gbp",
        "triangular",
        {"min": 225.0, "mode": 450.0, "max": 675.0},
        "GBP",
        "2009-10",
        "A1",
    )
    share = costs.Parameter(
        "backfill_share", "uniform", {"min": 0.25, "max": 1.0}, "share", None, "assumption", "x"
    )
    out = costs.to_base_prices({p.name: p, share.name: share}, {"2009-10": 100 / 67.7042})
    assert out[p.name].values["mode"] == pytest.approx(450 * 100 / 67.7042)
    assert out[share.name] is share
    with pytest.raises(ConfigError, match="timebank_cost_per_member_gbp.price_year"):
        costs.to_base_prices({p.name: p}, {})


def test_discounting_at_green_book_rate():
    s = costs.settings_from_config(_config(), _schema())
    years = s.horizon_years
    assert s.annuity == pytest.approx(sum(1.035**-t for t in range(years)))


def test_real_config_validates_and_builds_typed_settings():
    s = costs.settings_from_config(_config(), _schema())
    assert isinstance(s.parameters["additionality_lambda"], costs.Parameter)
    assert s.choices["construction"].options[0] == "imd2019_linear"
    assert s.parameters["participation_most_deprived"].values["mean"] == 0.34
    for name in ("recruitment_cap_share_per_year", "ramp_up_years"):
        assert name in s.factors() and s.parameters[name].source == "assumption"


def test_schema_rejects_an_unknown_key_and_names_it():
    cfg = _config()
    cfg["universal_intensity"] = 1.0
    with pytest.raises(ConfigError, match="universal_intensity"):
        costs.settings_from_config(cfg, _schema())


def test_cross_field_check_names_the_key():
    cfg = _config()
    cfg["parameters"]["timebank_cost_per_member_gbp"]["mode"] = 10_000
    with pytest.raises(ConfigError, match="costs.parameters.timebank_cost_per_member_gbp"):
        costs.settings_from_config(cfg, _schema())
    cfg = _config()
    cfg["participation"]["constructions"]["imd2019_linear"] = 0.9
    with pytest.raises(ConfigError, match="costs.participation.constructions"):
        costs.settings_from_config(cfg, _schema())


def test_choice_maps_probabilities_to_options_by_weight():
    ch = costs.Choice("levelling", ("a", "b", "c"), (0.5, 0.25, 0.25))
    assert ch.ppf([0.1, 0.6, 0.9]).tolist() == [0, 1, 2]


def test_participation_anchor_typed_into_config_must_match_the_file():
    quintiles = pd.DataFrame(
        {
            "year": ["2016-17", "2016-17"],
            "imd_quintile": [1, 5],
            "participation_share": [0.34, 0.48],
        }
    )
    england = pd.DataFrame(
        {
            "year": ["2016-17", "2024-25"],
            "participation_share": [0.41123, 0.33585],
            "ci_low": [np.nan, 0.33303],
            "ci_high": [np.nan, 0.33868],
        }
    )
    cfg = _config()["participation"]
    costs.check_participation(cfg, quintiles, england)
    cfg["least_deprived"] = 0.49
    with pytest.raises(ConfigError, match="costs.participation.least_deprived"):
        costs.check_participation(cfg, quintiles, england)


# --- on the pipeline's real-data results ------------------------------------------------------


@pytest.fixture(scope="module")
def cost_results(results):
    out = results / "costs"
    assert (out / "headline.json").exists(), "run the pipeline (make run) first"
    return out


@pytest.mark.mirror
def test_calibration_reproduces_the_published_fifths_and_reports_the_england_mean(cost_results):
    cal = pd.read_parquet(cost_results / "calibration.parquet")
    for _, part in cal.groupby("construction"):
        by = part.set_index("imd_fifth")["participation_share"]
        assert by[1] == pytest.approx(0.34, abs=1e-9) and by[5] == pytest.approx(0.48, abs=1e-9)
        assert 0.34 < by[0] < 0.48  # fifth 0 = the implied England mean
    gap = pd.read_parquet(cost_results / "gap.parquet")
    implied = gap[
        (gap["construction"] == "imd2019_linear")
        & (gap["quantity"] == "implied_england_mean_survey_year")
    ]["point"].item()
    assert implied == pytest.approx(0.411, abs=0.01)  # the England series for 2016-17: 41.1%


@pytest.mark.mirror
def test_council_table_has_every_upper_tier_council_once(cost_results, table):
    councils = pd.read_parquet(cost_results / "councils.parquet")
    assert len(councils) == 153 and councils["utla23cd"].is_unique
    assert set(councils["utla23cd"]) == set(table("utla23")["utla23cd"])
    csv = pd.read_csv(cost_results / "councils.csv")
    assert csv["utla23cd"].tolist() == councils["utla23cd"].tolist()
    lsoa = pd.read_parquet(cost_results / "lsoa_inputs.parquet")
    assert councils["adults_16plus"].sum() == pytest.approx(lsoa["adults_16plus"].sum())
    # the councils' gaps add up to the national gap (primary construction, point estimate)
    gap = pd.read_parquet(cost_results / "gap.parquet")
    national = gap[
        (gap["construction"] == "imd2019_linear") & (gap["quantity"] == "gap_people_national_mean")
    ]["point"].item()
    assert councils["gap_people_national_mean"].sum() == pytest.approx(national, rel=1e-9)


@pytest.mark.mirror
def test_district_table_covers_every_district_and_adds_up_to_the_councils(cost_results, table):
    districts = pd.read_parquet(cost_results / "districts.parquet")
    councils = pd.read_parquet(cost_results / "councils.parquet")
    assert len(districts) == 296 and districts["lad24cd"].is_unique
    assert set(districts["lad24cd"]) == set(table("lad24")["lad24cd"])
    for column in ("adults_16plus", "gap_people_national_mean"):
        assert districts[column].sum() == pytest.approx(councils[column].sum(), rel=1e-9)
    for rule in costs.RULES:  # draw means add up; enabling costs are apportioned, not lost
        total = f"cost_to_close_{rule}_gbp_mean"
        assert districts[total].sum() == pytest.approx(councils[total].sum(), rel=1e-9), rule
        per_adult = districts[f"cost_to_close_per_adult_gbp_{rule}_mean"]
        assert per_adult.between(0, 10_000).all(), rule
        if rule not in costs.TARGETED:  # targeted rules spend nothing outside their set
            assert (per_adult > 0).all(), rule
    lo, hi = (districts[f"cost_to_close_proportionate_universalism_gbp_{s}"] for s in ("lo", "hi"))
    assert (lo <= hi).all() and (lo > 0).all()


@pytest.mark.mirror
def test_council_curves_carry_intervals_and_never_fall_as_money_grows(cost_results):
    curves = pd.read_parquet(cost_results / "council_curves.parquet")
    assert curves["utla23cd"].nunique() == 153
    ok = curves.dropna(subset=["share_closed_mean"])
    assert (ok["share_closed_lo"] <= ok["share_closed_mean"] + 1e-12).all()
    assert (ok["share_closed_mean"] <= ok["share_closed_hi"] + 1e-12).all()
    assert ok["share_closed_hi"].between(0, 1 + 1e-12).all()
    for _, c in ok.groupby(["utla23cd", "rule"]):
        share = c.sort_values("budget_gbp")["share_closed_mean"].to_numpy()
        assert (np.diff(share) >= -1e-12).all()


@pytest.mark.mirror
def test_gap_specifications_span_every_choice_and_the_primary_is_the_headline(cost_results):
    specs = pd.read_parquet(cost_results / "gap_specifications.parquet")
    gap = pd.read_parquet(cost_results / "gap.parquet")
    n = {axis: specs[axis].nunique() for axis in ("construction", "levelling", "reference")}
    assert len(specs) == n["construction"] * n["levelling"] * n["reference"] == 45
    assert not specs.duplicated(["construction", "levelling", "reference"]).any()
    primary = specs[specs["primary"]]
    assert len(primary) == 1
    headline = gap[
        (gap["construction"] == primary["construction"].item())
        & (gap["quantity"] == f"gap_people_{primary['reference'].item()}")
    ]["point"].item()
    assert primary["gap_people"].item() == pytest.approx(headline, rel=1e-12)
    # a higher reference can only widen the gap: national mean < least deprived fifth
    wide = specs.pivot_table(
        index=["construction", "levelling"], columns="reference", values="gap_people"
    )
    assert (wide["least_deprived_fifth"] > wide["national_mean"]).all()


@pytest.mark.mirror
def test_rules_on_real_data_respect_their_arithmetic(cost_results):
    rules = pd.read_parquet(cost_results / "rules.parquet")
    r = rules[rules["scheme"] == rules["scheme"].iloc[0]].set_index("rule")
    # a floor spent where there is no gap cannot make PU cheaper than pure proportional
    assert (
        r.loc["proportionate_universalism", "cost_to_close_gbp_mean"]
        >= r.loc["proportional", "cost_to_close_gbp_mean"]
    )
    # equal per adult needs more money than following need
    assert (
        r.loc["universal", "cost_to_close_gbp_mean"]
        > r.loc["proportionate_universalism", "cost_to_close_gbp_mean"]
    )
    for rule in costs.TARGETED:
        assert (
            r.loc[rule, "share_closed_fixed_budget_mean"] <= r.loc[rule, "max_closable_share_mean"]
        )
    curves = pd.read_parquet(cost_results / "curves.parquet")
    for _, c in curves.groupby("rule"):
        share = c.sort_values("budget_gbp")["share_closed_mean"].to_numpy()
        assert share[0] == 0 and (np.diff(share) >= -1e-12).all()  # more money never closes less
