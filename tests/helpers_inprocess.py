"""Build the tidy tables in-process from the real mirror, with one raw file swapped for an edited
copy: the readers and table builders of the pipeline, without a Snakemake run per case.

Each reader's output on the real file is cached, so a case re-reads only its edited file and
rebuilds only the tables that file feeds (and, when LSOA21 is rebuilt unchanged, nothing
downstream changes). Tables are compared by the SHA-256 of their Parquet bytes as the
pipeline writes them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from coprod.data import build
from coprod.data.registry import Dataset, load_registry
from coprod.io import write_csv

TABLES = ("lsoa21", "turnout", "lad24", "utla23", "lsoa11")
KINDS = ("blank", "text", "negative", "huge", "duplicate_row")


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's Parquet bytes as coprod.io.write_parquet writes them."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, compression="zstd")
    return hashlib.sha256(buffer.getvalue()).hexdigest()


class _Reader:
    def __init__(self, owner: InProcess, dataset: Dataset):
        self.owner, self.dataset = owner, dataset

    def read(self, path):
        ds = self.dataset.id
        if ds in self.owner.override:
            return self.owner.override[ds].copy()
        if ds not in self.owner.cache:
            self.owner.cache[ds] = self.dataset.read(path)
        return self.owner.cache[ds].copy()


class InProcess:
    """The four tidy tables of the real mirror, rebuildable with one dataset's file edited."""

    def __init__(self, root: Path, mirror: Path):
        self.root, self.mirror = root, mirror
        self.registry = load_registry(root / "config/datasets.yaml")
        self.cfg: dict = {}
        for name in ("config", "models", "costs"):
            self.cfg.update(yaml.safe_load((root / f"config/{name}.yaml").read_text()))
        self.inputs = {t: self.registry.for_table(t) for t in TABLES}
        # district turnout (its own table in the workflow) is built with lad24 here
        self.inputs["lad24"] += self.registry.for_table("turnout")
        self.inputs["utla23"] += [f"ro_rsx_{y}" for y in self.cfg["finance_years"]]
        self.turnout = Path(tempfile.mkdtemp()) / "turnout_lad.csv"
        self.cache: dict[str, pd.DataFrame] = {}
        self.override: dict[str, pd.DataFrame] = {}
        self.frames: dict[str, pd.DataFrame] = {}
        self.digests = self._build(TABLES)

    def __getitem__(self, dataset_id: str) -> _Reader:
        return _Reader(self, self.registry[dataset_id])

    def file(self, dataset_id: str) -> Path:
        return self.mirror / self.registry[dataset_id].file

    def _paths(self, table: str) -> dict[str, str]:
        return {d.replace("-", "_"): str(self.file(d)) for d in self.inputs[table]}

    def _build(self, wanted) -> dict[str, str]:
        out: dict[str, pd.DataFrame] = {}
        lsoa21 = self.frames.get("lsoa21")
        if "lsoa21" in wanted:
            lsoa21 = out["lsoa21"] = build.lsoa21_table(self, self._paths("lsoa21"), self.cfg)
        if "turnout" in wanted:
            out["turnout"] = build.turnout_table(self, self._paths("turnout"), self.cfg)
            write_csv(out["turnout"], self.turnout)
            wanted = [*wanted, "lad24"]  # lad24 reads the district turnout
        if "lad24" in wanted:
            paths = self._paths("lad24")
            turnout = build.turnout_table(self, paths, self.cfg)
            out["lad24"] = build.lad24_table(lsoa21, self, paths, self.cfg, turnout=turnout)
        if "utla23" in wanted:
            out["utla23"] = build.utla23_table(lsoa21, self, self._paths("utla23"), self.cfg)[0]
        if "lsoa11" in wanted:
            out["lsoa11"] = build.lsoa11_table(lsoa21, self, self._paths("lsoa11"))
        if not self.frames:
            self.frames = out
        return {k: frame_digest(v) for k, v in out.items()}

    def tables_with(self, dataset_id: str, path: Path) -> dict[str, str]:
        """Digests of the tables ``dataset_id`` feeds when its file is ``path`` (readers and
        builders raise their named errors as in a run)."""
        frame = self.registry[dataset_id].read(path)
        base = self.cache[dataset_id]  # every table input was read by the first build
        if frame.equals(base) and list(frame.dtypes) == list(base.dtypes):
            return {}  # the reader's output is unchanged, so every table is
        wanted = [t for t in TABLES if dataset_id in self.inputs[t]]
        self.override[dataset_id] = frame
        try:
            got = self._build(wanted[:1] if wanted[0] == "lsoa21" else wanted)
            if "lsoa21" in got and got["lsoa21"] == self.digests["lsoa21"]:
                got.update(self._build([t for t in wanted if t != "lsoa21"]))
            return got
        finally:
            self.override.clear()
            if "turnout" in wanted:  # lad24 of the next case reads the real turnout again
                write_csv(self.frames["turnout"], self.turnout)

    def changed(self, digests: dict[str, str]) -> list[str]:
        return [t for t, d in digests.items() if d != self.digests[t]]


