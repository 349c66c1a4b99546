"""Report figures on small synthetic frames: each draws what its data say, in the shared
colour-blind-safe style, and saves byte-identical PNGs without a software stamp."""

from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure
from PIL import Image

from coprod.errors import ConfigError, SchemaError
from coprod.report import figures, labels

ROOT = Path(__file__).resolve().parents[2]


def rng():
    """A fresh seeded generator, so each case draws the same data whatever the test order."""
    return np.random.default_rng(20250101)


OUTCOMES = ["Acute morbidity", "Illness and disability", "Mental health", "Income claimants"]


def gradient_frame():
    rows = []
    for o, outcome in enumerate(OUTCOMES):
        for decile in range(1, 11):
            mean = 2.0 - 0.1 * decile + o
            rows.append((outcome, decile, mean, mean - 0.05, mean + 0.05))
    return pd.DataFrame(rows, columns=["outcome", "decile", "mean", "ci_low", "ci_high"])


def coded_gradient():
    """Gradient rows as the pipeline writes them: outcome codes at two geographies."""
    codes = {"lsoa21": ["income_claimants", "acute_morbidity"], "utla23": ["referrals"]}
    rows = [
        (code, geo, decile, 1.0 / decile, 0.9 / decile, 1.1 / decile)
        for geo, outcomes in codes.items()
        for code in outcomes
        for decile in range(1, 11)
    ]
    return pd.DataFrame(
        rows, columns=["outcome", "geography", "decile", "mean", "ci_low", "ci_high"]
    )


def spec_frame(n=40):
    draw = rng()
    return pd.DataFrame(
        {
            "estimate": draw.normal(0.2, 0.3, n),
            "se": 0.05,
            "variant": draw.choice(["equal", "pca", "demos"], n),
            "family": draw.choice(["ols", "mixed"], n),
            "converged": np.arange(n) % 10 != 0,
        }
    ).assign(ci_low=lambda d: d["estimate"] - 0.1, ci_high=lambda d: d["estimate"] + 0.1)


