"""Readers for DfE Explore Education Statistics (EES) underlying data on children's social care.

Every EES file shares the same identifier columns; only the local-authority rows are kept,
keyed by the ONS code DfE published that year (``new_la_code``). Codes are not remapped here:
the geography stage owns vintages.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from coprod.data.codes import check_codes
from coprod.data.readers.base import (
    BLANKS_ONLY,
    EXAMPLES,
    as_count,
    check_unique,
    end_year,
    parse_numeric,
    read_csv_mapped,
)
from coprod.errors import SchemaError

log = logging.getLogger(__name__)

# DfE symbols: c confidential, x unavailable, z not applicable, low rounds to zero,
# u low reliability, .. not collected. DfE never leaves a cell blank, so a blank is an error.
DFE_MARKERS = frozenset({"c", "x", "z", "low", "u", ".."})
LOCAL_AUTHORITY = "Local authority"
_ID_COLUMNS = {
    "time_period": "time_period",
    "geographic_level": "geographic_level",
    "new_la_code": "utla_code",
    "la_name": "la_name",
}


def _read_ees(
    path: str | Path,
    measures: dict[str, str],
    counts: set[str],
    row_filter: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Local-authority rows of an EES file, keyed (utla_code, year), measures parsed and renamed.

    Rows where every requested measure is missing (councils listed for a year they did not
    exist, or a whole return withheld) carry no information and are dropped with a log line.
    """
    mapping = dict(_ID_COLUMNS)
    if row_filter is not None:
        mapping[row_filter[0]] = row_filter[0]
    mapping.update(measures)
    frame = read_csv_mapped(path, mapping, dtype=str, **BLANKS_ONLY)
    frame = frame[frame["geographic_level"] == LOCAL_AUTHORITY]
    if row_filter is not None:
        column, wanted = row_filter
        found = sorted(frame[column].dropna().unique())
        frame = frame[frame[column] == wanted]
        if frame.empty:
            raise SchemaError(
                f"{path}: no local-authority rows with {column} == {wanted!r}; found {found}"
            )
    if frame.empty:
        raise SchemaError(f"{path}: no rows with geographic_level == {LOCAL_AUTHORITY!r}")
    # Councils sharing one children's service may make one joint return, coded "A / B".
    check_codes(frame["utla_code"], "utla_england", path, "new_la_code", joint=True)
    year = end_year(frame["time_period"], path, "time_period", separators=("",), calendar=True)
    out = frame[["utla_code", "la_name"]].assign(year=year)
    for official, tidy in measures.items():
        number = parse_numeric(frame[tidy], path, official, DFE_MARKERS, blanks=False)
        out[tidy] = as_count(number, path, official) if tidy in counts else number
    tidy_measures = list(measures.values())
    empty = out[tidy_measures].isna().all(axis=1)
    if empty.any():
        examples = (out.loc[empty, "la_name"] + " " + out.loc[empty, "year"].astype(str)).tolist()
        log.info(
            "%s: dropped %d local-authority rows with no value, e.g. %s",
            path,
            int(empty.sum()),
            examples[:EXAMPLES],
        )
    out = out[~empty]
    check_unique(out, ["utla_code", "year"], path)
    return (
        out[["utla_code", "year", "la_name", *tidy_measures]]
        .sort_values(["year", "utla_code"])
        .reset_index(drop=True)
    )


def read_children_in_need(path: str | Path) -> pd.DataFrame:
    """CIN at 31 March (``At31_episodes``) and children in need at any point in the year."""
    return _read_ees(
        path,
        {"At31_episodes": "cin_at31_count", "Anypoint_child": "cin_during_year_count"},
        counts={"cin_at31_count", "cin_during_year_count"},
    )


def read_referrals(path: str | Path) -> pd.DataFrame:
    """Referrals to children's social care in the year ending 31 March."""
    return _read_ees(path, {"referral_count": "referrals_count"}, counts={"referrals_count"})


def read_child_protection_plans(path: str | Path) -> pd.DataFrame:
    """Children on a child protection plan at 31 March."""
    return _read_ees(path, {"CPP_At31": "cpp_at31_count"}, counts={"cpp_at31_count"})


def read_children_looked_after(path: str | Path) -> pd.DataFrame:
    """Children looked after at 31 March, with DfE's published rate kept for cross-checking."""
    return _read_ees(
        path,
        {"children_count": "cla_at31_count", "rate_per_10000": "cla_rate_per_10k_published"},
        counts={"cla_at31_count"},
        row_filter=("population_type", "Children looked after on 31 March each year"),
    )


def read_workforce(path: str | Path) -> pd.DataFrame:
    """Children's social worker FTE, headcount, flows, turnover, agency, vacancy and caseload.

    Councils with a joint children's service (Kingston and Richmond; North and West
    Northamptonshire) return together: their row keeps the joint code, e.g.
    ``"E09000021 / E09000027"``, for the geography stage to apportion.
    """
    return _read_ees(
        path,
        {
            "inpost_fte": "sw_fte",
            "inpost_headcount": "sw_headcount",
            "turnover_rate_fte": "sw_turnover_rate_pct",
            "agency_rate_fte": "sw_agency_rate_pct",
            "vacancy_rate_fte": "sw_vacancy_rate_pct",
            "caseload_fte": "sw_caseload",
            "starters_fte": "sw_starters_fte",
            "leavers_fte": "sw_leavers_fte",
        },
        counts={"sw_headcount"},
    )


def read_child_population(path: str | Path) -> pd.DataFrame:
    """ONS mid-year estimates of children aged 0-17 in DfE's layout.

    Here ``year`` is the mid-year of the estimate (2024 = mid-2024). DfE divides the reporting
    year ending 31 March Y by the mid-(Y-1) estimate, so rates pair year Y with year Y-1 here.
    """
    return _read_ees(
        path,
        {"population_estimate": "children_0_17"},
        counts={"children_0_17"},
        row_filter=("age_group", "Children aged 0 to 17 years"),
    )
