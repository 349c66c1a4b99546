"""Build the four tidy analysis tables from reader outputs, with checked joins.

LSOA21 is the base: LAD24 and UTLA aggregates are sums of its counts and population-weighted
means of its rates, so population is conserved exactly between levels.
"""

from __future__ import annotations

import logging

import pandas as pd

from coprod.data.geography import (
    aggregate,
    check_codes,
    checked_merge,
    england,
    recode,
    share,
    split_shared_codes,
)
from coprod.errors import GeographyError

log = logging.getLogger(__name__)

CENSUS_TABLES = ("ts001", "ts067", "ts062", "ts063", "ts037", "ts038")

SHARES = {
    "share_qual_level4plus": (["qual_level4plus"], "qual_total_16plus"),
    "share_qual_none": (["qual_none"], "qual_total_16plus"),
    "share_nssec_l1_l3": (["nssec_l1_l3"], "nssec_total_16plus"),
    "share_nssec_l12_l14": (["nssec_l12", "nssec_l13", "nssec_l14"], "nssec_total_16plus"),
    "share_occ_soc1_3": (
        ["occ_soc1_managers", "occ_soc2_professional", "occ_soc3_associate_professional"],
        "occ_total_employed",
    ),
    "share_health_good": (["health_very_good", "health_good"], "health_total"),
    "share_health_bad": (["health_bad", "health_very_bad"], "health_total"),
    "share_disabled": (["disab_disabled"], "disab_total"),
}

# County councils abolished by the April 2023 reorganisations, and their successors. Cumbria
# was split in two, so its county-level spending cannot be placed in either successor.
COUNTY_SUCCESSORS = {
    "E10000023": (
        "E06000065",
        "North Yorkshire County Council and its 7 districts merged "
        "into North Yorkshire Council (1 April 2023)",
    ),
    "E10000027": (
        "E06000066",
        "Somerset County Council and its 4 districts merged into Somerset Council (1 April 2023)",
    ),
    "E10000006": (
        None,
        "Cumbria County Council was split between Cumberland and Westmorland "
        "and Furness (1 April 2023); its spending cannot be apportioned, so "
        "both successors have no spend for earlier years",
    ),
}
CUMBRIA_SUCCESSORS = ("E06000063", "E06000064")
# Upper-tier codes that no longer exist; services files still carry rows (often empty) for
# them. Northamptonshire (E10000021) was split into two unitary councils in April 2021.
ABOLISHED_UPPER_TIER = {*COUNTY_SUCCESSORS, "E10000021"}


