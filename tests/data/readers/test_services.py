"""Oflog adult social care and Fingertips readers on small real-layout fixtures and the mirror."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers import services
from coprod.errors import GeographyError, SchemaError

from .helpers import variant

FIXTURES = Path(__file__).parents[2] / "fixtures" / "services"
OFLOG = FIXTURES / "oflog_asc.csv"
FINGERTIPS = FIXTURES / "fingertips_90284.csv"


def test_oflog_long_frame_with_end_years():
    frame = services.read_oflog_asc(OFLOG)
    assert list(frame.columns) == ["utla_code", "year", "measure_code", "value"]
    values = frame.set_index(["utla_code", "year", "measure_code"])["value"]
    assert len(values) == 10
    assert values[("E06000001", 2023, "ASC2")] == 0.423
    assert values[("E06000001", 2022, "ASC1")] == 7.8
    assert pd.isna(values[("E09000001", 2023, "ASC2")])  # blank in the file
    assert values[("E10000014", 2023, "ASC6")] == pytest.approx(2612.693807751244)


def test_oflog_non_numeric_value_is_a_schema_error(tmp_path):
    path = variant(tmp_path, OFLOG, ",ASC2,0.385,", ",ASC2,n/k,")
    with pytest.raises(SchemaError, match=r"oflog_asc\.csv.*'Value'.*n/k"):
        services.read_oflog_asc(path)


@pytest.mark.parametrize("year", ["2022-24", "2022", "22-23"])
def test_oflog_bad_financial_year(tmp_path, year):
    path = variant(tmp_path, OFLOG, "2021-22,E06000001", f"{year},E06000001")
    with pytest.raises(SchemaError, match="Financial year"):
        services.read_oflog_asc(path)


def test_oflog_missing_column(tmp_path):
    path = tmp_path / "oflog.csv"
    pd.read_csv(OFLOG, dtype=str).drop(columns="Code").to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"oflog\.csv.*'Code'"):
        services.read_oflog_asc(path)


def test_oflog_truncated(tmp_path):
    path = tmp_path / "oflog.csv"
    path.write_bytes(OFLOG.read_bytes()[:-10])
    with pytest.raises(SchemaError, match="truncated"):
        services.read_oflog_asc(path)


def test_oflog_district_code_is_a_geography_error(tmp_path):
    path = variant(tmp_path, OFLOG, "E10000014,Hampshire", "E07000084,Basingstoke")
    with pytest.raises(GeographyError, match="E07000084"):
        services.read_oflog_asc(path)


def test_oflog_duplicate_key(tmp_path):
    path = variant(tmp_path, OFLOG, "2021-22,E06000001", "2022-23,E06000001")
    path.write_text(
        path.read_text().replace('ASC Carer Quality of Life",ASC1', 'ASC Quality of Life",ASC2')
    )
    with pytest.raises(SchemaError, match="duplicate"):
        services.read_oflog_asc(path)


def test_fingertips_keeps_persons_upper_tier_rows_without_category():
    frame = services.read_fingertips(FINGERTIPS)
    assert list(frame.columns) == [
        "utla_code",
        "year",
        "indicator_id",
        "value",
        "count",
        "denominator",
        "lower_ci95",
        "upper_ci95",
    ]
    # England, the deprivation-decile row and the male row are left out.
    assert set(zip(frame["utla_code"], frame["year"])) == {
        ("E06000001", 2024),
        ("E06000053", 2024),
        ("E10000014", 2024),
        ("E06000001", 2023),
    }
    hampshire = frame.set_index("utla_code").loc["E10000014"]
    assert hampshire["indicator_id"] == 90284
    assert hampshire[["value", "count", "denominator"]].tolist() == [67.40338, 1595, 236635]
    assert hampshire["lower_ci95"] < hampshire["value"] < hampshire["upper_ci95"]
    scilly = frame.set_index("utla_code").loc["E06000053"]
    assert scilly[["value", "count", "denominator", "lower_ci95"]].isna().all()


def test_fingertips_without_upper_tier_rows(tmp_path):
    path = tmp_path / "ft.csv"
    path.write_text(
        FINGERTIPS.read_text().replace(
            "Counties & UAs (from Apr 2023)", "Districts & UAs (from Apr 2023)"
        )
    )
    with pytest.raises(SchemaError, match="no rows"):
        services.read_fingertips(path)


def test_fingertips_missing_column(tmp_path):
    path = tmp_path / "ft.csv"
    pd.read_csv(FINGERTIPS, dtype=str).drop(columns="Denominator").to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"ft\.csv.*'Denominator'"):
        services.read_fingertips(path)


def test_fingertips_truncated(tmp_path):
    path = tmp_path / "ft.csv"
    path.write_bytes(FINGERTIPS.read_bytes()[:-40])
    with pytest.raises(SchemaError, match="truncated"):
        services.read_fingertips(path)


def test_fingertips_bad_code(tmp_path):
    path = variant(tmp_path, FINGERTIPS, "E10000014,Hampshire", "W06000014,Hampshire")
    with pytest.raises(GeographyError, match="W06000014"):
        services.read_fingertips(path)


def test_fingertips_duplicate_key(tmp_path):
    path = tmp_path / "ft.csv"
    path.write_text(FINGERTIPS.read_text().replace(",2022/23,", ",2023/24,"))
    with pytest.raises(SchemaError, match="duplicate"):
        services.read_fingertips(path)


@pytest.mark.mirror
def test_mirror_oflog_and_fingertips_published_properties(mirror_dir):
    oflog = services.read_oflog_asc(
        mirror_dir / "services/oflog_asc_measures_2015-16_to_2022-23.csv"
    )
    assert sorted(oflog["measure_code"].unique()) == [f"ASC{i}" for i in range(1, 8)]
    assert (oflog["year"].min(), oflog["year"].max()) == (2016, 2023)
    per_year = oflog.query("measure_code == 'ASC5'").groupby("year")["utla_code"].nunique()
    assert per_year.between(151, 152).all()
    # ASC1 is a 0-12 carer quality-of-life score, ASC3 a percentage.
    assert oflog.query("measure_code == 'ASC1'")["value"].dropna().between(0, 12).all()
    assert oflog.query("measure_code == 'ASC3'")["value"].dropna().between(0, 100).all()

    path = mirror_dir / "services/fingertips_90284_child_injury_admissions.csv"
    frame = services.read_fingertips(path).query("year == 2024")
    assert len(frame) == 153
    raw = pd.read_csv(path, dtype=str)
    england = raw[
        (raw["Area Code"] == "E92000001")
        & (raw["Sex"] == "Persons")
        & raw["Category Type"].isna()
        & (raw["Time period"] == "2023/24")
    ].iloc[0]
    # Council denominators add up to England's; counts are rounded to 5 before publication.
    assert frame["denominator"].sum() == float(england["Denominator"])
    assert frame["count"].sum() == pytest.approx(float(england["Count"]), rel=1e-3)
    rate = frame["count"] / frame["denominator"] * 10_000
    assert (rate - frame["value"]).abs().max() < 1e-3
