"""Multiverse of model specifications: enumeration, sharding, fitting, gathering, summaries.

A specification is one combination of geography x index set x index variant x outcome x
model family x covariate set. Only combinations that exist are enumerated: an outcome at a
geography where it is measured, an index set defined (or aggregated) there, a family used
there, a count family only for an outcome with a count, a log link only for an outcome
marked skewed. Of those, a combination that would regress an outcome on itself (the outcome,
or a column holding the same quantity or built from it, as a covariate or an index input) is
a substantive exclusion, kept with its reason. There is no target count: the multiverse is
as large as the defensible choices make it (Simonsohn, Simmons & Nelson 2020; Steegen et al.
2016). Every enumerated combination gets exactly one row in the gathered table: fitted
("ok"), fitted but not converged, failed (with the error), or excluded (with the reason).

Summaries weight outcome families equally (and outcomes equally within a family), so that a
family with many outcomes or many applicable models does not dominate, and count estimates in
the expected direction (see coprod.analysis.outcomes) with Benjamini-Hochberg FDR control.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa
from statsmodels.stats.multitest import multipletests

from coprod.analysis.models import (
    COUNT_FAMILIES,
    LOG_FAMILIES,
    RECORD_FIELDS,
    analysis_frame,
    fit_model,
)
from coprod.analysis.outcomes import outcome_classes
from coprod.analysis.power import wide_variant
from coprod.errors import ConfigError, CoprodError

AXES = ("geography", "index_set", "variant", "outcome", "family", "covariate_set")
STATUSES = ("ok", "not_converged", "failed", "excluded")
RESULT_COLUMNS = ["spec_id", *AXES, *(f for f in RECORD_FIELDS if f != "family"), "status"]

MULTIVERSE_SCHEMA = pa.DataFrameSchema(
    {
        "spec_id": pa.Column(str, unique=True),
        **{axis: pa.Column(str) for axis in AXES},
        "status": pa.Column(str, pa.Check.isin(STATUSES)),
        "exclusion_reason": pa.Column(str),
        "n": pa.Column(float, pa.Check.ge(0), nullable=True),
        "estimate": pa.Column(float, nullable=True),
        "se": pa.Column(float, pa.Check.ge(0), nullable=True),
        "converged": pa.Column(bool),
    },
    strict=False,
)


def spec_id(spec: Mapping) -> str:
    """Stable readable id: the axis values joined by dots (names in config are identifiers)."""
    return ".".join(str(spec[a]) for a in AXES)


def _outcome_columns(outcome: Mapping) -> set[str]:
    """The outcome's own columns and every column holding it or built from it."""
    return {
        outcome["column"],
        outcome.get("count"),
        *outcome.get("same_as", []),
        *outcome.get("part_of", []),
    } - {None}


def exists(
    geography: str,
    index_set: str,
    outcome: str,
    family: str,
    power_cfg: Mapping,
    models_cfg: Mapping,
) -> bool:
    """Whether the combination is defined at all (no reason to record when it is not)."""
    spec = models_cfg["outcomes"][outcome]
    index = power_cfg["index_sets"][index_set]
    return (
        geography in spec["geographies"]
        and geography in [index["geography"], *index.get("aggregate_to", [])]
        and geography in models_cfg["families"][family]["geographies"]
        and (family not in COUNT_FAMILIES or bool(spec.get("count")))
        and (family not in LOG_FAMILIES or bool(spec.get("skewed", False)))
    )


def exclusion_reason(spec: Mapping, power_cfg: Mapping, models_cfg: Mapping) -> str:
    """Why an existing combination is not fitted ('' if it is): the outcome on itself."""
    outcome = models_cfg["outcomes"][spec["outcome"]]
    cols = _outcome_columns(outcome)
    covariates = set(models_cfg["covariate_sets"][spec["covariate_set"]])
    if cols & covariates:
        return (
            f"covariate set {spec['covariate_set']} holds {sorted(cols & covariates)}, "
            f"the outcome {spec['outcome']} or a measure built from it"
        )
    inputs = set(power_cfg["index_sets"][spec["index_set"]]["indicators"])
    if cols & inputs:
        return (
            f"index set {spec['index_set']} has {sorted(cols & inputs)} (the outcome) as an input"
        )
    return ""


