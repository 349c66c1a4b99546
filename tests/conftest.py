"""Shared fixtures: the repository root and the pipeline's real-data results.

Tests marked ``mirror`` read what the pipeline built from the offline mirror. With a mirror
configured (COPROD_DATA_MIRROR, as in CI) a missing result is a failure, not a skip: the
README's test command runs the pipeline first.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def results() -> Path:
    if not os.environ.get("COPROD_DATA_MIRROR") and not (RESULTS / "tables").exists():
        pytest.skip("no mirror configured (COPROD_DATA_MIRROR) and no pipeline results")
    return RESULTS


@pytest.fixture(scope="session")
def table(results):
    """Load a tidy table by name, failing clearly if the pipeline did not build it."""
    cache: dict[str, pd.DataFrame] = {}

    def load(name: str) -> pd.DataFrame:
        path = results / "tables" / f"{name}.parquet"
        assert path.exists(), f"{path} missing: run the pipeline (make run) first"
        if name not in cache:
            cache[name] = pd.read_parquet(path)
        return cache[name]

    return load


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The raw data mirror (COPROD_DATA_MIRROR, else ../shared/data/raw); skip when absent."""
    path = Path(os.environ.get("COPROD_DATA_MIRROR", ROOT.parent / "shared" / "data" / "raw"))
    path = path.resolve()
    if not path.is_dir():
        pytest.skip(f"data mirror {path} not available")
    return path
