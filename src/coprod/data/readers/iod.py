"""English Indices of Deprivation 2025 (LSOA 2021) and 2019 (LSOA 2011).

File 7 (scores, ranks, deciles) is read by official column name, so the mirror's 46-column
rebuild and the official 56-column file both parse; IDACI/IDAOPI and the population
denominators are never required (population comes from Census TS001). IoD2025 Files 8 and
10 come either as the mirror's joined snake_case CSV or as the official multi-sheet
workbook (detected by content, whatever the extension), whose layout is documented in the
data mirror's ``provenance/iod2025_official_layouts.md``.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import pandas as pd

from coprod.columns import require_columns
from coprod.data.codes import check_codes
from coprod.data.readers.base import (
    BLANKS_ONLY,
    EXAMPLES,
    check_key,
    check_unique,
    first_bad,
    is_excel,
    parse_numeric,
    read_csv_mapped,
    read_layouts,
)
from coprod.errors import SchemaError

# ---------------------------------------------------------------------------- File 7

# tidy prefix -> official File 7 label (its score, rank and decile headers start with it)
_FILE7_MEASURES = {
    "imd": "Index of Multiple Deprivation (IMD)",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_env": "Living Environment",
    "cyp": "Children and Young People Sub-domain",
    "adult_skills": "Adult Skills Sub-domain",
    "geo_barriers": "Geographical Barriers Sub-domain",
    "wider_barriers": "Wider Barriers Sub-domain",
    "indoors": "Indoors Sub-domain",
    "outdoors": "Outdoors Sub-domain",
}
_RATE_SCORES = ("income_score", "employment_score")
# The official 2025 CSV cuts this one header at 80 characters.
_TRUNCATED_2025 = {
    "cyp_decile": "Children and Young People Sub-domain Decile (where 1 is most deprived 10% of LSO"
}


def _file7_measures(truncated: dict[str, str]) -> dict[str, tuple[str, str]]:
    """tidy name -> (official header, dtype) for every score, rank and decile."""
    columns = {}
    for tidy, label in _FILE7_MEASURES.items():
        rate = " (rate)" if f"{tidy}_score" in _RATE_SCORES else ""
        decile = f"{label} Decile (where 1 is most deprived 10% of LSOAs)"
        columns[f"{tidy}_score"] = (f"{label} Score{rate}", "float64")
        columns[f"{tidy}_rank"] = (f"{label} Rank (where 1 is most deprived)", "int64")
        columns[f"{tidy}_decile"] = (truncated.get(f"{tidy}_decile", decile), "int64")
    return columns


def _read_file7(
    path: str | Path, codes: dict[str, str], families: tuple[str, str], truncated: dict[str, str]
) -> pd.DataFrame:
    """Read File 7 by official names; check no blanks, deciles 1-10, rates in [0, 1]."""
    measures = _file7_measures(truncated)
    mapping = {**codes, **{official: tidy for tidy, (official, _) in measures.items()}}
    dtype = {**dict.fromkeys(codes, "str"), **dict(measures.values())}
    frame = read_csv_mapped(path, mapping, dtype=dtype)
    official = {tidy: name for name, tidy in mapping.items()}
    for column in frame.columns:
        blank = frame[column].isna()
        if blank.any():
            raise SchemaError(
                f"{path}: File 7 column {official[column]!r} has blank values, "
                f"{first_bad(frame[column], blank)}"
            )
    ranges = {
        **{c: (1, 10) for c in measures if c.endswith("_decile")},
        **dict.fromkeys(_RATE_SCORES, (0, 1)),
    }
    for column, (low, high) in ranges.items():
        bad = ~frame[column].between(low, high)
        if bad.any():
            raise SchemaError(
                f"{path}: column {official[column]!r} must lie in {low}-{high}, "
                f"{first_bad(frame[column], bad)}"
            )
    key, lad = codes.values()
    check_key(frame, {key: families[0]}, path)
    check_codes(frame[lad], families[1], path, lad)
    return frame.sort_values(key, ignore_index=True)


def read_iod2025_file7(path: str | Path) -> pd.DataFrame:
    """IoD2025 File 7: ``lsoa21cd, lad24cd`` and ``{measure}_{score,rank,decile}``."""
    codes = {"LSOA code (2021)": "lsoa21cd", "Local Authority District code (2024)": "lad24cd"}
    return _read_file7(path, codes, ("lsoa21_england", "lad_england"), _TRUNCATED_2025)


def read_iod2019_file7(path: str | Path) -> pd.DataFrame:
    """IoD2019 File 7: ``lsoa11cd, lad19cd`` and the same measure names as 2025."""
    codes = {"LSOA code (2011)": "lsoa11cd", "Local Authority District code (2019)": "lad19cd"}
    return _read_file7(path, codes, ("lsoa11_england", "lad_england"), {})


# ------------------------------------------------------------ workbook / mirror machinery


def _norm(name: object) -> str:
    """Header as compared: official headers carry trailing/doubled spaces, maybe curly quotes."""
    return " ".join(str(name).replace("\u2019", "'").split()).casefold()


def _read_workbook(
    path: str | Path, sheets: dict[str, dict[str, str]], key_official: str, key: str, family: str
) -> pd.DataFrame:
    """Join official sheets (header in row 1) one-to-one on the key column."""
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise SchemaError(f"{path}: unreadable xlsx workbook, truncated? ({exc})") from exc
    with book:
        found = {_norm(s): s for s in book.sheet_names}
        lacking = [s for s in sheets if _norm(s) not in found]
        if lacking:
            raise SchemaError(f"{path}: workbook lacks sheets {lacking}; found {book.sheet_names}")
        parts = {}
        for sheet, mapping in sheets.items():
            raw = pd.read_excel(book, sheet_name=found[_norm(sheet)], dtype=object)
            wanted = {key_official: key, **mapping}
            headers = {_norm(c): c for c in raw.columns}
            lacking = [c for c in wanted if _norm(c) not in headers]
            if lacking:
                raise SchemaError(
                    f"{path}: sheet {sheet!r} lacks columns {lacking}; found {list(raw.columns)}"
                )
            part = raw[[headers[_norm(c)] for c in wanted]].dropna(how="all")
            part.columns = list(wanted.values())
            part[key] = part[key].astype("str")
            check_key(part, {key: family}, f"{path} [{sheet}]")
            parts[sheet] = part.set_index(key)
    first = next(iter(parts.values())).index.sort_values()
    for sheet, part in parts.items():
        if not part.index.sort_values().equals(first):
            raise SchemaError(f"{path}: sheet {sheet!r} covers different areas from the others")
    return pd.concat(parts.values(), axis=1).reset_index()


def _typed(frame: pd.DataFrame, key: str, integers: list[str], path: str | Path) -> pd.DataFrame:
    """Numbers as floats, counts and ranks as nullable Int64 (blank = suppressed stays NA)."""
    typed = {}
    for column in frame.columns.drop(key):
        try:
            values = pd.to_numeric(frame[column]).astype("float64")
            typed[column] = values.astype("Int64") if column in integers else values
        except (TypeError, ValueError) as exc:
            raise SchemaError(
                f"{path}: column {column!r} is not numeric as expected ({exc})"
            ) from exc
    return frame.assign(**typed)


def _read_either(
    path: str | Path, spec: list[tuple], key: tuple[str, str, str, str], what: str
) -> pd.DataFrame:
    """Read the official workbook or the mirror CSV described by ``spec``.

    ``spec`` rows are (sheet, official header, mirror header or None, tidy name, integer?);
    ``key`` is (official key, mirror key, tidy key, code family). Columns with no mirror
    header exist only in the official workbook.
    """
    key_official, key_mirror, key_tidy, family = key
    integers = [row[3] for row in spec if row[4]]
    if is_excel(path):
        sheets: dict[str, dict[str, str]] = {}
        for sheet, official, _, tidy, _ in spec:
            sheets.setdefault(sheet, {})[official] = tidy
        frame = _read_workbook(path, sheets, key_official, key_tidy, family)
    else:
        mapping = {key_mirror: key_tidy, **{row[2]: row[3] for row in spec if row[2]}}
        # Only blanks mean suppressed: other text such as "NA" must fail the numeric check.
        frame = read_layouts(
            path, {f"mirror {what} CSV (not an xlsx workbook)": mapping}, **BLANKS_ONLY
        )
    frame = _typed(frame, key_tidy, integers, path)
    check_key(frame, {key_tidy: family}, path)
    order = [key_tidy, *[row[3] for row in spec if row[3] in frame.columns]]
    return frame[order].sort_values(key_tidy, ignore_index=True)


# ---------------------------------------------------------------------------- File 8

_RISK_POP = "rate per 1,000 'at-risk population'"
_F8 = "IoD25 {} Domain"
# (sheet, official header, mirror header, tidy name, integer?)
_INDICATORS_2025 = [
    (
        _F8.format("Income"),
        "Income Domain numerator",
        "income_domain_numerator",
        "income_domain_numerator",
        True,
    ),
    (
        _F8.format("Income"),
        "Income Deprivation Affecting Children Index (IDACI) numerator",
        "income_deprivation_affecting_children_index_idaci_numerator",
        "idaci_numerator",
        True,
    ),
    (
        _F8.format("Income"),
        "Income Deprivation Affecting Older People Index (IDAOPI) numerator",
        "income_deprivation_affecting_older_people_index_idaopi_numerator",
        "idaopi_numerator",
        True,
    ),
    (
        _F8.format("Employment"),
        "Employment Domain numerator",
        "employment_domain_numerator",
        "employment_domain_numerator",
        True,
    ),
    (
        _F8.format("Education"),
        "Adult skills and English language proficiency indicator",
        "adult_skills_and_english_language_proficiency_indicator",
        "adult_skills_indicator",
        False,
    ),
    (
        _F8.format("Education"),
        "Entry to higher education indicator",
        "entry_to_higher_education_indicator",
        "entry_to_he_indicator",
        False,
    ),
    (
        _F8.format("Health"),
        "Acute morbidity indicator",
        "acute_morbidity_indicator",
        "acute_morbidity_ratio",
        False,
    ),
    (
        _F8.format("Health"),
        "Comparative illness and disability ratio indicator",
        "comparative_illness_and_disability_ratio_indicator",
        "illness_disability_ratio",
        False,
    ),
    (
        _F8.format("Health"),
        "Mental health indicator",
        "mental_health_indicator",
        "mental_health_indicator",
        False,
    ),
    (
        _F8.format("Health"),
        "Years of potential life lost indicator",
        "years_of_potential_life_lost_indicator",
        "ypll_indicator",
        False,
    ),
    (
        _F8.format("Crime"),
        f"Violence with injury, {_RISK_POP}",
        "violence_with_injury_rate_per_1_000_at_risk_population",
        "crime_violence_injury_per_1000",
        False,
    ),
    (
        _F8.format("Crime"),
        f"Violence without injury, {_RISK_POP}",
        "violence_without_injury_rate_per_1_000_at_risk_population",
        "crime_violence_no_injury_per_1000",
        False,
    ),
    (
        _F8.format("Crime"),
        f"Stalking and harassment, {_RISK_POP}",
        "stalking_and_harassment_rate_per_1_000_at_risk_population",
        "crime_stalking_harassment_per_1000",
        False,
    ),
    (
        _F8.format("Crime"),
        "Burglary, rate per 1,000 'at-risk properties'",
        "burglary_rate_per_1_000_at_risk_properties",
        "crime_burglary_per_1000_properties",
        False,
    ),
    (
        _F8.format("Crime"),
        f"Theft, {_RISK_POP}",
        "theft_rate_per_1_000_at_risk_population",
        "crime_theft_per_1000",
        False,
    ),
    (
        _F8.format("Crime"),
        f"Criminal damage, {_RISK_POP}",
        "criminal_damage_rate_per_1_000_at_risk_population",
        "crime_criminal_damage_per_1000",
        False,
    ),
    (
        _F8.format("Crime"),
        f"Public order and Possession of weapons, {_RISK_POP}",
        "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population",
        "crime_public_order_weapons_per_1000",
        False,
    ),
    (
        _F8.format("Crime"),
        f"Anti-Social Behaviour, {_RISK_POP}",
        "anti_social_behaviour_rate_per_1_000_at_risk_population",
        "crime_asb_per_1000",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Connectivity Score",
        "connectivity_score",
        "connectivity_score",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Owner-occupation affordability (component of housing affordability indicator)",
        "owner_occupation_affordability_component_of_housing_affordability_indicator",
        "owner_occupation_affordability",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Private rental affordability (component of housing affordability indicator)",
        "private_rental_affordability_component_of_housing_affordability_indicator",
        "private_rental_affordability",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Housing affordability indicator",
        "housing_affordability_indicator",
        "housing_affordability_indicator",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Digital Connectivity (Broadband download and upload speeds)",
        "digital_connectivity_broadband_download_and_upload_speeds",
        "digital_connectivity_indicator",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Core homelessness rate (% of households)",
        "core_homelessness_rate_percent_of_households",
        "core_homelessness_pct",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Patient-to-GP Ratio",
        "patient_to_gp_ratio",
        "patients_per_gp",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Homelessness indicator (rate per 1,000 households)",
        "homelessness_indicator_rate_per_1_000_households",
        "homelessness_per_1000_households",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Household overcrowding indicator (rooms)",
        "household_overcrowding_indicator_rooms",
        "overcrowding_rooms_indicator",
        False,
    ),
    (
        _F8.format("Barriers"),
        "Household overcrowding indicator (bedrooms)",
        "household_overcrowding_indicator_bedrooms",
        "overcrowding_bedrooms_indicator",
        False,
    ),
] + [
    # Living Environment: in the official workbook only (the mirror lacks this sheet).
    ("IoD25 Living Env Domain", official, None, tidy, False)
    for official, tidy in [
        ("Housing in poor condition indicator", "housing_poor_condition_indicator"),
        ("Housing energy performance deprivation Score", "housing_energy_performance_score"),
        (
            "Housing lacking private outdoor space deprivation score",
            "housing_no_outdoor_space_score",
        ),
        ("Noise pollution", "noise_pollution_indicator"),
        (
            "Road traffic casualties involving injury to pedestrians and cyclists",
            "road_casualties_indicator",
        ),
        ("Sulphur dioxide (component of air quality indicator)", "air_sulphur_dioxide"),
        ("Nitrogen dioxide (component of air quality indicator)", "air_nitrogen_dioxide"),
        ("Benzene (component of air quality indicator)", "air_benzene"),
        ("Particulates (component of air quality indicator)", "air_particulates"),
        ("Air quality indicator", "air_quality_indicator"),
    ]
]


def read_iod2025_indicators(path: str | Path) -> pd.DataFrame:
    """IoD2025 File 8 underlying indicators by ``lsoa21cd``; suppressed numerators stay NA.

    The official workbook also yields the Living Environment indicators, which the
    mirror's CSV lacks.
    """
    key = ("LSOA code (2021)", "lsoa21_code", "lsoa21cd", "lsoa21_england")
    return _read_either(path, _INDICATORS_2025, key, "IoD2025 File 8")


# 2019 File 8 in the mirror's snake_case names; tidy names follow 2025 where they exist.
_INDICATORS_2019 = {
    "income_domain_numerator": "income_domain_numerator",
    "income_deprivation_affecting_children_index_idaci_numerator": "idaci_numerator",
    "income_deprivation_affecting_older_people_index_idaopi_numerator": "idaopi_numerator",
    "employment_domain_numerator": "employment_domain_numerator",
    "staying_on_in_education_post_16_indicator": "staying_on_post16_indicator",
    "entry_to_higher_education_indicator": "entry_to_he_indicator",
    "adult_skills_and_english_language_proficiency_indicator": "adult_skills_indicator",
    "years_of_potential_life_lost_indicator": "ypll_indicator",
    "comparative_illness_and_disability_ratio_indicator": "illness_disability_ratio",
    "acute_morbidity_indicator": "acute_morbidity_ratio",
    "mood_and_anxiety_disorders_indicator": "mental_health_indicator",
    "road_distance_to_a_post_office_indicator_km": "road_distance_post_office_km",
    "road_distance_to_a_primary_school_indicator_km": "road_distance_primary_school_km",
    "road_distance_to_general_store_or_supermarket_indicator_km": "road_distance_store_km",
    "road_distance_to_a_gp_surgery_indicator_km": "road_distance_gp_km",
    "household_overcrowding_indicator": "overcrowding_indicator",
    "homelessness_indicator_rate_per_1000_households": "homelessness_per_1000_households",
    "owner_occupation_affordability_component_of_housing_affordability_indicator": "owner_occupation_affordability",
    "private_rental_affordability_component_of_housing_affordability_indicator": "private_rental_affordability",
    "housing_affordability_indicator": "housing_affordability_indicator",
    "housing_in_poor_condition_indicator": "housing_poor_condition_indicator",
    "houses_without_central_heating_indicator": "no_central_heating_indicator",
    "road_traffic_accidents_indicator": "road_casualties_indicator",
    "nitrogen_dioxide_component_of_air_quality_indicator": "air_nitrogen_dioxide",
    "benzene_component_of_air_quality_indicator": "air_benzene",
    "sulphur_dioxide_component_of_air_quality_indicator": "air_sulphur_dioxide",
    "particulates_component_of_air_quality_indicator": "air_particulates",
    "air_quality_indicator": "air_quality_indicator",
}


def read_iod2019_indicators(path: str | Path) -> pd.DataFrame:
    """IoD2019 File 8 (mirror layout) by ``lsoa11cd``; mood and anxiety -> mental health."""
    if is_excel(path):
        raise SchemaError(
            f"{path}: is an xlsx workbook; only the mirror's joined CSV layout "
            "of IoD2019 File 8 is supported"
        )
    spec = [
        (None, None, mirror, tidy, tidy.endswith("_numerator"))
        for mirror, tidy in _INDICATORS_2019.items()
    ]
    key = (None, "lsoa11_code", "lsoa11cd", "lsoa11_england")
    return _read_either(path, spec, key, "IoD2019 File 8")


# ---------------------------------------------------------------------------- File 10

# tidy prefix -> (official sheet, official label, mirror prefix)
_FILE10_MEASURES = {
    "imd": ("IMD", "IMD", "imd"),
    "income": ("Income", "Income", "income"),
    "employment": ("Employment", "Employment", "employment"),
    "education": ("Education", "Education, Skills and Training", "education_skills_and_training"),
    "health": ("Health", "Health Deprivation and Disability", "health_deprivation_and_disability"),
    "crime": ("Crime", "Crime", "crime"),
    "barriers": (
        "Barriers",
        "Barriers to Housing and Services",
        "barriers_to_housing_and_services",
    ),
    "living_env": ("Living", "Living Environment", "living_environment"),
}
_PROP = "proportion_of_lso_as_in_most_deprived_10_percent_nationally"
# (official suffix, mirror suffix, tidy suffix, integer?)
_FILE10_STATS = [
    ("Average rank", "average_rank", "average_rank", False),
    ("Rank of average rank", "rank_of_average_rank", "rank_of_average_rank", True),
    ("Average score", "average_score", "average_score", False),
    ("Rank of average score", "rank_of_average_score", "rank_of_average_score", True),
    (
        "Proportion of LSOAs in most deprived 10% nationally",
        _PROP,
        "prop_most_deprived_10pct",
        False,
    ),
    (
        "Rank of proportion of LSOAs in most deprived 10% nationally",
        f"rank_of_{_PROP}",
        "rank_of_prop_most_deprived_10pct",
        True,
    ),
]
# (sheet, official header, mirror header, tidy name without suffix, integer?)
_FILE10_EXTRA = [
    ("IMD", "IMD25 - Extent", "imd25_extent", "imd_extent", False),
    ("IMD", "IMD25 - Rank of extent", "imd25_rank_of_extent", "imd_rank_of_extent", True),
    (
        "IMD",
        "IMD25 - Local concentration",
        "imd25_local_concentration",
        "imd_local_concentration",
        False,
    ),
    (
        "IMD",
        "IMD25 - Rank of local concentration",
        "imd25_rank_of_local_concentration",
        "imd_rank_of_local_concentration",
        True,
    ),
    ("Income", "Income scale", "income_scale", "income_scale", False),
    ("Income", "Rank of Income Scale", "rank_of_income_scale", "income_rank_of_scale", True),
    ("Employment", "Employment scale", "employment_scale", "employment_scale", False),
    (
        "Employment",
        "Rank of Employment Scale",
        "rank_of_employment_scale",
        "employment_rank_of_scale",
        True,
    ),
]
_FILE10 = [
    row
    for tidy, (sheet, label, mirror) in _FILE10_MEASURES.items()
    for row in [
        (
            sheet,
            f"{label} - {official}",
            f"{mirror}_{mirror_stat}",
            f"{tidy}_{stat}_file10",
            integer,
        )
        for official, mirror_stat, stat, integer in _FILE10_STATS
    ]
    + [
        (s, official, m, f"{t}_file10", integer)
        for s, official, m, t, integer in _FILE10_EXTRA
        if s == sheet
    ]
]


def read_iod2025_lad_summaries(path: str | Path) -> pd.DataFrame:
    """IoD2025 File 10 (lower-tier LAD summaries, v2) by ``lad24cd``; columns end ``_file10``."""
    key = ("Local Authority District code (2024)", "ltla24_code", "lad24cd", "lad_england")
    return _read_either(path, _FILE10, key, "IoD2025 File 10")


# IoD2019 File 11, upper-tier summaries: official sheet and column names.
_FILE11_CODE = "Upper Tier Local Authority District code (2019)"
_FILE11_NAME = "Upper Tier Local Authority District name (2019)"
_FILE11_SCORE = "IMD - Average score"


def read_iod2019_upper_tier(path: str | Path) -> pd.DataFrame:
    """IMD 2019 average score of each upper-tier council (``utla19cd``, 151 rows).

    The IMD sheet cuts Slough's code short (``E0600003``); codes are taken from the Income
    sheet, whose rows list the same councils by the same names, and must agree elsewhere.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            imd = pd.read_excel(path, sheet_name="IMD", dtype=str, **BLANKS_ONLY)
            income = pd.read_excel(path, sheet_name="Income", dtype=str, **BLANKS_ONLY)
        except ValueError as exc:
            raise SchemaError(f"{path}: needs sheets 'IMD' and 'Income' ({exc})") from exc
    imd.columns = [str(c).strip() for c in imd.columns]
    income.columns = [str(c).strip() for c in income.columns]
    require_columns(imd, [_FILE11_CODE, _FILE11_NAME, _FILE11_SCORE], path, "IMD sheet columns")
    require_columns(income, [_FILE11_CODE, _FILE11_NAME], path, "Income sheet columns")
    codes = income.set_index(income[_FILE11_NAME].str.strip())[_FILE11_CODE].str.strip()
    names = imd[_FILE11_NAME].str.strip()
    if names.duplicated().any() or set(names) != set(codes.index):
        raise SchemaError(f"{path}: the IMD and Income sheets do not list the same councils")
    printed = imd[_FILE11_CODE].str.strip()
    full = names.map(codes)
    differ = pd.Series(
        [
            not (isinstance(f, str) and isinstance(c, str) and f.startswith(c))
            for f, c in zip(full, printed)
        ],
        index=imd.index,
    )
    if differ.any():
        raise SchemaError(
            f"{path}: IMD sheet codes disagree with the Income sheet for "
            f"{names[differ].tolist()[:EXAMPLES]}"
        )
    out = pd.DataFrame(
        {
            "utla19cd": full,
            "utla19nm": names,
            "imd_score": parse_numeric(imd[_FILE11_SCORE], path, _FILE11_SCORE),
        }
    )
    check_codes(out["utla19cd"], "utla_england", path, _FILE11_CODE)
    check_unique(out, ["utla19cd"], path)
    return out.reset_index(drop=True)