def expand_specs(multiverse_cfg: Mapping, power_cfg: Mapping, models_cfg: Mapping) -> pd.DataFrame:
    """Every combination of the multiverse lists that exists, sorted by spec id, with
    ``exclusion_reason`` and ``valid``; names not defined elsewhere in the config are a
    ConfigError."""
    lists = {
        "geography": "geographies",
        "index_set": "index_sets",
        "variant": "variants",
        "outcome": "outcomes",
        "family": "families",
        "covariate_set": "covariate_sets",
    }
    defined = {
        "geography": models_cfg["geographies"],
        "index_set": power_cfg["index_sets"],
        "variant": power_cfg["variants"],
        "outcome": models_cfg["outcomes"],
        "family": models_cfg["families"],
        "covariate_set": models_cfg["covariate_sets"],
    }
    for axis, key in lists.items():
        unknown = [v for v in multiverse_cfg[key] if v not in defined[axis]]
        if unknown:
            raise ConfigError(f"multiverse.{key}: {unknown} not defined in the config")
    rows = [
        dict(zip(AXES, combo, strict=True))
        for combo in itertools.product(*(sorted(set(multiverse_cfg[lists[a]])) for a in AXES))
        if exists(combo[0], combo[1], combo[3], combo[4], power_cfg, models_cfg)
    ]
    specs = pd.DataFrame(rows, columns=list(AXES))
    specs.insert(0, "spec_id", [spec_id(r) for r in rows])
    specs["exclusion_reason"] = [exclusion_reason(r, power_cfg, models_cfg) for r in rows]
    specs["valid"] = specs["exclusion_reason"] == ""
    return specs.sort_values("spec_id", ignore_index=True)


def shard(specs: pd.DataFrame, k: int, n_shards: int) -> pd.DataFrame:
    """Shard k of n: every n-th valid specification, starting at the k-th, in the order of
    (family, covariate set, spec id). The shards partition the valid specifications, and each
    gets its share of every family and covariate set, the two choices that set a fit's cost
    (random-slope mixed models with region dummies are the slowest)."""
    if not 0 <= k < n_shards:
        raise ConfigError(f"shard {k} is outside 0..{n_shards - 1}")
    valid = specs.loc[specs["valid"]].sort_values(
        ["family", "covariate_set", "spec_id"], ignore_index=True
    )
    return valid.iloc[k::n_shards].reset_index(drop=True)


