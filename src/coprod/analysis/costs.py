"""Cost model of equitable co-production (research brief §5, claim C4).

Two components per area, both in nominal pounds at each parameter's stated price year:

* workforce, "fixers to facilitators": front-line staff (children's social workers FTE from
  DfE; adult and other staff from per-population ratios) trained once, their leavers'
  replacements trained each year (turnover), plus yearly refresher time, with paid backfill;
* community capacity building: participants in time banks, befriending and community
  navigators, and Local Area Coordinators, at an intensity set by the allocation scenario.

Offsets from the published returns (Knapp et al. savings; LAC social value) are transferred
evidence, kept apart from costs. Parameter uncertainty is propagated by seeded Monte Carlo:
every quantity is a (draws x areas) array, computed by broadcasting, never a loop per draw.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from coprod.columns import require_columns
from coprod.errors import ConfigError, CoprodError, GeographyError

log = logging.getLogger(__name__)

SCENARIOS = ("universal", "proportionate_universalism", "targeted")
SCHEMES = ("timebank", "befriending", "navigator")
REQUIRED_PARAMETERS = (
    "cyp_sw_hourly_cost_gbp", "asc_staff_hourly_cost_gbp", "other_staff_hourly_cost_gbp",
    "training_hours_per_staff", "refresher_hours_per_staff_year", "course_cost_per_trainee_gbp",
    "backfill_share", "asc_staff_per_1000", "other_staff_per_1000", "other_staff_turnover_rate",
    "participation_share_at_mean_gap", "timebank_cost_per_member_gbp",
    "befriending_cost_per_person_gbp", "navigator_cost_per_person_gbp",
    "lac_cost_per_coordinator_year_gbp", "residents_per_coordinator",
    "timebank_saving_per_member_gbp", "befriending_saving_per_person_gbp",
    "navigator_saving_per_person_gbp", "lac_social_value_ratio",
)
DIST_FIELDS = {
    "fixed": ("value",),
    "triangular": ("min", "mode", "max"),
    "uniform": ("min", "max"),
    "lognormal": ("median", "p95", "sigma"),
}
META_FIELDS = ("dist", "unit", "price_year", "source", "note", "corec")
SOURCE_PATTERN = re.compile(r"^([A-E][0-9]{1,2}|assumption)$")
COMPONENTS = ("workforce_gbp", "community_gbp", "total_gbp",
              "offset_savings_gbp", "offset_social_value_gbp")
_Z95 = stats.norm.ppf(0.95)


# --- configuration -------------------------------------------------------------------------

def validate_costs_config(cfg: dict) -> dict:
    """Check what the JSON schema cannot: bound order, sums, and the parameters the model needs."""
    for key in ("n_draws", "seed", "horizon_years"):
        if not isinstance(cfg.get(key), int) or isinstance(cfg.get(key), bool) or cfg[key] < 0:
            raise ConfigError(f"costs.{key}: must be a non-negative integer, got {cfg.get(key)!r}")
    if cfg["n_draws"] < 1 or cfg["horizon_years"] < 1:
        raise ConfigError("costs.n_draws and costs.horizon_years must be at least 1")
    if not 0 < cfg.get("interval", 0) < 1:
        raise ConfigError(f"costs.interval: must lie in (0, 1), got {cfg.get('interval')!r}")
    unknown = set(cfg.get("scenarios", ())) - set(SCENARIOS)
    if unknown or not cfg.get("scenarios"):
        raise ConfigError(f"costs.scenarios: unknown or empty {sorted(unknown)}; use {SCENARIOS}")
    if cfg.get("report", {}).get("scenario") not in cfg["scenarios"]:
        raise ConfigError(f"costs.report.scenario: {cfg.get('report', {}).get('scenario')!r} is not "
                          f"among costs.scenarios {cfg['scenarios']}")
    weights = cfg.get("community_mix", {}).get("weights", {})
    if set(weights) != set(SCHEMES) or any(_number(w, "costs.community_mix.weights") < 0
                                           for w in weights.values()):
        raise ConfigError(f"costs.community_mix.weights: need non-negative weights for {SCHEMES}")
    if not math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9):
        raise ConfigError(f"costs.community_mix.weights: must sum to 1, sum to {sum(weights.values())}")
    params = cfg.get("parameters", {})
    missing = [p for p in REQUIRED_PARAMETERS if p not in params]
    if missing:
        raise ConfigError(f"costs.parameters: missing {missing}")
    extra = sorted(set(params) - set(REQUIRED_PARAMETERS))
    if extra:
        raise ConfigError(f"costs.parameters: unknown parameters {extra} (the model does not use them)")
    for name, spec in params.items():
        validate_parameter(name, spec)
    return cfg


def validate_parameter(name: str, spec: dict) -> None:
    """Reject a parameter without a source, with a negative amount, or with misordered bounds."""
    key = f"costs.parameters.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{key}: must be a mapping")
    dist = spec.get("dist")
    if dist not in DIST_FIELDS:
        raise ConfigError(f"{key}.dist: {dist!r} is not one of {sorted(DIST_FIELDS)}")
    for field in ("unit", "price_year", "source"):
        if field not in spec:
            raise ConfigError(f"{key}.{field}: missing")
    source = spec["source"]
    if not isinstance(source, str) or not SOURCE_PATTERN.match(source):
        raise ConfigError(f"{key}.source: {source!r} is neither a cost_evidence.md row id (A1, B6 ...) "
                          "nor 'assumption'")
    if source == "assumption" and not spec.get("note"):
        raise ConfigError(f"{key}.note: an assumption needs a note saying what it assumes")
    allowed = set(DIST_FIELDS[dist]) | set(META_FIELDS)
    stray = sorted(set(spec) - allowed)
    if stray:
        raise ConfigError(f"{key}: fields {stray} do not belong to a {dist} distribution")
    values = {f: _number(spec[f], f"{key}.{f}") for f in DIST_FIELDS[dist] if f in spec}
    for field, value in values.items():
        if value < 0:
            raise ConfigError(f"{key}.{field}: {value} is negative")
    if dist == "fixed" and "value" not in values:
        raise ConfigError(f"{key}.value: missing for a fixed parameter")
    if dist == "triangular":
        _require(values, ("min", "mode", "max"), key)
        if not values["min"] <= values["mode"] <= values["max"] or values["min"] == values["max"]:
            raise ConfigError(f"{key}: triangular bounds must satisfy min <= mode <= max with min < max, "
                              f"got {values['min']}, {values['mode']}, {values['max']}")
    if dist == "uniform":
        _require(values, ("min", "max"), key)
        if not values["min"] < values["max"]:
            raise ConfigError(f"{key}: uniform bounds must satisfy min < max, "
                              f"got {values['min']}, {values['max']}")
    if dist == "lognormal":
        _require(values, ("median",), key)
        if ("p95" in values) == ("sigma" in values):
            raise ConfigError(f"{key}: lognormal needs exactly one of p95 or sigma")
        if values["median"] <= 0 or values.get("sigma", 1) <= 0:
            raise ConfigError(f"{key}: lognormal median and sigma must be positive")
        if "p95" in values and values["p95"] <= values["median"]:
            raise ConfigError(f"{key}: lognormal p95 {values['p95']} must exceed the median "
                              f"{values['median']}")
    if spec["unit"] == "share" and max(values.values()) > 1:
        raise ConfigError(f"{key}: a share cannot exceed 1")


def _number(value, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{key}: {value!r} is not a finite number")
    return float(value)


def _require(values: dict, fields: tuple[str, ...], key: str) -> None:
    missing = [f for f in fields if f not in values]
    if missing:
        raise ConfigError(f"{key}: missing {missing}")


def check_corec(parameters: dict, hourly: dict[str, pd.DataFrame],
                not_shipped: Sequence[str] = ()) -> None:
    """Stop if a value typed into config differs from the COReC unit-cost row it cites.

    ``not_shipped``: COReC tables the data source cannot provide (the snapshot does not ship
    them: unstated terms of use); their parameters keep the cited config figures unchecked."""
    for name, spec in parameters.items():
        ref = spec.get("corec")
        if not ref:
            continue
        key = f"costs.parameters.{name}"
        if ref["dataset"] in not_shipped:
            log.info("%s: not cross-checked, %s is not shipped with the snapshot (terms of use "
                     "unstated); the config figures cite it", name, ref["dataset"])
            continue
        if ref["dataset"] not in hourly:
            raise ConfigError(f"{key}.corec.dataset: {ref['dataset']!r} was not read; "
                              f"have {sorted(hourly)}")
        table = hourly[ref["dataset"]]
        rows = table["year"].astype("int64") == ref["year"]
        if "qualification_cost" in ref:
            rows &= table["qualification_cost"] == ref["qualification_cost"]
        for stat, band in ref.items():
            if stat in ("dataset", "year", "qualification_cost"):
                continue
            hit = table.loc[rows & (table["band"] == band), "cost_per_working_hour_gbp"]
            if len(hit) != 1:
                raise ConfigError(f"{key}.corec.{stat}: {len(hit)} rows for {band!r}, "
                                  f"{ref['year']} in {ref['dataset']}; expected exactly one")
            if not math.isclose(float(hit.iloc[0]), float(spec[stat]), rel_tol=1e-9):
                raise ConfigError(f"{key}.{stat}: config has {spec[stat]} but {ref['dataset']} "
                                  f"{ref['year']} {band} is {float(hit.iloc[0])}")
        log.info("%s matches %s %s", name, ref["dataset"], ref["year"])


def _frozen(spec: dict):
    """The scipy distribution of a parameter (fixed parameters return None)."""
    dist = spec["dist"]
    if dist == "triangular":
        width = spec["max"] - spec["min"]
        return stats.triang(c=(spec["mode"] - spec["min"]) / width, loc=spec["min"], scale=width)
    if dist == "uniform":
        return stats.uniform(loc=spec["min"], scale=spec["max"] - spec["min"])
    if dist == "lognormal":
        sigma = spec.get("sigma") or math.log(spec["p95"] / spec["median"]) / _Z95
        return stats.lognorm(s=sigma, scale=spec["median"])
    return None


def quantile_of(spec: dict, q) -> np.ndarray:
    """Parameter value at probability ``q`` (inverse CDF; a fixed parameter is constant)."""
    frozen = _frozen(spec)
    q = np.asarray(q, dtype=float)
    return np.full(q.shape, float(spec["value"])) if frozen is None else frozen.ppf(q)


def draw_parameters(parameters: dict, n_draws: int, seed: int) -> pd.DataFrame:
    """Seeded draws, one column per parameter, by inverse CDF of one uniform matrix."""
    uniforms = np.random.default_rng(seed).random((n_draws, len(parameters)))
    return pd.DataFrame({name: quantile_of(spec, uniforms[:, j])
                         for j, (name, spec) in enumerate(parameters.items())})


def parameter_table(parameters: dict) -> pd.DataFrame:
    """One row per parameter with its distribution, median and 90% range, unit and source."""
    rows = []
    for name, spec in parameters.items():
        p05, p50, p95 = quantile_of(spec, [0.05, 0.5, 0.95])
        rows.append({"parameter": name, "dist": spec["dist"],
                     **{f: float(spec[f]) if f in spec else np.nan
                        for f in ("value", "min", "mode", "max", "median", "p95", "sigma")},
                     "p05_value": p05, "median_value": p50, "p95_value": p95,
                     "unit": spec["unit"], "price_year": spec["price_year"],
                     "source": spec["source"], "is_assumption": spec["source"] == "assumption",
                     "note": spec.get("note", "")})
    return pd.DataFrame(rows)


# --- areas -----------------------------------------------------------------------------------

def prepare_areas(table: pd.DataFrame, gap: pd.DataFrame, code: str, *, spend_year: str,
                  utla: pd.DataFrame | None = None) -> pd.DataFrame:
    """Join an area table to its capacity gap and council workforce and spend.

    ``code`` is ``utla23cd`` or ``lad24cd``. LADs take their council's children's social
    workers and 2024-25 spend in proportion to population (the council, not the district,
    holds social-care duties and staff), so LAD totals add up to council totals.
    """
    spend = f"spend_total_service_gbp_{spend_year}"
    name = code.replace("cd", "nm")
    for frame, what in ((table, f"{code} table"), (gap, f"capacity gap ({code})")):
        if code in frame and frame[code].duplicated().any():
            raise GeographyError(f"{what}: duplicated {code} "
                                 f"{frame.loc[frame[code].duplicated(), code].tolist()[:5]}")
    require_columns(gap, [code, "capacity_gap", "power_quintile"], f"capacity gap ({code})")
    if code == "utla23cd":
        require_columns(table, [code, name, "population", "imd_score"], "utla23 table")
        council = _council_staff(table, spend).set_index("utla23cd")
        areas = table[[code, name, "population", "imd_score"]].assign(utla23cd=table[code])
        share = pd.Series(1.0, index=areas.index)
    elif code == "lad24cd":
        if utla is None:
            raise CoprodError("prepare_areas: LAD costs need the utla23 table for staff and spend")
        require_columns(table, [code, name, "utla23cd", "population", "imd_score"], "lad24 table")
        council = _council_staff(utla, spend).set_index("utla23cd")
        orphans = sorted(set(table["utla23cd"]) - set(council.index))
        if orphans:
            raise GeographyError(f"lad24 table: utla23cd {orphans[:5]} not in the utla23 table")
        areas = table[[code, name, "utla23cd", "population", "imd_score"]]
        share = areas["population"] / areas.groupby("utla23cd")["population"].transform("sum")
    else:
        raise CoprodError(f"prepare_areas: code must be utla23cd or lad24cd, got {code!r}")
    joined = council.loc[areas["utla23cd"]].reset_index(drop=True)
    areas = areas.reset_index(drop=True).rename(columns={code: "code", name: "name"})
    areas = areas.assign(sw_fte=joined["sw_fte"] * share.to_numpy(),
                         sw_fte_imputed=joined["sw_fte_imputed"],
                         sw_turnover_rate=joined["sw_turnover_rate"],
                         spend_gbp=joined["spend_gbp"] * share.to_numpy())
    g = gap[[code, "capacity_gap", "power_quintile"]].rename(columns={code: "code"})
    only_table = sorted(set(areas["code"]) - set(g["code"]))
    only_gap = sorted(set(g["code"]) - set(areas["code"]))
    if only_table or only_gap:
        raise GeographyError(f"capacity gap ({code}): codes without a gap {only_table[:5]}, "
                             f"gap codes not in the table {only_gap[:5]}")
    areas = areas.merge(g, on="code", how="left", validate="one_to_one")
    for col in ("population", "imd_score", "capacity_gap"):
        areas[col] = areas[col].astype("float64")
    if (areas["capacity_gap"] < 0).any() or areas[["capacity_gap", "power_quintile"]].isna().any(axis=None):
        raise CoprodError(f"capacity gap ({code}): capacity_gap and power_quintile must be present "
                          "for every area, and the gap non-negative")
    mean_gap = np.average(areas["capacity_gap"], weights=areas["population"])
    if mean_gap <= 0:
        raise CoprodError(f"capacity gap ({code}): zero everywhere; nothing to allocate by gap")
    rank = areas["imd_score"].rank(ascending=False, method="first", pct=True)
    return areas.assign(gap_rel=areas["capacity_gap"] / mean_gap,
                        imd_decile=np.ceil(rank * 10).astype("int64"),
                        power_quintile=areas["power_quintile"].astype("int64"))


def _council_staff(utla: pd.DataFrame, spend: str) -> pd.DataFrame:
    """Council FTE, turnover and spend; FTE missing (suppressed) is imputed at the national rate."""
    require_columns(utla, ["utla23cd", "population", "sw_fte", "sw_turnover_rate_pct", spend],
                    "utla23 table")
    fte = utla["sw_fte"].astype("float64")
    pop = utla["population"].astype("float64")
    turnover = utla["sw_turnover_rate_pct"].astype("float64") / 100
    known = fte.notna()
    if not known.any():
        raise CoprodError("utla23 table: sw_fte is missing for every council")
    missing = utla.loc[~known, "utla23cd"].tolist()
    if missing:
        log.warning("children's social worker FTE imputed at the national FTE per resident for %s",
                    missing)
    rated = known & turnover.notna()
    if not rated.any():
        raise CoprodError("utla23 table: sw_turnover_rate_pct is missing for every council")
    national_turnover = np.average(turnover[rated], weights=fte[rated])
    return pd.DataFrame({
        "utla23cd": utla["utla23cd"],
        "sw_fte": fte.fillna(pop * fte[known].sum() / pop[known].sum()),
        "sw_fte_imputed": ~known,
        "sw_turnover_rate": turnover.fillna(national_turnover),
        "spend_gbp": utla[spend].astype("float64"),
    })


# --- simulation --------------------------------------------------------------------------------

def intensities(areas: pd.DataFrame, scenario: str, cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per area: whether staff are trained (0/1) and capacity building relative to mean need."""
    ones = np.ones(len(areas))
    gap_rel = areas["gap_rel"].to_numpy(dtype=float)
    if scenario == "universal":
        return ones, ones * cfg["universal_intensity"]
    if scenario == "proportionate_universalism":
        return ones, gap_rel
    if scenario == "targeted":
        chosen = areas["power_quintile"].isin(cfg["targeted_power_quintiles"]).to_numpy(dtype=float)
        return chosen, gap_rel * chosen
    raise ConfigError(f"costs.scenarios: unknown scenario {scenario!r}")


