"""From raw files to validated tables: read each input with its registry reader, build, check.

The Snakemake rules name their inputs by dataset id, so a rule's script only hands this
module a ``{dataset_id: path}`` mapping.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from coprod.data import tables
from coprod.data.registry import Registry
from coprod.data.validation import validate_table


def _read(registry: Registry, paths: Mapping[str, str], dataset_id: str) -> pd.DataFrame:
    return registry[dataset_id].read(paths[dataset_id.replace("-", "_")])


def _lad_utla(registry: Registry, paths: Mapping[str, str]) -> pd.DataFrame:
    """LAD23 codes equal LAD24 codes in England (checked by the LSOA21 join)."""
    return _read(registry, paths, "lookup_ltla23_utla23_ons").rename(columns={"lad23cd": "lad24cd"})


def lsoa21_table(registry: Registry, paths: Mapping[str, str], cfg: dict) -> pd.DataFrame:
    census = {t: _read(registry, paths, f"census2021_{t}_lsoa") for t in tables.CENSUS_TABLES}
    frame = tables.build_lsoa21(
        census,
        _read(registry, paths, "iod2025_lsoa21_file7"),
        _read(registry, paths, "iod2025_lsoa21_indicators"),
        _read(registry, paths, "lookup_lsoa21_lad24"),
        _read(registry, paths, "lookup_lad24_region24"),
        _lad_utla(registry, paths),
        cfg["expected_exclusions"],
    )
    return validate_table(frame, "lsoa21", population_tolerance=cfg["census_population_tolerance"])


def turnout_table(registry: Registry, paths: Mapping[str, str], cfg: dict) -> pd.DataFrame:
    return tables.district_turnout(
        _read(registry, paths, "lookup_lad24_pcon24"),
        _read(registry, paths, "ge2024_results"),
        _read(registry, paths, "lookup_lad22_pcon10"),
        _read(registry, paths, "ge2019_results"),
        cfg["expected_exclusions"],
    )


def read_turnout(path: str) -> pd.DataFrame:
    """The district turnout table (results/tables/turnout_lad.csv), floats exactly as written."""
    return pd.read_csv(path, dtype={"election": str, "lad_code": str}, float_precision="round_trip")


def lad24_table(
    lsoa21: pd.DataFrame,
    registry: Registry,
    paths: Mapping[str, str],
    cfg: dict,
    turnout: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``turnout``: the district turnout table, else read from ``paths["turnout"]``."""
    frame = tables.build_lad24(
        lsoa21,
        _read(registry, paths, "iod2025_lad24_summaries"),
        {t: _read(registry, paths, f"census2021_{t}_ltla") for t in tables.CENSUS_TABLES},
        _read(registry, paths, "lookup_lad22_lad23"),
        read_turnout(paths["turnout"]) if turnout is None else turnout,
        cfg["expected_exclusions"],
    )
    return validate_table(frame, "lad24", file10_tolerance=cfg["file10_score_tolerance"])


def utla23_table(
    lsoa21: pd.DataFrame, registry: Registry, paths: Mapping[str, str], cfg: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The UTLA23 table, its measure dictionary and the list of reorganised councils."""
    lad_utla = _lad_utla(registry, paths)
    utla_codes = set(lad_utla["utla23cd"][lad_utla["utla23cd"].str.startswith("E")])
    dfe = {
        key: _read(registry, paths, dataset)
        for key, dataset in {
            "cin": "dfe_children_in_need",
            "referrals": "dfe_referrals",
            "cpp": "dfe_cpp",
            "cla": "dfe_cla",
            "workforce": "dfe_workforce",
            "population": "ons_mye_children",
        }.items()
    }
    services, dictionary = tables.services_for_utla(
        dfe,
        _read(registry, paths, "oflog_asc"),
        _read(registry, paths, "fingertips_90284"),
        utla_codes,
        cfg,
    )
    rsx = {year: _read(registry, paths, f"ro_rsx_{year}") for year in cfg["finance_years"]}
    finance, reorganised = tables.finance_for_utla(
        rsx, _read(registry, paths, "lookup_lad22_lad23"), lad_utla, utla_codes
    )
    frame = tables.build_utla23(
        lsoa21, services, finance, cfg["expected_exclusions"], max(cfg["finance_years"])
    )
    return validate_table(frame, "utla23"), dictionary, reorganised


def lsoa11_table(
    lsoa21: pd.DataFrame, registry: Registry, paths: Mapping[str, str]
) -> pd.DataFrame:
    frame = tables.build_lsoa11(
        _read(registry, paths, "iod2019_lsoa11_file7"),
        _read(registry, paths, "iod2019_lsoa11_indicators"),
        _read(registry, paths, "lookup_lsoa11_lsoa21"),
        lsoa21,
    )
    return validate_table(frame, "lsoa11")