def fit_specs(
    specs: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    scores: Mapping[str, pd.DataFrame],
    models_cfg: Mapping,
    *,
    ci_level: float,
) -> pd.DataFrame:
    """Fit specifications in one process; one record per spec, whatever happens to the fit."""
    frames: dict[tuple, pd.DataFrame] = {}
    rows = []
    for spec in specs.to_dict("records"):
        geo = models_cfg["geographies"][spec["geography"]]
        cache_key = (spec["geography"], spec["index_set"], spec["variant"])
        if cache_key not in frames:
            frames[cache_key] = analysis_frame(
                tables[spec["geography"]],
                scores[spec["geography"]],
                key=geo["key"],
                index_set=spec["index_set"],
                variant=spec["variant"],
            )
        outcome = models_cfg["outcomes"][spec["outcome"]]
        record = fit_model(
            frames[cache_key],
            family=spec["family"],
            outcome=outcome["column"],
            covariates=models_cfg["covariate_sets"][spec["covariate_set"]],
            count=outcome.get("count"),
            exposure=outcome.get("exposure"),
            weight=outcome.get("weight", geo["weight"]),
            cluster=geo.get("cluster"),
            spline_df=models_cfg["spline_df"],
            reml=models_cfg["reml"],
            ci_level=ci_level,
            maxiter=models_cfg["maxiter"],
        )
        record["status"] = (
            "failed" if record["error"] else "ok" if record["converged"] else "not_converged"
        )
        rows.append({"spec_id": spec["spec_id"], **{a: spec[a] for a in AXES}, **record})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def gather(specs: pd.DataFrame, results: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One row per enumerated specification: fitted records for valid specs, 'excluded' rows
    for the rest. A valid spec without exactly one fitted record is an error (a lost or
    duplicated shard)."""
    frames = [r for r in results if not r.empty]
    fitted = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RESULT_COLUMNS)
    )
    counts = fitted["spec_id"].value_counts()
    valid_ids = set(specs.loc[specs["valid"], "spec_id"])
    duplicated = sorted(counts.index[counts > 1])
    lost = sorted(valid_ids - set(counts.index))
    extra = sorted(set(counts.index) - valid_ids)
    if duplicated or lost or extra:
        raise CoprodError(
            f"multiverse gather: duplicated {duplicated[:5]}, missing {lost[:5]}, "
            f"unexpected {extra[:5]} specification results"
        )
    table = specs[["spec_id", *AXES, "exclusion_reason"]].merge(
        fitted.drop(columns=list(AXES), errors="ignore"),
        on="spec_id",
        how="left",
        validate="one_to_one",
    )
    table["status"] = table["status"].fillna("excluded")
    table["converged"] = table["converged"].fillna(False).astype(bool)
    for col in (
        "n",
        "n_dropped",
        "n_clusters",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "estimate_std",
        "ci_low_std",
        "ci_high_std",
        "llf",
        "aic",
        "bic",
        "vif_power",
        "vif_max",
        "re_intercept_sd",
        "re_slope_sd",
    ):
        table[col] = pd.to_numeric(table[col]).astype(float)
    for col in ("formula", "dropped_reason", "effect_scale", "warnings", "error"):
        table[col] = table[col].fillna("").astype(str)
    return MULTIVERSE_SCHEMA.validate(table.sort_values("spec_id", ignore_index=True))


def with_directions(
    table: pd.DataFrame, outcomes_cfg: Mapping, *, fdr_alpha: float
) -> pd.DataFrame:
    """Converged specifications with each outcome's class and expected sign, whether the
    estimate is in the expected direction, and Benjamini-Hochberg q-values over all of them."""
    classes = outcome_classes(outcomes_cfg)
    ok = table.loc[(table["status"] == "ok") & table["estimate_std"].notna()].copy()
    ok["kind"] = ok["outcome"].map(lambda o: classes[o].kind)
    ok["desirable"] = ok["outcome"].map(lambda o: classes[o].desirable)
    ok["outcome_family"] = ok["outcome"].map(lambda o: classes[o].outcome_family)
    ok["expected_sign"] = ok["outcome"].map(lambda o: classes[o].expected_sign).astype(int)
    ok["expected_direction"] = np.sign(ok["estimate_std"]) == ok["expected_sign"]
    p = ok["p_value"].fillna(1.0).clip(0, 1).to_numpy()
    ok["q_value"] = multipletests(p, alpha=fdr_alpha, method="fdr_bh")[1] if len(ok) else []
    ok["fdr_alpha"] = fdr_alpha
    ok["expected_fdr"] = ok["expected_direction"] & (ok["q_value"] < fdr_alpha)
    ok["opposite_fdr"] = ~ok["expected_direction"] & (ok["q_value"] < fdr_alpha)
    return ok


def direction_summary(directed: pd.DataFrame) -> pd.DataFrame:
    """Per outcome family: outcomes, converged specifications, and the shares in the expected
    direction (all, and FDR-significant) and FDR-significant against it, outcomes weighted
    equally within the family; then the families weighted equally (``outcome_family`` 'all'
    and, for the C2 headline, 'all_service' without the deprivation-defined family)."""
    shares = ["share_expected", "share_expected_fdr", "share_opposite_fdr"]
    per_outcome = directed.groupby(["outcome_family", "kind", "outcome"], as_index=False).agg(
        n_specs=("spec_id", "size"),
        share_expected=("expected_direction", "mean"),
        share_expected_fdr=("expected_fdr", "mean"),
        share_opposite_fdr=("opposite_fdr", "mean"),
    )
    families = per_outcome.groupby("outcome_family", as_index=False).agg(
        kind=("kind", lambda k: "+".join(sorted(set(k)))),
        n_outcomes=("outcome", "size"),
        n_specs=("n_specs", "sum"),
        **{s: (s, "mean") for s in shares},
    )
    service = families.loc[~families["kind"].str.contains("deprivation_defined")]
    pooled = [
        pd.DataFrame(
            [
                {
                    "outcome_family": name,
                    "kind": "families weighted equally",
                    "n_outcomes": int(part["n_outcomes"].sum()),
                    "n_specs": int(part["n_specs"].sum()),
                    **{s: float(part[s].mean()) for s in shares},
                }
            ]
        )
        for name, part in (("all", families), ("all_service", service))
        if len(part)
    ]
    alpha = float(directed["fdr_alpha"].iloc[0]) if len(directed) else np.nan
    return pd.concat([families, *pooled], ignore_index=True).assign(fdr_alpha=alpha)


def spec_curve(directed: pd.DataFrame) -> pd.DataFrame:
    """Specification-curve data: every converged spec on a common scale (``estimate``,
    ``ci_low``, ``ci_high`` = outcome SDs per SD of power, or a log ratio per SD for count and
    log-link families), ranked within its outcome direction group (lower or higher is better),
    with the axis values for the choice panels."""
    fitted = directed.sort_values(["desirable", "estimate_std", "spec_id"], ignore_index=True)
    log_scale = fitted["family"].isin([*COUNT_FAMILIES, *LOG_FAMILIES])
    scale = np.where(log_scale, "log ratio per SD of power", "outcome SDs per SD of power")
    return fitted[
        [
            "spec_id",
            *AXES,
            "status",
            "converged",
            "kind",
            "desirable",
            "outcome_family",
            "expected_sign",
            "expected_direction",
            "q_value",
            "expected_fdr",
        ]
    ].assign(
        estimate=fitted["estimate_std"],
        ci_low=fitted["ci_low_std"],
        ci_high=fitted["ci_high_std"],
        scale=scale,
        rank=fitted.groupby("desirable").cumcount() + 1,
        n_specs=fitted.groupby("desirable")["spec_id"].transform("size"),
        excludes_zero=(fitted["ci_low_std"] > 0) | (fitted["ci_high_std"] < 0),
    )


def nested_shares(
    table: pd.DataFrame, *, base: str, adjusted: Iterable[str], max_vif: float
) -> pd.DataFrame:
    """The power coefficient conditional on each ``adjusted`` covariate set beside the
    ``base`` (unconditional) one, for each other axis combination. Their ratio is given only
    where both fits converged, no regressor's VIF exceeds ``max_vif`` and the unconditional
    interval excludes zero; ``ratio_note`` says why not otherwise. The ratio compares two
    conditional associations: it is not a share mediated."""
    keys = [a for a in AXES if a != "covariate_set"]
    cols = [*keys, "spec_id", "estimate", "ci_low", "ci_high", "status", "vif_power", "vif_max"]
    b = table.loc[table["covariate_set"] == base, cols]
    parts = []
    for name in adjusted:
        a = table.loc[table["covariate_set"] == name, cols]
        out = b.merge(a, on=keys, suffixes=("_base", "_adjusted"), validate="one_to_one")
        out = out.loc[(out["status_base"] != "excluded") & (out["status_adjusted"] != "excluded")]
        both_ok = (out["status_base"] == "ok") & (out["status_adjusted"] == "ok")
        collinear = out["vif_max_adjusted"] > max_vif
        null_base = (out["ci_low_base"] <= 0) & (out["ci_high_base"] >= 0)
        note = np.select(
            [~both_ok, collinear, null_base],
            [
                "a fit did not converge",
                f"VIF above {max_vif:g}",
                "unconditional interval includes zero",
            ],
            "",
        )
        parts.append(
            out.assign(
                adjusted_set=name,
                ratio_note=note,
                ratio_conditional=(out["estimate_adjusted"] / out["estimate_base"]).where(
                    note == ""
                ),
            )
        )
    return (
        pd.concat(parts, ignore_index=True)
        .drop(columns=["vif_power_base", "vif_max_base"])
        .sort_values([*keys, "adjusted_set"], ignore_index=True)
    )


def replication(
    lsoa21: pd.DataFrame,
    lsoa11: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    models_cfg: Mapping,
    replication_cfg: Mapping,
    ci_level: float,
) -> pd.DataFrame:
    """The main LSOA model on IoD2025 (LSOA 2021) and on IoD2019 (LSOA 2011, each 2011 area
    given the power of the 2021 area holding most of it), one record per outcome and vintage.
    Where the 2011 table lacks an outcome column, a ``same_as`` column holding it is used.
    The indicators' scales differ between vintages, so ``estimate``/``ci_low``/``ci_high`` are
    standardised (outcome SDs per SD of power); ``*_units`` keep the outcome's own units."""
    main = models_cfg["main"]["lsoa21"]
    geo = models_cfg["geographies"]["lsoa21"]
    wide = wide_variant(
        scores, key=geo["key"], index_set=main["index_set"], variant=main["variant"]
    )
    link = replication_cfg["link"]
    frames = {
        "iod2025": (
            analysis_frame(
                lsoa21, scores, key=geo["key"], index_set=main["index_set"], variant=main["variant"]
            ),
            geo["cluster"],
        ),
        "iod2019": (
            lsoa11.merge(
                wide.rename(columns={geo["key"]: link}), on=link, how="left", validate="many_to_one"
            ),
            replication_cfg["cluster"],
        ),
    }
    rows = []
    for name in replication_cfg["outcomes"]:
        outcome = models_cfg["outcomes"][name]
        for vintage, (frame, cluster) in frames.items():
            column = next(
                (c for c in (outcome["column"], *outcome.get("same_as", [])) if c in frame.columns),
                outcome["column"],
            )
            record = fit_model(
                frame,
                family=main["family"],
                outcome=column,
                cluster=cluster,
                spline_df=models_cfg["spline_df"],
                reml=models_cfg["reml"],
                ci_level=ci_level,
                maxiter=models_cfg["maxiter"],
            )
            rows.append(
                {
                    "outcome": name,
                    "column": column,
                    "vintage": vintage,
                    "cluster": cluster,
                    **record,
                }
            )
    units = {c: f"{c}_units" for c in ("estimate", "se", "ci_low", "ci_high")}
    std = {f"{c}_std": c for c in ("estimate", "ci_low", "ci_high")}
    return pd.DataFrame(rows).rename(columns={**units, **std}).assign(term=lambda d: d["outcome"])


def _main_spec_id(
    models_cfg: Mapping, outcome: str, covariate_set: str, family: str | None = None
) -> str:
    geography = models_cfg["outcomes"][outcome]["geographies"][0]
    main = models_cfg["main"][geography]
    return spec_id(
        {
            "geography": geography,
            "index_set": main["index_set"],
            "variant": main["variant"],
            "family": family or main["family"],
            "outcome": outcome,
            "covariate_set": covariate_set,
        }
    )


HEADLINE_FIELDS = [
    "family",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "estimate_std",
    "n",
    "n_dropped",
    "n_clusters",
    "status",
    "effect_scale",
    "formula",
    "vif_power",
    "vif_max",
    "re_intercept_sd",
    "re_slope_sd",
]


def _record(by_id: pd.DataFrame, sid: str) -> dict | None:
    if sid not in by_id.index or by_id.loc[sid, "status"] == "excluded":
        return None
    row = {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v)
        for k, v in by_id.loc[sid, HEADLINE_FIELDS].to_dict().items()
    }
    return {
        "spec_id": sid,
        **row,
        **{
            k: int(row[k]) if row[k] is not None else None for k in ("n", "n_dropped", "n_clusters")
        },
    }