def simulate(areas: pd.DataFrame, draws: pd.DataFrame, scenario: str, cfg: dict) -> dict[str, np.ndarray]:
    """Cost and offset components over the programme horizon, each a (draws, areas) array."""
    p = {name: draws[name].to_numpy(dtype=float)[:, None] for name in draws.columns}
    horizon = cfg["horizon_years"]
    trained, reach_rel = intensities(areas, scenario, cfg)
    pop = areas["population"].to_numpy(dtype=float)
    per_1000 = pop / 1000
    backfill = 1 + p["backfill_share"]

    def staff_group(staff, turnover, wage):
        first = p["training_hours_per_staff"] * wage * backfill + p["course_cost_per_trainee_gbp"]
        refresher = p["refresher_hours_per_staff_year"] * wage * backfill
        return staff * (first * (1 + horizon * turnover) + horizon * refresher)

    workforce = trained * (
        staff_group(areas["sw_fte"].to_numpy(dtype=float),
                    areas["sw_turnover_rate"].to_numpy(dtype=float), p["cyp_sw_hourly_cost_gbp"])
        + staff_group(per_1000 * p["asc_staff_per_1000"], p["other_staff_turnover_rate"],
                      p["asc_staff_hourly_cost_gbp"])
        + staff_group(per_1000 * p["other_staff_per_1000"], p["other_staff_turnover_rate"],
                      p["other_staff_hourly_cost_gbp"]))
    weights = cfg["community_mix"]["weights"]
    cost_each = (weights["timebank"] * p["timebank_cost_per_member_gbp"]
                 + weights["befriending"] * p["befriending_cost_per_person_gbp"]
                 + weights["navigator"] * p["navigator_cost_per_person_gbp"])
    saving_each = (weights["timebank"] * p["timebank_saving_per_member_gbp"]
                   + weights["befriending"] * p["befriending_saving_per_person_gbp"]
                   + weights["navigator"] * p["navigator_saving_per_person_gbp"])
    reach = reach_rel * pop
    participants = p["participation_share_at_mean_gap"] * reach
    lac = reach / p["residents_per_coordinator"] * p["lac_cost_per_coordinator_year_gbp"]
    community = horizon * (participants * cost_each + lac)
    return {
        "workforce_gbp": workforce,
        "community_gbp": community,
        "total_gbp": workforce + community,
        "offset_savings_gbp": horizon * participants * saving_each,
        "offset_social_value_gbp": horizon * lac * p["lac_social_value_ratio"],
    }


