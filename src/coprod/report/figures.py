"""The report's figures: one function per figure, one shared style.

Each function takes tidy frames (columns named in its docstring), returns a matplotlib
`Figure` and draws nothing else: captions and alt text live in the report source. Pipeline codes
(outcomes, variants, scenarios, parameters) are shown by their `coprod.report.labels` names. The
style
is colour-blind safe (Okabe-Ito for categories, cividis for ordered groups), uses the
DejaVu Sans font that ships with matplotlib so every machine draws the same glyphs, and is
sized for an A4 text width. `save_figure` writes PNGs whose bytes depend only on the data.
"""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

from coprod.columns import require_columns
from coprod.errors import ConfigError, SchemaError
from coprod.report.labels import (
    CONSTRUCTION_LABELS,
    DESIRABLE_LABELS,
    DIMENSION_LABELS,
    DIMENSION_VALUES,
    INDICATOR_LABELS,
    LEVELLING_LABELS,
    OUTCOME_LABELS,
    OUTCOME_SHORT,
    PARAMETER_LABELS,
    REFERENCE_LABELS,
    SCENARIO_LABELS,
    SENSITIVITY_OUTPUT_LABELS,
    VARIANT_LABELS,
    VINTAGE_LABELS,
    label,
    order,
)

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
PALETTE = [
    OKABE_ITO[k]
    for k in (
        "blue",
        "orange",
        "bluish_green",
        "vermillion",
        "reddish_purple",
        "sky_blue",
        "black",
        "yellow",
    )
]
NEUTRAL = "#6E6E6E"
SEQUENTIAL = "cividis"
DPI = 200
WIDTH_IN = 6.5  # A4 text width with 2.2 cm margins

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "image.cmap": SEQUENTIAL,
    "svg.hashsalt": "coprod",
}


@contextlib.contextmanager
def style():
    """The report style for the duration of a block."""
    with matplotlib.rc_context(STYLE):
        yield


def _figure(height: float, width: float = WIDTH_IN) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _need(frame: pd.DataFrame, columns: Sequence[str], figure: str) -> None:
    require_columns(frame, list(columns), f"figure {figure}")


def _colours(n: int) -> list:
    """n ordered colours from the colour-blind-safe sequential map."""
    return [matplotlib.colormaps[SEQUENTIAL](x) for x in np.linspace(0.05, 0.9, n)]


def _wrap(text: str, width: int) -> str:
    return textwrap.fill(text, width, break_on_hyphens=False)


def _thousands(axis) -> None:
    """Tick labels with thousands separators and a true minus sign."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace("-", "\u2212")))


def _at_geography(frame: pd.DataFrame, geography: str | None, figure: str) -> pd.DataFrame:
    """The rows of one geography (all rows when `geography` is None); none is an error."""
    if geography is None:
        return frame
    _need(frame, ["geography"], figure)
    part = frame[frame["geography"] == geography]
    if part.empty:
        raise SchemaError(
            f"figure {figure}: no rows with geography {geography!r} "
            f"(found {sorted(frame['geography'].unique())})"
        )
    return part


def figure_function(name: str):
    """The function that draws figure ``name`` of config/report.yaml (same name, public)."""
    function = globals().get(name)
    if (
        name.startswith("_")
        or not callable(function)
        or name in {"style", "save_figure", "figure_function"}
    ):
        raise ConfigError(
            f"config/report.yaml: figure {name!r} has no drawing function in coprod.report.figures"
        )
    return function


def save_figure(fig: Figure, path: str | Path, *, dpi: int = DPI) -> Path:
    """Write a PNG at a fixed dpi without the software/version stamp, atomically, so equal
    figures give equal bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------- C1: the power index