def with_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the census shares (fractions) used by the power index and descriptions."""
    shares = pd.DataFrame(
        {name: share(frame, parts, total) for name, (parts, total) in SHARES.items()},
        index=frame.index,
    )
    return pd.concat([frame, shares], axis=1)


def census_counts(frame: pd.DataFrame) -> list[str]:
    prefixes = ("population", "qual_", "nssec_", "occ_", "health_", "disab_")
    return [
        c
        for c in frame.columns
        if c.startswith(prefixes)
        and not c.startswith("share_")
        and not c.endswith(("_score", "_rank", "_decile"))
    ]


def build_lsoa21(
    census: dict[str, pd.DataFrame],
    file7: pd.DataFrame,
    indicators: pd.DataFrame,
    lsoa_lad: pd.DataFrame,
    lad_region: pd.DataFrame,
    lad_utla: pd.DataFrame,
    expected: dict,
) -> pd.DataFrame:
    """One row per English LSOA21: geography, census counts and shares, IoD2025."""
    lookup = england(lsoa_lad, "lsoa21cd")
    dropped = len(lsoa_lad) - len(lookup)
    if dropped != expected["lsoa21_lookup_not_england"]:
        raise GeographyError(
            f"LSOA21 lookup: {dropped} non-English rows, expected "
            f"{expected['lsoa21_lookup_not_england']}"
        )
    frame = lookup
    for table in CENSUS_TABLES:
        frame = checked_merge(
            frame,
            england(census[table], "lsoa21cd"),
            "lsoa21cd",
            f"census {table} LSOA21",
            right_complete=True,
        )
    lad_check = file7[["lsoa21cd", "lad24cd"]].rename(columns={"lad24cd": "lad24cd_iod"})
    frame = checked_merge(frame, lad_check, "lsoa21cd", "IoD2025 File 7 LAD24", right_complete=True)
    moved = frame.loc[frame["lad24cd"] != frame["lad24cd_iod"], "lsoa21cd"]
    if len(moved):
        raise GeographyError(
            f"IoD2025 File 7 and the ONS LSOA21->LAD24 lookup disagree on the "
            f"district of {len(moved)} LSOAs, e.g. {moved.head(5).tolist()}"
        )
    frame = frame.drop(columns="lad24cd_iod")
    frame = checked_merge(
        frame, file7.drop(columns=["lad24cd"]), "lsoa21cd", "IoD2025 File 7", right_complete=True
    )
    frame = checked_merge(frame, indicators, "lsoa21cd", "IoD2025 File 8", right_complete=True)
    frame = checked_merge(frame, lad_region, "lad24cd", "LAD24 -> region", validate="many_to_one")
    frame = checked_merge(frame, lad_utla, "lad24cd", "LAD24 -> UTLA", validate="many_to_one")
    frame = with_shares(
        frame.assign(
            income_claimants_per_pop=frame["income_score"],
            employment_claimants_per_working_age=frame["employment_score"],
        )
    )
    check_codes(frame, "lsoa21cd", "lsoa21 table")
    return frame.sort_values("lsoa21cd", ignore_index=True)


def lsoa_means(lsoa21: pd.DataFrame) -> list[str]:
    """Rate and score columns averaged (population-weighted) when aggregating LSOAs."""
    skip = {"population"} | set(census_counts(lsoa21))
    return [
        c
        for c in lsoa21.select_dtypes("number").columns
        if c not in skip
        and not c.startswith("share_")
        and not c.endswith(("_rank", "_decile"))
        and not c.endswith("_numerator")
    ]


def aggregate_lsoa21(lsoa21: pd.DataFrame, by: str) -> pd.DataFrame:
    counts = census_counts(lsoa21) + [c for c in lsoa21.columns if c.endswith("_numerator")]
    out = aggregate(lsoa21, by, counts=counts, means=lsoa_means(lsoa21))
    return with_shares(out)


def turnout_by_lad(
    shares: pd.DataFrame,
    results: pd.DataFrame,
    lad: str,
    pcon: str,
    expected_non_england: int,
    name: str,
) -> pd.DataFrame:
    """Constituency turnout carried to districts with the LAD-in-constituency shares.

    The shares are a third-party compilation (Open Innovations) of undocumented basis, so the
    district turnout is an approximation; the report says so.
    """
    eng = england(shares, lad)
    if shares[lad].nunique() - eng[lad].nunique() != expected_non_england:
        raise GeographyError(
            f"{name}: {shares[lad].nunique() - eng[lad].nunique()} non-English "
            f"districts in the share lookup, expected {expected_non_england}"
        )
    missing = sorted(set(eng[pcon]) - set(results[pcon]))
    if missing:
        raise GeographyError(
            f"{name}: constituencies in the share lookup without results: {missing[:5]}"
        )
    merged = eng.merge(results[[pcon, "turnout_pct"]], on=pcon, validate="many_to_one")
    merged["weighted"] = merged["turnout_pct"] * merged["share_of_lad_in_pcon"]
    sums = merged.groupby(lad)[["weighted", "share_of_lad_in_pcon"]].sum()
    return (sums["weighted"] / sums["share_of_lad_in_pcon"]).rename("turnout_pct").reset_index()


TURNOUT_ELECTIONS = {"ge2024": "lad24cd", "ge2019": "lad22cd"}


def district_turnout(
    pcon24_shares: pd.DataFrame,
    ge2024: pd.DataFrame,
    pcon10_shares: pd.DataFrame,
    ge2019: pd.DataFrame,
    expected: dict,
) -> pd.DataFrame:
    """GE2024 turnout per LAD24 and GE2019 turnout per LAD22 (long: election, lad_code,
    turnout_pct). A table of its own because the share lookups' licence is unstated: the
    snapshot ships these district figures (derived from Open Parliament Licence results),
    not the third-party share files."""
    t24 = turnout_by_lad(
        pcon24_shares,
        ge2024,
        "lad24cd",
        "pcon24cd",
        expected["lad24_pcon24_non_england_lads"],
        "GE2024 turnout",
    )
    t19 = turnout_by_lad(
        pcon10_shares,
        ge2019,
        "lad22cd",
        "pcon10cd",
        expected["lad22_pcon10_non_england_lads"],
        "GE2019 turnout",
    )
    parts = [
        t.rename(columns={TURNOUT_ELECTIONS[e]: "lad_code"}).assign(election=e)
        for e, t in {"ge2024": t24, "ge2019": t19}.items()
    ]
    return pd.concat(parts, ignore_index=True)[["election", "lad_code", "turnout_pct"]]


def build_lad24(
    lsoa21: pd.DataFrame,
    file10: pd.DataFrame,
    census_ltla: dict[str, pd.DataFrame],
    lad22_lad23: pd.DataFrame,
    turnout: pd.DataFrame,
    expected: dict,
) -> pd.DataFrame:
    """One row per English LAD24: LSOA aggregates, File 10, turnout, census LTLA population."""
    geo = lsoa21[["lad24cd", "lad24nm", "rgn24cd", "rgn24nm", "utla23cd", "utla23nm"]]
    frame = aggregate_lsoa21(lsoa21, "lad24cd").merge(
        geo.drop_duplicates(), on="lad24cd", validate="one_to_one"
    )
    frame = checked_merge(frame, file10, "lad24cd", "IoD2025 File 10", right_complete=True)

    ltla22 = england(census_ltla["ts001"], "lad22cd")
    for table in CENSUS_TABLES[1:]:
        ltla22 = checked_merge(
            ltla22,
            england(census_ltla[table], "lad22cd"),
            "lad22cd",
            f"census {table} LTLA",
            right_complete=True,
        )
    ltla22 = checked_merge(
        ltla22, lad22_lad23, "lad22cd", "census LTLA LAD22 -> LAD23", validate="one_to_one"
    )
    ltla = (
        ltla22.groupby("lad23cd")[census_counts(ltla22)]
        .sum()
        .add_prefix("census_ltla_")
        .reset_index()
        .rename(columns={"lad23cd": "lad24cd"})
    )
    frame = checked_merge(
        frame, ltla, "lad24cd", "census LTLA (2022 codes mapped to 2024)", right_complete=True
    )

    by_election = {
        e: turnout[turnout["election"] == e]
        .drop(columns="election")
        .rename(columns={"lad_code": lad})
        for e, lad in TURNOUT_ELECTIONS.items()
    }
    t24 = by_election["ge2024"].reset_index(drop=True)
    frame = checked_merge(
        frame,
        t24.rename(columns={"turnout_pct": "turnout_ge2024_pct"}),
        "lad24cd",
        "GE2024 turnout",
        right_complete=True,
    )
    t19 = by_election["ge2019"].reset_index(drop=True)
    t19 = (
        t19.merge(ltla22[["lad22cd", "lad23cd", "population"]], on="lad22cd", validate="one_to_one")
        .pipe(aggregate, "lad23cd", counts=[], means=["turnout_pct"])
        .rename(columns={"lad23cd": "lad24cd", "turnout_pct": "turnout_ge2019_pct"})
    )
    frame = checked_merge(
        frame,
        t19,
        "lad24cd",
        "GE2019 turnout",
        right_complete=True,
        expected_unmatched=expected["lad24_without_ge2019_turnout"],
    )
    check_codes(frame, "lad24cd", "lad24 table")
    return frame.sort_values("lad24cd", ignore_index=True)


def _for_year(frame: pd.DataFrame, year: int, name: str) -> pd.DataFrame:
    out = frame[frame["year"] == year].drop(columns=["year"])
    if out.empty:
        raise GeographyError(
            f"{name}: no rows for year {year}; years present: "
            f"{sorted(frame['year'].unique().tolist())}"
        )
    return out


def _to_utla(
    frame: pd.DataFrame, utla_codes: set[str], recodes: dict[str, str], name: str
) -> pd.DataFrame:
    """Put a council-level service table on UTLA23 codes; unknown codes stop the run."""
    frame = recode(frame.rename(columns={"utla_code": "utla23cd"}), "utla23cd", recodes)
    old = frame["utla23cd"].isin(ABOLISHED_UPPER_TIER)
    unknown = sorted(set(frame.loc[~old, "utla23cd"]) - utla_codes)
    if unknown:
        raise GeographyError(f"{name}: council codes not in the UTLA23 lookup: {unknown[:5]}")
    if old.any():
        log.info(
            "%s: dropped rows with pre-reorganisation codes %s",
            name,
            sorted(frame.loc[old, "utla23cd"].unique()),
        )
    return frame[~old]


def services_for_utla(
    dfe: dict[str, pd.DataFrame],
    oflog: pd.DataFrame,
    fingertips: pd.DataFrame,
    utla_codes: set[str],
    cfg: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Children's and adult social care measures per UTLA23, and a dictionary of their years."""
    year, pop_year = cfg["services_year"], cfg["child_population_year"]
    recodes = cfg["code_recodes"]
    frame = _to_utla(
        _for_year(dfe["population"], pop_year, "ONS 0-17"), utla_codes, recodes, "ONS 0-17"
    )[["utla23cd", "children_0_17"]]
    dictionary = [("children_0_17", "ons_mye_children", pop_year, "persons aged 0-17")]
    for key, cols in {
        "cin": ["cin_during_year_count", "cin_at31_count"],
        "referrals": ["referrals_count"],
        "cpp": ["cpp_at31_count"],
        "cla": ["cla_at31_count", "cla_rate_per_10k_published"],
    }.items():
        part = _to_utla(_for_year(dfe[key], year, key), utla_codes, recodes, key)
        frame = frame.merge(
            part[["utla23cd", *cols]], on="utla23cd", how="left", validate="one_to_one"
        )
        dictionary += [
            (c, f"dfe_{key}", year, "children" if "count" in c else "per 10,000") for c in cols
        ]
    for count in [
        "cin_during_year_count",
        "cin_at31_count",
        "referrals_count",
        "cpp_at31_count",
        "cla_at31_count",
    ]:
        rate = count.replace("_count", "_per_10k")
        frame[rate] = frame[count] / frame["children_0_17"] * 10_000
        dictionary.append((rate, f"derived from {count}", year, "per 10,000 children aged 0-17"))

    workforce = _to_utla(
        split_shared_codes(_for_year(dfe["workforce"], year, "workforce"), "utla_code"),
        utla_codes,
        recodes,
        "workforce",
    )
    wcols = [c for c in workforce.columns if c.startswith("sw_")]
    frame = frame.merge(
        workforce[["utla23cd", "shared_group", *wcols]],
        on="utla23cd",
        how="left",
        validate="one_to_one",
    )
    frame = _apportion_shared_workforce(frame).rename(columns={"shared_group": "sw_shared_with"})
    dictionary += [(c, "dfe_workforce", year, "FTE" if "fte" in c else "see DfE") for c in wcols]

    latest = oflog.sort_values("year").groupby("measure_code").tail(1)[["measure_code", "year"]]
    of = oflog.merge(latest, on=["measure_code", "year"])
    of = _to_utla(of, utla_codes, recodes, "Oflog ASC")
    wide = of.pivot(index="utla23cd", columns="measure_code", values="value")
    wide.columns = [f"oflog_{c.lower()}" for c in wide.columns]
    frame = frame.merge(wide.reset_index(), on="utla23cd", how="left", validate="one_to_one")
    dictionary += [
        (f"oflog_{r.measure_code.lower()}", "oflog_asc", int(r.year), "as published")
        for r in latest.itertuples()
    ]

    ft_year = int(fingertips["year"].max())
    ft = _to_utla(
        _for_year(fingertips, ft_year, "Fingertips 90284"), utla_codes, recodes, "Fingertips 90284"
    )
    ft = ft.rename(columns={"value": "child_injury_admissions_per_10k"})
    frame = frame.merge(
        ft[["utla23cd", "child_injury_admissions_per_10k"]],
        on="utla23cd",
        how="left",
        validate="one_to_one",
    )
    dictionary.append(
        (
            "child_injury_admissions_per_10k",
            "fingertips_90284",
            ft_year,
            "admissions per 10,000 aged 0-14",
        )
    )
    return frame, pd.DataFrame(dictionary, columns=["column", "source", "year", "unit"])


