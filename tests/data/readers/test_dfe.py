"""DfE EES readers: local-authority rows, tidy names, suppression markers and malformed files."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers import dfe
from coprod.errors import GeographyError, SchemaError

from .helpers import variant

FIXTURES = Path(__file__).parents[2] / "fixtures" / "dfe"
CIN = FIXTURES / "children_in_need.csv"
HARTLEPOOL_2025 = "805,E06000001,Hartlepool,Children in Need,3010,2674,1642,1488,1669,1508,1341,27"


def national(path: Path, year: int, column: str, **where: str) -> float:
    """A National-row figure read straight from the file, independent of the reader."""
    frame = pd.read_csv(path, dtype=str)
    rows = frame[(frame["geographic_level"] == "National") & (frame["time_period"] == str(year))]
    for key, value in where.items():
        rows = rows[rows[key] == value]
    assert len(rows) == 1
    return float(rows[column].iloc[0])


def test_children_in_need_keeps_local_authorities_with_tidy_names():
    frame = dfe.read_children_in_need(CIN)
    assert list(frame.columns) == [
        "utla_code",
        "year",
        "la_name",
        "cin_at31_count",
        "cin_during_year_count",
    ]
    # National, regional and the all-suppressed Hampshire 2024 / Hackney 2022 rows are gone.
    assert set(zip(frame["utla_code"], frame["year"])) == {
        ("E06000001", 2025),
        ("E10000014", 2025),
        ("E09000001", 2025),
        ("E06000001", 2024),
    }
    hartlepool = frame.set_index(["utla_code", "year"]).loc[("E06000001", 2025)]
    assert hartlepool["cin_at31_count"] == 1341
    assert hartlepool["cin_during_year_count"] == 2674
    city = frame.set_index(["utla_code", "year"]).loc[("E09000001", 2025)]
    assert pd.isna(city["cin_at31_count"]) and city["cin_during_year_count"] == 102
    assert str(frame["cin_at31_count"].dtype) == "Int64"


@pytest.mark.parametrize("marker", ["c", "x", "z", "low", "u", ".."])
def test_suppression_markers_become_missing(tmp_path, marker):
    path = variant(tmp_path, CIN, HARTLEPOOL_2025, HARTLEPOOL_2025.replace(",1341,", f",{marker},"))
    row = dfe.read_children_in_need(path).query("utla_code == 'E06000001' and year == 2025")
    assert pd.isna(row["cin_at31_count"].iloc[0])
    assert row["cin_during_year_count"].iloc[0] == 2674


def test_a_blank_cell_is_not_a_dfe_marker(tmp_path):
    """DfE marks every missing value (c, x, z ...); a blank is damage, named with its row."""
    path = variant(tmp_path, CIN, HARTLEPOOL_2025, HARTLEPOOL_2025.replace(",1341,", ",,"))
    with pytest.raises(
        SchemaError,
        match=r"column 'At31_episodes' has blank cells, which this "
        r"publisher never leaves.*first at row \d+ \(file line",
    ):
        dfe.read_children_in_need(path)


@pytest.mark.parametrize("text", ["NA", "null", "N/A"])
def test_text_pandas_would_read_as_missing_is_not_a_marker(tmp_path, text):
    path = variant(tmp_path, CIN, HARTLEPOOL_2025, HARTLEPOOL_2025.replace(",1341,", f",{text},"))
    with pytest.raises(SchemaError, match=rf"At31_episodes.*'{re.escape(text)}'"):
        dfe.read_children_in_need(path)


def test_unknown_non_numeric_value_names_file_column_and_value(tmp_path):
    path = variant(tmp_path, CIN, HARTLEPOOL_2025, HARTLEPOOL_2025.replace(",1341,", ",13a1,"))
    with pytest.raises(SchemaError, match=r"children_in_need\.csv.*At31_episodes.*13a1"):
        dfe.read_children_in_need(path)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "cin.csv"
    pd.read_csv(CIN, dtype=str).drop(columns="Anypoint_child").to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"cin\.csv.*Anypoint_child"):
        dfe.read_children_in_need(path)


def test_truncated_file_is_rejected(tmp_path):
    path = tmp_path / "cin.csv"
    path.write_bytes(CIN.read_bytes()[:-25])
    with pytest.raises(SchemaError, match="truncated"):
        dfe.read_children_in_need(path)


def test_district_code_is_a_geography_error(tmp_path):
    path = variant(tmp_path, CIN, "805,E06000001,Hartlepool", "805,E07000123,Hartlepool")
    with pytest.raises(GeographyError, match="E07000123"):
        dfe.read_children_in_need(path)


def test_duplicate_key_is_rejected(tmp_path):
    text = CIN.read_text()
    duplicated = next(line for line in text.splitlines() if HARTLEPOOL_2025 in line)
    path = tmp_path / "cin.csv"
    path.write_text(text + duplicated + "\n")
    with pytest.raises(SchemaError, match="duplicate"):
        dfe.read_children_in_need(path)


@pytest.mark.parametrize(("period", "year"), [("2025", 2025), ("202425", 2025), ("199900", 2000)])
def test_time_period_becomes_end_year(tmp_path, period, year):
    path = variant(
        tmp_path,
        CIN,
        f"2025,Reporting year,Local authority,E92000001,England,"
        f"E12000001,North East,{HARTLEPOOL_2025}",
        f"{period},Reporting year,Local authority,E92000001,England,"
        f"E12000001,North East,{HARTLEPOOL_2025}",
    )
    frame = dfe.read_children_in_need(path)
    assert frame.query("cin_at31_count == 1341")["year"].tolist() == [year]


@pytest.mark.parametrize("period", ["202426", "2025/26", "25"])
def test_malformed_time_period_is_rejected(tmp_path, period):
    path = variant(
        tmp_path,
        CIN,
        f"2025,Reporting year,Local authority,E92000001,England,"
        f"E12000001,North East,{HARTLEPOOL_2025}",
        f"{period},Reporting year,Local authority,E92000001,England,"
        f"E12000001,North East,{HARTLEPOOL_2025}",
    )
    with pytest.raises(SchemaError, match="time_period"):
        dfe.read_children_in_need(path)


def test_referrals_and_child_protection_plans():
    referrals = dfe.read_referrals(FIXTURES / "referrals.csv").set_index("utla_code")
    assert referrals["referrals_count"].to_dict() == {"E06000001": 2020, "E09000001": 57}
    cpp = dfe.read_child_protection_plans(FIXTURES / "child_protection_plans.csv")
    # City of London's only measure is suppressed, so its row carries nothing and is dropped.
    assert cpp.set_index("utla_code")["cpp_at31_count"].to_dict() == {
        "E06000001": 173,
        "E10000014": 922,
    }


def test_children_looked_after_keeps_31_march_rows_only():
    frame = dfe.read_children_looked_after(FIXTURES / "children_looked_after.csv")
    frame = frame.set_index("utla_code")
    # Cumbria (abolished, all "z") is dropped; City of London's suppressed count is missing.
    assert list(frame.index) == ["E06000001", "E09000001"]
    assert frame.loc["E06000001", "cla_at31_count"] == 332
    assert frame.loc["E06000001", "cla_rate_per_10k_published"] == 157
    assert pd.isna(frame.loc["E09000001", "cla_at31_count"])


def test_children_looked_after_without_the_31_march_population_type(tmp_path):
    path = tmp_path / "cla.csv"
    path.write_text(
        (FIXTURES / "children_looked_after.csv")
        .read_text()
        .replace("looked after on 31 March", "looked after at 31 March")
    )
    with pytest.raises(SchemaError, match="population_type"):
        dfe.read_children_looked_after(path)


def test_workforce_measures_and_joint_returns():
    frame = dfe.read_workforce(FIXTURES / "workforce.csv").set_index(["utla_code", "year"])
    hartlepool = frame.loc[("E06000001", 2025)]
    assert hartlepool[
        [
            "sw_fte",
            "sw_headcount",
            "sw_turnover_rate_pct",
            "sw_agency_rate_pct",
            "sw_vacancy_rate_pct",
            "sw_caseload",
            "sw_starters_fte",
            "sw_leavers_fte",
        ]
    ].tolist() == [151.4, 154, 11.5, 3.2, 1.3, 13.9, 24.8, 17.4]
    assert pd.isna(frame.loc[("E08000024", 2025), "sw_agency_rate_pct"])  # "low"
    assert frame.loc[("E09000021 / E09000027", 2025), "sw_fte"] == 137.4
    assert ("E09000020", 2025) not in frame.index  # every measure "x"


def test_joint_code_with_a_bad_part_is_a_geography_error(tmp_path):
    path = variant(
        tmp_path, FIXTURES / "workforce.csv", "E09000021 / E09000027", "E09000021 / E07000027"
    )
    with pytest.raises(GeographyError, match="E07000027"):
        dfe.read_workforce(path)


def test_child_population():
    frame = dfe.read_child_population(FIXTURES / "child_population.csv")
    assert frame.set_index("utla_code")["children_0_17"].to_dict() == {
        "E06000001": 21090,
        "E09000001": 847,
    }


@pytest.mark.mirror
def test_mirror_children_in_need_and_referrals_2025_match_england(mirror_dir):
    cin_path = mirror_dir / "services/dfe/b1_children_in_need_2013_to_2025.csv"
    cin = dfe.read_children_in_need(cin_path).query("year == 2025")
    assert cin["utla_code"].nunique() == len(cin) == 153
    ref_path = mirror_dir / "services/dfe/c1_referrals_2013_to_2025.csv"
    referrals = dfe.read_referrals(ref_path).query("year == 2025")
    england = national(ref_path, 2025, "referral_count")
    assert england == 632_830
    # LA figures are unrounded while England is rounded to the nearest 10.
    assert abs(referrals["referrals_count"].sum() - england) <= 10
    assert abs(cin["cin_at31_count"].sum() - national(cin_path, 2025, "At31_episodes")) <= 10


@pytest.mark.mirror
def test_mirror_cla_rate_uses_previous_mid_year_population(mirror_dir):
    cla_path = mirror_dir / "services/dfe/cla_number_and_rate_per_10k_children.csv"
    cla = dfe.read_children_looked_after(cla_path).query("year == 2025")
    population = dfe.read_child_population(
        mirror_dir / "services/dfe/ons_mid-year_population_0-17_2012_to_2024.csv"
    )
    pop_2024 = population.query("year == 2024")
    assert (
        national(
            cla_path,
            2025,
            "rate_per_10000",
            population_type="Children looked after on 31 March each year",
        )
        == 67
    )
    both = cla.merge(pop_2024, on="utla_code").dropna(subset=["cla_at31_count"])
    assert len(both) >= 150
    assert round(both["cla_at31_count"].sum() / both["children_0_17"].sum() * 10_000) == 67
    recomputed = both["cla_at31_count"] / both["children_0_17"] * 10_000
    assert (recomputed - both["cla_rate_per_10k_published"]).abs().max() <= 0.5 + 1e-9
