"""Reader for MHCLG revenue outturn service summaries (RSX): net current expenditure by council.

Header text drifts between years (MHCLG codes in brackets until 2023-24, none in 2024-25,
a bare "Net Current Expenditure" heading for 2021-22 environmental services), so columns are
found by service heading or bracketed code rather than by exact text. The financial year is
not in the file; it comes from the file name (``RSX_2024-25_...``) or the caller.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from coprod.columns import require_columns
from coprod.data.codes import ENGLAND_CODE, check_codes, code_mask
from coprod.data.readers.base import (
    BLANKS_ONLY,
    EXAMPLES,
    check_unique,
    parse_numeric,
    read_csv_mapped,
    read_header,
)
from coprod.errors import ConfigError, GeographyError, SchemaError

log = logging.getLogger(__name__)

# tidy service name: (MHCLG service heading, code inside "[RSX-<code>-net-cur-exp]")
SERVICES = {
    "education": ("Education services", "edu"),
    "highways": ("Highways and transport services", "trans"),
    "childrens_social_care": ("Children Social Care", "csc"),
    "adult_social_care": ("Adult Social Care", "asc"),
    "public_health": ("Public Health", "phs"),
    "housing": ("Housing services", "hous"),
    "cultural": ("Cultural and related services", "cul"),
    "environmental": ("Environmental and regulatory services", "env"),
    "planning": ("Planning and development services", "plan"),
    "police": ("Police services", "pol"),
    "fire": ("Fire and rescue services", "frs"),
    "central": ("Central services", "cen"),
    "other": ("Other services", "oth"),
    "total_service": ("Total Service Expenditure", "totsx"),
}
# "[x]" no return, "..." not applicable, "Category discontinued" line no longer collected;
# MHCLG never leaves a spend cell blank, so a blank is an error.
RSX_MARKERS = frozenset({"[x]", "...", "Category discontinued"})
# Each principal class has its own ONS code prefix; other classes are not councils.
PRINCIPAL_CLASS_PREFIX = {"UA": "E06", "SD": "E07", "MD": "E08", "LB": "E09", "SC": "E10"}
OTHER_CLASSES = {"O", "Eng"}
_ID_COLUMNS = {"ONS Code": "la_code", "Local authority": "la_name", "Class": "la_class"}
_YEAR_IN_NAME = re.compile(r"\d{4}-\d{2}")


def spend_column(service: str) -> str:
    """Tidy name of a service's net current expenditure column."""
    return f"spend_{service}_net_current_gbp_thousands"


def _is_financial_year(text: str) -> bool:
    """True for 'YYYY-YY' naming two consecutive years."""
    return (
        re.fullmatch(r"\d{4}-\d{2}", text) is not None
        and int(text[5:]) == (int(text[:4]) + 1) % 100
    )


def rsx_year(path: str | Path) -> str:
    """Financial year ('2024-25') named in an RSX file name; the file itself does not carry it."""
    match = _YEAR_IN_NAME.search(Path(path).name)
    if match is None or not _is_financial_year(match[0]):
        raise SchemaError(f"{path}: file name does not name a financial year like 2024-25")
    return match[0]


def _normalise(header: str) -> str:
    """Lower case, single spaces and a space either side of hyphens, for tolerant matching."""
    return " ".join(re.sub(r"\s*-\s*", " - ", header).lower().split())


def _net_current_columns(headers: list[str], path: str | Path) -> dict[str, str]:
    """Official header of each service's net current expenditure column, or a SchemaError."""
    found, missing = {}, []
    for service, (heading, code) in SERVICES.items():
        bracket = f"[rsx-{code}-net-cur-exp]"
        matches = [
            h
            for h in headers
            if bracket in h.lower()
            or (
                _normalise(h).startswith(_normalise(heading))
                and "net current expenditure" in _normalise(h)
            )
        ]
        if len(matches) > 1:
            raise SchemaError(
                f"{path}: several net current expenditure columns for {heading!r}: {matches}"
            )
        if matches:
            found[matches[0]] = spend_column(service)
        else:
            missing.append(f"{heading} - Net Current Expenditure [RSX-{code}-net-cur-exp]")
    if missing:
        raise SchemaError(f"{path}: missing net current expenditure columns {missing}")
    return found


