"""Bad input, crashes and security: every fault stops the run with a named error and leaves
earlier results byte-identical; a cold run killed mid-way recovers and equals the clean run;
downloads, YAML, pickles and shell commands are safe.

Every pipeline run here happens in a temporary copy of the repository (tests/helpers_pipeline)
with a temporary mirror where one is needed; the real mirror and results/ are only read.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers_pipeline import (
    ROOT,
    SNAPSHOT_SOURCE,
    clone,
    copy_repo,
    kill_when,
    mirror_dir,
    rule_names,
    snakemake,
    snapshot,
)

from coprod.data import build
from coprod.data.acquire import acquire_group
from coprod.data.registry import load_registry
from coprod.errors import AcquisitionError, GeographyError, SchemaError

pytestmark = pytest.mark.skipif(
    mirror_dir() is None, reason="no offline mirror (COPROD_DATA_MIRROR or ../shared/data/raw)"
)

# The faults below are in acquisition and the tables, so runs request exactly those stages:
# later stages (models, costs, report) neither hide nor add to what is checked here.
TARGETS = ("acquire_all", "tables_all")
CENSUS = "census2021_ts001_lsoa"
CENSUS_FILE = "census2021/census2021-ts001-lsoa.csv"
LOOKUP = "lookup_lad24_region24"
LOOKUP_FILE = "lookups/lad24_region24.csv"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The checkout's state in a copy, brought up to date for TARGETS (a no-op when fresh)."""
    copy = copy_repo(tmp_path_factory.mktemp("base") / "repo", state_from=ROOT)
    done = snakemake(copy, *TARGETS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Nothing to be done" in snakemake(copy, "-n", *TARGETS).stdout
    return copy


@pytest.fixture
def work(base, tmp_path) -> Path:
    return clone(base, tmp_path / "repo")


def flip_bytes(path: Path) -> None:
    """Invert a few bytes in the middle of the file: same size, different content."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, middle + 4):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    """Cut the file mid-line, as an interrupted download would."""
    data = path.read_bytes()
    cut = len(data) // 2
    while data[cut - 1 : cut] in (b"\n", b"\r"):
        cut += 1
    path.write_bytes(data[:cut])


def rename_column(path: Path) -> None:
    header, rest = path.read_text(encoding="utf-8-sig").split("\n", 1)
    assert "geography code" in header
    path.write_text(header.replace("geography code", "geography_code") + "\n" + rest)


def old_vintage_code(copy: Path) -> tuple[str, str]:
    """(an LSOA 2021 code, an LSOA 2011 code that no longer exists in 2021)."""
    lsoa21 = set(pd.read_parquet(copy / "results/tables/lsoa21.parquet")["lsoa21cd"])
    lsoa11 = set(pd.read_parquet(copy / "results/tables/lsoa11.parquet")["lsoa11cd"])
    return min(lsoa21), min(lsoa11 - lsoa21)


def wrong_vintage(path: Path, current: str, retired: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert f",{current}," in text
    path.write_text(text.replace(f",{current},", f",{retired},", 1))


def inject(kind: str, path: Path, copy: Path) -> None:
    if kind == "wrong_vintage":
        wrong_vintage(path, *old_vintage_code(copy))
    else:
        {"flipped_bytes": flip_bytes, "truncated": truncate, "renamed_column": rename_column}[kind](
            path
        )


def output(done) -> str:
    return done.stdout + done.stderr


# --- acquisition and the verification gate ----------------------------------------------------


def test_mirror_file_with_flipped_bytes_is_refused_by_acquire(work, tmp_path):
    """A corrupt mirror file is never copied into data/raw/: acquire names the dataset and
    both hashes. Earlier results stay; only the failed acquisition's own record is gone."""
    real = mirror_dir()
    mirror = tmp_path / "mirror"
    for ds in load_registry(work / "config/datasets.yaml").datasets.values():
        (mirror / ds.file).parent.mkdir(parents=True, exist_ok=True)
        if ds.file == LOOKUP_FILE:
            shutil.copyfile(real / ds.file, mirror / ds.file)
            flip_bytes(mirror / ds.file)
        else:
            (mirror / ds.file).symlink_to(real / ds.file)
    (work / "data/raw" / LOOKUP_FILE).unlink()
    record = "acquire/lookups.json"
    before = snapshot(work / "results")

    done = snakemake(work, *TARGETS, mirror=mirror)

    assert done.returncode != 0
    assert re.search(
        rf"ChecksumError: {LOOKUP}: the mirror copy of {re.escape(LOOKUP_FILE)} "
        r"has SHA-256 [0-9a-f]{64}, the registry \(config/datasets.yaml\) expects "
        r"[0-9a-f]{64}",
        output(done),
    )
    assert not (work / "data/raw" / LOOKUP_FILE).exists()
    after = snapshot(work / "results")
    assert record not in after
    assert after == {k: v for k, v in before.items() if k != record}


@pytest.mark.parametrize("kind", ["flipped_bytes", "truncated", "renamed_column", "wrong_vintage"])
def test_raw_file_changed_in_place_stops_at_start_up(work, kind):
    """Any change to a file under data/raw/ (corruption, truncation, a renamed column, codes
    of another vintage), even with its timestamp kept, stops the run at start-up, before any
    job: the message names the dataset and both hashes; results untouched."""
    before = snapshot(work / "results")
    path = work / "data/raw" / CENSUS_FILE
    stat = path.stat()
    inject(kind, path, work)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # `touch -r`: mtime kept

    done = snakemake(work, *TARGETS, "--forcerun", "table_lsoa21")

    assert done.returncode != 0
    assert re.search(
        rf"raw files changed after acquisition \(nothing has read them\):\s+"
        rf"{CENSUS}: data/raw/{re.escape(CENSUS_FILE)} has SHA-256 [0-9a-f]{{64}}, "
        r"the registry expects [0-9a-f]{64}",
        output(done),
    ), output(done)[-2000:]
    assert "rule table_lsoa21" not in output(done)
    assert snapshot(work / "results") == before


def test_a_registry_change_reruns_acquisition_and_reverting_it_recovers(work, tmp_path):
    """Editing a dataset's registry entry (here its url) reruns its acquisition job and
    only what reads the re-acquired files; a bad vintage recorded in the registry and mirror,
    then reverted in both, recovers with nothing deleted by hand."""
    registry = work / "config/datasets.yaml"
    original = registry.read_text()
    entry = next(d for d in yaml.safe_load(original)["datasets"] if d["id"] == LOOKUP)
    registry.write_text(original.replace(entry["url"], entry["url"] + "?v=2", 1))
    planned = output(snakemake(work, "-n", *TARGETS, "--quiet", "rules"))
    assert "acquire_lookups" in planned and "acquire_census2021" not in planned

    # A bad vintage: the mirror holds a changed file and the registry its hash.
    mirror = tmp_path / "mirror"
    for ds in load_registry(work / "config/datasets.yaml").datasets.values():
        (mirror / ds.file).parent.mkdir(parents=True, exist_ok=True)
        (mirror / ds.file).symlink_to(mirror_dir() / ds.file)
    bad = mirror / LOOKUP_FILE
    bad.unlink()
    shutil.copyfile(mirror_dir() / LOOKUP_FILE, bad)
    bad.write_bytes(bad.read_bytes() + b"\n")
    bad_sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    registry.write_text(original.replace(entry["sha256"], bad_sha, 1))
    assert snakemake(work, "acquire_all", mirror=mirror).returncode == 0
    assert hashlib.sha256((work / "data/raw" / LOOKUP_FILE).read_bytes()).hexdigest() == bad_sha

    # Revert both: the start-up check sees a file that acquisition verified under the old
    # entry, so the job reruns and restores the good bytes.
    registry.write_text(original)
    done = snakemake(work, *TARGETS)
    assert done.returncode == 0, output(done)[-2000:]
    assert (
        hashlib.sha256((work / "data/raw" / LOOKUP_FILE).read_bytes()).hexdigest()
        == entry["sha256"]
    )
    assert (
        pd.read_csv(work / "results/provenance.csv").set_index("dataset").loc[LOOKUP, "sha256"]
        == entry["sha256"]
    )


# --- the readers behind the gate ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, error, message",
    [
        (
            "truncated",
            SchemaError,
            r"census2021-ts001-lsoa\.csv: file does not end with a newline; "
            r"it looks truncated",
        ),
        (
            "renamed_column",
            SchemaError,
            r"census2021-ts001-lsoa\.csv: missing columns \['geography code'\]",
        ),
        (
            "wrong_vintage",
            GeographyError,
            r"census ts001 LSOA21: 1 lsoa21cd values of the left table "
            r"have no match, e.g. \['{current}'\]",
        ),
    ],
)
def test_readers_name_the_fault_when_the_gate_is_bypassed(work, kind, error, message):
    """Second layer: had a bad file passed the gate (e.g. a re-issued file whose new hash was
    recorded), building the LSOA table stops with the named error (the build never hashes)."""
    registry = load_registry(work / "config/datasets.yaml")
    paths = {
        d.replace("-", "_"): str(work / "data/raw" / registry[d].file)
        for d in registry.for_table("lsoa21")
    }
    cfg = yaml.safe_load((work / "config/config.yaml").read_text())
    current, _ = old_vintage_code(work)
    inject(kind, Path(paths[CENSUS]), work)
    with pytest.raises(error, match=message.format(current=current)):
        build.lsoa21_table(registry, paths, cfg)


