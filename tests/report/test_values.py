"""The report's formatting helpers and generated tables on tiny frames: readable names in place
of pipeline codes, true minus signs, the report's order of measures, and a label for every code
the configuration can produce."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.analysis.costs import RULES
from coprod.analysis.participation import references
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
        "zscore_equal",
        "pca1",
        "b",
        "a",
    ]


def test_scenario_table_names_rules_and_formats_money():
    rules = pd.DataFrame(
        {
            "rule": ["targeted_power_council", "universal"],
            "scheme": "timebank",
            "cost_to_close_gbp_mean": [290e6, 1.2e9],
            "cost_to_close_gbp_lo": [153e6, 0.54e9],
            "cost_to_close_gbp_hi": [471e6, 1.64e9],
            "max_closable_share_mean": [0.281, np.nan],
            "share_closed_fixed_budget_mean": [0.0312, 0.0101],
            "net_benefit_pv_fixed_budget_gbp_mean": [-254e6, -751e6],
            "breakeven_saving_per_participant_gbp_mean": [2042.4, 4395.0],
        }
    )
    table = rv.scenario_table(rules, 0.95)
    assert "95% interval" in table and "80% interval" in rv.scenario_table(rules, 0.8)
    assert table.iloc[0].tolist() == [
        "Universal (equal per adult)",
        "£1.20 billion",
        "£540 million to £1.64 billion",
        "100%",
        "1.0%",
        "−£751 million",
        "£4,395",
    ]
    assert table.iloc[1, 3] == "28%"


def test_concentration_table_puts_service_measures_first_and_marks_undefined_indices():
    nan = np.nan
    concentration = pd.DataFrame(
        {
            "outcome": ["income_claimants", "referrals", "mental_health", "acute_morbidity"],
            "kind": ["deprivation_defined", "service_use", "service_use", "service_use"],
            "n": [33755, 153, 33755, 33755],
            "concentration_index": [-0.288, -0.0266, nan, -0.0793],
            "se": [0.0093, 0.0284, nan, 0.0035],
            "se_hac": [0.0035, 0.0293, nan, 0.0011],
            "ci_low": [-0.305, -0.084, nan, -0.0860],
            "ci_high": [-0.269, 0.031, nan, -0.0726],
            "erreygers_index": [-0.2674, nan, nan, nan],
            "q1_q5_ratio": [4.02, 1.36, nan, 1.47],
        }
    )
    table = rv.concentration_table(concentration, 0.95)
    assert table["Measure"].tolist() == [
        labels.OUTCOME_LABELS[o]
        for o in ("acute_morbidity", "mental_health", "referrals", "income_claimants")
    ]
    assert table.iloc[0].tolist()[1:] == [
        "Service use",
        "33,755",
        "\u22120.079",
        "0.0035",
        "0.0011",
        "\u22120.086 to \u22120.073",
        "—",
        "1.47",
    ]
    assert table.iloc[1]["Index"] == "—" and table.iloc[1]["Fifths ratio"] == "—"
    assert (
        table.iloc[3]["Class"] == "Deprivation-defined"
        and table.iloc[3]["Erreygers"] == "\u22120.267"
    )


def _fit(kind: str, estimate: float, conditional: dict, slope_sd: float | None = None) -> dict:
    base = {
        "n": 150,
        "estimate": estimate,
        "ci_low": estimate - 1,
        "ci_high": estimate + 1,
        "re_slope_sd": slope_sd,
    }
    return {"kind": kind, "unconditional": base, "conditional": conditional}


def test_headline_models_table_orders_measures_and_marks_what_cannot_be_estimated():
    summary = {
        "c2": {
            "main_models": {
                "income_claimants": _fit(
                    "deprivation_defined",
                    -0.138,
                    {"imd_no_education": None, "income_employment": None},
                    0.01,
                ),
                "referrals": _fit(
                    "service_use",
                    -32.3,
                    {
                        "imd_no_education": {"estimate": 39.5, "ci_low": 1.0, "ci_high": 78.0},
                        "income_employment": None,
                    },
                ),
            }
        }
    }
    table = rv.headline_models_table(summary, 0.95)
    assert table["Measure"].tolist() == [
        labels.OUTCOME_LABELS["referrals"],
        labels.OUTCOME_LABELS["income_claimants"],
    ]
    assert (
        table.iloc[0]["Per SD of power (95% CI)"] == "\u221232.300 (\u221233.300 to \u221231.300)"
    )
    assert table.iloc[0]["Given IMD without Education"] == "39.500 (1.000 to 78.000)"
    assert table.iloc[0]["District slope SD"] == "—"
    assert table.iloc[1]["Given income and employment"] == "—"
    assert "Share remaining" not in table.columns


def test_directions_table_orders_families_and_formats_shares():
    directions = pd.DataFrame(
        {
            "outcome_family": ["all", "deprivation_defined", "health_service_use"],
            "n_outcomes": [5, 3, 2],
            "n_specs": [300, 200, 100],
            "share_expected": [0.9, 1.0, 0.8],
            "share_expected_fdr": [0.7, 1.0, 0.4],
            "share_opposite_fdr": [0.05, 0.0, 0.1],
            "fdr_alpha": 0.05,
        }
    )
    table = rv.directions_table(directions)
    assert table["Outcome family"].tolist() == [
        labels.OUTCOME_FAMILY_LABELS[f]
        for f in ("health_service_use", "deprivation_defined", "all")
    ]
    assert table.iloc[0, 1:].tolist() == ["2", "100", "80%", "40%", "10%"]
    assert "Opposite, FDR q < 0.05" in table.columns


def _config(name: str) -> dict:
    return yaml.safe_load((CONFIG / name).read_text())


@pytest.mark.parametrize(
    "mapping, codes",
    [
        ("OUTCOME_LABELS", lambda m, c: m["models"]["outcomes"]),
        ("OUTCOME_SHORT", lambda m, c: m["models"]["outcomes"]),
        ("VARIANT_LABELS", lambda m, c: m["power"]["variants"]),
        ("FAMILY_LABELS", lambda m, c: m["models"]["families"]),
        ("COVARIATE_LABELS", lambda m, c: m["models"]["covariate_sets"]),
        (
            "OUTCOME_FAMILY_LABELS",
            lambda m, c: {o["outcome_family"] for o in m["models"]["outcomes"].values()},
        ),
        ("KIND_LABELS", lambda m, c: {o["kind"] for o in m["models"]["outcomes"].values()}),
        ("GEOGRAPHY_LABELS", lambda m, c: m["models"]["geographies"]),
        ("INDICATOR_LABELS", lambda m, c: m["power"]["index_sets"]["demos"]["indicators"]),
        ("SCENARIO_LABELS", lambda m, c: RULES),
        (
            "CONSTRUCTION_LABELS",
            lambda m, c: c["costs"]["participation"]["constructions"],
        ),
        ("LEVELLING_LABELS", lambda m, c: c["costs"]["participation"]["levelling"]),
        (
            "REFERENCE_LABELS",
            lambda m, c: references(np.ones((1, 5)), np.ones(5), np.arange(1, 6), np.arange(1, 6)),
        ),
        ("SCHEME_LABELS", lambda m, c: [*c["costs"]["scheme_mix"], "mix"]),
        (
            "PARAMETER_LABELS",
            lambda m, c: [
                *c["costs"]["parameters"],
                "construction",
                "levelling",
                "participation_most_deprived",
                "participation_least_deprived",
            ],
        ),
    ],
)
def test_every_configured_code_has_a_reader_facing_label(mapping, codes):
    """A code added to the configuration must get a label, or the report would print it raw."""
    configured = set(codes(_config("models.yaml"), _config("costs.yaml")))
    assert configured <= set(getattr(labels, mapping))


def test_every_specification_dimension_has_a_heading_and_labelled_values():
    dimensions = labels.DIMENSION_LABELS
    assert set(dimensions) == set(labels.DIMENSION_VALUES)
    multiverse = _config("models.yaml")["multiverse"]
    plural = {
        "variant": "variants",
        "outcome": "outcomes",
        "geography": "geographies",
        "family": "families",
        "covariate_set": "covariate_sets",
    }
    for dim, key in plural.items():
        assert set(multiverse[key]) <= set(labels.DIMENSION_VALUES[dim])


@pytest.mark.mirror
def test_climate_values_quote_the_panel_with_signs_and_intervals(results):
    from coprod.report.values import climate_values

    tables = {
        name: pd.read_parquet(results / "climate" / f"{name}.parquet")
        for name in ("changes", "gap", "england", "exclusions", "fixed_effects", "footprints")
    }
    out = climate_values(tables)
    changes = tables["changes"].set_index(["grouping", "group", "measure"])
    most = changes.loc[("fifth", 1, "service")]
    assert out["climate.service.fifth_most.change_pct"] == (
        f"{most['change_pct']:.1f}%".replace("-", "\u2212")
    )
    assert out["climate.first_year"] == "2009-10" and out["climate.last_year"] == "2024-25"
    assert out["climate.service.all.change_gbp"].startswith(("\u2212£", "£"))
    assert out["climate.service.fifth_gap_interval"].startswith("95% interval ")
    assert int(out["climate.n_in_sample"]) + int(out["climate.n_no_return"]) == int(
        out["climate.n_footprints"]
    )


def test_gap_specification_values_rank_the_headline_from_the_smallest():
    from coprod.report.values import gap_specification_values

    specs = pd.DataFrame(
        {
            "construction": ["a", "a", "b", "b"],
            "levelling": ["x", "y", "x", "y"],
            "reference": "national_mean",
            "gap_people": [2.0e6, 1.0e6, 6.0e6, 4.0e6],
            "primary": [True, False, False, False],
        }
    )
    out = gap_specification_values(specs)
    assert out["robustness.gap_headline_rank"] == "2"
    assert out["robustness.gap_n_specs"] == "4"
    assert out["robustness.gap_median"] == "3.00 million"
    assert out["robustness.gap_median_over_headline"] == "1.5"
