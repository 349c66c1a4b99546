"""ONS lookups and constituency shares: vintage-named keys, code checks, unique keys."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers import lookups
from coprod.errors import GeographyError, SchemaError

from .helpers import raw, write

FIXTURES = Path(__file__).parents[2] / "fixtures" / "lookups"


def test_lsoa21_lad24_best_fit():
    frame = lookups.read_lsoa21_lad24(FIXTURES / "lsoa21_ward24_lad24.csv")
    assert list(frame.columns) == ["lsoa21cd", "lsoa21nm", "lad24cd", "lad24nm"]
    row = frame.set_index("lsoa21cd").loc["W01000003"]
    assert (row["lsoa21nm"], row["lad24cd"]) == ("Isle of Anglesey 001A", "W06000001")
    assert frame["lsoa21cd"].is_monotonic_increasing


def test_ons_column_names_parse_like_the_mirror(tmp_path):
    frame = raw(FIXTURES / "lsoa21_ward24_lad24.csv").rename(
        columns={
            "lsoa21_code": "LSOA21CD",
            "lsoa21_name": "LSOA21NM",
            "ward24_code": "WD24CD",
            "ward24_name": "WD24NM",
            "ltla24_code": "LAD24CD",
            "ltla24_name": "LAD24NM",
        }
    )
    official = lookups.read_lsoa21_lad24(write(frame, tmp_path / "ons.csv"))
    pd.testing.assert_frame_equal(
        official, lookups.read_lsoa21_lad24(FIXTURES / "lsoa21_ward24_lad24.csv")
    )


def test_lsoa11_lsoa21_keeps_every_change_type():
    frame = lookups.read_lsoa11_lsoa21(FIXTURES / "lsoa11_lsoa21_lad22.csv")
    assert list(frame.columns) == ["lsoa11cd", "lsoa21cd", "change_code", "lad22cd"]
    assert sorted(frame["change_code"]) == ["M", "S", "U", "X"]
    unchanged = frame[frame["change_code"] == "U"]
    assert (unchanged["lsoa11cd"] == unchanged["lsoa21cd"]).all()


def test_lad24_region():
    frame = lookups.read_lad24_region(FIXTURES / "lad24_region24.csv")
    assert list(frame.columns) == ["lad24cd", "rgn24cd", "rgn24nm"]
    assert frame.set_index("lad24cd").loc["E09000001", "rgn24nm"] == "London"


def test_lad22_lad23_maps_merged_districts():
    frame = lookups.read_lad22_lad23(FIXTURES / "lad22_lad23.csv").set_index("lad22cd")
    assert frame.loc["E07000163", "lad23cd"] == "E06000065"  # Craven -> North Yorkshire
    assert frame.loc["S12000005", "lad23cd"] == "S12000005"


def test_ltla_utla_official_file():
    frame = lookups.read_lad23_utla23(FIXTURES / "LTLA-UTLA_Apr23_Lookup_England-Wales.csv")
    assert list(frame.columns) == ["lad23cd", "utla23cd", "utla23nm"]
    assert frame.set_index("lad23cd").loc["E07000008", "utla23nm"] == "Cambridgeshire"


@pytest.mark.parametrize(
    ("fixture", "key"),
    [
        ("lad24_pcon24_shares.csv", ["lad24cd", "pcon24cd"]),
        ("lad22_pcon10_shares.csv", ["lad22cd", "pcon10cd"]),
    ],
)
def test_pcon_shares_keys_named_by_vintage(fixture, key):
    frame = lookups.read_lad_pcon_shares(FIXTURES / fixture)
    assert list(frame.columns) == [*key, "share_of_lad_in_pcon"]
    totals = frame.groupby(key[0])["share_of_lad_in_pcon"].sum()
    assert ((totals - 1).abs() <= 0.01).all()
    assert len(frame) == len(raw(FIXTURES / fixture))


def test_pcon24_file_holding_2010_seats_is_wrong_vintage(tmp_path):
    frame = raw(FIXTURES / "lad24_pcon24_shares.csv")
    frame.loc[0, "PCON24CD"] = "E14000733"  # a 2010-boundary seat
    with pytest.raises(GeographyError, match="E14000733"):
        lookups.read_lad_pcon_shares(write(frame, tmp_path / "shares.csv"))


def test_pcon10_file_holding_2024_seats_is_wrong_vintage(tmp_path):
    frame = raw(FIXTURES / "lad22_pcon10_shares.csv")
    frame.loc[0, "PCON22CD"] = "E14001272"
    with pytest.raises(GeographyError, match="E14001272"):
        lookups.read_lad_pcon_shares(write(frame, tmp_path / "shares.csv"))


def test_shares_not_summing_to_one(tmp_path):
    frame = raw(FIXTURES / "lad24_pcon24_shares.csv")
    frame.loc[1, "share_of_LAD_in_PCON"] = "0.3"
    with pytest.raises(SchemaError, match="sum to 1"):
        lookups.read_lad_pcon_shares(write(frame, tmp_path / "shares.csv"))


def test_lsoa_column_with_msoa_codes_names_file_and_codes(tmp_path):
    frame = raw(FIXTURES / "lsoa21_ward24_lad24.csv")
    frame.loc[0, "lsoa21_code"] = "E02000001"
    path = write(frame, tmp_path / "lookup.csv")
    with pytest.raises(GeographyError, match="E02000001") as err:
        lookups.read_lsoa21_lad24(path)
    assert str(path) in str(err.value)


def test_lsoa21_code_in_lsoa11_column_is_wrong_vintage(tmp_path):
    frame = raw(FIXTURES / "lsoa11_lsoa21_lad22.csv")
    frame.loc[0, "lsoa11_code"] = "E01035189"  # created in 2021
    with pytest.raises(GeographyError, match="E01035189"):
        lookups.read_lsoa11_lsoa21(write(frame, tmp_path / "lookup.csv"))


def test_unknown_change_code(tmp_path):
    frame = raw(FIXTURES / "lsoa11_lsoa21_lad22.csv")
    frame.loc[0, "change_code"] = "Z"
    with pytest.raises(SchemaError, match="U/S/M/X"):
        lookups.read_lsoa11_lsoa21(write(frame, tmp_path / "lookup.csv"))


def test_duplicate_key(tmp_path):
    frame = raw(FIXTURES / "lad24_region24.csv")
    with pytest.raises(SchemaError, match="not unique"):
        lookups.read_lad24_region(write(pd.concat([frame, frame.tail(1)]), tmp_path / "r.csv"))


def test_missing_column_lists_each_layout(tmp_path):
    frame = raw(FIXTURES / "LTLA-UTLA_Apr23_Lookup_England-Wales.csv").drop(columns="UTLA23NM")
    with pytest.raises(SchemaError, match="UTLA23NM"):
        lookups.read_lad23_utla23(write(frame, tmp_path / "ltla_utla.csv"))


def test_truncated_lookup(tmp_path):
    path = tmp_path / "lad22_lad23.csv"
    path.write_bytes((FIXTURES / "lad22_lad23.csv").read_bytes()[:-10])
    with pytest.raises(SchemaError, match="truncated"):
        lookups.read_lad22_lad23(path)


@pytest.mark.mirror
def test_mirror_lookups(mirror_dir):
    mirror = mirror_dir / "lookups"
    lsoa = lookups.read_lsoa21_lad24(mirror / "lsoa21_ward24_lad24.csv")
    assert len(lsoa) == 35_672 and lsoa["lsoa21cd"].str.startswith("E01").sum() == 33_755
    assert lsoa.loc[lsoa["lsoa21cd"].str.startswith("E"), "lad24cd"].nunique() == 296

    change = lookups.read_lsoa11_lsoa21(mirror / "lsoa11_lsoa21_lad22.csv")
    england = change[change["lsoa11cd"].str.startswith("E")]
    assert england["lsoa11cd"].nunique() == 32_844 and england["lsoa21cd"].nunique() == 33_755
    assert change["change_code"].value_counts().to_dict() == {
        "U": 33_647,
        "S": 1_900,
        "M": 239,
        "X": 9,
    }

    region = lookups.read_lad24_region(mirror / "lad24_region24.csv")
    assert len(region) == 296 and region["rgn24cd"].nunique() == 9
    assert set(region["lad24cd"]) == set(lsoa.loc[lsoa["lsoa21cd"].str.startswith("E"), "lad24cd"])

    utla = lookups.read_lad23_utla23(mirror / "LTLA-UTLA_Apr23_Lookup_England-Wales.csv")
    eng_utla = utla[utla["lad23cd"].str.startswith("E")]
    assert len(utla) == 318 and len(eng_utla) == 296 and eng_utla["utla23cd"].nunique() == 153

    merged = lookups.read_lad22_lad23(mirror / "lad22_lad23.csv")
    assert len(merged) == 374
    assert set(merged.loc[merged["lad22cd"].str.startswith("E"), "lad23cd"]) == set(
        region["lad24cd"]
    )

    for name, pcon in [
        ("lad24_pcon24_shares.csv", "pcon24cd"),
        ("lad22_pcon10_shares.csv", "pcon10cd"),
    ]:
        shares = lookups.read_lad_pcon_shares(mirror / name)
        assert shares[pcon].nunique() == 650
