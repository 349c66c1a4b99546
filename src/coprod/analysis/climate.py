"""The financial climate since 2009-10 (research brief §5, claim C5): a panel of council
service spend per head in real terms over stable upper-tier footprints, 2009-10 to 2024-25,
grouped by baseline deprivation (IoD2019), with changes in £ and %, council-class fixed effects
and intervals from bootstrapping councils (Efron and Tibshirani 1993, ch. 13; percentile
intervals, resampling footprints within deprivation groups).

Measure: net current expenditure (RS 2009-10 to 2023-24, RSX 2024-25). Headline "service
spend" is total service expenditure less education, public health (transferred to councils in
2013-14), police, fire and rescue and courts, so the line is comparable across the years.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from coprod.analysis.prices import to_prices
from coprod.data import footprints as fp
from coprod.data.validation import check_spend_panel
from coprod.errors import ConfigError, GeographyError

# Lines taken out of total service expenditure for the headline measure.
HEADLINE_EXCLUDED = ("education", "public_health", "police", "fire", "courts")
MEASURES = ("service", "social_care", "adult_social_care", "childrens_social_care")
CLASS_NAMES = {
    "SC": "shire county",
    "UA": "unitary",
    "MD": "metropolitan district",
    "LB": "London borough",
}


@dataclass(frozen=True)
class ClimateSettings:
    first_year: str  # '2009-10'
    last_year: str  # '2024-25'
    base_year: str  # price year, '2024-25'
    n_boot: int
    seed: int
    ci_level: float  # of the bootstrap and fixed-effects intervals, e.g. 0.95


def financial_years(first: str, last: str) -> list[str]:
    start, end = int(first[:4]), int(last[:4])
    if end < start:
        raise ConfigError(f"climate: last_year {last} is before first_year {first}")
    return [f"{y}-{(y + 1) % 100:02d}" for y in range(start, end + 1)]


def _col(rs_or_rsx: pd.DataFrame, prefix: str, service: str) -> pd.Series:
    name = f"{prefix}_{service}_net_current_gbp_thousands"
    if name in rs_or_rsx:
        return rs_or_rsx[name].astype("float64")
    return pd.Series(np.nan, index=rs_or_rsx.index)


def measures(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Cash £ thousand of each measure; a line not collected in a year counts as zero, a council
    without a return stays missing (its total is missing)."""
    total = _col(frame, prefix, "total_service")
    lines = (*HEADLINE_EXCLUDED, "social_care", "adult_social_care", "childrens_social_care")
    values, exists = {}, {}
    for s in lines:  # a line missing for every council in a year was not collected that year
        raw = _col(frame, prefix, s)
        exists[s] = raw.notna().groupby(frame["financial_year"]).transform("any").astype(bool)
        values[s] = raw.where(exists[s], 0.0).where(total.notna())
    split = exists["adult_social_care"]
    return pd.DataFrame(
        {
            "service": total - sum(values[s] for s in HEADLINE_EXCLUDED),
            "social_care": values["social_care"].where(
                exists["social_care"], values["adult_social_care"] + values["childrens_social_care"]
            ),
            "adult_social_care": values["adult_social_care"].where(split),
            "childrens_social_care": values["childrens_social_care"].where(split),
        },
        index=frame.index,
    )