CASES = {
    "gap_specifications": lambda: figures.gap_specifications(
        pd.DataFrame(
            {
                "construction": np.repeat(["imd2019_linear", "logistic_power"], 6),
                "levelling": np.tile(np.repeat(["proportional", "additive"], 3), 2),
                "reference": np.tile(
                    ["national_mean", "top_power_fifth", "least_deprived_fifth"], 4
                ),
                "gap_people": np.linspace(0.8e6, 6e6, 12),
                "primary": [True] + [False] * 11,
            }
        )
    ),
    "power_distribution": lambda: figures.power_distribution(
        pd.DataFrame(
            {"power_index": rng().normal(size=500), "power_league": rng().integers(1, 6, 500)}
        )
    ),
    "power_loadings": lambda: figures.power_loadings(
        pd.DataFrame(
            {
                "indicator": ["Level 4+", "No quals", "NS-SeC L1-L3", "NS-SeC L12-L14"] * 2,
                "variant": ["equal"] * 4 + ["pca"] * 4,
                "loading": [0.5, -0.5, 0.5, -0.5, 0.55, -0.45, 0.52, -0.48],
            }
        )
    ),
    "gradient_power": lambda: figures.gradient_power(gradient_frame()),
    "gradient_imd": lambda: figures.gradient_imd(gradient_frame()),
    "gradient_pair": lambda: figures.gradient_pair(gradient_frame(), gradient_frame()),
    "concentration_curves": lambda: figures.concentration_curves(
        pd.DataFrame(
            {
                "outcome": ["a"] * 5 + ["b"] * 5,
                "cum_pop_share": [0.2, 0.4, 0.6, 0.8, 1.0] * 2,
                "cum_outcome_share": [0.3, 0.55, 0.75, 0.9, 1.0, 0.25, 0.45, 0.65, 0.85, 1.0],
            }
        )
    ),
    "gap_region_imd": lambda: figures.gap_region_imd(
        pd.DataFrame(
            {"rgn24nm": ["North East", "London", "South West"], "capacity_gap": [0.4, 0.2, 0.3]}
        ),
        pd.DataFrame({"imd_decile": range(1, 11), "capacity_gap": np.linspace(0.6, 0.05, 10)}),
    ),
    "cost_scenarios": lambda: figures.cost_scenarios(
        pd.DataFrame(
            {
                "scenario": ["Universal", "Proportionate", "Targeted"],
                "estimate": [900.0, 1200.0, 600.0],
                "ci_low": [700.0, 950.0, 450.0],
                "ci_high": [1100.0, 1500.0, 800.0],
            }
        )
    ),
    "tornado": lambda: figures.tornado(
        pd.DataFrame(
            {
                "parameter": ["hours", "hourly cost", "members", "backfill"],
                "low": [900.0, 950.0, 990.0, 800.0],
                "high": [1100.0, 1040.0, 1010.0, 1300.0],
                "base": 1000.0,
            }
        )
    ),
    "budget_response": lambda: figures.budget_response(
        pd.DataFrame(
            {
                "rule": ["universal"] * 3 + ["proportionate_universalism"] * 3,
                "budget_gbp": [0.0, 1e9, 2e9] * 2,
                "share_closed_mean": [0, 0.3, 0.5, 0, 0.5, 0.9],
                "share_closed_lo": [0, 0.2, 0.4, 0, 0.4, 0.8],
                "share_closed_hi": [0, 0.4, 0.6, 0, 0.6, 1.0],
                "fixed_budget_gbp": 0.4e9,
            }
        )
    ),
    "sobol_indices": lambda: figures.sobol_indices(
        pd.DataFrame(
            {
                "output": ["cost_to_close_pu_gbp"] * 3 + ["net_benefit_pu_gbp"] * 3,
                "parameter": ["newly_participating_theta", "construction", "backfill_share"] * 2,
                "s1": [0.5, 0.2, 0.0, 0.1, 0.05, 0.6],
                "st": [0.6, 0.3, 0.01, 0.2, 0.1, 0.7],
            }
        )
    ),
    "climate_series": lambda: figures.climate_series(
        pd.DataFrame(
            {
                "grouping": ["england"] * 4 + ["fifth"] * 20,
                "group": [1] * 4 + [g for g in range(1, 6) for _ in range(4)],
                "measure": ["service", "service", "social_care", "social_care"] * 6,
                "financial_year": ["2009-10", "2024-25"] * 12,
                "real_per_head_gbp": rng().uniform(400, 1400, 24),
                "population_basis": "published",
            }
        )
    ),
    "spec_curve": lambda: figures.spec_curve(spec_frame(), ["variant", "family"]),
    "iod_replication": lambda: figures.iod_replication(
        pd.DataFrame(
            {
                "term": ["power", "power", "power (spline)", "power (spline)"],
                "vintage": ["IoD2025", "IoD2019"] * 2,
                "estimate": [-0.3, -0.28, -0.2, -0.22],
                "ci_low": [-0.35, -0.34, -0.26, -0.3],
                "ci_high": [-0.25, -0.22, -0.14, -0.14],
            }
        )
    ),
}


def test_every_report_figure_has_a_drawing_function_and_a_case():
    configured = yaml.safe_load((ROOT / "config/report.yaml").read_text())["report"]["figures"]
    assert set(CASES) == set(configured)
    for name in configured:
        assert callable(figures.figure_function(name))
    with pytest.raises(ConfigError, match="figure 'save_figure' has no drawing function"):
        figures.figure_function("save_figure")


@pytest.mark.parametrize("name", sorted(CASES))
def test_figure_draws_in_the_report_style(name):
    fig = CASES[name]()
    assert isinstance(fig, Figure)
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_fontname"))]
    assert texts and {t.get_fontname() for t in texts} == {"DejaVu Sans"}
    assert fig.get_size_inches()[0] <= figures.WIDTH_IN


def _hex(colour):
    return mcolors.to_hex(colour).upper()


def test_categorical_colours_come_from_okabe_ito():
    fig = CASES["power_loadings"]()
    colours = {_hex(c.get_facecolor()[0]) for c in fig.axes[0].collections}
    assert colours == {figures.OKABE_ITO["blue"].upper(), figures.OKABE_ITO["orange"].upper()}