def headline(table: pd.DataFrame, nested: pd.DataFrame, models_cfg: Mapping) -> dict:
    """Main-model power coefficient per outcome (at the outcome's home geography): the
    unconditional fit, the fit conditional on each nested covariate set (with VIFs and, where
    meaningful, the ratio of the two), and the comparison family's fit (random intercepts only
    beside random slopes); and the multiverse's status counts."""
    cfg = models_cfg["nested"]
    classes = outcome_classes(models_cfg["outcomes"])
    by_id = table.set_index("spec_id")
    out = {
        "main_models": {},
        "n_specs": len(table),
        "status_counts": {s: int((table["status"] == s).sum()) for s in STATUSES},
    }
    for outcome in sorted(models_cfg["outcomes"]):
        c = classes[outcome]
        base_id = _main_spec_id(models_cfg, outcome, cfg["base"])
        entry = {
            "kind": c.kind,
            "desirable": c.desirable,
            "expected_sign": c.expected_sign,
            "outcome_family": c.outcome_family,
            "unconditional": _record(by_id, base_id),
            "conditional": {},
        }
        for name in cfg["adjusted"]:
            rec = _record(by_id, _main_spec_id(models_cfg, outcome, name))
            row = nested.loc[(nested["spec_id_base"] == base_id) & (nested["adjusted_set"] == name)]
            if rec is not None and len(row):
                ratio = row["ratio_conditional"].iloc[0]
                rec |= {
                    "ratio_conditional": float(ratio) if pd.notna(ratio) else None,
                    "ratio_note": str(row["ratio_note"].iloc[0]),
                }
            entry["conditional"][name] = rec
        comparison = models_cfg["main"][c.home_geography].get("comparison_family")
        entry["comparison"] = (
            _record(by_id, _main_spec_id(models_cfg, outcome, cfg["base"], comparison))
            if comparison
            else None
        )
        out["main_models"][outcome] = entry
    return out