# --- configuration --------------------------------------------------------------------------------

CONFIG_FAULTS = [
    ("config/config.yaml", ["file10_score_tolerance"], 5, "file10_score_tolerance"),
    ("config/config.yaml", ["services_year"], 2031, "services_year"),
    ("config/costs.yaml", ["costs", "n_draws"], 0, "n_draws"),
    ("config/models.yaml", ["multiverse", "n_shards"], 0, "n_shards"),
]


@pytest.mark.parametrize("file, keys, value, named", CONFIG_FAULTS)
def test_config_value_out_of_range_stops_the_run(work, file, keys, value, named):
    """Config is validated before any job: the run stops naming the key; results untouched."""
    data = yaml.safe_load((work / file).read_text())
    node = data
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    (work / file).write_text(yaml.safe_dump(data, sort_keys=False))
    before = snapshot(work / "results")

    done = snakemake(work, *TARGETS)

    assert done.returncode != 0
    # Each file is validated on its own at start-up (coprod.startup), naming file and key.
    assert re.search(
        rf"ConfigError.*\n?.*{re.escape(file)}: ([a-z_]+\.)?{named}: ", output(done)
    ), output(done)[-2000:]
    assert "rule " not in done.stdout
    assert snapshot(work / "results") == before


def test_landing_page_dataset_is_never_downloaded(tmp_path):
    """From the official source, a registry entry that is a landing page stops with a named
    error instead of fetching an HTML page."""
    landing = next(
        (
            d
            for d in load_registry(ROOT / "config/datasets.yaml").datasets.values()
            if not d.direct_download
        ),
        None,
    )
    if landing is None:
        pytest.skip("every dataset has a direct download")
    with pytest.raises(AcquisitionError, match=rf"{landing.id}: .* is a landing page"):
        acquire_group([landing], tmp_path / "raw", "official", snapshot_dir=tmp_path)
    assert not (tmp_path / "raw" / landing.file).exists()