# --- editing one cell of a CSV ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    dataset: str
    line: int  # 1-based line of the data row (the header is line 1)
    column: int
    kind: str

    def __str__(self) -> str:
        return f"{self.dataset}: line {self.line}, column {self.column}, {self.kind}"


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8-sig").splitlines(keepends=True)


def sample_cases(files: dict[str, Path], n: int, seed: int) -> list[Case]:
    """``n`` cases cycling through the files in id order (each gets its share), fixed seed."""
    rng = random.Random(seed)
    ids = sorted(files)
    shapes = {}
    for d in ids:
        lines = _lines(files[d])
        shapes[d] = (len(lines), len(next(csv.reader([lines[0]]))))
    cases = []
    for i in range(n):
        d = ids[i % len(ids)]
        rows, width = shapes[d]
        cases.append(Case(d, rng.randrange(2, rows + 1), rng.randrange(width), rng.choice(KINDS)))
    return cases


def _negative(value: str) -> str:
    try:
        number = float(value.strip().replace(",", ""))
    except ValueError:
        return "-5"
    return f"-{abs(number):g}" if number != 0 else "-1"


EDITS: dict[str, Callable[[str], str]] = {
    "blank": lambda v: "",
    "text": lambda v: "abc",
    "negative": _negative,
    "huge": lambda v: "1e12",
}


def _write(source: Path, dest: Path, lines: list[str]) -> None:
    bom = source.read_bytes().startswith(b"\xef\xbb\xbf")
    dest.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "".join(lines).encode("utf-8"))


def _set(text: str, column: int, change: Callable[[str], str]) -> str:
    """One CSV line with cell ``column`` replaced by ``change(old)``; line ending kept."""
    ending = text[len(text.rstrip("\r\n")) :]
    cells = next(csv.reader([text.rstrip("\r\n")]))
    column = min(column, len(cells) - 1)
    cells[column] = change(cells[column])
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue() + ending


def edit_cell(source: Path, dest: Path, line: int, column: int, kind: str) -> None:
    """Copy ``source`` to ``dest`` with one cell changed (or its row duplicated); every other
    line keeps its bytes, a BOM is kept."""
    lines = _lines(source)
    if kind == "duplicate_row":
        lines.insert(line - 1, lines[line - 1])
    else:
        lines[line - 1] = _set(lines[line - 1], column, EDITS[kind])
    _write(source, dest, lines)


def edit_where(
    source: Path,
    dest: Path,
    column: str,
    match: Callable[[dict], bool],
    change: Callable[[str], str],
) -> dict:
    """Copy ``source`` with ``column`` changed in the first row ``match`` accepts; that row."""
    lines = _lines(source)
    header = next(csv.reader([lines[0]]))
    for i, text in enumerate(lines[1:], start=1):
        row = dict(zip(header, next(csv.reader([text.rstrip("\r\n")])), strict=False))
        if match(row):
            lines[i] = _set(text, header.index(column), change)
            _write(source, dest, lines)
            return row
    raise AssertionError(f"{source}: no row matches")
