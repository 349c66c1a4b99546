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
    GEOGRAPHY_LABELS,
    OUTCOME_LABELS,
    PARAMETER_PHRASES,
    SCENARIO_LABELS,
    SCHEME_LABELS,
    label,
    order,
)


RULE_KEYS = {"universal": "universal", "proportionate_universalism": "pu", "proportional": "proportional",
             "targeted_power_lsoa": "targeted_power_lsoa", "targeted_power_council": "targeted_power_council",
             "targeted_imd_lsoa": "targeted_imd_lsoa"}
# The per-rule figures the report quotes (the table shows every rule in full).
RULE_VALUES = {
    "universal": ("cost", "cost_interval", "share_closed", "residual", "cost_max"),
    "proportionate_universalism": ("cost", "cost_interval", "share_closed", "share_closed_interval",
                                   "breakeven", "net_benefit", "net_benefit_interval", "q1_q5_after"),
    "proportional": (),
    "targeted_power_lsoa": ("cost", "max_closable", "grid_beats_pu"),
    "targeted_imd_lsoa": ("cost", "max_closable", "share_closed", "grid_beats_pu"),
    "targeted_power_council": ("cost", "max_closable", "share_closed", "breakeven", "net_benefit",
                               "grid_beats_pu"),
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
    keys = {"lsoa21": ("lsoa21cd", "data.n_lsoa"), "lad24": ("lad24cd", "data.n_lad"),
            "utla23": ("utla23cd", "data.n_utla")}
    out = {keys[name][1]: f"{len(pd.read_parquet(path, columns=[keys[name][0]])):,}"
           for name, path in tables.items()}
    prov = pd.read_csv(provenance)
    out["data.n_datasets"] = f"{len(prov):,}"
    out["data.n_hash_official"] = f"{int((prov['sha256_of'] == 'official').sum()):,}"
    out["data.n_hash_mirror"] = f"{int((prov['sha256_of'] == 'mirror').sum()):,}"
    return out


def power_values(summary: dict, loadings: pd.DataFrame, level: float) -> dict[str, str]:
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
    }


def services_values(summary: dict, concentration: pd.DataFrame, level: float) -> dict[str, str]:
    ratios = summary["c2"]["lowest_to_highest_power_quintile"]
    ratio = ratios["acute_morbidity"]
    by_outcome = concentration.set_index("outcome")
    acute = by_outcome.loc["acute_morbidity"]
    main = summary["c2"]["main_models"]["acute_morbidity"]
    return {
        "services.ratio_acute": num(ratio["ratio"]),
        "services.ratio_acute_ci": interval(num(ratio["ci_low"]), num(ratio["ci_high"]), level),
        "services.ratio_income": num(ratios["income_claimants"]["ratio"]),
        "services.ci_acute": num(acute["concentration_index"], 3),
        "services.ci_acute_interval": interval(num(acute["ci_low"], 3), num(acute["ci_high"], 3), level),
        "services.ci_income": num(by_outcome.loc["income_claimants", "concentration_index"], 3),
        "services.acute_per_sd": num(main["unadjusted"]["estimate"], 1),
        "services.acute_per_sd_ci": interval(num(main["unadjusted"]["ci_low"], 1),
                                             num(main["unadjusted"]["ci_high"], 1), level),
        "services.power_share_after_imd": pct(main["share_remaining"], 0),
        "services.n_concentration_negative": str(int(
            (concentration["concentration_index"].dropna() < 0).sum())),
        "services.n_concentration_negative_significant": str(int(
            (concentration["ci_high"].dropna() < 0).sum())),
        "services.n_concentration": str(int(concentration["concentration_index"].notna().sum())),
        "services.n_outcomes_modelled": str(len(summary["c2"]["main_models"])),
    }


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
        out[f"gap.people_{ref}_interval"] = interval(people(q["lo"]), people(q["hi"]), h["interval"])
        out[f"gap.reference_{ref}"] = pct(main[f"reference_{ref}"]["point"])
        values = [g[f"gap_people_{ref}"]["point"] for g in gaps.values()]
        out[f"gap.people_{ref}_range"] = f"{people(min(values))} to {people(max(values))}"
    return out


