"""IoD readers: File 7 by official names; Files 8 and 10 in the mirror or official layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from coprod.data.readers import iod
from coprod.errors import GeographyError, SchemaError

from .helpers import raw, write

FIXTURES = Path(__file__).parents[2] / "fixtures" / "iod"
MEASURES = [
    "imd",
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "barriers",
    "living_env",
    "cyp",
    "adult_skills",
    "geo_barriers",
    "wider_barriers",
    "indoors",
    "outdoors",
]
FILE7_COLUMNS = [f"{m}_{s}" for m in MEASURES for s in ("score", "rank", "decile")]
MOST_DEPRIVED = "E01021988"  # IMD rank 1 in both 2019 and 2025 (Jaywick, Tendring)


# ------------------------------------------------------------------------------ File 7


def test_file7_2025_mirror_layout():
    frame = iod.read_iod2025_file7(FIXTURES / "file7_2025.csv")
    assert list(frame.columns) == ["lsoa21cd", "lad24cd", *FILE7_COLUMNS]
    assert frame[[c for c in FILE7_COLUMNS if not c.endswith("score")]].dtypes.eq("int64").all()
    top = frame.set_index("lsoa21cd").loc[MOST_DEPRIVED]
    assert (top["imd_rank"], top["imd_decile"]) == (1, 1)
    assert top["imd_score"] == frame["imd_score"].max()
    assert frame["income_score"].between(0, 1).all()
    # the truncated official header of column 37 is read
    source = raw(FIXTURES / "file7_2025.csv").set_index("LSOA code (2021)")
    truncated = "Children and Young People Sub-domain Decile (where 1 is most deprived 10% of LSO"
    assert len(truncated) == 80
    assert (
        frame.set_index("lsoa21cd")["cyp_decile"].astype(str).to_dict()
        == source[truncated].to_dict()
    )


def test_file7_2025_official_56_columns_give_the_same_frame():
    assert len(raw(FIXTURES / "file7_2025_official56.csv").columns) == 56
    pd.testing.assert_frame_equal(
        iod.read_iod2025_file7(FIXTURES / "file7_2025_official56.csv"),
        iod.read_iod2025_file7(FIXTURES / "file7_2025.csv"),
    )


def test_file7_2019():
    frame = iod.read_iod2019_file7(FIXTURES / "file7_2019.csv")
    assert list(frame.columns) == ["lsoa11cd", "lad19cd", *FILE7_COLUMNS]
    assert frame.set_index("lsoa11cd").loc[MOST_DEPRIVED, "imd_rank"] == 1


def test_file7_missing_column_is_named(tmp_path):
    path = write(raw(FIXTURES / "file7_2025.csv").drop(columns="Crime Score"), tmp_path / "f7.csv")
    with pytest.raises(SchemaError, match="Crime Score"):
        iod.read_iod2025_file7(path)


def test_file7_2025_given_to_2019_reader(tmp_path):
    with pytest.raises(SchemaError, match=r"LSOA code \(2011\)"):
        iod.read_iod2019_file7(FIXTURES / "file7_2025.csv")


def test_file7_2019_with_lsoa21_only_code_is_wrong_vintage(tmp_path):
    frame = raw(FIXTURES / "file7_2019.csv")
    frame.loc[0, "LSOA code (2011)"] = "E01035189"
    with pytest.raises(GeographyError, match="E01035189"):
        iod.read_iod2019_file7(write(frame, tmp_path / "f7.csv"))


def test_file7_welsh_lsoa_is_a_geography_error(tmp_path):
    frame = raw(FIXTURES / "file7_2025.csv")
    frame.loc[0, "LSOA code (2021)"] = "W01000003"
    with pytest.raises(GeographyError, match="W01000003"):
        iod.read_iod2025_file7(write(frame, tmp_path / "f7.csv"))


def test_file7_income_as_percent_is_rejected(tmp_path):
    frame = raw(FIXTURES / "file7_2025.csv")
    frame["Income Score (rate)"] = (frame["Income Score (rate)"].astype(float) * 100).astype(str)
    frame.loc[0, "Income Score (rate)"] = "101.0"
    with pytest.raises(
        SchemaError,
        match=r"column 'Income Score \(rate\)' must lie in 0-1, "
        r"first at row 1 \(file line 2\): 101\.0",
    ):
        iod.read_iod2025_file7(write(frame, tmp_path / "f7.csv"))


def test_file7_truncated(tmp_path):
    path = tmp_path / "f7.csv"
    path.write_bytes((FIXTURES / "file7_2025.csv").read_bytes()[:-40])
    with pytest.raises(SchemaError, match="truncated"):
        iod.read_iod2025_file7(path)


def test_file7_duplicate_lsoa(tmp_path):
    frame = raw(FIXTURES / "file7_2025.csv")
    with pytest.raises(SchemaError, match="not unique"):
        iod.read_iod2025_file7(write(pd.concat([frame, frame.head(1)]), tmp_path / "f7.csv"))


# -------------------------------------------------------------- File 8, mirror layouts


def test_indicators_2025_mirror_layout_keeps_suppressed_numerators_missing():
    frame = iod.read_iod2025_indicators(FIXTURES / "indicators_2025.csv").set_index("lsoa21cd")
    for column in [
        "income_domain_numerator",
        "employment_domain_numerator",
        "acute_morbidity_ratio",
        "illness_disability_ratio",
        "mental_health_indicator",
        "ypll_indicator",
        "adult_skills_indicator",
        "entry_to_he_indicator",
        "crime_violence_injury_per_1000",
    ]:
        assert column in frame.columns
    assert frame["income_domain_numerator"].dtype == "Int64"
    source = raw(FIXTURES / "indicators_2025.csv").set_index("lsoa21_code")
    idaci = "income_deprivation_affecting_children_index_idaci_numerator"
    assert source.loc["E01000001", idaci] == ""
    assert pd.isna(frame.loc["E01000001", "idaci_numerator"])
    assert frame.loc["E01000001", "income_domain_numerator"] == float(
        source.loc["E01000001", "income_domain_numerator"]
    )
    assert frame.loc[MOST_DEPRIVED, "acute_morbidity_ratio"] == float(
        source.loc[MOST_DEPRIVED, "acute_morbidity_indicator"]
    )


def test_indicators_mirror_csv_rejects_text_pandas_would_read_as_missing(tmp_path):
    frame = raw(FIXTURES / "indicators_2025.csv")
    frame.loc[0, "income_domain_numerator"] = "NA"
    with pytest.raises(SchemaError, match="income_domain_numerator"):
        iod.read_iod2025_indicators(write(frame, tmp_path / "f8.csv"))


def test_indicators_2019_mood_and_anxiety_is_mental_health():
    frame = iod.read_iod2019_indicators(FIXTURES / "indicators_2019.csv").set_index("lsoa11cd")
    source = raw(FIXTURES / "indicators_2019.csv").set_index("lsoa11_code")
    assert frame.loc[MOST_DEPRIVED, "mental_health_indicator"] == float(
        source.loc[MOST_DEPRIVED, "mood_and_anxiety_disorders_indicator"]
    )
    assert (
        frame.loc[["E01000001"], ["income_domain_numerator", "employment_domain_numerator"]]
        .isna()
        .all(axis=None)
    )


def test_csv_in_neither_layout_lists_missing_columns():
    with pytest.raises(SchemaError, match="acute_morbidity_indicator"):
        iod.read_iod2025_indicators(FIXTURES / "lad_summaries_2025.csv")


def test_indicators_truncated(tmp_path):
    path = tmp_path / "f8.csv"
    path.write_bytes((FIXTURES / "indicators_2019.csv").read_bytes()[:-3])
    with pytest.raises(SchemaError, match="truncated"):
        iod.read_iod2019_indicators(path)


# ------------------------------------------------------ File 8, official workbook layout

ID_2025 = [
    "LSOA code (2021)",
    "LSOA name (2021)",
    "Local Authority District code (2024)",
    "Local Authority District name (2024)",
]
RISK = "rate per 1,000 'at-risk population'"
# official sheet -> official header -> mirror column (None: absent from the mirror)
FILE8_OFFICIAL = {
    "IoD25 Income Domain": {
        "Income Domain numerator": "income_domain_numerator",
        "Income Deprivation Affecting Children Index (IDACI) numerator": "income_deprivation_affecting_children_index_idaci_numerator",
        "Income Deprivation Affecting Older People Index (IDAOPI) numerator": "income_deprivation_affecting_older_people_index_idaopi_numerator",
    },
    "IoD25 Employment Domain": {"Employment Domain numerator": "employment_domain_numerator"},
    "IoD25 Education Domain": {
        "Adult skills and English language proficiency indicator": "adult_skills_and_english_language_proficiency_indicator",
        "Entry to higher education indicator": "entry_to_higher_education_indicator",
    },
    "IoD25 Health Domain": {
        "Acute morbidity indicator": "acute_morbidity_indicator",
        "Comparative illness and disability ratio indicator": "comparative_illness_and_disability_ratio_indicator",
        "Mental health indicator": "mental_health_indicator",
        "Years of potential life lost indicator": "years_of_potential_life_lost_indicator",
    },
    "IoD25 Crime Domain": {
        f"Violence with injury, {RISK}": "violence_with_injury_rate_per_1_000_at_risk_population",
        f"Violence without injury, {RISK}": "violence_without_injury_rate_per_1_000_at_risk_population",
        f"Stalking and harassment, {RISK}": "stalking_and_harassment_rate_per_1_000_at_risk_population",
        "Burglary, rate per 1,000 'at-risk properties'": "burglary_rate_per_1_000_at_risk_properties",
        f"Theft, {RISK}": "theft_rate_per_1_000_at_risk_population",
        f"Criminal damage, {RISK}": "criminal_damage_rate_per_1_000_at_risk_population",
        f"Public order and Possession of weapons, {RISK}": "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population",
        f"Anti-Social Behaviour, {RISK}": "anti_social_behaviour_rate_per_1_000_at_risk_population",
    },
    "IoD25 Barriers Domain": {
        "Connectivity Score": "connectivity_score",
        "Owner-occupation affordability (component of housing affordability indicator)": "owner_occupation_affordability_component_of_housing_affordability_indicator",
        "Private rental affordability (component of housing affordability indicator)": "private_rental_affordability_component_of_housing_affordability_indicator",
        "Housing affordability indicator": "housing_affordability_indicator",
        "Digital Connectivity (Broadband download and upload speeds)": "digital_connectivity_broadband_download_and_upload_speeds",
        "Core homelessness rate (% of households)": "core_homelessness_rate_percent_of_households",
        "Patient-to-GP Ratio": "patient_to_gp_ratio",
        "Homelessness indicator (rate per 1,000 households)": "homelessness_indicator_rate_per_1_000_households",
        "Household overcrowding indicator (rooms)": "household_overcrowding_indicator_rooms",
        "Household overcrowding indicator (bedrooms)": "household_overcrowding_indicator_bedrooms",
    },
    "IoD25 Living Env Domain": dict.fromkeys(
        [
            "Housing in poor condition indicator",
            "Housing energy performance deprivation Score",
            "Housing lacking private outdoor space deprivation score",
            "Noise pollution",
            "Road traffic casualties involving injury to pedestrians and cyclists",
            "Sulphur dioxide (component of air quality indicator)",
            "Nitrogen dioxide (component of air quality indicator)",
            "Benzene (component of air quality indicator)",
            "Particulates (component of air quality indicator)",
            "Air quality indicator",
        ]
    ),
}


def _notes(book: openpyxl.Workbook) -> None:
    """The official Notes sheet: header in C11:H11, no data the readers use."""
    notes = book.active
    notes.title = "Notes"
    for col, text in enumerate(
        ["Domain", "Indicator", "Data supplier", "Data time point", "Published", "Comments"],
        start=3,
    ):
        notes.cell(row=11, column=col, value=text)


def _cell(text: str):
    """Mirror CSV text as an Excel cell value (blank = empty cell)."""
    return float(text) if text else None


def build_file8_workbook(
    path: Path,
    drop_sheet: str | None = None,
    rename: tuple[str, str] | None = None,
    drop_lsoa_in: str | None = None,
) -> Path:
    """IoD2025 File 8 in its official layout, values from the mirror fixture."""
    source = raw(FIXTURES / "indicators_2025.csv")
    book = openpyxl.Workbook()
    _notes(book)
    for sheet, columns in FILE8_OFFICIAL.items():
        if sheet == drop_sheet:
            continue
        ws = book.create_sheet(sheet)
        headers = [rename[1] if rename and h == rename[0] else h for h in columns]
        ws.append(ID_2025 + headers)
        rows = source if sheet != "IoD25 Health Domain" else source.iloc[::-1]  # join by key
        for i, (_, row) in enumerate(rows.iterrows()):
            if sheet == drop_lsoa_in and i == 0:
                continue
            values = [
                _cell(row[m]) if m else round(0.1 * (i + 1) + 0.01 * j, 3)
                for j, m in enumerate(columns.values())
            ]
            ws.append([row["lsoa21_code"], "name", "E09000001", "district", *values])
    book.save(path)
    return path


def test_indicators_official_workbook_matches_mirror(tmp_path):
    workbook = iod.read_iod2025_indicators(build_file8_workbook(tmp_path / "f8.xlsx"))
    mirror = iod.read_iod2025_indicators(FIXTURES / "indicators_2025.csv")
    pd.testing.assert_frame_equal(workbook[mirror.columns], mirror)
    living = workbook.columns.difference(mirror.columns)
    assert len(living) == 10 and "air_quality_indicator" in living
    assert workbook[living].notna().all(axis=None)


def test_workbook_detected_by_content_not_extension(tmp_path):
    built = build_file8_workbook(tmp_path / "f8.xlsx")
    disguised = shutil.copy(built, tmp_path / "iod2025_lsoa21_underlying_indicators.csv")
    pd.testing.assert_frame_equal(
        iod.read_iod2025_indicators(disguised), iod.read_iod2025_indicators(built)
    )


def test_workbook_missing_sheet_is_named(tmp_path):
    path = build_file8_workbook(tmp_path / "f8.xlsx", drop_sheet="IoD25 Crime Domain")
    with pytest.raises(SchemaError, match="IoD25 Crime Domain"):
        iod.read_iod2025_indicators(path)


def test_workbook_missing_column_names_sheet_and_column(tmp_path):
    path = build_file8_workbook(
        tmp_path / "f8.xlsx", rename=("Mental health indicator", "Mood indicator")
    )
    with pytest.raises(SchemaError, match="IoD25 Health Domain.*Mental health indicator"):
        iod.read_iod2025_indicators(path)


def test_workbook_sheets_covering_different_lsoas(tmp_path):
    path = build_file8_workbook(tmp_path / "f8.xlsx", drop_lsoa_in="IoD25 Crime Domain")
    with pytest.raises(SchemaError, match="different areas"):
        iod.read_iod2025_indicators(path)


def test_truncated_workbook(tmp_path):
    built = build_file8_workbook(tmp_path / "f8.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(built[: len(built) // 2])
    with pytest.raises(SchemaError, match="unreadable xlsx"):
        iod.read_iod2025_indicators(path)


# ------------------------------------------------------------------------------ File 10

# official sheet -> (label in headers, mirror prefix)
FILE10_SHEETS = {
    "IMD": ("IMD", "imd"),
    "Income": ("Income", "income"),
    "Employment": ("Employment", "employment"),
    "Education": ("Education, Skills and Training", "education_skills_and_training"),
    "Health": ("Health Deprivation and Disability", "health_deprivation_and_disability"),
    "Crime": ("Crime", "crime"),
    "Barriers": ("Barriers to Housing and Services", "barriers_to_housing_and_services"),
    "Living": ("Living Environment", "living_environment"),
}
PROP = "proportion_of_lso_as_in_most_deprived_10_percent_nationally"
STATS = {
    "Average rank ": "average_rank",
    "Rank of average rank ": "rank_of_average_rank",
    "Average score ": "average_score",
    "Rank of average score ": "rank_of_average_score",
    "Proportion of LSOAs in most deprived 10% nationally ": PROP,
    "Rank of proportion of LSOAs in most deprived 10% nationally ": f"rank_of_{PROP}",
}
EXTRA = {
    "IMD": {
        "IMD25 - Extent ": "imd25_extent",
        "IMD25 - Rank of extent ": "imd25_rank_of_extent",
        "IMD25 - Local concentration ": "imd25_local_concentration",
        "IMD25 - Rank of local concentration ": "imd25_rank_of_local_concentration",
    },
    "Income": {"Income scale ": "income_scale", "Rank of Income Scale ": "rank_of_income_scale"},
    "Employment": {
        "Employment scale ": "employment_scale",
        "Rank of Employment Scale ": "rank_of_employment_scale",
    },
}


def build_file10_workbook(path: Path) -> Path:
    """IoD2025 File 10 (lower tier) in its official layout, with its trailing spaces."""
    source = raw(FIXTURES / "lad_summaries_2025.csv")
    book = openpyxl.Workbook()
    _notes(book)
    for sheet, (label, prefix) in FILE10_SHEETS.items():
        columns = {
            f"{label} - {official}": f"{prefix}_{mirror}" for official, mirror in STATS.items()
        }
        columns |= EXTRA.get(sheet, {})
        if sheet == "Crime":  # the 2019 file doubled a space here; tolerate it
            columns = {k.replace("Proportion of", "Proportion  of"): v for k, v in columns.items()}
        ws = book.create_sheet(sheet)
        ws.append(
            [
                "Local Authority District code (2024)",
                "Local Authority District name (2024)",
                *columns,
            ]
        )
        for _, row in source.iterrows():
            ws.append(
                [row["ltla24_code"], row["ltla24_name"], *[_cell(row[m]) for m in columns.values()]]
            )
    for sheet in ("IDACI", "IDAOPI"):
        book.create_sheet(sheet).append(["Local Authority District code (2024)"])
    book.save(path)
    return path


def test_lad_summaries_mirror_layout():
    frame = iod.read_iod2025_lad_summaries(FIXTURES / "lad_summaries_2025.csv")
    assert frame.columns[0] == "lad24cd" and frame.columns[1:].str.endswith("_file10").all()
    for column in [
        "imd_average_score_file10",
        "imd_average_rank_file10",
        "imd_prop_most_deprived_10pct_file10",
        "imd_extent_file10",
        "imd_local_concentration_file10",
        "living_env_average_score_file10",
    ]:
        assert column in frame.columns
    source = raw(FIXTURES / "lad_summaries_2025.csv").set_index("ltla24_code")
    assert frame.set_index("lad24cd").loc["E06000002", "imd_average_score_file10"] == float(
        source.loc["E06000002", "imd_average_score"]
    )
    assert frame["imd_rank_of_average_score_file10"].dtype == "Int64"


def test_lad_summaries_official_workbook_matches_mirror(tmp_path):
    workbook = iod.read_iod2025_lad_summaries(build_file10_workbook(tmp_path / "f10.xlsx"))
    pd.testing.assert_frame_equal(
        workbook, iod.read_iod2025_lad_summaries(FIXTURES / "lad_summaries_2025.csv")
    )


def test_lad_summaries_lsoa_csv_is_neither_layout():
    with pytest.raises(SchemaError, match="imd_average_score"):
        iod.read_iod2025_lad_summaries(FIXTURES / "indicators_2025.csv")


# ---------------------------------------------------------------------------- mirror


@pytest.mark.mirror
def test_mirror_iod_files(mirror_dir):
    iod2025, iod2019 = mirror_dir / "iod2025", mirror_dir / "iod2019"
    f7 = iod.read_iod2025_file7(
        iod2025 / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
    )
    f7_2019 = iod.read_iod2019_file7(
        iod2019 / "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv"
    )
    f8 = iod.read_iod2025_indicators(iod2025 / "iod2025_lsoa21_underlying_indicators.csv")
    f8_2019 = iod.read_iod2019_indicators(iod2019 / "iod2019_lsoa11_underlying_indicators.csv")
    f10 = iod.read_iod2025_lad_summaries(iod2025 / "iod2025_lad24_summaries.csv")

    assert len(f7) == len(f8) == 33_755 and len(f7_2019) == len(f8_2019) == 32_844
    assert len(f10) == 296
    assert set(f7["lsoa21cd"]) == set(f8["lsoa21cd"])
    assert set(f7["lad24cd"]) == set(f10["lad24cd"])
    for frame in (f7, f7_2019):
        assert frame.loc[frame["imd_rank"] == 1, "imd_score"].iloc[0] == frame["imd_score"].max()
        by_rank = frame.sort_values("imd_rank")["imd_score"]
        assert by_rank.is_monotonic_decreasing
        assert (
            frame["imd_decile"]
            .value_counts()
            .between(len(frame) // 10 - 1, len(frame) // 10 + 1)
            .all()
        )
    # File 10's proportion in the most deprived decile is recomputed from File 7 deciles
    share = f7.assign(d1=f7["imd_decile"] == 1).groupby("lad24cd")["d1"].mean()
    published = f10.set_index("lad24cd")["imd_prop_most_deprived_10pct_file10"]
    assert (share - published).abs().max() < 1e-3
    # suppressed small numerators stay missing, not zero
    assert f8["idaci_numerator"].isna().sum() == 815 and (f8["idaci_numerator"] > 0).all()


@pytest.mark.mirror
def test_iod2019_upper_tier_summaries_repair_sloughs_code(mirror_dir):
    path = (
        mirror_dir
        / "iod2019"
        / "File_11_-_IoD2019_Local_Authority_District_Summaries__upper-tier__.xlsx"
    )
    if not path.exists():
        pytest.skip("IoD2019 File 11 not in the mirror")
    frame = iod.read_iod2019_upper_tier(path).set_index("utla19cd")
    assert len(frame) == 151
    assert frame.loc["E06000039", "utla19nm"] == "Slough"  # 'E0600003' on the IMD sheet
    assert frame.loc["E06000002", "imd_score"] == pytest.approx(40.46)
    assert frame["imd_score"].between(5, 50).all()
