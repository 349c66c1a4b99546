"""Choropleth maps of England by council (geopandas + matplotlib), with an inset for London.

Each map reads one declared file and column per geography and joins it to the ONS
boundaries on the council code, exactly one row per boundary feature: a code missing from
the data, a code with no boundary, or a repeated code stops the figure with the codes named.
A feature whose value is empty (a council a comparison leaves out) is drawn hatched grey as
"no data". Colours are colour-blind safe (viridis family for one-way scales, ColorBrewer's
PuOr for scales centred on zero) and span the 2nd to 98th percentile, arrows marking values
beyond, so that one outlier does not flatten the map.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from coprod.data.readers.boundaries import BOUNDARY_COLUMNS, read_boundaries
from coprod.errors import GeographyError, ReportError

LONDON_PREFIX = "E09"  # London boroughs and the City of London, at both levels
NO_DATA = "#d9d9d9"
SAFE_PALETTES = {
    "viridis",
    "cividis",
    "magma_r",
    "viridis_r",
    "cividis_r",
    "magma",
    "PuOr",
    "PuOr_r",
}
GEOGRAPHY_TITLES = {"lad24": "Districts (May 2024)", "utla23": "Upper-tier councils (May 2023)"}


class MapJoinError(GeographyError):
    """The data do not join one-to-one with the boundaries."""


@dataclass(frozen=True)
class MapPanel:
    """One geography of a map: the file and column it shows, and an optional row filter."""

    geography: str
    input: str
    column: str
    code: str | None = None  # code column of the input; default the geography's (lad24cd, ...)
    where: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MapSpec:
    label: str  # colour-bar label, with units
    palette: str
    diverging: bool
    panels: Sequence[MapPanel]
    attribution: str

    @classmethod
    def from_dict(cls, spec: Mapping, attribution: str) -> MapSpec:
        if spec["palette"] not in SAFE_PALETTES:
            raise ReportError(
                f"map palette {spec['palette']!r} is not one of the colour-blind-safe "
                f"palettes {sorted(SAFE_PALETTES)}"
            )
        panels = [MapPanel(geography=geo, **panel) for geo, panel in spec["panels"].items()]
        return cls(
            spec["label"], spec["palette"], bool(spec.get("diverging", False)), panels, attribution
        )


def join_one_to_one(
    boundaries: gpd.GeoDataFrame,
    values: pd.DataFrame,
    code: str,
    column: str,
    source: str,
    *,
    data_code: str | None = None,
) -> gpd.GeoDataFrame:
    """`boundaries` with `values[column]` joined on the code, one row per boundary feature."""
    data_code = data_code or code
    missing_columns = [c for c in (data_code, column) if c not in values.columns]
    if missing_columns:
        raise MapJoinError(
            f"{source}: column(s) {missing_columns} missing (has {list(values.columns)[:12]})"
        )
    repeated = sorted(values.loc[values[data_code].duplicated(), data_code].unique())
    if repeated:
        raise MapJoinError(
            f"{source}: {len(repeated)} code(s) appear more than once in {data_code}: "
            f"{repeated[:10]}"
        )
    have, want = set(values[data_code]), set(boundaries[code])
    missing, extra = sorted(want - have), sorted(have - want)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} boundary code(s) missing from the data: {missing[:10]}")
        if extra:
            parts.append(f"{len(extra)} code(s) in the data with no boundary: {extra[:10]}")
        raise MapJoinError(
            f"{source}: {data_code} does not join 1:1 with the {len(want)} {code} boundaries: "
            + "; ".join(parts)
        )
    data = values[[data_code, column]].rename(columns={data_code: code})
    return boundaries.merge(data, on=code, how="left", validate="one_to_one")


def read_panel(panel: MapPanel, path: str | Path) -> pd.DataFrame:
    """The panel's input file (Parquet or CSV), filtered by its `where` equalities."""
    path = Path(path)
    frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    for key, value in panel.where.items():
        if key not in frame.columns:
            raise ReportError(f"{path}: filter column {key!r} missing")
        frame = frame[frame[key] == value]
        if frame.empty:
            raise ReportError(f"{path}: no rows with {key} == {value!r}")
    return frame


