"""One source of truth for dependencies: environment.yml is generated from pyproject.toml, the
ranges stay within one major version, and the pip lock pins every declared package."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("environment", ROOT / "tools" / "environment.py")
environment = importlib.util.module_from_spec(spec)
spec.loader.exec_module(environment)


def _conda_packages() -> dict[str, str]:
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    out = {}
    for dep in deps:
        if isinstance(dep, str):
            name, rng = re.fullmatch(r"([A-Za-z0-9_.-]+)(.*)", dep).groups()
            out[name.lower()] = rng
    return out


def test_environment_yml_is_generated_from_pyproject():
    assert (ROOT / "environment.yml").read_text() == environment.render(), (
        "environment.yml is out of date: run `make environment`"
    )


def test_environment_and_pyproject_name_the_same_packages_with_the_same_ranges():
    conda = _conda_packages()
    pip = {environment.CONDA_NAMES.get(n, n): r for n, r in environment.requirements()}
    extra = set(conda) - set(pip)
    assert extra == {"python", "pip", *environment.CONDA_ONLY}
    assert {n: conda[n] for n in pip} == pip


def test_every_range_stays_within_one_major_version():
    wide = []
    for name, rng in environment.requirements():
        if re.fullmatch(r"==[\d.]+", rng):
            continue  # an exact pin (the style tools) is within one major version
        low = re.search(r">=(\d+)(?:\.(\d+))?", rng)
        high = re.search(r"<(\d+)(?:\.(\d+))?", rng)
        assert low and high, f"{name}{rng}: needs a lower and an upper bound"
        lo_major, hi_major = int(low[1]), int(high[1])
        # 0.x: the minor is the major; otherwise the upper bound is the next major
        if lo_major == 0:
            ok = hi_major == 0 or (hi_major == 1 and not high[2])
        else:
            ok = hi_major == lo_major + 1 and not high[2] or hi_major == lo_major
        if not ok:
            wide.append(f"{name}{rng}")
    assert wide == []


def test_the_pip_lock_pins_every_declared_package_within_its_range():
    locked = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            locked[re.sub(r"[-_.]+", "-", name.lower())] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "coprod" not in locked
    for name, rng in environment.requirements():
        key = re.sub(r"[-_.]+", "-", name)
        assert key in locked, f"{name} is not in requirements.lock: run `make lock`"
        version = tuple(int(p) for p in re.findall(r"\d+", locked[key])[:2])
        low = tuple(int(p) for p in re.findall(r"\d+", rng.split(",")[0])[:2])
        if rng.startswith("=="):
            assert rng == f"=={locked[key]}", (name, locked[key], rng)
        assert version >= low[: len(version)], (name, locked[key], rng)
    assert project["requires-python"]
