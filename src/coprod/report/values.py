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
    label,
    order,
)


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
    out["data.n_datasets"] = f"{len(pd.read_csv(provenance)):,}"
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


def gap_values(summary: dict, by_region: pd.DataFrame) -> dict[str, str]:
    c3 = summary["c3"]
    primary = c3["measures"][c3["primary_use_measure"]]
    top = by_region.sort_values("capacity_gap", ascending=False).iloc[0]
    return {
        "gap.share_lowest_quintile": pct(primary["lowest_quintile_share_of_gap"]),
        "gap.share_service_use_lowest_quintile": pct(primary["lowest_quintile_share_of_use"]),
        "gap.share_population_lowest_quintile": pct(primary["lowest_quintile_share_of_population"]),
        "gap.top_region": str(top["rgn24nm"]),
    }


def cost_values(headline: dict, by_imd: pd.DataFrame, sensitivity: pd.DataFrame
                ) -> dict[str, str]:
    geography = headline["report_geography"]
    scenarios = headline["scenarios"][geography]
    level = headline["interval"]
    out = {"costs.n_draws": f"{headline['n_draws']:,}",
           "costs.horizon_years": str(headline["horizon_years"])}
    for key, name in [("universal", "universal"), ("proportionate", "proportionate_universalism"),
                      ("targeted", "targeted")]:
        s = scenarios[name]
        out |= {
            f"costs.{key}.total": gbp(s["annual_gbp_mean"]),
            f"costs.{key}.total_interval": interval(gbp(s["annual_gbp_lo"]), gbp(s["annual_gbp_hi"]), level),
            f"costs.{key}.programme_total": gbp(s["total_gbp_mean"]),
            f"costs.{key}.per_head": f"£{s['per_head_gbp_mean']:,.0f}",
            f"costs.{key}.share_of_spend": pct(s["annual_share_of_spend_mean"], 2),
            f"costs.{key}.offsets": gbp(s["offset_savings_gbp_mean"]),
            f"costs.{key}.offsets_interval": interval(gbp(s["offset_savings_gbp_lo"]),
                                                      gbp(s["offset_savings_gbp_hi"]), level),
            f"costs.{key}.p_offsets_exceed": pct(s["prob_savings_exceed_costs"], 0),
            f"costs.{key}.gap_closed": pct(s["gap_closed_share"], 0),
            f"costs.{key}.gap_open": pct(1 - s["gap_closed_share"], 0),
            f"costs.{key}.n_areas": str(s["n_areas_covered"]),
        }
    prop = by_imd[(by_imd["scenario"] == "proportionate_universalism")]
    uni = by_imd[(by_imd["scenario"] == "universal")]
    out["costs.proportionate.share_most_deprived_decile"] = pct(
        prop.loc[prop["imd_decile"] == 1, "share_of_spending_mean"].item())
    out["costs.universal.share_most_deprived_decile"] = pct(
        uni.loc[uni["imd_decile"] == 1, "share_of_spending_mean"].item())
    top = sensitivity.sort_values("rank").iloc[0]
    out["costs.top_driver"] = label(PARAMETER_PHRASES, top["parameter"])
    return out


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
        **gap_values(summary, pd.read_parquet(inputs.gap_by_region)),
        **cost_values(headline, pd.read_parquet(inputs.by_imd), pd.read_parquet(inputs.sensitivity)),
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


def scenario_table(scenarios: pd.DataFrame, level: float) -> pd.DataFrame:
    return pd.DataFrame({
        "Scenario": scenarios["scenario"].map(lambda s: label(SCENARIO_LABELS, s)),
        "Annual cost": scenarios["annual_gbp_mean"].map(gbp),
        f"{level_label(level)} interval": [f"{gbp(lo)} to {gbp(hi)}" for lo, hi in
                         zip(scenarios["annual_gbp_lo"], scenarios["annual_gbp_hi"])],
        "Per head (programme)": scenarios["per_head_gbp_mean"].map(lambda v: f"£{v:,.0f}"),
        "Share of service spend": scenarios["annual_share_of_spend_mean"].map(lambda v: pct(v, 2)),
        "Gap closed": scenarios["gap_closed_share"].map(lambda v: pct(v, 0)),
        "Chance savings exceed cost": scenarios["prob_savings_exceed_costs"].map(lambda v: pct(v, 0)),
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
