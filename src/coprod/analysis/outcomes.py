"""What each outcome measures and which way is better: defined once (config/models.yaml
``models.outcomes``), read here, written to ``results/models/outcomes.parquet`` for the
report and used by every rule that counts directions.

``kind``: ``service_use`` (use of, or need for, a service), ``service_quality`` (how well a
service works for the people using it) or ``deprivation_defined`` (the measure is itself an
input of the Indices of Deprivation built from benefit receipt, so its association with power
is partly deprivation measured twice). ``desirable``: whether a ``lower`` or ``higher`` value
is better for residents. The *expected sign* of the association with power under the
source's claim (disadvantage concentrated where power is low) follows: -1 where lower is
better (more use or need where power is lower), +1 where higher is better.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from coprod.errors import ConfigError

KINDS = ("service_use", "service_quality", "deprivation_defined")
DESIRABLE = ("lower", "higher")


@dataclass(frozen=True)
class OutcomeClass:
    name: str
    column: str
    kind: str
    desirable: str
    outcome_family: str
    bounds: tuple[float, float] | None
    home_geography: str

    @property
    def expected_sign(self) -> int:
        return -1 if self.desirable == "lower" else 1


def outcome_classes(outcomes_cfg: Mapping[str, Mapping]) -> dict[str, OutcomeClass]:
    """Typed classification of every configured outcome; a missing or unknown class is an error."""
    out = {}
    for name in sorted(outcomes_cfg):
        spec = outcomes_cfg[name]
        for key, allowed in (("kind", KINDS), ("desirable", DESIRABLE)):
            if spec.get(key) not in allowed:
                raise ConfigError(
                    f"models.outcomes.{name}.{key} is {spec.get(key)!r}, not one of {allowed}"
                )
        if not spec.get("outcome_family"):
            raise ConfigError(f"models.outcomes.{name}.outcome_family is missing")
        bounds = spec.get("bounds")
        if bounds is not None and not (len(bounds) == 2 and bounds[0] < bounds[1]):
            raise ConfigError(
                f"models.outcomes.{name}.bounds {bounds!r} must be [low, high] with low < high"
            )
        out[name] = OutcomeClass(
            name=name,
            column=spec["column"],
            kind=spec["kind"],
            desirable=spec["desirable"],
            outcome_family=spec["outcome_family"],
            bounds=tuple(bounds) if bounds is not None else None,
            home_geography=spec["geographies"][0],
        )
    return out


def classification_table(outcomes_cfg: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per outcome: column, kind, desirable, expected_sign, outcome_family, bounds."""
    rows = [
        {
            "outcome": c.name,
            "column": c.column,
            "kind": c.kind,
            "desirable": c.desirable,
            "expected_sign": c.expected_sign,
            "outcome_family": c.outcome_family,
            "bound_low": c.bounds[0] if c.bounds else None,
            "bound_high": c.bounds[1] if c.bounds else None,
            "home_geography": c.home_geography,
        }
        for c in outcome_classes(outcomes_cfg).values()
    ]
    return pd.DataFrame(rows).astype({"bound_low": float, "bound_high": float})
