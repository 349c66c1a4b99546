"""ONS council boundaries (BUC: ultra generalised, clipped to the coastline; EPSG:27700):
local authority districts May 2024 (GeoPackage) and counties and unitary authorities May 2023
(shapefile). Only this reader knows their column names; it keeps England's features and
checks their number against the published geography (296 districts, 153 upper-tier councils).
"""

from __future__ import annotations

from pathlib import Path

from coprod.errors import SchemaError

# geography -> (our code column, our name column, raw code column, raw name column)
BOUNDARY_COLUMNS = {
    "lad24": ("lad24cd", "lad24nm", "LAD24CD", "LAD24NM"),
    "utla23": ("utla23cd", "utla23nm", "CTYUA23CD", "CTYUA23NM"),
}
ENGLAND_FEATURES = {"lad24": 296, "utla23": 153}
CRS = "EPSG:27700"  # British National Grid


def read_boundaries(path: str | Path, geography: str):
    """England's features of one boundary file: code, name and geometry, sorted by code."""
    import geopandas as gpd

    if geography not in BOUNDARY_COLUMNS:
        raise SchemaError(
            f"{path}: unknown boundary geography {geography!r} (one of {sorted(BOUNDARY_COLUMNS)})"
        )
    code, name, raw_code, raw_name = BOUNDARY_COLUMNS[geography]
    shapes = gpd.read_file(path)
    missing = [c for c in (raw_code, raw_name) if c not in shapes.columns]
    if missing:
        raise SchemaError(
            f"{path}: boundary columns {missing} missing (has {list(shapes.columns)})"
        )
    if shapes.crs is None or shapes.crs.to_string() != CRS:
        raise SchemaError(f"{path}: expected coordinates in {CRS}, found {shapes.crs}")
    shapes = shapes[[raw_code, raw_name, "geometry"]].rename(
        columns={raw_code: code, raw_name: name}
    )
    england = shapes[shapes[code].str.startswith("E")].sort_values(code, ignore_index=True)
    if england[code].duplicated().any():
        raise SchemaError(
            f"{path}: {raw_code} repeats: "
            f"{sorted(england.loc[england[code].duplicated(), code])[:10]}"
        )
    if len(england) != ENGLAND_FEATURES[geography]:
        raise SchemaError(
            f"{path}: {len(england)} English features, expected {ENGLAND_FEATURES[geography]}"
        )
    return england


def read_lad24_boundaries(path: str | Path):
    """Local authority districts, May 2024, BUC (GeoPackage): 296 English features."""
    return read_boundaries(path, "lad24")


def read_utla23_boundaries(path: str | Path):
    """Counties and unitary authorities, May 2023, BUC: 153 English features. `path` is any
    component of the shapefile (the registry lists each); the `.shp` beside it is read."""
    return read_boundaries(Path(path).with_suffix(".shp"), "utla23")
