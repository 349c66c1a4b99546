"""Reader for the MHCLG/DCLG Revenue Outturn Summary (RS) workbooks, 2007-08 to 2023-24:
net current expenditure by service line and authority, £ thousand, cash.

Layouts drift by year (sheet names, the header row, 'Social care' split into children's and
adults' from 2011-12, public health from 2013-14, court services to 2008-09, ONS codes printed
only from 2014-15), so the sheet is found by name pattern, the header row by its 'E-code' cell
and service columns by heading, left of and including TOTAL SERVICE EXPENDITURE, plus the first
NET CURRENT EXPENDITURE column to its right. Authorities are keyed by MHCLG's E-code, stable
across years. See data provenance note finance_history_and_population.md.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from coprod.data.readers.base import BLANKS_ONLY, EXAMPLES, parse_numeric
from coprod.errors import SchemaError

# tidy service name: lower-case start of the RS heading
RS_SERVICES = {
    "education": "education",
    "highways": "highways",
    "social_care": "social care",
    "childrens_social_care": "children social care",
    "adult_social_care": "adult social care",
    "public_health": "public health",
    "housing": "housing",
    "cultural": "cultural",
    "environmental": "environmental",
    "planning": "planning",
    "police": "police",
    "fire": "fire",
    "courts": "court",
    "central": "central",
    "other": "other",
    "total_service": "total service expenditure",
}
NET_CURRENT = "net_current"
RS_MARKERS = frozenset({"...", "…", "[x]", "-", "..", "x"})
_SHEET = re.compile(
    r"^(RS[ _]LA[ _]Data[ _]\d{4}-\d{2}( \(1\))?|Net current expenditure \(col 1\))$"
)
_ECODE = re.compile(r"^E\d{4}$")
_YEAR_IN_NAME = re.compile(r"(\d{4})[_-](\d{2})")


def spend_column(service: str) -> str:
    """Tidy name of an RS service line's net current expenditure (£ thousand, cash)."""
    return f"rs_{service}_net_current_gbp_thousands"