def power_distribution(
    scores: pd.DataFrame,
    *,
    xlabel: str = "Core power index (higher = more power)",
    ylabel: str = "Neighbourhoods",
) -> Figure:
    """Histogram of the power index, stacked by power league.

    `scores`: `power_index`, `power_league` (1 = least power ... 5 = most)."""
    _need(scores, ["power_index", "power_league"], "power_distribution")
    with style():
        fig = _figure(2.8)
        ax = fig.add_subplot()
        leagues = sorted(scores["power_league"].dropna().unique())
        bins = np.histogram_bin_edges(scores["power_index"].dropna(), bins=50)
        ax.hist(
            [scores.loc[scores["power_league"] == lg, "power_index"].dropna() for lg in leagues],
            bins=bins,
            stacked=True,
            color=_colours(len(leagues)),
            label=[f"League {int(lg)}" for lg in leagues],
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        _thousands(ax.yaxis)
        fig.legend(
            title="Power league (1 = least power)", ncols=len(leagues), loc="outside upper center"
        )
    return fig


def _dodged(n_rows: int, group: int, n_groups: int, width: float) -> np.ndarray:
    """Row positions for series ``group`` of ``n_groups``, spread over ``width`` so that
    series plotted on the same rows do not overlap."""
    step = width / max(n_groups, 1)
    return np.arange(n_rows) + (group - (n_groups - 1) / 2) * step


def power_loadings(loadings: pd.DataFrame, *, index_set: str | None = None) -> Figure:
    """Indicator loadings (or weights) of each power-index variant, for one index set.

    `loadings`: `indicator`, `variant`, `loading` (and `index_set` when `index_set` is given)."""
    _need(loadings, ["indicator", "variant", "loading"], "power_loadings")
    if index_set is not None:
        loadings = loadings[loadings["index_set"] == index_set]
    indicators = order(INDICATOR_LABELS, loadings["indicator"])
    variants = order(VARIANT_LABELS, loadings["variant"])
    with style():
        fig = _figure(0.9 + 0.32 * len(indicators))
        ax = fig.add_subplot()
        for i, (variant, colour, marker) in enumerate(zip(variants, PALETTE, "osD^v")):
            part = (
                loadings[loadings["variant"] == variant].set_index("indicator").reindex(indicators)
            )
            y = _dodged(len(indicators), i, len(variants), 0.6)
            ax.scatter(
                part["loading"],
                y,
                color=colour,
                marker=marker,
                label=label(VARIANT_LABELS, variant),
                zorder=3,
                s=20,
            )
        ax.axvline(0, color=NEUTRAL, linewidth=0.8)
        ax.set_yticks(np.arange(len(indicators)), [label(INDICATOR_LABELS, c) for c in indicators])
        ax.invert_yaxis()
        ax.set_xlabel("Loading (correlation of the indicator with the index)")
        fig.legend(loc="outside lower center", ncols=len(variants))
    return fig


# ---------------------------------------------------------------- C2: who uses services


def _panels(n: int, ncols: int, row_height: float = 1.75) -> tuple[Figure, np.ndarray]:
    """A grid of n small multiples sharing the decile axis; unused cells hidden."""
    nrows = -(-n // ncols)
    fig = _figure(row_height * nrows + 0.6)
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[:n]:
        ax.set_xticks(range(1, 11))
        ax.tick_params(axis="x", labelbottom=True)
    return fig, axes[:n]


def _decile_means(
    ax,
    part: pd.DataFrame,
    colour: str,
    *,
    offset: float = 0.0,
    marker: str = "o",
    legend: str | None = None,
) -> None:
    part = part.sort_values("decile")
    ax.errorbar(
        part["decile"] + offset,
        part["mean"],
        yerr=[part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]],
        fmt=f"{marker}-",
        color=colour,
        markersize=3,
        capsize=1.5,
        linewidth=1,
        elinewidth=0.8,
        label=legend,
    )


def _gradient(
    gradient: pd.DataFrame, xlabel: str, name: str, ncols: int, geography: str | None
) -> Figure:
    _need(gradient, ["outcome", "decile", "mean", "ci_low", "ci_high"], name)
    gradient = _at_geography(gradient, geography, name)
    outcomes = order(OUTCOME_LABELS, gradient["outcome"])
    with style():
        fig, axes = _panels(len(outcomes), ncols)
        for ax, outcome in zip(axes, outcomes):
            _decile_means(ax, gradient[gradient["outcome"] == outcome], OKABE_ITO["blue"])
            ax.set_title(_wrap(label(OUTCOME_LABELS, outcome), 27), loc="left", fontsize=8.5)
        fig.supxlabel(xlabel, fontsize=9)
    return fig


def gradient_power(
    gradient: pd.DataFrame, *, geography: str | None = None, ncols: int = 3
) -> Figure:
    """Mean service use (95% CI) by power decile, one panel per outcome.

    `gradient`: `outcome`, `decile` (1 = least power), `mean`, `ci_low`, `ci_high`, and
    `geography` when `geography` picks one level (the panels must stay few enough to read)."""
    return _gradient(gradient, "Power decile (1 = least power)", "gradient_power", ncols, geography)


def gradient_imd(gradient: pd.DataFrame, *, geography: str | None = None, ncols: int = 3) -> Figure:
    """Mean service use (95% CI) by IMD decile, one panel per outcome.

    `gradient`: `outcome`, `decile` (1 = most deprived), `mean`, `ci_low`, `ci_high`, and
    `geography` when `geography` picks one level."""
    return _gradient(
        gradient, "IMD 2025 decile (1 = most deprived)", "gradient_imd", ncols, geography
    )


def gradient_pair(
    power: pd.DataFrame, imd: pd.DataFrame, *, geography: str | None = None, ncols: int = 3
) -> Figure:
    """Mean service use (95% CI) by power decile and by IMD decile on the same panels, so that
    many outcomes fit one page; both decile scales put the disadvantaged end first.

    `power`, `imd`: frames as for `gradient_power` and `gradient_imd`."""
    columns = ["outcome", "decile", "mean", "ci_low", "ci_high"]
    _need(power, columns, "gradient_pair")
    _need(imd, columns, "gradient_pair")
    power = _at_geography(power, geography, "gradient_pair")
    imd = _at_geography(imd, geography, "gradient_pair")
    outcomes = order(OUTCOME_LABELS, [*power["outcome"], *imd["outcome"]])
    with style():
        fig, axes = _panels(len(outcomes), ncols)
        for ax, outcome in zip(axes, outcomes):
            _decile_means(
                ax,
                power[power["outcome"] == outcome],
                OKABE_ITO["blue"],
                offset=-0.15,
                legend="Power decile (1 = least power)",
            )
            _decile_means(
                ax,
                imd[imd["outcome"] == outcome],
                OKABE_ITO["vermillion"],
                offset=0.15,
                marker="s",
                legend="IMD 2025 decile (1 = most deprived)",
            )
            ax.set_title(_wrap(label(OUTCOME_LABELS, outcome), 27), loc="left", fontsize=8.5)
        handles, texts = axes[0].get_legend_handles_labels()
        fig.legend(handles, texts, loc="outside upper center", ncols=2)
        fig.supxlabel("Decile (1 = least power, or most deprived)", fontsize=9)
    return fig


def _index_text(value: float) -> str:
    return f"{value:.3f}".replace("-", "\u2212")


def concentration_curves(
    curves: pd.DataFrame, *, index: pd.DataFrame | None = None, geography: str | None = None
) -> Figure:
    """Concentration curves of service use over areas ranked by power, least power first.

    `curves`: `outcome`, `cum_pop_share`, `cum_outcome_share` (both in [0, 1]).
    `index`: optional concentration indices (`outcome`, `concentration_index`): only outcomes
    with a defined index are drawn (a curve is meaningless where the outcome takes negative
    values) and the legend quotes each index. `geography` keeps one level of both frames."""
    _need(curves, ["outcome", "cum_pop_share", "cum_outcome_share"], "concentration_curves")
    curves = _at_geography(curves, geography, "concentration_curves")
    legend = {outcome: label(OUTCOME_SHORT, outcome) for outcome in curves["outcome"].unique()}
    if index is not None:
        _need(index, ["outcome", "concentration_index"], "concentration_curves")
        defined = _at_geography(index, geography, "concentration_curves").dropna(
            subset=["concentration_index"]
        )
        legend = {
            o: f"{legend[o]} (index {_index_text(v)})"
            for o, v in zip(defined["outcome"], defined["concentration_index"])
            if o in legend
        }
    outcomes = order(OUTCOME_LABELS, legend)
    if len(outcomes) > len(PALETTE):
        raise SchemaError(
            f"figure concentration_curves: {len(outcomes)} curves but only {len(PALETTE)} "
            "distinguishable colours; choose a geography or pass the index frame"
        )
    with style():
        fig = _figure(4.2, width=4.8)
        ax = fig.add_subplot()
        ax.plot(
            [0, 1], [0, 1], color=NEUTRAL, linewidth=0.8, linestyle="--", label="Line of equality"
        )
        for outcome, colour in zip(outcomes, PALETTE):
            part = curves[curves["outcome"] == outcome].sort_values("cum_pop_share")
            x = np.concatenate([[0.0], part["cum_pop_share"].to_numpy(float)])
            y = np.concatenate([[0.0], part["cum_outcome_share"].to_numpy(float)])
            ax.plot(x, y, color=colour, linewidth=1.4, label=legend[outcome])
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("Cumulative share of population, least power first")
        ax.set_ylabel("Cumulative share of service use")
        ax.legend(loc="lower right")
    return fig


# ---------------------------------------------------------------- C3: the capacity gap


def gap_region_imd(
    by_region: pd.DataFrame,
    by_imd: pd.DataFrame,
    *,
    xlabel: str = "Capacity gap (service-use weighted)",
) -> Figure:
    """Capacity gap by region (sorted) and by IMD decile, side by side.

    `by_region`: `rgn24nm`, `capacity_gap`; `by_imd`: `imd_decile`, `capacity_gap`."""
    _need(by_region, ["rgn24nm", "capacity_gap"], "gap_region_imd")
    _need(by_imd, ["imd_decile", "capacity_gap"], "gap_region_imd")
    regions = by_region.sort_values("capacity_gap")
    deciles = by_imd.sort_values("imd_decile", ascending=False)
    with style():
        fig = _figure(3.4)
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
        left.barh(regions["rgn24nm"], regions["capacity_gap"], color=OKABE_ITO["blue"])
        left.set_title("By region", loc="left")
        right.barh(
            deciles["imd_decile"].astype(int).astype(str),
            deciles["capacity_gap"],
            color=_colours(len(deciles))[::-1],
        )
        right.set_ylabel("IMD 2025 decile (1 = most deprived)")
        right.set_title("By deprivation decile", loc="left")
        for ax in (left, right):
            ax.grid(axis="y", visible=False)
        fig.supxlabel(xlabel, fontsize=9)
    return fig


def gap_specifications(specs: pd.DataFrame) -> Figure:
    """The gap in people under every construction (rows), reference (colour) and levelling
    (marker), the cost model's choice ringed; a log scale, since the references differ by
    multiples.

    `specs`: `construction`, `levelling`, `reference`, `gap_people`, `primary`."""
    columns = ["construction", "levelling", "reference", "gap_people", "primary"]
    _need(specs, columns, "gap_specifications")
    constructions = order(CONSTRUCTION_LABELS, specs["construction"])
    references = order(REFERENCE_LABELS, specs["reference"])
    levellings = order(LEVELLING_LABELS, specs["levelling"])
    markers = dict(zip(levellings, "os^Dv", strict=False))
    offsets = dict(zip(levellings, np.linspace(-0.2, 0.2, len(levellings)), strict=True))
    colours = dict(zip(references, PALETTE, strict=False))
    with style():
        fig = _figure(0.9 + 0.45 * len(constructions))
        ax = fig.add_subplot()
        y = specs["construction"].map({c: i for i, c in enumerate(constructions)})
        for (ref, lev), rows in specs.groupby(["reference", "levelling"], sort=False):
            ax.scatter(
                rows["gap_people"] / 1e6,
                y[rows.index] + offsets[lev],
                color=colours[ref],
                marker=markers[lev],
                s=18,
                zorder=3,
            )
        primary = specs[specs["primary"]]
        ax.scatter(
            primary["gap_people"] / 1e6,
            y[primary.index] + primary["levelling"].map(offsets),
            s=90,
            facecolors="none",
            edgecolors="black",
            linewidths=1,
            zorder=4,
        )
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_yticks(
            range(len(constructions)), [label(CONSTRUCTION_LABELS, c) for c in constructions]
        )
        ax.set_ylim(len(constructions) - 0.5, -0.5)
        ax.set_xlabel(
            "Gap: adults short of the reference participation level (millions, log scale)"
        )
        ax.grid(axis="y", visible=False)
        handles = (
            [
                Line2D(
                    [],
                    [],
                    color=colours[r],
                    marker="o",
                    linestyle="",
                    label=label(REFERENCE_LABELS, r),
                )
                for r in references
            ]
            + [
                Line2D(
                    [],
                    [],
                    color=NEUTRAL,
                    marker=markers[lev],
                    linestyle="",
                    label=f"Levelling: {label(LEVELLING_LABELS, lev)}",
                )
                for lev in levellings
            ]
            + [
                Line2D(
                    [],
                    [],
                    color="black",
                    marker="o",
                    markerfacecolor="none",
                    markersize=9,
                    linestyle="",
                    label="Headline",
                )
            ]
        )
        fig.legend(handles=handles, loc="outside lower center", ncol=4)
    return fig


# ---------------------------------------------------------------- C4/C5: costs and climate


def cost_scenarios(scenarios: pd.DataFrame, *, xlabel: str = "Annual cost (£ million)") -> Figure:
    """Cost of each allocation scenario with its uncertainty interval.

    `scenarios`: `scenario`, `estimate`, `ci_low`, `ci_high`."""
    _need(scenarios, ["scenario", "estimate", "ci_low", "ci_high"], "cost_scenarios")
    with style():
        fig = _figure(0.8 + 0.4 * len(scenarios))
        ax = fig.add_subplot()
        y = np.arange(len(scenarios))
        ax.errorbar(
            scenarios["estimate"],
            y,
            xerr=[
                scenarios["estimate"] - scenarios["ci_low"],
                scenarios["ci_high"] - scenarios["estimate"],
            ],
            fmt="o",
            color=OKABE_ITO["vermillion"],
            capsize=3,
            markersize=5,
        )
        ax.set_yticks(y, [label(SCENARIO_LABELS, s) for s in scenarios["scenario"]])
        ax.set_ylim(len(scenarios) - 0.5, -0.5)
        ax.set_xlabel(xlabel)
        ax.set_xlim(left=0)
        _thousands(ax.xaxis)
        ax.grid(axis="y", visible=False)
    return fig


def tornado(
    sensitivity: pd.DataFrame, *, xlabel: str = "Total cost (£ million)", top: int = 12
) -> Figure:
    """One-way sensitivity: the result at each parameter's low and high value around the base
    result, widest swing on top.

    `sensitivity`: `parameter`, `low` (result at the parameter's low value), `high`, and
    `base` (the result with every parameter at its central value; one value repeated)."""
    _need(sensitivity, ["parameter", "low", "high", "base"], "tornado")
    bases = sensitivity["base"].unique()
    if len(bases) != 1:
        raise SchemaError(f"figure tornado: column 'base' must hold one value, found {list(bases)}")
    base = float(bases[0])
    ranked = (
        sensitivity.assign(swing=(sensitivity["high"] - sensitivity["low"]).abs())
        .sort_values("swing", ascending=False, kind="stable")
        .head(top)
        .iloc[::-1]
    )
    with style():
        fig = _figure(1.0 + 0.28 * len(ranked))
        ax = fig.add_subplot()
        y = np.arange(len(ranked))
        ax.barh(
            y,
            ranked["low"] - base,
            left=base,
            color=OKABE_ITO["blue"],
            label="Parameter at the low end of its range",
        )
        ax.barh(
            y,
            ranked["high"] - base,
            left=base,
            color=OKABE_ITO["orange"],
            label="Parameter at the high end of its range",
        )
        ax.axvline(base, color="black", linewidth=0.8)
        ax.set_yticks(y, [label(PARAMETER_LABELS, p) for p in ranked["parameter"]])
        ax.set_xlabel(xlabel)
        _thousands(ax.xaxis)
        ax.grid(axis="y", visible=False)
        fig.legend(loc="outside lower center", ncols=2)
    return fig


def budget_response(
    curves: pd.DataFrame, *, xlabel: str = "Annual budget (£ billion, 2024-25 prices)"
) -> Figure:
    """Share of the capacity gap closed against the annual budget, one line per allocation rule
    with its interval band; a dashed line marks the fixed external budget.

    `curves`: `rule`, `budget_gbp`, `share_closed_mean`, `share_closed_lo`, `share_closed_hi`,
    and optionally `fixed_budget_gbp` (one value repeated)."""
    _need(
        curves,
        ["rule", "budget_gbp", "share_closed_mean", "share_closed_lo", "share_closed_hi"],
        "budget_response",
    )
    with style():
        fig = _figure(3.2)
        ax = fig.add_subplot()
        for i, rule in enumerate(order(SCENARIO_LABELS, curves["rule"])):
            part = curves[curves["rule"] == rule].sort_values("budget_gbp")
            x = part["budget_gbp"] / 1e9
            colour = PALETTE[i % len(PALETTE)]
            ax.fill_between(
                x,
                part["share_closed_lo"],
                part["share_closed_hi"],
                color=colour,
                alpha=0.12,
                linewidth=0,
            )
            ax.plot(
                x,
                part["share_closed_mean"],
                color=colour,
                linewidth=1.4,
                label=label(SCENARIO_LABELS, rule),
            )
        if "fixed_budget_gbp" in curves:
            ax.axvline(
                float(curves["fixed_budget_gbp"].iloc[0]) / 1e9,
                color="black",
                linestyle="--",
                linewidth=0.8,
                label="Fixed external budget",
            )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Share of the gap closed")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        fig.legend(loc="outside lower center", ncols=2)
    return fig


def sobol_indices(indices: pd.DataFrame, *, top: int = 8) -> Figure:
    """Variance-based sensitivity: total-order Sobol index (bar) and first-order index (dot) of
    the leading factors, one panel per output.

    `indices`: `output`, `parameter`, `s1`, `st`."""
    _need(indices, ["output", "parameter", "s1", "st"], "sobol_indices")
    outputs = list(dict.fromkeys(indices["output"]))
    with style():
        fig = _figure(0.8 + 0.26 * top * len(outputs))
        axes = fig.subplots(len(outputs), 1, squeeze=False)[:, 0]
        for ax, output in zip(axes, outputs):
            part = (
                indices[indices["output"] == output]
                .sort_values("st", ascending=False)
                .head(top)
                .iloc[::-1]
            )
            y = np.arange(len(part))
            ax.barh(y, part["st"].clip(lower=0), color=OKABE_ITO["blue"], label="Total-order index")
            ax.plot(
                part["s1"].clip(lower=0),
                y,
                "o",
                color=OKABE_ITO["orange"],
                markersize=4,
                label="First-order index",
            )
            ax.set_yticks(y, [label(PARAMETER_LABELS, p) for p in part["parameter"]])
            ax.set_title(label(SENSITIVITY_OUTPUT_LABELS, output), loc="left")
            ax.set_xlim(0, max(1.0, float(part["st"].max()) * 1.05))
            ax.grid(axis="y", visible=False)
        handles, labels_ = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels_, loc="outside lower center", ncols=2)
    return fig