def cost_values(h: dict) -> dict[str, str]:
    """C4: cost to close per rule, share closed at the fixed budget, accounting, drivers."""
    out = {"costs.n_draws": f"{h['n_draws']:,}", "costs.horizon_years": str(h["horizon_years"]),
           "costs.interval": level_label(h["interval"]),
           "costs.price_base": h["price_base"], "costs.discount_rate": pct(h["discount_rate"]),
           "costs.fixed_budget": gbp(h["fixed_budget_gbp"]),
           "costs.fixed_budget_share": pct(h["fixed_budget_share_of_spend"]),
           "costs.pu_floor_share": pct(h["pu_floor_share"], 0),
           "costs.universal_percentile": f"{100 * h['universal_percentile']:.0f}th",
           "costs.enabling_economic": gbp(h["enabling"]["economic"]["mean"]),
           "costs.enabling_economic_interval": interval(gbp(h["enabling"]["economic"]["lo"]),
                                                       gbp(h["enabling"]["economic"]["hi"]), h["interval"]),
           "costs.enabling_cash": gbp(h["enabling"]["cash"]["mean"]),
           "costs.enabling_share_of_budget": pct(h["enabling"]["cash"]["mean"] / h["fixed_budget_gbp"], 0)}
    for rule, key in RULE_KEYS.items():
        r = h["rules"][rule]
        c, s = r["cost_to_close_gbp"], r["share_closed_fixed_budget"]
        out |= {
            f"costs.{key}.cost": gbp(c["mean"]),
            f"costs.{key}.cost_interval": interval(gbp(c["lo"]), gbp(c["hi"]), h["interval"]),
            f"costs.{key}.share_closed": pct(s["mean"]),
            f"costs.{key}.share_closed_interval": interval(pct(s["lo"]), pct(s["hi"]), h["interval"]),
            f"costs.{key}.breakeven": f"£{r['breakeven_saving_per_participant_gbp']['mean']:,.0f}",
            f"costs.{key}.net_benefit": signed_gbp(r["net_benefit_pv_fixed_budget_gbp"]["mean"]),
            f"costs.{key}.net_benefit_interval": interval(
                signed_gbp(r["net_benefit_pv_fixed_budget_gbp"]["lo"]),
                signed_gbp(r["net_benefit_pv_fixed_budget_gbp"]["hi"]), h["interval"]),
            f"costs.{key}.q1_q5_after": points(r["q1_q5_difference_after"]["mean"], 2),
        }
        if "max_closable_share" in r:
            out[f"costs.{key}.max_closable"] = pct(r["max_closable_share"]["mean"], 0)
        if "residual_share_at_cost" in r:
            out[f"costs.{key}.residual"] = pct(r["residual_share_at_cost"]["mean"], 0)
            out[f"costs.{key}.cost_max"] = gbp(r["cost_to_close_max_gbp"]["mean"])
    at_scale = h["national"]["breakeven_at_cost_to_close_gbp"]
    out["costs.breakeven_at_scale"] = f"£{at_scale['mean']:,.0f}"
    out["costs.breakeven_at_scale_interval"] = interval(f"£{at_scale['lo']:,.0f}", f"£{at_scale['hi']:,.0f}",
                                                        h["interval"])
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
            out[f"costs.driver_{key}_{i}_st"] = num(d["st"])
    grid = h["threshold_grid"]
    out["costs.grid_lambda"] = f"{num(grid['lambda'][0], 1)} to {num(grid['lambda'][1], 1)}"
    out["costs.grid_theta"] = f"{num(grid['theta'][0], 1)} to {num(grid['theta'][1], 1)}"
    out["costs.grid_cost"] = f"{num(grid['unit_cost_multiplier'][0], 1)} to {num(grid['unit_cost_multiplier'][1], 1)}"
    for rule, t in h["thresholds"].items():
        key = RULE_KEYS[rule]
        out[f"costs.{key}.grid_beats_pu"] = pct(t["share_of_grid_beating_pu"], 0)
    keep = {f"costs.{RULE_KEYS[rule]}.{field}" for rule, fields in RULE_VALUES.items() for field in fields}
    return {k: v for k, v in out.items()
            if not any(k.startswith(f"costs.{key}.") for key in RULE_KEYS.values()) or k in keep}


def all_values(inputs, first_year: str, last_year: str, levels: dict[str, float]) -> dict[str, str]:
    """Every value the report quotes, from the named result files of the report rule; ``levels``
    are the configured interval levels of the power (C1) and models (C2) stages."""
    summary = json.loads(Path(inputs.models_summary).read_text())
    headline = json.loads(Path(inputs.costs_headline).read_text())
    return {
        **data_values({"lsoa21": inputs.lsoa21, "lad24": inputs.lad24, "utla23": inputs.utla23},
                      inputs.provenance),
        **power_values(summary, pd.read_parquet(inputs.loadings), levels["power"]),
        **services_values(summary, pd.read_parquet(inputs.concentration), levels["models"]),
        **gap_values(summary, pd.read_parquet(inputs.gap_by_region), headline),
        **cost_values(headline),
        **climate_values(pd.read_parquet(inputs.climate_groups), pd.read_parquet(inputs.climate_dropped),
                         first_year, last_year),
        **robustness_values(summary, pd.read_parquet(inputs.spec_curve),
                            pd.read_parquet(inputs.replication), levels["models"]),
    }


