"""HoC general election results: key vintage from codes, separators, CRLF, turnout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers.elections import read_hoc_results
from coprod.errors import GeographyError, SchemaError

from .helpers import raw, write

FIXTURES = Path(__file__).parents[2] / "fixtures" / "elections"
COLUMNS = ["electorate", "valid_votes", "invalid_votes", "turnout_pct", "majority", "country"]


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_ge2024_thousands_separators_and_turnout():
    frame = read_hoc_results(FIXTURES / "ge2024.csv")
    assert list(frame.columns) == ["pcon24cd", *COLUMNS]
    source = raw(FIXTURES / "ge2024.csv").set_index("ONS ID")
    out = frame.set_index("pcon24cd")
    for code, row in source.iterrows():
        electorate = number(row["Electorate"])
        ballots = number(row["Valid votes"]) + number(row["Invalid votes"])
        assert out.loc[code, "electorate"] == electorate
        assert out.loc[code, "turnout_pct"] == pytest.approx(100 * ballots / electorate)
        assert out.loc[code, "country"] == row["Country name"]
    assert set(out["country"]) == {"England", "Scotland", "Wales", "Northern Ireland"}
    assert (
        frame[["electorate", "valid_votes", "invalid_votes", "majority"]].dtypes == "int64"
    ).all()


def test_ge2019_crlf_file_is_keyed_by_2010_constituencies():
    assert b"\r\n" in (FIXTURES / "ge2019.csv").read_bytes()
    frame = read_hoc_results(FIXTURES / "ge2019.csv")
    assert list(frame.columns) == ["pcon10cd", *COLUMNS]
    assert frame["pcon10cd"].tolist() == sorted(raw(FIXTURES / "ge2019.csv")["ONS ID"])


def test_mixed_vintages_are_a_geography_error(tmp_path):
    frame = raw(FIXTURES / "ge2024.csv")
    frame.loc[0, "ONS ID"] = "W07000049"  # Aberavon, abolished in 2024
    path = write(frame, tmp_path / "ge.csv")
    with pytest.raises(GeographyError, match="W07000049") as err:
        read_hoc_results(path)
    assert str(path) in str(err.value)


def test_non_constituency_codes_are_a_geography_error(tmp_path):
    frame = raw(FIXTURES / "ge2019.csv")
    frame["ONS ID"] = frame["ONS ID"].str.replace("14", "05")
    frame.loc[frame["ONS ID"].str.startswith("W"), "ONS ID"] = "W06000001"
    with pytest.raises(GeographyError, match="mixed or unknown"):
        read_hoc_results(write(frame, tmp_path / "ge.csv"))


def test_missing_column_is_named(tmp_path):
    with pytest.raises(SchemaError, match="Invalid votes"):
        read_hoc_results(
            write(raw(FIXTURES / "ge2024.csv").drop(columns="Invalid votes"), tmp_path / "ge.csv")
        )


def test_truncated_results(tmp_path):
    path = tmp_path / "ge.csv"
    path.write_bytes((FIXTURES / "ge2019.csv").read_bytes()[:-30])
    with pytest.raises(SchemaError, match="truncated"):
        read_hoc_results(path)


def test_duplicate_constituency(tmp_path):
    frame = raw(FIXTURES / "ge2024.csv")
    with pytest.raises(SchemaError, match="not unique"):
        read_hoc_results(write(pd.concat([frame, frame.head(1)]), tmp_path / "ge.csv"))


def test_more_votes_than_electors(tmp_path):
    frame = raw(FIXTURES / "ge2024.csv")
    frame.loc[0, "Electorate"] = "1,000"
    with pytest.raises(SchemaError, match="exceed the electorate"):
        read_hoc_results(write(frame, tmp_path / "ge.csv"))


@pytest.mark.mirror
def test_mirror_general_elections(mirror_dir):
    ge24 = read_hoc_results(mirror_dir / "elections" / "HoC-GE2024-results-by-constituency.csv")
    ge19 = read_hoc_results(mirror_dir / "elections" / "HoC-GE2019-results-by-constituency.csv")
    assert len(ge24) == len(ge19) == 650
    assert ge24.columns[0] == "pcon24cd" and ge19.columns[0] == "pcon10cd"
    assert (ge24["country"] == "England").sum() == 543
    assert (ge19["country"] == "England").sum() == 533

    def uk(frame: pd.DataFrame, ballots: pd.Series) -> float:
        return 100 * ballots.sum() / frame["electorate"].sum()

    # HoC Library turnout (valid votes): GE2024 59.8%, GE2019 67.3%
    assert 59.7 <= uk(ge24, ge24["valid_votes"]) <= 59.8
    assert 67.25 <= uk(ge19, ge19["valid_votes"]) <= 67.35
    # ballots counted incl. rejected: about a quarter of a point more
    assert 59.9 <= uk(ge24, ge24["valid_votes"] + ge24["invalid_votes"]) <= 60.1
    assert ge24["electorate"].sum() == 48_208_507