# --- crash recovery and determinism ---------------------------------------------------------------


@pytest.fixture(scope="module")
def full_base(tmp_path_factory) -> Path:
    """The checkout's state in a copy, brought up to date for the whole pipeline from the
    shipped snapshot (in CI the checkout was just built from scratch by `make run`, the same
    source, so this is a clean run to compare with). A mirror would make it another run."""
    copy = copy_repo(tmp_path_factory.mktemp("full") / "repo", state_from=ROOT)
    # The software record (git commit) is no input of any rule, so results built at an
    # earlier commit keep the old one: record the commit that runs now.
    refresh = ["--forcerun", "report_software"] if "report_software" in rule_names(copy) else []
    done = snakemake(copy, *refresh, extra_env=SNAPSHOT_SOURCE)
    assert done.returncode == 0, done.stderr[-3000:]
    return copy


def same_results(a: Path, b: Path) -> list[str]:
    """Files under results/ that differ between two runs, ignoring only the hidden temporary
    files a write killed half-way may leave (never read: coprod.io writes to .<name>.*.tmp and
    renames). Snapshot copies record no acquisition time, so nothing else may differ."""
    left, right = (
        {
            k: v
            for k, v in snapshot(d / "results").items()
            if not re.fullmatch(r"\..*\.tmp", Path(k).name)
        }
        for d in (a, b)
    )
    return sorted({k for k in left.keys() | right.keys() if left.get(k) != right.get(k)})


