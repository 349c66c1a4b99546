"""ONS geography lookups and LAD↔constituency shares, with code checks every reader reuses.

Codes carry their vintage: a key column is checked against the code family it claims
(``lsoa21cd`` must hold E01/W01 codes, ``pcon24cd`` 2024-boundary constituencies …), so a
file of the wrong geography or vintage stops the run instead of joining silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.errors import GeographyError, SchemaError
from coprod.readers._base import check_complete, read_csv_mapped

# Code family -> {three-character prefix: inclusive range of the six-digit number, or None
# for any}. The ranges separate vintages where ONS reissued codes: LSOA 2011 codes stop at
# E01033768/W01001958 (LSOA 2021 adds later ones); 2010-boundary constituencies are
# E14000530-E14001062 and W07000041-W07000080, 2024 ones E14001063+ and W07000081+, and
# Northern Ireland changed prefix (N06 -> N05). Five unchanged Scottish seats kept their
# S14 codes, so the Scottish ranges overlap.
CODE_FAMILIES: dict[str, dict[str, tuple[int, int] | None]] = {
    "lsoa21": {"E01": None, "W01": None},
    "lsoa21_england": {"E01": None},
    "lsoa11": {"E01": (1, 33768), "W01": (1, 1958)},
    "lsoa11_england": {"E01": (1, 33768)},
    "lad": {"E06": None, "E07": None, "E08": None, "E09": None, "W06": None},
    "lad_england": {"E06": None, "E07": None, "E08": None, "E09": None},
    "lad_uk": {"E06": None, "E07": None, "E08": None, "E09": None, "W06": None,
               "S12": None, "N09": None},
    "utla": {"E06": None, "E08": None, "E09": None, "E10": None, "W06": None},
    "region": {"E12": (1, 9)},
    "pcon24": {"E14": (1063, 1605), "W07": (81, 112), "S14": (1, 116), "N05": (1, 18)},
    "pcon10": {"E14": (530, 1062), "W07": (41, 80), "S14": (1, 59), "N06": (1, 18)},
}

_EXAMPLES = 5


def code_mask(codes: pd.Series, family: str) -> pd.Series:
    """True where a code is a 9-character code of ``family`` (prefix and number range)."""
    parts = codes.astype("str").str.extract(r"^([A-Z]\d{2})(\d{6})$")
    ok = pd.Series(False, index=codes.index)
    for prefix, bounds in CODE_FAMILIES[family].items():
        hit = parts[0] == prefix
        if bounds is not None:
            number = pd.to_numeric(parts[1], errors="coerce")
            hit &= number.between(*bounds)
        ok |= hit.fillna(False).astype(bool)
    return ok & codes.notna()


def check_codes(codes: pd.Series, family: str, path: str | Path, column: str) -> None:
    """Raise GeographyError naming the file, column and example codes outside ``family``."""
    bad = codes[~code_mask(codes, family)]
    if len(bad):
        examples = bad.astype("str").unique()[:_EXAMPLES].tolist()
        raise GeographyError(
            f"{path}: column {column!r} should hold {family} codes "
            f"({'/'.join(CODE_FAMILIES[family])}); {len(bad)} do not, e.g. {examples}")


def detect_family(codes: pd.Series, families: list[str], path: str | Path, column: str) -> str:
    """The single family in ``families`` that every code belongs to, else GeographyError."""
    fits = [f for f in families if code_mask(codes, f).all()]
    if len(fits) == 1:
        return fits[0]
    prefixes = codes.astype("str").str[:3].value_counts().to_dict()
    if fits:
        problem = f"codes fit several vintages {fits}"
    else:
        masks = {f: code_mask(codes, f) for f in families}
        best = max(families, key=lambda f: masks[f].sum())
        examples = codes[~masks[best]].astype("str").unique()[:_EXAMPLES].tolist()
        problem = (f"codes are mixed or unknown (not all {' or '.join(families)}): "
                   f"most are {best}, but not e.g. {examples}")
    raise GeographyError(f"{path}: column {column!r}: {problem}; prefixes {prefixes}")


def check_key(frame: pd.DataFrame, families: dict[str, str], path: str | Path) -> None:
    """Check each key column's code family, then that the key is unique (SchemaError)."""
    for column, family in families.items():
        check_codes(frame[column], family, path, column)
    key = list(families)
    dup = frame[frame.duplicated(key, keep=False)]
    if len(dup):
        examples = dup[key].drop_duplicates().head(_EXAMPLES).to_dict("records")
        raise SchemaError(f"{path}: key {key} is not unique; {len(dup)} rows share a key, "
                          f"e.g. {examples}")