def monte_carlo(areas: pd.DataFrame, cfg: dict, *, n_draws: int | None = None,
                seed: int | None = None) -> dict[str, dict[str, np.ndarray]]:
    """All scenarios for all areas: {scenario: {component: (draws, areas) array}} (benchmark entry)."""
    draws = draw_parameters(cfg["parameters"], n_draws or cfg["n_draws"],
                            cfg["seed"] if seed is None else seed)
    return {s: simulate(areas, draws, s, cfg) for s in cfg["scenarios"]}


def gap_closed(areas: pd.DataFrame, scenario: str, cfg: dict) -> np.ndarray:
    """Population-weighted gap closed per area: capacity building reaches its need up to 1."""
    _, reach_rel = intensities(areas, scenario, cfg)
    gap_rel = areas["gap_rel"].to_numpy(dtype=float)
    fraction = np.divide(reach_rel, gap_rel, out=np.zeros_like(gap_rel), where=gap_rel > 0)
    return np.minimum(fraction, 1.0) * areas["capacity_gap"].to_numpy() * areas["population"].to_numpy()


# --- summaries ---------------------------------------------------------------------------------

def _bounds(cfg: dict) -> tuple[float, float]:
    tail = (1 - cfg["interval"]) / 2
    return tail, 1 - tail