def test_gradient_has_one_panel_per_outcome_with_ten_deciles():
    fig = CASES["gradient_power"]()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == OUTCOMES
    assert all(len(ax.lines[0].get_xdata()) == 10 for ax in visible)


def test_gap_specifications_draw_one_point_each_and_ring_the_headline():
    fig = CASES["gap_specifications"]()
    points = [c for c in fig.axes[0].collections]
    assert sum(len(c.get_offsets()) for c in points[:-1]) == 12
    assert len(points[-1].get_offsets()) == 1  # the ring
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Linear in IMD 2019 rank", "Logistic in power"]


def test_tornado_puts_the_widest_swing_on_top():
    fig = CASES["tornado"]()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == "backfill" and labels[0] == "members"  # barh: last tick is drawn on top


def test_tornado_bars_start_at_the_base_result():
    fig = CASES["tornado"]()
    assert {round(bar.get_x(), 6) for bar in fig.axes[0].patches} == {1000.0}
    with pytest.raises(SchemaError, match="one value"):
        figures.tornado(
            pd.DataFrame(
                {"parameter": ["a", "b"], "low": [1.0, 2.0], "high": [3.0, 4.0], "base": [2.0, 3.0]}
            )
        )


def test_spec_curve_sorts_converged_estimates_only():
    specs = spec_frame()
    fig = figures.spec_curve(specs, ["variant", "family"])
    drawn = fig.axes[0].collections[-1].get_offsets()[:, 1]
    assert len(drawn) == specs["converged"].sum()
    assert np.all(np.diff(drawn) >= 0)
    grids = {
        ax.get_title(loc="left"): [t.get_text() for t in ax.get_yticklabels()]
        for ax in fig.axes[1:]
    }
    # values the labels know come first, in their order, in words; the rest sorted as given
    assert grids == {"Index weighting": ["demos", "equal", "pca"], "Model": ["OLS", "mixed"]}


def test_spec_curve_grouped_by_direction_sorts_within_each_group_and_never_pools_them():
    specs = spec_frame().assign(
        desirable=lambda d: np.where(np.arange(len(d)) % 3 == 0, "higher", "lower")
    )
    fig = figures.spec_curve(specs, ["variant"], group="desirable")
    points = fig.axes[0].collections[-1].get_offsets()
    kept = specs[specs["converged"]]
    n_lower = int((kept["desirable"] == "lower").sum())
    lower, higher = points[:n_lower], points[n_lower:]
    assert np.all(np.diff(lower[:, 1]) >= 0) and np.all(np.diff(higher[:, 1]) >= 0)
    assert higher[:, 0].min() - lower[:, 0].max() > 1  # a visible gap between the groups
    titles = [t.get_text() for t in fig.axes[0].texts]
    assert titles == [labels.DESIRABLE_LABELS["lower"], labels.DESIRABLE_LABELS["higher"]]


def test_spec_curve_grid_names_the_pipeline_codes():
    specs = spec_frame().assign(
        variant=lambda d: d["variant"].map(
            {"equal": "zscore_equal", "pca": "pca1", "demos": "demos_0_100"}
        )
    )
    fig = figures.spec_curve(specs, ["variant"])
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == list(
        labels.VARIANT_LABELS.values()
    )
    marked = sum(len(c.get_offsets()) for c in fig.axes[1].collections)
    assert marked == specs["converged"].sum()  # one mark per kept specification in each grid


def test_gradient_keeps_one_geography_and_titles_panels_in_words():
    fig = figures.gradient_power(coded_gradient(), geography="lsoa21")
    titles = [ax.get_title(loc="left").replace("\n", " ") for ax in fig.axes if ax.get_visible()]
    assert titles == [
        labels.OUTCOME_LABELS["acute_morbidity"],
        labels.OUTCOME_LABELS["income_claimants"],
    ]
    with pytest.raises(SchemaError, match="no rows with geography 'lad24'"):
        figures.gradient_imd(coded_gradient(), geography="lad24")


