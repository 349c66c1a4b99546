"""HM Treasury GDP deflator reader: outturn rows, base year, cross-check of the two vintages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers import prices
from coprod.errors import SchemaError

MARCH2026 = "prices/hmt_gdp_deflator_march2026_fy.csv"
DEC2023 = "prices/GDP_Deflators_Qtrly_National_Accounts_December_2023_update.csv"


@pytest.fixture
def files(mirror_dir: Path) -> tuple[Path, Path]:
    paths = mirror_dir / MARCH2026, mirror_dir / DEC2023
    if not all(p.exists() for p in paths):
        pytest.skip("GDP deflator files not in the mirror")
    return paths


def test_real_files_give_outturn_to_2024_25_at_2024_25_prices(files):
    deflator = prices.read_gdp_deflator(*files)
    assert list(deflator.columns) == ["financial_year", prices.DEFLATOR]
    index = deflator.set_index("financial_year")[prices.DEFLATOR]
    assert index.index[0] == "2000-01" and index.index[-1] == "2024-25"  # forecasts dropped
    assert index["2024-25"] == 100
    assert index["2009-10"] == pytest.approx(67.7042)
    assert index.is_monotonic_increasing  # no year of deflation since 2000-01 in this vintage
    # The review's evidence: prices rose by about 17% from 2021-22 to 2024-25.
    assert index["2024-25"] / index["2021-22"] == pytest.approx(1.172, abs=0.002)


def test_december_2023_table_is_read_at_its_own_base(files):
    dec = prices.read_dec2023(files[1])
    assert dec["2022-23"] == 100 and dec["1955-56"] == pytest.approx(3.521)
    assert dec.index[-1] == "2022-23"  # forecast rows print '-'


def test_vintages_agree_on_growth_within_the_tolerance(files):
    growth = prices.check_vintages(
        prices.read_march2026(files[0]), prices.read_dec2023(files[1]), files[1]
    )
    assert len(growth) == 22  # 2001-02 to 2022-23
    assert growth["gap_pp"].abs().max() < prices.GROWTH_TOLERANCE_PP


def test_a_vintage_that_disagrees_is_an_error(files, tmp_path):
    text = files[1].read_text(encoding="utf-8-sig").replace(",2015-16,82.459,", ",2015-16,86.459,")
    edited = tmp_path / "dec2023.csv"
    edited.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match="2015-16"):
        prices.read_gdp_deflator(files[0], edited)


def test_march_2026_table_must_have_2024_25_equal_100(tmp_path, files):
    frame = pd.read_csv(files[0], dtype=str)
    frame.loc[frame["fiscal_year"] == "2024-25", "gdp_deflator"] = "99.5"
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SchemaError, match="2024-25 must be an outturn year equal to 100"):
        prices.read_march2026(path)


def test_march_2026_table_rejects_text_in_the_index(tmp_path, files):
    frame = pd.read_csv(files[0], dtype=str)
    frame.loc[3, "gdp_deflator"] = "n/a"
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SchemaError, match="gdp_deflator"):
        prices.read_march2026(path)
