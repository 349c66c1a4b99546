"""The report's formatting helpers and generated tables on tiny frames: readable names in place
of pipeline codes, true minus signs, the report's order of measures, and a label for every code
the configuration can produce."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.report import labels
from coprod.report import values as rv

CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_number_formats_use_a_true_minus_and_reader_units():
    assert rv.num(-1234.567) == "\u22121,234.57"
    assert rv.num(0.5, 3) == "0.500"
    assert rv.minus(rv.pct(-1.254, 0)) == "\u2212125%"
    assert rv.gbp(991_712_389.0) == "£992 million"
    assert rv.gbp(1_642_022_820.0) == "£1.64 billion"
    assert rv.interval("1", "2", 0.95) == "95% interval 1 to 2"
    assert rv.interval("1", "2", 0.9) == "90% interval 1 to 2"
    assert rv.level_label(0.995) == "99.5%"


def test_label_falls_back_to_the_code_in_words_and_order_follows_the_labels():
    assert labels.label(labels.OUTCOME_SHORT, "referrals") == "Children's referrals"
    assert labels.label(labels.OUTCOME_SHORT, "new_measure_x") == "new measure x"
    assert labels.order(labels.VARIANT_LABELS, ["b", "pca1", "a", "zscore_equal", "pca1"]) == [
        "zscore_equal", "pca1", "b", "a"]


def test_scenario_table_names_scenarios_and_formats_money():
    scenarios = pd.DataFrame({
        "scenario": ["targeted", "universal"], "annual_gbp_mean": [290e6, 1.2e9],
        "annual_gbp_lo": [153e6, 0.54e9], "annual_gbp_hi": [471e6, 1.64e9],
        "per_head_gbp_mean": [15.4, 52.7], "annual_share_of_spend_mean": [0.0023, 0.0091],
        "gap_closed_share": [0.378, 0.668], "prob_savings_exceed_costs": [0.9334, 0.7356]})
    table = rv.scenario_table(scenarios, 0.95)
    assert "95% interval" in table and "80% interval" in rv.scenario_table(scenarios, 0.8)
    assert table.iloc[0].tolist() == ["Targeted (least powerful fifth)", "£290 million",
                                      "£153 million to £471 million", "£15", "0.23%", "38%", "93%"]
    assert table.iloc[1, 1] == "£1.20 billion"


def test_concentration_table_drops_undefined_indices_and_orders_measures():
    concentration = pd.DataFrame({
        "outcome": ["referrals", "mental_health", "acute_morbidity"],
        "geography": ["utla23", "lsoa21", "lsoa21"], "n": [153, 33755, 33755],
        "concentration_index": [-0.0266, np.nan, -0.0793], "se": [0.0293, np.nan, 0.00106],
        "ci_low": [-0.084, np.nan, -0.0814], "ci_high": [0.031, np.nan, -0.0772]})
    table = rv.concentration_table(concentration, 0.95)
    assert table["Measure"].tolist() == [labels.OUTCOME_LABELS["acute_morbidity"],
                                         labels.OUTCOME_LABELS["referrals"]]
    assert table.iloc[0].tolist()[1:] == ["Neighbourhood", "33,755", "\u22120.079", "0.0011",
                                          "\u22120.081 to \u22120.077"]
    assert table.iloc[1, 1] == "Upper-tier council"


def _fit(outcome_geo: str, estimate: float, adjusted: float | None, share: float | None) -> dict:
    base = {"spec_id": f"{outcome_geo}.core.zscore_equal.x.wls.none", "n": 150, "estimate": estimate,
            "ci_low": estimate - 1, "ci_high": estimate + 1}
    return {"unadjusted": base, "adjusted": {"estimate": adjusted} if adjusted is not None else None,
            "share_remaining": share}


def test_headline_models_table_orders_measures_and_marks_what_cannot_be_estimated():
    summary = {"c2": {"main_models": {
        "referrals": _fit("utla23", -32.3, 39.5, -1.222),
        "income_claimants": _fit("lsoa21", -0.138, None, None),
    }}}
    table = rv.headline_models_table(summary, 0.95)
    assert table["Measure"].tolist() == [labels.OUTCOME_LABELS["income_claimants"],
                                         labels.OUTCOME_LABELS["referrals"]]
    assert table.iloc[0]["Adding deprivation"] == "—" and table.iloc[0]["Share remaining"] == "—"
    assert table.iloc[1]["Share remaining"] == "\u2212122%"
    assert table.iloc[1]["95% CI"] == "\u221233.300 to \u221231.300"


def _config(name: str) -> dict:
    return yaml.safe_load((CONFIG / name).read_text())


@pytest.mark.parametrize("mapping, codes", [
    ("OUTCOME_LABELS", lambda m, c: m["models"]["outcomes"]),
    ("OUTCOME_SHORT", lambda m, c: m["models"]["outcomes"]),
    ("VARIANT_LABELS", lambda m, c: m["power"]["variants"]),
    ("FAMILY_LABELS", lambda m, c: m["models"]["families"]),
    ("COVARIATE_LABELS", lambda m, c: m["models"]["covariate_sets"]),
    ("GEOGRAPHY_LABELS", lambda m, c: m["models"]["geographies"]),
    ("INDICATOR_LABELS", lambda m, c: m["power"]["index_sets"]["demos"]["indicators"]),
    ("SCENARIO_LABELS", lambda m, c: c["costs"]["scenarios"]),
    ("PARAMETER_LABELS", lambda m, c: c["costs"]["parameters"]),
])
def test_every_configured_code_has_a_reader_facing_label(mapping, codes):
    """A code added to the configuration must get a label, or the report would print it raw."""
    configured = set(codes(_config("models.yaml"), _config("costs.yaml")))
    assert configured <= set(getattr(labels, mapping))


def test_every_specification_dimension_has_a_heading_and_labelled_values():
    dimensions = labels.DIMENSION_LABELS
    assert set(dimensions) == set(labels.DIMENSION_VALUES)
    multiverse = _config("models.yaml")["multiverse"]
    plural = {"variant": "variants", "outcome": "outcomes", "geography": "geographies",
              "family": "families", "covariate_set": "covariate_sets"}
    for dim, key in plural.items():
        assert set(multiverse[key]) <= set(labels.DIMENSION_VALUES[dim])
