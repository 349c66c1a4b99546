"""Readers for Community Life Survey (DCMS) civic participation rates.

* the mirror's IMD-quintile pair (2016-17, a third party's quotation of the DCMS report);
* the Social Mobility Commission's England series (indicator DR41, from the CLS);
* the official CLS annual data tables (xlsx/ods, sheets such as X1b civic participation,
  X2b activism, X3b consultation, B5b "can influence decisions"), whose rows are
  Question / Response / Topic Breakdown / Individual Breakdown with a percentage, its lower
  and upper estimate, respondents and unweighted base. Offline runs do not have them; an
  online run can read the IMD-decile rows with :func:`read_cls_annual_tables`.

Every rate is returned as a share (0-1), whatever the file's percentage scale.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from coprod.data.readers.base import BLANKS_ONLY, EXAMPLES, parse_numeric, read_csv_mapped
from coprod.errors import SchemaError

_QUINTILE = {
    "year": "year",
    "breakdown": "breakdown",
    "group": "group",
    "estimate_pct": "estimate_pct",
    "source": "source",
}
_QUINTILE_GROUPS = {"Most deprived quintile": 1, "Least deprived quintile": 5}
_DR41 = {"time_period": "year", "value": "estimate_pct", "lci": "ci_low_pct", "uci": "ci_high_pct"}
CLS_SHEETS = ("X1b", "X2b", "X3b", "B5b")


MARKERS = frozenset({"NA", "nan", "None", "[c]", "[x]", "[u]", "[z]", "*", "-", ".."})


def _share(values: pd.Series, path, column: str) -> pd.Series:
    share = parse_numeric(values, path, column, markers=MARKERS) / 100
    if ((share < 0) | (share > 1)).any():
        raise SchemaError(
            f"{path}: column {column!r} has percentages outside 0-100: "
            f"{values[(share < 0) | (share > 1)].head(EXAMPLES).tolist()}"
        )
    return share


def _financial_year(values: pd.Series, path, column: str) -> pd.Series:
    """'2016/17' or '2016-17' -> '2016-17'."""
    text = values.astype(str).str.strip().str.replace("/", "-", regex=False)
    bad = ~text.str.fullmatch(r"20\d{2}-\d{2}")
    if bad.any():
        raise SchemaError(
            f"{path}: column {column!r} has years {values[bad].head(EXAMPLES).tolist()} "
            "not in the form 2016/17 or 2016-17"
        )
    return text


def read_cls_imd_quintile(path: str | Path) -> pd.DataFrame:
    """Participation of the most (1) and least (5) deprived IMD fifths: ``year``,
    ``imd_quintile``, ``participation_share``, ``source``."""
    frame = read_csv_mapped(path, _QUINTILE, dtype=str, **BLANKS_ONLY)
    unknown = sorted(set(frame["group"]) - set(_QUINTILE_GROUPS))
    if unknown:
        raise SchemaError(
            f"{path}: column 'group' has {unknown}; expected {sorted(_QUINTILE_GROUPS)}"
        )
    if sorted(frame["group"]) != sorted(_QUINTILE_GROUPS):
        raise SchemaError(f"{path}: needs exactly one row for each of {sorted(_QUINTILE_GROUPS)}")
    return pd.DataFrame(
        {
            "year": _financial_year(frame["year"], path, "year"),
            "imd_quintile": frame["group"].map(_QUINTILE_GROUPS).astype("int64"),
            "participation_share": _share(frame["estimate_pct"], path, "estimate_pct"),
            "source": frame["source"],
        }
    ).sort_values("imd_quintile", ignore_index=True)


def read_smc_dr41(path: str | Path) -> pd.DataFrame:
    """England civic participation by survey year: ``year``, ``participation_share``,
    ``ci_low``, ``ci_high`` (missing where not published; 2022-23 had no survey)."""
    frame = read_csv_mapped(path, _DR41, dtype=str, **BLANKS_ONLY)
    out = pd.DataFrame(
        {
            "year": _financial_year(frame["year"], path, "time_period"),
            "participation_share": _share(frame["estimate_pct"], path, "value"),
            "ci_low": _share(frame["ci_low_pct"], path, "lci"),
            "ci_high": _share(frame["ci_high_pct"], path, "uci"),
        }
    )
    if out["year"].duplicated().any():
        raise SchemaError(f"{path}: a survey year occurs more than once")
    return out.sort_values("year", ignore_index=True)


def _find(columns, pattern: str, path, sheet: str) -> str:
    hits = [c for c in columns if re.search(pattern, str(c), flags=re.IGNORECASE)]
    if len(hits) != 1:
        raise SchemaError(
            f"{path} sheet {sheet}: expected one column matching {pattern!r}, "
            f"found {hits} in {list(columns)}"
        )
    return hits[0]


def read_cls_annual_tables(
    path: str | Path, sheets=CLS_SHEETS, topic: str = r"deprivation|IMD"
) -> pd.DataFrame:
    """IMD-decile rows of the official CLS annual data tables: ``sheet``, ``question``,
    ``imd_decile`` (1 = most deprived), ``participation_share``, ``ci_low``, ``ci_high``,
    ``respondents``, ``unweighted_base``. The header row is found by its 'Topic Breakdown'
    cell, so title rows above the table may vary between editions."""
    out = []
    for sheet in sheets:
        try:
            raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object)
        except ValueError as exc:
            raise SchemaError(f"{path}: no sheet {sheet!r} ({exc})") from exc
        starts = raw.index[
            raw.apply(lambda r: r.astype(str).str.strip().eq("Topic Breakdown").any(), axis=1)
        ]
        if not len(starts):
            raise SchemaError(f"{path} sheet {sheet}: no 'Topic Breakdown' header row")
        table = raw.iloc[starts[0] + 1 :].copy()
        table.columns = [str(c).strip() for c in raw.iloc[starts[0]]]
        cols = {
            name: _find(table.columns, pattern, path, sheet)
            for name, pattern in (
                ("question", r"^Question$"),
                ("topic", r"^Topic Breakdown$"),
                ("group", r"^Individual Breakdown$"),
                ("pct", r"Percentage"),
                ("lo", r"Lower"),
                ("hi", r"Upper"),
                ("respondents", r"Respondents"),
                ("base", r"Unweighted base"),
            )
        }
        rows = table[table[cols["topic"]].astype(str).str.contains(topic, case=False, regex=True)]
        decile = rows[cols["group"]].astype(str).str.extract(r"^\s*(\d{1,2})\b")[0]
        if rows.empty or decile.isna().any():
            raise SchemaError(
                f"{path} sheet {sheet}: no IMD-decile rows under a topic matching "
                f"{topic!r}, or decile labels without a leading number"
            )
        out.append(
            pd.DataFrame(
                {
                    "sheet": sheet,
                    "question": rows[cols["question"]].astype(str).to_numpy(),
                    "imd_decile": decile.astype("int64").to_numpy(),
                    "participation_share": _share(
                        rows[cols["pct"]].astype(str), path, cols["pct"]
                    ).to_numpy(),
                    "ci_low": _share(rows[cols["lo"]].astype(str), path, cols["lo"]).to_numpy(),
                    "ci_high": _share(rows[cols["hi"]].astype(str), path, cols["hi"]).to_numpy(),
                    "respondents": parse_numeric(
                        rows[cols["respondents"]].astype(str), path, cols["respondents"], MARKERS
                    ).to_numpy(),
                    "unweighted_base": parse_numeric(
                        rows[cols["base"]].astype(str), path, cols["base"], MARKERS
                    ).to_numpy(),
                }
            )
        )
    frame = pd.concat(out, ignore_index=True)
    if frame.duplicated(["sheet", "imd_decile"]).any():
        raise SchemaError(f"{path}: an IMD decile occurs twice in one sheet")
    return frame
