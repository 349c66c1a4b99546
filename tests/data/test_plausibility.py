"""Values of the right shape that are wrong stop the build (issue 14, finding 2), and the
readers' messages say where (finding 6).

Each finding is reproduced on a temporary copy of the real mirror file and the tables are
built in-process by the pipeline's readers and builders (tests/helpers_inprocess.py); on the
landed main every one of these passed silently.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from helpers_inprocess import InProcess, edit_cell, edit_where

from coprod.data import validation
from coprod.data.readers import census
from coprod.errors import PlausibilityError, SchemaError


@pytest.fixture(scope="module")
def built(root, mirror_dir) -> InProcess:
    return InProcess(root, mirror_dir)


def rebuild(built: InProcess, dataset: str, tmp_path, column: str, match, change):
    """Build the tables with one cell of ``dataset``'s real file changed; the edited row."""
    dest = tmp_path / built.file(dataset).name
    row = edit_where(built.file(dataset), dest, column, match, change)
    return row, lambda: built.tables_with(dataset, dest)


def plus(amount: float):
    return lambda v: f"{float(v.replace(',', '')) + amount:.0f}"


TS067_TOTAL = "Highest level of qualification: Total: All usual residents aged 16 years and over"
TS067_L4 = "Highest level of qualification: Level 4 qualifications and above"


def test_census_total_inflated_with_its_part_is_refused(built, tmp_path):
    """TS067 with 1e12 added to the total and to Level 4+ (parts still sum) gave a share of
    1.0; the 16+ total must not exceed TS001 population."""
    source = built.file("census2021_ts067_lsoa")
    first = edit_where(source, tmp_path / "a.csv", TS067_TOTAL, lambda r: True, plus(1e12))
    edit_where(
        tmp_path / "a.csv",
        tmp_path / source.name,
        TS067_L4,
        lambda r: r["geography code"] == first["geography code"],
        plus(1e12),
    )
    with pytest.raises(
        PlausibilityError,
        match=rf"table lsoa21: column 'qual_total_16plus' "
        rf"must not exceed TS001 population: area {first['geography code']} has",
    ):
        built.tables_with("census2021_ts067_lsoa", tmp_path / source.name)


def _dfe_row(built, year_column="time_period"):
    year = str(built.cfg["services_year"])
    return lambda r: (
        r["geographic_level"] == "Local authority"
        and r[year_column] == year
        and r["new_la_code"].startswith("E06")
    )


@pytest.mark.parametrize(
    "value, column", [("-5000", "referrals_count"), ("1000000000000", "referrals_per_10k")]
)
def test_dfe_referrals_out_of_bounds(built, tmp_path, value, column):
    """DfE referrals of -5000 or 1e12 gave -498 or 9.96e10 per 10,000 children."""
    row, run = rebuild(
        built, "dfe_referrals", tmp_path, "referral_count", _dfe_row(built), lambda v: value
    )
    with pytest.raises(
        PlausibilityError,
        match=rf"table utla23: column '{column}' .*"
        rf"area {row['new_la_code']} has",
    ):
        run()


def test_oflog_measure_of_1e12(built, tmp_path):
    latest = pd.read_csv(built.file("oflog_asc"), dtype=str)
    year = max(latest.loc[latest["Code"] == "ASC3", "Financial year"])
    row, run = rebuild(
        built,
        "oflog_asc",
        tmp_path,
        "Value",
        lambda r: r["Code"] == "ASC3" and r["Financial year"] == year and r["Value"] != "",
        lambda v: "1e12",
    )
    with pytest.raises(
        PlausibilityError,
        match=rf"column 'oflog_asc3' is an Oflog percentage "
        rf".*area {row['Local authority code']} has 1000000000000.0",
    ):
        run()


def test_one_oflog_measure_blanked_is_seen(built, tmp_path):
    """Oflog leaves suppressed values blank, so a blank is read as missing; the table states
    how many are missing, so one more cannot pass."""
    latest = pd.read_csv(built.file("oflog_asc"), dtype=str)
    year = max(latest.loc[latest["Code"] == "ASC3", "Financial year"])
    row, run = rebuild(
        built,
        "oflog_asc",
        tmp_path,
        "Value",
        lambda r: r["Code"] == "ASC3" and r["Financial year"] == year and r["Value"] != "",
        lambda v: "",
    )
    with pytest.raises(
        PlausibilityError,
        match=r"'oflog_asc3' has 8 missing values, the "
        r"published file 7",
    ):
        run()


