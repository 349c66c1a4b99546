"""Each upper-tier council's own numbers: one row per council (all 153), as a CSV under
results/, a searchable sortable table in the HTML report (itables' offline mode: DataTables
inlined, no CDN) and a compact appendix table in the PDF."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from coprod.columns import require_columns
from coprod.errors import ReportError
from coprod.io import write_text
from coprod.report.labels import SCENARIO_LABELS
from coprod.report.tables import frame_to_markdown

CODE = "utla23cd"
STATS = ("mean", "lo", "hi")
# results/costs/councils.parquet: cost_to_close_<rule>_gbp_<stat> for each allocation rule
COST_COLUMN = re.compile(r"cost_to_close_(?P<rule>[a-z0-9_]+)_gbp_mean")
PU_SHARE = "cost_to_close_pu_share_of_service_spend"


def cost_rules(costs: pd.DataFrame) -> list[str]:
    """The allocation rules of the cost model's council table, in its column order (the list
    is the cost model's own; the report does not repeat it)."""
    return [m["rule"] for c in costs.columns if (m := COST_COLUMN.fullmatch(c))]


def _one_per_council(frame: pd.DataFrame, code: str, source: str, codes: pd.Index) -> pd.DataFrame:
    """`frame` indexed by council code, refusing duplicates and codes outside the council list."""
    if frame[code].duplicated().any():
        dup = sorted(frame.loc[frame[code].duplicated(), code].unique())
        raise ReportError(f"{source}: {code} repeats for {len(dup)} council(s): {dup[:10]}")
    extra = sorted(set(frame[code]) - set(codes))
    if extra:
        raise ReportError(
            f"{source}: {len(extra)} {code} value(s) are not upper-tier councils: {extra[:10]}"
        )
    return frame.set_index(code)


def council_table(
    councils: pd.DataFrame,
    power: pd.DataFrame,
    gap: pd.DataFrame,
    costs: pd.DataFrame,
    spend: pd.DataFrame,
    *,
    spend_columns: Sequence[str],
) -> pd.DataFrame:
    """One row per upper-tier council (`councils`: utla23cd, utla23nm, rgn24nm, population):
    core power index, capacity gap per head (use-weighted) and in people (national-mean
    reference), the annual cost of closing the council's gap under each allocation rule, in
    total and per adult (Monte Carlo mean and interval), proportionate universalism's cost as a
    share of service spend, and `spend_columns` of the spending comparison (real spend per head
    in the first and last year and the change, the change last). A council the comparison
    leaves out keeps empty spend values."""
    require_columns(councils, [CODE, "utla23nm", "rgn24nm", "population"], "council list")
    require_columns(power, [CODE, "value", "quintile"], "power scores")
    require_columns(gap, [CODE, "capacity_gap"], "capacity gap")
    rules = cost_rules(costs)
    if not rules:
        raise ReportError("council costs: no cost_to_close_<rule>_gbp_mean columns")
    require_columns(
        costs,
        [
            CODE,
            "adults_16plus",
            "gap_people_national_mean",
            PU_SHARE,
            *(f"cost_to_close_{r}_gbp_{s}" for r in rules for s in STATS),
        ],
        "council costs",
    )
    require_columns(spend, [CODE, *spend_columns], "spend per council")
    if councils[CODE].duplicated().any():
        raise ReportError(f"council list: {CODE} repeats")
    codes = pd.Index(councils[CODE])
    table = councils[[CODE, "utla23nm", "rgn24nm", "population"]].set_index(CODE)
    table["power_index_core_sd"] = _one_per_council(power, CODE, "power scores", codes)["value"]
    table["power_quintile"] = _one_per_council(power, CODE, "power scores", codes)["quintile"]
    table["capacity_gap_per_head"] = _one_per_council(gap, CODE, "capacity gap", codes)[
        "capacity_gap"
    ]
    costs = _one_per_council(costs, CODE, "council costs", codes)
    table["adults_16plus"] = costs["adults_16plus"]
    table["gap_people_national_mean"] = costs["gap_people_national_mean"]
    for rule in rules:
        for stat in STATS:
            total = costs[f"cost_to_close_{rule}_gbp_{stat}"]
            table[f"cost_to_close_gbp_{rule}_{stat}"] = total
            table[f"cost_to_close_per_adult_gbp_{rule}_{stat}"] = total / costs["adults_16plus"]
    table[PU_SHARE] = costs[PU_SHARE]
    spend = _one_per_council(spend, CODE, "spend per council", codes)
    for column in spend_columns:
        table[column] = spend[column]
    required = [c for c in table.columns if c not in spend_columns and c != PU_SHARE]
    missing = table[required].isna().any(axis=1)
    if missing.any():  # spend and its shares may be missing (a council that did not report)
        raise ReportError(
            f"council table: {int(missing.sum())} council(s) lack power, gap or cost values: "
            f"{sorted(table.index[missing])[:10]}"
        )
    out = table.reset_index().sort_values("utla23nm", ignore_index=True)
    out.attrs["spend_change"] = spend_columns[-1]  # the column the report shows and maps
    out.attrs["rules"] = rules
    return out


def _gbp(value: float, digits: int = 0) -> str:
    return "—" if pd.isna(value) else f"£{value:,.{digits}f}".replace("£-", "−£")


