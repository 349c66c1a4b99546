"""Benchmark the pipeline from the shipped snapshot (or the offline mirror), in throw-away copies.

Writes ``results/bench/bench.json`` and ``results/bench/bench.md`` in this checkout and nothing
else there: every run happens in a temporary copy (working tree + this venv), so the
checkout's results are never read or rebuilt. Stages the workflow does not define yet are
skipped with a note. Usage: ``make bench`` or ``.venv/bin/python bench/bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from helpers_pipeline import (  # noqa: E402
    copy_repo,
    environment,
    mirror_dir,
    rule_names,
    snakemake_command,
)

CORES = 2
SCALES = (1, 2, 4)
MC_DRAWS = 200
REPEATS = 3
# The incremental run changes one cost parameter (an assumption, not tied to a COReC row).
COST_CHANGE = ("training_hours_per_staff", "median", 1)
TARGET_RULES = {"all", "default"}


# --- running Snakemake ----------------------------------------------------------------------------


def run_snakemake(copy: Path, *args: str, cores: int = CORES) -> dict:
    """Run Snakemake in ``copy``: wall seconds, peak RSS of the whole process tree (sampled
    every 0.1 s) and of its largest process, and the rules it ran with their job-seconds."""
    log_path = copy / f".bench-{time.monotonic_ns()}.log"
    with log_path.open("w") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*snakemake_command(), "--cores", str(cores), *args],
            cwd=copy,
            env=environment(copy, SOURCE["mirror"]),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        peak_tree = peak_one = 0
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            rss = []
            for p in [root, *root.children(recursive=True)]:
                try:
                    rss.append(p.memory_info().rss)
                except psutil.Error:
                    continue
            peak_tree, peak_one = max(peak_tree, sum(rss)), max([peak_one, *rss])
            time.sleep(0.1)
        seconds = time.perf_counter() - start
    text = log_path.read_text()
    log_path.unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed in {copy}:\n{text[-3000:]}")
    jobs, rule_seconds = parse_jobs(text)
    return {
        "seconds": round(seconds, 2),
        "peak_rss_tree_mb": round(peak_tree / 2**20),
        "peak_rss_process_mb": round(peak_one / 2**20),
        "rules_run": dict(sorted(Counter(jobs.values()).items())),
        "rule_job_seconds": {r: s for r, s in sorted(rule_seconds.items(), key=lambda kv: -kv[1])},
        "nothing_to_do": "Nothing to be done" in text,
    }


def parse_jobs(text: str) -> tuple[dict[str, str], dict[str, int]]:
    """Job id -> rule, and per rule the summed start-to-finish seconds, from Snakemake's log."""
    stamp = rule = None
    started: dict[str, tuple[str, datetime]] = {}
    totals: dict[str, int] = defaultdict(int)
    for line in text.splitlines():
        if m := re.fullmatch(r"\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]", line.strip()):
            stamp = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
        elif m := re.fullmatch(r"(?:local)?rule (\w+):", line.strip()):
            rule = m.group(1)
        elif (m := re.fullmatch(r"jobid: (\d+)", line.strip())) and rule:
            started[m.group(1)] = (rule, stamp)
            rule = None
        elif m := re.search(r"Finished jobid: (\d+) \(Rule: (\w+)\)", line):
            if m.group(1) in started:
                totals[m.group(2)] += int((stamp - started[m.group(1)][1]).total_seconds())
    return {job: r for job, (r, _) in started.items()}, dict(totals)


def stage_rules(copy: Path) -> dict[str, set[str]]:
    """Rules defined in each workflow/rules/<stage>.smk file."""
    return {
        smk.stem: set(re.findall(r"^rule (\w+):", smk.read_text(), re.M))
        for smk in (copy / "workflow/rules").glob("*.smk")
    }


def fresh_copy(tmp: Path, name: str) -> Path:
    return copy_repo(tmp / name)


# --- measurements ---------------------------------------------------------------------------------


def machine() -> dict:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    return {
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "snakemake": subprocess.run(
            [*snakemake_command(), "--version"], capture_output=True, text=True
        ).stdout.strip(),
        "cores_used": CORES,
    }


def cold_full_run(copy: Path) -> dict:
    """Raw mirror to every output of the default target, from an empty copy."""
    return run_snakemake(copy)


def noop_rerun(copy: Path, cold: dict) -> dict:
    run = run_snakemake(copy)
    return {
        "seconds": run["seconds"],
        "fraction_of_cold": round(run["seconds"] / cold["seconds"], 4),
        "nothing_to_do": run["nothing_to_do"],
        "rules_run": run["rules_run"],
    }