def test_gradient_pair_draws_power_and_imd_on_each_panel():
    power = coded_gradient()
    imd = power.assign(
        mean=lambda d: d["mean"] * 2,
        ci_low=lambda d: d["ci_low"] * 2,
        ci_high=lambda d: d["ci_high"] * 2,
    )
    fig = figures.gradient_pair(power, imd, geography="utla23")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 1 and "Referrals" in visible[0].get_title(loc="left")
    power_xy, imd_xy = (container.lines[0].get_xydata() for container in visible[0].containers)
    assert np.allclose(imd_xy[:, 1], 2 * power_xy[:, 1])
    assert np.allclose(imd_xy[:, 0] - power_xy[:, 0], 0.3)  # side by side, not overdrawn
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Power decile (1 = least power)",
        "IMD 2025 decile (1 = most deprived)",
    ]


def test_concentration_curve_starts_at_origin_and_has_equality_line():
    fig = CASES["concentration_curves"]()
    lines = fig.axes[0].lines
    assert list(lines[0].get_xydata()[0]) == [0, 0] and list(lines[0].get_xydata()[-1]) == [1, 1]
    assert all(list(line.get_xydata()[0]) == [0, 0] for line in lines[1:])
    assert len(lines) == 3


def test_concentration_curves_skip_undefined_indices_and_quote_the_rest():
    curves = pd.DataFrame(
        {
            "outcome": ["income_claimants"] * 3 + ["mental_health"] * 3,
            "cum_pop_share": [0.5, 0.8, 1.0] * 2,
            "cum_outcome_share": [0.7, 0.9, 1.0, -3.0, -1.0, 1.0],
        }
    )
    index = pd.DataFrame(
        {"outcome": ["income_claimants", "mental_health"], "concentration_index": [-0.2881, np.nan]}
    )
    fig = figures.concentration_curves(curves, index=index)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["Line of equality", "Income claimants (index \u22120.288)"]
    too_many = pd.DataFrame(
        {"outcome": [f"o{i}" for i in range(9)], "cum_pop_share": 1.0, "cum_outcome_share": 1.0}
    )
    with pytest.raises(SchemaError, match="9 curves"):
        figures.concentration_curves(too_many)


def test_cost_and_replication_figures_name_codes_in_words():
    scenarios = pd.DataFrame(
        {
            "scenario": ["universal", "proportionate_universalism"],
            "estimate": [1.0, 1.0],
            "ci_low": [0.5, 0.5],
            "ci_high": [2.0, 2.0],
        }
    )
    ticks = [t.get_text() for t in figures.cost_scenarios(scenarios).axes[0].get_yticklabels()]
    assert ticks == [labels.SCENARIO_LABELS["universal"], "Proportionate universalism"]
    sensitivity = pd.DataFrame(
        {
            "parameter": ["backfill_share", "training_hours_per_staff"],
            "low": [9.0, 5.0],
            "high": [11.0, 20.0],
            "base": 10.0,
        }
    )
    ticks = [t.get_text() for t in figures.tornado(sensitivity).axes[0].get_yticklabels()]
    assert ticks == [
        labels.PARAMETER_LABELS["backfill_share"],
        labels.PARAMETER_LABELS["training_hours_per_staff"],
    ]
    comparison = pd.DataFrame(
        {
            "term": ["mental_health"] * 2,
            "vintage": ["iod2019", "iod2025"],
            "estimate": [-0.4, -0.7],
            "ci_low": [-0.45, -0.75],
            "ci_high": [-0.35, -0.65],
        }
    )
    fig = figures.iod_replication(comparison)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        labels.VINTAGE_LABELS["iod2025"],
        labels.VINTAGE_LABELS["iod2019"],
    ]


def test_missing_column_names_the_figure_and_column():
    with pytest.raises(SchemaError, match=r"figure cost_scenarios.*'ci_high'"):
        figures.cost_scenarios(
            pd.DataFrame({"scenario": ["a"], "estimate": [1.0], "ci_low": [0.5]})
        )


def test_save_figure_is_deterministic_and_unstamped(tmp_path):
    first = figures.save_figure(CASES["cost_scenarios"](), tmp_path / "a.png")
    second = figures.save_figure(CASES["cost_scenarios"](), tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()
    with Image.open(first) as image:
        assert "Software" not in image.info
        assert image.size[0] == round(figures.WIDTH_IN * figures.DPI)
        assert round(image.info["dpi"][0]) == figures.DPI
    assert not list(tmp_path.glob(".*.tmp"))
