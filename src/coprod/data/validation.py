"""Schemas of the tidy tables: keys, row counts, ranges and missingness (pandera), and the
plausibility of every measure (bounds and identities, below).

A table that breaks its schema or a plausibility rule stops the run before it is written.

Plausibility. A table can have the right shape and wrong values (a count of -5000, a total of
1e12, a rank that contradicts its decile). Each rule below states what must hold, for which columns
(regular expressions over column names, so every year of a panel is covered, not only the
last) and why. A violation stops the run with a ``PlausibilityError`` naming the table, the
column, the first offending area code and its value. Every numeric column of every table
must be covered by at least one rule (``uncovered_columns``; a table with a measure no rule
covers fails), so a new measure cannot slip past.

=================  ================================================================================
rule               what must hold
=================  ================================================================================
counts             census counts, IoD numerators, DfE counts and workforce FTEs are >= 0
parts              census categories sum exactly to their totals (Nomis tables are additive);
                   RSX service lines sum to total service spend within SPEND_ROUNDING_GBP
census totals      TS037/TS038 totals within CENSUS_TOLERANCE of TS001 population in each area;
                   16+ and employed totals at most TS001 population (+ tolerance) and the 16+
                   totals at least MIN_ADULT_SHARE of it; numerators at most the population
rates              per 10,000 in [0, 10,000]; per 1,000 in [0, 1,000]; percentages and turnout
                   in [0, 100]; shares, claimant fractions and IoD rate scores in [0, 1]
ranks              IoD ranks in 1..N, shared only by areas with equal scores; deciles equal
                   ceil(10 rank / N) (MHCLG, IoD2025 technical report, section 3)
spend per head     total service net spend per head in SPEND_TOTAL_PER_HEAD_GBP in every year,
                   each service line in SPEND_SERVICE_PER_HEAD_GBP (net spend can be negative:
                   parking income exceeds highways spend); SPEND_OUTLIERS lists the areas whose
                   range is wider, with the reason
year on year       total service spend per head within YEAR_ON_YEAR_MULTIPLE of the same area's
                   previous year, unless the (area, year) is flagged in YEAR_ON_YEAR_FLAGGED
missing            suppressed (blank) cells: exactly MISSING per column, so one more blank shows
other measures     IoD scores, underlying indicators, Oflog and workforce measures within the
                   published ranges of MEASURE_BOUNDS
=================  ================================================================================
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from coprod.data.geography import CODE_PATTERNS
from coprod.errors import PlausibilityError, SchemaError

ENGLAND_POPULATION_2021 = 56_490_048  # ONS Census 2021 usual residents, England (published)

ROWS = {"lsoa21": 33_755, "lad24": 296, "utla23": 153, "lsoa11": 32_844}
KEYS = {"lsoa21": "lsoa21cd", "lad24": "lad24cd", "utla23": "utla23cd", "lsoa11": "lsoa11cd"}


def _code(name: str) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(CODE_PATTERNS[name]), nullable=False)


def _fraction(nullable: bool = False) -> pa.Column:
    return pa.Column(float, pa.Check.in_range(0, 1), nullable=nullable)


def _share_columns(nullable: bool = False) -> dict[str, pa.Column]:
    names = [
        "share_qual_level4plus",
        "share_qual_none",
        "share_nssec_l1_l3",
        "share_nssec_l12_l14",
        "share_occ_soc1_3",
        "share_health_good",
        "share_health_bad",
        "share_disabled",
    ]
    return {n: _fraction(nullable) for n in names}


def _area_columns() -> dict[str, pa.Column]:
    return {
        "population": pa.Column(int, pa.Check.gt(0)),
        **_share_columns(),
        "imd_score": pa.Column(float, pa.Check.in_range(0, 100)),
        "income_score": _fraction(),
        "employment_score": _fraction(),
    }


def schema(
    name: str, file10_tolerance: float | None = None, population_tolerance: int | None = None
) -> pa.DataFrameSchema:
    key = KEYS[name]
    checks = [pa.Check(lambda d, n=ROWS[name]: len(d) == n, error=f"expected {ROWS[name]} rows")]
    columns = {key: _code(key)}
    if name == "lsoa21":
        columns |= {
            **_area_columns(),
            "lad24cd": _code("lad24cd"),
            "utla23cd": _code("utla23cd"),
            "rgn24cd": _code("rgn24cd"),
            "imd_rank": pa.Column(int, pa.Check.in_range(1, ROWS["lsoa21"])),
            "imd_decile": pa.Column(int, pa.Check.isin(range(1, 11))),
            "acute_morbidity_ratio": pa.Column(float, nullable=True),
            "illness_disability_ratio": pa.Column(float, pa.Check.gt(0), nullable=True),
        }
    elif name == "lad24":
        columns |= {
            **_area_columns(),
            "rgn24cd": _code("rgn24cd"),
            "turnout_ge2024_pct": pa.Column(float, pa.Check.in_range(30, 90)),
            "turnout_ge2019_pct": pa.Column(float, pa.Check.in_range(40, 90), nullable=True),
            "imd_average_score_file10": pa.Column(float, pa.Check.in_range(0, 100)),
        }
        checks.append(
            pa.Check(
                lambda d: (
                    (d["imd_score"] - d["imd_average_score_file10"]).abs().max() <= file10_tolerance
                ),
                error=f"LAD IMD average score recomputed from LSOAs differs from File 10 by more "
                f"than {file10_tolerance}",
            )
        )
    elif name == "utla23":
        columns |= {
            **_area_columns(),
            "rgn24cd": _code("rgn24cd"),
            "children_0_17": pa.Column("Int64", pa.Check.gt(0)),
            "cin_at31_per_10k": pa.Column(float, pa.Check.in_range(0, 2000), nullable=True),
            "cla_at31_per_10k": pa.Column(float, pa.Check.in_range(0, 1000), nullable=True),
            "spend_total_service_gbp_2024_25": pa.Column(float, pa.Check.gt(0), nullable=True),
        }
    elif name == "lsoa11":
        columns |= {
            "imd_score": pa.Column(float, pa.Check.in_range(0, 100)),
            "lsoa21cd_main": _code("lsoa21cd"),
        }
    if name == "lsoa21" and population_tolerance is not None:
        checks.append(
            pa.Check(
                lambda d: (
                    abs(d["population"].sum() - ENGLAND_POPULATION_2021) <= population_tolerance
                ),
                error=f"England population differs from the published {ENGLAND_POPULATION_2021:,} "
                f"by more than {population_tolerance}",
            )
        )
    return pa.DataFrameSchema(columns, checks=checks, unique=[key], coerce=False, strict=False)


def validate_table(
    frame, name: str, file10_tolerance: float | None = None, population_tolerance: int | None = None
):
    """Check ``frame``'s plausibility (PlausibilityError naming table, column, area and value),
    then its schema (one SchemaError listing every failure)."""
    check_plausible(frame, name, KEYS[name])
    try:
        return schema(name, file10_tolerance, population_tolerance).validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases[["column", "check", "failure_case"]].astype(str)
        summary = cases.drop_duplicates(["column", "check"]).head(15).to_string(index=False)
        raise SchemaError(f"table {name} fails its schema:\n{summary}") from None


# --- plausibility ----------------------------------------------------------------------

CENSUS_TOLERANCE = (50, 0.005)  # persons: max(absolute, share of population); OA perturbation
NUMERATOR_MULTIPLE = 2.0
MIN_ADULT_SHARE = 0.3  # lowest LSOA share aged 16+ is 0.46 (Census 2021); 0.3 leaves room
SPEND_ROUNDING_GBP = 7_000  # 13 service lines each rounded to the nearest £1,000
SPEND_TOTAL_PER_HEAD_GBP = (0.0, 20_000.0)
SPEND_SERVICE_PER_HEAD_GBP = (-1_000.0, 20_000.0)
SPEND_OUTLIERS = {
    "E09000001": (
        (-5_000.0, 100_000.0),
        "City of London: 8,600 residents, its own police force and services for "
        "a daytime population of over 500,000",
    ),
}
# Cells publishers leave blank (IoD numerators below 10 are suppressed, entry to HE where too
# few young people; Oflog and Fingertips suppress small councils): exactly these many per
# table, so one more blank cannot pass unseen. (DfE and MHCLG never leave blanks: readers
# refuse them.)
MISSING = {
    "lsoa21": {
        "income_domain_numerator": 5,
        "idaci_numerator": 815,
        "idaopi_numerator": 832,
        "employment_domain_numerator": 21,
        "entry_to_he_indicator": 34,
    },
    "lsoa11": {
        "income_domain_numerator": 31,
        "idaci_numerator": 4553,
        "idaopi_numerator": 1035,
        "employment_domain_numerator": 119,
        "entry_to_he_indicator": 20,
    },
    # Oflog and Fingertips leave suppressed values blank; their latest year is always used.
    "utla23": {
        "oflog_asc1": 7,
        "oflog_asc2": 7,
        "oflog_asc3": 7,
        "oflog_asc4": 7,
        "oflog_asc5": 5,
        "oflog_asc6": 5,
        "oflog_asc7": 5,
        "child_injury_admissions_per_10k": 2,
    },
}
YEAR_ON_YEAR_MULTIPLE = 2.0
# (area code, financial year 'YYYY_YY') -> why a larger jump is real
YEAR_ON_YEAR_FLAGGED: dict[tuple[str, str], str] = {}

CENSUS_PARTS = {
    "qual_total_16plus": [
        "qual_none",
        "qual_level1_entry",
        "qual_level2",
        "qual_apprenticeship",
        "qual_level3",
        "qual_level4plus",
        "qual_other",
    ],
    "nssec_total_16plus": [
        "nssec_l1_l3",
        "nssec_l4_l6",
        "nssec_l7",
        "nssec_l8_l9",
        "nssec_l10_l11",
        "nssec_l12",
        "nssec_l13",
        "nssec_l14",
        "nssec_l15_students",
    ],
    "occ_total_employed": [
        "occ_soc1_managers",
        "occ_soc2_professional",
        "occ_soc3_associate_professional",
        "occ_soc4_administrative",
        "occ_soc5_skilled_trades",
        "occ_soc6_caring_leisure",
        "occ_soc7_sales_customer",
        "occ_soc8_process_plant",
        "occ_soc9_elementary",
    ],
    "health_total": [
        "health_very_good",
        "health_good",
        "health_fair",
        "health_bad",
        "health_very_bad",
    ],
    "disab_total": ["disab_disabled", "disab_not_disabled"],
    "disab_disabled": ["disab_limited_a_lot", "disab_limited_a_little"],
}
CENSUS_ALL_RESIDENTS = ["health_total", "disab_total"]
CENSUS_SUBSETS = ["qual_total_16plus", "nssec_total_16plus", "occ_total_employed"]
CENSUS_ADULTS = ["qual_total_16plus", "nssec_total_16plus"]

COUNTS = (
    r"(census_ltla_)?population|(census_ltla_)?(qual|nssec|occ|disab)_.*"
    r"|(census_ltla_)?health_(total|very_good|good|fair|bad|very_bad)"
    r"|.*_numerator|.*_count|children_0_17|sw_(fte|headcount|starters_fte|leavers_fte)"
    r"|.*_scale_file10"
)

# column pattern -> (low, high, why)
MEASURE_BOUNDS: dict[str, tuple[float, float, str]] = {
    # the first pattern a column matches applies
    r".*_rank_of_.*_file10": (1, 400, "a rank of districts"),
    r"(acute_morbidity|illness_disability)_ratio|ypll_indicator": (
        0,
        1_000,
        "a comparative ratio (100 = England)",
    ),
    r".*_per_10k(_published)?": (0, 10_000, "a rate per 10,000"),
    r".*_per_1000(_properties|_households)?": (0, 1_000, "a rate per 1,000"),
    r".*_pct": (0, 100, "a percentage"),
    r"share_.*|.*_claimants_per_.*|(income|employment|adult_skills)_score"
    r"|(income|employment)_average_score_file10|.*_prop_most_deprived_10pct_file10"
    r"|imd_extent_file10": (0, 1, "a share"),
    r"(imd|education|barriers|living_env|geo_barriers|connectivity)_score"
    r"|(imd|education|barriers|living_env)_average_score_file10": (
        -20,
        100,
        "an IoD score (0-100 scale; IoD2019 geographical barriers are z-scores)",
    ),
    r"(health|crime|cyp|wider_barriers|indoors|outdoors)_score"
    r"|(health|crime)_average_score_file10"
    r"|(mental_health|housing_affordability|digital_connectivity)_indicator": (
        -20,
        20,
        "an IoD standardised score",
    ),
    r".*_indicator|.*_affordability|air_.*": (0, 100, "an IoD indicator (ratio or 0-100)"),
    r"road_distance_.*_km": (0, 200, "a road distance in km"),
    r"patients_per_gp": (0, 100_000, "registered patients per GP"),
    r".*_average_rank_file10|imd_local_concentration_file10": (1, 33_755, "an average LSOA rank"),
    r".*_rank": (1, 40_000, "an LSOA rank"),
    r".*_decile": (1, 10, "a decile"),
    r"sw_caseload": (0, 100, "cases per social worker"),
    r"oflog_asc1": (0, 12, "the ASCOF carer quality-of-life score (0-12)"),
    r"oflog_asc2": (0, 1, "the ASCOF adjusted quality-of-life score (0-1)"),
    r"oflog_asc(3|4|5|7)": (0, 100, "an Oflog percentage"),
    r"oflog_asc6": (0, 100_000, "requests resulting in a service per 100,000"),
    r"spend_.*_gbp_\d{4}_\d{2}": (-math.inf, math.inf, "net spend (bounded per head)"),
}


def _first(
    frame: pd.DataFrame, bad: pd.Series, key: str, table: str, column: str, problem: str
) -> None:
    """Raise naming the table, column, first offending area and its value."""
    bad = bad.fillna(False).astype(bool)
    if not bad.any():
        return
    row = frame.loc[bad].iloc[0]
    value = row[column].item() if hasattr(row[column], "item") else row[column]
    raise PlausibilityError(
        f"table {table}: column {column!r} {problem}: area {row[key]} has "
        f"{value!r} ({int(bad.sum())} areas fail)"
    )


def _matching(frame: pd.DataFrame, pattern: str) -> list[str]:
    return [c for c in frame.columns if re.fullmatch(pattern, c)]


def check_counts(frame, key, table):
    for column in _matching(frame, COUNTS):
        if pd.api.types.is_numeric_dtype(frame[column]):
            _first(frame, frame[column] < 0, key, table, column, "is a count and must be >= 0")


def check_parts(frame, key, table):
    for prefix in ("", "census_ltla_"):
        for total, parts in CENSUS_PARTS.items():
            cols = [prefix + c for c in [total, *parts]]
            if not set(cols) <= set(frame.columns):
                continue
            diff = frame[cols[1:]].sum(axis=1) - frame[cols[0]]
            frame = frame.assign(**{f"{cols[0]} - sum of its parts": diff})
            _first(
                frame,
                diff != 0,
                key,
                table,
                f"{cols[0]} - sum of its parts",
                f"must be 0 (parts {cols[1:]} sum to the total)",
            )
    for total in _matching(frame, r"spend_total_service_gbp_\d{4}_\d{2}"):
        year = total.rsplit("_gbp_", 1)[1]
        parts = [
            c
            for c in _matching(frame, rf"spend_.*_gbp_{year}")
            if c != total and "_per_head_" not in c
        ]
        diff = frame[parts].sum(axis=1, min_count=1) - frame[total]
        name = f"{total} - sum of service lines"
        _first(
            frame.assign(**{name: diff}),
            diff.abs() > SPEND_ROUNDING_GBP,
            key,
            table,
            name,
            f"must be within £{SPEND_ROUNDING_GBP:,} (service lines sum to total service)",
        )


def check_census_totals(frame, key, table):
    for prefix in ("", "census_ltla_"):
        population = frame.get(prefix + "population")
        if population is None:
            continue
        tol = np.maximum(CENSUS_TOLERANCE[0], CENSUS_TOLERANCE[1] * population)
        for column in CENSUS_ALL_RESIDENTS:
            if prefix + column in frame:
                _first(
                    frame,
                    (frame[prefix + column] - population).abs() > tol,
                    key,
                    table,
                    prefix + column,
                    f"must agree with TS001 {prefix}population within "
                    f"max({CENSUS_TOLERANCE[0]}, {CENSUS_TOLERANCE[1]:.1%})",
                )
        for column in CENSUS_SUBSETS:
            if prefix + column in frame:
                _first(
                    frame,
                    frame[prefix + column] > population + tol,
                    key,
                    table,
                    prefix + column,
                    f"must not exceed TS001 {prefix}population",
                )
        for column in CENSUS_ADULTS:
            if prefix + column in frame:
                _first(
                    frame,
                    frame[prefix + column] < MIN_ADULT_SHARE * population,
                    key,
                    table,
                    prefix + column,
                    f"must be at least {MIN_ADULT_SHARE:.0%} of TS001 {prefix}population",
                )
    for column in _matching(frame, r".*_numerator|children_0_17"):
        if "population" in frame:
            _first(
                frame,
                frame[column] > frame["population"] * NUMERATOR_MULTIPLE,
                key,
                table,
                column,
                f"must not exceed {NUMERATOR_MULTIPLE}x the TS001 population (IoD "
                "numerators count mid-year 2022 residents, more in a few growing areas)",
            )


def check_bounds(frame, key, table):
    done = set()
    for pattern, (low, high, why) in MEASURE_BOUNDS.items():
        for column in _matching(frame, pattern):
            if column in done or not pd.api.types.is_numeric_dtype(frame[column]):
                continue
            done.add(column)
            values = frame[column].astype(float)
            _first(
                frame,
                ~values.between(low, high) & values.notna(),
                key,
                table,
                column,
                f"is {why} and must lie in [{low:,}, {high:,}]",
            )


def check_ranks(frame, key, table):
    n = len(frame)
    for rank in _matching(frame, r".*_rank"):
        measure = rank.removesuffix("_rank")
        decile, score = f"{measure}_decile", f"{measure}_score"
        if decile not in frame or score not in frame:
            continue
        _first(frame, ~frame[rank].between(1, n), key, table, rank, f"must lie in 1..{n}")
        shared = frame[frame[rank].duplicated(keep=False)]
        differ = shared.groupby(rank)[score].transform("nunique") > 1
        _first(
            shared,
            differ,
            key,
            table,
            rank,
            f"is shared by areas whose {score} differs (ranks are unique up to tied scores)",
        )
        expected = np.ceil(frame[rank] * 10 / n)
        _first(
            frame,
            frame[decile] != expected,
            key,
            table,
            decile,
            f"must equal ceil(10 x {rank} / {n}) (decile 1 = most deprived tenth)",
        )


def _per_head_range(code: str, default: tuple[float, float]) -> tuple[float, float]:
    return SPEND_OUTLIERS[code][0] if code in SPEND_OUTLIERS else default


def check_spend(frame, key, table):
    for column in _matching(frame, r"spend_.*_per_head_gbp_\d{4}_\d{2}"):
        default = (
            SPEND_TOTAL_PER_HEAD_GBP
            if column.startswith("spend_total_service_")
            else SPEND_SERVICE_PER_HEAD_GBP
        )
        ranges = frame[key].map(lambda c, d=default: _per_head_range(c, d))
        low, high = ranges.str[0], ranges.str[1]
        values = frame[column]
        _first(
            frame,
            values.notna() & ~((values >= low) & (values <= high)),
            key,
            table,
            column,
            f"is spend per head and must lie in £{default[0]:,.0f}..£{default[1]:,.0f} "
            f"(outliers: {sorted(SPEND_OUTLIERS)})",
        )
    totals = sorted(_matching(frame, r"spend_total_service_per_head_gbp_\d{4}_\d{2}"))
    for before, after in zip(totals, totals[1:], strict=False):
        year = after.rsplit("_gbp_", 1)[1]
        ratio = frame[after] / frame[before]
        flagged = frame[key].map(lambda c, y=year: (c, y) in YEAR_ON_YEAR_FLAGGED)
        jump = ((ratio > YEAR_ON_YEAR_MULTIPLE) | (ratio < 1 / YEAR_ON_YEAR_MULTIPLE)) & ~flagged
        name = f"{after} / {before}"
        _first(
            frame.assign(**{name: ratio}),
            jump,
            key,
            table,
            name,
            f"moves more than {YEAR_ON_YEAR_MULTIPLE}x from the previous year; flag the "
            f"area and year in YEAR_ON_YEAR_FLAGGED with the reason if real",
        )


def check_spend_panel(
    frame: pd.DataFrame, table: str, key: str, year: str, columns: list[str]
) -> None:
    """The spend rules on a long panel (one row per area and financial year 'YYYY-YY'):
    ``columns`` are spend-per-head columns named ``spend_<service>_per_head_gbp``; each year
    is checked against the range and the previous year, as in the wide tables."""
    tag = frame[year].astype(str).str.replace("-", "_")
    wide = frame.assign(_tag=tag).pivot(index=key, columns="_tag", values=columns)
    wide.columns = [f"{column}_{y}" for column, y in wide.columns]
    check_spend(wide.reset_index(), key, table)


def check_missing(frame, key, table):
    for column, expected in MISSING.get(table, {}).items():
        if column in frame and frame[column].isna().sum() != expected:
            missing = frame[column].isna()
            raise PlausibilityError(
                f"table {table}: column {column!r} has {int(missing.sum())} missing values, the "
                f"published file {expected} (validation.MISSING); e.g. area "
                f"{frame.loc[missing, key].iloc[0] if missing.any() else None}"
            )


CHECKS = (
    check_missing,
    check_counts,
    check_parts,
    check_census_totals,
    check_bounds,
    check_ranks,
    check_spend,
)


def covered(column: str) -> bool:
    """True when some plausibility rule applies to ``column``."""
    patterns = [COUNTS, *MEASURE_BOUNDS]
    return any(re.fullmatch(p, column) for p in patterns)


def uncovered_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.select_dtypes("number").columns if not covered(c)]


def check_plausible(frame: pd.DataFrame, table: str, key: str) -> pd.DataFrame:
    """Run every plausibility rule on ``frame``; raise PlausibilityError on the first failure."""
    missing = uncovered_columns(frame)
    if missing:
        raise PlausibilityError(
            f"table {table}: numeric columns {missing} have no plausibility "
            "rule; add one to coprod.data.validation"
        )
    for check in CHECKS:
        check(frame, key, table)
    return frame
