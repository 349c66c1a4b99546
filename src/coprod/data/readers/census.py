"""Census 2021 topic summaries in the Nomis bulk layout (LSOA 2021 or LTLA 2021/22 files).

Nomis bulk CSVs hold ``date, geography, geography code`` then one column per category,
named ``<topic>: <category>``. The geography level is read from the codes: every code an
LSOA 2021 code gives key ``lsoa21cd``; every code a LAD code gives ``lad22cd`` (the Nomis
"ltla" files use the 2021/22 districts). England and Wales are both returned.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.data.readers.base import first_bad, key_from_codes, read_csv_mapped
from coprod.errors import SchemaError

CENSUS_DATE = 2021
_KEYS = {"lsoa21": "lsoa21cd", "lad": "lad22cd"}

_QUAL = "Highest level of qualification: "
_NSSEC = "National Statistics Socio-economic Classification (NS-SEC): "
_OCC = "Occupation (current): "
_HEALTH = "General health: "
_DISAB = "Disability: "
_DISABLED = f"{_DISAB}Disabled under the Equality Act"


def _read_nomis(
    path: str | Path, columns: dict[str, str], totals: dict[str, list[str]], keep: list[str]
) -> pd.DataFrame:
    """Read a Nomis bulk table, key it by geography level and check parts sum to totals."""
    mapping = {"date": "date", "geography code": "code", **columns}
    dtype = {"date": "int64", "geography code": "str", **dict.fromkeys(columns, "int64")}
    frame = read_csv_mapped(path, mapping, dtype=dtype)
    if not (frame["date"] == CENSUS_DATE).all():
        raise SchemaError(
            f"{path}: expected Census {CENSUS_DATE} rows; found dates "
            f"{sorted(frame['date'].unique().tolist())}"
        )
    frame, key = key_from_codes(frame, "code", _KEYS, path, "geography code")
    official = {tidy: name for name, tidy in columns.items()}
    for count in columns.values():
        negative = frame[count] < 0
        if negative.any():
            raise SchemaError(
                f"{path}: column {official[count]!r} has negative counts, "
                f"{first_bad(frame[count], negative)} ({key} "
                f"{frame.loc[negative, key].iloc[0]})"
            )
    for total, parts in totals.items():
        off = frame[parts].sum(axis=1) != frame[total]
        if off.any():
            raise SchemaError(
                f"{path}: categories {parts} do not sum to {official[total]!r} in "
                f"{int(off.sum())} rows, e.g. {frame.loc[off, key].head().tolist()}; "
                f"{first_bad(frame[total], off)}"
            )
    return frame[[key, *keep]].sort_values(key, ignore_index=True)


def _read_simple(path: str | Path, columns: dict[str, str]) -> pd.DataFrame:
    """Tables whose first column is the total and the rest its categories."""
    total, *parts = columns.values()
    return _read_nomis(path, columns, {total: parts}, list(columns.values()))


def read_ts001(path: str | Path) -> pd.DataFrame:
    """TS001 usual residents: ``population`` (household + communal residents checked)."""
    columns = {
        "Residence type: Total; measures: Value": "population",
        "Residence type: Lives in a household; measures: Value": "household",
        "Residence type: Lives in a communal establishment; measures: Value": "communal",
    }
    return _read_nomis(path, columns, {"population": ["household", "communal"]}, ["population"])


def read_ts037(path: str | Path) -> pd.DataFrame:
    """TS037 general health of all usual residents, five categories."""
    return _read_simple(
        path,
        {
            f"{_HEALTH}Total: All usual residents": "health_total",
            f"{_HEALTH}Very good health": "health_very_good",
            f"{_HEALTH}Good health": "health_good",
            f"{_HEALTH}Fair health": "health_fair",
            f"{_HEALTH}Bad health": "health_bad",
            f"{_HEALTH}Very bad health": "health_very_bad",
        },
    )


def read_ts038(path: str | Path) -> pd.DataFrame:
    """TS038 disability (Equality Act): disabled, by degree of limitation, and not disabled."""
    columns = {
        f"{_DISAB}Total: All usual residents": "disab_total",
        _DISABLED: "disab_disabled",
        f"{_DISABLED}: Day-to-day activities limited a lot": "disab_limited_a_lot",
        f"{_DISABLED}: Day-to-day activities limited a little": "disab_limited_a_little",
        f"{_DISAB}Not disabled under the Equality Act": "disab_not_disabled",
    }
    totals = {
        "disab_total": ["disab_disabled", "disab_not_disabled"],
        "disab_disabled": ["disab_limited_a_lot", "disab_limited_a_little"],
    }
    return _read_nomis(path, columns, totals, list(columns.values()))


def read_ts062(path: str | Path) -> pd.DataFrame:
    """TS062 NS-SeC of usual residents aged 16+, nine analytic classes."""
    return _read_simple(
        path,
        {
            f"{_NSSEC}Total: All usual residents aged 16 years and over": "nssec_total_16plus",
            f"{_NSSEC}L1, L2 and L3 Higher managerial, administrative and professional occupations": "nssec_l1_l3",
            f"{_NSSEC}L4, L5 and L6 Lower managerial, administrative and professional occupations": "nssec_l4_l6",
            f"{_NSSEC}L7 Intermediate occupations": "nssec_l7",
            f"{_NSSEC}L8 and L9 Small employers and own account workers": "nssec_l8_l9",
            f"{_NSSEC}L10 and L11 Lower supervisory and technical occupations": "nssec_l10_l11",
            f"{_NSSEC}L12 Semi-routine occupations": "nssec_l12",
            f"{_NSSEC}L13 Routine occupations": "nssec_l13",
            f"{_NSSEC}L14.1 and L14.2 Never worked and long-term unemployed": "nssec_l14",
            f"{_NSSEC}L15 Full-time students": "nssec_l15_students",
        },
    )


def read_ts063(path: str | Path) -> pd.DataFrame:
    """TS063 current occupation (SOC 2020 major groups) of residents 16+ in employment."""
    return _read_simple(
        path,
        {
            f"{_OCC}Total: All usual residents aged 16 years and over in employment the week "
            "before the census": "occ_total_employed",
            f"{_OCC}1. Managers, directors and senior officials": "occ_soc1_managers",
            f"{_OCC}2. Professional occupations": "occ_soc2_professional",
            f"{_OCC}3. Associate professional and technical occupations": "occ_soc3_associate_professional",
            f"{_OCC}4. Administrative and secretarial occupations": "occ_soc4_administrative",
            f"{_OCC}5. Skilled trades occupations": "occ_soc5_skilled_trades",
            f"{_OCC}6. Caring, leisure and other service occupations": "occ_soc6_caring_leisure",
            f"{_OCC}7. Sales and customer service occupations": "occ_soc7_sales_customer",
            f"{_OCC}8. Process, plant and machine operatives": "occ_soc8_process_plant",
            f"{_OCC}9. Elementary occupations": "occ_soc9_elementary",
        },
    )


def read_ts067(path: str | Path) -> pd.DataFrame:
    """TS067 highest qualification of usual residents aged 16+, seven levels."""
    return _read_simple(
        path,
        {
            f"{_QUAL}Total: All usual residents aged 16 years and over": "qual_total_16plus",
            f"{_QUAL}No qualifications": "qual_none",
            f"{_QUAL}Level 1 and entry level qualifications": "qual_level1_entry",
            f"{_QUAL}Level 2 qualifications": "qual_level2",
            f"{_QUAL}Apprenticeship": "qual_apprenticeship",
            f"{_QUAL}Level 3 qualifications": "qual_level3",
            f"{_QUAL}Level 4 qualifications and above": "qual_level4plus",
            f"{_QUAL}Other qualifications": "qual_other",
        },
    )
