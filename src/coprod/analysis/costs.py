"""Cost of closing the capacity gap (claim C4; issue 10), derived from the gap in people.

For area i (an LSOA) with S_i spent a year, unit cost c_i per supported participant per year,
additionality a_i = lambda (1 - p_i) / (lambda (1 - p_i) + p_i) (lambda < 1: people who already
take part join more), theta the chance that a new member newly meets the participation
definition and delta the share displaced from other civic activity:

    new participants  Delta_i = (S_i / c_i) a_i theta (1 - delta),   closed_i = min(G_i, Delta_i),

and the share closed is sum(closed_i) / sum(G_i). The money that closes area i's gap is
m_i = G_i c_i / (a_i theta (1 - delta)): the steady-state annual cost to close. Allocation rules
(universal, proportionate universalism, targeted) are applied to the point-estimate gap and
scored against every Monte Carlo draw's gap, so need-based rules are not credited with perfect
information.

Schemes cannot recruit without limit: one LSOA's scheme recruits at most cap x adults_i new
members a year once established and reaches that rate on a linear ramp of R years. Members stay
(membership recurs), so by year t it can have K_i(t) = cap adults_i sum_{s=1..t} min(1, s / R).
At a budget the members bought are min(S_i / c_i, K_i(H)), H the horizon: money beyond that
buys no one, still counts as spent and is not re-spread by the allocation rules.

Money is in 2024-25 prices (HM Treasury GDP deflator); multi-year flows are discounted at the
Green Book 3.5% real rate to the first programme year (HM Treasury 2022, Green Book §A6).
A fixed enabling workforce cost (training staff as facilitators) closes no gap on its own;
membership is paid every year, so the gap reopens when funding stops. Every quantity is a
(draws, areas) array computed by broadcasting, in chunks of draws to bound memory.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from coprod.analysis import participation as part
from coprod.errors import ConfigError, CoprodError

log = logging.getLogger(__name__)

SCHEMES = ("timebank", "befriending", "navigator")
RULES = (
    "universal",
    "proportionate_universalism",
    "proportional",
    "targeted_power_lsoa",
    "targeted_power_council",
    "targeted_imd_lsoa",
)
TARGETED = {
    "targeted_power_lsoa": "power_fifth",
    "targeted_power_council": "council_power_fifth",
    "targeted_imd_lsoa": "imd_fifth_latest",
}
SCHEME_COST = {s: f"{s}_cost_per_member_gbp" for s in SCHEMES}
SCHEME_SAVING = {s: f"{s}_saving_per_member_gbp" for s in SCHEMES}
DIST_FIELDS = {
    "fixed": ("value",),
    "triangular": ("min", "mode", "max"),
    "uniform": ("min", "max"),
    "lognormal": ("median", "p95"),
    "normal": ("mean", "sd"),
}
_Z95 = stats.norm.ppf(0.95)


# --- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One uncertain input: its distribution, unit, price year and evidence row."""

    name: str
    dist: str
    values: dict
    unit: str
    price_year: str | None
    source: str
    note: str = ""

    def ppf(self, q) -> np.ndarray:
        """Value at probability ``q`` (inverse CDF; a fixed parameter is constant)."""
        q = np.asarray(q, dtype=float)
        v = self.values
        if self.dist == "fixed":
            return np.full(q.shape, float(v["value"]))
        if self.dist == "triangular":
            width = v["max"] - v["min"]
            return stats.triang(c=(v["mode"] - v["min"]) / width, loc=v["min"], scale=width).ppf(q)
        if self.dist == "uniform":
            return stats.uniform(loc=v["min"], scale=v["max"] - v["min"]).ppf(q)
        if self.dist == "lognormal":
            return stats.lognorm(s=math.log(v["p95"] / v["median"]) / _Z95, scale=v["median"]).ppf(
                q
            )
        return stats.norm(loc=v["mean"], scale=v["sd"]).ppf(q)


@dataclass(frozen=True)
class Choice:
    """A discrete modelling choice drawn with fixed weights (the first listed is primary)."""

    name: str
    options: tuple[str, ...]
    weights: tuple[float, ...]

    def ppf(self, q) -> np.ndarray:
        edges = np.cumsum(self.weights)[:-1]
        return np.searchsorted(edges, np.asarray(q, dtype=float), side="right")


@dataclass(frozen=True)
class CostSettings:
    """Typed cost-model settings (config/costs.yaml, validated by costs.schema.yaml)."""

    seed: int
    n_draws: int
    curve_draws: int
    curve_points: int
    chunk_draws: int
    interval: float
    horizon_years: int
    discount_rate: float
    base_year: str
    spend_year: str
    cost_reference: str
    universal_percentile: float
    pu_floor_share: float
    fixed_budget_share_of_spend: float
    primary_scheme: str
    scheme_mix: dict
    sobol_n: int
    parameters: dict[str, Parameter]
    choices: dict[str, Choice]
    survey_year: str
    latest_year: str
    constructions: tuple[str, ...] = field(default=part.CONSTRUCTIONS)

    @property
    def annuity(self) -> float:
        """Present value of 1 a year paid at the start of each programme year."""
        return float(sum((1 + self.discount_rate) ** -t for t in range(self.horizon_years)))

    def factors(self) -> dict:
        """Every drawn input, continuous parameters then choices, in a fixed order."""
        return {**self.parameters, **self.choices}


def check_costs_config(cfg: dict) -> None:
    """Cross-field checks JSON Schema cannot express, each naming its key."""
    for name, spec in cfg["parameters"].items():
        key = f"costs.parameters.{name}"
        if spec["dist"] == "triangular" and not (
            spec["min"] <= spec["mode"] <= spec["max"] and spec["min"] < spec["max"]
        ):
            raise ConfigError(
                f"{key}: triangular bounds must satisfy min <= mode <= max with min < max, got "
                f"{spec['min']}, {spec['mode']}, {spec['max']}"
            )
        if spec["dist"] == "uniform" and not spec["min"] < spec["max"]:
            raise ConfigError(
                f"{key}: uniform bounds must satisfy min < max, got {spec['min']}, {spec['max']}"
            )
        if spec["dist"] == "lognormal" and not spec["p95"] > spec["median"] > 0:
            raise ConfigError(
                f"{key}: lognormal needs p95 > median > 0, got {spec['median']}, {spec['p95']}"
            )
        if (
            spec["unit"] == "share"
            and max(spec.get(f, 0) for f in ("value", "min", "mode", "max")) > 1
        ):
            raise ConfigError(f"{key}: a share cannot exceed 1")
    for key in ("scheme_mix", "participation.constructions", "participation.levelling"):
        node = cfg
        for k in key.split("."):
            node = node[k]
        if not math.isclose(sum(node.values()), 1.0, abs_tol=1e-9):
            raise ConfigError(f"costs.{key}: weights must sum to 1, sum to {sum(node.values())}")
    if cfg["participation"]["most_deprived"] >= cfg["participation"]["least_deprived"]:
        raise ConfigError("costs.participation: most_deprived must be below least_deprived")
    if cfg["curve_draws"] > cfg["n_draws"]:
        raise ConfigError(
            f"costs.curve_draws: {cfg['curve_draws']} exceeds costs.n_draws {cfg['n_draws']}"
        )