def test_fingertips_negative_rate(built, tmp_path):
    frame = pd.read_csv(built.file("fingertips_90284"), dtype=str)
    latest = built["fingertips_90284"].read(built.file("fingertips_90284"))["year"].max()
    keep = (
        (frame["Sex"] == "Persons")
        & frame["Category Type"].isna()
        & frame["Time period"].str.endswith(str(latest)[-2:])
        & frame["Value"].notna()
        & frame["Area Type"].str.contains("UA")
    )
    code = frame.loc[keep, "Area Code"].iloc[0]
    period = frame.loc[keep, "Time period"].iloc[0]
    _, run = rebuild(
        built,
        "fingertips_90284",
        tmp_path,
        "Value",
        lambda r: (
            r["Area Code"] == code
            and r["Time period"] == period
            and r["Sex"] == "Persons"
            and r["Category Type"] == ""
        ),
        lambda v: "-5",
    )
    with pytest.raises(
        PlausibilityError,
        match=rf"column 'child_injury_admissions_per_10k' .*"
        rf"area {code} has -5.0",
    ):
        run()


@pytest.mark.parametrize(
    "column, value, tidy",
    [
        ("acute_morbidity_indicator", "1e12", "acute_morbidity_ratio"),
        ("income_domain_numerator", "-100", "income_domain_numerator"),
    ],
)
def test_file8_indicator_out_of_bounds(built, tmp_path, column, value, tidy):
    row, run = rebuild(
        built,
        "iod2025_lsoa21_indicators",
        tmp_path,
        column,
        lambda r: r[column] != "",
        lambda v: value,
    )
    with pytest.raises(
        PlausibilityError,
        match=rf"table lsoa21: column '{tidy}' .*"
        rf"area {row['lsoa21_code']} has",
    ):
        run()


IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"


def test_duplicated_imd_rank(built, tmp_path):
    """An LSOA given another's IMD rank (its decile kept consistent) shares a rank with an area
    of a different score."""
    row, run = rebuild(
        built,
        "iod2025_lsoa21_file7",
        tmp_path,
        IMD_RANK,
        lambda r: r[IMD_RANK] == "2",
        lambda v: "1",
    )
    with pytest.raises(
        PlausibilityError,
        match=r"column 'imd_rank' is shared by areas whose "
        r"imd_score differs",
    ):
        run()


def test_decile_contradicting_its_rank(built, tmp_path):
    row, run = rebuild(
        built,
        "iod2025_lsoa21_file7",
        tmp_path,
        IMD_DECILE,
        lambda r: r[IMD_RANK] == "1",
        lambda v: "7",
    )
    with pytest.raises(
        PlausibilityError,
        match=rf"column 'imd_decile' must equal ceil\(10 x "
        rf"imd_rank / 33755\).*area {row['LSOA code (2021)']} has 7",
    ):
        run()


RSX_TOTAL = "[RSX-totsx-net-cur-exp]"


def _rsx_total(path) -> str:
    header = pd.read_csv(path, nrows=0).columns
    return next(
        c
        for c in header
        if RSX_TOTAL.lower() in c.lower()
        or ("Total Service Expenditure" in c and "Net Current" in c)
    )


def test_negative_rsx_spend(built, tmp_path):
    """A negative 2022-23 total service spend (a council in its own UTLA)."""
    source = built.file("ro_rsx_2022-23")
    row, run = rebuild(
        built,
        "ro_rsx_2022-23",
        tmp_path,
        _rsx_total(source),
        lambda r: r["ONS Code"] == "E06000047",
        lambda v: "-" + v,
    )
    with pytest.raises(
        PlausibilityError,
        match=r"table utla23: column "
        r"'spend_total_service_gbp_2022_23 - sum of service lines'.*E06000047",
    ):
        run()


def test_durham_spend_of_1e12_in_an_early_year(built, tmp_path):
    """RSX 2021-22 Durham total spend of 1e12 (also in a service line, so the parts still sum)
    ran end to end (£1.9bn per head); every year's spend per head is bounded."""
    source = built.file("ro_rsx_2021-22")
    edu = next(c for c in pd.read_csv(source, nrows=0).columns if "[RSX-edu-net-cur-exp]" in c)
    durham = lambda r: r["ONS Code"] == "E06000047"  # noqa: E731
    edit_where(source, tmp_path / "a.csv", _rsx_total(source), durham, plus(1e9))
    edit_where(tmp_path / "a.csv", tmp_path / source.name, edu, durham, plus(1e9))
    with pytest.raises(
        PlausibilityError,
        match=r"column 'spend_education_per_head_gbp_2021_22' "
        r"is spend per head .*area E06000047",
    ):
        built.tables_with("ro_rsx_2021-22", tmp_path / source.name)


# --- the rules themselves, on the real tables -------------------------------------------------


@pytest.mark.mirror
@pytest.mark.parametrize("name", validation.KEYS)
def test_real_tables_are_plausible_and_every_measure_has_a_rule(table, name):
    frame = table(name)
    assert validation.uncovered_columns(frame) == []
    validation.check_plausible(frame, name, validation.KEYS[name])


def test_a_measure_without_a_rule_stops(built):
    frame = built.frames["utla23"].assign(new_measure=1.0)
    with pytest.raises(
        PlausibilityError,
        match=r"numeric columns \['new_measure'\] have no "
        "plausibility rule",
    ):
        validation.check_plausible(frame, "utla23", "utla23cd")


