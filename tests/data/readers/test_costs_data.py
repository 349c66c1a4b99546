"""COReC unit-cost readers: training costs and hourly costs for both table layouts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coprod.data.readers import costs_data
from coprod.errors import SchemaError

from .helpers import variant

FIXTURES = Path(__file__).parents[2] / "fixtures" / "costs"
TRAINING = FIXTURES / "training_costs_hcp.csv"
COMMUNITY = FIXTURES / "community_hcp.csv"
NURSE = FIXTURES / "nurse.csv"
HOURLY_COLUMNS = ["year", "band", "qualification_cost", "cost_per_working_hour_gbp", "job_title"]


def test_training_costs_tidy_names_and_values():
    frame = costs_data.read_corec_training_costs(TRAINING)
    assert list(frame.columns) == [
        "year",
        "job_title",
        "tuition_gbp",
        "living_expenses_or_lost_production_costs_gbp",
        "clinical_placement_gbp",
        "total_investment_gbp",
        "expected_annual_cost_discounted_3pt5pct_gbp",
    ]
    social_worker = frame.set_index(["year", "job_title"]).loc[(2025, "Social worker")]
    assert social_worker["tuition_gbp"] == 27649
    assert social_worker["total_investment_gbp"] == 74635
    assert social_worker["expected_annual_cost_discounted_3pt5pct_gbp"] == 10380
    assert frame["year"].dtype == "int64"


def test_community_table_has_job_titles_and_no_qualification_split():
    frame = costs_data.read_corec_hourly_costs(COMMUNITY)
    assert list(frame.columns) == HOURLY_COLUMNS
    assert frame["qualification_cost"].isna().all()
    band5 = frame.set_index(["year", "band"]).loc[(2025, "Band 5")]
    assert band5["cost_per_working_hour_gbp"] == 47
    assert band5["job_title"].startswith("Physiotherapist")


def test_nurse_table_splits_by_qualification_cost():
    frame = costs_data.read_corec_hourly_costs(NURSE)
    assert list(frame.columns) == HOURLY_COLUMNS
    assert frame["job_title"].isna().all()
    cost = frame.set_index(["band", "qualification_cost"])["cost_per_working_hour_gbp"]
    assert cost[("Band 5", "excluding")] == 50 and cost[("Band 5", "including")] == 57


def test_missing_column(tmp_path):
    path = tmp_path / "training.csv"
    pd.read_csv(TRAINING, dtype=str).drop(columns="total_investment").to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"training\.csv.*total_investment"):
        costs_data.read_corec_training_costs(path)
    path = tmp_path / "hourly.csv"
    pd.read_csv(NURSE, dtype=str).drop(columns="cost_per_working_hour").to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"hourly\.csv.*cost_per_working_hour"):
        costs_data.read_corec_hourly_costs(path)


@pytest.mark.parametrize("source", [TRAINING, COMMUNITY, NURSE])
def test_truncated(tmp_path, source):
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes()[:-5])
    reader = (
        costs_data.read_corec_training_costs
        if source == TRAINING
        else costs_data.read_corec_hourly_costs
    )
    with pytest.raises(SchemaError, match="truncated"):
        reader(path)


def test_duplicate_keys(tmp_path):
    with pytest.raises(SchemaError, match="duplicate"):
        costs_data.read_corec_training_costs(
            variant(tmp_path, TRAINING, "Nurse", "Social worker", count=-1)
        )
    with pytest.raises(SchemaError, match="duplicate"):
        costs_data.read_corec_hourly_costs(
            variant(tmp_path, NURSE, "including", "excluding", count=-1)
        )


def test_blank_cost_is_missing_and_text_is_an_error(tmp_path):
    frame = costs_data.read_corec_hourly_costs(variant(tmp_path, NURSE, ",61.0", ",", count=-1))
    assert pd.isna(
        frame.set_index(["band", "qualification_cost"]).loc[
            ("Band 6", "excluding"), "cost_per_working_hour_gbp"
        ]
    )
    with pytest.raises(SchemaError, match=r"cost_per_working_hour.*£61"):
        costs_data.read_corec_hourly_costs(variant(tmp_path, NURSE, ",61.0", ",£61", count=-1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [(",excluding,", ",partial,", "partial"), ("2025,Band 6", "FY25,Band 6", "year")],
)
def test_bad_key_values(tmp_path, old, new, message):
    with pytest.raises(SchemaError, match=message):
        costs_data.read_corec_hourly_costs(variant(tmp_path, NURSE, old, new, count=-1))


@pytest.mark.mirror
def test_mirror_corec_published_figures(mirror_dir):
    training = costs_data.read_corec_training_costs(
        mirror_dir / "costs/corec_unit_costs_training_costs_hcp.csv"
    )
    social_worker = training.set_index(["year", "job_title"]).loc[(2025, "Social worker")]
    assert social_worker["total_investment_gbp"] == 74_635
    assert sorted(training["year"].unique()) == [2023, 2024, 2025]
    nurse = costs_data.read_corec_hourly_costs(mirror_dir / "costs/corec_unit_costs_nurse.csv")
    wide = nurse.pivot(
        index=["year", "band"], columns="qualification_cost", values="cost_per_working_hour_gbp"
    )
    # Adding the cost of qualifying always raises the hourly cost.
    assert len(wide) == 27 and (wide["including"] > wide["excluding"]).all()
    community = costs_data.read_corec_hourly_costs(
        mirror_dir / "costs/corec_unit_costs_community_hcp.csv"
    )
    assert len(community) == 27 and community["job_title"].notna().all()
    # Later editions price every band higher.
    by_year = community.pivot(index="band", columns="year", values="cost_per_working_hour_gbp")
    assert (by_year[2025] > by_year[2023]).all()
