"""Schemas of the tidy tables (pandera): keys, row counts, ranges and missingness.

A table that breaks its schema stops the run before it is written.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.errors import SchemaErrors

from coprod.data.geography import CODE_PATTERNS
from coprod.errors import SchemaError

ENGLAND_POPULATION_2021 = 56_490_048  # ONS Census 2021 usual residents, England (published)

ROWS = {"lsoa21": 33_755, "lad24": 296, "utla23": 153, "lsoa11": 32_844}
KEYS = {"lsoa21": "lsoa21cd", "lad24": "lad24cd", "utla23": "utla23cd", "lsoa11": "lsoa11cd"}


def _code(name: str) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(CODE_PATTERNS[name]), nullable=False)


def _fraction(nullable: bool = False) -> pa.Column:
    return pa.Column(float, pa.Check.in_range(0, 1), nullable=nullable)


def _share_columns(nullable: bool = False) -> dict[str, pa.Column]:
    names = ["share_qual_level4plus", "share_qual_none", "share_nssec_l1_l3",
             "share_nssec_l12_l14", "share_occ_soc1_3", "share_health_good", "share_health_bad",
             "share_disabled"]
    return {n: _fraction(nullable) for n in names}


def _area_columns() -> dict[str, pa.Column]:
    return {
        "population": pa.Column(int, pa.Check.gt(0)),
        **_share_columns(),
        "imd_score": pa.Column(float, pa.Check.in_range(0, 100)),
        "income_score": _fraction(),
        "employment_score": _fraction(),
    }


def schema(name: str, file10_tolerance: float | None = None,
           population_tolerance: int | None = None) -> pa.DataFrameSchema:
    key = KEYS[name]
    checks = [pa.Check(lambda d, n=ROWS[name]: len(d) == n, error=f"expected {ROWS[name]} rows")]
    columns = {key: _code(key)}
    if name == "lsoa21":
        columns |= {
            **_area_columns(),
            "lad24cd": _code("lad24cd"), "utla23cd": _code("utla23cd"), "rgn24cd": _code("rgn24cd"),
            "imd_rank": pa.Column(int, pa.Check.in_range(1, ROWS["lsoa21"])),
            "imd_decile": pa.Column(int, pa.Check.isin(range(1, 11))),
            "acute_morbidity_ratio": pa.Column(float, nullable=True),
            "illness_disability_ratio": pa.Column(float, pa.Check.gt(0), nullable=True),
        }
    elif name == "lad24":
        columns |= {
            **_area_columns(),
            "rgn24cd": _code("rgn24cd"),
            "turnout_ge2024_pct": pa.Column(float, pa.Check.in_range(30, 90)),
            "turnout_ge2019_pct": pa.Column(float, pa.Check.in_range(40, 90), nullable=True),
            "imd_average_score_file10": pa.Column(float, pa.Check.in_range(0, 100)),
        }
        checks.append(pa.Check(
            lambda d: (d["imd_score"] - d["imd_average_score_file10"]).abs().max()
            <= file10_tolerance,
            error=f"LAD IMD average score recomputed from LSOAs differs from File 10 by more "
                  f"than {file10_tolerance}"))
    elif name == "utla23":
        columns |= {
            **_area_columns(),
            "rgn24cd": _code("rgn24cd"),
            "children_0_17": pa.Column("Int64", pa.Check.gt(0)),
            "cin_at31_per_10k": pa.Column(float, pa.Check.in_range(0, 2000), nullable=True),
            "cla_at31_per_10k": pa.Column(float, pa.Check.in_range(0, 1000), nullable=True),
            "spend_total_service_gbp_2024_25": pa.Column(float, pa.Check.gt(0), nullable=True),
        }
    elif name == "lsoa11":
        columns |= {
            "imd_score": pa.Column(float, pa.Check.in_range(0, 100)),
            "lsoa21cd_main": _code("lsoa21cd"),
        }
    if name == "lsoa21" and population_tolerance is not None:
        checks.append(pa.Check(
            lambda d: abs(d["population"].sum() - ENGLAND_POPULATION_2021) <= population_tolerance,
            error=f"England population differs from the published {ENGLAND_POPULATION_2021:,} "
                  f"by more than {population_tolerance}"))
    return pa.DataFrameSchema(columns, checks=checks, unique=[key], coerce=False, strict=False)


def validate_table(frame, name: str, file10_tolerance: float | None = None,
                   population_tolerance: int | None = None):
    """Validate ``frame`` against its schema; raise one SchemaError listing every failure."""
    try:
        return schema(name, file10_tolerance, population_tolerance).validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases[["column", "check", "failure_case"]].astype(str)
        summary = cases.drop_duplicates(["column", "check"]).head(15).to_string(index=False)
        raise SchemaError(f"table {name} fails its schema:\n{summary}") from None
