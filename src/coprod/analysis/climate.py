"""The financial climate (research brief §5, claim C5): council service spend per head over the
finance years, nominal and (when config gives a deflator) real, and how its change relates to
deprivation and to the power index. Councils that cannot be compared across the years
(reorganised, or not reporting) are listed, never silently dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from coprod.columns import require_columns
from coprod.errors import ConfigError

UPPER_TIER = r"^E(06|08|09|10)\d{6}$"


def _column(service: str, year: str) -> str:
    return f"spend_{service}_per_head_gbp_{year}"


def per_head_long(utla: pd.DataFrame, services: list[str], years: list[str],
                  deflator: dict | None) -> pd.DataFrame:
    """Spend per head by council, service and year; real terms at the deflator's base year."""
    needed = [_column(s, y) for s in services for y in years]
    require_columns(utla, ["utla23cd", "utla23nm", *needed], "utla23 table")
    long = utla.melt(id_vars=["utla23cd", "utla23nm"], value_vars=needed, value_name="per_head_gbp")
    parts = long["variable"].str.extract(r"^spend_(?P<service>.+)_per_head_gbp_(?P<year>\d{4}_\d{2})$")
    long = pd.concat([long.drop(columns="variable"), parts], axis=1).assign(basis="nominal")
    long["per_head_gbp"] = long["per_head_gbp"].astype("float64")
    if deflator is None:
        return long
    index = deflator["index"]
    missing = [y for y in [*years, deflator["base_year"]] if y not in index]
    if missing:
        raise ConfigError(f"costs.climate.deflator.index: no value for {sorted(set(missing))}")
    factor = long["year"].map(lambda y: index[deflator["base_year"]] / index[y])
    real = long.assign(per_head_gbp=long["per_head_gbp"] * factor, basis=f"real_{deflator['base_year']}")
    return pd.concat([long, real], ignore_index=True)


def _quintile(score: pd.Series) -> pd.Series:
    """Quintile of councils by IMD average score, 1 = most deprived."""
    return np.ceil(score.rank(ascending=False, method="first", pct=True) * 5).astype("int64")


def climate_tables(utla: pd.DataFrame, gap: pd.DataFrame, reorganisations: pd.DataFrame,
                   cfg: dict) -> dict[str, pd.DataFrame]:
    """Per-head series, start-to-end change, group means, associations, dropped councils, and
    the figure view (one row per council: the headline service's nominal change in percent)."""
    services, years = cfg["services"], cfg["years"]
    if cfg["headline_service"] not in services:
        raise ConfigError(f"costs.climate.headline_service: {cfg['headline_service']!r} is not in "
                          f"costs.climate.services {services}")
    start, end = years[0], years[-1]
    require_columns(utla, ["utla23cd", "population", "imd_score"], "utla23 table")
    require_columns(gap, ["utla23cd", "power", "power_quintile"], "capacity gap (utla23cd)")
    require_columns(reorganisations, ["old_code", "new_code", "reason", "year"], "reorganisations.csv")
    long = per_head_long(utla, services, years, cfg["deflator"])
    context = utla[["utla23cd", "population", "imd_score"]].merge(
        gap[["utla23cd", "power", "power_quintile"]], on="utla23cd", how="left", validate="one_to_one")
    context = context.assign(population=context["population"].astype("float64"),
                             imd_score=context["imd_score"].astype("float64"),
                             imd_quintile=_quintile(context["imd_score"].astype("float64")))
    wide = long.pivot(index=["utla23cd", "utla23nm", "service", "basis"], columns="year",
                      values="per_head_gbp").reset_index()
    change = wide[["utla23cd", "utla23nm", "service", "basis"]].assign(
        per_head_start_gbp=wide[start], per_head_end_gbp=wide[end])
    change = change.assign(change_gbp=change["per_head_end_gbp"] - change["per_head_start_gbp"],
                           relative_change=change["per_head_end_gbp"] / change["per_head_start_gbp"] - 1,
                           start_year=start, end_year=end)
    change = change.merge(context, on="utla23cd", how="left", validate="many_to_one")
    complete = change.dropna(subset=["per_head_start_gbp", "per_head_end_gbp"])
    headline = complete[(complete["service"] == cfg["headline_service"]) & (complete["basis"] == "nominal")]
    return {
        "figure": headline.assign(spend_change_pct=headline["relative_change"] * 100).reset_index(drop=True),
        "councils": long.merge(context, on="utla23cd", how="left", validate="many_to_one"),
        "change": complete.reset_index(drop=True),
        "groups": _groups(long, context),
        "associations": _associations(complete),
        "dropped": _dropped(change, utla, reorganisations),
    }


