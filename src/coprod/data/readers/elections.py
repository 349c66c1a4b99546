"""House of Commons Library general election results by constituency (GE2019, GE2024).

The key's vintage is read from the codes, not the file name: 2024-boundary seats give
``pcon24cd``, 2010-boundary seats (GE2019) ``pcon10cd``. Both files quote numbers with
thousands separators (GE2024) or end lines with CRLF (GE2019); both parse the same way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.data.readers.base import key_from_codes, read_csv_mapped
from coprod.errors import SchemaError

_KEYS = {"pcon24": "pcon24cd", "pcon10": "pcon10cd"}
_COUNTS = {
    "Electorate": "electorate",
    "Valid votes": "valid_votes",
    "Invalid votes": "invalid_votes",
    "Majority": "majority",
}


def read_hoc_results(path: str | Path) -> pd.DataFrame:
    """Electorate, valid/invalid votes, majority, ``turnout_pct`` and ``country`` per seat.

    ``turnout_pct`` = (valid + invalid) / electorate × 100, i.e. ballot papers counted;
    the Library's own turnout uses valid votes only. ``majority`` (votes) is kept for
    seat marginality.
    """
    mapping = {"ONS ID": "code", "Country name": "country", **_COUNTS}
    dtype = {"ONS ID": "str", "Country name": "str", **dict.fromkeys(_COUNTS, "int64")}
    frame = read_csv_mapped(path, mapping, dtype=dtype, thousands=",")
    frame, key = key_from_codes(frame, "code", _KEYS, path, "ONS ID")
    ballots = frame["valid_votes"] + frame["invalid_votes"]
    frame["turnout_pct"] = ballots / frame["electorate"] * 100
    bad = frame.loc[~frame["turnout_pct"].between(0, 100, inclusive="right"), key]
    if len(bad):
        raise SchemaError(
            f"{path}: votes cast exceed the electorate (or no electorate) in {bad.head().tolist()}"
        )
    columns = [
        key,
        "electorate",
        "valid_votes",
        "invalid_votes",
        "turnout_pct",
        "majority",
        "country",
    ]
    return frame[columns].sort_values(key, ignore_index=True)
