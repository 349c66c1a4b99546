"""Stable upper-tier footprints for the council spend panel 2009-10 to 2024-25.

A footprint is an area whose boundary did not change over the panel: a county with its
districts, a unitary, metropolitan or London borough, keyed by its April 2023 upper-tier code
(``utla23cd``). Reorganisations that only renamed a council keep one footprint under the new
code; those that moved boundaries between councils are merged into one footprint; two
councils too small or unusual to compare are excluded. Every change is listed here, once.
Districts belong to the county of the same MHCLG area code (E-code ``E27xx`` under ``E2721``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from coprod.errors import GeographyError


@dataclass(frozen=True)
class Change:
    code: str  # footprint code (utla23cd, or members joined by '+') or excluded code
    name: str
    members: tuple[str, ...]  # every upper-tier code, any vintage, that lands here
    kind: str  # 'merged', 'renamed' or 'excluded'
    reason: str


FOOTPRINT_CHANGES = (
    Change(
        "E06000058+E06000059",
        "Dorset and Bournemouth, Christchurch and Poole",
        ("E06000058", "E06000059", "E10000009", "E06000028", "E06000029"),
        "merged",
        "April 2019: Dorset County Council, its six districts, Bournemouth and Poole became "
        "Dorset Council and BCP Council; Christchurch moved from the county to BCP",
    ),
    Change(
        "E06000061+E06000062",
        "Northamptonshire (North and West Northamptonshire)",
        ("E06000061", "E06000062", "E10000021"),
        "merged",
        "April 2021: Northamptonshire County Council and its seven districts were split into "
        "North and West Northamptonshire; county services cannot be apportioned before",
    ),
    Change(
        "E06000063+E06000064",
        "Cumbria (Cumberland, Westmorland and Furness)",
        ("E06000063", "E06000064", "E10000006"),
        "merged",
        "April 2023: Cumbria County Council and its six districts were split into Cumberland "
        "and Westmorland and Furness; county services cannot be apportioned before",
    ),
    Change(
        "E06000060",
        "Buckinghamshire",
        ("E06000060", "E10000002"),
        "renamed",
        "April 2020: Buckinghamshire County Council and its four districts became one "
        "unitary council on the county's boundary",
    ),
    Change(
        "E06000065",
        "North Yorkshire",
        ("E06000065", "E10000023", "E10000022"),
        "renamed",
        "April 2023: North Yorkshire County Council and its seven districts became one "
        "unitary council on the county's boundary (E10000022 is MHCLG's mis-code of the "
        "county in the 2015-16, 2017-18 and 2018-19 RS workbooks)",
    ),
    Change(
        "E06000066",
        "Somerset",
        ("E06000066", "E10000027"),
        "renamed",
        "April 2023: Somerset County Council and its districts became one unitary council on "
        "the county's boundary",
    ),
    Change(
        "E08000037",
        "Gateshead",
        ("E08000037", "E08000020"),
        "renamed",
        "April 2013: new ONS code after a minor boundary change",
    ),
    Change(
        "E06000057",
        "Northumberland",
        ("E06000057", "E06000048"),
        "renamed",
        "April 2013: new ONS code after a minor boundary change",
    ),
    Change(
        "E06000053",
        "Isles of Scilly",
        ("E06000053",),
        "excluded",
        "about 2,000 residents and an island council with services unlike any other; no RS "
        "return for 2016-17",
    ),
    Change(
        "E09000001",
        "City of London",
        ("E09000001",),
        "excluded",
        "about 10,000 residents but spending for a large daytime population, so spend per "
        "resident is not comparable",
    ),
)
# MHCLG's E-code of North Yorkshire County Council carries a wrong ONS code in some years.
ECODE_ONS_CORRECTIONS = {"E2721": "E10000023"}
PRINCIPAL_CLASSES = {"L": "LB", "LB": "LB", "MD": "MD", "UA": "UA", "SC": "SC", "SD": "SD"}
UPPER_TIER_PREFIXES = ("E06", "E08", "E09", "E10")


def footprint_of_upper_tier(codes: pd.Series) -> pd.Series:
    """Footprint code of each upper-tier code of any vintage; excluded codes map to themselves
    (see :func:`excluded_codes`)."""
    mapping = {m: c.code for c in FOOTPRINT_CHANGES for m in c.members}
    return codes.map(lambda code: mapping.get(code, code))


def excluded_codes() -> set[str]:
    return {c.code for c in FOOTPRINT_CHANGES if c.kind == "excluded"}


def changes_table() -> pd.DataFrame:
    """The listed merges, renames and exclusions, for the report and the handoff."""
    return pd.DataFrame(
        [
            {
                "footprint_cd": c.code,
                "footprint_nm": c.name,
                "kind": c.kind,
                "members": ", ".join(c.members),
                "reason": c.reason,
            }
            for c in FOOTPRINT_CHANGES
        ]
    )


def ecode_ons_codes(rs: pd.DataFrame) -> pd.Series:
    """ONS code of each principal council's E-code, from the workbooks that print both
    (2014-15 on): the pair published in most years wins, then MHCLG's mis-codes are corrected."""
    pairs = rs[rs["la_class"].isin(list(PRINCIPAL_CLASSES))].dropna(subset=["ons_code"])
    counts = pairs.groupby(["ecode", "ons_code"]).size().rename("n").reset_index()
    best = counts.sort_values(["ecode", "n"], ascending=[True, False]).drop_duplicates("ecode")
    codes = best.set_index("ecode")["ons_code"]
    for ecode, ons in ECODE_ONS_CORRECTIONS.items():
        if ecode in codes.index:
            codes[ecode] = ons
    return codes


def assign_footprints(councils: pd.DataFrame, ons: pd.Series) -> pd.DataFrame:
    """Add ``ons_code`` (from the E-code), ``upper_tier_cd`` (a district's county) and
    ``footprint_cd`` to principal-council rows (``ecode``, ``la_class``, ``financial_year``).

    A district's county is the shire county of its MHCLG area (first three E-code characters)
    in the same year; a district without exactly one such county is a GeographyError.
    """
    frame = councils.assign(la_class=councils["la_class"].map(PRINCIPAL_CLASSES))
    frame = frame.assign(ons_code=frame["ecode"].map(ons))
    if frame["ons_code"].isna().any():
        raise GeographyError(
            "RS workbooks: no ONS code for E-codes "
            f"{sorted(frame.loc[frame['ons_code'].isna(), 'ecode'].unique())[:5]}"
        )
    area = frame["ecode"].str[:3]
    counties = frame[frame["la_class"] == "SC"].assign(area=area)
    dup = counties.duplicated(["financial_year", "area"], keep=False)
    if dup.any():
        raise GeographyError(
            f"RS workbooks: several shire counties in one area: "
            f"{counties.loc[dup, ['financial_year', 'ecode']].values.tolist()[:5]}"
        )
    county = counties.set_index(["financial_year", "area"])["ons_code"]
    key = pd.MultiIndex.from_arrays([frame["financial_year"], area])
    district = frame["la_class"] == "SD"
    upper = frame["ons_code"].where(
        ~district, pd.Series(county.reindex(key).to_numpy(), index=frame.index)
    )
    orphans = frame[district & upper.isna()]
    if len(orphans):
        raise GeographyError(
            f"RS workbooks: districts with no county in their area: "
            f"{orphans[['financial_year', 'ecode']].values.tolist()[:5]}"
        )
    frame = frame.assign(upper_tier_cd=upper)
    return frame.assign(footprint_cd=footprint_of_upper_tier(frame["upper_tier_cd"]))
