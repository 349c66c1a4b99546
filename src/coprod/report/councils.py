"""Each upper-tier council's own numbers: one row per council (all 153), as a CSV under
results/, a searchable sortable table in the HTML report (itables' offline mode: DataTables
inlined, no CDN) and a compact appendix table in the PDF."""

from __future__ import annotations

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
COST_MEASURES = {  # cost-model column -> council-table column stem
    "per_head_gbp": "programme_cost_per_head_gbp",
    "total_gbp": "programme_cost_gbp",
    "annual_share_of_spend": "annual_cost_share_of_service_spend",
}


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
    scenarios: Sequence[str],
    spend_columns: Sequence[str],
) -> pd.DataFrame:
    """One row per upper-tier council (`councils`: utla23cd, utla23nm, rgn24nm, population):
    core power index, capacity gap per head, the programme cost per head and in total and the
    annual cost as a share of service spend under each scenario (Monte Carlo mean and 95%
    interval), and `spend_columns` of the spending comparison (real spend per head in the
    first and last year and the change, the change last). A council the comparison leaves out
    keeps empty spend values."""
    require_columns(councils, [CODE, "utla23nm", "rgn24nm", "population"], "council list")
    require_columns(power, [CODE, "value", "quintile"], "power scores")
    require_columns(gap, [CODE, "capacity_gap"], "capacity gap")
    require_columns(
        costs,
        ["code", "scenario", *(f"{m}_{s}" for m in COST_MEASURES for s in STATS)],
        "cost areas",
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
    for scenario in scenarios:
        rows = costs[costs["scenario"] == scenario].rename(columns={"code": CODE})
        if rows.empty:
            raise ReportError(f"cost areas: no rows for scenario {scenario!r}")
        rows = _one_per_council(rows, CODE, f"cost areas ({scenario})", codes)
        for measure, stem in COST_MEASURES.items():
            for stat in STATS:
                table[f"{stem}_{scenario}_{stat}"] = rows[f"{measure}_{stat}"]
    spend = _one_per_council(spend, CODE, "spend per council", codes)
    for column in spend_columns:
        table[column] = spend[column]
    required = [
        c for c in table.columns if c not in spend_columns and not c.startswith("annual_cost_share")
    ]
    missing = table[required].isna().any(axis=1)
    if missing.any():  # spend and its shares may be missing (a council that did not report)
        raise ReportError(
            f"council table: {int(missing.sum())} council(s) lack power, gap or cost values: "
            f"{sorted(table.index[missing])[:10]}"
        )
    out = table.reset_index().sort_values("utla23nm", ignore_index=True)
    out.attrs["spend_change"] = spend_columns[-1]  # the column the report shows and maps
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


def display_frame(
    table: pd.DataFrame, scenarios: Sequence[str], spend_change: str, interval: float
) -> pd.DataFrame:
    """The HTML table: every scenario, numbers kept numeric so that columns sort as numbers."""
    out = pd.DataFrame(
        {
            "Council": table["utla23nm"],
            "Region": table["rgn24nm"],
            "Power index (SD)": table["power_index_core_sd"].round(2),
            "Capacity gap per head": table["capacity_gap_per_head"].round(3),
        }
    )
    for scenario in scenarios:
        label = SCENARIO_LABELS.get(scenario, scenario)
        stem = f"programme_cost_per_head_gbp_{scenario}"
        out[f"{label}: £ per head"] = table[f"{stem}_mean"].round(0).astype("Int64")
        out[f"{label}: {interval:.0%} interval"] = _intervals(table, stem)
        out[f"{label}: total £m"] = (table[f"programme_cost_gbp_{scenario}_mean"] / 1e6).round(1)
        out[f"{label}: share of spend"] = (
            100 * table[f"annual_cost_share_of_service_spend_{scenario}_mean"]
        ).round(2)
    out["Change in spend per head (£)"] = table[spend_change].round(0).astype("Int64")
    return out


def html_table(
    table: pd.DataFrame, scenarios: Sequence[str], spend_change: str, interval: float
) -> str:
    """A raw-HTML block for the report: DataTables inlined by itables' offline mode (no
    network), searchable and sortable, 10 councils a page."""
    from importlib.resources import files

    from itables import to_html_datatable
    from itables.javascript import generate_init_offline_itables_html

    frame = display_frame(table, scenarios, spend_change, interval)
    init = generate_init_offline_itables_html(Path(str(files("itables") / "html" / "dt_bundle.js")))
    widget = to_html_datatable(
        frame,
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
    """The PDF appendix table: the headline scenario only (the CSV and HTML hold every one)."""
    stem = f"programme_cost_per_head_gbp_{headline}"
    frame = pd.DataFrame(
        {
            "Council": table["utla23nm"],
            "Power": table["power_index_core_sd"].map(lambda v: f"{v:.2f}".replace("-", "−")),
            "Gap per head": table["capacity_gap_per_head"].map(lambda v: f"{v:.3f}"),
            "£ per head": table[f"{stem}_mean"].map(_gbp),
            f"{interval:.0%} interval": _intervals(table, stem),
            "Total £m": (table[f"programme_cost_gbp_{headline}_mean"] / 1e6).map(
                lambda v: f"{v:,.1f}"
            ),
            "Share of spend": table[f"annual_cost_share_of_service_spend_{headline}_mean"].map(
                _pct
            ),
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
    scenarios: Sequence[str],
    headline: str,
    interval: float,
) -> None:
    spend_change = table.attrs["spend_change"]
    Path(csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv, index=False, float_format="%.6g")
    write_text(html_table(table, scenarios, spend_change, interval), html)
    write_text(pdf_markdown(table, headline, spend_change, interval), pdf_md)
