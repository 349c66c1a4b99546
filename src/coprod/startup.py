"""Checks that run when the workflow is parsed, before any job: config files and their sizes.

Snakemake deletes a job's outputs before the job runs, so anything a job would find wrong in
the configuration must be found here instead, or the last good results are lost. This module
imports only the standard library, PyYAML and jsonschema (both Snakemake dependencies), so the
Snakefile can use it at parse time; checks that need the package run in ``onstart:``
(:func:`package_checks`).

Config files are read here with a safe loader before Snakemake sees them: Snakemake's own
loader evaluates YTE templates (``__use_yte__: true`` runs code, even on ``snakemake -n``),
and an alias "billion laughs" costs minutes of CPU before any error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

import jsonschema
import yaml

from coprod.errors import ConfigError

MAX_ALIASES = 20  # YAML aliases a config file may hold (ours hold none)
MAX_NODES = 100_000  # YAML nodes after expanding aliases (config.yaml has about 100)
MAX_SHARDS = 64  # multiverse shard jobs: 2 cores; more only adds scheduling work
MEMORY_BUDGET_BYTES = 4 * 1024**3  # one cost-model job on a shared 2-core machine
# The cost model (coprod.analysis.costs.evaluate) works on chunks of draws over every LSOA and
# keeps per-draw results for every council and district: live float64 arrays of each shape at
# its peak (participation, gap, unit cost, need, one programme array per rule, spend, members,
# closed and their temporaries; per area the gap, cost and share closed per rule). The chunk
# count is calibrated on the measured peak: 2.1 GB RSS (GNU time) for the configured 1,000
# draws in chunks of 100.
COST_CHUNK_ARRAYS = 70  # (chunk_draws x LSOAs)
COST_AREA_ARRAYS = 30  # (n_draws x councils and districts)
COST_LSOAS = 33_755  # LSOA 2021 in England (coprod.data.validation.ROWS)
COST_AREAS = 153 + 296  # upper-tier councils and districts
# Hosts downloads may come from. Kept here, in code, not in config/datasets.yaml: a list in
# the same file as the URLs would bound nothing (an edit adding a URL could add its host).
ALLOWED_HOSTS = (
    "assets.publishing.service.gov.uk",
    "www.nomisweb.co.uk",
    "researchbriefings.files.parliament.uk",
)


def _node_size(node: yaml.Node, seen: dict[int, int]) -> int:
    """Nodes in ``node`` with aliases expanded (memoised: a bomb is sized without expanding)."""
    if id(node) in seen:
        return seen[id(node)]
    seen[id(node)] = 1  # a recursive alias counts once
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_node_size(child, seen) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_node_size(k, seen) + _node_size(v, seen) for k, v in node.value)
    else:
        size = 1
    seen[id(node)] = size
    return size


def load_yaml(path: str | Path) -> dict:
    """Safely load a YAML config file, or raise a ConfigError naming the file and the problem.

    Rejects explicit tags (``!!python/...``, ``!custom``), more than MAX_ALIASES aliases or
    MAX_NODES nodes once they are expanded, a YTE switch (``__use_yte__``) and anything but
    a mapping at the top.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    aliases = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise ConfigError(
                        f"{path}: more than {MAX_ALIASES} YAML aliases; config "
                        "files must not use alias expansion beyond that"
                    )
            tag = getattr(event, "tag", None)
            if tag is not None and isinstance(
                event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
            ):
                line = event.start_mark.line + 1
                raise ConfigError(
                    f"{path}: line {line}: YAML tag {tag!r} is not allowed in "
                    "config files (plain values only)"
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None and _node_size(node, {}) > MAX_NODES:
            raise ConfigError(
                f"{path}: expands to more than {MAX_NODES} YAML nodes (an alias bomb?)"
            )
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(data).__name__}")
    if "__use_yte__" in data:
        raise ConfigError(
            f"{path}: __use_yte__ is not allowed: config files are data, not "
            "templates (YTE would run code from the file)"
        )
    return data


def schema_keys(schema_paths: Sequence[str | Path]) -> set[str]:
    """Top-level keys the config schemas define (their union: Snakemake merges the files)."""
    keys: set[str] = set()
    for path in schema_paths:
        keys |= set(load_yaml(path).get("properties", {}))
    return keys


def check_keys(
    config: Mapping,
    files: Mapping[str, Mapping],
    schema_paths: Sequence[str | Path],
    extra: Sequence[str] = (),
) -> None:
    """Unknown top-level keys are errors, naming the file or ``--config`` that set them."""
    allowed = schema_keys(schema_paths) | set(extra)
    for name, data in files.items():
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ConfigError(
                f"{name}: unknown config keys {unknown}; known keys are {sorted(allowed)}"
            )
    from_files = set().union(*(set(d) for d in files.values())) if files else set()
    unknown = sorted(set(config) - allowed - from_files)
    if unknown:
        raise ConfigError(
            f"--config: unknown config keys {unknown}; known keys are {sorted(allowed)}"
        )