def climate_values(groups: pd.DataFrame, dropped: pd.DataFrame, first: str, last: str
                   ) -> dict[str, str]:
    total = groups[(groups["service"] == "total_service") & (groups["group_var"] == "imd_quintile")]
    per_head = total.pivot(index="group", columns="year", values="per_head_gbp")
    change = per_head[last] / per_head[first] - 1
    return {
        "climate.basis": str(total["basis"].iloc[0]),
        "climate.change_most_deprived": pct(change.loc[1]),
        "climate.change_least_deprived": pct(change.loc[change.index.max()]),
        "climate.per_head_most_deprived": f"£{per_head.loc[1, last]:,.0f}",
        "climate.per_head_least_deprived": f"£{per_head.loc[change.index.max(), last]:,.0f}",
        "climate.n_councils_dropped": str(dropped.loc[dropped["service"].isin(
            ["all", "total_service"]), "code"].nunique()),
    }


def robustness_values(summary: dict, spec_curve: pd.DataFrame, replication: pd.DataFrame,
                      level: float) -> dict[str, str]:
    counts = summary["multiverse"]["status_counts"]
    acute = replication[replication["outcome"] == "acute_morbidity"].set_index("vintage")

    def est(vintage: str) -> str:
        row = acute.loc[vintage]
        return (f"{num(row['estimate'])} SD per SD of power "
                f"({interval(num(row['ci_low']), num(row['ci_high']), level)})")

    fitted = spec_curve[spec_curve["status"] == "ok"]
    return {
        "robustness.n_combinations": f"{summary['multiverse']['n_specs']:,}",
        "robustness.n_skipped": f"{counts.get('skipped', 0):,}",
        "robustness.n_specs": f"{summary['multiverse']['n_fitted']:,}",
        "robustness.n_converged": f"{counts.get('ok', 0):,}",
        "robustness.n_failed": f"{counts.get('failed', 0) + counts.get('not_converged', 0):,}",
        "robustness.share_negative": pct((fitted["estimate"] < 0).mean()),
        "robustness.share_negative_excluding_zero": pct(
            ((fitted["estimate"] < 0) & fitted["excludes_zero"]).mean()),
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
    closable = r["max_closable_share_mean"] if "max_closable_share_mean" in r else pd.Series(1.0, index=r.index)
    return pd.DataFrame({
        "Rule": [label(SCENARIO_LABELS, x) for x in r.index],
        "Cost to close a year": r["cost_to_close_gbp_mean"].map(gbp).to_numpy(),
        f"{level_label(level)} interval": [f"{gbp(lo)} to {gbp(hi)}" for lo, hi in
                         zip(r["cost_to_close_gbp_lo"], r["cost_to_close_gbp_hi"])],
        "Closable share": closable.fillna(1.0).map(lambda v: pct(v, 0)).to_numpy(),
        "Closed at fixed budget": r["share_closed_fixed_budget_mean"].map(pct).to_numpy(),
        "Net benefit (present value)": r["net_benefit_pv_fixed_budget_gbp_mean"].map(signed_gbp).to_numpy(),
        "Break-even saving a participant": r["breakeven_saving_per_participant_gbp_mean"].map(
            lambda v: f"£{v:,.0f}").to_numpy(),
    })


def concentration_table(concentration: pd.DataFrame, level: float) -> pd.DataFrame:
    """One row per measure with a defined index, in the report's order of measures."""
    rows = concentration.dropna(subset=["concentration_index"]).set_index("outcome")
    rows = rows.loc[order(OUTCOME_LABELS, rows.index)]
    return pd.DataFrame({
        "Measure": [label(OUTCOME_LABELS, o) for o in rows.index],
        "Level": rows["geography"].map(lambda g: label(GEOGRAPHY_LABELS, g)).to_numpy(),
        "Areas": rows["n"].map(lambda v: f"{v:,}").to_numpy(),
        "Index": rows["concentration_index"].map(lambda v: num(v, 3)).to_numpy(),
        "SE": rows["se"].map(lambda v: num(v, 4)).to_numpy(),
        f"{level_label(level)} CI": [f"{num(lo, 3)} to {num(hi, 3)}" for lo, hi in
                   zip(rows["ci_low"], rows["ci_high"])],
    })


def headline_models_table(summary: dict, level: float) -> pd.DataFrame:
    """One row per measure in the report's order (the model family follows from the level, which
    the caption states); a dash where deprivation cannot be added (the measure is itself a
    deprivation score)."""
    models = summary["c2"]["main_models"]
    rows = []
    for outcome in order(OUTCOME_LABELS, models):
        fit = models[outcome]
        base, adjusted = fit["unadjusted"], fit["adjusted"]
        rows.append({
            "Measure": label(OUTCOME_LABELS, outcome),
            "Areas": f"{base['n']:,}",
            "Per SD of power": num(base["estimate"], 3),
            f"{level_label(level)} CI": f"{num(base['ci_low'], 3)} to {num(base['ci_high'], 3)}",
            "Adding deprivation": (num(adjusted["estimate"], 3)
                                   if adjusted and adjusted.get("estimate") is not None else "—"),
            "Share remaining": (minus(pct(fit["share_remaining"], 0))
                                if fit.get("share_remaining") is not None else "—"),
        })
    return pd.DataFrame(rows)
