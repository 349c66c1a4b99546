"""Shared reading and checks for readers: whole files, mapped columns, numbers, keys, periods."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from coprod.columns import require_columns
from coprod.data.codes import check_codes, detect_family
from coprod.errors import SchemaError

EXAMPLES = 5  # offending values an error message lists
# read_csv options leaving only blank cells missing: pandas would otherwise read text such as
# "NA" or "null" as missing, hiding it from readers that check official markers.
BLANKS_ONLY = {"keep_default_na": False, "na_values": [""]}


def _where(label) -> str:
    return row_of(label) if isinstance(label, (int, np.integer)) else f"row {label!r}"


def check_complete(path: str | Path) -> None:
    """Reject empty or truncated text files (a cut download ends mid-line, without a newline)."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise SchemaError(f"{path}: file is empty")
    with path.open("rb") as fh:
        fh.seek(-1, 2)
        if fh.read(1) not in (b"\n", b"\r"):
            raise SchemaError(f"{path}: file does not end with a newline; it looks truncated")


def is_excel(path: str | Path) -> bool:
    """True for xlsx workbooks (zip magic), whatever the file's extension."""
    with Path(path).open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def read_header(path: str | Path) -> pd.DataFrame:
    """The header of a complete CSV, for readers whose columns vary between editions."""
    check_complete(path)
    try:
        return pd.read_csv(path, nrows=0, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{path}: not a readable CSV ({exc})") from exc


def row_of(index_label) -> str:
    """Where a row of a frame read by :func:`read_csv_mapped` sits in its file (header line 1)."""
    return f"row {int(index_label) + 1} (file line {int(index_label) + 2})"


def first_bad(values: pd.Series, bad: pd.Series) -> str:
    """The first offending row and its value, for messages ('first at row 5 (file line 6): x')."""
    label = bad[bad].index[0]
    value = values.loc[label]
    value = value.item() if hasattr(value, "item") else value
    return f"first at {row_of(label)}: {value!r}"


def _typed(
    text: pd.Series, dtype, path: str | Path, column: str, thousands: str | None
) -> pd.Series:
    """Text to ``dtype`` (int64 or float64); a bad cell is a SchemaError naming file, column
    and the first offending row (pandas would only say 'column 4')."""
    stripped = text.str.strip()
    if thousands:
        stripped = stripped.str.replace(thousands, "", regex=False)
    blank = stripped.isna() | (stripped == "")
    number = pd.to_numeric(stripped.mask(blank), errors="coerce")
    bad = ~blank & ~np.isfinite(number)
    if bad.any():
        raise SchemaError(
            f"{path}: column {column!r} holds text where numbers belong, "
            f"{first_bad(text, bad)} ({int(bad.sum())} cells)"
        )
    if np.dtype(dtype).kind in "iu":
        if blank.any():
            raise SchemaError(
                f"{path}: column {column!r} has blank cells where whole numbers "
                f"belong, {first_bad(text.fillna(''), blank)} "
                f"({int(blank.sum())} cells)"
            )
        fractional = number % 1 != 0
        if fractional.any():
            raise SchemaError(
                f"{path}: column {column!r} holds fractions where whole numbers "
                f"belong, {first_bad(text, fractional)}"
            )
        return number.astype(dtype)
    return number.astype(dtype)


def read_csv_mapped(
    path: str | Path,
    mapping: dict[str, str],
    *,
    dtype=None,
    thousands: str | None = None,
    na_values=None,
    keep_default_na: bool = True,
) -> pd.DataFrame:
    """Read a CSV, check it has every official column in ``mapping``, keep and rename them.

    Readers that check official markers pass ``**BLANKS_ONLY`` (``keep_default_na=False``).
    Numeric ``dtype`` columns are read as text and converted here, so a bad cell's message
    names the file, the column and the first offending row. A file with a header and no data
    rows is an error.
    """
    require_columns(read_header(path), mapping, path)
    options = {
        "usecols": list(mapping),
        "thousands": thousands,
        "na_values": na_values,
        "keep_default_na": keep_default_na,
        "encoding": "utf-8-sig",
    }
    try:
        frame = pd.read_csv(path, dtype=dtype, **options)
    except ValueError as exc:  # ParserError is a ValueError too
        frame = _read_typed(path, dtype, options, exc)
    if frame.empty:
        raise SchemaError(f"{path}: the file has a header but no data rows")
    return frame.rename(columns=mapping)[list(mapping.values())]


def _read_typed(path: str | Path, dtype, options: dict, exc: Exception) -> pd.DataFrame:
    """Second, slower reading after pandas refused the typed one: numeric columns as text,
    converted by :func:`_typed`, so the message names the column and the first bad row."""
    numeric = {}
    if isinstance(dtype, dict):
        numeric = {
            c: t
            for c, t in dtype.items()
            if t not in (str, "str", object, "object") and np.dtype(t).kind in "iuf"
        }
        dtype = {c: ("str" if c in numeric else t) for c, t in dtype.items()}
    try:
        frame = pd.read_csv(path, dtype=dtype, **options)
    except ValueError as again:
        raise SchemaError(f"{path}: malformed CSV ({again})") from again
    for column, kind in numeric.items():
        frame[column] = _typed(frame[column], kind, path, column, options["thousands"])
    raise SchemaError(f"{path}: malformed CSV ({exc})") from exc  # no column explained it


def read_layouts(path: str | Path, layouts: dict[str, dict[str, str]], **options) -> pd.DataFrame:
    """Read a CSV in whichever named layout its header holds (e.g. ONS names or mirror names).

    ``options`` go to :func:`read_csv_mapped`.
    """
    header = read_header(path)
    lacks = {
        name: [c for c in mapping if c not in header.columns] for name, mapping in layouts.items()
    }
    for name, missing in lacks.items():
        if not missing:
            return read_csv_mapped(path, layouts[name], **options)
    raise SchemaError(
        f"{path}: header matches no known layout; missing columns by layout "
        f"{lacks}; found {list(header.columns)}"
    )


def parse_numeric(
    values: pd.Series,
    path: str | Path,
    column: str,
    markers: frozenset[str] = frozenset(),
    *,
    blanks: bool = True,
) -> pd.Series:
    """Official text to float: known markers (and blanks, if the publisher leaves cells
    blank) become missing, other text is an error naming the first offending row."""
    text = values.str.strip()
    blank = text.isna() | (text == "")
    if not blanks and blank.any():
        raise SchemaError(
            f"{path}: column {column!r} has blank cells, which this publisher "
            f"never leaves (its markers are {sorted(markers)}), "
            f"{first_bad(values.fillna(''), blank)} ({int(blank.sum())} cells)"
        )
    known = blank | text.isin(markers)
    number = pd.to_numeric(text.mask(known), errors="coerce")
    bad = ~known & ~np.isfinite(number)
    if bad.any():
        raise SchemaError(
            f"{path}: column {column!r} holds non-numeric values "
            f"{sorted(text[bad].unique())[:EXAMPLES]} that are not known markers "
            f"{sorted(markers)}, {first_bad(values, bad)}"
        )
    return number.astype("float64")


def as_count(values: pd.Series, path: str | Path, column: str) -> pd.Series:
    """Whole-number floats to nullable integers; a fractional count means a wrong column."""
    fractional = values.notna() & (values % 1 != 0)
    if fractional.any():
        raise SchemaError(
            f"{path}: count column {column!r} has fractional values "
            f"{values[fractional].head(EXAMPLES).tolist()}, "
            f"{first_bad(values, fractional)}"
        )
    return values.astype("Int64")


def check_unique(frame: pd.DataFrame, keys: list[str], path: str | Path) -> None:
    """Raise a SchemaError naming the key and example values that occur more than once."""
    dup = frame[frame.duplicated(keys, keep=False)]
    if len(dup):
        examples = dup[keys].drop_duplicates().head(EXAMPLES).to_dict("records")
        first = frame.index[frame.duplicated(keys)][0]
        raise SchemaError(
            f"{path}: key {keys} is not unique: {len(dup)} rows are duplicates, "
            f"e.g. {examples}; first repeat at {_where(first)}"
        )


def check_key(frame: pd.DataFrame, families: dict[str, str], path: str | Path) -> None:
    """Check each key column's code family (GeographyError), then that the key is unique."""
    for column, family in families.items():
        check_codes(frame[column], family, path, column)
    check_unique(frame, list(families), path)


def key_from_codes(
    frame: pd.DataFrame, column: str, keys: dict[str, str], path: str | Path, official: str
) -> tuple[pd.DataFrame, str]:
    """Rename ``column`` to the key of the one family (``keys``: family -> key) its codes fit.

    The vintage comes from the codes, not the file name, so a mislabelled file cannot pass.
    """
    family = detect_family(frame[column], list(keys), path, official)
    key = keys[family]
    frame = frame.rename(columns={column: key})
    check_key(frame, {key: family}, path)
    return frame, key


def end_year(
    periods: pd.Series,
    path: str | Path,
    column: str,
    *,
    separators: tuple[str, ...] = ("-", "/"),
    calendar: bool = False,
) -> pd.Series:
    """Periods to the year they end, so financial and calendar years line up.

    Two consecutive years ('2022-23', or '202223' with ``separators=("",)``) end in the
    second; a single year ('2023') stays itself when ``calendar`` allows it.
    """
    text = periods.fillna("").str.strip()
    between = "|".join(separators)
    parts = text.str.extract(rf"^(\d{{4}})(?:(?:{between})(\d{{2}}))?$")
    start = pd.to_numeric(parts[0])
    second = pd.to_numeric(parts[1])
    single = start.notna() & second.isna()
    unknown = (
        start.isna() | (single & (not calendar)) | (second.notna() & (second != (start + 1) % 100))
    )
    if unknown.any():
        forms = ["2022"] * calendar + [f"2022{s}23" for s in separators]
        raise SchemaError(
            f"{path}: column {column!r} has periods "
            f"{sorted(text[unknown].unique())[:EXAMPLES]} that are not years "
            f"like {' or '.join(forms)} (two years must be consecutive)"
        )
    return start.where(single, start + 1).astype("int64")