def council_years(rs: pd.DataFrame, rsx_last: pd.DataFrame, years: list[str]) -> pd.DataFrame:
    """Principal councils' cash measures by year, with footprints: RS workbooks for every year
    but the last, RSX for the last (keyed to E-codes through the RS code pairs)."""
    rs, rsx_last = rs.reset_index(drop=True), rsx_last.reset_index(drop=True)
    ons = fp.ecode_ons_codes(rs)
    principal = rs[
        rs["la_class"].isin(list(fp.PRINCIPAL_CLASSES)) & rs["financial_year"].isin(years[:-1])
    ]
    rs_part = principal[["ecode", "la_name", "la_class", "financial_year"]].join(
        measures(principal, "rs")
    )
    ecode = pd.Series(ons.index, index=ons.to_numpy())
    if ecode.index.duplicated().any():
        raise GeographyError(
            "RS workbooks: an ONS code pairs with several E-codes: "
            f"{sorted(ecode.index[ecode.index.duplicated()])[:5]}"
        )
    last = rsx_last[rsx_last["financial_year"] == years[-1]]
    unknown = sorted(set(last["la_code"]) - set(ecode.index))
    if unknown:
        raise GeographyError(
            f"RSX {years[-1]}: councils with no E-code in the RS workbooks: {unknown[:5]}"
        )
    rsx_part = last.assign(ecode=last["la_code"].map(ecode))[
        ["ecode", "la_name", "la_class", "financial_year"]
    ].join(measures(last, "spend"))
    frame = pd.concat([rs_part, rsx_part], ignore_index=True)
    return fp.assign_footprints(frame, ons)


def footprint_population(mye: pd.DataFrame, years: list[str]) -> pd.DataFrame:
    """Population of each footprint for each financial year (mid-year of its first calendar
    year). ``mye``: long ONS rows with ``source_rank`` (higher = later release); for each
    mid-year the latest release holding it is used; a mid-year in no file (mid-2023) is
    interpolated linearly between its neighbours."""
    upper = mye[mye["area_code"].str[:3].isin(fp.UPPER_TIER_PREFIXES)]
    upper = upper.assign(footprint_cd=fp.footprint_of_upper_tier(upper["area_code"]))
    latest = upper.groupby("mid_year")["source_rank"].transform("max")
    upper = upper[upper["source_rank"] == latest]
    pop = upper.groupby(["footprint_cd", "mid_year"])["population"].sum().unstack()
    wanted = [int(y[:4]) for y in years]
    pop = pop.reindex(columns=sorted(set(pop.columns) | set(wanted)))
    interpolated = [y for y in wanted if pop[y].isna().all()]
    pop = pop.interpolate(axis=1, limit_area="inside")
    out = pop[wanted].set_axis(years, axis=1).stack().rename("population").reset_index()
    out = out.rename(columns={"level_1": "financial_year"})
    out["population_interpolated"] = out["financial_year"].str[:4].astype(int).isin(interpolated)
    return out


def footprint_panel(
    councils: pd.DataFrame, population: pd.DataFrame, deflator: pd.DataFrame, base_year: str
) -> pd.DataFrame:
    """One row per footprint, year and measure: cash and real £ thousand, population, real £
    per head; ``complete`` is False when any member council lacks the measure that year."""
    kept = councils[~councils["footprint_cd"].isin(fp.excluded_codes())]
    long = kept.melt(
        id_vars=["footprint_cd", "financial_year", "ecode"],
        value_vars=list(MEASURES),
        var_name="measure",
        value_name="cash_gbp_thousands",
    )
    grouped = long.groupby(["footprint_cd", "financial_year", "measure"])
    panel = grouped.agg(
        cash_gbp_thousands=("cash_gbp_thousands", lambda s: s.sum(min_count=1)),
        n_members=("ecode", "size"),
        n_missing=("cash_gbp_thousands", lambda s: int(s.isna().sum())),
    ).reset_index()
    panel["complete"] = panel["n_missing"] == 0
    panel.loc[~panel["complete"], "cash_gbp_thousands"] = np.nan
    panel = panel.merge(
        population, on=["footprint_cd", "financial_year"], how="left", validate="many_to_one"
    )
    if panel["population"].isna().any():
        lost = panel.loc[panel["population"].isna(), ["footprint_cd", "financial_year"]]
        raise GeographyError(
            f"population: no estimate for footprint-years "
            f"{lost.drop_duplicates().values.tolist()[:5]}"
        )
    real = to_prices(panel["cash_gbp_thousands"], panel["financial_year"], deflator, base_year)
    panel[f"real_gbp_thousands_{base_year.replace('-', '_')}"] = real
    panel["real_per_head_gbp"] = real * 1000 / panel["population"]
    return panel


