"""Reader for HM Treasury GDP deflators at market prices, by financial year.

The March 2026 release (outturn to 2024-25, 2024-25 = 100) reaches us only as a third party's
table of the official values (rounded to 4 dp); the December 2023 release is the official CSV
(outturn to 2022-23, 2022-23 = 100). Vintages differ by ONS revisions, so the check compares
year-on-year growth over the years both publish as outturn, within a stated tolerance, rather
than levels. HM Treasury, "GDP deflators at market prices, and money GDP" (user guide:
https://www.gov.uk/government/publications/gross-domestic-product-gdp-deflators-user-guide).
"""

from __future__ import annotations

import re
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

BASE_YEAR = "2024-25"
DEFLATOR = "gdp_deflator_2024_25_eq_100"
# Largest gap in annual growth (percentage points) accepted between the two vintages: ONS
# revised 2021-22 by about 1.1 points between December 2023 and March 2026.
GROWTH_TOLERANCE_PP = 1.5
_MARCH2026 = {
    "fiscal_year": "financial_year",
    "gdp_deflator": DEFLATOR,
    "is_forecast": "is_forecast",
}
_FINANCIAL_YEAR = re.compile(r"^\d{4}-\d{2}$")
_DEC2023_BASE = "2022-23 = 100"


def _check_years(years: pd.Series, path: str | Path, column: str) -> None:
    """Every value a 'YYYY-YY' financial year naming consecutive years."""
    text = years.astype(str)
    ok = text.str.match(_FINANCIAL_YEAR) & (
        pd.to_numeric(text.str[5:], errors="coerce")
        == (pd.to_numeric(text.str[:4], errors="coerce") + 1) % 100
    )
    if not ok.all():
        raise SchemaError(
            f"{path}: column {column!r} has values "
            f"{text[~ok].head(EXAMPLES).tolist()} that are not financial years "
            f"like 2024-25"
        )


def read_march2026(path: str | Path) -> pd.DataFrame:
    """Outturn rows of the March 2026 financial-year table (forecast rows dropped)."""
    frame = read_csv_mapped(path, _MARCH2026, dtype=str, **BLANKS_ONLY)
    _check_years(frame["financial_year"], path, "fiscal_year")
    flags = frame["is_forecast"].str.strip().str.lower()
    if not flags.isin(["true", "false"]).all():
        raise SchemaError(
            f"{path}: column 'is_forecast' must be true/false; found "
            f"{sorted(set(flags) - {'true', 'false'})[:EXAMPLES]}"
        )
    frame = frame[flags == "false"].copy()
    frame[DEFLATOR] = parse_numeric(frame[DEFLATOR], path, "gdp_deflator")
    if frame[DEFLATOR].isna().any() or (frame[DEFLATOR] <= 0).any():
        raise SchemaError(f"{path}: column 'gdp_deflator' has blank or non-positive outturn values")
    check_unique(frame, ["financial_year"], path)
    base = frame.loc[frame["financial_year"] == BASE_YEAR, DEFLATOR]
    if len(base) != 1 or abs(base.iloc[0] - 100) > 1e-9:
        raise SchemaError(
            f"{path}: {BASE_YEAR} must be an outturn year equal to 100; found {base.tolist()}"
        )
    return frame[["financial_year", DEFLATOR]].sort_values("financial_year").reset_index(drop=True)


def read_dec2023(path: str | Path) -> pd.Series:
    """Financial-year outturn (2022-23 = 100) of the December 2023 official CSV, by year.

    The CSV is a printed table: the financial-year column sits under a 'Financial year' label
    and the index under '2022-23 = 100'; forecast years print '-' and footnote markers.
    """
    read_header(path)  # complete and readable
    table = pd.read_csv(path, header=None, dtype=str, encoding="utf-8-sig", **BLANKS_ONLY)
    heading = table.apply(lambda col: col.str.strip().eq(_DEC2023_BASE)).to_numpy().nonzero()
    if len(heading[0]) == 0:
        raise SchemaError(
            f"{path}: no column headed {_DEC2023_BASE!r}; not the December 2023 GDP deflator table"
        )
    row, col = heading[0][0], heading[1][0]
    years = table.iloc[row + 1 :, col - 1].str.strip()
    values = table.iloc[row + 1 :, col].str.strip()
    keep = years.str.match(_FINANCIAL_YEAR, na=False) & values.ne("-")
    out = pd.Series(
        parse_numeric(values[keep], path, _DEC2023_BASE).to_numpy(),
        index=years[keep].to_numpy(),
        name="gdp_deflator_2022_23_eq_100",
    )
    if out.index.duplicated().any() or "2022-23" not in out.index or out["2022-23"] != 100:
        raise SchemaError(f"{path}: expected one outturn row per year with 2022-23 = 100")
    return out


def check_vintages(
    march2026: pd.DataFrame,
    dec2023: pd.Series,
    path: str | Path,
    tolerance_pp: float = GROWTH_TOLERANCE_PP,
) -> pd.DataFrame:
    """Annual growth of both vintages over their common outturn years; error beyond tolerance."""
    later = march2026.set_index("financial_year")[DEFLATOR]
    common = sorted(set(later.index) & set(dec2023.index))
    if len(common) < 10:
        raise SchemaError(
            f"{path}: only {len(common)} outturn years in common with the March "
            f"2026 table; expected the 2000s and 2010s"
        )
    growth = pd.DataFrame(
        {
            "march2026_pct": later[common].pct_change() * 100,
            "dec2023_pct": dec2023[common].pct_change() * 100,
        }
    ).dropna()
    growth["gap_pp"] = growth["march2026_pct"] - growth["dec2023_pct"]
    far = growth[growth["gap_pp"].abs() > tolerance_pp]
    if len(far):
        raise SchemaError(
            f"{path}: annual GDP deflator growth differs from the March 2026 "
            f"table by more than {tolerance_pp} points in "
            f"{far['gap_pp'].round(2).to_dict()}"
        )
    return growth


def read_gdp_deflator(march2026_path: str | Path, dec2023_path: str | Path) -> pd.DataFrame:
    """GDP deflator by financial year, 2024-25 = 100 (March 2026 outturn), checked against the
    December 2023 official release: columns ``financial_year`` ('2024-25') and
    ``gdp_deflator_2024_25_eq_100``."""
    deflator = read_march2026(march2026_path)
    check_vintages(deflator, read_dec2023(dec2023_path), dec2023_path)
    return deflator
