"""Run the pipeline from the official downloads in a copy of this checkout and compare every
headline figure (results/report/values.json) with this checkout's run from the snapshot.

    make compare-official        # needs internet; writes results/official_comparison.csv
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from coprod.io import write_csv  # noqa: E402
from coprod.report.sources import compare_values  # noqa: E402

VALUES = "results/report/values.json"


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k != "COPROD_DATA_MIRROR"}
    snakemake = [sys.executable, "-m", "snakemake", "--cores", os.environ.get("CORES", "2")]
    subprocess.run([*snakemake, VALUES], cwd=ROOT, env=env, check=True)  # the snapshot run
    with tempfile.TemporaryDirectory(prefix="coprod-official-") as tmp:
        copy = Path(tmp) / "repo"
        files = (
            subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            .stdout.decode()
            .split("\0")
        )
        for rel in filter(None, files):
            if (ROOT / rel).is_file():
                (copy / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / rel, copy / rel)
        done = subprocess.run(
            [*snakemake, VALUES, "--config", "data_source=official"],
            cwd=copy,
            env={**env, "PYTHONPATH": str(copy / "src")},
        )
        if (copy / "config/official.lock.yaml").is_file():  # first downloads: keep their hashes
            shutil.copy2(copy / "config/official.lock.yaml", ROOT / "config/official.lock.yaml")
        if done.returncode != 0:
            print("the official run failed (see its messages above): nothing compared")
            return done.returncode
        official = json.loads((copy / VALUES).read_text())
    table = compare_values(json.loads((ROOT / VALUES).read_text()), official)
    write_csv(table, ROOT / "results/official_comparison.csv")
    print(
        f"{int(table['changed'].sum())} of {len(table)} headline figures differ: "
        "results/official_comparison.csv"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