def read_layouts(path: str | Path, layouts: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Read a CSV in whichever named layout its header holds (e.g. ONS names or mirror names)."""
    check_complete(path)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{path}: not a readable CSV ({exc})") from exc
    lacks = {name: [c for c in mapping if c not in header.columns]
             for name, mapping in layouts.items()}
    for name, missing in lacks.items():
        if not missing:
            return read_csv_mapped(path, layouts[name])
    raise SchemaError(f"{path}: header matches no known layout; missing columns by layout "
                      f"{lacks}; found {list(header.columns)}")


def _finish(frame: pd.DataFrame, key: dict[str, str], path: str | Path,
            other_codes: dict[str, str]) -> pd.DataFrame:
    """Check key and other code columns; sort by key so output never depends on row order."""
    check_key(frame, key, path)
    for column, family in other_codes.items():
        check_codes(frame[column], family, path, column)
    return frame.sort_values(list(key), ignore_index=True)


def read_lsoa21_lad24(path: str | Path) -> pd.DataFrame:
    """LSOA 2021 -> LAD 2024 best fit (E&W): ``lsoa21cd, lsoa21nm, lad24cd, lad24nm``."""
    frame = read_layouts(path, {
        "ons": {"LSOA21CD": "lsoa21cd", "LSOA21NM": "lsoa21nm",
                "LAD24CD": "lad24cd", "LAD24NM": "lad24nm"},
        "mirror": {"lsoa21_code": "lsoa21cd", "lsoa21_name": "lsoa21nm",
                   "ltla24_code": "lad24cd", "ltla24_name": "lad24nm"},
    })
    return _finish(frame, {"lsoa21cd": "lsoa21"}, path, {"lad24cd": "lad"})


def read_lsoa11_lsoa21(path: str | Path) -> pd.DataFrame:
    """LSOA 2011 <-> 2021 exact fit with ONS change code (U/S/M/X) and LAD 2022."""
    frame = read_layouts(path, {
        "ons": {"LSOA11CD": "lsoa11cd", "LSOA21CD": "lsoa21cd", "CHGIND": "change_code",
                "LAD22CD": "lad22cd"},
        "mirror": {"lsoa11_code": "lsoa11cd", "lsoa21_code": "lsoa21cd",
                   "change_code": "change_code", "ltla22_code": "lad22cd"},
    })
    bad = frame.loc[~frame["change_code"].isin(["U", "S", "M", "X"]), "change_code"]
    if len(bad):
        raise SchemaError(f"{path}: change codes must be U/S/M/X; "
                          f"found {bad.unique()[:_EXAMPLES].tolist()}")
    return _finish(frame, {"lsoa11cd": "lsoa11", "lsoa21cd": "lsoa21"}, path, {"lad22cd": "lad"})


def read_lad24_region(path: str | Path) -> pd.DataFrame:
    """English LAD 2024 -> region: ``lad24cd, rgn24cd, rgn24nm``."""
    frame = read_layouts(path, {
        "ons": {"LAD24CD": "lad24cd", "RGN24CD": "rgn24cd", "RGN24NM": "rgn24nm"},
        "mirror": {"ltla24_code": "lad24cd", "region24_code": "rgn24cd",
                   "region24_name": "rgn24nm"},
    })
    return _finish(frame, {"lad24cd": "lad_england"}, path, {"rgn24cd": "region"})


def read_lad22_lad23(path: str | Path) -> pd.DataFrame:
    """UK LAD 2022 -> LAD 2023 (the Cumbria, North Yorkshire and Somerset mergers)."""
    frame = read_layouts(path, {
        "ons": {"LAD22CD": "lad22cd", "LAD23CD": "lad23cd"},
        "mirror": {"ltla22_code": "lad22cd", "ltla23_code": "lad23cd"},
    })
    return _finish(frame, {"lad22cd": "lad_uk"}, path, {"lad23cd": "lad_uk"})


def read_lad23_utla23(path: str | Path) -> pd.DataFrame:
    """E&W lower-tier (LTLA23) -> upper-tier (UTLA23) councils: ``lad23cd, utla23cd, utla23nm``."""
    frame = read_layouts(path, {
        "ons": {"LTLA23CD": "lad23cd", "UTLA23CD": "utla23cd", "UTLA23NM": "utla23nm"},
        "mirror": {"ltla23_code": "lad23cd", "utla23_code": "utla23cd",
                   "utla23_name": "utla23nm"},
    })
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
    layouts = {name: {**codes, "share_of_LAD_in_PCON": "share_of_lad_in_pcon"}
               for name, (codes, _) in _PCON_LAYOUTS.items()}
    frame = read_layouts(path, layouts)
    codes, pcon_family = next(v for v in _PCON_LAYOUTS.values()
                              if set(v[0].values()) <= set(frame.columns))
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
