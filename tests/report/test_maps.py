"""Maps: the 1:1 join of data to boundaries fails clearly on a missing, extra or repeated code;
the colour scale; and a map drawn end to end from a declared file and column."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from coprod.errors import GeographyError, ReportError
from coprod.report.maps import (
    MapJoinError,
    MapSpec,
    choropleth,
    colour_scale,
    join_one_to_one,
    map_figure,
)

CODES = ["E06000001", "E09000001", "E09000002"]


@pytest.fixture
def shapes():
    """Three square 'councils', two of them London boroughs (E09) for the inset."""
    return gpd.GeoDataFrame(
        {"utla23cd": CODES, "utla23nm": ["A", "City", "B"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 11, 1), box(11, 0, 12, 1)],
        crs="EPSG:27700",
    )


def values(codes, column="value"):
    return pd.DataFrame({"utla23cd": codes, column: np.arange(len(codes), dtype=float)})


def test_join_keeps_one_row_per_feature(shapes):
    joined = join_one_to_one(shapes, values(CODES[::-1]), "utla23cd", "value", "test.parquet")
    assert list(joined["utla23cd"]) == CODES and joined["value"].notna().all()


def test_join_fails_on_a_missing_code(shapes):
    with pytest.raises(
        MapJoinError,
        match=r"test.parquet: .*1 boundary code\(s\) missing from the data: \['E09000002'\]",
    ):
        join_one_to_one(shapes, values(CODES[:2]), "utla23cd", "value", "test.parquet")


def test_join_fails_on_an_extra_code(shapes):
    with pytest.raises(
        MapJoinError, match=r"1 code\(s\) in the data with no boundary: \['E06000999'\]"
    ):
        join_one_to_one(shapes, values([*CODES, "E06000999"]), "utla23cd", "value", "test.parquet")


def test_join_fails_on_a_repeated_code_or_a_missing_column(shapes):
    with pytest.raises(MapJoinError, match=r"appear more than once in utla23cd: \['E06000001'\]"):
        join_one_to_one(shapes, values([*CODES, "E06000001"]), "utla23cd", "value", "t")
    with pytest.raises(MapJoinError, match=r"column\(s\) \['spend'\] missing"):
        join_one_to_one(shapes, values(CODES), "utla23cd", "spend", "t")
    assert issubclass(MapJoinError, GeographyError)


def test_join_reads_another_code_column(shapes):
    frame = values(CODES).rename(columns={"utla23cd": "code"})
    assert len(join_one_to_one(shapes, frame, "utla23cd", "value", "t", data_code="code")) == 3


def test_colour_scale_spans_the_central_range_and_centres_diverging_scales():
    data = np.r_[np.linspace(-1, 3, 99), 100.0, np.nan]
    norm, extend = colour_scale(data, diverging=False)
    assert norm.vmax < 4 and extend == "both"  # one outlier does not flatten the map
    norm, _ = colour_scale(data, diverging=True)
    assert norm.vmin == -norm.vmax


def test_only_colour_blind_safe_palettes():
    spec = {"label": "x", "palette": "jet", "panels": {"utla23": {"input": "a.csv", "column": "v"}}}
    with pytest.raises(ReportError, match="colour-blind-safe"):
        MapSpec.from_dict(spec, "")


def test_a_feature_without_a_value_is_drawn_as_no_data(shapes):
    joined = join_one_to_one(
        shapes, values(CODES).assign(value=[1.0, np.nan, 3.0]), "utla23cd", "value", "t"
    )
    fig = choropleth([("Councils", joined, "utla23cd", "value")], label="£", palette="viridis")
    legend = fig.axes[0].get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == ["No data"]


def test_map_figure_end_to_end_from_a_declared_file_and_column(tmp_path, mirror_dir):
    """The real upper-tier boundaries and a CSV with one row per council."""
    from coprod.data.readers.boundaries import read_utla23_boundaries

    shp = mirror_dir / "boundaries" / "CTYUA_MAY_2023_UK_BUC" / "CTYUA_MAY_2023_UK_BUC.shp"
    codes = read_utla23_boundaries(shp)["utla23cd"]
    csv = tmp_path / "councils.csv"
    pd.DataFrame({"utla23cd": codes, "v": np.arange(len(codes)), "kind": "a"}).to_csv(
        csv, index=False
    )
    spec = MapSpec.from_dict(
        {
            "label": "v",
            "palette": "cividis",
            "panels": {"utla23": {"input": str(csv), "column": "v", "where": {"kind": "a"}}},
        },
        "Contains OS data",
    )
    fig = map_figure(spec, {"utla23": shp}, {"utla23": csv})
    assert len(fig.axes) == 2 and len(fig.axes[0].child_axes) == 1  # map + colour bar; London inset
    pd.DataFrame({"utla23cd": codes[1:], "v": 1.0, "kind": "a"}).to_csv(csv, index=False)
    with pytest.raises(MapJoinError, match=f"missing from the data: \\['{codes.iloc[0]}'\\]"):
        map_figure(spec, {"utla23": shp}, {"utla23": csv})
