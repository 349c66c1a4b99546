"""The per-council table: one row per upper-tier council from five declared inputs, refused
on repeated or foreign codes; the CSV, the offline HTML table and the PDF appendix table."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from coprod.errors import ReportError
from coprod.report.councils import (
    COST_MEASURES,
    STATS,
    council_table,
    council_values,
    write_council_outputs,
)

CODES = ["E06000001", "E08000025", "E09000001"]
SCENARIOS = ["universal", "targeted"]
SPEND = [
    "service_spend_per_head_2009_10_gbp_2024_25_prices",
    "service_spend_per_head_2024_25_gbp_2024_25_prices",
    "service_spend_per_head_change_gbp_2024_25_prices",
]


def inputs():
    councils = pd.DataFrame(
        {
            "utla23cd": CODES,
            "utla23nm": ["Hartlepool", "Birmingham", "City of London"],
            "rgn24nm": ["North East", "West Midlands", "London"],
            "population": [92345, 1.1e6, 8600],
        }
    )
    power = pd.DataFrame({"utla23cd": CODES, "value": [-0.8, -0.6, 2.5], "quintile": [1, 1, 5]})
    gap = pd.DataFrame({"utla23cd": CODES, "capacity_gap": [0.46, 0.46, 0.0]})
    rows = []
    for scenario in SCENARIOS:
        for i, code in enumerate(CODES):
            row = {"code": code, "scenario": scenario}
            for measure in COST_MEASURES:
                for k, stat in enumerate(STATS):
                    row[f"{measure}_{stat}"] = (
                        (i + 1) * (10 ** (k - 1)) * (2 if scenario == "targeted" else 1)
                    )
            rows.append(row)
    costs = pd.DataFrame(rows)
    costs.loc[costs["code"] == "E08000025", [f"annual_share_of_spend_{s}" for s in STATS]] = np.nan
    spend = pd.DataFrame(
        {
            "utla23cd": ["E06000001", "E09000001"],
            SPEND[0]: [1740.3, 6000.0],
            SPEND[1]: [2228.5, 20000.0],
            SPEND[2]: [488.2, 14000.0],
        }
    )
    return councils, power, gap, costs, spend


def build(*frames):
    return council_table(*frames, scenarios=SCENARIOS, spend_columns=SPEND)


def test_one_row_per_council_with_every_scenario():
    table = build(*inputs())
    assert list(table["utla23nm"]) == ["Birmingham", "City of London", "Hartlepool"]  # alphabetical
    assert {f"programme_cost_per_head_gbp_{s}_{stat}" for s in SCENARIOS for stat in STATS} <= set(
        table.columns
    )
    row = table.set_index("utla23cd").loc["E06000001"]
    assert row["power_index_core_sd"] == -0.8 and row["capacity_gap_per_head"] == 0.46
    assert row[SPEND[2]] == 488.2 and table.attrs["spend_change"] == SPEND[2]
    # a council the spend comparison leaves out keeps an empty spend change and share
    birmingham = table.set_index("utla23cd").loc["E08000025"]
    assert np.isnan(birmingham[SPEND[2]])


@pytest.mark.parametrize(
    "which, change, message",
    [
        (1, lambda f: pd.concat([f, f.iloc[[0]]]), "power scores: utla23cd repeats for 1 council"),
        (
            2,
            lambda f: f.assign(utla23cd=["E06000001", "E08000025", "E07000001"]),
            "not upper-tier councils: \\['E07000001'\\]",
        ),
        (3, lambda f: f[f["scenario"] != "targeted"], "no rows for scenario 'targeted'"),
        (
            2,
            lambda f: f.iloc[:2],
            "1 council\\(s\\) lack power, gap or cost values: \\['E09000001'\\]",
        ),
    ],
)
def test_refuses_repeated_foreign_or_missing_councils(which, change, message):
    frames = list(inputs())
    frames[which] = change(frames[which])
    with pytest.raises(ReportError, match=message):
        build(*frames)


def test_outputs_csv_offline_html_and_pdf_table(tmp_path):
    table = build(*inputs())
    paths = tmp_path / "c.csv", tmp_path / "c.html", tmp_path / "c.md"
    write_council_outputs(table, *paths, scenarios=SCENARIOS, headline="universal", interval=0.95)
    assert pd.read_csv(paths[0])["utla23cd"].tolist() == table["utla23cd"].tolist()
    html = paths[1].read_text()
    assert html.startswith("```{=html}") and "Hartlepool" in html
    assert not re.search(
        r"""<script[^>]+src=|<link[^>]+href=["']https?:""", html
    )  # no CDN: all inline
    md = paths[2].read_text().splitlines()
    assert md[0].split("|")[1].strip() == "Council" and "95% interval" in md[0]
    hartlepool = next(line for line in md if "Hartlepool" in line)
    assert "£1\u00a0to\u00a0£10" in hartlepool  # an interval never breaks across lines
    assert "—" in next(line for line in md if "Birmingham" in line)
    values = council_values(table, "universal", 0.95, tmp_path / "v.json")
    assert json.loads((tmp_path / "v.json").read_text()) == values
    assert values["councils.n"] == "3" and values["councils.n_without_spend_change"] == "1"