def climate_series(
    series: pd.DataFrame,
    *,
    grouping: str = "fifth",
    measures: Sequence[str] = ("service", "social_care"),
    titles: Sequence[str] = (
        "Service spend (excluding education, public health, police, fire)",
        "Social care",
    ),
    population_basis: str = "published",
    ylabel: str = "Real spend per head (£, 2024-25 prices)",
) -> Figure:
    """Real spend per head over the years by deprivation group, one panel per measure, with
    England (all footprints) dashed.

    `series`: `grouping` ('england' or the group variable), `group` (1 = most deprived),
    `measure`, `financial_year`, `real_per_head_gbp`, `population_basis`."""
    _need(
        series,
        ["grouping", "group", "measure", "financial_year", "real_per_head_gbp", "population_basis"],
        "climate_series",
    )
    data = series[series["population_basis"] == population_basis]
    groups = sorted(data.loc[data["grouping"] == grouping, "group"].unique())
    if not groups:
        raise SchemaError(f"figure climate_series: no rows with grouping {grouping!r}")
    colours = _colours(len(groups))
    with style():
        fig = _figure(3.0)
        axes = fig.subplots(1, len(measures), sharex=True)
        for ax, measure, title in zip(np.atleast_1d(axes), measures, titles):
            part = data[data["measure"] == measure]
            years = sorted(part["financial_year"].unique())
            x = np.arange(len(years))
            for colour, group in zip(colours, groups):
                line = part[(part["grouping"] == grouping) & (part["group"] == group)]
                line = line.set_index("financial_year").reindex(years)
                name = (
                    f"{group} (most deprived)"
                    if group == groups[0]
                    else (f"{group} (least deprived)" if group == groups[-1] else str(group))
                )
                ax.plot(x, line["real_per_head_gbp"], color=colour, linewidth=1.4, label=name)
            england = part[part["grouping"] == "england"].set_index("financial_year").reindex(years)
            ax.plot(
                x,
                england["real_per_head_gbp"],
                color="black",
                linewidth=1.2,
                linestyle="--",
                label="All councils",
            )
            ax.set_title(_wrap(title, 45), loc="left")
            ticks = x[::3]
            ax.set_xticks(ticks, [years[i] for i in ticks], rotation=45, ha="right")
            ax.set_ylim(bottom=0)
            _thousands(ax.yaxis)
        np.atleast_1d(axes)[0].set_ylabel(ylabel)
        handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside right center", title=f"Deprivation {grouping}")
    return fig