def _validate(data: Mapping, schema: Mapping, name: str) -> None:
    """Raise a ConfigError naming ``name``, and the key path and problem of each error."""
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        lines = [
            f"{'.'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message}"
            for e in errors[:5]
        ]
        raise ConfigError(f"{name}: " + "; ".join(lines))


def check_config(
    config: Mapping, files: Mapping[str, Mapping], schemas: Mapping[str, str | Path]
) -> None:
    """Start-up checks of the merged config: unknown keys (in a file or ``--config``), each
    file against its schema, and the sizes that bound memory and jobs."""
    check_keys(config, files, list(schemas.values()))
    for name, schema_path in schemas.items():
        _validate(files[name], load_yaml(schema_path), name)
    for schema_path in schemas.values():  # what --config changed, merged into the files
        _validate(config, load_yaml(schema_path), "config after --config")
    check_sizes(config)


def cost_memory_bytes(n_draws: int, chunk_draws: int) -> int:
    """Estimated peak memory of the cost model: a chunk of draws over every LSOA plus every
    draw's results per council and district, float64."""
    return 8 * (
        chunk_draws * COST_LSOAS * COST_CHUNK_ARRAYS + n_draws * COST_AREAS * COST_AREA_ARRAYS
    )


def check_sizes(config: Mapping) -> None:
    """Sizes that set memory or the number of jobs have upper bounds (refused with the figure)."""
    costs = config.get("costs", {})
    n_draws, chunk = costs.get("n_draws"), costs.get("chunk_draws")
    if isinstance(n_draws, int) and isinstance(chunk, int):
        need = cost_memory_bytes(n_draws, min(chunk, n_draws))
        if need > MEMORY_BUDGET_BYTES:
            raise ConfigError(
                f"costs.n_draws {n_draws:,} with costs.chunk_draws {chunk:,}: about "
                f"{need / 1024**3:,.1f} GiB at the cost model's peak (a chunk of draws x "
                f"{COST_LSOAS:,} LSOAs x {COST_CHUNK_ARRAYS} arrays, plus every draw x "
                f"{COST_AREAS} councils and districts x {COST_AREA_ARRAYS} arrays, 8 bytes each), "
                f"more than the {MEMORY_BUDGET_BYTES / 1024**3:.0f} GiB budget: lower either"
            )
    shards = config.get("multiverse", {}).get("n_shards")
    if isinstance(shards, int) and shards > MAX_SHARDS:
        raise ConfigError(
            f"multiverse.n_shards: {shards} shard jobs exceed the bound "
            f"{MAX_SHARDS} (each shard is a process; the machine has few cores)"
        )


def check_download_url(url: str, where: str) -> None:
    """A direct download is HTTPS on a host of ALLOWED_HOSTS."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:
        raise ConfigError(
            f"{where}: download URL {url} is not HTTPS on an allowed host "
            f"{list(ALLOWED_HOSTS)} (coprod.startup.ALLOWED_HOSTS)"
        )


def check_registry(
    registry: Mapping,
    where: str,
    data_root: str | Path | None = None,
    mirror: str | Path | None = None,
) -> None:
    """Every dataset's ``file`` is a relative path under the data folder (inside it after
    resolving symlinks, when ``data_root`` is given; a file may link into ``mirror``) and
    every direct download is allowed."""
    for row in registry.get("datasets", []):
        name = f"{where}: {row.get('id')}"
        check_relative_file(str(row.get("file", "")), name)
        if data_root is not None:
            check_inside(data_root, row["file"], name, [mirror] if mirror else [])
        if row.get("direct_download"):
            check_download_url(str(row.get("url", "")), name)


def check_relative_file(file: str, where: str) -> None:
    """A registry ``file:`` is a relative POSIX path without ``..``, empty or ``.`` parts."""
    parts = PurePosixPath(file).parts
    if (
        not file
        or file.startswith("/")
        or "\\" in file
        or any(p in ("..", ".") for p in parts)
        or file != str(PurePosixPath(file))
    ):
        raise ConfigError(
            f"{where}: file {file!r} must be a relative path under the data "
            "folder (no leading /, no .. or . parts)"
        )


def check_inside(root: str | Path, file: str, where: str, also: Sequence[str | Path] = ()) -> Path:
    """``root/file`` must lie inside ``root`` after resolving symlinks: its folders must, and
    the file itself too unless it links into one of ``also`` (the mirror, which acquisition
    may link to). Returns the resolved path."""
    check_relative_file(file, where)
    base = Path(root).resolve()
    path = Path(root) / file
    folder = path.parent.resolve()
    target = folder / path.name
    if path.is_symlink():
        target = path.resolve()
    allowed = [base, *(Path(a).resolve() for a in also)] if path.is_symlink() else [base]
    if not folder.is_relative_to(base) or not any(target.is_relative_to(a) for a in allowed):
        raise ConfigError(
            f"{where}: {path} resolves to {target}, outside {base} "
            "(a symlink out of the data folder)"
        )
    return target
