"""Readers for COReC (formerly PSSRU) Unit Costs of Health and Social Care tables.

``year`` is the manual's edition (2025 = the 2025 manual, prices of financial year 2024/25).
All money is in pounds at that edition's prices.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.data.readers.base import (
    BLANKS_ONLY,
    EXAMPLES,
    check_unique,
    parse_numeric,
    read_csv_mapped,
    read_header,
)
from coprod.errors import SchemaError

_TRAINING = {
    "year": "year",
    "job_title": "job_title",
    "tuition": "tuition_gbp",
    "living_expenses_or_lost_production_costs": "living_expenses_or_lost_production_costs_gbp",
    "clinical_placement": "clinical_placement_gbp",
    "total_investment": "total_investment_gbp",
    "expected_annual_cost_discounted_at_3pt5perc": "expected_annual_cost_discounted_3pt5pct_gbp",
}
_HOURLY_REQUIRED = {
    "year": "year",
    "band": "band",
    "cost_per_working_hour": "cost_per_working_hour_gbp",
}
_HOURLY_OPTIONAL = {"qualification_cost": "qualification_cost", "job_title": "job_title"}
QUALIFICATION_COST = frozenset({"including", "excluding"})


def _edition_year(values: pd.Series, path: str | Path) -> pd.Series:
    """Edition years as integers; a blank or non-year means a malformed table."""
    year = parse_numeric(values, path, "year")
    bad = year.isna() | (year % 1 != 0) | (year < 2000) | (year > 2100)
    if bad.any():
        raise SchemaError(
            f"{path}: column 'year' has values "
            f"{values[bad].head(EXAMPLES).tolist()} that are not edition years"
        )
    return year.astype("int64")


def _require_text(frame: pd.DataFrame, column: str, path: str | Path) -> None:
    """Key text columns must be filled in every row."""
    blank = frame[column].fillna("").str.strip() == ""
    if blank.any():
        raise SchemaError(f"{path}: column {column!r} is blank in {int(blank.sum())} rows")


def read_corec_training_costs(path: str | Path) -> pd.DataFrame:
    """Cost of training one professional (tuition, living costs, placement, annuitised at 3.5%)."""
    frame = read_csv_mapped(path, _TRAINING, dtype=str, **BLANKS_ONLY)
    _require_text(frame, "job_title", path)
    frame["year"] = _edition_year(frame["year"], path)
    for official, tidy in _TRAINING.items():
        if tidy.endswith("_gbp"):
            frame[tidy] = parse_numeric(frame[tidy], path, official)
    check_unique(frame, ["year", "job_title"], path)
    return frame.sort_values(["year", "job_title"]).reset_index(drop=True)


def read_corec_hourly_costs(path: str | Path) -> pd.DataFrame:
    """Cost per working hour by Agenda for Change band, for the nurse or community-HCP table.

    The nurse table splits each band by ``qualification_cost`` (including/excluding the
    cost of qualifying) and the community table lists ``job_title``; whichever a table lacks
    is returned missing so both share one layout.
    """
    header = read_header(path)
    present = {k: v for k, v in _HOURLY_OPTIONAL.items() if k in header.columns}
    frame = read_csv_mapped(path, {**_HOURLY_REQUIRED, **present}, dtype=str, **BLANKS_ONLY)
    for column in _HOURLY_OPTIONAL.values():
        if column not in frame:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    _require_text(frame, "band", path)
    frame["year"] = _edition_year(frame["year"], path)
    frame["cost_per_working_hour_gbp"] = parse_numeric(
        frame["cost_per_working_hour_gbp"], path, "cost_per_working_hour"
    )
    if "qualification_cost" in present:
        _require_text(frame, "qualification_cost", path)
        unknown = set(frame["qualification_cost"]) - QUALIFICATION_COST
        if unknown:
            raise SchemaError(
                f"{path}: column 'qualification_cost' has values {sorted(unknown)}; "
                f"expected {sorted(QUALIFICATION_COST)}"
            )
    check_unique(frame, ["year", "band", "qualification_cost"], path)
    return (
        frame[["year", "band", "qualification_cost", "cost_per_working_hour_gbp", "job_title"]]
        .sort_values(["year", "band", "qualification_cost"])
        .reset_index(drop=True)
    )