def incremental_cost_change(copy: Path, cold: dict) -> dict:
    """Change one cost parameter in config/costs.yaml, rerun, and list the rules that ran."""
    name, field, delta = COST_CHANGE
    path = copy / "config/costs.yaml"
    data = yaml.safe_load(path.read_text())
    data["costs"]["parameters"][name][field] += delta
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    run = run_snakemake(copy)
    stages = stage_rules(copy)
    # the cost rules live in analysis.smk (prefix costs_), the report's in report.smk
    costs_rules = {r for rules in stages.values() for r in rules if r.startswith("costs_")}
    allowed = costs_rules | stages.get("costs", set()) | stages.get("report", set()) | TARGET_RULES
    ran = set(run["rules_run"])
    return {
        "change": f"costs.parameters.{name}.{field} += {delta}",
        "seconds": run["seconds"],
        "fraction_of_cold": round(run["seconds"] / cold["seconds"], 4),
        "rules_run": run["rules_run"],
        "only_cost_and_report_rules": ran <= allowed,
        "other_rules_run": sorted(ran - allowed),
    }


def ingestion(copy: Path) -> dict:
    """acquire + tables from an empty copy (and acquisition alone: extraction or copy plus
    hashing), against the floor of parsing the same raw CSV files with pyarrow.csv, best of
    REPEATS."""
    from pyarrow import csv as pacsv

    acquire = run_snakemake(copy, "acquire_all")
    run = run_snakemake(copy, "tables_all")
    run["seconds"] = round(run["seconds"] + acquire["seconds"], 2)
    files = sorted((copy / "data/raw").rglob("*.csv"))
    floors = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        rows = sum(pacsv.read_csv(f).num_rows for f in files)
        floors.append(time.perf_counter() - start)
    floor = min(floors)
    return {
        "seconds": run["seconds"],
        "acquire_seconds": acquire["seconds"],
        "acquire_jobs": sum(acquire["rules_run"].values()),
        "acquire_ratio_to_floor": round(acquire["seconds"] / floor, 1),
        "rule_job_seconds": {**acquire["rule_job_seconds"], **run["rule_job_seconds"]},
        "raw_files": len(files),
        "raw_mb": round(sum(f.stat().st_size for f in files) / 2**20, 1),
        "raw_rows": rows,
        "pyarrow_floor_seconds": round(floor, 3),
        "ratio_to_floor": round(run["seconds"] / floor, 1),
    }


def multiverse_inputs(copy: Path):
    """The specifications and the frames the shard rule fits them on (see models_shard.py)."""
    from coprod.analysis import deprivation, multiverse

    cfg = yaml.safe_load((copy / "config/models.yaml").read_text())
    specs = multiverse.expand_specs(cfg["multiverse"], cfg["power"], cfg["models"])
    geos = cfg["models"]["geographies"]
    tables = {
        g: deprivation.attach(
            pd.read_parquet(copy / f"results/tables/{g}.parquet"),
            pd.read_parquet(copy / f"results/models/deprivation_{g}.parquet"),
            key=geos[g]["key"],
        )
        for g in geos
    }
    scores = {g: pd.read_parquet(copy / f"results/power/scores_{g}.parquet") for g in geos}
    return specs.loc[specs["valid"]].reset_index(drop=True), tables, scores, cfg["models"]


def multiverse_cores(copy: Path) -> dict:
    """The multiverse stage (shards + gather) rerun through Snakemake at 1 and 2 cores."""
    n_specs = len(multiverse_inputs(copy)[0])
    runs = {
        c: run_snakemake(copy, "--forcerun", "models_shard", "--until", "models_gather", cores=c)
        for c in (1, 2)
    }
    return {
        "specifications": n_specs,
        **{f"seconds_{c}_core": r["seconds"] for c, r in runs.items()},
        **{f"seconds_per_spec_{c}_core": round(r["seconds"] / n_specs, 4) for c, r in runs.items()},
        "speedup_1_to_2": round(runs[1]["seconds"] / runs[2]["seconds"], 2),
        "rules_run": runs[2]["rules_run"],
    }


def multiverse_scaling(copy: Path) -> dict:
    """Fitting the valid specifications repeated 1x, 2x, 4x in one process."""
    from coprod.analysis import multiverse

    specs, tables, scores, models_cfg = multiverse_inputs(copy)
    out = {}
    for k in SCALES:
        batch = pd.concat([specs] * k, ignore_index=True)
        start = time.perf_counter()
        multiverse.fit_specs(batch, tables, scores, models_cfg, ci_level=models_cfg["ci_level"])
        out[f"{k}x"] = {
            "specifications": len(batch),
            "seconds": round(time.perf_counter() - start, 2),
        }
    return with_ratios(out)


