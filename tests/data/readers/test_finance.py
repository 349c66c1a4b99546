"""RSX revenue outturn reader: header drift, principal-council filter, markers, England row."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers import finance
from coprod.errors import ConfigError, GeographyError, SchemaError

from .helpers import raw, write

FIXTURES = Path(__file__).parents[2] / "fixtures" / "finance"
RSX_2122 = FIXTURES / "RSX_2021-22_sample.csv"
RSX_2425 = FIXTURES / "RSX_2024-25_sample.csv"
ASC = finance.spend_column("adult_social_care")
TOTAL = finance.spend_column("total_service")
ENV = finance.spend_column("environmental")


def rewritten(tmp_path: Path, source: Path, name: str | None = None, edit=None) -> Path:
    """Copy of a fixture, optionally renamed and edited as a string-typed frame."""
    frame = raw(source)
    return write(frame if edit is None else edit(frame), tmp_path / (name or source.name))


def test_2021_22_layout_with_bracket_codes_and_odd_environment_header(caplog):
    with caplog.at_level(logging.INFO, logger="coprod.data.readers.finance"):
        frame = finance.read_rsx(RSX_2122)
    assert list(frame.columns) == [
        "la_code",
        "la_name",
        "la_class",
        "financial_year",
        "year",
        *(finance.spend_column(s) for s in finance.SERVICES),
    ]
    assert len(finance.SERVICES) == 14
    # Police and the England row are dropped; Bromsgrove ("..." throughout) keeps a row.
    assert frame["la_code"].tolist() == ["E06000001", "E07000234", "E09000001", "E10000014"]
    assert frame["la_class"].tolist() == ["UA", "SD", "LB", "SC"]
    assert set(frame["financial_year"]) == {"2021-22"} and set(frame["year"]) == {2022}
    hartlepool = frame.set_index("la_code").loc["E06000001"]
    assert hartlepool[[ASC, ENV, TOTAL]].tolist() == [35060, 8801, 160710]
    assert frame.set_index("la_code").loc["E07000234"].filter(like="spend_").isna().all()
    assert "{'O': 1, 'Eng': 1}" in caplog.text


def test_2024_25_layout_without_bracket_codes():
    frame = finance.read_rsx(RSX_2425).set_index("la_code")
    assert list(frame.index) == ["E06000001", "E06000002", "E08000025", "E10000014"]
    assert frame.loc["E06000002", TOTAL] == 295993.27
    assert frame.loc["E10000014", ASC] == 613881
    assert pd.isna(frame.loc["E08000025", ASC])  # Birmingham "[x]": no return


def test_england_row_is_available_for_reconciliation():
    england = finance.read_rsx_england(RSX_2122)
    assert england[ASC] == 18971928 and england[TOTAL] == 107050892
    assert england[ENV] == 5511397


def test_year_comes_from_the_file_name_or_the_caller(tmp_path):
    assert finance.rsx_year(RSX_2425) == "2024-25"
    assert finance.read_rsx(RSX_2425, "2024-25")["financial_year"].iloc[0] == "2024-25"
    with pytest.raises(ConfigError, match="2023-24"):
        finance.read_rsx(RSX_2425, "2023-24")
    unnamed = rewritten(tmp_path, RSX_2425, name="rsx.csv")
    assert set(finance.read_rsx(unnamed, "2024-25")["year"]) == {2025}
    with pytest.raises(SchemaError, match="financial year"):
        finance.read_rsx(unnamed)
    with pytest.raises(SchemaError, match="financial year"):
        finance.rsx_year(tmp_path / "RSX_2024-26.csv")
    with pytest.raises(ConfigError, match="2024-26"):
        finance.read_rsx(unnamed, "2024-26")


@pytest.mark.parametrize("source", [RSX_2122, RSX_2425])
def test_missing_service_column_is_listed(tmp_path, source):
    path = rewritten(
        tmp_path,
        source,
        edit=lambda f: f.drop(
            columns=[c for c in f.columns if c.startswith("Public Health - Net Current")]
        ),
    )
    with pytest.raises(SchemaError, match=r"missing net current expenditure.*Public Health"):
        finance.read_rsx(path)


def test_bracket_code_alone_finds_a_column(tmp_path):
    def strip_heading(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.rename(
            columns=lambda c: c.replace(
                "Adult Social Care - Net Current Expenditure", "Net Current Expenditure"
            )
        )

    path = rewritten(tmp_path, RSX_2122, edit=strip_heading)
    assert finance.read_rsx(path).set_index("la_code").loc["E06000001", ASC] == 35060


def test_truncated_file(tmp_path):
    path = tmp_path / RSX_2425.name
    path.write_bytes(RSX_2425.read_bytes()[:-100])
    with pytest.raises(SchemaError, match="truncated"):
        finance.read_rsx(path)


def test_malformed_council_code_is_a_geography_error(tmp_path):
    def break_code(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.replace({"ONS Code": {"E06000001": "E0600001"}})

    with pytest.raises(GeographyError, match="E0600001"):
        finance.read_rsx(rewritten(tmp_path, RSX_2425, edit=break_code))


def test_class_that_disagrees_with_code_prefix(tmp_path):
    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.replace({"Class": {"SC": "UA"}})

    with pytest.raises(GeographyError, match="E10000014"):
        finance.read_rsx(rewritten(tmp_path, RSX_2425, edit=relabel))


def test_duplicate_council(tmp_path):
    def duplicate(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([frame, frame[frame["ONS Code"] == "E06000001"]])

    with pytest.raises(SchemaError, match="duplicate"):
        finance.read_rsx(rewritten(tmp_path, RSX_2425, edit=duplicate))


@pytest.mark.parametrize(
    ("marker", "ok"),
    [("[x]", True), ("...", True), ("Category discontinued", True), ("", False), ("n.a.", False)],
)
def test_markers(tmp_path, marker, ok):
    column = next(
        c for c in pd.read_csv(RSX_2425, nrows=0).columns if c.startswith("Adult Social Care - Net")
    )

    def mark(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame["ONS Code"] == "E06000001", column] = marker
        return frame

    path = rewritten(tmp_path, RSX_2425, edit=mark)
    if ok:
        assert pd.isna(finance.read_rsx(path).set_index("la_code").loc["E06000001", ASC])
    else:
        with pytest.raises(SchemaError, match=rf"Adult Social Care.*({re.escape(marker)}|blank)"):
            finance.read_rsx(path)


@pytest.mark.mirror
def test_mirror_rsx_reconciles_with_england_totals(mirror_dir):
    years = {"2021-22": 333, "2022-23": 333, "2023-24": 317, "2024-25": 317}
    england = {}
    for year, councils in years.items():
        path = mirror_dir / f"finance/RSX_{year}_data_by_LA.csv"
        frame = finance.read_rsx(path)
        assert len(frame) == councils and set(frame["financial_year"]) == {year}
        england[year] = finance.read_rsx_england(path)
        # England includes estimates for non-returns, so the council sum falls a little short.
        share = frame[ASC].sum() / england[year][ASC]
        assert 0.95 < share <= 1.0 + 1e-9
        # Districts have no adult social care duty: their lines are a rounding error.
        assert frame.loc[frame["la_class"] == "SD", ASC].sum() < 0.001 * frame[ASC].sum()
    assert england["2024-25"][ASC] / 1e6 == pytest.approx(25.24, abs=0.005)
    assert england["2021-22"][TOTAL] / 1e6 == pytest.approx(107.05, abs=0.005)
    assert england["2021-22"][ASC] / 1e6 == pytest.approx(18.97, abs=0.005)