def _summary(x: np.ndarray, cfg: dict, axis: int = 0) -> dict[str, np.ndarray]:
    lo, median, hi = np.quantile(x, [_bounds(cfg)[0], 0.5, _bounds(cfg)[1]], axis=axis)
    return {"mean": x.mean(axis=axis), "median": median, "lo": lo, "hi": hi}


def area_summary(areas: pd.DataFrame, sim: dict[str, np.ndarray], scenario: str, cfg: dict) -> pd.DataFrame:
    """Per area: mean and interval of each component, per head and as a share of yearly spend."""
    pop = areas["population"].to_numpy(dtype=float)
    spend = areas["spend_gbp"].to_numpy(dtype=float)
    quantities = dict(sim)
    quantities["per_head_gbp"] = sim["total_gbp"] / pop
    quantities["annual_share_of_spend"] = sim["total_gbp"] / cfg["horizon_years"] / spend
    closed = gap_closed(areas, scenario, cfg)
    gap_units = areas["capacity_gap"].to_numpy() * pop
    out = areas[["code", "name", "population", "imd_score", "imd_decile", "power_quintile",
                 "capacity_gap", "gap_rel", "sw_fte", "sw_fte_imputed", "spend_gbp"]].assign(
        scenario=scenario,
        gap_closed=closed,
        gap_closed_fraction=np.divide(closed, gap_units, out=np.full_like(closed, np.nan),
                                      where=gap_units > 0))
    columns = {f"{q}_{stat}": values for q, x in quantities.items()
               for stat, values in _summary(x, cfg).items()}
    return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)