def _groups(long: pd.DataFrame, context: pd.DataFrame) -> pd.DataFrame:
    """Population-weighted spend per head by year within power quintiles and IMD quintiles, over
    councils with every year present, so a trend is not an artefact of councils dropping out."""
    complete = long.groupby(["utla23cd", "service", "basis"])["per_head_gbp"].transform(
        lambda s: s.notna().all())
    frame = long[complete].merge(context, on="utla23cd", validate="many_to_one")
    frame = frame.assign(spend_gbp=frame["per_head_gbp"] * frame["population"])
    out = []
    for var in ("power_quintile", "imd_quintile"):
        g = frame.dropna(subset=[var]).groupby([var, "service", "basis", "year"], as_index=False).agg(
            n_councils=("utla23cd", "nunique"), population=("population", "sum"),
            spend_gbp=("spend_gbp", "sum"))
        out.append(g.rename(columns={var: "group"}).assign(
            group_var=var, group=lambda d: d["group"].astype("int64"),
            per_head_gbp=lambda d: d["spend_gbp"] / d["population"]))
    return pd.concat(out, ignore_index=True)


def _associations(change: pd.DataFrame) -> pd.DataFrame:
    """OLS (HC3 errors) and Spearman of the relative change on IMD score and the power index."""
    rows = []
    for (service, basis), g in change.groupby(["service", "basis"]):
        for x in ("imd_score", "power"):
            d = g.dropna(subset=[x, "relative_change"])
            if len(d) < 3:
                continue
            fit = sm.OLS(d["relative_change"].to_numpy(),
                         sm.add_constant(d[x].to_numpy(dtype=float))).fit(cov_type="HC3")
            lo, hi = fit.conf_int()[1]
            rho = stats.spearmanr(d[x], d["relative_change"])
            rows.append({"service": service, "basis": basis, "outcome": "relative_change",
                         "predictor": x, "n_councils": len(d), "slope": fit.params[1],
                         "slope_lo": lo, "slope_hi": hi, "slope_p": fit.pvalues[1],
                         "spearman_rho": rho.statistic, "spearman_p": rho.pvalue})
    return pd.DataFrame(rows)


def _dropped(change: pd.DataFrame, utla: pd.DataFrame, reorganisations: pd.DataFrame) -> pd.DataFrame:
    """Councils out of the change analysis: abolished upper-tier codes, and councils lacking the
    start or end year's spend (with the reorganisation that explains it, where there is one)."""
    reorg = reorganisations.astype({"old_code": "str", "new_code": "str", "reason": "str", "year": "str"})
    upper = reorg[reorg["old_code"].str.match(UPPER_TIER)]
    gone = (upper[~upper["old_code"].isin(utla["utla23cd"])]
            .groupby("old_code", as_index=False, dropna=False)
            .agg(successor=("new_code", "first"), reason=("reason", "first"),
                 years=("year", lambda s: ", ".join(sorted(set(s))))))
    rows = [pd.DataFrame({"code": gone["old_code"], "name": pd.NA, "service": "all",
                          "successor": gone["successor"], "reason": gone["reason"],
                          "detail": "code abolished; not in the council table (finance years "
                                    + gone["years"] + ")"})]
    lacking = change[change[["per_head_start_gbp", "per_head_end_gbp"]].isna().any(axis=1)
                     & (change["basis"] == "nominal")]
    if len(lacking):
        merged_into = upper.dropna(subset=["new_code"]).drop_duplicates("new_code").set_index("new_code")
        predecessors = (reorg.dropna(subset=["new_code"]).groupby("new_code")["old_code"]
                        .agg(lambda s: ", ".join(sorted(set(s)))))
        created = lacking["utla23cd"].map(predecessors).map(
            lambda p: f"created by reorganisation from {p}", na_action="ignore")
        reason = lacking["utla23cd"].map(merged_into["reason"]).fillna(created).fillna("spend not reported")
        missing = [", ".join(y for y, v in ((s_y, s), (e_y, e)) if pd.isna(v))
                   for s_y, s, e_y, e in lacking[["start_year", "per_head_start_gbp",
                                                  "end_year", "per_head_end_gbp"]].itertuples(index=False)]
        rows.append(pd.DataFrame({
            "code": lacking["utla23cd"], "name": lacking["utla23nm"], "service": lacking["service"],
            "successor": pd.NA, "reason": reason,
            "detail": [f"no per-head spend for {m}" for m in missing]}))
    return pd.concat(rows, ignore_index=True)