# ---------------------------------------------------------------- robustness


ROW_IN = 0.11  # height of one row of the specification-curve grid


def spec_curve(
    specs: pd.DataFrame,
    dimensions: Sequence[str],
    *,
    ylabel: str = "Power coefficient",
    group: str | None = None,
) -> Figure:
    """Specification curve: converged estimates sorted, with intervals, above one small grid
    per dimension marking each specification's choice; with `group` (e.g. `desirable`, the
    outcome's direction of desirability) the specifications are sorted within each group and
    the groups shown side by side, so that opposite-signed expectations are never pooled.

    `specs`: `estimate`, `ci_low`, `ci_high`, optional `converged`, and one column per name in
    `dimensions` (index variant, outcome, geography, model family, covariates ...)."""
    _need(
        specs,
        ["estimate", "ci_low", "ci_high", *dimensions, *([group] if group else [])],
        "spec_curve",
    )
    kept = specs[specs["converged"].astype(bool)] if "converged" in specs else specs
    kept = kept.dropna(subset=["estimate"])
    groups = order(DESIRABLE_LABELS, kept[group].astype(str)) if group else [None]
    part_of = kept[group].astype(str).map(groups.index) if group else pd.Series(0, index=kept.index)
    kept = (
        kept.assign(_group=part_of)
        .sort_values(["_group", "estimate"], kind="stable")
        .reset_index(drop=True)
    )
    gap = max(3, len(kept) // 40)
    x = np.arange(len(kept)) + gap * kept["_group"].to_numpy()
    values = {
        dim: order(DIMENSION_VALUES.get(dim, {}), sorted(kept[dim].astype(str).unique()))
        for dim in dimensions
    }
    heights = [2.0] + [ROW_IN * len(values[dim]) + 0.1 for dim in dimensions]
    with style():
        fig = _figure(sum(heights) + 0.28 * len(dimensions) + 0.6)
        top, *grids = fig.subplots(
            1 + len(dimensions), 1, sharex=True, gridspec_kw={"height_ratios": heights}
        )
        significant = ((kept["ci_low"] > 0) | (kept["ci_high"] < 0)).to_numpy()
        colours = np.where(significant, OKABE_ITO["blue"], NEUTRAL)
        top.vlines(x, kept["ci_low"], kept["ci_high"], colors=colours, linewidth=0.6, alpha=0.5)
        top.scatter(x, kept["estimate"], c=colours, s=5, zorder=3)
        top.axhline(0, color="black", linewidth=0.8)
        top.set_ylabel(ylabel)
        if group:
            for i, name in enumerate(groups):
                where = x[kept["_group"].to_numpy() == i]
                last = i == len(groups) - 1 and i > 0  # right-align the last label inside the axes
                top.text(
                    where.max() if last else where.min(),
                    1.02,
                    label(DESIRABLE_LABELS, name),
                    transform=top.get_xaxis_transform(),
                    ha="right" if last else "left",
                    va="bottom",
                    fontsize=8,
                    fontweight="bold",
                )
                if i:
                    for ax in (top, *grids):
                        ax.axvline(
                            where.min() - gap / 2, color=NEUTRAL, linewidth=0.8, linestyle=":"
                        )
        top.legend(
            handles=[
                Line2D(
                    [],
                    [],
                    color=OKABE_ITO["blue"],
                    marker="o",
                    markersize=3,
                    label="Interval excludes zero",
                ),
                Line2D(
                    [], [], color=NEUTRAL, marker="o", markersize=3, label="Interval includes zero"
                ),
            ],
            loc="lower right",
        )
        for ax, dim in zip(grids, dimensions):
            column = kept[dim].astype(str).to_numpy()
            for row, value in enumerate(values[dim]):
                used = column == value
                ax.scatter(
                    x[used],
                    np.full(used.sum(), row),
                    s=6,
                    marker="|",
                    linewidths=0.8,
                    color=OKABE_ITO["blue"],
                )
            ax.set_yticks(
                range(len(values[dim])),
                [label(DIMENSION_VALUES.get(dim, {}), v) for v in values[dim]],
                fontsize=7,
            )
            ax.set_ylim(len(values[dim]) - 0.5, -0.5)
            ax.set_title(label(DIMENSION_LABELS, dim), loc="left", fontsize=8, fontweight="bold")
            ax.grid(axis="x", visible=False)
            ax.tick_params(axis="x", labelbottom=False)
        grids[-1].tick_params(axis="x", labelbottom=False)
        grids[-1].set_xlabel("Specification, sorted by estimate within each direction")
    return fig


def iod_replication(comparison: pd.DataFrame, *, xlabel: str = "Estimate (95% CI)") -> Figure:
    """The main estimates on IoD2019 (2011 geography) beside IoD2025.

    `comparison`: `term`, `vintage`, `estimate`, `ci_low`, `ci_high`."""
    _need(comparison, ["term", "vintage", "estimate", "ci_low", "ci_high"], "iod_replication")
    terms = order(OUTCOME_LABELS, comparison["term"])
    vintages = order(VINTAGE_LABELS, comparison["vintage"])
    with style():
        fig = _figure(1.0 + 0.4 * len(terms))
        ax = fig.add_subplot()
        for i, (vintage, colour, marker) in enumerate(zip(vintages, PALETTE, "os^D")):
            part = comparison[comparison["vintage"] == vintage].set_index("term").reindex(terms)
            y = _dodged(len(terms), i, len(vintages), 0.4)
            ax.errorbar(
                part["estimate"],
                y,
                xerr=[part["estimate"] - part["ci_low"], part["ci_high"] - part["estimate"]],
                fmt=marker,
                color=colour,
                capsize=2,
                markersize=4,
                label=label(VINTAGE_LABELS, vintage),
            )
        ax.axvline(0, color=NEUTRAL, linewidth=0.8)
        ax.set_yticks(np.arange(len(terms)), [label(OUTCOME_SHORT, t) for t in terms])
        ax.set_ylim(len(terms) - 0.5, -0.5)
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        fig.legend(loc="outside lower center", ncols=len(vintages))
    return fig