def cost_areas(copy: Path):
    """Typed cost settings, the prepared LSOA areas and the point estimate (see costs_model.py)."""
    from coprod.analysis import costs
    from coprod.data.readers.prices import read_gdp_deflator

    cfg = yaml.safe_load((copy / "config/costs.yaml").read_text())["costs"]
    schema = yaml.safe_load((copy / "workflow/schemas/costs.schema.yaml").read_text())
    settings = costs.settings_from_config(cfg, schema)
    raw = copy / "data/raw/prices"
    settings = costs.in_base_prices(
        settings,
        read_gdp_deflator(
            raw / "hmt_gdp_deflator_march2026_fy.csv",
            raw / "GDP_Deflators_Qtrly_National_Accounts_December_2023_update.csv",
        ),
    )
    councils = pd.read_parquet(copy / "results/costs/council_inputs.parquet")
    areas = costs.prepare_areas(
        pd.read_parquet(copy / "results/costs/lsoa_inputs.parquet"), councils
    )
    return (
        settings,
        areas,
        costs.point_estimate(areas, settings),
        costs.fixed_budget(councils, settings.fixed_budget_share_of_spend),
    )


def monte_carlo_seconds(settings, areas, point, budget: float, n_draws: int) -> dict:
    """Best of REPEATS: n_draws Monte Carlo draws of every rule over every LSOA at the fixed
    budget."""
    from coprod.analysis import costs

    draws = costs.draw_factors(settings, n_draws, settings.seed)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        costs.run_chunks(areas, draws, settings, point, np.array([budget]))
        times.append(time.perf_counter() - start)
    return {"areas": len(areas.lsoa), "seconds": round(min(times), 3)}


def monte_carlo(copy: Path) -> dict:
    settings, areas, point, budget = cost_areas(copy)
    scaling = {
        f"{k}x": {
            "draws": k * MC_DRAWS,
            "seconds": monte_carlo_seconds(settings, areas, point, budget, k * MC_DRAWS)["seconds"],
        }
        for k in SCALES
    }
    from coprod.analysis.costs import RULES

    return {
        "draws": MC_DRAWS,
        "rules": list(RULES),
        "lsoa21": monte_carlo_seconds(settings, areas, point, budget, MC_DRAWS),
        "scaling": with_ratios(scaling),
    }


def with_ratios(scaling: dict) -> dict:
    """Add time relative to 1x and that ratio per unit of size (1.0 = linear, <1 better)."""
    base = scaling["1x"]["seconds"]
    for key, row in scaling.items():
        k = int(key.rstrip("x"))
        row["time_ratio"] = round(row["seconds"] / base, 2)
        row["ratio_per_size"] = round(row["seconds"] / base / k, 2)
    return scaling


# --- driver ---------------------------------------------------------------------------------------


def measure(name: str, figures: dict, notes: list[str], func, *args):
    """Run one measurement; a failure or a missing stage becomes a note, not a crash."""
    print(f"[bench] {name} ...", flush=True)
    try:
        figures[name] = func(*args)
    except Exception as exc:  # noqa: BLE001 - the bench reports every failure and goes on
        notes.append(f"{name}: not measured ({type(exc).__name__}: {str(exc).strip()[:500]})")
        print(f"[bench] {name} failed: {exc}", flush=True)
        return None
    return figures[name]


# Where the runs take the raw files: the shipped snapshot (a fresh clone) unless --source mirror.
SOURCE: dict = {"name": "snapshot", "mirror": None}


def run(tmp: Path, quick: bool = False) -> dict:
    if SOURCE["name"] == "mirror":
        if mirror_dir() is None:
            raise SystemExit(
                "bench: no offline mirror (set COPROD_DATA_MIRROR or put ../shared/data/raw)"
            )
        SOURCE["mirror"] = mirror_dir()
    figures: dict = {}
    notes: list[str] = []
    copy = fresh_copy(tmp, "full")
    wired = rule_names(copy)
    missing = [
        s
        for s, rule in (
            ("models", "models_shard"),
            ("costs", "costs_model"),
            ("report", "report_render"),
        )
        if rule not in wired
    ]
    if missing:
        notes.append(f"stages not in the workflow yet: {missing}; the cold run covers the rest")
    cold = measure("cold_full_run", figures, notes, cold_full_run, copy)
    if not cold:
        stages = [
            f"{s}_all" for s in ("acquire", "tables", "models", "costs") if f"{s}_all" in wired
        ]
        measure("cold_stages_run", figures, notes, run_snakemake, copy, *stages)
    else:
        measure("noop_rerun", figures, notes, noop_rerun, copy, cold)
        if "costs" in missing:
            notes.append("incremental_cost_change: skipped (no costs stage)")
        else:
            measure("incremental_cost_change", figures, notes, incremental_cost_change, copy, cold)
    measure("ingestion", figures, notes, ingestion, fresh_copy(tmp, "ingestion"))
    if quick:
        notes.append("--quick: multiverse and Monte Carlo scaling not measured")
        missing = [*missing, "models", "costs"]
    if "models" in missing or not (copy / "results/power").is_dir():
        notes.append("multiverse: skipped (no models stage, or its inputs were not built)")
    else:
        measure("multiverse_cores", figures, notes, multiverse_cores, copy)
        measure("multiverse_scaling", figures, notes, multiverse_scaling, copy)
    if "costs" in missing or not (copy / "results/models").is_dir():
        notes.append("monte_carlo: skipped (no costs stage, or its inputs were not built)")
    else:
        measure("monte_carlo", figures, notes, monte_carlo, copy)
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": SOURCE["name"],
        "machine": machine(),
        "figures": figures,
        "notes": notes,
    }


