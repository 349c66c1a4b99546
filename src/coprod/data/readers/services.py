"""Readers for upper-tier service-use indicators: Oflog adult social care and OHID Fingertips."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.data.codes import check_codes
from coprod.data.readers.base import (
    BLANKS_ONLY,
    EXAMPLES,
    check_unique,
    end_year,
    parse_numeric,
    read_csv_mapped,
)
from coprod.errors import SchemaError

# Blank cells are the only missing-value marker either publisher uses in these extracts.
# Fingertips names its upper-tier geographies by vintage, e.g. "Counties & UAs (from Apr 2023)".
_FINGERTIPS_UTLA_TYPE = r"(Counties & UAs|County & UA|Upper tier local authorities)\b.*"


def read_oflog_asc(path: str | Path) -> pd.DataFrame:
    """Oflog adult social care measures ASC1-ASC7, one row per council, year and measure."""
    frame = read_csv_mapped(
        path,
        {
            "Local authority code": "utla_code",
            "Financial year": "financial_year",
            "Code": "measure_code",
            "Value": "value",
        },
        dtype=str,
        **BLANKS_ONLY,
    )
    check_codes(frame["utla_code"], "utla_england", path, "Local authority code")
    codes = frame["measure_code"].str.strip()
    unknown = codes[~codes.fillna("").str.fullmatch(r"ASC\d+")]
    if len(unknown):
        raise SchemaError(
            f"{path}: column 'Code' has values "
            f"{sorted(set(unknown.fillna('')))[:EXAMPLES]} "
            "that are not Oflog ASC measure codes"
        )
    out = pd.DataFrame(
        {
            "utla_code": frame["utla_code"],
            "year": end_year(frame["financial_year"], path, "Financial year"),
            "measure_code": codes,
            "value": parse_numeric(frame["value"], path, "Value"),
        }
    )
    check_unique(out, ["utla_code", "year", "measure_code"], path)
    return out.sort_values(["measure_code", "year", "utla_code"]).reset_index(drop=True)


def read_fingertips(path: str | Path) -> pd.DataFrame:
    """A standard Fingertips export: upper-tier council rows for persons, no category breakdown.

    England, district and deprivation-decile rows (those with a ``Category Type``) and the
    single-sex rows are left out, so each council has one row per indicator and period.
    """
    frame = read_csv_mapped(
        path,
        {
            "Indicator ID": "indicator_id",
            "Area Code": "utla_code",
            "Area Type": "area_type",
            "Sex": "sex",
            "Category Type": "category_type",
            "Time period": "time_period",
            "Value": "value",
            "Count": "count",
            "Denominator": "denominator",
            "Lower CI 95.0 limit": "lower_ci95",
            "Upper CI 95.0 limit": "upper_ci95",
        },
        dtype=str,
        **BLANKS_ONLY,
    )
    keep = (
        frame["area_type"].fillna("").str.fullmatch(_FINGERTIPS_UTLA_TYPE)
        & frame["category_type"].fillna("").str.strip().eq("")
        & frame["sex"].eq("Persons")
    )
    frame = frame[keep]
    if frame.empty:
        raise SchemaError(
            f"{path}: no rows for persons in an upper-tier 'Area Type' "
            f"(pattern {_FINGERTIPS_UTLA_TYPE}) without a 'Category Type'"
        )
    check_codes(frame["utla_code"], "utla_england", path, "Area Code")
    indicator = parse_numeric(frame["indicator_id"], path, "Indicator ID")
    if indicator.isna().any():
        raise SchemaError(f"{path}: rows without an 'Indicator ID'")
    out = pd.DataFrame(
        {
            "utla_code": frame["utla_code"],
            "year": end_year(frame["time_period"], path, "Time period", calendar=True),
            "indicator_id": indicator.astype("int64"),
        }
    )
    for official, tidy in [
        ("Value", "value"),
        ("Count", "count"),
        ("Denominator", "denominator"),
        ("Lower CI 95.0 limit", "lower_ci95"),
        ("Upper CI 95.0 limit", "upper_ci95"),
    ]:
        out[tidy] = parse_numeric(frame[tidy], path, official)
    check_unique(out, ["utla_code", "year", "indicator_id"], path)
    return out.sort_values(["indicator_id", "year", "utla_code"]).reset_index(drop=True)
