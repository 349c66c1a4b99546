"""ONS mid-year population estimates: each file's layout, England totals, the 2021 break."""

from __future__ import annotations

from pathlib import Path

import pytest

from coprod.data.readers.population import read_mye
from coprod.errors import SchemaError

FILES = {
    "ukpopestimatesmid2020on2021geography.xls": range(2001, 2021),
    "ukpopestimatesmid2021on2021geographyfinal.xls": [2001, 2011, 2021],
    "mye22final.xlsx": [2011, 2022],
    "mye24tablesew.csv": [2024],
}
ENGLAND = {
    2009: 52196381,
    2011: 53107169,
    2020: 56550138,
    2021: 56536419,
    2022: 57106398,
    2024: 58620101,
}


@pytest.mark.mirror
@pytest.mark.parametrize("name", FILES)
def test_each_file_gives_its_mid_years_and_englands_published_total(mirror_dir: Path, name):
    path = mirror_dir / "population" / name
    if not path.exists():
        pytest.skip(f"{name} not in the mirror")
    frame = read_mye(path)
    assert sorted(frame["mid_year"].unique()) == list(FILES[name])
    assert not frame.duplicated(["area_code", "mid_year"]).any()
    assert frame["area_code"].str.fullmatch(r"[EWSNK]\d{8}").all()  # no stray spaces
    england = frame[frame["area_code"] == "E92000001"].set_index("mid_year")["population"]
    for year, total in ENGLAND.items():
        if year in england.index:
            assert england[year] == total


@pytest.mark.mirror
def test_north_and_west_northamptonshire_codes_lose_their_no_break_space(mirror_dir):
    frame = read_mye(mirror_dir / "population" / "ukpopestimatesmid2020on2021geography.xls")
    assert {"E06000061", "E06000062"} <= set(frame["area_code"])


def test_csv_year_comes_from_the_name_or_the_caller(tmp_path):
    text = (
        "Code,Name,Geography,All ages\nE92000001,ENGLAND,Country,100\n"
        "E06000001,Hartlepool,Unitary Authority,5"
    )
    path = tmp_path / "mye24tablesew.csv"
    path.write_text(text)
    assert read_mye(path)["mid_year"].unique().tolist() == [2024]
    other = tmp_path / "population.csv"
    other.write_text(text)
    assert read_mye(other, mid_year=2023)["mid_year"].unique().tolist() == [2023]
    with pytest.raises(SchemaError, match="mid_year"):
        read_mye(other)


def test_non_positive_population_is_an_error(tmp_path):
    path = tmp_path / "mye24tablesew.csv"
    path.write_text("Code,Name,Geography,All ages\nE06000001,Hartlepool,Unitary Authority,0\n")
    with pytest.raises(SchemaError, match="non-positive"):
        read_mye(path)