def national_draws(areas: pd.DataFrame, sim: dict[str, np.ndarray], scenario: str, cfg: dict) -> pd.DataFrame:
    """National totals per draw (one row per draw) for one scenario."""
    trained, reach_rel = intensities(areas, scenario, cfg)
    pop = areas["population"].to_numpy(dtype=float)
    covered = (trained > 0) | (reach_rel > 0)
    has_spend = ~np.isnan(areas["spend_gbp"].to_numpy(dtype=float))
    totals = {k: v.sum(axis=1) for k, v in sim.items()}
    return pd.DataFrame({
        **totals,
        "per_head_gbp": totals["total_gbp"] / pop.sum(),
        "per_head_covered_gbp": totals["total_gbp"] / pop[covered].sum(),
        "annual_gbp": totals["total_gbp"] / cfg["horizon_years"],
        "annual_share_of_spend": (sim["total_gbp"][:, has_spend].sum(axis=1) / cfg["horizon_years"]
                                  / areas["spend_gbp"].to_numpy(dtype=float)[has_spend].sum()),
        "net_savings_gbp": totals["offset_savings_gbp"] - totals["total_gbp"],
    })


def scenario_summary(areas: pd.DataFrame, national: pd.DataFrame, scenario: str, cfg: dict) -> dict:
    """Headline row: totals with intervals, offsets-exceed-costs probabilities, gap closed."""
    trained, reach_rel = intensities(areas, scenario, cfg)
    covered = (trained > 0) | (reach_rel > 0)
    gap_units = (areas["capacity_gap"] * areas["population"]).sum()
    row = {"scenario": scenario, "n_areas_covered": int(covered.sum()),
           "population_covered": float(areas.loc[covered, "population"].sum()),
           "n_areas_with_spend": int(areas["spend_gbp"].notna().sum())}
    for q in ("total_gbp", "workforce_gbp", "community_gbp", "per_head_gbp", "per_head_covered_gbp",
              "annual_gbp", "annual_share_of_spend", "offset_savings_gbp", "offset_social_value_gbp"):
        row.update({f"{q}_{stat}": float(v) for stat, v in _summary(national[q].to_numpy(), cfg).items()})
    row["prob_savings_exceed_costs"] = float((national["offset_savings_gbp"] > national["total_gbp"]).mean())
    row["prob_savings_and_social_value_exceed_costs"] = float(
        (national["offset_savings_gbp"] + national["offset_social_value_gbp"] > national["total_gbp"]).mean())
    row["gap_closed_share"] = float(gap_closed(areas, scenario, cfg).sum() / gap_units)
    return row


