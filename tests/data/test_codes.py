"""ONS code families: vintage ranges, joint returns, family detection and schema regexes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from coprod.data import codes, geography
from coprod.errors import GeographyError


def mask(values: list, family: str, **options) -> list[bool]:
    return codes.code_mask(pd.Series(values, dtype="str"), family, **options).tolist()


def test_number_ranges_separate_vintages():
    # The last LSOA 2011 code and the first one ONS added in 2021.
    assert mask(["E01033768", "E01033769"], "lsoa11") == [True, False]
    assert mask(["E01033768", "E01033769"], "lsoa21") == [True, True]
    # The last 2010-boundary English seat and the first 2024 one.
    assert mask(["E14001062", "E14001063"], "pcon10") == [True, False]
    assert mask(["E14001062", "E14001063"], "pcon24") == [False, True]


def test_malformed_and_missing_codes_fail():
    assert (
        mask(["E0100001", "E010000011", "e01000001", " E01000001", None], "lsoa21") == [False] * 5
    )


def test_joint_returns_need_every_part_in_the_family():
    values = ["E09000021 / E09000027", "E09000021 / E07000027", "E09000021/E09000027", "E06000001"]
    assert mask(values, "utla_england", joint=True) == [True, False, False, True]
    assert mask(values, "utla_england") == [False, False, False, True]


def test_joint_mask_keeps_the_index():
    series = pd.Series(["E06000001", "E07000001"], index=[10, 3], dtype="str")
    out = codes.code_mask(series, "utla_england", joint=True)
    assert out.to_dict() == {10: True, 3: False}


def test_check_codes_names_file_column_and_examples():
    series = pd.Series(["E06000001", "E07000123", None], dtype="str")
    with pytest.raises(GeographyError, match=r"f\.csv: column 'code'.*2 do not.*E07000123"):
        codes.check_codes(series, "utla_england", "f.csv", "code")
    codes.check_codes(series.iloc[:1], "utla_england", "f.csv", "code")


def test_detect_family_picks_the_only_fit_and_rejects_ambiguity():
    families = ["pcon24", "pcon10"]
    assert (
        codes.detect_family(pd.Series(["E14001063", "S14000001"]), families, "f", "c") == "pcon24"
    )
    # Unchanged Scottish seats kept their codes, so they alone cannot tell the vintage.
    with pytest.raises(GeographyError, match="several vintages"):
        codes.detect_family(pd.Series(["S14000001"]), families, "f", "c")
    with pytest.raises(GeographyError, match="mixed or unknown.*E14001063"):
        codes.detect_family(pd.Series(["E14000530", "E14001063", "E14000531"]), families, "f", "c")


@pytest.mark.parametrize("column", sorted(codes.KEY_FAMILIES))
def test_schema_patterns_accept_exactly_the_family_prefixes(column):
    family = codes.CODE_FAMILIES[codes.KEY_FAMILIES[column]]
    for prefix in ["E01", "W01", "E06", "E07", "E08", "E09", "E10", "E12", "E14", "W06"]:
        matched = re.match(codes.CODE_PATTERNS[column], f"{prefix}000001") is not None
        assert matched == (prefix in family), (column, prefix)
    assert geography.CODE_PATTERNS is codes.CODE_PATTERNS
