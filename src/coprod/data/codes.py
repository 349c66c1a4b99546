"""ONS area codes: the one place that knows which codes each geography family and vintage uses.

A code column is checked against the family it claims (``lsoa21cd`` must hold E01/W01 codes,
``pcon24cd`` 2024-boundary constituencies …), so a file of the wrong geography or vintage
stops the run instead of joining silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.errors import GeographyError

# Family -> {three-character prefix: inclusive range of the six-digit number, or None for
# any}. The ranges separate vintages where ONS reissued codes: LSOA 2011 codes stop at
# E01033768/W01001958 (LSOA 2021 adds later ones); 2010-boundary constituencies are
# E14000530-E14001062 and W07000041-W07000080, 2024 ones E14001063+ and W07000081+, and
# Northern Ireland changed prefix (N06 -> N05). Five unchanged Scottish seats kept their
# S14 codes, so the Scottish ranges overlap. English councils: E06 unitary, E07 district,
# E08 metropolitan district, E09 London borough, E10 county.
CODE_FAMILIES: dict[str, dict[str, tuple[int, int] | None]] = {
    "lsoa21": {"E01": None, "W01": None},
    "lsoa21_england": {"E01": None},
    "lsoa11": {"E01": (1, 33768), "W01": (1, 1958)},
    "lsoa11_england": {"E01": (1, 33768)},
    "lad": {"E06": None, "E07": None, "E08": None, "E09": None, "W06": None},
    "lad_england": {"E06": None, "E07": None, "E08": None, "E09": None},
    "lad_uk": {
        "E06": None,
        "E07": None,
        "E08": None,
        "E09": None,
        "W06": None,
        "S12": None,
        "N09": None,
    },
    "utla": {"E06": None, "E08": None, "E09": None, "E10": None, "W06": None},
    "utla_england": {"E06": None, "E08": None, "E09": None, "E10": None},
    "principal_england": {"E06": None, "E07": None, "E08": None, "E09": None, "E10": None},
    "region": {"E12": (1, 9)},
    "pcon24": {"E14": (1063, 1605), "W07": (81, 112), "S14": (1, 116), "N05": (1, 18)},
    "pcon10": {"E14": (530, 1062), "W07": (41, 80), "S14": (1, 59), "N06": (1, 18)},
}
ENGLAND_CODE = "E92000001"
# Key column of the pipeline's England tables -> the family its codes belong to.
KEY_FAMILIES = {
    "lsoa21cd": "lsoa21_england",
    "lsoa11cd": "lsoa11_england",
    "lad24cd": "lad_england",
    "utla23cd": "utla_england",
    "rgn24cd": "region",
}
# Councils sharing one service may make one joint return, published as "A / B".
JOINT_SEPARATOR = " / "
_EXAMPLES = 5


def pattern(family: str) -> str:
    """Anchored regex of a family's prefixes, for schema libraries; it ignores number ranges."""
    return rf"^({'|'.join(CODE_FAMILIES[family])})\d{{6}}$"


# Regex per key column, for pandera schemas; code_mask also checks the vintage's number range.
CODE_PATTERNS = {column: pattern(family) for column, family in KEY_FAMILIES.items()}


def code_mask(codes: pd.Series, family: str, *, joint: bool = False) -> pd.Series:
    """True where a code is a 9-character code of ``family`` (prefix and number range).

    With ``joint`` a joint return's code ``"A / B"`` passes when every part does.
    """
    if joint:
        parts = codes.reset_index(drop=True).str.split(JOINT_SEPARATOR).explode()
        ok = code_mask(parts, family).groupby(level=0).all()
        return pd.Series(ok.to_numpy(), index=codes.index)
    parts = codes.astype("str").str.extract(r"^([A-Z]\d{2})(\d{6})$")
    ok = pd.Series(False, index=codes.index)
    for prefix, bounds in CODE_FAMILIES[family].items():
        hit = parts[0] == prefix
        if bounds is not None:
            number = pd.to_numeric(parts[1], errors="coerce")
            hit &= number.between(*bounds)
        ok |= hit.fillna(False).astype(bool)
    return ok & codes.notna()


def check_codes(
    codes: pd.Series, family: str, path: str | Path, column: str, *, joint: bool = False
) -> None:
    """Raise GeographyError naming the file, column and example codes outside ``family``."""
    bad = codes[~code_mask(codes, family, joint=joint)]
    if len(bad):
        examples = bad.astype("str").fillna("<empty>").unique()[:_EXAMPLES].tolist()
        raise GeographyError(
            f"{path}: column {column!r} should hold {family} codes "
            f"({'/'.join(CODE_FAMILIES[family])}); {len(bad)} do not, e.g. {examples}; "
            f"first at {_row(bad.index[0])}"
        )


def _row(label) -> str:
    """Row of a frame read from a CSV (default index: header is file line 1)."""
    try:
        return f"row {int(label) + 1} (file line {int(label) + 2})"
    except (TypeError, ValueError):
        return f"row {label!r}"


def detect_family(codes: pd.Series, families: list[str], path: str | Path, column: str) -> str:
    """The single family in ``families`` that every code belongs to, else GeographyError."""
    if codes.empty:
        raise GeographyError(f"{path}: column {column!r} has no codes: the file has no data rows")
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
        problem = (
            f"codes are mixed or unknown (not all {' or '.join(families)}): "
            f"most are {best}, but not e.g. {examples}, first at "
            f"{_row(codes.index[~masks[best]][0])}"
        )
    raise GeographyError(f"{path}: column {column!r}: {problem}; prefixes {prefixes}")
