"""Community Life Survey readers: the mirror's files and the official annual-table layout."""

from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers import participation as rp
from coprod.errors import SchemaError

FIXTURE = (
    Path(__file__).resolve().parents[2] / "fixtures/participation/cls_annual_tables_small.xlsx"
)
MIRROR = Path(__file__).resolve().parents[3] / "../shared/data/raw/participation"


def test_annual_tables_reader_takes_the_imd_decile_rows_of_each_sheet():
    frame = rp.read_cls_annual_tables(FIXTURE, sheets=("X1b", "B5b"))
    assert len(frame) == 20
    x1 = frame[frame["sheet"] == "X1b"].set_index("imd_decile")
    assert x1.index.tolist() == list(range(1, 11))
    assert x1.loc[1, "participation_share"] == pytest.approx(0.31)
    assert x1.loc[10, "ci_high"] == pytest.approx(0.415)
    assert x1.loc[3, "unweighted_base"] == 903
    assert (frame["ci_low"] < frame["participation_share"]).all()


def test_annual_tables_reader_names_a_missing_sheet():
    with pytest.raises(SchemaError, match="X9b"):
        rp.read_cls_annual_tables(FIXTURE, sheets=("X9b",))


def test_quintile_pair_and_england_series_from_the_mirror(tmp_path):
    path = MIRROR / "cls_civic_participation_by_imd_quintile_2016-17.csv"
    if not path.exists():
        pytest.skip("data mirror not present")
    q = rp.read_cls_imd_quintile(path)
    assert q["participation_share"].tolist() == pytest.approx([0.34, 0.48])
    e = rp.read_smc_dr41(MIRROR / "smc_dr41_civic_engagement_england.csv").set_index("year")
    assert e.loc["2016-17", "participation_share"] == pytest.approx(0.41123)
    assert pd.isna(e.loc["2022-23", "participation_share"])  # no survey that year
    assert (
        e.loc["2024-25", "ci_low"]
        < e.loc["2024-25", "participation_share"]
        < e.loc["2024-25", "ci_high"]
    )


def test_quintile_reader_rejects_a_missing_fifth(tmp_path):
    path = MIRROR / "cls_civic_participation_by_imd_quintile_2016-17.csv"
    if not path.exists():
        pytest.skip("data mirror not present")
    bad = tmp_path / "one_row.csv"
    bad.write_text("\n".join(path.read_text().splitlines()[:2]) + "\n")
    with pytest.raises(SchemaError, match="exactly one row"):
        rp.read_cls_imd_quintile(bad)