def colour_scale(values: np.ndarray, diverging: bool) -> tuple[colors.Normalize, str]:
    """Norm over the 2nd-98th percentile (symmetric about zero if diverging) and the colour
    bar's `extend` for values beyond it."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ReportError("map: no finite values to draw")
    lo, hi = np.quantile(finite, [0.02, 0.98])
    if diverging:
        bound = max(abs(lo), abs(hi))
        lo, hi = -bound, bound
    below, above = bool(finite.min() < lo), bool(finite.max() > hi)
    extend = {
        (False, False): "neither",
        (True, False): "min",
        (False, True): "max",
        (True, True): "both",
    }
    return colors.Normalize(vmin=lo, vmax=hi), extend[(below, above)]


def choropleth(
    frames: Sequence[tuple[str, gpd.GeoDataFrame, str, str]],
    *,
    label: str,
    palette: str,
    diverging: bool = False,
    attribution: str = "",
):
    """One panel per (title, joined frame, code column, value column) on one colour scale,
    each with a London inset; returns the matplotlib figure."""
    values = np.concatenate([frame[col].to_numpy(dtype=float) for _, frame, _, col in frames])
    norm, extend = colour_scale(values, diverging)
    n = len(frames)
    fig = Figure(figsize=(3.4 * n + 0.4, 4.6), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)
    any_missing = False
    for ax, (title, frame, code, col) in zip(axes[0], frames, strict=True):
        missing = frame[col].isna()
        any_missing |= bool(missing.any())
        _draw(ax, frame, col, norm, palette, missing, linewidth=0.12)
        ax.set_title(title, fontsize=8, wrap=True)
        london = frame[frame[code].str.startswith(LONDON_PREFIX)]
        x0, y0, x1, y1 = london.total_bounds
        ax.add_patch(
            Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, linewidth=0.6, edgecolor="black")
        )
        inset = ax.inset_axes([0.0, 0.58, 0.36, 0.36])  # over the Irish Sea and Wales, left blank
        _draw(inset, london, col, norm, palette, london[col].isna(), linewidth=0.25)
        inset.set_title("London", fontsize=7, pad=2)
        inset.set_axis_on()
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_xlabel("")
        inset.set_ylabel("")
        for spine in inset.spines.values():
            spine.set_visible(True)
            spine.set_linewidth(0.6)
    bar = fig.colorbar(
        ScalarMappable(norm=norm, cmap=palette),
        ax=list(axes[0]),
        orientation="horizontal",
        fraction=0.05,
        pad=0.02,
        aspect=35,
        extend=extend,
        shrink=0.9,
    )
    bar.set_label(textwrap.fill(label, 60 * n), fontsize=8)
    bar.ax.tick_params(labelsize=7)
    if any_missing:
        axes[0][-1].legend(
            handles=[
                Patch(
                    facecolor=NO_DATA,
                    hatch="////",
                    edgecolor="grey",
                    linewidth=0.3,
                    label="No data",
                )
            ],
            loc="lower left",
            fontsize=7,
            frameon=False,
        )
    if attribution:
        fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
        fig.text(
            0.01,
            0.005,
            attribution,
            fontsize=5.5,
            color="#444444",
            ha="left",
            va="bottom",
            wrap=True,
        )
    return fig


def _draw(ax, frame, col, norm, palette, missing, linewidth):
    frame[~missing].plot(
        column=col, ax=ax, cmap=palette, norm=norm, edgecolor="white", linewidth=linewidth
    )
    if missing.any():
        frame[missing].plot(
            ax=ax, color=NO_DATA, hatch="////", edgecolor="grey", linewidth=linewidth
        )
    ax.set_axis_off()
    ax.set_aspect("equal")


def map_figure(
    spec: MapSpec, boundaries: Mapping[str, str | Path], inputs: Mapping[str, str | Path]
):
    """The figure for `spec`: each panel's input read, filtered and joined 1:1 with the
    boundaries of its geography."""
    frames = []
    for panel in spec.panels:
        code = BOUNDARY_COLUMNS[panel.geography][0]
        shapes = read_boundaries(boundaries[panel.geography], panel.geography)
        values = read_panel(panel, inputs[panel.geography])
        joined = join_one_to_one(
            shapes, values, code, panel.column, f"{inputs[panel.geography]}", data_code=panel.code
        )
        frames.append((GEOGRAPHY_TITLES[panel.geography], joined, code, panel.column))
    return choropleth(
        frames,
        label=spec.label,
        palette=spec.palette,
        diverging=spec.diverging,
        attribution=spec.attribution,
    )
