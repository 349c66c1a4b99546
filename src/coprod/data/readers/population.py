"""Reader for ONS mid-year population estimates by local authority (persons, all ages).

Workbooks (MYE4 'Mid-YYYY' columns, or MYE 5 'Estimated Population mid-YYYY' with density
columns between) and the mid-2024 CSV ('All ages', the year given by the caller) become one
long table. Estimates for mid-2012 to mid-2020 in these files are the originals published before
Census 2021 (ONS later revised them); mid-2021 on are Census-2021-based: a break at 2021.
Codes are stripped of spaces (the mid-2020 file's Northamptonshire codes end in a no-break space).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from coprod.columns import require_columns
from coprod.data.readers.base import BLANKS_ONLY, check_unique, is_excel, parse_numeric
from coprod.errors import SchemaError

_YEAR_COLUMN = re.compile(r"^(?:estimated population )?mid-(\d{4})$")
_CODE = re.compile(r"^[EWSNK]\d{8}$")


def _clean(text: pd.Series) -> pd.Series:
    return text.astype("string").str.replace("\u00a0", " ").str.strip()


def _long(frame: pd.DataFrame, years: dict[str, int], path: Path) -> pd.DataFrame:
    frame = frame.assign(
        area_code=_clean(frame["area_code"]),
        area_name=_clean(frame["area_name"]),
        geography=_clean(frame["geography"]),
    )
    frame = frame[frame["area_code"].fillna("").str.match(_CODE)]
    if frame.empty:
        raise SchemaError(f"{path}: no rows with an ONS area code under 'Code'")
    check_unique(frame, ["area_code"], path)
    parts = []
    for column, year in years.items():
        count = parse_numeric(_clean(frame[column]).astype(object), path, column)
        if count.isna().any() or (count <= 0).any():
            raise SchemaError(
                f"{path}: column {column!r} has blank or non-positive populations "
                f"for {frame.loc[count.isna() | (count <= 0), 'area_code'].head().tolist()}"
            )
        parts.append(
            frame[["area_code", "area_name", "geography"]].assign(
                mid_year=year, population=count.round().astype("int64")
            )
        )
    return pd.concat(parts, ignore_index=True)


def _table(table: pd.DataFrame):
    """(body, {column: mid-year}, geography column) of a sheet, or None if it is not one."""
    rows = [i for i in range(min(30, len(table))) if _clean(table.iloc[i]).eq("Code").any()]
    if not rows:
        return None
    header = [str(h).strip() if h == h else "" for h in table.iloc[rows[0]]]
    body = table.iloc[rows[0] + 1 :].set_axis(header, axis=1)
    years = {h: int(m[1]) for h in header if (m := _YEAR_COLUMN.match(h.lower()))}
    geography = "Geography" if "Geography" in header else "Geography1"
    if not years or not {"Code", "Name", geography} <= set(header):
        return None
    return body, years, geography


def read_mye(path: str | Path, mid_year: int | None = None) -> pd.DataFrame:
    """Long table ``area_code, area_name, geography, mid_year, population`` of one ONS file.

    Workbooks: every 'Mid-YYYY' column of sheet MYE4 (or MYE 5). CSV: 'All ages' for
    ``mid_year``, from the caller or the file name ('mye24tablesew.csv' -> 2024), because the
    table itself does not name it.
    """
    path = Path(path)
    if not is_excel(path) and path.suffix.lower() == ".csv":
        named = re.search(r"mye(\d{2})", path.name.lower())
        if mid_year is None and named is None:
            raise SchemaError(
                f"{path}: a CSV of one mid-year needs the mid_year argument "
                f"(or a name like mye24...)"
            )
        mid_year = mid_year if mid_year is not None else 2000 + int(named[1])
        # This CSV conversion lacks a final newline, so read_csv_mapped's truncation check
        # cannot apply; the row count is checked against England and Wales below instead.
        mapping = {
            "Code": "area_code",
            "Name": "area_name",
            "Geography": "geography",
            "All ages": "all_ages",
        }
        try:
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", **BLANKS_ONLY)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{path}: not a readable CSV ({exc})") from exc
        require_columns(frame, mapping, path)
        frame = frame.rename(columns=mapping)
        return _long(frame, {"all_ages": mid_year}, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = pd.ExcelFile(path)
        except Exception as exc:  # noqa: BLE001 - xlrd/openpyxl raise many types
            raise SchemaError(f"{path}: not a readable Excel workbook ({exc})") from exc
        sheets = [s for s in ("MYE4", "MYE 5") if s in book.sheet_names]
        if not sheets:
            raise SchemaError(f"{path}: no sheet 'MYE4' or 'MYE 5'; sheets are {book.sheet_names}")
        for sheet in sheets:  # the mid-2019 workbook's MYE4 is a summary without 'Code'
            found = _table(book.parse(sheet, header=None, dtype=str, **BLANKS_ONLY))
            if found is not None:
                break
        else:
            raise SchemaError(
                f"{path}: sheets {sheets} have no header row with 'Code', 'Name', "
                f"'Geography' and 'Mid-YYYY' columns"
            )
    body, years, geography = found
    frame = body.rename(columns={"Code": "area_code", "Name": "area_name", geography: "geography"})
    return _long(frame[["area_code", "area_name", "geography", *years]], years, path)