@pytest.mark.slow
def test_a_cold_run_killed_mid_multiverse_recovers_and_reproduces_the_results(full_base, tmp_path):
    """A cold run from the shipped snapshot (the README's path, the one `make run` took for
    the checkout), killed with SIGKILL to every process while a multiverse shard is fitting and
    another has finished: after `snakemake --unlock`, the plain command (whose workflow profile
    reruns incomplete jobs) completes, and every result equals the checkout's own clean run
    byte for byte. One cold run tests both crash recovery and determinism; snapshot copies
    record no acquisition time. (A mirror run records `source_used: mirror`, so it is compared
    table by table in tests/workflow/test_snapshot.py instead.)"""
    if "models_shard" not in rule_names(full_base):
        pytest.skip("the workflow has no rule models_shard yet (models stage not wired)")
    clean = copy_repo(tmp_path / "repo")
    shards, logs = clean / "results/models/shards", clean / "logs/models"

    def mid_multiverse() -> bool:
        """A shard has written its table and another has started (its log exists) but not."""
        done = {p.stem.removeprefix("shard_") for p in shards.glob("shard_*.parquet")}
        started = {p.stem.removeprefix("models_shard_") for p in logs.glob("models_shard_*.log")}
        return bool(done) and bool(started - done)

    lines = kill_when(clean, [], mid_multiverse, extra_env=SNAPSHOT_SOURCE)

    assert mid_multiverse(), "the run ended before the multiverse was half done:\n" + "".join(
        lines[-30:]
    )
    # A killed Snakemake cannot remove its lock; the documented recovery unlocks, then reruns.
    assert snakemake(clean, "--unlock").returncode == 0
    done = snakemake(clean, extra_env=SNAPSHOT_SOURCE)
    assert done.returncode == 0, done.stderr[-3000:]
    assert same_results(clean, full_base) == []
    provenance = pd.read_csv(clean / "results/provenance.csv")
    assert provenance["retrieved_at"].isna().all()  # snapshot copies: no time, same bytes


# --- security -------------------------------------------------------------------------------------

