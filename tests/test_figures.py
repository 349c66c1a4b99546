"""Report figures on small synthetic frames: each draws what its data say, in the shared
colour-blind-safe style, and saves byte-identical PNGs without a software stamp."""

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from coprod import figures
from coprod.errors import SchemaError



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


def spec_frame(n=40):
    draw = rng()
    return pd.DataFrame({
        "estimate": draw.normal(0.2, 0.3, n), "se": 0.05,
        "variant": draw.choice(["equal", "pca", "demos"], n), "family": draw.choice(["ols", "mixed"], n),
        "converged": np.arange(n) % 10 != 0,
    }).assign(ci_low=lambda d: d["estimate"] - 0.1, ci_high=lambda d: d["estimate"] + 0.1)


CASES = {
    "power_distribution": lambda: figures.power_distribution(pd.DataFrame(
        {"power_index": rng().normal(size=500), "power_league": rng().integers(1, 6, 500)})),
    "power_loadings": lambda: figures.power_loadings(pd.DataFrame(
        {"indicator": ["Level 4+", "No quals", "NS-SeC L1-L3", "NS-SeC L12-L14"] * 2,
         "variant": ["equal"] * 4 + ["pca"] * 4, "loading": [0.5, -0.5, 0.5, -0.5, 0.55, -0.45, 0.52, -0.48]})),
    "gradient_power": lambda: figures.gradient_power(gradient_frame()),
    "gradient_imd": lambda: figures.gradient_imd(gradient_frame()),
    "concentration_curves": lambda: figures.concentration_curves(pd.DataFrame(
        {"outcome": ["a"] * 5 + ["b"] * 5, "cum_pop_share": [0.2, 0.4, 0.6, 0.8, 1.0] * 2,
         "cum_outcome_share": [0.3, 0.55, 0.75, 0.9, 1.0, 0.25, 0.45, 0.65, 0.85, 1.0]})),
    "gap_region_imd": lambda: figures.gap_region_imd(
        pd.DataFrame({"rgn24nm": ["North East", "London", "South West"], "capacity_gap": [0.4, 0.2, 0.3]}),
        pd.DataFrame({"imd_decile": range(1, 11), "capacity_gap": np.linspace(0.6, 0.05, 10)})),
    "cost_scenarios": lambda: figures.cost_scenarios(pd.DataFrame(
        {"scenario": ["Universal", "Proportionate", "Targeted"], "estimate": [900.0, 1200.0, 600.0],
         "ci_low": [700.0, 950.0, 450.0], "ci_high": [1100.0, 1500.0, 800.0]})),
    "cost_by_imd": lambda: figures.cost_by_imd(pd.DataFrame(
        {"scenario": ["Universal"] * 10 + ["Proportionate"] * 10, "imd_decile": list(range(1, 11)) * 2,
         "value": [0.1] * 10 + list(np.linspace(0.18, 0.02, 10))})),
    "tornado": lambda: figures.tornado(pd.DataFrame(
        {"parameter": ["hours", "hourly cost", "members", "backfill"], "low": [900.0, 950.0, 990.0, 800.0],
         "high": [1100.0, 1040.0, 1010.0, 1300.0], "base": 1000.0})),
    "spend_change": lambda: figures.spend_change(pd.DataFrame(
        {"imd_score": rng().uniform(5, 45, 150), "spend_change_pct": rng().normal(3, 4, 150)})),
    "spec_curve": lambda: figures.spec_curve(spec_frame(), ["variant", "family"]),
    "iod_replication": lambda: figures.iod_replication(pd.DataFrame(
        {"term": ["power", "power", "power (spline)", "power (spline)"], "vintage": ["IoD2025", "IoD2019"] * 2,
         "estimate": [-0.3, -0.28, -0.2, -0.22], "ci_low": [-0.35, -0.34, -0.26, -0.3],
         "ci_high": [-0.25, -0.22, -0.14, -0.14]})),
}


def test_every_report_figure_has_a_case():
    assert set(CASES) == set(figures.FIGURES)


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


def test_tornado_puts_the_widest_swing_on_top():
    fig = CASES["tornado"]()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == "backfill" and labels[0] == "members"  # barh: last tick is drawn on top


def test_tornado_bars_start_at_the_base_result():
    fig = CASES["tornado"]()
    assert {round(bar.get_x(), 6) for bar in fig.axes[0].patches} == {1000.0}
    with pytest.raises(SchemaError, match="one value"):
        figures.tornado(pd.DataFrame({"parameter": ["a", "b"], "low": [1.0, 2.0], "high": [3.0, 4.0],
                                      "base": [2.0, 3.0]}))


def test_spec_curve_sorts_converged_estimates_only():
    specs = spec_frame()
    fig = figures.spec_curve(specs, ["variant", "family"])
    drawn = fig.axes[0].collections[-1].get_offsets()[:, 1]
    assert len(drawn) == specs["converged"].sum()
    assert np.all(np.diff(drawn) >= 0)
    matrix_rows = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert matrix_rows == ["variant: demos", "variant: equal", "variant: pca", "family: mixed", "family: ols"]


def test_concentration_curve_starts_at_origin_and_has_equality_line():
    fig = CASES["concentration_curves"]()
    lines = fig.axes[0].lines
    assert list(lines[0].get_xydata()[0]) == [0, 0] and list(lines[0].get_xydata()[-1]) == [1, 1]
    assert all(list(line.get_xydata()[0]) == [0, 0] for line in lines[1:])
    assert len(lines) == 3


def test_missing_column_names_the_figure_and_column():
    with pytest.raises(SchemaError, match=r"figure cost_scenarios.*'ci_high'"):
        figures.cost_scenarios(pd.DataFrame({"scenario": ["a"], "estimate": [1.0], "ci_low": [0.5]}))


def test_save_figure_is_deterministic_and_unstamped(tmp_path):
    first = figures.save_figure(CASES["cost_scenarios"](), tmp_path / "a.png")
    second = figures.save_figure(CASES["cost_scenarios"](), tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()
    with Image.open(first) as image:
        assert "Software" not in image.info
        assert image.size[0] == round(figures.WIDTH_IN * figures.DPI)
        assert round(image.info["dpi"][0]) == figures.DPI
    assert not list(tmp_path.glob(".*.tmp"))