def settings_from_config(cfg: dict, schema: dict | None = None) -> CostSettings:
    """Validate ``cfg`` (the ``costs`` mapping) against the JSON schema and the cross-field
    checks, then build the typed settings."""
    if schema is not None:
        import jsonschema

        # A rule passes only the keys it uses (not the climate block): require only those.
        schema = json.loads(json.dumps(schema))
        node = schema["properties"]["costs"]
        node["required"] = [k for k in node["required"] if k != "climate" or k in cfg]
        try:
            jsonschema.validate({"costs": cfg}, schema)
        except jsonschema.ValidationError as err:
            where = ".".join(str(p) for p in err.absolute_path) or "costs"
            raise ConfigError(f"{where}: {err.message}") from None
    check_costs_config(cfg)
    params = {
        name: Parameter(
            name=name,
            dist=spec["dist"],
            values={k: float(spec[k]) for k in DIST_FIELDS[spec["dist"]]},
            unit=spec["unit"],
            price_year=spec["price_year"],
            source=spec["source"],
            note=spec.get("note", ""),
        )
        for name, spec in cfg["parameters"].items()
    }
    pcfg = cfg["participation"]
    sd = math.hypot(pcfg["anchor_se"], pcfg["rounding_half_width"] / math.sqrt(3))
    note = (
        "published rate with a labelled standard error (no bases are published) and rounding "
        "to whole percentages (uniform +/- half a point), combined in quadrature"
    )
    for name, mean in (
        ("participation_most_deprived", pcfg["most_deprived"]),
        ("participation_least_deprived", pcfg["least_deprived"]),
    ):
        params[name] = Parameter(
            name, "normal", {"mean": mean, "sd": sd}, "share", None, "assumption", note
        )
    for name, spec in (
        ("england_participation_survey_year", pcfg["england_survey_year"]),
        ("england_participation_latest", pcfg["england_latest"]),
    ):
        params[name] = Parameter(
            name,
            "normal",
            {"mean": spec["mean"], "sd": spec["sd"]},
            "share",
            None,
            "assumption",
            spec["note"],
        )
    choices = {
        "construction": Choice(
            "construction", tuple(pcfg["constructions"]), tuple(pcfg["constructions"].values())
        ),
        "levelling": Choice(
            "levelling", tuple(pcfg["levelling"]), tuple(pcfg["levelling"].values())
        ),
        "scheme": Choice("scheme", (cfg["primary_scheme"],), (1.0,)),
    }
    return CostSettings(
        seed=cfg["seed"],
        n_draws=cfg["n_draws"],
        curve_draws=cfg["curve_draws"],
        curve_points=cfg["curve_points"],
        chunk_draws=cfg["chunk_draws"],
        interval=cfg["interval"],
        horizon_years=cfg["horizon_years"],
        discount_rate=cfg["discount_rate"],
        base_year=cfg["base_year"],
        spend_year=cfg["spend_year"],
        cost_reference=pcfg["cost_reference"],
        universal_percentile=cfg["universal_percentile"],
        pu_floor_share=cfg["pu_floor_share"],
        fixed_budget_share_of_spend=cfg["fixed_budget_share_of_spend"],
        primary_scheme=cfg["primary_scheme"],
        scheme_mix=dict(cfg["scheme_mix"]),
        sobol_n=cfg["sobol_n"],
        parameters=params,
        choices=choices,
        survey_year=pcfg["survey_year"],
        latest_year=pcfg["latest_year"],
    )


def with_scheme(settings: CostSettings, scheme: str) -> CostSettings:
    """The same settings with every draw using one scheme's unit cost and saving ("mix": the
    configured scheme mix, a sensitivity)."""
    from dataclasses import replace

    return replace(
        settings, choices={**settings.choices, "scheme": Choice("scheme", (scheme,), (1.0,))}
    )


def to_base_prices(params: dict[str, Parameter], ratio: dict[str, float]) -> dict[str, Parameter]:
    """Money parameters converted from their price year to the base year by the GDP deflator
    ratio (``ratio[year]`` = deflator(base) / deflator(year)); other parameters unchanged."""
    out = {}
    for name, p in params.items():
        if p.price_year is None:
            out[name] = p
            continue
        if p.price_year not in ratio:
            raise ConfigError(
                f"costs.parameters.{name}.price_year: {p.price_year!r} has no "
                f"deflator value; have {sorted(ratio)}"
            )
        k = ratio[p.price_year]
        scaled = {f: v * k for f, v in p.values.items()}
        out[name] = Parameter(p.name, p.dist, scaled, p.unit, p.price_year, p.source, p.note)
    return out


def check_corec(
    parameters: dict, hourly: dict[str, pd.DataFrame], not_shipped: Sequence[str] = ()
) -> None:
    """Stop if a value typed into config differs from the COReC unit-cost row it cites.

    ``not_shipped``: COReC tables the data source cannot provide (the snapshot does not ship
    them: unstated terms of use); their parameters keep the cited config figures unchecked."""
    for name, spec in parameters.items():
        ref = spec.get("corec")
        if not ref:
            continue
        key = f"costs.parameters.{name}"
        if ref["dataset"] in not_shipped:
            log.info(
                "%s: not cross-checked, %s is not shipped with the snapshot (terms of use "
                "unstated); the config figures cite it",
                name,
                ref["dataset"],
            )
            continue
        if ref["dataset"] not in hourly:
            raise ConfigError(
                f"{key}.corec.dataset: {ref['dataset']!r} was not read; have {sorted(hourly)}"
            )
        table = hourly[ref["dataset"]]
        rows = table["year"].astype("int64") == ref["year"]
        if "qualification_cost" in ref:
            rows &= table["qualification_cost"] == ref["qualification_cost"]
        for stat, band in ref.items():
            if stat in ("dataset", "year", "qualification_cost"):
                continue
            hit = table.loc[rows & (table["band"] == band), "cost_per_working_hour_gbp"]
            if len(hit) != 1:
                raise ConfigError(
                    f"{key}.corec.{stat}: {len(hit)} rows for {band!r}, "
                    f"{ref['year']} in {ref['dataset']}; expected exactly one"
                )
            if not math.isclose(float(hit.iloc[0]), float(spec[stat]), rel_tol=1e-9):
                raise ConfigError(
                    f"{key}.{stat}: config has {spec[stat]} but {ref['dataset']} "
                    f"{ref['year']} {band} is {float(hit.iloc[0])}"
                )
        log.info("%s matches %s %s", name, ref["dataset"], ref["year"])


def check_participation(pcfg: dict, quintiles: pd.DataFrame, england: pd.DataFrame) -> None:
    """Stop if a participation anchor typed into config differs from the file it cites (the
    CLS IMD-fifth rates and the SMC DR41 England series); the latest year's SD must match
    its published 95% interval."""

    def one(frame, mask, what):
        hit = frame.loc[mask, "participation_share"]
        if len(hit) != 1 or not np.isfinite(hit.iloc[0]):
            raise ConfigError(f"{what}: no single published rate to check against")
        return float(hit.iloc[0])

    survey, latest = pcfg["survey_year"], pcfg["latest_year"]
    checks = {
        "costs.participation.most_deprived": (
            pcfg["most_deprived"],
            one(
                quintiles,
                (quintiles["year"] == survey) & (quintiles["imd_quintile"] == 1),
                "IMD fifth 1",
            ),
        ),
        "costs.participation.least_deprived": (
            pcfg["least_deprived"],
            one(
                quintiles,
                (quintiles["year"] == survey) & (quintiles["imd_quintile"] == 5),
                "IMD fifth 5",
            ),
        ),
        "costs.participation.england_survey_year.mean": (
            pcfg["england_survey_year"]["mean"],
            one(england, england["year"] == survey, f"England {survey}"),
        ),
        "costs.participation.england_latest.mean": (
            pcfg["england_latest"]["mean"],
            one(england, england["year"] == latest, f"England {latest}"),
        ),
    }
    row = england.loc[england["year"] == latest].iloc[0]
    checks["costs.participation.england_latest.sd"] = (
        pcfg["england_latest"]["sd"],
        float(row["ci_high"] - row["ci_low"]) / (2 * 1.959964),
    )
    for key, (typed, published) in checks.items():
        if not math.isclose(typed, published, rel_tol=0.01 if key.endswith(".sd") else 1e-9):
            raise ConfigError(f"{key}: config has {typed} but the published figure is {published}")


def parameter_table(settings: CostSettings) -> pd.DataFrame:
    """One row per parameter (in base-year prices where converted): distribution, median and
    90% range, unit, price year, source and the note that justifies the range."""
    rows = []
    for name, p in settings.parameters.items():
        p05, p50, p95 = p.ppf([0.05, 0.5, 0.95])
        rows.append(
            {
                "parameter": name,
                "dist": p.dist,
                **{
                    f: p.values.get(f, np.nan)
                    for f in ("value", "min", "mode", "max", "median", "p95", "mean", "sd")
                },
                "p05_value": p05,
                "median_value": p50,
                "p95_value": p95,
                "unit": p.unit,
                "price_year": p.price_year,
                "price_base": settings.base_year,
                "source": p.source,
                "is_assumption": p.source == "assumption",
                "note": p.note,
            }
        )
    return pd.DataFrame(rows)


# --- draws ------------------------------------------------------------------------------------


def draw_factors(settings: CostSettings, n: int, seed: int) -> pd.DataFrame:
    """Seeded draws of every factor by inverse CDF of one uniform matrix."""
    factors = settings.factors()
    u = np.random.default_rng(seed).random((n, len(factors)))
    return from_uniform(settings, u)


def from_uniform(settings: CostSettings, u: np.ndarray) -> pd.DataFrame:
    """Map a (n, factors) matrix of probabilities to factor values (shared by Monte Carlo,
    tornado and Sobol sampling)."""
    return pd.DataFrame(
        {name: f.ppf(u[:, j]) for j, (name, f) in enumerate(settings.factors().items())}
    )


def median_factors(settings: CostSettings) -> pd.DataFrame:
    """One row: every parameter at its median and every choice at its primary option."""
    row = {name: float(p.ppf(0.5)) for name, p in settings.parameters.items()}
    row.update({name: 0 for name in settings.choices})
    return pd.DataFrame([row])


# --- areas ------------------------------------------------------------------------------------