PICKLE_MODULES = {"pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}
PY_SOURCES = ["src", "workflow/scripts", "bench"]


def python_files() -> list[Path]:
    return sorted(p for d in PY_SOURCES for p in (ROOT / d).rglob("*.py"))


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def test_registry_downloads_are_https_on_allow_listed_hosts():
    from urllib.parse import urlparse

    registry = load_registry(ROOT / "config/datasets.yaml")
    direct = [d for d in registry.datasets.values() if d.direct_download]
    assert direct
    for ds in direct:
        url = urlparse(ds.url)
        assert url.scheme == "https" and url.hostname in registry.allowed_hosts, ds.id


def unsafe_yaml_calls(source: str) -> list[str]:
    """yaml.load/load_all without a safe Loader, and the always-unsafe loaders."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        if name in ("unsafe_load", "unsafe_load_all", "full_load", "full_load_all"):
            bad.append(name)
        elif (
            name in ("load", "load_all")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "yaml"
        ):
            loader = next(
                (k.value for k in node.keywords if k.arg == "Loader"),
                node.args[1] if len(node.args) > 1 else None,
            )
            if not (
                loader is not None
                and ast.unparse(loader).split(".")[-1] in ("SafeLoader", "CSafeLoader")
            ):
                bad.append(ast.unparse(node))
    return bad


def test_yaml_checker_flags_unsafe_loads():
    assert unsafe_yaml_calls("yaml.load(text)") == ["yaml.load(text)"]
    assert unsafe_yaml_calls("yaml.load(text, Loader=yaml.Loader)")
    assert unsafe_yaml_calls("yaml.unsafe_load(text)")
    assert unsafe_yaml_calls("yaml.safe_load(text); yaml.load(t, Loader=yaml.CSafeLoader)") == []


def test_every_yaml_load_is_safe():
    found = {str(p.relative_to(ROOT)): unsafe_yaml_calls(p.read_text()) for p in python_files()}
    assert {k: v for k, v in found.items() if v} == {}
    for smk in [
        ROOT / "Snakefile",
        ROOT / "workflow/Snakefile",
        *(ROOT / "workflow/rules").glob("*.smk"),
    ]:
        assert not re.search(r"yaml\.(load|unsafe_load|full_load)\(", smk.read_text()), smk


def test_nothing_unpickles():
    """Downloaded data is parsed by readers from CSV/XLSX; no module loads pickles at all."""
    for path in python_files():
        tree = ast.parse(path.read_text())
        assert not imported_modules(tree) & PICKLE_MODULES, path
        source = path.read_text()
        assert "read_pickle" not in source and "allow_pickle=True" not in source, path


def shell_directives(smk: str) -> list[str]:
    """The text of every shell: directive (the line and its more-indented continuation)."""
    lines = smk.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        found = re.match(r"^(\s*)shell:(.*)$", line)
        if not found:
            continue
        indent, body = len(found.group(1)), [found.group(2)]
        for following in lines[i + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        blocks.append("\n".join(body))
    return blocks


def unquoted_shell_paths(smk: str) -> list[str]:
    """Placeholders of input/output/log/params/wildcards in shell: directives without :q."""
    return [
        field
        for block in shell_directives(smk)
        for field in re.findall(
            r"(?<!\{)\{((?:input|output|log|params|wildcards)\b[^{}]*)\}", block
        )
        if not field.endswith(":q")
    ]


def test_shell_checker_flags_unquoted_paths():
    rule = 'rule x:\n    input: "a"\n    shell:\n        "cat {input} > {output:q} 2> {log}"\n'
    assert unquoted_shell_paths(rule) == ["input", "log"]
    assert (
        unquoted_shell_paths(rule.replace("{input}", "{input:q}").replace("{log}", "{log:q}")) == []
    )


def test_no_shell_command_interpolates_an_unquoted_path():
    """Rules use script: or quote every path ({input:q}); scripts never run a shell string."""
    for smk in [ROOT / "workflow/Snakefile", *(ROOT / "workflow/rules").glob("*.smk")]:
        assert unquoted_shell_paths(smk.read_text()) == [], smk
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                assert not any(
                    k.arg == "shell" and ast.unparse(k.value) != "False" for k in node.keywords
                ), f"{path}: {ast.unparse(node)[:80]}"
                assert ast.unparse(node.func) not in ("os.system", "os.popen"), path
