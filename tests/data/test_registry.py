"""The datasets registry: schema, readers that exist, HTTPS on allow-listed hosts only."""

from __future__ import annotations

import importlib

import pytest
import yaml

from coprod.data.registry import load_registry
from coprod.errors import ConfigError


def test_every_registry_reader_exists(root):
    registry = load_registry(root / "config/datasets.yaml")
    assert len(registry.datasets) == 73  # 67 + the ONS boundaries (1 GeoPackage, 5 shapefile parts)
    for ds in registry.datasets.values():
        module, func = ds.reader.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(f"coprod.data.readers.{module}"), func)), (
            ds.id
        )


def test_registry_matches_mirror_manifest(root):
    """Every registry hash is the manifest's hash for the same mirror path."""
    manifest = root.parent / "shared/data/MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip("no ../shared/data/MANIFEST.tsv beside the checkout")
    import csv

    rows = {
        r["path"].removeprefix("raw/"): r for r in csv.DictReader(manifest.open(), delimiter="\t")
    }
    for ds in load_registry(root / "config/datasets.yaml").datasets.values():
        assert rows[ds.file]["sha256"] == ds.sha256, ds.id
        # a dataset of several files (a shapefile's .shp, .shx, .dbf ...) has one registry row
        # per file: the main file keeps the manifest's id, the others add their extension
        dataset = rows[ds.file]["dataset"]
        assert ds.id == dataset or ds.id == f"{dataset}_{ds.file.rsplit('.', 1)[1]}", ds.id


def _write(tmp_path, root, mutate):
    data = yaml.safe_load((root / "config/datasets.yaml").read_text())
    mutate(data)
    path = tmp_path / "datasets.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda d: d["datasets"][0].update(url="http://assets.publishing.service.gov.uk/x.csv"),
            "not HTTPS",
        ),
        (lambda d: d["datasets"][0].update(url="https://evil.example.org/x.csv"), "allowed host"),
        (lambda d: d["datasets"][0].update(sha256="abc"), "sha256"),
        (lambda d: d["datasets"][0].pop("reader"), "reader"),
        (lambda d: d["datasets"][1].update(id=d["datasets"][0]["id"]), "appears twice"),
        (lambda d: d["datasets"][0].update(file="../outside.csv"), "file"),
    ],
)
def test_bad_registry_is_rejected_with_the_key(tmp_path, root, mutate, message):
    with pytest.raises(ConfigError, match=message):
        load_registry(_write(tmp_path, root, mutate))
