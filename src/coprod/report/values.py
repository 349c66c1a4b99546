"""Result files -> the display strings and tables the report quotes.

Every number in the report's prose is formatted here from a pipeline output, so a reader can
trace it: ``_variables.yml`` key -> this module -> the result file named beside it. This
module reads files only; it never fits anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from coprod.report.labels import (
    KIND_LABELS,
    OUTCOME_FAMILY_LABELS,
    OUTCOME_LABELS,
    PARAMETER_PHRASES,
    SCENARIO_LABELS,
    SCHEME_LABELS,
    label,
    order,
)

RULE_KEYS = {
    "universal": "universal",
    "proportionate_universalism": "pu",
    "proportional": "proportional",
    "targeted_power_lsoa": "targeted_power_lsoa",
    "targeted_power_council": "targeted_power_council",
    "targeted_imd_lsoa": "targeted_imd_lsoa",
}
# The per-rule figures the report quotes (the table shows every rule in full).
RULE_VALUES = {
    "universal": ("cost", "cost_interval", "share_closed", "residual", "cost_max"),
    "proportionate_universalism": (
        "cost",
        "cost_interval",
        "share_closed",
        "share_closed_interval",
        "breakeven",
        "net_benefit",
        "net_benefit_interval",
        "q1_q5_after",
    ),
    "proportional": ("cost",),
    "targeted_power_lsoa": ("cost", "max_closable", "grid_beats_pu"),
    "targeted_imd_lsoa": ("cost", "max_closable", "share_closed", "grid_beats_pu"),
    "targeted_power_council": (
        "cost",
        "max_closable",
        "share_closed",
        "breakeven",
        "net_benefit",
        "grid_beats_pu",
    ),
}


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def minus(text: str) -> str:
    """A formatted number with a true minus sign instead of a hyphen."""
    return text.replace("-", "\u2212")


def num(x: float, digits: int = 2) -> str:
    return minus(f"{x:,.{digits}f}")


def gbp(x: float) -> str:
    """Pounds in millions below a billion, billions above, as a reader would say them."""
    if abs(x) >= 1e9:
        return f"£{x / 1e9:,.2f} billion"
    return f"£{x / 1e6:,.0f} million"


def signed_gbp(x: float) -> str:
    """Pounds with a leading true minus sign for a loss: "−£851 million"."""
    return ("−" if x < 0 else "") + gbp(abs(x))


def level_label(level: float) -> str:
    """A confidence or uncertainty level as the report says it: 0.95 -> "95%"."""
    return f"{100 * level:g}%"


def interval(lo: str, hi: str, level: float) -> str:
    """The level comes from the config that produced the interval, never a literal."""
    return f"{level_label(level)} interval {lo} to {hi}"


def data_values(tables: dict[str, str | Path], provenance: str | Path) -> dict[str, str]:
    """Row counts of the tidy tables and the number of raw files."""
    keys = {
        "lsoa21": ("lsoa21cd", "data.n_lsoa"),
        "lad24": ("lad24cd", "data.n_lad"),
        "utla23": ("utla23cd", "data.n_utla"),
    }
    out = {
        keys[name][1]: f"{len(pd.read_parquet(path, columns=[keys[name][0]])):,}"
        for name, path in tables.items()
    }
    prov = pd.read_csv(provenance)
    out["data.n_datasets"] = f"{len(prov):,}"
    out["data.n_hash_official"] = f"{int((prov['sha256_of'] == 'official').sum()):,}"
    out["data.n_hash_mirror"] = f"{int((prov['sha256_of'] == 'mirror').sum()):,}"
    return out


def power_values(
    summary: dict, loadings: pd.DataFrame, level: float, models_level: float
) -> dict[str, str]:
    c1 = summary["c1"]
    r2 = c1["r2_demos_on_education_occupation"]
    rest = c1["r2_rest_of_demos_on_education_occupation"]
    turnout = c1["core_turnout_correlation"]
    core = loadings[(loadings["index_set"] == "core") & (loadings["variant"] == "pca1")].iloc[0]
    return {
        "power.r2_educ_occ": pct(r2["r2"]),
        "power.r2_educ_occ_ci": interval(pct(r2["ci_low"]), pct(r2["ci_high"]), level),
        "power.r2_rest": pct(rest["r2"]),
        "power.r2_rest_ci": interval(pct(rest["ci_low"]), pct(rest["ci_high"]), level),
        "power.turnout_r": num(turnout["r"]),
        "power.turnout_r_ci": interval(num(turnout["ci_low"]), num(turnout["ci_high"]), level),
        "power.alpha_core": num(core["cronbach_alpha"]),
        "power.pc1_share": pct(core["variance_explained"]),
        "power.n_lad": f"{r2['n']:,}",
        **circularity_values(summary["circularity"], models_level),
    }


def circularity_values(circ: dict, level: float) -> dict[str, str]:
    """Correlations of the main power index with deprivation (results/models/circularity.json
    via summary.json), and the check that the IMD rebuilt from domain ranks is the IMD."""
    out = {}
    for key, name in [
        ("power_imd", "imd"),
        ("power_imd_no_education", "imd_no_education"),
        ("power_adult_skills", "adult_skills"),
        ("power_education_domain", "education"),
        ("illness_disability_employment", "illness_employment"),
    ]:
        r = circ["correlations"][key]
        out[f"power.r_{name}"] = num(r["r"])
        out[f"power.r_{name}_ci"] = interval(num(r["ci_low"], 3), num(r["ci_high"], 3), level)
    check = circ["imd_reproduction"]
    out["power.r2_imd_no_education"] = pct(
        circ["correlations"]["power_imd_no_education"]["r"] ** 2, 0
    )
    out["power.imd_rank_reproduced"] = pct(check["share_rank_identical"], 2)
    out["power.imd_rank_max_difference"] = str(check["max_abs_rank_difference"])
    return out


def services_values(summary: dict, concentration: pd.DataFrame, level: float) -> dict[str, str]:
    """C2: concentration indices (district-cluster bootstrap; Erreygers for bounded outcomes;
    quintile ratios on a common scale), counted in each outcome's expected direction, and the
    headline random-slope model with its conditional estimates."""
    ratios = summary["c2"]["lowest_to_highest_power_quintile"]
    conc = concentration.set_index("outcome")
    acute = conc.loc["acute_morbidity"]
    service = concentration[concentration["kind"] != "deprivation_defined"]
    relative = service.dropna(subset=["concentration_index"])
    main = summary["c2"]["main_models"]["acute_morbidity"]
    fit, ri = main["unconditional"], main["comparison"]
    out = {
        "services.ratio_acute": num(ratios["acute_morbidity"]["ratio"]),
        "services.ratio_acute_ci": interval(
            num(ratios["acute_morbidity"]["ci_low"]),
            num(ratios["acute_morbidity"]["ci_high"]),
            level,
        ),
        "services.ratio_income": num(ratios["income_claimants"]["ratio"]),
        "services.ci_acute": num(acute["concentration_index"], 3),
        "services.ci_acute_interval": interval(
            num(acute["ci_low"], 3), num(acute["ci_high"], 3), level
        ),
        "services.se_acute": num(acute["se"], 4),
        "services.se_acute_hac": num(acute["se_hac"], 4),
        "services.se_acute_ratio": num(acute["se"] / acute["se_hac"], 1),
        "services.n_replicates": f"{int(acute['n_replicates']):,}",
        "services.n_districts": f"{int(acute['n_clusters']):,}",
        "services.n_service_measures": str(len(service)),
        "services.n_service_expected": str(int(service["expected_direction"].sum())),
        "services.n_service_expected_significant": str(
            int(service["expected_excludes_zero"].sum())
        ),
        "services.n_service_relative": str(len(relative)),
        "services.n_deprivation_defined": str(
            int((concentration["kind"] == "deprivation_defined").sum())
        ),
        "services.q1q5_acute": num(acute["q1_q5_ratio"]),
        "services.q1q5_acute_ci": interval(
            num(acute["q1_q5_ratio_ci_low"]), num(acute["q1_q5_ratio_ci_high"]), level
        ),
        "services.acute_per_sd": num(fit["estimate"], 1),
        "services.acute_per_sd_ci": interval(num(fit["ci_low"], 1), num(fit["ci_high"], 1), level),
        "services.acute_slope_sd": num(fit["re_slope_sd"], 1),
        "services.acute_n_districts": f"{fit['n_clusters']:,}",
        "services.acute_ri_per_sd": num(ri["estimate"], 1),
        "services.acute_ri_per_sd_ci": interval(num(ri["ci_low"], 1), num(ri["ci_high"], 1), level),
        "services.acute_interval_widening": num(
            (fit["ci_high"] - fit["ci_low"]) / (ri["ci_high"] - ri["ci_low"]), 1
        ),
        "services.n_outcomes_modelled": str(len(summary["c2"]["main_models"])),
    }
    for key, name in [("imd_no_education", "noed"), ("income_employment", "ie")]:
        cond = main["conditional"][key]
        out[f"services.acute_given_{name}"] = num(cond["estimate"], 1)
        out[f"services.acute_given_{name}_ci"] = interval(
            num(cond["ci_low"], 1), num(cond["ci_high"], 1), level
        )
        out[f"services.acute_given_{name}_vif"] = num(cond["vif_power"], 1)
    for name in ("income_claimants", "employment_claimants"):
        row, short = conc.loc[name], name.split("_")[0]
        out |= {
            f"services.erreygers_{short}": num(row["erreygers_index"], 3),
            f"services.erreygers_{short}_ci": interval(
                num(row["erreygers_index_ci_low"], 3), num(row["erreygers_index_ci_high"], 3), level
            ),
            f"services.wagstaff_{short}": num(row["wagstaff_index"], 3),
            f"services.ci_{short}": num(row["concentration_index"], 3),
            f"services.q1q5_{short}": num(row["q1_q5_ratio"]),
        }
    return out


def points(x: float, digits: int = 1) -> str:
    """A difference of two shares in percentage points, with a true minus sign."""
    return num(100 * x, digits)


def people(x: float) -> str:
    """A count of people, rounded to the nearest thousand below ten million."""
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f} million"
    return f"{round(x, -3):,.0f}"


def gap_values(summary: dict, by_region: pd.DataFrame, costs_headline: dict) -> dict[str, str]:
    """C3: the gap in people (participation-anchored) and the use-weighted secondary measure."""
    c3 = summary["c3"]
    primary = c3["measures"][c3["primary_use_measure"]]
    top = by_region.sort_values("capacity_gap", ascending=False).iloc[0]
    h = costs_headline
    gaps = h["gap"]
    main = gaps[h["primary_construction"]]
    out = {
        "gap.share_lowest_quintile": pct(primary["lowest_quintile_share_of_gap"]),
        "gap.share_service_use_lowest_quintile": pct(primary["lowest_quintile_share_of_use"]),
        "gap.share_population_lowest_quintile": pct(primary["lowest_quintile_share_of_population"]),
        "gap.top_region": str(top["rgn24nm"]),
        "gap.implied_england_mean": pct(main["implied_england_mean_survey_year"]["point"]),
        "gap.england_series_survey_year": pct(h["england_participation_survey_year"]),
        "gap.england_series_latest": pct(h["england_participation_latest"]),
        "gap.mean_latest": pct(main["mean_participation_latest"]["point"]),
        "gap.n_constructions": str(len(gaps)),
        "gap.anchor_most_deprived": pct(h["anchors"]["most_deprived"], 0),
        "gap.anchor_least_deprived": pct(h["anchors"]["least_deprived"], 0),
        "gap.survey_year": h["anchors"]["survey_year"],
        "gap.latest_year": h["anchors"]["latest_year"],
    }
    for ref in ("national_mean", "least_deprived_fifth", "top_power_fifth"):
        q = main[f"gap_people_{ref}"]
        out[f"gap.people_{ref}"] = people(q["point"])
        out[f"gap.people_{ref}_interval"] = interval(
            people(q["lo"]), people(q["hi"]), h["interval"]
        )
        out[f"gap.reference_{ref}"] = pct(main[f"reference_{ref}"]["point"])
        values = [g[f"gap_people_{ref}"]["point"] for g in gaps.values()]
        out[f"gap.people_{ref}_range"] = f"{people(min(values))} to {people(max(values))}"
    return out


def gap_specification_values(specs: pd.DataFrame) -> dict[str, str]:
    """The gap's own multiverse: how many specifications, their range and median, and where
    the headline (the cost model's choice) ranks among them from the smallest."""
    gaps = specs["gap_people"]
    headline = specs.loc[specs["primary"], "gap_people"].item()
    return {
        "robustness.gap_n_specs": str(len(specs)),
        "robustness.gap_n_constructions": str(specs["construction"].nunique()),
        "robustness.gap_n_levellings": str(specs["levelling"].nunique()),
        "robustness.gap_n_references": str(specs["reference"].nunique()),
        "robustness.gap_min": people(gaps.min()),
        "robustness.gap_max": people(gaps.max()),
        "robustness.gap_median": people(gaps.median()),
        "robustness.gap_headline": people(headline),
        "robustness.gap_headline_rank": str(int((gaps < headline).sum()) + 1),
        "robustness.gap_median_over_headline": num(gaps.median() / headline, 1),
    }


def cost_values(h: dict) -> dict[str, str]:
    """C4: cost to close per rule, share closed at the fixed budget, accounting, drivers."""
    out = {
        "costs.n_draws": f"{h['n_draws']:,}",
        "costs.horizon_years": str(h["horizon_years"]),
        "costs.interval": level_label(h["interval"]),
        "costs.price_base": h["price_base"],
        "costs.discount_rate": pct(h["discount_rate"]),
        "costs.fixed_budget": gbp(h["fixed_budget_gbp"]),
        "costs.fixed_budget_share": pct(h["fixed_budget_share_of_spend"]),
        "costs.pu_floor_share": pct(h["pu_floor_share"], 0),
        "costs.universal_percentile": f"{100 * h['universal_percentile']:.0f}th",
        "costs.enabling_economic": gbp(h["enabling"]["economic"]["mean"]),
        "costs.enabling_economic_interval": interval(
            gbp(h["enabling"]["economic"]["lo"]),
            gbp(h["enabling"]["economic"]["hi"]),
            h["interval"],
        ),
        "costs.enabling_cash": gbp(h["enabling"]["cash"]["mean"]),
        "costs.enabling_share_of_budget": pct(
            h["enabling"]["cash"]["mean"] / h["fixed_budget_gbp"], 0
        ),
    }
    for rule, key in RULE_KEYS.items():
        r = h["rules"][rule]
        c, s = r["cost_to_close_gbp"], r["share_closed_fixed_budget"]
        out |= {
            f"costs.{key}.cost": gbp(c["mean"]),
            f"costs.{key}.cost_interval": interval(gbp(c["lo"]), gbp(c["hi"]), h["interval"]),
            f"costs.{key}.share_closed": pct(s["mean"]),
            f"costs.{key}.share_closed_interval": interval(
                pct(s["lo"]), pct(s["hi"]), h["interval"]
            ),
            f"costs.{key}.breakeven": f"£{r['breakeven_saving_per_participant_gbp']['mean']:,.0f}",
            f"costs.{key}.net_benefit": signed_gbp(r["net_benefit_pv_fixed_budget_gbp"]["mean"]),
            f"costs.{key}.net_benefit_interval": interval(
                signed_gbp(r["net_benefit_pv_fixed_budget_gbp"]["lo"]),
                signed_gbp(r["net_benefit_pv_fixed_budget_gbp"]["hi"]),
                h["interval"],
            ),
            f"costs.{key}.q1_q5_after": points(r["q1_q5_difference_after"]["mean"], 2),
        }
        if "max_closable_share" in r:
            out[f"costs.{key}.max_closable"] = pct(r["max_closable_share"]["mean"], 0)
        if "residual_share_at_cost" in r:
            out[f"costs.{key}.residual"] = pct(r["residual_share_at_cost"]["mean"], 0)
            out[f"costs.{key}.cost_max"] = gbp(r["cost_to_close_max_gbp"]["mean"])
    at_scale = h["national"]["breakeven_at_cost_to_close_gbp"]
    out["costs.breakeven_at_scale"] = f"£{at_scale['mean']:,.0f}"
    out["costs.breakeven_at_scale_interval"] = interval(
        f"£{at_scale['lo']:,.0f}", f"£{at_scale['hi']:,.0f}", h["interval"]
    )
    nat = h["national"]
    for quantity, fmt in (
        ("years_to_close", lambda v: num(v, 1)),
        ("share_closable_in_horizon", lambda v: pct(v, 0)),
        ("societal_cost_to_close_proportional_gbp", gbp),
    ):
        key = quantity.removesuffix("_gbp")
        out[f"costs.{key}"] = fmt(nat[quantity]["mean"])
        out[f"costs.{key}_interval"] = interval(
            fmt(nat[quantity]["lo"]), fmt(nat[quantity]["hi"]), h["interval"]
        )
    out["costs.recruitment_cap"] = pct(h["recruitment"]["cap_share_per_year_median"])
    out["costs.ramp_up_years"] = num(h["recruitment"]["ramp_up_years_median"], 1)
    out["costs.q1_q5_before"] = points(h["q1_q5_difference_before"]["mean"], 1)
    scheme = h["primary_scheme"]
    out["costs.scheme"] = label(SCHEME_LABELS, scheme)
    out["costs.saving_transferred"] = f"£{h['transferred_saving_per_member_gbp'][scheme]:,.0f}"
    out["costs.unit_cost"] = f"£{h['unit_cost_per_member_gbp'][scheme]:,.0f}"
    for s, rules in h["schemes"].items():
        if s != scheme:
            out[f"costs.scheme_{s}.pu_cost"] = gbp(rules["proportionate_universalism"]["mean"])
    for output, key in (("cost_to_close_pu_gbp", "cost"), ("net_benefit_pu_gbp", "net")):
        top = h["drivers"][output]["sobol_total"]
        for i, d in enumerate(top, start=1):
            out[f"costs.driver_{key}_{i}"] = label(PARAMETER_PHRASES, d["parameter"])
            out[f"costs.driver_{key}_{i}_st"] = f"{num(d['st'])} ± {num(d['st_conf'])}"
    grid = h["threshold_grid"]
    out["costs.grid_lambda"] = f"{num(grid['lambda'][0], 1)} to {num(grid['lambda'][1], 1)}"
    out["costs.grid_theta"] = f"{num(grid['theta'][0], 1)} to {num(grid['theta'][1], 1)}"
    out["costs.grid_cost"] = (
        f"{num(grid['unit_cost_multiplier'][0], 1)} to {num(grid['unit_cost_multiplier'][1], 1)}"
    )
    for rule, t in h["thresholds"].items():
        key = RULE_KEYS[rule]
        out[f"costs.{key}.grid_beats_pu"] = pct(t["share_of_grid_beating_pu"], 0)
    keep = {
        f"costs.{RULE_KEYS[rule]}.{field}"
        for rule, fields in RULE_VALUES.items()
        for field in fields
    }
    return {
        k: v
        for k, v in out.items()
        if not any(k.startswith(f"costs.{key}.") for key in RULE_KEYS.values()) or k in keep
    }


def all_values(inputs, levels: dict[str, float]) -> dict[str, str]:
    """Every value the report quotes, from the named result files of the report rule; ``levels``
    are the configured interval levels of the power (C1) and models (C2) stages."""
    summary = json.loads(Path(inputs.models_summary).read_text())
    headline = json.loads(Path(inputs.costs_headline).read_text())
    return {
        **data_values(
            {"lsoa21": inputs.lsoa21, "lad24": inputs.lad24, "utla23": inputs.utla23},
            inputs.provenance,
        ),
        **power_values(
            summary, pd.read_parquet(inputs.loadings), levels["power"], levels["models"]
        ),
        **services_values(summary, pd.read_parquet(inputs.concentration), levels["models"]),
        **gap_values(summary, pd.read_parquet(inputs.gap_by_region), headline),
        **gap_specification_values(pd.read_parquet(inputs.gap_specifications)),
        **cost_values(headline),
        **climate_values(
            {
                name: pd.read_parquet(getattr(inputs, f"climate_{name}"))
                for name in (
                    "changes",
                    "gap",
                    "england",
                    "exclusions",
                    "fixed_effects",
                    "footprints",
                )
            }
        ),
        **robustness_values(
            summary,
            pd.read_parquet(inputs.spec_curve),
            pd.read_parquet(inputs.replication),
            levels["models"],
        ),
    }


def _pounds(x: float) -> str:
    """Whole pounds with the sign before the pound sign: −£116."""
    return minus(f"{'-' if round(x) < 0 else ''}£{abs(x):,.0f}")


def _signed_pct(x: float, digits: int = 1) -> str:
    """A percentage already in percent units, with a true minus sign."""
    return minus(f"{x:.{digits}f}%")


def climate_values(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """C5 from results/climate/: real spend per head at both ends of the panel and its change,
    for all comparable councils, MHCLG's England total and the deprivation fifths and tenths."""
    changes, gap, england = tables["changes"], tables["gap"], tables["england"]
    first, last = changes["first_year"].iloc[0], changes["last_year"].iloc[0]
    row = changes.set_index(["grouping", "group", "measure"])
    level = float(changes["ci_level"].iloc[0])
    out = {
        "climate.first_year": first,
        "climate.last_year": last,
        "climate.n_boot": f"{int(changes['n_boot'].iloc[0]):,}",
    }

    def describe(prefix: str, key: tuple) -> None:
        r = row.loc[key]
        out[f"{prefix}.first"] = _pounds(r["per_head_first_gbp"])
        out[f"{prefix}.last"] = _pounds(r["per_head_last_gbp"])
        out[f"{prefix}.change_gbp"] = _pounds(r["change_gbp"])
        out[f"{prefix}.change_pct"] = _signed_pct(r["change_pct"])
        out[f"{prefix}.change_pct_interval"] = interval(
            _signed_pct(r["change_pct_lo"]), _signed_pct(r["change_pct_hi"]), level
        )
        out[f"{prefix}.change_gbp_interval"] = interval(
            _pounds(r["change_gbp_lo"]), _pounds(r["change_gbp_hi"]), level
        )

    for measure in ("service", "social_care"):
        describe(f"climate.{measure}.all", ("england", 1, measure))
        for grouping, top in (("fifth", 5), ("tenth", 10)):
            describe(f"climate.{measure}.{grouping}_most", (grouping, 1, measure))
            describe(f"climate.{measure}.{grouping}_least", (grouping, top, measure))
        g = gap.set_index(["grouping", "measure", "statistic"]).loc[
            ("fifth", measure, "change_pct")
        ]
        out[f"climate.{measure}.fifth_gap_pp"] = minus(f"{g['most_minus_least']:.1f}")
        out[f"climate.{measure}.fifth_gap_interval"] = interval(
            minus(f"{g['lo']:.1f}"), minus(f"{g['hi']:.1f}"), level
        )
        eng = england[(england["way"] == "england_row") & (england["measure"] == measure)]
        eng = eng.set_index("financial_year")["real_per_head_gbp"]
        out[f"climate.{measure}.england_first"] = _pounds(eng[first])
        out[f"climate.{measure}.england_last"] = _pounds(eng[last])
        out[f"climate.{measure}.england_change_pct"] = _signed_pct(
            (eng[last] / eng[first] - 1) * 100
        )
    fe = tables["fixed_effects"]
    fe = fe[
        (fe["measure"] == "service") & (fe["model"] == "fifth") & fe["term"].str.endswith("[T.1]")
    ]
    out["climate.fe_most_vs_least_pp"] = minus(f"{fe['estimate'].item():.1f}")
    out["climate.fe_most_vs_least_interval"] = interval(
        minus(f"{fe['lo'].item():.1f}"),
        minus(f"{fe['hi'].item():.1f}"),
        float(fe["ci_level"].item()),
    )
    foot, exclusions = tables["footprints"], tables["exclusions"]
    out["climate.n_footprints"] = f"{len(foot):,}"
    out["climate.n_in_sample"] = f"{int(foot['in_sample'].sum()):,}"
    out["climate.n_no_return"] = f"{int((exclusions['kind'] == 'no return').sum()):,}"
    out["climate.n_merged"] = f"{int((exclusions['kind'] == 'merged').sum()):,}"
    return out


def robustness_values(
    summary: dict, spec_curve: pd.DataFrame, replication: pd.DataFrame, level: float
) -> dict[str, str]:
    """Multiverse counts (defined, excluded, fitted, converged) and the shares of estimates in
    the expected direction with outcome families weighted equally (summary.json)."""
    mv = summary["multiverse"]
    acute = replication[replication["outcome"] == "acute_morbidity"].set_index("vintage")
    directions = {d["outcome_family"]: d for d in mv["directions"]}

    def est(vintage: str) -> str:
        row = acute.loc[vintage]
        return (
            f"{num(row['estimate'])} SD per SD of power "
            f"({interval(num(row['ci_low']), num(row['ci_high']), level)})"
        )

    service, every = directions["all_service"], directions["all"]
    dep, quality = directions["deprivation_defined"], directions["adult_social_care_quality"]
    return {
        "robustness.n_defined": f"{mv['n_defined']:,}",
        "robustness.n_excluded": f"{mv['n_excluded']:,}",
        "robustness.n_fitted": f"{mv['n_fitted']:,}",
        "robustness.n_converged": f"{mv['n_converged']:,}",
        "robustness.n_failed": f"{mv['n_failed'] + mv['n_not_converged']:,}",
        "robustness.n_service_families": str(
            len([k for k in directions if k not in ("all", "all_service", "deprivation_defined")])
        ),
        "robustness.share_expected_service": pct(service["share_expected"], 0),
        "robustness.share_expected_fdr_service": pct(service["share_expected_fdr"], 0),
        "robustness.share_opposite_fdr_service": pct(service["share_opposite_fdr"], 0),
        "robustness.share_expected_all": pct(every["share_expected"], 0),
        "robustness.share_expected_deprivation": pct(dep["share_expected"], 0),
        "robustness.share_expected_asc_quality": pct(quality["share_expected"], 0),
        "robustness.share_opposite_fdr_asc_quality": pct(quality["share_opposite_fdr"], 0),
        "robustness.n_curve": f"{len(spec_curve):,}",
        "robustness.fdr_alpha": f"{every['fdr_alpha']:g}",
        "robustness.iod2019_estimate": est("iod2019"),
        "robustness.iod2025_estimate": est("iod2025"),
    }


def scenario_table(rules: pd.DataFrame, level: float, scheme: str | None = None) -> pd.DataFrame:
    """One row per allocation rule (the headline scheme): cost to close with its interval, the
    share of the gap it can close, share closed and net benefit at the fixed budget, and the
    break-even saving per participant a year."""
    scheme = scheme or rules["scheme"].iloc[0]
    r = rules[rules["scheme"] == scheme].set_index("rule")
    r = r.loc[order(SCENARIO_LABELS, r.index)]
    closable = (
        r["max_closable_share_mean"]
        if "max_closable_share_mean" in r
        else pd.Series(1.0, index=r.index)
    )
    return pd.DataFrame(
        {
            "Rule": [label(SCENARIO_LABELS, x) for x in r.index],
            "Cost to close a year": r["cost_to_close_gbp_mean"].map(gbp).to_numpy(),
            f"{level_label(level)} interval": [
                f"{gbp(lo)} to {gbp(hi)}"
                for lo, hi in zip(r["cost_to_close_gbp_lo"], r["cost_to_close_gbp_hi"])
            ],
            "Closable share": closable.fillna(1.0).map(lambda v: pct(v, 0)).to_numpy(),
            "Closed at fixed budget": r["share_closed_fixed_budget_mean"].map(pct).to_numpy(),
            "Net benefit (present value)": r["net_benefit_pv_fixed_budget_gbp_mean"]
            .map(signed_gbp)
            .to_numpy(),
            "Break-even saving a participant": r["breakeven_saving_per_participant_gbp_mean"]
            .map(lambda v: f"£{v:,.0f}")
            .to_numpy(),
        }
    )


def concentration_table(concentration: pd.DataFrame, level: float) -> pd.DataFrame:
    """One row per measure in the report's order, service measures first: the relative index
    with its district-cluster bootstrap SE (the previous Newey-West SE beside it) and interval,
    the Erreygers index for bounded measures, and the least- to most-powerful fifth ratio."""
    rows = concentration.set_index("outcome")
    rows = rows.loc[
        sorted(
            rows.index,
            key=lambda o: (
                rows.loc[o, "kind"] == "deprivation_defined",
                order(OUTCOME_LABELS, rows.index).index(o),
            ),
        )
    ]
    rel = rows["concentration_index"].notna()
    dash = "—"

    def cells(values, digits):
        return [num(v, digits) if ok else dash for v, ok in zip(values, rel, strict=True)]

    return pd.DataFrame(
        {
            "Measure": [label(OUTCOME_LABELS, o) for o in rows.index],
            "Class": [label(KIND_LABELS, k) for k in rows["kind"]],
            "Areas": rows["n"].map(lambda v: f"{v:,}").to_numpy(),
            "Index": cells(rows["concentration_index"], 3),
            "SE (cluster bootstrap)": cells(rows["se"], 4),
            "SE (Newey-West)": cells(rows["se_hac"], 4),
            f"{level_label(level)} CI": [
                f"{num(lo, 3)} to {num(hi, 3)}" if ok else dash
                for lo, hi, ok in zip(rows["ci_low"], rows["ci_high"], rel, strict=True)
            ],
            "Erreygers": [num(v, 3) if pd.notna(v) else dash for v in rows["erreygers_index"]],
            "Fifths ratio": [num(v) if pd.notna(v) else dash for v in rows["q1_q5_ratio"]],
        }
    )


def headline_models_table(summary: dict, level: float) -> pd.DataFrame:
    """One row per measure in the report's order, service measures first: the headline
    coefficient per SD of power (random slopes by district for neighbourhoods, WLS for
    councils), the SD of the district slopes, and the coefficient conditional on each
    deprivation set; a dash where that set contains the measure itself."""
    models = summary["c2"]["main_models"]
    names = sorted(
        order(OUTCOME_LABELS, models), key=lambda o: models[o]["kind"] == "deprivation_defined"
    )
    dash = "—"

    def cell(fit):
        if not fit or fit.get("estimate") is None:
            return dash
        return f"{num(fit['estimate'], 3)} ({num(fit['ci_low'], 3)} to {num(fit['ci_high'], 3)})"

    rows = []
    for outcome in names:
        fit = models[outcome]
        base = fit["unconditional"]
        rows.append(
            {
                "Measure": label(OUTCOME_LABELS, outcome),
                "Class": label(KIND_LABELS, fit["kind"]),
                "Areas": f"{base['n']:,}",
                f"Per SD of power ({level_label(level)} CI)": cell(base),
                "District slope SD": num(base["re_slope_sd"], 3)
                if base.get("re_slope_sd") is not None
                else dash,
                "Given IMD without Education": cell(fit["conditional"].get("imd_no_education")),
                "Given income and employment": cell(fit["conditional"].get("income_employment")),
            }
        )
    return pd.DataFrame(rows)


def directions_table(directions: pd.DataFrame) -> pd.DataFrame:
    """Multiverse estimates in the expected direction by outcome family (families weighted
    equally in the pooled rows; outcomes weighted equally within a family)."""
    rows = directions.set_index("outcome_family")
    rows = rows.loc[order(OUTCOME_FAMILY_LABELS, rows.index)]
    alpha = f"{rows['fdr_alpha'].iloc[0]:g}"
    return pd.DataFrame(
        {
            "Outcome family": [label(OUTCOME_FAMILY_LABELS, f) for f in rows.index],
            "Measures": rows["n_outcomes"].map(str).to_numpy(),
            "Converged specifications": rows["n_specs"].map(lambda v: f"{v:,}").to_numpy(),
            "In the expected direction": rows["share_expected"].map(lambda v: pct(v, 0)).to_numpy(),
            f"Expected, FDR q < {alpha}": rows["share_expected_fdr"]
            .map(lambda v: pct(v, 0))
            .to_numpy(),
            f"Opposite, FDR q < {alpha}": rows["share_opposite_fdr"]
            .map(lambda v: pct(v, 0))
            .to_numpy(),
        }
    )
