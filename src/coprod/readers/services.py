"""Readers for upper-tier service-use indicators: Oflog adult social care and OHID Fingertips."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.errors import SchemaError
from coprod.readers._base import read_csv_mapped
from coprod.readers.dfe import UTLA_CODE, check_codes, check_unique, parse_numeric

# Blank cells are the only missing-value marker either publisher uses in these extracts.
_NO_MARKERS: frozenset[str] = frozenset()
# Fingertips names its upper-tier geographies by vintage, e.g. "Counties & UAs (from Apr 2023)".
_FINGERTIPS_UTLA_TYPE = r"(Counties & UAs|County & UA|Upper tier local authorities)\b.*"


def financial_end_year(periods: pd.Series, path: str | Path, column: str, *,
                       allow_calendar: bool = False) -> pd.Series:
    """Financial years ('2022-23', '2022/23') to their end year; calendar years kept if allowed."""
    text = periods.fillna("").str.strip()
    parts = text.str.extract(r"^(\d{4})(?:[-/](\d{2}))?$")
    start = pd.to_numeric(parts[0])
    second = pd.to_numeric(parts[1])
    calendar = start.notna() & second.isna()
    unknown = start.isna() | (calendar & (not allow_calendar)) | (
        second.notna() & (second != (start + 1) % 100))
    if unknown.any():
        raise SchemaError(f"{path}: column {column!r} has periods "
                          f"{sorted(text[unknown].unique())[:5]} that are not consecutive "
                          "years like 2022-23 or 2022/23")
    return start.where(calendar, start + 1).astype("int64")


def read_oflog_asc(path: str | Path) -> pd.DataFrame:
    """Oflog adult social care measures ASC1-ASC7, one row per council, year and measure."""
    frame = read_csv_mapped(path, {"Local authority code": "utla_code",
                                   "Financial year": "financial_year",
                                   "Code": "measure_code",
                                   "Value": "value"}, dtype=str)
    check_codes(frame["utla_code"], UTLA_CODE, path, "upper-tier local authority")
    codes = frame["measure_code"].str.strip()
    unknown = codes[~codes.fillna("").str.fullmatch(r"ASC\d+")]
    if len(unknown):
        raise SchemaError(f"{path}: column 'Code' has values {sorted(set(unknown.fillna('')))[:5]} "
                          "that are not Oflog ASC measure codes")
    out = pd.DataFrame({
        "utla_code": frame["utla_code"],
        "year": financial_end_year(frame["financial_year"], path, "Financial year"),
        "measure_code": codes,
        "value": parse_numeric(frame["value"], path, "Value", _NO_MARKERS),
    })
    check_unique(out, ["utla_code", "year", "measure_code"], path)
    return out.sort_values(["measure_code", "year", "utla_code"]).reset_index(drop=True)


def read_fingertips(path: str | Path) -> pd.DataFrame:
    """A standard Fingertips export: upper-tier council rows for persons, no category breakdown.

    England, district and deprivation-decile rows (those with a ``Category Type``) and the
    single-sex rows are left out, so each council has one row per indicator and period.
    """
    frame = read_csv_mapped(path, {"Indicator ID": "indicator_id",
                                   "Area Code": "utla_code",
                                   "Area Type": "area_type",
                                   "Sex": "sex",
                                   "Category Type": "category_type",
                                   "Time period": "time_period",
                                   "Value": "value",
                                   "Count": "count",
                                   "Denominator": "denominator",
                                   "Lower CI 95.0 limit": "lower_ci95",
                                   "Upper CI 95.0 limit": "upper_ci95"}, dtype=str)
    keep = (frame["area_type"].fillna("").str.fullmatch(_FINGERTIPS_UTLA_TYPE)
            & frame["category_type"].fillna("").str.strip().eq("")
            & frame["sex"].eq("Persons"))
    frame = frame[keep]
    if frame.empty:
        raise SchemaError(f"{path}: no rows for persons in an upper-tier 'Area Type' "
                          f"(pattern {_FINGERTIPS_UTLA_TYPE}) without a 'Category Type'")
    check_codes(frame["utla_code"], UTLA_CODE, path, "upper-tier local authority")
    indicator = parse_numeric(frame["indicator_id"], path, "Indicator ID", _NO_MARKERS)
    if indicator.isna().any():
        raise SchemaError(f"{path}: rows without an 'Indicator ID'")
    out = pd.DataFrame({
        "utla_code": frame["utla_code"],
        "year": financial_end_year(frame["time_period"], path, "Time period",
                                   allow_calendar=True),
        "indicator_id": indicator.astype("int64"),
    })
    for official, tidy in [("Value", "value"), ("Count", "count"), ("Denominator", "denominator"),
                           ("Lower CI 95.0 limit", "lower_ci95"),
                           ("Upper CI 95.0 limit", "upper_ci95")]:
        out[tidy] = parse_numeric(frame[tidy], path, official, _NO_MARKERS)
    check_unique(out, ["utla_code", "year", "indicator_id"], path)
    return out.sort_values(["indicator_id", "year", "utla_code"]).reset_index(drop=True)
