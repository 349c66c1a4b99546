"""ONS geography lookups and LAD↔constituency shares, keyed by vintage-named ONS codes.

Every key and code column is checked against the code family its name claims (see
:mod:`coprod.data.codes`), so a lookup of the wrong geography or vintage stops the run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.data.codes import check_codes
from coprod.data.readers.base import EXAMPLES, check_key, read_layouts
from coprod.errors import SchemaError

# LSOA names are the 2021 district's name and a number with a letter ("Hartlepool 001A").
_LSOA_NAME = r".*[A-Za-z].* \d{3}[A-Z]"


def check_names(frame: pd.DataFrame, path: str | Path) -> None:
    """Every ``*nm`` column holds a name (a letter, not blank) and one name per code
    (``lad24nm`` per ``lad24cd``); LSOA names end in a number and letter."""
    for name in [c for c in frame.columns if c.endswith("nm")]:
        code = name[:-2] + "cd"
        text = frame[name].fillna("").astype(str)
        pattern = _LSOA_NAME if name.startswith("lsoa") else r".*[A-Za-z]{2}.*"
        bad = ~text.str.fullmatch(pattern)
        if bad.any():
            first = bad[bad].index[0]
            raise SchemaError(
                f"{path}: column {name!r} holds {text[first]!r}, not a name, at "
                f"row {first + 1} (file line {first + 2})"
            )
        if code in frame:
            names = frame.groupby(code)[name].nunique()
            several = names[names > 1]
            if len(several):
                first = several.index[0]
                names = sorted(frame.loc[frame[code] == first, name].unique())
                raise SchemaError(
                    f"{path}: {code} {first} has several names in column {name!r}: {names}"
                )


def _finish(
    frame: pd.DataFrame, key: dict[str, str], path: str | Path, other_codes: dict[str, str]
) -> pd.DataFrame:
    """Check key, other code columns and names; sort by key so output never depends on row
    order."""
    check_key(frame, key, path)
    for column, family in other_codes.items():
        check_codes(frame[column], family, path, column)
    check_names(frame, path)
    return frame.sort_values(list(key), ignore_index=True)


def read_lsoa21_lad24(path: str | Path) -> pd.DataFrame:
    """LSOA 2021 -> LAD 2024 best fit (E&W): ``lsoa21cd, lsoa21nm, lad24cd, lad24nm``."""
    frame = read_layouts(
        path,
        {
            "ons": {
                "LSOA21CD": "lsoa21cd",
                "LSOA21NM": "lsoa21nm",
                "LAD24CD": "lad24cd",
                "LAD24NM": "lad24nm",
            },
            "mirror": {
                "lsoa21_code": "lsoa21cd",
                "lsoa21_name": "lsoa21nm",
                "ltla24_code": "lad24cd",
                "ltla24_name": "lad24nm",
            },
        },
    )
    return _finish(frame, {"lsoa21cd": "lsoa21"}, path, {"lad24cd": "lad"})


def read_lsoa11_lsoa21(path: str | Path) -> pd.DataFrame:
    """LSOA 2011 <-> 2021 exact fit with ONS change code (U/S/M/X) and LAD 2022."""
    frame = read_layouts(
        path,
        {
            "ons": {
                "LSOA11CD": "lsoa11cd",
                "LSOA21CD": "lsoa21cd",
                "CHGIND": "change_code",
                "LAD22CD": "lad22cd",
            },
            "mirror": {
                "lsoa11_code": "lsoa11cd",
                "lsoa21_code": "lsoa21cd",
                "change_code": "change_code",
                "ltla22_code": "lad22cd",
            },
        },
    )
    bad = frame.loc[~frame["change_code"].isin(["U", "S", "M", "X"]), "change_code"]
    if len(bad):
        raise SchemaError(
            f"{path}: change codes must be U/S/M/X; found {bad.unique()[:EXAMPLES].tolist()}"
        )
    return _finish(frame, {"lsoa11cd": "lsoa11", "lsoa21cd": "lsoa21"}, path, {"lad22cd": "lad"})


def read_lad24_region(path: str | Path) -> pd.DataFrame:
    """English LAD 2024 -> region: ``lad24cd, rgn24cd, rgn24nm``."""
    frame = read_layouts(
        path,
        {
            "ons": {"LAD24CD": "lad24cd", "RGN24CD": "rgn24cd", "RGN24NM": "rgn24nm"},
            "mirror": {
                "ltla24_code": "lad24cd",
                "region24_code": "rgn24cd",
                "region24_name": "rgn24nm",
            },
        },
    )
    return _finish(frame, {"lad24cd": "lad_england"}, path, {"rgn24cd": "region"})


def read_lad22_lad23(path: str | Path) -> pd.DataFrame:
    """UK LAD 2022 -> LAD 2023 (the Cumbria, North Yorkshire and Somerset mergers)."""
    frame = read_layouts(
        path,
        {
            "ons": {"LAD22CD": "lad22cd", "LAD23CD": "lad23cd"},
            "mirror": {"ltla22_code": "lad22cd", "ltla23_code": "lad23cd"},
        },
    )
    return _finish(frame, {"lad22cd": "lad_uk"}, path, {"lad23cd": "lad_uk"})


def read_lad23_utla23(path: str | Path) -> pd.DataFrame:
    """E&W lower-tier (LTLA23) -> upper-tier (UTLA23) councils: ``lad23cd, utla23cd, utla23nm``."""
    frame = read_layouts(
        path,
        {
            "ons": {"LTLA23CD": "lad23cd", "UTLA23CD": "utla23cd", "UTLA23NM": "utla23nm"},
            "mirror": {
                "ltla23_code": "lad23cd",
                "utla23_code": "utla23cd",
                "utla23_name": "utla23nm",
            },
        },
    )
    return _finish(frame, {"lad23cd": "lad"}, path, {"utla23cd": "utla"})


# Open Innovations names 2010-boundary constituencies PCON22CD (their 2022 code list).
_PCON_LAYOUTS = {
    "2024": ({"LAD24CD": "lad24cd", "PCON24CD": "pcon24cd"}, "pcon24"),
    "2010": ({"LAD22CD": "lad22cd", "PCON22CD": "pcon10cd"}, "pcon10"),
}
_SHARE_TOLERANCE = 0.01


def read_lad_pcon_shares(path: str | Path) -> pd.DataFrame:
    """UK LAD -> constituency shares (``share_of_lad_in_pcon``); keys named by vintage.

    ``LAD24CD,PCON24CD`` gives ``lad24cd, pcon24cd``; ``LAD22CD,PCON22CD`` (2010-boundary
    seats) gives ``lad22cd, pcon10cd``. Shares must lie in [0, 1] and sum to 1 per LAD
    within 0.01 (the published shares are rounded to 3 decimals).
    """
    layouts = {
        name: {**codes, "share_of_LAD_in_PCON": "share_of_lad_in_pcon"}
        for name, (codes, _) in _PCON_LAYOUTS.items()
    }
    frame = read_layouts(path, layouts)
    codes, pcon_family = next(
        v for v in _PCON_LAYOUTS.values() if set(v[0].values()) <= set(frame.columns)
    )
    lad, pcon = codes.values()
    frame = _finish(frame, {lad: "lad_uk", pcon: pcon_family}, path, {})
    share = frame["share_of_lad_in_pcon"]
    if share.isna().any() or not share.between(0, 1).all():
        raise SchemaError(f"{path}: shares must be in [0, 1]; found {share.min()}..{share.max()}")
    totals = frame.groupby(lad)["share_of_lad_in_pcon"].sum()
    off = totals[(totals - 1).abs() > _SHARE_TOLERANCE]
    if len(off):
        raise SchemaError(f"{path}: shares per LAD should sum to 1; e.g. {off.head().to_dict()}")
    return frame