def deprivation(iod: pd.DataFrame, mye: pd.DataFrame) -> pd.DataFrame:
    """IMD 2019 average score of each footprint: a merged footprint's score is the mean of its
    members' scores weighted by their mid-2019 population (IoD scores are population means)."""
    frame = iod.assign(footprint_cd=fp.footprint_of_upper_tier(iod["utla19cd"]))
    pop19 = mye[(mye["mid_year"] == 2019)]
    pop19 = pop19[pop19["source_rank"] == pop19["source_rank"].max()]
    frame = frame.merge(
        pop19[["area_code", "population"]],
        left_on="utla19cd",
        right_on="area_code",
        how="left",
        validate="one_to_one",
    )
    single = frame.groupby("footprint_cd")["utla19cd"].transform("size") == 1
    frame["population"] = frame["population"].where(~single, 1.0)  # one member: no weighting
    if frame["population"].isna().any():
        raise GeographyError(
            f"IoD2019 upper tier: no mid-2019 population for "
            f"{frame.loc[frame['population'].isna(), 'utla19cd'].tolist()}"
        )
    frame = frame.assign(w=frame["imd_score"] * frame["population"])
    out = frame.groupby("footprint_cd").agg(w=("w", "sum"), p=("population", "sum"))
    return (out["w"] / out["p"]).rename("imd2019_score").reset_index()


def weighted_groups(score: pd.Series, weight: pd.Series, k: int) -> pd.Series:
    """Population-weighted k-tiles, 1 = most deprived: a footprint falls in the tile holding
    the midpoint of its population in the ranking by score."""
    order = score.sort_values(ascending=False, kind="mergesort").index
    cum = weight[order].cumsum()
    mid = (cum - weight[order] / 2) / weight.sum()
    return (np.floor(mid * k).astype("int64") + 1).clip(upper=k).reindex(score.index)