def _read_all_rows(path: str | Path) -> pd.DataFrame:
    """Every row of an RSX file with identifiers and spend parsed; no rows dropped yet."""
    header = read_header(path)
    require_columns(header, _ID_COLUMNS, path)
    spend = _net_current_columns(list(header.columns), path)
    frame = read_csv_mapped(path, {**_ID_COLUMNS, **spend}, dtype=str, **BLANKS_ONLY)
    for official, tidy in spend.items():
        frame[tidy] = parse_numeric(frame[tidy], path, official, RSX_MARKERS, blanks=False)
    frame["la_class"] = frame["la_class"].str.strip()
    unknown = set(frame["la_class"].dropna()) - set(PRINCIPAL_CLASS_PREFIX) - OTHER_CLASSES
    if unknown or frame["la_class"].isna().any():
        raise SchemaError(f"{path}: unknown 'Class' values {sorted(unknown)} (blank counts too)")
    return frame


def read_rsx(path: str | Path, year: str | None = None) -> pd.DataFrame:
    """Principal councils' net current expenditure by service (£ thousand) for one year.

    ``year`` ('2024-25') defaults to the one in the file name; a conflicting pair is an error.
    Police, fire, parks, waste and combined authorities and the England row are dropped and
    counted in the log. Councils that made no return keep their row with missing spend.
    """
    named = _YEAR_IN_NAME.search(Path(path).name)
    if year is None:
        year = rsx_year(path)
    elif named is not None and named[0] != year:
        raise ConfigError(f"{path}: year {year!r} given but the file name says {named[0]!r}")
    if not _is_financial_year(year):
        raise ConfigError(f"{path}: year {year!r} is not a financial year like 2024-25")
    frame = _read_all_rows(path)
    principal_class = frame["la_class"].isin(list(PRINCIPAL_CLASS_PREFIX))
    councils = frame[principal_class]
    check_codes(councils["la_code"], "principal_england", path, "ONS Code")
    mismatch = councils["la_code"].str[:3] != councils["la_class"].map(PRINCIPAL_CLASS_PREFIX)
    if mismatch.any():
        examples = councils.loc[mismatch, ["la_code", "la_class"]].head(EXAMPLES).values.tolist()
        raise GeographyError(f"{path}: ONS code prefix disagrees with 'Class' for {examples}")
    stray = frame[~principal_class & code_mask(frame["la_code"], "principal_england")]
    if len(stray):
        raise GeographyError(
            f"{path}: council codes with a non-council 'Class': "
            f"{stray[['la_code', 'la_class']].head(EXAMPLES).values.tolist()}"
        )
    log.info(
        "%s: kept %d principal councils; dropped by class %s",
        path,
        len(councils),
        frame.loc[~principal_class, "la_class"].value_counts().to_dict(),
    )
    spend = [spend_column(s) for s in SERVICES]
    no_return = councils[spend].isna().all(axis=1)
    if no_return.any():
        log.info(
            "%s: %d councils without a return (all spend missing): %s",
            path,
            int(no_return.sum()),
            councils.loc[no_return, "la_name"].tolist(),
        )
    check_unique(councils, ["la_code"], path)
    out = councils.assign(financial_year=year, year=int(year[:4]) + 1)
    return (
        out[["la_code", "la_name", "la_class", "financial_year", "year", *spend]]
        .sort_values("la_code")
        .reset_index(drop=True)
    )


def read_rsx_england(path: str | Path) -> pd.Series:
    """The England row's net current expenditure by service (£ thousand), for reconciliation.

    MHCLG's England total covers every body in the file and includes estimates for councils
    that did not return, so the principal-council sum falls short of it.
    """
    frame = _read_all_rows(path)
    england = frame[frame["la_code"] == ENGLAND_CODE]
    if len(england) != 1:
        raise SchemaError(
            f"{path}: expected one England row ({ENGLAND_CODE}), found {len(england)}"
        )
    return england[[spend_column(s) for s in SERVICES]].iloc[0].astype("float64")
