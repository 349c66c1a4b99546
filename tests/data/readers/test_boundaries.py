"""ONS boundary files: England's features with our code names, counted against the published
geography; a file with a feature missing is refused."""

from __future__ import annotations

import pytest

from coprod.data.readers.boundaries import (
    read_boundaries,
    read_lad24_boundaries,
    read_utla23_boundaries,
)
from coprod.errors import SchemaError


@pytest.fixture
def lad24(mirror_dir):
    return mirror_dir / "boundaries" / "Local_Authority_Districts_May_2024_Boundaries_UK_BUC.gpkg"


def test_districts_and_upper_tier_councils_of_england(lad24, mirror_dir):
    districts = read_lad24_boundaries(lad24)
    assert len(districts) == 296 and list(districts.columns) == ["lad24cd", "lad24nm", "geometry"]
    assert districts["lad24cd"].str.match(r"E0[6789]\d{6}").all()
    # any shapefile component names the layer
    councils = read_utla23_boundaries(
        mirror_dir / "boundaries" / "CTYUA_MAY_2023_UK_BUC" / "CTYUA_MAY_2023_UK_BUC.dbf"
    )
    assert len(councils) == 153 and councils["utla23cd"].is_unique
    assert set(councils["utla23cd"].str[:3]) == {"E06", "E08", "E09", "E10"}


def test_a_file_short_of_a_feature_is_refused(lad24, tmp_path):
    import geopandas as gpd

    shapes = gpd.read_file(lad24)
    shapes[shapes["LAD24CD"] != "E06000001"].to_file(tmp_path / "short.gpkg")
    with pytest.raises(SchemaError, match="295 English features, expected 296"):
        read_boundaries(tmp_path / "short.gpkg", "lad24")


def test_unknown_geography_is_refused(lad24):
    with pytest.raises(SchemaError, match="unknown boundary geography"):
        read_boundaries(lad24, "ward24")