def analysis_sample(panel: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """Footprints with the headline measure complete in the first and the last year."""
    ends = panel[(panel["measure"] == "service") & panel["financial_year"].isin([first, last])]
    ok = ends.groupby("footprint_cd")["complete"].agg(lambda s: s.all() and len(s) == 2)
    return ok.rename("in_sample").reset_index()


def group_series(panel: pd.DataFrame, groups: pd.DataFrame, group_vars: list[str]) -> pd.DataFrame:
    """Real spend per head by group, measure and year: sum of real spend over sum of
    population of the footprints complete that year (England = every footprint)."""
    frame = panel[panel["complete"]].merge(groups, on="footprint_cd", validate="many_to_one")
    real = [c for c in panel.columns if c.startswith("real_gbp_thousands_")][0]
    out = []
    for var in ["england", *group_vars]:
        key = frame.assign(england=1)[var]
        g = (
            frame.assign(group=key)
            .groupby(["group", "measure", "financial_year"])
            .agg(
                real_gbp_thousands=(real, "sum"),
                population=("population", "sum"),
                n_footprints=("footprint_cd", "nunique"),
            )
            .reset_index()
        )
        out.append(g.assign(grouping=var))
    series = pd.concat(out, ignore_index=True)
    series["real_per_head_gbp"] = series["real_gbp_thousands"] * 1000 / series["population"]
    return series


def _ratio_change(frame: pd.DataFrame, first: str, last: str, real: str) -> pd.DataFrame:
    """Per head at both ends and its change, by grouping, group and measure."""
    ends = frame[frame["financial_year"].isin([first, last])]
    agg = ends.groupby(["grouping", "group", "measure", "financial_year"])[
        [real, "population"]
    ].sum()
    per_head = (agg[real] * 1000 / agg["population"]).unstack("financial_year")
    return pd.DataFrame(
        {
            "per_head_first_gbp": per_head[first],
            "per_head_last_gbp": per_head[last],
            "change_gbp": per_head[last] - per_head[first],
            "change_pct": (per_head[last] / per_head[first] - 1) * 100,
        }
    )


def _stacked(panel: pd.DataFrame, groups: pd.DataFrame, group_vars: list[str]) -> pd.DataFrame:
    frame = panel.merge(groups, on="footprint_cd", validate="many_to_one").assign(england=1)
    parts = [frame.assign(grouping=v, group=frame[v]) for v in ["england", *group_vars]]
    return pd.concat(parts, ignore_index=True)


def changes(
    panel: pd.DataFrame, groups: pd.DataFrame, group_vars: list[str], settings: ClimateSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Change in real spend per head, first to last year, by group, with percentile intervals
    from resampling footprints with replacement within the finest group (the tenth, so fifths
    and England are resampled consistently); and the most-minus-least-deprived gap."""
    first, last = settings.first_year, settings.last_year
    real = [c for c in panel.columns if c.startswith("real_gbp_thousands_")][0]
    ends = panel[panel["financial_year"].isin([first, last])]
    ends = ends[ends.groupby(["footprint_cd", "measure"])["complete"].transform("all")]
    wide = ends.pivot_table(
        index="footprint_cd", columns=["measure", "financial_year"], values=[real, "population"]
    )
    ids = groups.set_index("footprint_cd").loc[wide.index]
    point = _ratio_change(_stacked(ends, groups, group_vars), first, last, real)
    rng = np.random.default_rng(settings.seed)
    strata = ids[group_vars[-1]].to_numpy()
    positions = [np.flatnonzero(strata == g) for g in np.unique(strata)]
    draws = []
    for b in range(settings.n_boot):
        pick = np.concatenate([rng.choice(p, size=len(p), replace=True) for p in positions])
        sample = wide.iloc[pick]
        sample_ids = ids.iloc[pick]
        rows = []
        for var in ["england", *group_vars]:
            key = np.ones(len(sample)) if var == "england" else sample_ids[var].to_numpy()
            sums = sample.groupby(key).sum(min_count=1)
            for measure in wide[real].columns.get_level_values(0).unique():
                num = sums[(real, measure, first)], sums[(real, measure, last)]
                den = sums[("population", measure, first)], sums[("population", measure, last)]
                ph_first, ph_last = num[0] * 1000 / den[0], num[1] * 1000 / den[1]
                rows.append(
                    pd.DataFrame(
                        {
                            "grouping": var,
                            "group": sums.index.astype(int),
                            "measure": measure,
                            "change_gbp": (ph_last - ph_first).to_numpy(),
                            "change_pct": ((ph_last / ph_first - 1) * 100).to_numpy(),
                        }
                    )
                )
        draws.append(pd.concat(rows).assign(draw=b))
    boot = pd.concat(draws, ignore_index=True)
    tail = (1 - settings.ci_level) / 2
    q = (
        boot.groupby(["grouping", "group", "measure"])[["change_gbp", "change_pct"]]
        .quantile([tail, 1 - tail])
        .unstack()
    )
    q.columns = [f"{m}_{'lo' if p < 0.5 else 'hi'}" for m, p in q.columns]
    out = point.join(q).reset_index()
    gap = _gap(boot, point, group_vars, tail).assign(ci_level=settings.ci_level)
    return out.assign(
        first_year=first, last_year=last, n_boot=settings.n_boot, ci_level=settings.ci_level
    ), gap


def _gap(
    boot: pd.DataFrame, point: pd.DataFrame, group_vars: list[str], tail: float
) -> pd.DataFrame:
    """Most minus least deprived group's change (£ and points of %), with intervals."""
    rows = []
    for var in group_vars:
        for measure in point.index.get_level_values("measure").unique():
            p = point.xs((var, measure), level=("grouping", "measure"))
            top, bottom = p.index.min(), p.index.max()
            b = boot[(boot["grouping"] == var) & (boot["measure"] == measure)].pivot(
                index="draw", columns="group", values=["change_gbp", "change_pct"]
            )
            for stat in ("change_gbp", "change_pct"):
                diff = b[(stat, top)] - b[(stat, bottom)]
                rows.append(
                    {
                        "grouping": var,
                        "measure": measure,
                        "statistic": stat,
                        "most_minus_least": p.loc[top, stat] - p.loc[bottom, stat],
                        "lo": diff.quantile(tail),
                        "hi": diff.quantile(1 - tail),
                    }
                )
    return pd.DataFrame(rows)


def class_fixed_effects(
    panel: pd.DataFrame, footprints: pd.DataFrame, first: str, last: str, ci_level: float
) -> pd.DataFrame:
    """Percent change in real spend per head on the deprivation fifth and on the IMD score,
    with council-class fixed effects, weighted by baseline population; HC3 errors."""
    rows = []
    for measure in panel["measure"].unique():
        ends = panel[(panel["measure"] == measure) & panel["financial_year"].isin([first, last])]
        wide = ends.pivot(
            index="footprint_cd",
            columns="financial_year",
            values=["real_per_head_gbp", "population"],
        ).dropna()
        if wide.empty:
            continue
        d = pd.DataFrame(
            {
                "change_pct": (
                    wide[("real_per_head_gbp", last)] / wide[("real_per_head_gbp", first)] - 1
                )
                * 100,
                "weight": wide[("population", first)],
            }
        )
        d = d.join(
            footprints.set_index("footprint_cd")[["fifth", "imd2019_score", "council_class"]],
            how="inner",
        )
        for term, formula in (
            ("fifth", "change_pct ~ C(fifth, Treatment(5)) + C(council_class)"),
            ("imd2019_score", "change_pct ~ imd2019_score + C(council_class)"),
        ):
            fit = smf.wls(formula, data=d, weights=d["weight"]).fit(cov_type="HC3")
            ci = fit.conf_int(alpha=1 - ci_level)
            for name in fit.params.index:
                if name.startswith("C(council_class") or name == "Intercept":
                    continue
                rows.append(
                    {
                        "measure": measure,
                        "model": term,
                        "term": name,
                        "estimate": fit.params[name],
                        "lo": ci.loc[name, 0],
                        "hi": ci.loc[name, 1],
                        "p": fit.pvalues[name],
                        "n": int(fit.nobs),
                        "ci_level": ci_level,
                    }
                )
    return pd.DataFrame(rows)


def census_anchored_population(population: pd.DataFrame, mye: pd.DataFrame) -> pd.DataFrame:
    """Sensitivity for the unrevised 2012-2020 estimates: replace mid-2012 to mid-2020 by a
    straight line between the Census-based mid-2011 and mid-2021 estimates of each footprint
    (the revised ONS series is not available offline)."""
    upper = mye[
        mye["area_code"].str[:3].isin(fp.UPPER_TIER_PREFIXES) & mye["mid_year"].isin([2011, 2021])
    ]
    upper = upper[upper["source_rank"] == upper.groupby("mid_year")["source_rank"].transform("max")]
    ends = (
        upper.assign(footprint_cd=fp.footprint_of_upper_tier(upper["area_code"]))
        .groupby(["footprint_cd", "mid_year"])["population"]
        .sum()
        .unstack()
    )
    year = population["financial_year"].str[:4].astype(int)
    w = ((year - 2011) / 10).to_numpy()
    anchored = (1 - w) * population["footprint_cd"].map(ends[2011]).to_numpy() + w * population[
        "footprint_cd"
    ].map(ends[2021]).to_numpy()
    inside = year.between(2012, 2020).to_numpy()
    return population.assign(population=np.where(inside, anchored, population["population"]))


def council_class(councils: pd.DataFrame, first: str) -> pd.Series:
    """Class of each footprint in the first year: a shire county with districts, or the class
    of its unitary, metropolitan or London borough (a merged footprint with a county is one)."""
    base = councils[councils["financial_year"] == first]
    return (
        base.groupby("footprint_cd")["la_class"]
        .agg(lambda c: "SC" if "SC" in set(c) else c.iloc[0])
        .map(CLASS_NAMES)
        .rename("council_class")
    )


def check_panel_plausible(panel: pd.DataFrame) -> None:
    """The tidy tables' spend rules (coprod.data.validation: a stated range of real £ per head
    and no more than a stated multiple on the previous year) on every footprint, year and
    measure of the panel, which is read from the RS workbooks rather than a tidy table."""
    wide = panel.pivot_table(
        index=["footprint_cd", "financial_year"], columns="measure", values="real_per_head_gbp"
    )
    names = {
        m: f"spend_{'total_service' if m == 'service' else m}_per_head_gbp"
        for m in MEASURES
        if m in wide.columns
    }
    wide = wide.rename(columns=names).reset_index()
    check_spend_panel(wide, "climate panel", "footprint_cd", "financial_year", list(names.values()))


def build_climate(
    rs: pd.DataFrame,
    rs_england: pd.DataFrame,
    rsx_last: pd.DataFrame,
    rsx_england: pd.Series,
    mye: pd.DataFrame,
    iod: pd.DataFrame,
    deflator: pd.DataFrame,
    names: pd.Series,
    settings: ClimateSettings,
) -> dict[str, pd.DataFrame]:
    """Every table of the C5 analysis (see the module docstring). ``names``: utla23 names by
    code; ``mye`` carries ``source_rank`` (later release, higher rank)."""
    years = financial_years(settings.first_year, settings.last_year)
    first, last = settings.first_year, settings.last_year
    councils = council_years(rs, rsx_last, years)
    population = footprint_population(mye, years)
    panel = footprint_panel(councils, population, deflator, settings.base_year)
    check_panel_plausible(panel)
    sample = analysis_sample(panel, first, last)
    baseline = panel[(panel["financial_year"] == first) & (panel["measure"] == "service")]
    baseline = baseline.set_index("footprint_cd")["population"]
    foot = sample.merge(
        deprivation(iod, mye), on="footprint_cd", how="left", validate="one_to_one"
    ).merge(council_class(councils, first).reset_index(), on="footprint_cd", how="left")
    if foot["imd2019_score"].isna().any():
        raise GeographyError(
            f"IoD2019 upper tier: no score for footprints "
            f"{foot.loc[foot['imd2019_score'].isna(), 'footprint_cd'].tolist()}"
        )
    foot["population_first_year"] = foot["footprint_cd"].map(baseline)
    inside = foot["in_sample"]
    for var, k in (("fifth", 5), ("tenth", 10)):
        foot.loc[inside, var] = weighted_groups(
            foot.loc[inside, "imd2019_score"], foot.loc[inside, "population_first_year"], k
        )
        foot[var] = foot[var].astype("Int64")
    groups = foot.loc[inside, ["footprint_cd", "fifth", "tenth"]].astype(
        {"fifth": int, "tenth": int}
    )
    in_panel = panel[panel["footprint_cd"].isin(groups["footprint_cd"])]
    combined = in_panel["measure"].isin(["service", "social_care"])
    change, gap = changes(in_panel[combined], groups, ["fifth", "tenth"], settings)
    # Adult and children's social care are separate lines only from 2011-12.
    split = in_panel[~combined]
    split_first = split.loc[split["cash_gbp_thousands"].notna(), "financial_year"].min()
    split_change, split_gap = changes(
        split, groups, ["fifth", "tenth"], replace(settings, first_year=split_first)
    )
    change = pd.concat([change, split_change], ignore_index=True)
    gap = pd.concat(
        [gap.assign(first_year=first), split_gap.assign(first_year=split_first)], ignore_index=True
    )
    anchored = footprint_panel(
        councils, census_anchored_population(population, mye), deflator, settings.base_year
    )
    series = pd.concat(
        [
            group_series(in_panel, groups, ["fifth", "tenth"]).assign(population_basis="published"),
            group_series(
                anchored[anchored["footprint_cd"].isin(groups["footprint_cd"])],
                groups,
                ["fifth", "tenth"],
            ).assign(population_basis="census_anchored_2012_2020"),
        ],
        ignore_index=True,
    )
    fixed = class_fixed_effects(
        in_panel, foot[inside].astype({"fifth": int}), first, last, settings.ci_level
    )
    england = england_per_head(
        rs, rs_england, rsx_england, mye, deflator, years, settings.base_year
    )
    return {
        "panel": panel,
        "councils_years": councils,
        "england": england,
        "footprints": foot,
        "changes": change,
        "gap": gap,
        "fixed_effects": fixed,
        "series": series,
        "exclusions": exclusions(panel, councils, foot, names, first, last),
        "councils": per_council(panel, foot, names, years, settings.base_year),
    }


def exclusions(
    panel: pd.DataFrame,
    councils: pd.DataFrame,
    foot: pd.DataFrame,
    names: pd.Series,
    first: str,
    last: str,
) -> pd.DataFrame:
    """Every footprint change and every exclusion, with its reason: the listed merges, renames
    and excluded councils, and footprints out of the comparison for a missing return."""
    listed = fp.changes_table()
    out_ids = foot.loc[~foot["in_sample"], "footprint_cd"]
    missing = councils[
        councils["service"].isna()
        & councils["footprint_cd"].isin(out_ids)
        & councils["financial_year"].isin([first, last])
    ]
    detail = {
        cd: "; ".join(
            f"{y}: {', '.join(sorted(n))}" for y, n in g.groupby("financial_year")["la_name"]
        )
        for cd, g in missing.groupby("footprint_cd")
    }
    lacking = pd.DataFrame(
        {
            "footprint_cd": list(detail),
            "footprint_nm": [
                names.get(cd, listed.set_index("footprint_cd")["footprint_nm"].get(cd))
                for cd in detail
            ],
            "kind": "no return",
            "members": pd.NA,
            "reason": [
                f"left out of the {first} to {last} comparison: no RS/RSX return from {d}"
                for d in detail.values()
            ],
        }
    )
    return pd.concat([listed, lacking], ignore_index=True)


def per_council(
    panel: pd.DataFrame, foot: pd.DataFrame, names: pd.Series, years: list[str], base_year: str
) -> pd.DataFrame:
    """One row per utla23cd: its footprint and the footprint's real service spend per head
    for every year, and the change first to last year (merged councils share a footprint)."""
    price = base_year.replace("-", "_")
    service = panel[panel["measure"] == "service"].pivot(
        index="footprint_cd", columns="financial_year", values="real_per_head_gbp"
    )
    service = service.where(
        panel[panel["measure"] == "service"].pivot(
            index="footprint_cd", columns="financial_year", values="complete"
        )
    )
    wide = service[years].set_axis(
        [f"service_spend_per_head_{y.replace('-', '_')}_gbp_{price}_prices" for y in years], axis=1
    )
    wide[f"service_spend_per_head_change_gbp_{price}_prices"] = (
        service[years[-1]] - service[years[0]]
    )
    wide["service_spend_per_head_change_pct"] = (service[years[-1]] / service[years[0]] - 1) * 100
    out = pd.DataFrame({"utla23cd": names.index, "utla23nm": names.to_numpy()})
    out["footprint_cd"] = fp.footprint_of_upper_tier(out["utla23cd"])
    excluded = out["footprint_cd"].isin(fp.excluded_codes())
    out["footprint_merged"] = out["footprint_cd"].str.contains("+", regex=False)
    out = out.merge(
        foot[["footprint_cd", "council_class", "imd2019_score", "fifth", "tenth", "in_sample"]],
        on="footprint_cd",
        how="left",
    )
    out.loc[excluded, "in_sample"] = False
    out = out.merge(wide.reset_index(), on="footprint_cd", how="left")
    return out.sort_values("utla23cd").reset_index(drop=True)


def england_per_head(
    rs: pd.DataFrame,
    rs_england: pd.DataFrame,
    rsx_england: pd.Series,
    mye: pd.DataFrame,
    deflator: pd.DataFrame,
    years: list[str],
    base_year: str,
) -> pd.DataFrame:
    """England real spend per head by measure and year, two ways: from each workbook's ENGLAND
    row (MHCLG's total over every authority, with its estimates for non-returns) and from the
    sum of every authority row (all classes, RS years only). ``rs_england``: one row per RS
    year (``financial_year`` and the RS columns); ``rsx_england``: the last year's RSX row."""
    rs = rs[rs["financial_year"].isin(years)].reset_index(drop=True)
    rs_england = rs_england[rs_england["financial_year"].isin(years)].reset_index(drop=True)
    row_rs = measures(rs_england, "rs").assign(financial_year=rs_england["financial_year"])
    last = pd.DataFrame([rsx_england]).assign(financial_year=years[-1]).reset_index(drop=True)
    row = pd.concat([row_rs, measures(last, "spend").assign(financial_year=years[-1])])
    summed = measures(rs, "rs").assign(
        financial_year=rs["financial_year"],
        missing=rs["rs_total_service_net_current_gbp_thousands"].isna(),
    )
    by_year = summed.groupby("financial_year")
    total = by_year[list(MEASURES)].sum(min_count=1)
    n_missing = by_year["missing"].sum()
    eng = mye[mye["area_code"] == "E92000001"]
    eng = eng[eng["source_rank"] == eng.groupby("mid_year")["source_rank"].transform("max")]
    pop = eng.set_index("mid_year")["population"].astype("float64")
    pop = pop.reindex(range(pop.index.min(), pop.index.max() + 1)).interpolate()
    rows = []
    for measure in MEASURES:
        for way, values in (
            ("england_row", row.set_index("financial_year")[measure]),
            ("sum_of_authorities", total[measure]),
        ):
            values = values.reindex(years)
            real = to_prices(
                values.fillna(0.0), pd.Series(years, index=values.index), deflator, base_year
            ).where(values.notna())
            people = pd.Series([pop[int(y[:4])] for y in years], index=values.index)
            rows.append(
                pd.DataFrame(
                    {
                        "financial_year": years,
                        "measure": measure,
                        "way": way,
                        "cash_gbp_thousands": values.to_numpy(),
                        "population": people.to_numpy(),
                        "population_interpolated": [
                            int(y[:4]) not in set(eng["mid_year"]) for y in years
                        ],
                        "real_per_head_gbp": (real * 1000 / people).to_numpy(),
                        "n_authorities_without_return": n_missing.reindex(years).to_numpy()
                        if way == "sum_of_authorities"
                        else 0,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def read_inputs(
    paths: dict[str, str],
    rs_years: list[str],
    settings: ClimateSettings,
    population_datasets: list[str],
) -> dict:
    """Parse the raw files of the climate rule (``paths`` by dataset id, '-' as '_') into the
    arguments of :func:`build_climate`."""
    from coprod.data.readers import finance, iod, lookups, population, prices, revenue_outturn

    def path(dataset_id: str) -> str:
        return paths[dataset_id.replace("-", "_")]

    rs_ids = [f"mhclg_rs_{y}" for y in rs_years]
    pairs = list(zip(rs_ids, rs_years, strict=True))
    rs = pd.concat([revenue_outturn.read_rs(path(i), y) for i, y in pairs], ignore_index=True)
    rs_england = pd.DataFrame([revenue_outturn.read_rs_england(path(i), y) for i, y in pairs])
    rs_england = rs_england.rename_axis("financial_year").reset_index()
    rsx = path(f"ro_rsx_{settings.last_year}")
    mye = pd.concat(
        [
            population.read_mye(path(d)).assign(source_rank=rank, source=d)
            for rank, d in enumerate(population_datasets)
        ],
        ignore_index=True,
    )
    lookup = lookups.read_lad23_utla23(path("lookup_ltla23_utla23_ons"))
    names = (
        lookup[lookup["utla23cd"].str.startswith("E")]
        .drop_duplicates("utla23cd")
        .set_index("utla23cd")["utla23nm"]
        .sort_index()
    )
    return {
        "rs": rs,
        "rs_england": rs_england,
        "rsx_last": finance.read_rsx(rsx),
        "rsx_england": finance.read_rsx_england(rsx),
        "mye": mye,
        "iod": iod.read_iod2019_upper_tier(path("iod2019_file11")),
        "deflator": prices.read_gdp_deflator(
            path("hmt_gdp_deflator_march2026"), path("hmt_gdp_deflator_dec2023")
        ),
        "names": names,
    }
