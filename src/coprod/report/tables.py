"""Frames -> the Markdown tables the report includes: numbers formatted once, numeric columns
right-aligned."""

from __future__ import annotations

import numbers
import re
from pathlib import Path

import numpy as np
import pandas as pd

from coprod.io import write_text


def _cell(value, digits: int) -> str:
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):,.{digits}f}"
    return _keep_together(str(value).replace("|", r"\|").replace("\n", " "))


# A cell made only of numbers and the words that join them ("−15.6 (−16.2 to −14.9)", "£992
# million") keeps its spaces unbreakable, so that no table in either format wraps a number or
# splits a range; it may break only before a bracketed interval, which then starts a line.
_NUMBER_WORD = re.compile(r"[(\[]?[-+\u2212]?£?\d[\d,.]*(?:%|pp)?[)\];,]?|to|million|billion|SD")


def _keep_together(text: str) -> str:
    words = text.split(" ")
    if len(words) > 1 and all(_NUMBER_WORD.fullmatch(w) for w in words):
        out = words[0]
        for word in words[1:]:
            out += (" " if word.startswith(("(", "[")) else "\u00a0") + word
        return out
    return text


# A number already formatted as text ("−0.079", "33,755", "21%", "£992 million", "a to b"),
# or the em dash that stands for a missing one: such columns align right like numbers.
_FORMATTED = r"[-+\u2212]?£?\d[\d,.]*(?:%| million| billion)?"
_NUMBER_TEXT = re.compile(rf"{_FORMATTED}(?: to {_FORMATTED})?|—")


def _right_aligned(column: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    cells = column.dropna().astype(str)
    return bool(cells.map(lambda c: bool(_NUMBER_TEXT.fullmatch(c))).all()) and bool(
        (cells != "—").any()
    )


def _unbreakable(texts) -> int:
    """Length of the longest piece of the texts that cannot wrap (words, or number phrases
    joined by no-break spaces)."""
    return max((len(word) for t in texts for word in str(t).split(" ")), default=1)


def frame_to_markdown(
    frame: pd.DataFrame, path: str | Path | None = None, *, digits: int = 2
) -> str:
    """A pipe table for `{{< include >}}`: numbers, and columns of numbers already formatted as
    text, right-aligned; thousands separators, floats to `digits` places, missing values as an
    em dash; written to `path` if given.

    A wide pipe table fills the text width with column widths in proportion to the dashes of
    its separator line (Pandoc's pipe_tables), so each column gets dashes for its longest
    piece that cannot wrap: numbers and ranges keep their width and words wrap instead."""
    from tabulate import tabulate

    numeric = [_right_aligned(frame[c]) for c in frame.columns]
    cells = [[_cell(v, digits) for v in row] for row in frame.itertuples(index=False, name=None)]
    headers = [str(c).replace("|", r"\|") for c in frame.columns]
    lines = tabulate(
        cells,
        headers=headers,
        tablefmt="pipe",
        disable_numparse=True,
        colalign=["right" if n else "left" for n in numeric],
    ).split("\n")
    widths = [max(3, _unbreakable([h, *(row[i] for row in cells)])) for i, h in enumerate(headers)]
    lines[1] = (
        "|"
        + "|".join(
            (":" + "-" * w if not n else "-" * w + ":")
            for w, n in zip(widths, numeric, strict=True)
        )
        + "|"
    )
    text = "\n".join(lines) + "\n"
    if path is not None:
        write_text(text, path)
    return text