def _apportion_shared_workforce(frame: pd.DataFrame) -> pd.DataFrame:
    """A workforce reported jointly by two councils is split by their child populations.

    Rates (turnover, agency, vacancy) and caseloads apply to both councils unchanged.
    """
    counts = [
        c
        for c in frame.columns
        if c.startswith("sw_")
        and ("fte" in c or "headcount" in c)
        and "rate" not in c
        and "caseload" not in c
    ]
    shared = frame["shared_group"].notna()
    weight = frame.loc[shared, "children_0_17"] / frame.loc[shared].groupby("shared_group")[
        "children_0_17"
    ].transform("sum")
    return frame.assign(
        **{c: frame[c].astype(float).where(~shared, frame[c] * weight) for c in counts}
    )


def finance_for_utla(
    rsx: dict[str, pd.DataFrame],
    lad22_lad23: pd.DataFrame,
    lad_utla: pd.DataFrame,
    utla_codes: set[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Net current service spend of every principal council in each UTLA23 area, by year.

    In two-tier areas the county's spend and its districts' spend are added, so every UTLA is
    the same kind of area in every year. Returns the wide table and the reorganisation list.
    """
    lad_to_utla = dict(zip(lad_utla["lad24cd"], lad_utla["utla23cd"]))
    lad22_to_23 = dict(zip(lad22_lad23["lad22cd"], lad22_lad23["lad23cd"]))
    wide, reorganised = None, []
    for year, frame in sorted(rsx.items()):
        spend_cols = [c for c in frame.columns if c.startswith("spend_")]
        code = frame["la_code"]
        utla = code.map(lambda c: c if c in utla_codes else None)
        utla = utla.fillna(code.map(lad_to_utla))
        via22 = code.map(lad22_to_23).map(lad_to_utla)
        utla = utla.fillna(via22)
        successor = code.map({k: v for k, (v, _) in COUNTY_SUCCESSORS.items()})
        utla = utla.fillna(successor)
        for old, (new, reason) in COUNTY_SUCCESSORS.items():
            if (code == old).any():
                reorganised.append(
                    {"year": year, "old_code": old, "new_code": new, "reason": reason}
                )
        for old, new in zip(
            code[via22.notna() & ~code.isin(lad_to_utla)],
            via22[via22.notna() & ~code.isin(lad_to_utla)],
        ):
            reorganised.append(
                {
                    "year": year,
                    "old_code": old,
                    "new_code": new,
                    "reason": "district abolished 1 April 2023; spend added to its "
                    "successor unitary council",
                }
            )
        unknown = frame.loc[utla.isna() & ~code.eq("E10000006"), "la_code"]
        if len(unknown):
            raise GeographyError(
                f"RSX {year}: council codes not placed in any UTLA23: {unknown.head(5).tolist()}"
            )
        placed = frame.assign(utla23cd=utla)[utla.notna()]
        summed = placed.groupby("utla23cd")[spend_cols].sum(min_count=1)
        if (code == "E10000006").any():
            summed.loc[summed.index.isin(CUMBRIA_SUCCESSORS), spend_cols] = float("nan")
        tag = year.replace("-", "_")
        summed.columns = [
            f"{c.removesuffix('_net_current_gbp_thousands')}_gbp_{tag}" for c in spend_cols
        ]
        summed = summed * 1000
        wide = summed if wide is None else wide.join(summed, how="outer")
    return wide.reset_index(), pd.DataFrame(reorganised).drop_duplicates(ignore_index=True)


def build_utla23(
    lsoa21: pd.DataFrame,
    services: pd.DataFrame,
    finance: pd.DataFrame,
    expected: dict,
    last_finance_year: str,
) -> pd.DataFrame:
    """One row per English upper-tier council with social-care duties (UTLA23)."""
    geo = lsoa21[["utla23cd", "utla23nm", "rgn24cd", "rgn24nm"]].drop_duplicates()
    if geo["utla23cd"].duplicated().any():
        raise GeographyError("a UTLA23 spans two regions")
    frame = aggregate_lsoa21(lsoa21, "utla23cd").merge(geo, on="utla23cd", validate="one_to_one")
    frame = checked_merge(frame, services, "utla23cd", "UTLA services", right_complete=True)
    frame = checked_merge(frame, finance, "utla23cd", "UTLA finance", right_complete=True)
    spend = [c for c in frame.columns if c.startswith("spend_") and "_gbp_" in c]
    per_head = frame[spend].div(frame["population"], axis=0)
    per_head.columns = [c.replace("_gbp_", "_per_head_gbp_") for c in spend]
    frame = pd.concat([frame, per_head], axis=1)
    for key, cols in {
        "utla23_without_dfe": ["cin_at31_count"],
        "utla23_without_workforce": ["sw_fte"],
        "utla23_without_oflog": [c for c in frame if c.startswith("oflog_")],
        "utla23_without_fingertips": ["child_injury_admissions_per_10k"],
        "utla23_without_finance": [
            f"spend_total_service_gbp_{last_finance_year.replace('-', '_')}"
        ],
    }.items():
        missing = set(frame.loc[frame[cols].isna().all(axis=1), "utla23cd"])
        if missing != set(expected[key]):
            raise GeographyError(
                f"UTLA23: councils without {cols[0]} are {sorted(missing)}, "
                f"config expected_exclusions.{key} lists "
                f"{sorted(expected[key])}"
            )
    check_codes(frame, "utla23cd", "utla23 table")
    return frame.sort_values("utla23cd", ignore_index=True)


def build_lsoa11(
    file7: pd.DataFrame, indicators: pd.DataFrame, lsoa11_lsoa21: pd.DataFrame, lsoa21: pd.DataFrame
) -> pd.DataFrame:
    """IoD2019 on LSOA 2011 geography, each LSOA11 placed in the LSOA21 holding most people."""
    frame = checked_merge(file7, indicators, "lsoa11cd", "IoD2019 File 8", right_complete=True)
    links = england(lsoa11_lsoa21, "lsoa11cd").merge(
        lsoa21[["lsoa21cd", "population", "lad24cd"]], on="lsoa21cd", how="inner"
    )
    main = (
        links.sort_values(["lsoa11cd", "population", "lsoa21cd"], ascending=[True, False, True])
        .drop_duplicates("lsoa11cd")
        .rename(columns={"lsoa21cd": "lsoa21cd_main", "lad24cd": "lad24cd_main"})[
            ["lsoa11cd", "lsoa21cd_main", "lad24cd_main", "change_code"]
        ]
    )
    frame = checked_merge(frame, main, "lsoa11cd", "LSOA11 -> LSOA21", right_complete=True)
    check_codes(frame, "lsoa11cd", "lsoa11 table")
    return frame.sort_values("lsoa11cd", ignore_index=True)