def _sheet(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():  # xlrd warns on some DCLG workbooks' OLE padding
        warnings.simplefilter("ignore")
        try:
            book = pd.ExcelFile(path)
        except Exception as exc:  # noqa: BLE001 - xlrd/openpyxl raise many types
            raise SchemaError(f"{path}: not a readable Excel workbook ({exc})") from exc
        names = [s for s in book.sheet_names if _SHEET.match(s.strip())]
        if len(names) != 1:
            raise SchemaError(
                f"{path}: expected one RS net current expenditure data sheet "
                f"(like 'RS_LA_Data_2023-24'); sheets are {book.sheet_names}"
            )
        return book.parse(names[0], header=None, dtype=str, **BLANKS_ONLY)


def _columns(header: list[str], path: Path) -> tuple[dict[int, str], dict[str, int]]:
    """Service column positions -> tidy spend names, and identifier positions."""
    norm = [" ".join(str(h).replace("\n", " ").split()).lower() if h == h else "" for h in header]
    ids = {}
    for name, text in {
        "ecode": "e-code",
        "ons_code": "ons code",
        "la_name": "local authority",
        "la_class": "class",
    }.items():
        at = [j for j, h in enumerate(norm) if h == text]
        if at:
            ids[name] = at[0]
    if not {"ecode", "la_name", "la_class"} <= set(ids):
        raise SchemaError(f"{path}: header row lacks 'E-code', 'Local authority' or 'Class'")
    total = [j for j, h in enumerate(norm) if h.startswith("total service expenditure")]
    first = [j for j, h in enumerate(norm) if h.startswith("education")]
    if not total or not first or first[0] > total[0]:
        raise SchemaError(f"{path}: no 'Education services' ... 'TOTAL SERVICE EXPENDITURE' block")
    services: dict[int, str] = {}
    for j in range(first[0], total[0] + 1):
        hits = [s for s, start in RS_SERVICES.items() if norm[j].startswith(start)]
        if len(hits) != 1:
            raise SchemaError(
                f"{path}: service heading {header[j]!r} matches no RS line (or several: {hits})"
            )
        services[j] = spend_column(hits[0])
    if len(set(services.values())) != len(services):
        raise SchemaError(f"{path}: a service line occurs twice among {list(services.values())}")
    net = [
        j for j, h in enumerate(norm) if h.startswith("net current expenditure") and j > total[0]
    ]
    if not net:
        raise SchemaError(f"{path}: no 'NET CURRENT EXPENDITURE' column after the services")
    services[net[0]] = spend_column(NET_CURRENT)
    return services, ids


def _read(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(authority rows, England row) of one workbook, with spend parsed; nothing dropped."""
    path = Path(path)
    sheet = _sheet(path)
    rows = [
        i
        for i in range(min(40, len(sheet)))
        if sheet.iloc[i].astype(str).str.strip().eq("E-code").any()
    ]
    if not rows:
        raise SchemaError(f"{path}: no header row with an 'E-code' cell in the first 40 rows")
    header = sheet.iloc[rows[0]].tolist()
    services, ids = _columns(header, path)
    body = sheet.iloc[rows[0] + 1 :]
    ecode = body.iloc[:, ids["ecode"]].str.strip().fillna("")
    name = body.iloc[:, ids["la_name"]].str.strip().fillna("")
    # Authority rows, and the first ENGLAND row (class breakdowns below repeat the heading).
    england = name.str.upper().eq("ENGLAND")
    keep = ecode.str.match(_ECODE) | (england & (england.cumsum() == 1))
    body = body[keep]
    frame = pd.DataFrame({name: body.iloc[:, j].str.strip() for name, j in ids.items()})
    if "ons_code" not in frame:
        frame["ons_code"] = pd.NA
    for j, name in services.items():
        frame[name] = parse_numeric(body.iloc[:, j], path, str(header[j]), RS_MARKERS)
    england = frame[frame["la_name"].str.upper().eq("ENGLAND")]
    authorities = frame[frame["ecode"].fillna("").str.match(_ECODE)]
    # An E-code repeats where a class breakdown lists the GLA again (2021-22 on): keep the first.
    authorities = authorities.drop_duplicates("ecode", keep="first")
    if len(england) != 1:
        raise SchemaError(f"{path}: expected one ENGLAND row, found {len(england)}")
    if len(authorities) < 300:
        raise SchemaError(f"{path}: only {len(authorities)} authority rows with an E-code")
    return authorities, england


def rs_year(path: str | Path) -> str:
    """Financial year of an RS workbook from its name ('rs2009_10.xls' -> '2009-10')."""
    match = _YEAR_IN_NAME.search(Path(path).name)
    if match is None or int(match[2]) != (int(match[1]) + 1) % 100:
        raise SchemaError(f"{path}: file name does not name a financial year like rs2009_10")
    return f"{match[1]}-{match[2]}"


def read_rs(path: str | Path, financial_year: str | None = None) -> pd.DataFrame:
    """Every authority's RS net current expenditure by service for one year (£ thousand, cash).

    One row per E-code, all classes (councils and police, fire, transport, waste, parks and
    combined authorities), so the rows sum to the England row. Lines not collected in a year
    are missing; cells published as '...'/'[x]' (no return) are missing too.
    """
    financial_year = financial_year or rs_year(path)
    authorities, _ = _read(path)
    columns = [spend_column(s) for s in [*RS_SERVICES, NET_CURRENT]]
    out = authorities.reindex(columns=["ecode", "ons_code", "la_name", "la_class", *columns])
    out["financial_year"] = financial_year
    bad = out[~out["la_class"].fillna("").str.match(r"^[A-Za-z]+$")]
    if len(bad):
        raise SchemaError(
            f"{path}: blank or odd 'Class' for {bad['ecode'].head(EXAMPLES).tolist()}"
        )
    return out.reset_index(drop=True)


def read_rs_england(path: str | Path, financial_year: str | None = None) -> pd.Series:
    """The workbook's ENGLAND row (all authorities; MHCLG imputes non-returns in some years),
    named by its financial year."""
    financial_year = financial_year or rs_year(path)
    _, england = _read(path)
    columns = [spend_column(s) for s in [*RS_SERVICES, NET_CURRENT]]
    return england.reindex(columns=columns).iloc[0].astype("float64").rename(financial_year)
