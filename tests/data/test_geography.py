"""Checked joins and weighted aggregation on small hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coprod.data.geography import (
    aggregate,
    check_codes,
    checked_merge,
    split_shared_codes,
)
from coprod.errors import GeographyError

LEFT = pd.DataFrame({"lad24cd": ["E06000001", "E06000002", "E06000003"], "x": [1, 2, 3]})
RIGHT = pd.DataFrame({"lad24cd": ["E06000001", "E06000002"], "y": [10, 20]})


def test_unexpected_loss_stops_the_join():
    with pytest.raises(GeographyError, match="E06000003"):
        checked_merge(LEFT, RIGHT, "lad24cd", "demo")


def test_expected_loss_is_allowed_and_kept_as_missing():
    out = checked_merge(LEFT, RIGHT, "lad24cd", "demo", expected_unmatched=["E06000003"])
    assert len(out) == 3 and np.isnan(out["y"].iloc[2])


def test_stale_exclusion_is_an_error():
    with pytest.raises(GeographyError, match="do match now"):
        checked_merge(LEFT, RIGHT, "lad24cd", "demo", expected_unmatched=["E06000003", "E06000001"])


def test_right_complete_catches_orphans_on_the_right():
    with pytest.raises(GeographyError, match="right table"):
        checked_merge(RIGHT, LEFT, "lad24cd", "demo", right_complete=True)


def test_aggregate_conserves_counts_and_weights_means():
    frame = pd.DataFrame(
        {"lad24cd": ["A", "A", "B"], "population": [100, 300, 50], "score": [10.0, 20.0, np.nan]}
    )
    out = aggregate(frame, "lad24cd", counts=["population"], means=["score"])
    assert out["population"].sum() == frame["population"].sum()
    assert out.loc[out.lad24cd == "A", "score"].item() == pytest.approx(17.5)
    assert np.isnan(out.loc[out.lad24cd == "B", "score"].item())


def test_wrong_vintage_codes_are_named():
    frame = pd.DataFrame({"lsoa21cd": ["E01000001", "E02000001"]})
    with pytest.raises(GeographyError, match="E02000001"):
        check_codes(frame, "lsoa21cd", "demo")


def test_shared_service_rows_are_split():
    frame = pd.DataFrame({"code": ["E06000061 / E06000062", "E06000001"], "v": [1.0, 2.0]})
    out = split_shared_codes(frame, "code")
    assert out["code"].tolist() == ["E06000061", "E06000062", "E06000001"]
    assert out["shared_group"].notna().tolist() == [True, True, False]