def test_year_on_year_jump_is_flagged_unless_listed(built, monkeypatch):
    frame = built.frames["utla23"].copy()
    column = "spend_total_service_per_head_gbp_2023_24"
    code = frame.loc[frame[column].notna(), "utla23cd"].iloc[0]
    frame.loc[frame["utla23cd"] == code, column] *= 2.5
    with pytest.raises(
        PlausibilityError,
        match=rf"spend_total_service_per_head_gbp_2023_24 / "
        rf"spend_total_service_per_head_gbp_2022_23' moves more than 2.0x .*"
        rf"area {code}",
    ):
        validation.check_spend(frame, "utla23cd", "utla23")
    monkeypatch.setitem(validation.YEAR_ON_YEAR_FLAGGED, (code, "2023_24"), "test")
    monkeypatch.setitem(validation.YEAR_ON_YEAR_FLAGGED, (code, "2024_25"), "test")
    validation.check_spend(frame, "utla23cd", "utla23")


def test_long_spend_panel_every_year_is_checked(built):
    """The same spend rules on a long panel (area, financial year), for every year."""
    wide = built.frames["utla23"]
    years = ["2021-22", "2022-23", "2023-24", "2024-25"]
    panel = pd.concat(
        [
            pd.DataFrame(
                {
                    "utla23cd": wide["utla23cd"],
                    "financial_year": y,
                    "spend_total_service_per_head_gbp": wide[
                        f"spend_total_service_per_head_gbp_{y.replace('-', '_')}"
                    ],
                }
            )
            for y in years
        ]
    )
    columns = ["spend_total_service_per_head_gbp"]
    validation.check_spend_panel(panel, "panel", "utla23cd", "financial_year", columns)
    early = (panel["financial_year"] == "2021-22") & (panel["utla23cd"] == "E06000047")
    panel.loc[early, columns] = 1.9e9
    with pytest.raises(
        PlausibilityError,
        match=r"table panel: column 'spend_total_service_per_head_gbp_2021_22' is spend per "
        r"head .*area E06000047 has 1900000000.0",
    ):
        validation.check_spend_panel(panel, "panel", "utla23cd", "financial_year", columns)


def test_one_more_suppressed_cell_is_seen(built):
    frame = built.frames["lsoa21"].copy()
    frame.loc[frame["idaci_numerator"].notna().idxmax(), "idaci_numerator"] = np.nan
    with pytest.raises(
        PlausibilityError,
        match=r"'idaci_numerator' has 816 missing values, the "
        r"published file 815",
    ):
        validation.check_plausible(frame, "lsoa21", "lsoa21cd")


# --- finding 6: messages that say where -------------------------------------------------------


@pytest.mark.parametrize(
    "kind, problem",
    [
        ("blank", "has blank cells where whole numbers belong"),
        ("text", "holds text where numbers belong"),
    ],
)
def test_census_cell_error_names_file_column_and_row(mirror_dir, tmp_path, kind, problem):
    """Was: 'Integer column has NA values in column 4' (no column name, no row)."""
    source = mirror_dir / "census2021/census2021-ts067-lsoa.csv"
    dest = tmp_path / source.name
    edit_cell(source, dest, 6, 4, kind)
    column = pd.read_csv(source, nrows=0).columns[4]
    with pytest.raises(
        SchemaError,
        match=rf"{re.escape(str(dest))}: column "
        rf"'{re.escape(column)}' {problem}, first at row 5 \(file line 6\)",
    ):
        census.read_ts067(dest)


def test_header_only_file_says_so(mirror_dir, tmp_path):
    """Was: "codes fit several vintages ['lsoa21','lad']; prefixes {}"."""
    source = mirror_dir / "census2021/census2021-ts067-lsoa.csv"
    dest = tmp_path / source.name
    dest.write_bytes(source.read_bytes().splitlines(keepends=True)[0])
    with pytest.raises(
        SchemaError,
        match=rf"{re.escape(str(dest))}: the file has a header but "
        "no data rows",
    ):
        census.read_ts067(dest)


def test_blank_where_the_publisher_never_leaves_one(built, tmp_path):
    row, run = rebuild(built, "dfe_cpp", tmp_path, "CPP_At31", _dfe_row(built), lambda v: "")
    with pytest.raises(
        SchemaError,
        match=r"column 'CPP_At31' has blank cells, which this "
        r"publisher never leaves .*first at row \d+ \(file line \d+\)",
    ):
        run()


def test_a_name_changed_in_one_lookup_row(built, tmp_path):
    row, run = rebuild(
        built, "lookup_lad24_region24", tmp_path, "region24_name", lambda r: True, lambda v: "abc"
    )
    with pytest.raises(SchemaError, match=rf"rgn24cd {row['region24_code']} has several names"):
        run()