def draws_summary(national: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Tidy distribution of each national quantity: mean, sd and quantiles over draws."""
    probs = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975]
    q = national.quantile(probs)
    frame = pd.DataFrame({"scenario": scenario, "quantity": national.columns,
                          "mean": national.mean().to_numpy(), "sd": national.std().to_numpy()})
    for p in probs:
        frame[f"p{p * 100:g}".replace(".", "_")] = q.loc[p].to_numpy()
    return frame


def decile_table(areas: pd.DataFrame, sim: dict[str, np.ndarray], scenario: str, cfg: dict) -> pd.DataFrame:
    """Spending and gap closed by IMD decile of area (1 = most deprived), with intervals."""
    deciles = np.arange(1, 11)
    member = (areas["imd_decile"].to_numpy()[:, None] == deciles[None, :]).astype(float)
    spend = sim["total_gbp"] @ member
    share = spend / sim["total_gbp"].sum(axis=1, keepdims=True)
    pop = areas["population"].to_numpy(dtype=float) @ member
    closed = gap_closed(areas, scenario, cfg) @ member
    gap_units = (areas["capacity_gap"] * areas["population"]).to_numpy() @ member
    with np.errstate(divide="ignore", invalid="ignore"):
        per_head = spend / pop
        frame = pd.DataFrame({
            "scenario": scenario, "imd_decile": deciles,
            "n_areas": member.sum(axis=0).astype("int64"), "population": pop,
            "gap_units": gap_units, "gap_closed": closed,
            "gap_closed_fraction": closed / gap_units,
            "share_of_gap_closed": closed / closed.sum() if closed.sum() > 0 else np.nan,
        })
    for q, x in {"total_gbp": spend, "share_of_spending": share, "per_head_gbp": per_head}.items():
        for stat, values in _summary(x, cfg).items():
            frame[f"{q}_{stat}"] = values
    return frame


def sensitivity(areas: pd.DataFrame, draws: pd.DataFrame, national: dict[str, pd.DataFrame],
                cfg: dict) -> pd.DataFrame:
    """Tornado (each parameter at its 5th/95th percentile, others at median) and Spearman rho."""
    params = cfg["parameters"]
    varying = [n for n, s in params.items() if s["dist"] != "fixed"]
    median = {n: float(quantile_of(s, 0.5)) for n, s in params.items()}
    rows = [median]
    for name in varying:
        for q in (0.05, 0.95):
            rows.append({**median, name: float(quantile_of(params[name], q))})
    grid = pd.DataFrame(rows)[list(params)]
    out = []
    for scenario in cfg["scenarios"]:
        totals = simulate(areas, grid, scenario, cfg)["total_gbp"].sum(axis=1)
        drawn_total = national[scenario]["total_gbp"].to_numpy()
        for i, name in enumerate(varying):
            low, high = totals[1 + 2 * i], totals[2 + 2 * i]
            rho = stats.spearmanr(draws[name], drawn_total).statistic
            out.append({"scenario": scenario, "parameter": name, "source": params[name]["source"],
                        "value_p05": grid.loc[1 + 2 * i, name], "value_p95": grid.loc[2 + 2 * i, name],
                        "total_at_median_gbp": totals[0], "total_at_p05_gbp": low,
                        "total_at_p95_gbp": high, "swing_gbp": abs(high - low),
                        "spearman_rho": float(rho)})
    frame = pd.DataFrame(out, columns=["scenario", "parameter", "source", "value_p05", "value_p95",
                                       "total_at_median_gbp", "total_at_p05_gbp", "total_at_p95_gbp",
                                       "swing_gbp", "spearman_rho"])
    rank = frame.groupby("scenario")["swing_gbp"].rank(ascending=False, method="first")
    frame["rank"] = rank.astype("int64")
    return frame.sort_values(["scenario", "rank"], ignore_index=True)


def run_cost_model(areas: pd.DataFrame, cfg: dict, geography: str) -> dict[str, pd.DataFrame]:
    """Every cost table for one geography: areas, scenarios, draws summary, deciles, sensitivity."""
    validate_costs_config(cfg)
    draws = draw_parameters(cfg["parameters"], cfg["n_draws"], cfg["seed"])
    area_rows, scenario_rows, dist_rows, decile_rows, national = [], [], [], [], {}
    for scenario in cfg["scenarios"]:
        sim = simulate(areas, draws, scenario, cfg)
        national[scenario] = national_draws(areas, sim, scenario, cfg)
        area_rows.append(area_summary(areas, sim, scenario, cfg))
        scenario_rows.append(scenario_summary(areas, national[scenario], scenario, cfg))
        dist_rows.append(draws_summary(national[scenario], scenario))
        decile_rows.append(decile_table(areas, sim, scenario, cfg))
        log.info("%s %s: total mean GBP %.0f", geography, scenario, national[scenario]["total_gbp"].mean())
    tables = {
        "areas": pd.concat(area_rows, ignore_index=True),
        "scenarios": pd.DataFrame(scenario_rows),
        "draws_summary": pd.concat(dist_rows, ignore_index=True),
        "deciles": pd.concat(decile_rows, ignore_index=True),
        "sensitivity": sensitivity(areas, draws, national, cfg),
    }
    return {name: t.assign(geography=geography) for name, t in tables.items()}


def report_tables(scenarios: pd.DataFrame, deciles: pd.DataFrame, sensitivity_: pd.DataFrame,
                  cfg: dict) -> dict[str, pd.DataFrame]:
    """Figure-ready views (coprod.report.figures contracts) for the report geography, in GBP million:
    annual cost by scenario, share of spending by IMD decile, and the tornado of one scenario."""
    geography, scenario = cfg["report"]["geography"], cfg["report"]["scenario"]
    pick = {name: frame[frame["geography"] == geography]
            for name, frame in (("scenarios", scenarios), ("deciles", deciles), ("sensitivity", sensitivity_))}
    if any(frame.empty for frame in pick.values()):
        raise ConfigError(f"costs.report.geography: no cost results for {geography!r}")
    s = pick["scenarios"]
    tornado = pick["sensitivity"][pick["sensitivity"]["scenario"] == scenario]
    if tornado.empty:
        raise ConfigError(f"costs.report.scenario: {scenario!r} is not among the scenarios run")
    return {
        "scenarios": s.assign(estimate=s["annual_gbp_mean"] / 1e6, ci_low=s["annual_gbp_lo"] / 1e6,
                              ci_high=s["annual_gbp_hi"] / 1e6),
        "by_imd": pick["deciles"].assign(value=pick["deciles"]["share_of_spending_mean"]),
        "sensitivity": tornado.assign(low=tornado["total_at_p05_gbp"] / 1e6,
                                      high=tornado["total_at_p95_gbp"] / 1e6,
                                      base=tornado["total_at_median_gbp"] / 1e6),
    }


def headline(scenarios: pd.DataFrame, cfg: dict) -> dict:
    """National figures per geography and scenario for the report, with the basis stated."""
    keep = [c for c in scenarios.columns if c not in ("geography", "scenario")]
    figures = {geo: {row["scenario"]: {c: row[c] for c in keep} for _, row in group.iterrows()}
               for geo, group in scenarios.groupby("geography")}
    return {
        "price_basis": "nominal; each parameter at its stated price year (see parameters table)",
        "n_draws": cfg["n_draws"], "seed": cfg["seed"], "interval": cfg["interval"],
        "horizon_years": cfg["horizon_years"], "spend_year": cfg["spend_year"],
        "report_geography": cfg["report"]["geography"],
        "offsets_note": "transferred evidence (Knapp et al. 2010; Local Area Coordination SROI), "
                        "not local estimates",
        "scenario_definitions": {
            "universal": "all staff trained; capacity building per head everywhere at "
                         f"{cfg['universal_intensity']} x the national-average need",
            "proportionate_universalism": "all staff trained; capacity building per head x the "
                                          "area's gap relative to the national mean",
            "targeted": "staff training and gap-scaled capacity building only in power quintiles "
                        f"{cfg['targeted_power_quintiles']} (1 = least power)",
        },
        "interval_note": "lo/hi are the central interval of the Monte Carlo draws; per_head is over "
                         "the whole population, per_head_covered over the areas funded; annual_share_of_"
                         "spend compares the yearly cost with the councils' net current service spend "
                         "(county plus districts in two-tier areas) in spend_year",
        "scenarios": figures,
    }
