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
    PU_SHARE,
    STATS,
    cost_rules,
    council_table,
    council_values,
    write_council_outputs,
)

CODES = ["E06000001", "E08000025", "E09000001"]
RULES = ["universal", "targeted_power_lsoa"]
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
    costs = pd.DataFrame(
        {
            "utla23cd": CODES,
            "adults_16plus": [1e4, 1e5, 1e3],
            "gap_people_national_mean": [900.0, 8000.0, 0.0],
            PU_SHARE: [0.002, np.nan, 0.0],
        }
    )
    for rule in RULES:
        for k, stat in enumerate(STATS):  # £10k, £100k, £1m a year x (1, 2, 3) by council
            costs[f"cost_to_close_{rule}_gbp_{stat}"] = [
                (i + 1) * 10 ** (k + 4) * (2 if rule == "targeted_power_lsoa" else 1)
                for i in range(len(CODES))
            ]
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
    return council_table(*frames, spend_columns=SPEND)


def test_one_row_per_council_with_every_rule_of_the_cost_model():
    table = build(*inputs())
    assert cost_rules(inputs()[3]) == RULES and table.attrs["rules"] == RULES
    assert list(table["utla23nm"]) == ["Birmingham", "City of London", "Hartlepool"]  # alphabetical
    assert {f"cost_to_close_per_adult_gbp_{r}_{stat}" for r in RULES for stat in STATS} <= set(
        table.columns
    )
    row = table.set_index("utla23cd").loc["E06000001"]
    assert row["cost_to_close_per_adult_gbp_universal_mean"] == 1e4 / 1e4  # £ a year per adult
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
        (
            3,
            lambda f: f.drop(columns=[c for c in f if c.startswith("cost_to_close_")]),
            "no cost_to_close_<rule>_gbp_mean columns",
        ),
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
    write_council_outputs(table, *paths, headline="universal", interval=0.95)
    assert pd.read_csv(paths[0])["utla23cd"].tolist() == table["utla23cd"].tolist()
    html = paths[1].read_text()
    assert html.startswith("```{=html}") and "Hartlepool" in html
    assert not re.search(
        r"""<script[^>]+src=|<link[^>]+href=["']https?:""", html
    )  # no CDN: all inline
    again = tmp_path / "again.html"
    write_council_outputs(table, paths[0], again, paths[2], headline="universal", interval=0.95)
    assert again.read_bytes() == paths[1].read_bytes()  # no random table id: rerenders equal
    md = paths[2].read_text().splitlines()
    assert md[0].split("|")[1].strip() == "Council" and "95% interval" in md[0]
    hartlepool = next(line for line in md if "Hartlepool" in line)
    assert "£10\u00a0to\u00a0£100" in hartlepool  # an interval never breaks across lines
    assert "—" in next(line for line in md if "Birmingham" in line)
    values = council_values(table, "universal", 0.95, tmp_path / "v.json")
    assert json.loads((tmp_path / "v.json").read_text()) == values
    assert values["councils.n"] == "3" and values["councils.n_without_spend_change"] == "1"