def markdown(result: dict) -> str:
    """A short human summary of bench.json."""
    m, f = result["machine"], result["figures"]
    lines = [
        f"# Pipeline benchmark ({result['generated_at']})",
        "",
        f"Machine: {m['logical_cores']} logical cores ({m['cpu']}), {m['memory_gb']} GB RAM, "
        f"{m['platform']}, Python {m['python']}, Snakemake {m['snakemake']}; runs use "
        f"{m['cores_used']} cores.",
        "",
        "| measure | value |",
        "|---|---|",
    ]

    def row(label, value):
        lines.append(f"| {label} | {value} |")

    if c := f.get("cold_full_run") or f.get("cold_stages_run"):
        label = "cold full run" if "cold_full_run" in f else "cold run of the stage targets only"
        row(
            label,
            f"{c['seconds']} s, peak RSS {c['peak_rss_tree_mb']} MB (process tree), "
            f"{c['peak_rss_process_mb']} MB (largest process)",
        )
        slowest = ", ".join(f"{r} {s} s" for r, s in list(c["rule_job_seconds"].items())[:5])
        row("slowest rules (job-seconds)", slowest)
    if n := f.get("noop_rerun"):
        row("no-op rerun", f"{n['seconds']} s = {n['fraction_of_cold']:.1%} of cold")
    if i := f.get("incremental_cost_change"):
        row(
            f"incremental ({i['change']})",
            f"{i['seconds']} s = {i['fraction_of_cold']:.1%} of cold; reran "
            f"{', '.join(i['rules_run'])}; "
            f"only cost/report rules: {i['only_cost_and_report_rules']}",
        )
    if g := f.get("ingestion"):
        row(
            "ingestion (acquire + tables)",
            f"{g['seconds']} s vs pyarrow floor {g['pyarrow_floor_seconds']} s for "
            f"{g['raw_files']} files ({g['raw_mb']} MB): {g['ratio_to_floor']}x",
        )
        row(
            "acquisition alone",
            f"{g['acquire_seconds']} s in {g['acquire_jobs']} jobs: "
            f"{g['acquire_ratio_to_floor']}x the pyarrow floor",
        )
    if mc := f.get("multiverse_cores"):
        row(
            "multiverse (Snakemake, shards + gather)",
            f"{mc['specifications']} specs: {mc['seconds_per_spec_1_core']} s/spec at 1 core, "
            f"{mc['seconds_per_spec_2_core']} s/spec at 2 cores, speed-up {mc['speedup_1_to_2']}x",
        )
    if ms := f.get("multiverse_scaling"):
        row(
            "multiverse scaling (one process)",
            "; ".join(
                f"{k}: {v['specifications']} specs {v['seconds']} s "
                f"({v['ratio_per_size']} per size)"
                for k, v in ms.items()
            ),
        )
    if mo := f.get("monte_carlo"):
        per = mo["lsoa21"]
        row(
            f"Monte Carlo {mo['draws']:,} draws, {len(mo['rules'])} rules",
            f"{per['areas']:,} LSOAs {per['seconds']} s",
        )
        row(
            "Monte Carlo scaling",
            "; ".join(
                f"{k}: {v['draws']:,} draws {v['seconds']} s ({v['ratio_per_size']} per size)"
                for k, v in mo["scaling"].items()
            ),
        )
    if result["notes"]:
        lines += ["", "Notes:", *(f"- {note}" for note in result["notes"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "results/bench",
        help="directory for bench.json and bench.md (default results/bench)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    parser.add_argument(
        "--source",
        choices=["snapshot", "mirror"],
        default="snapshot",
        help="raw files from the shipped snapshot (default) or the offline mirror",
    )
    parser.add_argument(
        "--quick", action="store_true", help="cold, no-op, one-parameter change and ingestion only"
    )
    args = parser.parse_args(argv)
    SOURCE["name"] = args.source
    tmp = Path(tempfile.mkdtemp(prefix="coprod-bench-"))
    try:
        result = run(tmp, quick=args.quick)
    finally:
        if args.keep:
            print(f"[bench] copies kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "bench.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