def multiverse_counts(table: pd.DataFrame) -> dict:
    """Defined (enumerated, existing) combinations, substantive exclusions, fitted, converged."""
    status = table["status"]
    return {
        "n_defined": int(len(table)),
        "n_excluded": int((status == "excluded").sum()),
        "n_fitted": int((status != "excluded").sum()),
        "n_converged": int((status == "ok").sum()),
        "n_not_converged": int((status == "not_converged").sum()),
        "n_failed": int((status == "failed").sum()),
        "excluded_by_reason": {
            k: int(v)
            for k, v in table.loc[status == "excluded", "exclusion_reason"]
            .str.replace(r" holds \[.*\],.*| has \[.*\].*", "", regex=True)
            .value_counts()
            .items()
        },
    }


def _finite_or_none(value):
    return float(value) if value is not None and pd.notna(value) and np.isfinite(value) else None


def summary(
    *,
    c1: Mapping,
    circularity: Mapping,
    table: pd.DataFrame,
    nested: pd.DataFrame,
    directions: pd.DataFrame,
    concentration: pd.DataFrame,
    ratios: pd.DataFrame,
    gap: Mapping,
    replication: pd.DataFrame,
    models_cfg: Mapping,
) -> dict:
    """The scalar results the report quotes: C1 tests and the circularity of power with
    deprivation, C2 headline models, concentration indices (cluster bootstrap, bounded
    corrections, common-scale ratios) and extreme-quintile ratios, C3 gap shares, multiverse
    counts and directions by outcome family, IoD2019 replication."""
    quint = ratios.loc[ratios["by"] == "power_quintile"]
    head = headline(table, nested, models_cfg)
    conc = {
        r["outcome"]: {k: (_finite_or_none(v) if isinstance(v, float) else v) for k, v in r.items()}
        for r in concentration.to_dict("records")
    }
    return {
        "c1": {
            "headline_variant": c1["headline_variant"],
            "geography": c1["geography"],
            "r2_demos_on_education_occupation": c1["r2"],
            "r2_rest_of_demos_on_education_occupation": c1["r2_rest"],
            "core_turnout_correlation": c1["turnout_r"],
            "by_variant": {
                k: c1[k]
                for k in (
                    "r2_demos_on_education_occupation",
                    "r2_rest_of_demos_on_education_occupation",
                    "core_turnout_correlation",
                )
            },
        },
        "circularity": dict(circularity),
        "c2": {
            "main_models": head["main_models"],
            "concentration": conc,
            "lowest_to_highest_power_quintile": {
                r["outcome"]: {
                    c: r[c] for c in ("mean_low", "mean_high", "ratio", "ci_low", "ci_high")
                }
                for r in quint.to_dict("records")
            },
        },
        "c3": dict(gap),
        "multiverse": {
            **multiverse_counts(table),
            "status_counts": head["status_counts"],
            "directions": directions.to_dict("records"),
        },
        "replication_iod2019": {
            r["outcome"] + "." + r["vintage"]: {
                c: r[c] for c in ("estimate", "ci_low", "ci_high", "n", "converged")
            }
            for r in replication.to_dict("records")
        },
    }
