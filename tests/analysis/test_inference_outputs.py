"""What the pipeline inferred from the mirror: the IMD rebuilt from domain ranks is the IMD,
power and deprivation overlap, clustering widens the concentration-index errors, random slopes
widen the headline interval, and the multiverse holds only combinations that exist."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.mirror
ROOT = Path(__file__).resolve().parents[2]
CFG = yaml.safe_load((ROOT / "config/models.yaml").read_text())


def _defined_at(row, cfg) -> bool:
    """The combination exists: outcome measured, index defined and family used at the geography."""
    outcome = cfg["models"]["outcomes"][row["outcome"]]
    index = cfg["power"]["index_sets"][row["index_set"]]
    family = row["family"]
    return (
        row["geography"] in outcome["geographies"]
        and row["geography"] in [index["geography"], *index.get("aggregate_to", [])]
        and row["geography"] in cfg["models"]["families"][family]["geographies"]
        and (family not in ("poisson", "negbin") or "count" in outcome)
        and (not family.endswith("_log") or outcome.get("skewed", False))
    )


def _load(results: Path, name: str):
    path = results / "models" / name
    assert path.exists(), f"{path} missing: run the pipeline (make run) first"
    return json.loads(path.read_text()) if path.suffix == ".json" else pd.read_parquet(path)


def test_imd_rebuilt_from_domain_ranks_and_its_overlap_with_power(results):
    circ = _load(results, "circularity.json")
    check = circ["imd_reproduction"]
    assert check["n"] == 33755 and check["share_rank_identical"] > 0.9999
    r = {k: v["r"] for k, v in circ["correlations"].items()}
    # Power is high where deprivation is low; the Adult Skills sub-domain shares its Census counts.
    assert r["power_adult_skills"] < r["power_imd"] < 0
    assert r["power_imd"] < r["power_imd_no_education"] < 0


def test_district_clustering_widens_the_neighbourhood_concentration_errors(results):
    conc = _load(results, "concentration.parquet").set_index("outcome")
    lsoa = conc[(conc["geography"] == "lsoa21") & conc["concentration_index"].notna()]
    assert (lsoa["n_clusters"] == 296).all() and (lsoa["n_replicates"] >= 1999).all()
    assert (lsoa["se"] > lsoa["se_hac"]).all()
    assert conc["kind"].notna().all() and conc["expected_sign"].isin([-1, 1]).all()
    bounded = conc.dropna(subset=["bound_low"])
    scale = bounded["bound_high"] - bounded["bound_low"]
    np.testing.assert_allclose(
        bounded["erreygers_index"],
        4 * bounded["mean"] * bounded["concentration_index"] / scale,
        rtol=1e-9,
    )


def test_random_slopes_widen_the_headline_interval(results):
    summary = _load(results, "summary.json")
    main = summary["c2"]["main_models"]["acute_morbidity"]
    slope, intercept = main["unconditional"], main["comparison"]
    assert slope["family"] == "mixedlm_slope" and intercept["family"] == "mixedlm"
    assert slope["re_slope_sd"] > 0
    assert slope["se"] > intercept["se"]


def test_multiverse_holds_only_defined_combinations_with_a_direction(results):
    table = _load(results, "multiverse.parquet")
    assert all(_defined_at(row, CFG) for row in table.to_dict("records"))
    excluded = table["status"] == "excluded"
    assert (table.loc[excluded, "exclusion_reason"] != "").all()
    assert (table.loc[~excluded, "exclusion_reason"] == "").all()
    classes = _load(results, "outcomes.parquet").set_index("outcome")
    assert set(table["outcome"]) <= set(classes.index)
    directions = _load(results, "multiverse_directions.parquet").set_index("outcome_family")
    families = directions.drop(index=["all", "all_service"])
    assert directions.loc["all", "share_expected"] == pytest.approx(
        families["share_expected"].mean()
    )
    assert directions.loc["all", "n_specs"] == (table["status"] == "ok").sum()
