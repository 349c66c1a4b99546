"""The datasets registry: the one place that knows where each raw input comes from.

``config/datasets.yaml`` lists every raw file (id, file under ``data/raw/``, official URL,
SHA-256, licence, provenance class, reader). Nothing else in the package knows URLs or hashes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from coprod.errors import ConfigError
from coprod.paths import schema_path
from coprod.startup import ALLOWED_HOSTS, check_download_url, check_relative_file

SCHEMA_PATH = schema_path("datasets")


@dataclass(frozen=True)
class Dataset:
    id: str
    file: str
    url: str
    sha256: str
    sha256_of: str
    bytes: int
    publisher: str
    licence: str
    provenance: str
    reader: str
    direct_download: bool
    archive_member: str | None = None
    tables: tuple[str, ...] = ()

    def read(self, path: str | Path):
        """Parse ``path`` with this dataset's reader."""
        module, func = self.reader.rsplit(".", 1)
        return getattr(importlib.import_module(f"coprod.data.readers.{module}"), func)(path)


@dataclass(frozen=True)
class Registry:
    allowed_hosts: tuple[str, ...]
    datasets: dict[str, Dataset]

    def __getitem__(self, dataset_id: str) -> Dataset:
        try:
            return self.datasets[dataset_id]
        except KeyError:
            raise ConfigError(f"datasets registry: no dataset with id {dataset_id!r}") from None

    def for_table(self, table: str) -> list[str]:
        """Ids of the datasets a tidy table is built from (their ``tables`` field)."""
        return [d.id for d in self.datasets.values() if table in d.tables]

    def by_file(self, file: str) -> Dataset:
        for ds in self.datasets.values():
            if ds.file == file:
                return ds
        raise ConfigError(f"datasets registry: no dataset with file {file!r}")


def load_registry(path: str | Path, schema_path: str | Path = SCHEMA_PATH) -> Registry:
    """Load and validate the registry; reject unknown readers and non-allow-listed hosts."""
    import jsonschema  # here: jobs that only rebuild a Dataset from params need no validator

    path = Path(path)
    raw = yaml.safe_load(path.read_text())
    schema = yaml.safe_load(Path(schema_path).read_text())
    try:
        jsonschema.validate(raw, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise ConfigError(f"{path}: {where}: {exc.message}") from None
    hosts = ALLOWED_HOSTS
    datasets: dict[str, Dataset] = {}
    for row in raw["datasets"]:
        ds = Dataset(**{**row, "tables": tuple(row.get("tables", ()))})
        if ds.id in datasets:
            raise ConfigError(f"{path}: dataset id {ds.id!r} appears twice")
        check_relative_file(ds.file, f"{path}: {ds.id}")
        if ds.direct_download:
            check_download_url(ds.url, f"{path}: {ds.id}")
        datasets[ds.id] = ds
    files = [d.file for d in datasets.values()]
    if len(set(files)) != len(files):
        raise ConfigError(f"{path}: two datasets share a file name")
    return Registry(hosts, datasets)