def _interval(lo: float, hi: float, fmt) -> str:
    return f"{fmt(lo)}\u00a0to\u00a0{fmt(hi)}"


def _intervals(table: pd.DataFrame, stem: str) -> list[str]:
    """`£lo to £hi` of each council for the `{stem}_lo`/`{stem}_hi` columns."""
    return [
        _interval(lo, hi, _gbp)
        for lo, hi in zip(table[f"{stem}_lo"], table[f"{stem}_hi"], strict=True)
    ]


def _pct(value: float) -> str:
    return "—" if pd.isna(value) else f"{100 * value:.2f}%"


def display_frame(table: pd.DataFrame, spend_change: str, interval: float) -> pd.DataFrame:
    """The HTML table: every rule, numbers kept numeric so that columns sort as numbers."""
    out = pd.DataFrame(
        {
            "Council": table["utla23nm"],
            "Region": table["rgn24nm"],
            "Power index (SD)": table["power_index_core_sd"].round(2),
            "Capacity gap per head": table["capacity_gap_per_head"].round(3),
            "Gap (people)": table["gap_people_national_mean"].round(0).astype("Int64"),
        }
    )
    for rule in table.attrs["rules"]:
        label = SCENARIO_LABELS.get(rule, rule)
        stem = f"cost_to_close_per_adult_gbp_{rule}"
        out[f"{label}: £ per adult a year"] = table[f"{stem}_mean"].round(0).astype("Int64")
        out[f"{label}: {interval:.0%} interval"] = _intervals(table, stem)
        out[f"{label}: £m a year"] = (table[f"cost_to_close_gbp_{rule}_mean"] / 1e6).round(1)
    out["Proportionate universalism: share of service spend (%)"] = (100 * table[PU_SHARE]).round(2)
    out["Change in spend per head (£)"] = table[spend_change].round(0).astype("Int64")
    return out


def html_table(table: pd.DataFrame, spend_change: str, interval: float) -> str:
    """A raw-HTML block for the report: DataTables inlined by itables' offline mode (no
    network), searchable and sortable, 10 councils a page."""
    from importlib.resources import files

    from itables import to_html_datatable
    from itables.javascript import generate_init_offline_itables_html

    frame = display_frame(table, spend_change, interval)
    init = generate_init_offline_itables_html(Path(str(files("itables") / "html" / "dt_bundle.js")))
    widget = to_html_datatable(
        frame,
        table_id="councils-table",  # a fixed id (itables' default is random): same bytes each run
        connected=False,
        showIndex=False,
        display_logo_when_loading=False,
        classes="display compact nowrap",
        scrollX=True,
        pageLength=10,
        columnDefs=[{"className": "dt-left", "targets": [0, 1]}],
        style="width:100%; font-size:0.85em",
        layout={
            "topStart": "search",
            "topEnd": "pageLength",
            "bottomStart": "info",
            "bottomEnd": "paging",
        },
    )
    return "```{=html}\n" + init + "\n" + widget + "\n```\n"


def pdf_markdown(table: pd.DataFrame, headline: str, spend_change: str, interval: float) -> str:
    """The PDF appendix table: the headline rule only (the CSV and HTML hold every one)."""
    stem = f"cost_to_close_per_adult_gbp_{headline}"
    frame = pd.DataFrame(
        {
            "Council": table["utla23nm"],
            "Power": table["power_index_core_sd"].map(lambda v: f"{v:.2f}".replace("-", "−")),
            "Gap per head": table["capacity_gap_per_head"].map(lambda v: f"{v:.3f}"),
            "Gap (people)": table["gap_people_national_mean"].map(lambda v: f"{v:,.0f}"),
            "£ per adult": table[f"{stem}_mean"].map(_gbp),
            f"{interval:.0%} interval": _intervals(table, stem),
            "£m a year": (table[f"cost_to_close_gbp_{headline}_mean"] / 1e6).map(
                lambda v: f"{v:,.1f}"
            ),
            "Share of spend": table[PU_SHARE].map(_pct),
            "Spend change per head": table[spend_change].map(_gbp),
        }
    )
    return frame_to_markdown(frame)


def council_values(
    table: pd.DataFrame, headline: str, interval: float, path: str | Path
) -> dict[str, str]:
    """The report's values about the council table (`councils.*`), written as JSON."""
    import json

    spend_change = table.attrs["spend_change"]
    values = {
        "councils.n": f"{len(table):,}",
        "councils.n_without_spend_change": f"{int(table[spend_change].isna().sum()):,}",
        "councils.headline_scenario": SCENARIO_LABELS.get(headline, headline).lower(),
        "councils.interval": f"{interval:.0%}",
    }
    write_text(json.dumps(values, indent=2, sort_keys=True, ensure_ascii=False) + "\n", path)
    return values


def write_council_outputs(
    table: pd.DataFrame,
    csv: str | Path,
    html: str | Path,
    pdf_md: str | Path,
    *,
    headline: str,
    interval: float,
) -> None:
    spend_change = table.attrs["spend_change"]
    Path(csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv, index=False, float_format="%.6g")
    write_text(html_table(table, spend_change, interval), html)
    write_text(pdf_markdown(table, headline, spend_change, interval), pdf_md)