@dataclass
class Areas:
    """LSOA inputs of the cost model with their upper-tier councils (which run the services and
    carry the enabling costs) and their districts (built by ``prepare_areas``)."""

    lsoa: pd.DataFrame
    councils: pd.DataFrame
    member: sp.csr_matrix  # (n_lsoa, n_councils) 0/1 membership
    districts: pd.DataFrame  # lad24cd, lad24nm, sorted by code
    district_member: sp.csr_matrix  # (n_lsoa, n_districts) 0/1 membership
    council_of: np.ndarray  # each LSOA's council, as a column of ``member``

    @property
    def adults(self) -> np.ndarray:
        return self.lsoa["adults_16plus"].to_numpy(dtype=float)

    def references(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """The reference participation levels per draw of participation ``p`` (draws, LSOAs):
        IMD fifths on the calibration vintage, power fifths of LSOAs."""
        return part.references(
            p,
            self.adults,
            self.lsoa["imd_fifth_calibration"].to_numpy(),
            self.lsoa["power_fifth"].to_numpy(),
        )

    def apportion(self, per_council: np.ndarray) -> np.ndarray:
        """A (draws, councils) council cost spread over the council's districts by adults (a
        labelled assumption: enabling work is council-wide, so each district carries its
        adults' share), as (draws, districts)."""
        adults = self.adults
        share = adults / np.asarray(adults @ self.member)[self.council_of]
        return np.asarray((per_council[:, self.council_of] * share) @ self.district_member)


def _membership(codes: pd.Series, index: pd.Index) -> sp.csr_matrix:
    col = pd.Series(np.arange(len(index)), index=index).loc[codes].to_numpy()
    return sp.csr_matrix(
        (np.ones(len(codes)), (np.arange(len(codes)), col)), shape=(len(codes), len(index))
    )


def prepare_areas(lsoa: pd.DataFrame, councils: pd.DataFrame) -> Areas:
    """Index LSOAs by council and district; check that every LSOA's council is in the council
    table."""
    councils = councils.sort_values("utla23cd", ignore_index=True)
    orphans = sorted(set(lsoa["utla23cd"]) - set(councils["utla23cd"]))
    if orphans:
        raise CoprodError(f"cost model: LSOA councils {orphans[:5]} are not in the utla23 table")
    lsoa = lsoa.reset_index(drop=True)
    districts = (
        lsoa[["lad24cd", "lad24nm"]].drop_duplicates().sort_values("lad24cd", ignore_index=True)
    )
    if districts["lad24cd"].duplicated().any():
        raise CoprodError("cost model: a lad24cd has more than one lad24nm in the LSOA inputs")
    return Areas(
        lsoa=lsoa,
        councils=councils,
        member=_membership(lsoa["utla23cd"], pd.Index(councils["utla23cd"])),
        districts=districts,
        district_member=_membership(lsoa["lad24cd"], pd.Index(districts["lad24cd"])),
        council_of=pd.Index(councils["utla23cd"]).get_indexer(lsoa["utla23cd"]),
    )


# --- participation per draw -------------------------------------------------------------------


def participation_draws(areas: Areas, f: pd.DataFrame, settings: CostSettings) -> np.ndarray:
    """Expected participation p (draws, LSOAs) at the latest survey year, by each draw's
    construction, anchors and levelling."""
    lsoa, adults = areas.lsoa, areas.adults
    out = np.empty((len(f), len(lsoa)))
    constructions = settings.choices["construction"].options
    levels = settings.choices["levelling"].options
    con = f["construction"].to_numpy(dtype=int)
    lev = f["levelling"].to_numpy(dtype=int)
    q1 = f["participation_most_deprived"].to_numpy()
    q5 = f["participation_least_deprived"].to_numpy()
    for k, name in enumerate(constructions):
        rows = np.flatnonzero(con == k)
        if rows.size:
            out[rows] = part.calibrate(name, lsoa, adults, q1[rows], q5[rows])
    survey = f["england_participation_survey_year"].to_numpy()[:, None]
    latest = f["england_participation_latest"].to_numpy()[:, None]
    for k, method in enumerate(levels):
        rows = np.flatnonzero(lev == k)
        if rows.size:
            out[rows] = part.level_to_latest(out[rows], survey[rows], latest[rows], method)
    return np.clip(out, 0.0, 1.0)


# --- the cost engine --------------------------------------------------------------------------


def enabling_costs(areas: Areas, f: pd.DataFrame, settings: CostSettings) -> dict[str, np.ndarray]:
    """Annual-equivalent enabling workforce cost per council (draws, councils), economic and cash.

    Economic training cost = hours x wage + course fee; cash = backfill share x hours x wage +
    course fee (backfill counted once). All staff are trained in the first year; in each later
    year leavers' replacements are trained and everyone has refresher time. The present value
    over the horizon (at the Green Book rate) is annualised, and carries the optimism bias."""
    c = areas.councils
    pop = c["population"].to_numpy(dtype=float)[None, :] / 1000
    col = {n: f[n].to_numpy(dtype=float)[:, None] for n in f.columns}
    groups = [
        (
            c["sw_fte"].to_numpy(dtype=float)[None, :],
            c["sw_turnover_rate"].to_numpy(dtype=float)[None, :],
            col["cyp_sw_hourly_cost_gbp"],
        ),
        (
            pop * col["asc_staff_per_1000"],
            col["other_staff_turnover_rate"],
            col["asc_staff_hourly_cost_gbp"],
        ),
        (
            pop * col["other_staff_per_1000"],
            col["other_staff_turnover_rate"],
            col["other_staff_hourly_cost_gbp"],
        ),
    ]
    later = settings.annuity - 1.0  # PV of years 2..H
    out = {"economic": 0.0, "cash": 0.0}
    for staff, turnover, wage in groups:
        for kind, time_share in (("economic", 1.0), ("cash", col["backfill_share"])):
            course = (
                col["training_hours_per_staff"] * wage * time_share
                + col["course_cost_per_trainee_gbp"]
            )
            refresher = col["refresher_hours_per_staff_year"] * wage * time_share
            pv = staff * (course + later * (turnover * course + refresher))
            out[kind] = out[kind] + pv
    ob = 1 + col["optimism_bias_costs"]
    return {k: v * ob / settings.annuity for k, v in out.items()}


def unit_costs(
    areas: Areas, f: pd.DataFrame, settings: CostSettings, gap_rate_point: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per draw and LSOA: unit cost c_i per participant-year (with optimism bias and the premium
    where gaps are large), saving per participant-year, and the effectiveness a_i theta (1 - delta)
    is computed by the caller from p."""
    schemes = settings.choices["scheme"].options
    k = f["scheme"].to_numpy(dtype=int)
    mix = settings.scheme_mix

    def pick(table):
        values = {s: f[table[s]].to_numpy(dtype=float) for s in SCHEMES}
        values["mix"] = sum(mix[s] * values[s] for s in SCHEMES)
        return np.choose(k, [values[s] for s in schemes])

    scheme_cost = pick(SCHEME_COST) * f["relative_price_uplift"].to_numpy()
    facilitation = (
        f["facilitation_hours_per_participant_year"] * f["other_staff_hourly_cost_gbp"]
    ).to_numpy()
    mean_rate = np.average(gap_rate_point, weights=areas.adults)
    excess = (
        np.clip(gap_rate_point / mean_rate - 1, 0, None)
        if mean_rate > 0
        else np.zeros_like(gap_rate_point)
    )
    premium = 1 + f["unit_cost_premium_kappa"].to_numpy()[:, None] * excess[None, :]
    ob = 1 + f["optimism_bias_costs"].to_numpy()[:, None]
    c = (scheme_cost + facilitation)[:, None] * premium * ob
    saving = pick(SCHEME_SAVING) * (1 - f["benefit_shortfall"].to_numpy())
    return c, saving, scheme_cost + facilitation


def additionality(p: np.ndarray, lam) -> np.ndarray:
    """a = lambda (1 - p) / (lambda (1 - p) + p): the share of new members who did not take part."""
    lam = np.asarray(lam, dtype=float)
    lam = lam[:, None] if lam.ndim == 1 else lam
    return lam * (1 - p) / (lam * (1 - p) + p)


def ramp_sum(years, ramp_years):
    """sum_{s=1..t} min(1, s / R): years of full recruitment capacity a scheme has had by year t
    on a linear ramp of R years (R may be fractional), in closed form n (n + 1) / (2R) + t - n
    with n = min(t, floor R)."""
    n = np.minimum(years, np.floor(ramp_years))
    return n * (n + 1) / (2 * ramp_years) + years - n


def years_to_recruit(members, cap_per_year, ramp_years):
    """Smallest whole year t with cap_per_year x ramp_sum(t, R) >= members: t (t + 1) / (2R) >= r
    solved while the ramp lasts (t <= floor R), then one year's capacity a year."""
    r = members / cap_per_year
    full = np.floor(ramp_years)
    on_ramp = np.ceil((np.sqrt(1 + 8 * ramp_years * r) - 1) / 2)
    after = full + np.ceil(r - ramp_sum(full, ramp_years))
    return np.where(r <= ramp_sum(full, ramp_years), on_ramp, after)


def closed_people(spend, c, eff, gap, capacity=np.inf):
    """Gap closed: min(G, a theta (1 - delta) min(S / c, K)), people; K the members the area's
    scheme can recruit (unlimited in the steady state behind the cost to close)."""
    return np.minimum(gap, np.minimum(np.asarray(spend) / c, capacity) * eff)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> np.ndarray:
    """Row-wise weighted quantile (inverted CDF) of a (draws, n) array with weights (n,)."""
    order = np.argsort(x, axis=1)
    xs = np.take_along_axis(x, order, axis=1)
    cw = np.cumsum(w[order], axis=1)
    idx = (cw < q * cw[:, -1:]).sum(axis=1)
    return xs[np.arange(len(x)), np.minimum(idx, x.shape[1] - 1)]


def pu_cost_to_close(
    m: np.ndarray, adults: np.ndarray, floor_share: float, iterations: int = 60
) -> np.ndarray:
    """Smallest budget B with floor_share x B spread per adult and the rest by need closing
    every gap: (1 - phi) B >= sum max(0, m_i - phi B w_i), solved by bisection per draw."""
    total = m.sum(axis=1)
    if floor_share == 0:
        return total
    w = adults / adults.sum()
    lo = np.zeros_like(total)
    hi = total / (1 - floor_share) + (m / w).max(axis=1) * floor_share + 1.0
    for _ in range(iterations):
        mid = (lo + hi) / 2
        short = np.clip(m - floor_share * mid[:, None] * w[None, :], 0, None).sum(axis=1)
        ok = (1 - floor_share) * mid >= short
        hi, lo = np.where(ok, mid, hi), np.where(ok, lo, mid)
    return hi


def allocate(
    rule: str,
    budget: float,
    need: np.ndarray,
    areas: Areas,
    floor_share: float,
    targets: dict[str, np.ndarray],
) -> np.ndarray:
    """Spending per LSOA (n,) under ``rule`` with membership budget ``budget``, on the
    point-estimate need ``need`` (money that would close each LSOA's gap)."""
    adults = areas.adults
    w = adults / adults.sum()
    if rule == "universal":
        return budget * w
    if rule in TARGETED:
        inside = targets[rule]
        return budget * np.where(inside, adults, 0.0) / adults[inside].sum()
    floor = floor_share if rule == "proportionate_universalism" else 0.0
    spent = floor * budget * w
    residual = np.clip(need - spent, 0, None)
    pot = (1 - floor) * budget + np.clip(spent - need, 0, None).sum()  # floor beyond need re-spread
    spent = (
        np.minimum(spent, need) + residual * min(1.0, pot / residual.sum())
        if residual.sum() > 0
        else spent
    )
    left = budget - spent.sum()
    if left > 1e-6 * max(budget, 1):
        spent = spent + left * w  # every gap closed: the rest goes per adult
    return spent


@dataclass
class Point:
    """Point-estimate gap, need and allocations that every draw is scored against."""

    p: np.ndarray
    gap: np.ndarray
    need: np.ndarray
    gap_rate: np.ndarray
    enabling_cash: float
    enabling_cash_council: np.ndarray


def point_estimate(areas: Areas, settings: CostSettings) -> Point:
    """The primary construction at published anchors and every parameter at its median."""
    f = median_factors(settings)
    p = participation_draws(areas, f, settings)
    ref = areas.references(p)[settings.cost_reference]
    gap = part.gap_people(p, areas.adults, ref)
    rate = gap[0] / areas.adults
    c, _, _ = unit_costs(areas, f, settings, rate)
    eff = (
        additionality(p, f["additionality_lambda"].to_numpy())
        * (f["newly_participating_theta"].to_numpy() * (1 - f["displacement_share"].to_numpy()))[
            :, None
        ]
    )
    need = (gap * c / eff)[0]
    e = enabling_costs(areas, f, settings)["cash"][0]
    return Point(p[0], gap[0], need, rate, float(e.sum()), e)


def targets_of(areas: Areas) -> dict[str, np.ndarray]:
    """Membership of each targeted set: the lowest fifth of LSOAs by power, of councils by power,
    and of LSOAs by the latest IMD (what councils use)."""
    return {rule: areas.lsoa[col].to_numpy() == 1 for rule, col in TARGETED.items()}


def evaluate(
    areas: Areas,
    f: pd.DataFrame,
    settings: CostSettings,
    point: Point,
    budgets: np.ndarray,
    *,
    per_council: bool = False,
) -> dict:
    """Outputs per draw for the draws ``f``: cost to close under each rule, share closed at each
    budget in ``budgets`` (annual, cash; members capped at what can be recruited within the
    horizon), savings and net benefit at each budget, break-even saving per participant, Q1-Q5
    participation difference, years to close and the share closable within the horizon;
    optionally per council."""
    adults = areas.adults
    lsoa = areas.lsoa
    targets = targets_of(areas)
    p = participation_draws(areas, f, settings)
    refs = areas.references(p)
    gap = part.gap_people(p, adults, refs[settings.cost_reference])
    c, saving, _ = unit_costs(areas, f, settings, point.gap_rate)
    eff = (
        additionality(p, f["additionality_lambda"].to_numpy())
        * (f["newly_participating_theta"].to_numpy() * (1 - f["displacement_share"].to_numpy()))[
            :, None
        ]
    )
    m = gap * c / eff
    cap_per_year = f["recruitment_cap_share_per_year"].to_numpy()[:, None] * adults[None, :]
    ramp_years = f["ramp_up_years"].to_numpy()[:, None]
    capacity = cap_per_year * ramp_sum(settings.horizon_years, ramp_years)
    enabling = enabling_costs(areas, f, settings)
    council_target = areas.councils["council_power_fifth"].to_numpy() == 1
    e_econ = enabling["economic"].sum(axis=1)
    e_econ_t = enabling["economic"][:, council_target].sum(axis=1)
    e_cash = enabling["cash"].sum(axis=1)
    e_cash_t = enabling["cash"][:, council_target].sum(axis=1)
    total_gap = gap.sum(axis=1)
    out = {
        "gap_people": total_gap,
        "enabling_economic_gbp": e_econ,
        "enabling_cash_gbp": e_cash,
        "reference": refs[settings.cost_reference],
        "mean_participation": p @ adults / adults.sum(),
    }
    for name, r in refs.items():
        out[f"gap_people_{name}"] = part.gap_people(p, adults, r).sum(axis=1)
    # (a) cost to close
    per_adult = m / adults[None, :]
    s_star = weighted_quantile(per_adult, adults, settings.universal_percentile)
    closed_u = closed_people(s_star[:, None] * adults[None, :], c, eff, gap)
    out["cost_to_close_universal_gbp"] = s_star * adults.sum() + e_econ
    out["residual_share_universal"] = 1 - closed_u.sum(axis=1) / total_gap
    out["cost_to_close_universal_max_gbp"] = per_adult.max(axis=1) * adults.sum() + e_econ
    out["cost_to_close_proportional_gbp"] = m.sum(axis=1) + e_econ
    pu = pu_cost_to_close(m, adults, settings.pu_floor_share)
    out["cost_to_close_proportionate_universalism_gbp"] = pu + e_econ
    s_targets = {}
    for rule, inside in targets.items():
        s_t = weighted_quantile(per_adult[:, inside], adults[inside], settings.universal_percentile)
        s_targets[rule] = s_t
        e = e_econ_t if rule == "targeted_power_council" else e_econ
        out[f"cost_to_close_{rule}_gbp"] = s_t * adults[inside].sum() + e
        out[f"max_closable_share_{rule}"] = gap[:, inside].sum(axis=1) / total_gap
    members_to_close = (m / c).sum(axis=1)
    out["societal_cost_to_close_proportional_gbp"] = (
        out["cost_to_close_proportional_gbp"]
        + members_to_close
        * (f["participant_hours_per_year"] * f["value_of_time_gbp_per_hour"]).to_numpy()
    )
    out["members_to_close_proportional"] = members_to_close
    # Money following need, unlimited: gap-weighted mean years until each area's scheme has
    # recruited the members its gap needs, and the share of the gap closable within the horizon.
    years = years_to_recruit(m / c, cap_per_year, ramp_years)
    out["years_to_close"] = (years * gap).sum(axis=1) / total_gap
    out["share_closable_in_horizon"] = np.minimum(gap, eff * capacity).sum(axis=1) / total_gap
    # Break-even at the scale that closes the gap: the public cost per supported member-year.
    out["breakeven_at_cost_to_close_gbp"] = out["cost_to_close_proportional_gbp"] / members_to_close
    # (b) share closed at each budget, point allocation scored against each draw
    fifth = lsoa["imd_fifth_calibration"].to_numpy()
    w1 = np.where(fifth == 1, adults, 0.0)
    w5 = np.where(fifth == 5, adults, 0.0)
    out["q1_q5_difference_before"] = p @ w1 / w1.sum() - p @ w5 / w5.sum()
    if per_council:
        with np.errstate(invalid="ignore", divide="ignore"):
            c_w1, c_w5 = np.asarray(w1 @ areas.member), np.asarray(w5 @ areas.member)
            c_w1, c_w5 = np.where(c_w1 > 0, c_w1, np.nan), np.where(c_w5 > 0, c_w5, np.nan)
            out["council_q1_q5_difference_before"] = (
                np.asarray((p * w1) @ areas.member) / c_w1
                - np.asarray((p * w5) @ areas.member) / c_w5
            )
    for rule in RULES if len(budgets) else ():
        e_point = (
            point.enabling_cash_council[council_target].sum()
            if rule == "targeted_power_council"
            else point.enabling_cash
        )
        e_draw = e_cash_t if rule == "targeted_power_council" else e_cash
        e_draw_econ = e_econ_t if rule == "targeted_power_council" else e_econ
        shares, nets, breakeven, q15, members_b = [], [], [], [], []
        council_closed, council_q15 = [], []
        for b in budgets:
            m_point = max(b - e_point, 0.0)
            alloc = allocate(rule, m_point, point.need, areas, settings.pu_floor_share, targets)
            m_draw = np.clip(b - e_draw, 0, None)
            scale = np.divide(m_draw, m_point, out=np.zeros_like(m_draw), where=m_point > 0)
            spend = alloc[None, :] * scale[:, None]
            members = np.minimum(spend / c, capacity)
            closed = closed_people(spend, c, eff, gap, capacity)
            shares.append(closed.sum(axis=1) / total_gap)
            n_members = members.sum(axis=1)
            cost_pv = (m_draw + e_draw_econ) * settings.annuity
            nets.append(n_members * saving * settings.annuity - cost_pv)
            breakeven.append(
                np.divide(
                    m_draw + e_draw_econ,
                    n_members,
                    out=np.full_like(n_members, np.nan),
                    where=n_members > 0,
                )
            )
            members_b.append(n_members)
            after = p + closed / adults[None, :]
            q15.append(after @ w1 / w1.sum() - after @ w5 / w5.sum())
            if per_council:
                council_closed.append(np.asarray(closed @ areas.member))
                council_q15.append(
                    np.asarray((after * w1) @ areas.member) / c_w1
                    - np.asarray((after * w5) @ areas.member) / c_w5
                )
        out[f"share_closed_{rule}"] = np.stack(shares, axis=1)
        out[f"net_benefit_pv_{rule}_gbp"] = np.stack(nets, axis=1)
        out[f"breakeven_saving_{rule}_gbp"] = np.stack(breakeven, axis=1)
        out[f"members_{rule}"] = np.stack(members_b, axis=1)
        out[f"q1_q5_difference_{rule}"] = np.stack(q15, axis=1)
        if per_council:
            out[f"council_closed_{rule}"] = np.stack(council_closed, axis=1)
            out[f"council_q1_q5_difference_{rule}"] = np.stack(council_q15, axis=1)
    out["saving_per_member_gbp"] = saving
    if per_council:
        out["council_enabling_economic_gbp"] = enabling["economic"]
        out["council_enabling_cash_gbp"] = enabling["cash"]
        floor = settings.pu_floor_share * pu[:, None] * (adults / adults.sum())[None, :]
        # Programme money each LSOA receives under each rule when the gap is closed.
        programme = {
            "universal": s_star[:, None] * adults[None, :],
            "proportional": m,
            "proportionate_universalism": np.maximum(m, floor),
            **{
                rule: s_targets[rule][:, None] * np.where(inside, adults, 0.0)[None, :]
                for rule, inside in targets.items()
            },
        }
        target_enabling = enabling["economic"] * council_target[None, :]
        for level, member, enabling_econ, enabling_target in (
            ("council", areas.member, enabling["economic"], target_enabling),
            (
                "district",
                areas.district_member,
                areas.apportion(enabling["economic"]),
                areas.apportion(target_enabling),
            ),
        ):
            out[f"{level}_gap"] = np.asarray(gap @ member)
            for rule, money in programme.items():
                e = enabling_target if rule == "targeted_power_council" else enabling_econ
                out[f"{level}_cost_to_close_{rule}_gbp"] = np.asarray(money @ member) + e
        out["council_members_to_close"] = np.asarray((m / c) @ areas.member)
    return out


def run_chunks(areas, f, settings, point, budgets, *, per_council=False) -> dict:
    """``evaluate`` over chunks of draws, concatenated along the draw axis."""
    parts = [
        evaluate(
            areas,
            f.iloc[i : i + settings.chunk_draws].reset_index(drop=True),
            settings,
            point,
            budgets,
            per_council=per_council,
        )
        for i in range(0, len(f), settings.chunk_draws)
    ]
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}


# --- summaries --------------------------------------------------------------------------------


def _stats(x: np.ndarray, settings: CostSettings, axis: int = 0) -> dict[str, np.ndarray]:
    tail = (1 - settings.interval) / 2
    lo, hi = np.nanquantile(x, [tail, 1 - tail], axis=axis)
    return {"mean": np.nanmean(x, axis=axis), "lo": lo, "hi": hi}


def gap_table(areas: Areas, settings: CostSettings, f: pd.DataFrame) -> pd.DataFrame:
    """Gap in people for each construction and reference: point estimate (published anchors,
    primary levelling) and the interval over the draws of anchors and levelling, with the
    implied England mean at the survey year (to set against the England series)."""
    rows = []
    adults = areas.adults
    options = settings.choices["construction"].options
    for k, name in enumerate(options):
        for label, frame in (("point", median_factors(settings)), ("draws", f)):
            g = frame.assign(construction=k)
            survey = part.calibrate(
                name,
                areas.lsoa,
                adults,
                g["participation_most_deprived"].to_numpy(),
                g["participation_least_deprived"].to_numpy(),
            )
            p = participation_draws(areas, g, settings)
            refs = areas.references(p)
            values = {
                "implied_england_mean_survey_year": survey @ adults / adults.sum(),
                "mean_participation_latest": p @ adults / adults.sum(),
                **{f"reference_{r}": v for r, v in refs.items()},
                **{
                    f"gap_people_{r}": part.gap_people(p, adults, v).sum(axis=1)
                    for r, v in refs.items()
                },
            }
            if label == "point":
                point = {q: float(v[0]) for q, v in values.items()}
            else:
                for q, v in values.items():
                    st = _stats(v, settings)
                    rows.append(
                        {
                            "construction": name,
                            "quantity": q,
                            "point": point[q],
                            **{s: float(x) for s, x in st.items()},
                        }
                    )
    return pd.DataFrame(rows)


def gap_specifications(areas: Areas, settings: CostSettings) -> pd.DataFrame:
    """The gap's own multiverse: the point gap in people (published anchors, every parameter
    at its median) for every construction x levelling x reference, each a defensible choice,
    so a reader sees how far the count moves with them rather than one interval. ``primary``
    marks the cost model's choice."""
    adults = areas.adults
    base = median_factors(settings)
    rows = []
    for k, construction in enumerate(settings.choices["construction"].options):
        for j, levelling in enumerate(settings.choices["levelling"].options):
            p = participation_draws(areas, base.assign(construction=k, levelling=j), settings)
            for reference, level in areas.references(p).items():
                rows.append(
                    {
                        "construction": construction,
                        "levelling": levelling,
                        "reference": reference,
                        "reference_participation": float(level[0]),
                        "gap_people": float(part.gap_people(p, adults, level).sum()),
                        "primary": k == 0 and j == 0 and reference == settings.cost_reference,
                    }
                )
    return pd.DataFrame(rows)


def calibration_table(areas: Areas, settings: CostSettings) -> pd.DataFrame:
    """Adult-weighted mean participation by IMD fifth at the survey year, per construction at
    the published anchors (fifths 1 and 5 reproduce the anchors by construction)."""
    f = median_factors(settings)
    adults = areas.adults
    rows = []
    for name in settings.choices["construction"].options:
        p = part.calibrate(
            name,
            areas.lsoa,
            adults,
            f["participation_most_deprived"].to_numpy(),
            f["participation_least_deprived"].to_numpy(),
        )[0]
        fifth = (
            areas.lsoa["imd_fifth_2025"]
            if name == "imd2025_linear"
            else areas.lsoa["imd_fifth_calibration"]
        ).to_numpy()
        for q in range(1, 6):
            rows.append(
                {
                    "construction": name,
                    "imd_fifth": q,
                    "participation_share": float(
                        np.average(p[fifth == q], weights=adults[fifth == q])
                    ),
                }
            )
        rows.append(
            {
                "construction": name,
                "imd_fifth": 0,
                "participation_share": float(np.average(p, weights=adults)),
            }
        )
    return pd.DataFrame(rows)


def rule_table(out: dict, settings: CostSettings, budget: float, scheme: str) -> pd.DataFrame:
    """One row per allocation rule: cost to close (annual and present value, 2024-25 prices),
    share closed at the fixed budget, net benefit, break-even saving per participant and the
    Q1-Q5 participation difference after the rule."""
    rows = []
    for rule in RULES:
        row = {"rule": rule, "scheme": scheme, "fixed_budget_gbp": budget}
        series = {"cost_to_close_gbp": out[f"cost_to_close_{rule}_gbp"]}
        if f"share_closed_{rule}" in out:
            series.update(
                {
                    "share_closed_fixed_budget": out[f"share_closed_{rule}"][:, 0],
                    "net_benefit_pv_fixed_budget_gbp": out[f"net_benefit_pv_{rule}_gbp"][:, 0],
                    "breakeven_saving_per_participant_gbp": out[f"breakeven_saving_{rule}_gbp"][
                        :, 0
                    ],
                    "members_fixed_budget": out[f"members_{rule}"][:, 0],
                    "q1_q5_difference_after": out[f"q1_q5_difference_{rule}"][:, 0],
                }
            )
        if f"max_closable_share_{rule}" in out:
            series["max_closable_share"] = out[f"max_closable_share_{rule}"]
        if rule == "universal":
            series["residual_share_at_cost"] = out["residual_share_universal"]
            series["cost_to_close_max_gbp"] = out["cost_to_close_universal_max_gbp"]
        for q, x in series.items():
            row.update({f"{q}_{s}": float(v) for s, v in _stats(x, settings).items()})
        row["cost_to_close_pv_gbp_mean"] = row["cost_to_close_gbp_mean"] * settings.annuity
        rows.append(row)
    return pd.DataFrame(rows)


def curve_table(out: dict, settings: CostSettings, budgets: np.ndarray) -> pd.DataFrame:
    """Budget-response curves: share of the gap closed against the annual budget, per rule."""
    rows = []
    for rule in RULES:
        st = _stats(out[f"share_closed_{rule}"], settings)
        rows.append(
            pd.DataFrame(
                {
                    "rule": rule,
                    "budget_gbp": budgets,
                    **{f"share_closed_{s}": v for s, v in st.items()},
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def council_table(
    areas: Areas, out: dict, settings: CostSettings, point: Point, point_gaps: dict[str, np.ndarray]
) -> pd.DataFrame:
    """One row per upper-tier council: gap in people for each reference, cost to close under
    each rule, cost as shares of service and social-care spend, who pays, the break-even
    saving and the IMD Q1-Q5 participation difference before and after each rule at the
    fixed budget (missing where the council has no LSOA in one of the two fifths)."""
    c = areas.councils
    frame = _area_frame(
        c[["utla23cd", "utla23nm"]], areas.member, "council", areas, out, settings, point_gaps
    )
    for rule in RULES:
        closed = out[f"council_closed_{rule}"][:, 0, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            frame[f"share_closed_fixed_budget_{rule}"] = np.nanmean(
                closed / out["council_gap"], axis=0
            )
        frame[f"q1_q5_difference_after_{rule}"] = np.nanmean(
            out[f"council_q1_q5_difference_{rule}"][:, 0, :], axis=0
        )
    frame["q1_q5_difference_before"] = np.nanmean(out["council_q1_q5_difference_before"], axis=0)
    pu = out["council_cost_to_close_proportionate_universalism_gbp"].mean(axis=0)
    frame["cost_to_close_pu_share_of_service_spend"] = (
        pu / c["spend_service_excl_education_gbp"].to_numpy()
    )
    frame["cost_to_close_pu_share_of_social_care_spend"] = (
        pu / c["spend_social_care_gbp"].to_numpy()
    )
    frame["staff_time_not_cash_gbp"] = (
        out["council_enabling_economic_gbp"] - out["council_enabling_cash_gbp"]
    ).mean(axis=0)
    frame["council_cash_cost_pu_gbp"] = pu - frame["staff_time_not_cash_gbp"]
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["breakeven_saving_per_participant_gbp"] = np.nanmean(
            out["council_cost_to_close_proportional_gbp"] / out["council_members_to_close"], axis=0
        )
    frame["spend_service_excl_education_gbp"] = c["spend_service_excl_education_gbp"].to_numpy()
    frame["spend_social_care_gbp"] = c["spend_social_care_gbp"].to_numpy()
    return frame


def _area_frame(
    names: pd.DataFrame,
    member: sp.csr_matrix,
    level: str,
    areas: Areas,
    out: dict,
    settings: CostSettings,
    point_gaps: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Columns shared by the council and district tables: adults, the point gap in people for
    each reference and per 1,000 adults for the cost model's reference (``cost_reference``),
    the gap over the draws, and the cost to close under each rule over the draws."""
    frame = names.copy()
    adults = np.asarray(areas.adults @ member)
    frame["adults_16plus"] = adults
    for ref, g in point_gaps.items():
        frame[f"gap_people_{ref}"] = np.asarray(g @ member)
    frame["gap_people_per_1000_adults"] = (
        1000 * frame[f"gap_people_{settings.cost_reference}"] / adults
    )
    for s, v in _stats(out[f"{level}_gap"], settings).items():
        frame[f"gap_people_draws_{s}"] = v
    for rule in RULES:
        for s, v in _stats(out[f"{level}_cost_to_close_{rule}_gbp"], settings).items():
            frame[f"cost_to_close_{rule}_gbp_{s}"] = v
    return frame


def district_table(
    areas: Areas, out: dict, settings: CostSettings, point_gaps: dict[str, np.ndarray]
) -> pd.DataFrame:
    """One row per district (lad24), for the district maps: the gap in people and the annual
    cost of closing it under each rule, in total and per adult. Districts run no social care,
    so their councils' enabling costs are apportioned to them by adults (``Areas.apportion``)."""
    frame = _area_frame(
        areas.districts, areas.district_member, "district", areas, out, settings, point_gaps
    )
    for rule in RULES:
        for s in ("mean", "lo", "hi"):
            frame[f"cost_to_close_per_adult_gbp_{rule}_{s}"] = (
                frame[f"cost_to_close_{rule}_gbp_{s}"] / frame["adults_16plus"]
            )
    return frame


def council_curves(
    areas: Areas, out: dict, budgets: np.ndarray, settings: CostSettings
) -> pd.DataFrame:
    """Per council and rule: the share of its gap closed as the national budget grows, mean
    and interval over the curve draws."""
    rows = []
    codes = areas.councils["utla23cd"].to_numpy()
    gap = out["council_gap"][:, None, :]
    for rule in RULES:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = _stats(out[f"council_closed_{rule}"] / gap, settings)
        rows.append(
            pd.DataFrame(
                {
                    "utla23cd": np.tile(codes, len(budgets)),
                    "rule": rule,
                    "budget_gbp": np.repeat(budgets, len(codes)),
                    **{f"share_closed_{s}": v.ravel() for s, v in share.items()},
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


# --- sensitivity ------------------------------------------------------------------------------

SENSITIVITY_OUTPUTS = {
    "cost_to_close_pu_gbp": lambda o: o["cost_to_close_proportionate_universalism_gbp"],
    "net_benefit_pu_gbp": lambda o: o["net_benefit_pv_proportionate_universalism_gbp"][:, 0],
}


def tornado(areas: Areas, settings: CostSettings, point: Point, budget: float) -> pd.DataFrame:
    """One-at-a-time swings: each parameter at its 5th and 95th percentile (each choice at each
    alternative option), the rest at their medians, for cost to close and net benefit (PU)."""
    base = median_factors(settings)
    rows, labels = [base], []
    for name, p in settings.parameters.items():
        if p.dist == "fixed":
            continue
        for q in (0.05, 0.95):
            rows.append(base.assign(**{name: float(p.ppf(q))}))
            labels.append((name, q, float(p.ppf(q))))
    for name, ch in settings.choices.items():
        for k, option in enumerate(ch.options[1:], start=1):
            rows.append(base.assign(**{name: k}))
            labels.append((name, option, k))
    grid = pd.concat(rows, ignore_index=True)
    out = run_chunks(areas, grid, settings, point, np.array([budget]))
    result = []
    for output, get in SENSITIVITY_OUTPUTS.items():
        y = get(out)
        for i, (name, at, value) in enumerate(labels):
            result.append(
                {
                    "output": output,
                    "parameter": name,
                    "at": str(at),
                    "value": value,
                    "base": float(y[0]),
                    "result": float(y[i + 1]),
                }
            )
    frame = pd.DataFrame(result)
    swing = frame.groupby(["output", "parameter"])["result"].agg(lambda r: r.max() - r.min())
    frame = frame.merge(swing.rename("swing").reset_index(), on=["output", "parameter"])
    base_swing = (
        frame.assign(d=(frame["result"] - frame["base"]).abs())
        .groupby(["output", "parameter"])["d"]
        .max()
        .rename("max_abs_change")
        .reset_index()
    )
    frame = frame.merge(base_swing, on=["output", "parameter"])
    frame["swing"] = np.maximum(frame["swing"], frame["max_abs_change"])
    frame["rank"] = (
        frame.groupby("output")["swing"].rank(ascending=False, method="dense").astype("int64")
    )
    return frame.drop(columns="max_abs_change").sort_values(["output", "rank"], ignore_index=True)


def sobol(areas: Areas, settings: CostSettings, point: Point, budget: float) -> pd.DataFrame:
    """Variance-based first-order and total Sobol indices (Saltelli sampling, Jansen/Saltelli
    estimators in SALib; Saltelli et al. 2010) over the factors' probability scale, so every
    factor's own distribution and the discrete choices enter through their inverse CDFs."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    factors = [
        n
        for n, f in settings.factors().items()
        if not (isinstance(f, Parameter) and f.dist == "fixed")
        and not (isinstance(f, Choice) and len(f.options) == 1)
    ]
    problem = {"num_vars": len(factors), "names": factors, "bounds": [[0.0, 1.0]] * len(factors)}
    x = sobol_sample.sample(problem, settings.sobol_n, calc_second_order=False, seed=settings.seed)
    u = np.full((len(x), len(settings.factors())), 0.5)
    names = list(settings.factors())
    for j, n in enumerate(factors):
        u[:, names.index(n)] = x[:, j]
    grid = from_uniform(settings, u)
    for name in settings.choices:
        if name not in factors:
            grid[name] = 0
    out = run_chunks(areas, grid, settings, point, np.array([budget]))
    rows = []
    for output, get in SENSITIVITY_OUTPUTS.items():
        res = sobol_analyze.analyze(
            problem, np.asarray(get(out), dtype=float), calc_second_order=False, seed=settings.seed
        )
        rows.append(
            pd.DataFrame(
                {
                    "output": output,
                    "parameter": factors,
                    "s1": res["S1"],
                    "s1_conf": res["S1_conf"],
                    "st": res["ST"],
                    "st_conf": res["ST_conf"],
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    frame["rank"] = (
        frame.groupby("output")["st"].rank(ascending=False, method="first").astype("int64")
    )
    return frame.sort_values(["output", "rank"], ignore_index=True)


def thresholds(areas: Areas, settings: CostSettings, point: Point, budget: float) -> pd.DataFrame:
    """Share closed at the fixed budget by proportionate universalism and by each targeted rule
    over a grid of lambda, theta and the unit cost (others at their medians): where, if
    anywhere, targeting beats proportionate universalism."""
    base = median_factors(settings)
    scheme_cost = SCHEME_COST[settings.primary_scheme]
    grid = []
    for lam in np.linspace(0.1, 1.0, 10):
        for theta in (0.2, 0.5, 0.8):
            for cost_mult in (0.5, 1.0, 2.0):
                grid.append(
                    base.assign(
                        additionality_lambda=lam,
                        newly_participating_theta=theta,
                        **{scheme_cost: float(base[scheme_cost].iloc[0]) * cost_mult},
                    )
                )
    grid = pd.concat(grid, ignore_index=True)
    out = run_chunks(areas, grid, settings, point, np.array([budget]))
    frame = grid[["additionality_lambda", "newly_participating_theta", scheme_cost]].rename(
        columns={scheme_cost: "unit_cost_gbp"}
    )
    for rule in RULES:
        frame[f"share_closed_{rule}"] = out[f"share_closed_{rule}"][:, 0]
    frame["best_targeted_minus_pu"] = (
        frame[[f"share_closed_{r}" for r in TARGETED]].max(axis=1)
        - frame["share_closed_proportionate_universalism"]
    )
    return frame


# --- orchestration ----------------------------------------------------------------------------


def fixed_budget(councils: pd.DataFrame, share: float) -> float:
    """The external annual budget: a share of councils' service spend excluding education."""
    return float(share * councils["spend_service_excl_education_gbp"].sum())


NATIONAL_QUANTITIES = (
    "gap_people",
    "enabling_economic_gbp",
    "enabling_cash_gbp",
    "q1_q5_difference_before",
    "mean_participation",
    "members_to_close_proportional",
    "years_to_close",
    "share_closable_in_horizon",
    "breakeven_at_cost_to_close_gbp",
    "cost_to_close_proportional_gbp",
    "societal_cost_to_close_proportional_gbp",
    "saving_per_member_gbp",
)


def run_cost_model(areas: Areas, settings: CostSettings) -> dict[str, pd.DataFrame]:
    """Every C3/C4 table: gaps by construction and reference, calibration check, per-rule
    results per scheme, budget-response curves, per-council results and curves, tornado, Sobol
    indices and the targeting thresholds."""
    budget = fixed_budget(areas.councils, settings.fixed_budget_share_of_spend)
    point = point_estimate(areas, settings)
    draws = draw_factors(settings, settings.n_draws, settings.seed)
    log.info("point gap %.0f people; fixed budget GBP %.0f", point.gap.sum(), budget)
    main = run_chunks(areas, draws, settings, point, np.array([budget]), per_council=True)
    log.info("main Monte Carlo done (%d draws)", len(draws))
    rules = [rule_table(main, settings, budget, settings.primary_scheme)]
    for scheme in (*SCHEMES, "mix"):
        if scheme != settings.primary_scheme:
            alt = with_scheme(settings, scheme)
            rules.append(
                rule_table(
                    run_chunks(areas, draws, alt, point_estimate(areas, alt), np.array([])),
                    alt,
                    budget,
                    scheme,
                )
            )
            log.info("scheme %s done", scheme)
    rules = pd.concat(rules, ignore_index=True)
    top = rules.loc[rules["scheme"] == settings.primary_scheme, "cost_to_close_gbp_mean"].max()
    budgets = np.linspace(0.0, top, settings.curve_points)
    curves_out = run_chunks(
        areas, draws.iloc[: settings.curve_draws], settings, point, budgets, per_council=True
    )
    log.info("budget-response curves done")
    adults = areas.adults
    p0 = participation_draws(areas, median_factors(settings), settings)
    refs = areas.references(p0)
    point_gaps = {r: part.gap_people(p0, adults, v)[0] for r, v in refs.items()}
    national = pd.DataFrame(
        [
            {"quantity": q, **{s: float(v) for s, v in _stats(main[q], settings).items()}}
            for q in NATIONAL_QUANTITIES
        ]
    )
    return {
        "national": national,
        "gap": gap_table(areas, settings, draws),
        "gap_specifications": gap_specifications(areas, settings),
        "calibration": calibration_table(areas, settings),
        "rules": rules,
        "curves": curve_table(curves_out, settings, budgets),
        "councils": council_table(areas, main, settings, point, point_gaps),
        "districts": district_table(areas, main, settings, point_gaps),
        "council_curves": council_curves(areas, curves_out, budgets, settings),
        "tornado": tornado(areas, settings, point, budget),
        "sobol": sobol(areas, settings, point, budget),
        "thresholds": thresholds(areas, settings, point, budget),
    }


def council_inputs(
    utla: pd.DataFrame, council_power_fifth: pd.Series, spend_year: str
) -> pd.DataFrame:
    """Per upper-tier council: population, children's social worker FTE and turnover (DfE;
    suppressed FTE imputed at the national FTE per resident, turnover at the FTE-weighted
    national rate), its power fifth, and spend excluding education and on social care."""
    spend = {
        s: f"spend_{s}_gbp_{spend_year}"
        for s in ("total_service", "education", "adult_social_care", "childrens_social_care")
    }
    need = ["utla23cd", "utla23nm", "population", "sw_fte", "sw_turnover_rate_pct", *spend.values()]
    missing = [c for c in need if c not in utla.columns]
    if missing:
        raise CoprodError(f"utla23 table: missing columns {missing}")
    fte = utla["sw_fte"].astype("float64")
    pop = utla["population"].astype("float64")
    turnover = utla["sw_turnover_rate_pct"].astype("float64") / 100
    known = fte.notna()
    rated = known & turnover.notna()
    if not rated.any():
        raise CoprodError(
            "utla23 table: sw_fte or sw_turnover_rate_pct is missing for every council"
        )
    if (~known).any():
        log.warning(
            "children's social worker FTE imputed for %s", utla.loc[~known, "utla23cd"].tolist()
        )
    frame = pd.DataFrame(
        {
            "utla23cd": utla["utla23cd"],
            "utla23nm": utla["utla23nm"],
            "population": pop,
            "sw_fte": fte.fillna(pop * fte[known].sum() / pop[known].sum()),
            "sw_fte_imputed": ~known,
            "sw_turnover_rate": turnover.fillna(np.average(turnover[rated], weights=fte[rated])),
            "council_power_fifth": utla["utla23cd"].map(council_power_fifth),
            "spend_service_excl_education_gbp": (
                utla[spend["total_service"]] - utla[spend["education"]]
            ).astype(float),
            "spend_social_care_gbp": (
                utla[spend["adult_social_care"]] + utla[spend["childrens_social_care"]]
            ).astype(float),
        }
    )
    if frame["council_power_fifth"].isna().any():
        raise CoprodError(
            f"power scores (utla23): no power fifth for "
            f"{frame.loc[frame['council_power_fifth'].isna(), 'utla23cd'].tolist()[:5]}"
        )
    return frame


def in_base_prices(settings: CostSettings, deflator: pd.DataFrame) -> CostSettings:
    """Settings with every money parameter in base-year prices (GDP deflator ratios)."""
    from dataclasses import replace

    from coprod.analysis.prices import deflator_ratio

    years = {p.price_year for p in settings.parameters.values() if p.price_year}
    ratio = {y: deflator_ratio(deflator, y, settings.base_year) for y in years}
    return replace(settings, parameters=to_base_prices(settings.parameters, ratio))


def _triple(row: pd.Series, q: str) -> dict:
    return {s: float(row[f"{q}_{s}"]) for s in ("mean", "lo", "hi") if f"{q}_{s}" in row}


def headline(tables: dict[str, pd.DataFrame], settings: CostSettings, budget: float) -> dict:
    """The figures the report and the closing note quote, with their basis stated."""
    gap = tables["gap"]
    rules = tables["rules"]
    primary = rules[rules["scheme"] == settings.primary_scheme].set_index("rule")
    out = {
        "price_base": settings.base_year,
        "discount_rate": settings.discount_rate,
        "horizon_years": settings.horizon_years,
        "annuity_factor": settings.annuity,
        "n_draws": settings.n_draws,
        "interval": settings.interval,
        "seed": settings.seed,
        "fixed_budget_gbp": budget,
        "fixed_budget_share_of_spend": settings.fixed_budget_share_of_spend,
        "primary_scheme": settings.primary_scheme,
        "cost_reference": settings.cost_reference,
        "pu_floor_share": settings.pu_floor_share,
        "universal_percentile": settings.universal_percentile,
        "primary_construction": settings.choices["construction"].options[0],
        "primary_levelling": settings.choices["levelling"].options[0],
        "gap": {
            c: {
                q: {
                    "point": float(r["point"]),
                    "mean": float(r["mean"]),
                    "lo": float(r["lo"]),
                    "hi": float(r["hi"]),
                }
                for q, r in g.set_index("quantity").iterrows()
            }
            for c, g in gap.groupby("construction")
        },
        "rules": {},
        "schemes": {},
    }
    for rule, row in primary.iterrows():
        out["rules"][rule] = {
            q: _triple(row, q)
            for q in (
                "cost_to_close_gbp",
                "share_closed_fixed_budget",
                "net_benefit_pv_fixed_budget_gbp",
                "breakeven_saving_per_participant_gbp",
                "members_fixed_budget",
                "q1_q5_difference_after",
                "max_closable_share",
                "residual_share_at_cost",
                "cost_to_close_max_gbp",
            )
            if f"{q}_mean" in row and np.isfinite(row[f"{q}_mean"])
        }
    for (scheme, rule), row in rules.set_index(["scheme", "rule"]).iterrows():
        out["schemes"].setdefault(scheme, {})[rule] = _triple(row, "cost_to_close_gbp")
    p = settings.parameters
    out["transferred_saving_per_member_gbp"] = {
        s: float(p[SCHEME_SAVING[s]].ppf(0.5)) for s in SCHEMES
    }
    out["unit_cost_per_member_gbp"] = {s: float(p[SCHEME_COST[s]].ppf(0.5)) for s in SCHEMES}
    out["recruitment"] = {
        "cap_share_per_year_median": float(p["recruitment_cap_share_per_year"].ppf(0.5)),
        "ramp_up_years_median": float(p["ramp_up_years"].ppf(0.5)),
    }
    drivers = {}
    for output, g in tables["sobol"].groupby("output"):
        g = g.sort_values("st", ascending=False)
        drivers[output] = {
            "sobol_total": [
                {
                    "parameter": r.parameter,
                    "st": float(r.st),
                    "st_conf": float(r.st_conf),
                    "s1": float(r.s1),
                }
                for r in g.head(3).itertuples()
            ]
        }
    for output, g in tables["tornado"].groupby("output"):
        g = g.drop_duplicates("parameter").sort_values("swing", ascending=False)
        drivers.setdefault(output, {})["tornado"] = [
            {"parameter": r.parameter, "swing": float(r.swing)} for r in g.head(3).itertuples()
        ]
    out["drivers"] = drivers
    nat = tables["national"].set_index("quantity")
    out["national"] = {
        q: {s: float(nat.loc[q, s]) for s in ("mean", "lo", "hi")} for q in nat.index
    }
    out["enabling"] = {
        "economic": out["national"]["enabling_economic_gbp"],
        "cash": out["national"]["enabling_cash_gbp"],
    }
    out["q1_q5_difference_before"] = out["national"]["q1_q5_difference_before"]
    out["england_participation_survey_year"] = p["england_participation_survey_year"].values["mean"]
    out["england_participation_latest"] = p["england_participation_latest"].values["mean"]
    out["anchors"] = {
        "most_deprived": p["participation_most_deprived"].values["mean"],
        "least_deprived": p["participation_least_deprived"].values["mean"],
        "sd": p["participation_most_deprived"].values["sd"],
        "survey_year": settings.survey_year,
        "latest_year": settings.latest_year,
    }
    t = tables["thresholds"]
    mult = t["unit_cost_gbp"] / t["unit_cost_gbp"].median()
    out["threshold_grid"] = {
        "lambda": [float(t["additionality_lambda"].min()), float(t["additionality_lambda"].max())],
        "theta": [
            float(t["newly_participating_theta"].min()),
            float(t["newly_participating_theta"].max()),
        ],
        "unit_cost_multiplier": [float(mult.min()), float(mult.max())],
    }
    mid = t[
        np.isclose(t["newly_participating_theta"], 0.5)
        & np.isclose(t["unit_cost_gbp"], t["unit_cost_gbp"].median())
    ]
    out["thresholds"] = {}
    for rule in TARGETED:
        beats = t[f"share_closed_{rule}"] > t["share_closed_proportionate_universalism"]
        lam = mid.loc[
            mid[f"share_closed_{rule}"] > mid["share_closed_proportionate_universalism"],
            "additionality_lambda",
        ]
        out["thresholds"][rule] = {
            "share_of_grid_beating_pu": float(beats.mean()),
            "max_lambda_beating_pu_at_median_theta_c": float(lam.max()) if len(lam) else None,
            "min_lambda_beating_pu_at_median_theta_c": float(lam.min()) if len(lam) else None,
        }
    return out


def figure_views(
    rules: pd.DataFrame, tornado_: pd.DataFrame, curves: pd.DataFrame, *, scheme: str, budget: float
) -> dict[str, pd.DataFrame]:
    """Figure-ready views (coprod.report.figures contracts), money in GBP million: the cost to
    close per rule with its interval, the cost tornado (a choice's low/high are its smallest
    and largest result over the options) and the curves with the fixed budget."""
    r = rules[rules["scheme"] == scheme]
    cost = pd.DataFrame(
        {
            "scenario": r["rule"].to_numpy(),
            "estimate": r["cost_to_close_gbp_mean"].to_numpy() / 1e6,
            "ci_low": r["cost_to_close_gbp_lo"].to_numpy() / 1e6,
            "ci_high": r["cost_to_close_gbp_hi"].to_numpy() / 1e6,
        }
    )
    t = tornado_[tornado_["output"] == "cost_to_close_pu_gbp"]
    swing = (
        t.groupby("parameter", sort=False)
        .agg(low=("result", "min"), high=("result", "max"), base=("base", "first"))
        .reset_index()
    )
    swing[["low", "high", "base"]] = swing[["low", "high", "base"]] / 1e6
    return {
        "cost_to_close": cost,
        "tornado": swing,
        "curves": curves.assign(fixed_budget_gbp=budget),
    }
