"""MHCLG Revenue Outturn Summary (RS) workbooks 2007-08 to 2023-24: every layout parses, the
authority rows add up to the ENGLAND row where every authority returned, lines appear in the
years they were collected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coprod.data.readers import revenue_outturn as ro
from coprod.errors import SchemaError

YEARS = [f"{y}-{(y + 1) % 100:02d}" for y in range(2007, 2024)]
TOTAL = ro.spend_column("total_service")
# Published differences between the sum of authority rows and the ENGLAND row (£ thousand):
# cells shown as '...' or '[x]' for authorities that did not return (provenance note).
ENGLAND_GAPS = {
    "2016-17": -131226,
    "2017-18": 133,
    "2021-22": 45,
    "2022-23": -2176200,
    "2023-24": -2992575,
}


def workbook(mirror_dir: Path, year: str) -> Path:
    found = sorted((mirror_dir / "finance_history").glob(f"rs{year.replace('-', '_')}.xls*"))
    if not found:
        pytest.skip(f"RS {year} not in the mirror")
    return found[0]


@pytest.mark.mirror
@pytest.mark.parametrize("year", YEARS)
def test_every_year_parses_and_sums_to_its_england_row(mirror_dir, year):
    path = workbook(mirror_dir, year)
    assert ro.rs_year(path) == year
    frame = ro.read_rs(path)
    england = ro.read_rs_england(path)
    assert frame["ecode"].is_unique and set(frame["financial_year"]) == {year}
    principal = frame["la_class"].isin(["L", "LB", "MD", "UA", "SC", "SD"]).sum()
    assert principal == {
        "2007-08": 388,
        "2008-09": 388,
        "2019-20": 343,
        "2020-21": 339,
        "2021-22": 333,
        "2022-23": 333,
        "2023-24": 317,
    }.get(year, 353)
    assert frame[TOTAL].sum() - england[TOTAL] == pytest.approx(ENGLAND_GAPS.get(year, 0), abs=0.5)
    has = {s: frame[ro.spend_column(s)].notna().any() for s in ro.RS_SERVICES}
    assert has["social_care"] == (year <= "2010-11")
    assert has["adult_social_care"] == has["childrens_social_care"] == (year >= "2011-12")
    assert has["public_health"] == (year >= "2013-14")
    assert has["courts"] == (year <= "2008-09")
    assert frame["ons_code"].notna().any() == (year >= "2014-15")


@pytest.mark.mirror
def test_north_yorkshire_miscode_is_read_as_published(mirror_dir):
    frame = ro.read_rs(workbook(mirror_dir, "2015-16")).set_index("ecode")
    assert frame.loc["E2721", "ons_code"] == "E10000022"  # corrected in coprod.data.footprints


def test_year_must_be_in_the_file_name(tmp_path):
    with pytest.raises(SchemaError, match="financial year"):
        ro.rs_year(tmp_path / "revenue_outturn.xlsx")
    assert ro.rs_year("rs2009_10.xls") == "2009-10"


def test_a_workbook_without_the_data_sheet_is_an_error(tmp_path):
    path = tmp_path / "rs2015_16.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(path, sheet_name="Front Page", index=False)
    with pytest.raises(SchemaError, match="RS net current expenditure data sheet"):
        ro.read_rs(path)


def test_unknown_service_heading_is_an_error(tmp_path):
    header = [
        "E-code",
        "Local authority",
        "Class",
        "Education services",
        "Libraries",
        "TOTAL SERVICE EXPENDITURE",
        "NET CURRENT EXPENDITURE",
    ]
    rows = [header, ["E0101", "Somewhere UA", "UA", "1", "2", "3", "4"]]
    path = tmp_path / "rs2015_16.xlsx"
    pd.DataFrame(rows).to_excel(path, sheet_name="RS LA Data 2015-16", header=False, index=False)
    with pytest.raises(SchemaError, match="'Libraries' matches no RS line"):
        ro.read_rs(path)


def test_markers_become_missing_and_other_text_is_an_error(tmp_path):
    header = [
        "E-code",
        "Local authority",
        "Class",
        "Education services",
        "TOTAL SERVICE EXPENDITURE",
        "NET CURRENT EXPENDITURE",
    ]
    body = [
        ["E0101", "A UA", "UA", "...", "[x]", "4"],
        ["E0102", "B UA", "UA", "1", "2", "3"],
        [None, "ENGLAND", None, "1", "2", "7"],
    ]
    body += [[f"E{1000 + i}", f"Borough {i}", "L", "0", "0", "0"] for i in range(300)]
    path = tmp_path / "rs2015_16.xlsx"
    pd.DataFrame([header, *body]).to_excel(
        path, sheet_name="RS LA Data 2015-16", header=False, index=False
    )
    frame = ro.read_rs(path).set_index("ecode")
    assert np.isnan(frame.loc["E0101", TOTAL]) and frame.loc["E0102", TOTAL] == 2
    assert ro.read_rs_england(path)[ro.spend_column("net_current")] == 7
    body[1][4] = "n/a"
    pd.DataFrame([header, *body]).to_excel(
        path, sheet_name="RS LA Data 2015-16", header=False, index=False
    )
    with pytest.raises(SchemaError, match="n/a"):
        ro.read_rs(path)
