"""Census 2021 Nomis bulk readers: level from codes, int64 counts, categories sum to totals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers import census
from coprod.errors import GeographyError, SchemaError

from .helpers import raw, write

FIXTURES = Path(__file__).parents[2] / "fixtures" / "census"

# reader, fixture, tidy total, tidy categories that add up to it
TABLES = [
    (
        census.read_ts037,
        "ts037_lsoa.csv",
        "health_total",
        ["health_very_good", "health_good", "health_fair", "health_bad", "health_very_bad"],
    ),
    (census.read_ts038, "ts038_lsoa.csv", "disab_total", ["disab_disabled", "disab_not_disabled"]),
    (
        census.read_ts062,
        "ts062_lsoa.csv",
        "nssec_total_16plus",
        [
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
    ),
    (
        census.read_ts063,
        "ts063_lsoa.csv",
        "occ_total_employed",
        [
            f"occ_soc{i}_{n}"
            for i, n in enumerate(
                [
                    "managers",
                    "professional",
                    "associate_professional",
                    "administrative",
                    "skilled_trades",
                    "caring_leisure",
                    "sales_customer",
                    "process_plant",
                    "elementary",
                ],
                start=1,
            )
        ],
    ),
    (
        census.read_ts067,
        "ts067_lsoa.csv",
        "qual_total_16plus",
        [
            "qual_none",
            "qual_level1_entry",
            "qual_level2",
            "qual_apprenticeship",
            "qual_level3",
            "qual_level4plus",
            "qual_other",
        ],
    ),
]


@pytest.mark.parametrize(("reader", "fixture", "total", "parts"), TABLES)
def test_lsoa_tables_keyed_typed_and_summing(reader, fixture, total, parts):
    frame = reader(FIXTURES / fixture)
    source = raw(FIXTURES / fixture)
    assert frame.columns[0] == "lsoa21cd" and {total, *parts} <= set(frame.columns)
    assert frame["lsoa21cd"].tolist() == sorted(source["geography code"])
    assert (frame.drop(columns="lsoa21cd").dtypes == "int64").all()
    assert (frame[parts].sum(axis=1) == frame[total]).all()
    # the total is the file's first category column, value for value
    expected = source.set_index("geography code").iloc[:, 2].astype("int64")
    assert frame.set_index("lsoa21cd")[total].to_dict() == expected.to_dict()


def test_ts001_population_is_usual_residents_in_england_and_wales():
    frame = census.read_ts001(FIXTURES / "ts001_lsoa.csv")
    source = raw(FIXTURES / "ts001_lsoa.csv").set_index("geography code")
    assert list(frame.columns) == ["lsoa21cd", "population"]
    assert set(frame["lsoa21cd"].str[:3]) == {"E01", "W01"}
    expected = source["Residence type: Total; measures: Value"].astype("int64")
    assert frame.set_index("lsoa21cd")["population"].to_dict() == expected.to_dict()


def test_ts038_disabled_splits_into_degrees_of_limitation():
    frame = census.read_ts038(FIXTURES / "ts038_lsoa.csv")
    assert (
        frame["disab_limited_a_lot"] + frame["disab_limited_a_little"] == frame["disab_disabled"]
    ).all()


@pytest.mark.parametrize(
    "reader, fixture",
    [(census.read_ts001, "ts001_ltla.csv"), (census.read_ts067, "ts067_ltla.csv")],
)
def test_ltla_files_are_keyed_by_lad22cd(reader, fixture):
    frame = reader(FIXTURES / fixture)
    assert frame.columns[0] == "lad22cd"
    assert frame["lad22cd"].tolist() == sorted(raw(FIXTURES / fixture)["geography code"])


def test_missing_category_column_is_named(tmp_path):
    column = "Highest level of qualification: Apprenticeship"
    path = write(raw(FIXTURES / "ts067_lsoa.csv").drop(columns=column), tmp_path / "ts067.csv")
    with pytest.raises(SchemaError, match="Apprenticeship"):
        census.read_ts067(path)


def test_file_cut_mid_row_is_rejected(tmp_path):
    data = (FIXTURES / "ts037_lsoa.csv").read_bytes()
    path = tmp_path / "ts037.csv"
    path.write_bytes(data[:-7])
    with pytest.raises(SchemaError, match="truncated"):
        census.read_ts037(path)


def test_short_last_row_with_newline_is_rejected(tmp_path):
    lines = (FIXTURES / "ts037_lsoa.csv").read_text().splitlines()
    path = tmp_path / "ts037.csv"
    path.write_text("\n".join([*lines[:-1], lines[-1].rsplit(",", 2)[0]]) + "\n")
    with pytest.raises(
        SchemaError,
        match=r"column 'General health: [A-Za-z ]+' has blank cells "
        r"where whole numbers belong, first at row 3",
    ):
        census.read_ts037(path)


def test_msoa_codes_are_a_geography_error(tmp_path):
    frame = raw(FIXTURES / "ts001_lsoa.csv")
    frame["geography code"] = frame["geography code"].str.replace("01", "02", n=1)
    path = write(frame, tmp_path / "ts001.csv")
    with pytest.raises(GeographyError, match="E02000001") as err:
        census.read_ts001(path)
    assert str(path) in str(err.value)


def test_mixed_lsoa_and_lad_codes_are_a_geography_error(tmp_path):
    lsoa, ltla = raw(FIXTURES / "ts001_lsoa.csv"), raw(FIXTURES / "ts001_ltla.csv")
    path = write(pd.concat([lsoa, ltla.head(1)]), tmp_path / "ts001.csv")
    with pytest.raises(GeographyError, match="mixed or unknown"):
        census.read_ts001(path)


def test_categories_not_summing_to_total(tmp_path):
    frame = raw(FIXTURES / "ts037_lsoa.csv")
    fair = "General health: Fair health"
    frame.loc[0, fair] = str(int(frame.loc[0, fair]) + 1)
    with pytest.raises(SchemaError, match="do not sum"):
        census.read_ts037(write(frame, tmp_path / "ts037.csv"))


def test_duplicate_area_is_a_schema_error(tmp_path):
    frame = raw(FIXTURES / "ts001_lsoa.csv")
    with pytest.raises(SchemaError, match="not unique"):
        census.read_ts001(write(pd.concat([frame, frame.head(1)]), tmp_path / "ts001.csv"))


def test_other_census_year_is_rejected(tmp_path):
    frame = raw(FIXTURES / "ts001_lsoa.csv").assign(date="2011")
    with pytest.raises(SchemaError, match="2021"):
        census.read_ts001(write(frame, tmp_path / "ts001.csv"))


@pytest.mark.mirror
def test_mirror_census_files(mirror_dir):
    readers = {
        "ts001": census.read_ts001,
        "ts037": census.read_ts037,
        "ts038": census.read_ts038,
        "ts062": census.read_ts062,
        "ts063": census.read_ts063,
        "ts067": census.read_ts067,
    }
    for table, reader in readers.items():
        lsoa = reader(mirror_dir / "census2021" / f"census2021-{table}-lsoa.csv")
        assert len(lsoa) == 35_672
        assert lsoa["lsoa21cd"].str.startswith("E01").sum() == 33_755
        ltla = reader(mirror_dir / "census2021" / f"census2021-{table}-ltla.csv")
        assert ltla.columns[0] == "lad22cd" and len(ltla) == 331
        # LSOA and LTLA files are sums of the same output areas
        assert (lsoa.iloc[:, 1:].sum() == ltla.iloc[:, 1:].sum()).all()

    pop = census.read_ts001(mirror_dir / "census2021" / "census2021-ts001-lsoa.csv")
    england = pop.loc[pop["lsoa21cd"].str.startswith("E"), "population"].sum()
    assert abs(england - 56_490_048) <= 1_000  # ONS published; OA sums carry perturbation

    qual = census.read_ts067(mirror_dir / "census2021" / "census2021-ts067-lsoa.csv")
    eng = qual[qual["lsoa21cd"].str.startswith("E")].drop(columns="lsoa21cd").sum()
    ew = qual.drop(columns="lsoa21cd").sum()
    # ONS headlines: England 33.9% Level 4+, 18.1% none; England and Wales 33.8%, 18.2%
    assert 0.338 <= eng["qual_level4plus"] / eng["qual_total_16plus"] <= 0.340
    assert 0.180 <= eng["qual_none"] / eng["qual_total_16plus"] <= 0.182
    assert 0.337 <= ew["qual_level4plus"] / ew["qual_total_16plus"] <= 0.339
    assert 0.181 <= ew["qual_none"] / ew["qual_total_16plus"] <= 0.183
