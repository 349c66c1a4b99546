"""Multiverse of model specifications: expansion, sharding, fitting, gathering, summaries.

A specification is one combination of geography x index set x index variant x outcome x
model family x covariate set. Every combination in the config gets exactly one row in the
gathered table: fitted ("ok"), fitted but not converged, failed (with the error), or skipped
as invalid (with the reason), never silently dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa

from coprod.analysis.models import (
    COUNT_FAMILIES,
    RECORD_FIELDS,
    analysis_frame,
    fit_model,
)
from coprod.analysis.power import wide_variant
from coprod.errors import ConfigError, CoprodError

AXES = ("geography", "index_set", "variant", "outcome", "family", "covariate_set")
STATUSES = ("ok", "not_converged", "failed", "skipped")
RESULT_COLUMNS = ["spec_id", *AXES, *(f for f in RECORD_FIELDS if f != "family"), "status"]

MULTIVERSE_SCHEMA = pa.DataFrameSchema(
    {
        "spec_id": pa.Column(str, unique=True),
        **{axis: pa.Column(str) for axis in AXES},
        "status": pa.Column(str, pa.Check.isin(STATUSES)),
        "skip_reason": pa.Column(str),
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


def _skip_reason(spec: Mapping, power_cfg: Mapping, models_cfg: Mapping) -> str:
    """Why a combination cannot be fitted ('' if it can); the first failing rule wins."""
    geo, family = spec["geography"], spec["family"]
    outcome = models_cfg["outcomes"][spec["outcome"]]
    index_set = power_cfg["index_sets"][spec["index_set"]]
    index_geos = [index_set["geography"], *index_set.get("aggregate_to", [])]
    outcome_cols = {outcome["column"], outcome.get("count"), *outcome.get("same_as", [])} - {None}
    if geo not in outcome["geographies"]:
        return f"outcome {spec['outcome']} is measured at {outcome['geographies']}, not {geo}"
    if geo not in index_geos:
        return f"index set {spec['index_set']} is defined at {index_geos}, not {geo}"
    if geo not in models_cfg["families"][family]["geographies"]:
        return f"family {family} is used at {models_cfg['families'][family]['geographies']}, not {geo}"
    if family in COUNT_FAMILIES and not outcome.get("count"):
        return f"family {family} needs a count outcome; {spec['outcome']} has no count column"
    if outcome_cols & set(models_cfg["covariate_sets"][spec["covariate_set"]]):
        return f"covariate set {spec['covariate_set']} contains the outcome {spec['outcome']}"
    if outcome_cols & set(index_set["indicators"]):
        return f"index set {spec['index_set']} has the outcome {spec['outcome']} as an input"
    return ""


def expand_specs(multiverse_cfg: Mapping, power_cfg: Mapping, models_cfg: Mapping) -> pd.DataFrame:
    """Every combination of the multiverse lists, sorted by spec id, with ``valid`` and
    ``skip_reason``; names not defined elsewhere in the config are a ConfigError."""
    lists = {"geography": "geographies", "index_set": "index_sets", "variant": "variants",
             "outcome": "outcomes", "family": "families", "covariate_set": "covariate_sets"}
    defined = {"geography": models_cfg["geographies"], "index_set": power_cfg["index_sets"],
               "variant": power_cfg["variants"], "outcome": models_cfg["outcomes"],
               "family": models_cfg["families"], "covariate_set": models_cfg["covariate_sets"]}
    for axis, key in lists.items():
        unknown = [v for v in multiverse_cfg[key] if v not in defined[axis]]
        if unknown:
            raise ConfigError(f"multiverse.{key}: {unknown} not defined in the config")
    rows = [dict(zip(AXES, combo)) for combo in
            itertools.product(*(sorted(set(multiverse_cfg[lists[a]])) for a in AXES))]
    specs = pd.DataFrame(rows, columns=list(AXES))
    specs.insert(0, "spec_id", [spec_id(r) for r in rows])
    specs["skip_reason"] = [_skip_reason(r, power_cfg, models_cfg) for r in rows]
    specs["valid"] = specs["skip_reason"] == ""
    return specs.sort_values("spec_id", ignore_index=True)


def shard(specs: pd.DataFrame, k: int, n_shards: int) -> pd.DataFrame:
    """Shard k of n: every n-th valid specification in spec-id order, starting at the k-th.
    The shards partition the valid specifications and mix cheap and costly families."""
    if not 0 <= k < n_shards:
        raise ConfigError(f"shard {k} is outside 0..{n_shards - 1}")
    valid = specs.loc[specs["valid"]].sort_values("spec_id", ignore_index=True)
    return valid.iloc[k::n_shards].reset_index(drop=True)


def fit_specs(specs: pd.DataFrame, tables: Mapping[str, pd.DataFrame],
              scores: Mapping[str, pd.DataFrame], models_cfg: Mapping, *,
              ci_level: float) -> pd.DataFrame:
    """Fit specifications in one process; one record per spec, whatever happens to the fit."""
    frames: dict[tuple, pd.DataFrame] = {}
    rows = []
    for spec in specs.to_dict("records"):
        geo = models_cfg["geographies"][spec["geography"]]
        cache_key = (spec["geography"], spec["index_set"], spec["variant"])
        if cache_key not in frames:
            frames[cache_key] = analysis_frame(tables[spec["geography"]], scores[spec["geography"]],
                                               key=geo["key"], index_set=spec["index_set"],
                                               variant=spec["variant"])
        outcome = models_cfg["outcomes"][spec["outcome"]]
        record = fit_model(
            frames[cache_key], family=spec["family"], outcome=outcome["column"],
            covariates=models_cfg["covariate_sets"][spec["covariate_set"]],
            count=outcome.get("count"), exposure=outcome.get("exposure"),
            weight=outcome.get("weight", geo["weight"]), cluster=geo.get("cluster"),
            spline_df=models_cfg["spline_df"], reml=models_cfg["reml"],
            ci_level=ci_level, maxiter=models_cfg["maxiter"])
        record["status"] = ("failed" if record["error"] else
                            "ok" if record["converged"] else "not_converged")
        rows.append({"spec_id": spec["spec_id"], **{a: spec[a] for a in AXES}, **record})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def gather(specs: pd.DataFrame, results: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One row per specification: fitted records for valid specs, 'skipped' rows for the rest.
    A valid spec without exactly one fitted record is an error (a lost or duplicated shard)."""
    frames = [r for r in results if not r.empty]
    fitted = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RESULT_COLUMNS)
    counts = fitted["spec_id"].value_counts()
    valid_ids = set(specs.loc[specs["valid"], "spec_id"])
    duplicated = sorted(counts.index[counts > 1])
    lost = sorted(valid_ids - set(counts.index))
    extra = sorted(set(counts.index) - valid_ids)
    if duplicated or lost or extra:
        raise CoprodError(f"multiverse gather: duplicated {duplicated[:5]}, missing {lost[:5]}, "
                          f"unexpected {extra[:5]} specification results")
    table = specs[["spec_id", *AXES, "skip_reason"]].merge(
        fitted.drop(columns=list(AXES), errors="ignore"), on="spec_id", how="left",
        validate="one_to_one")
    table["status"] = table["status"].fillna("skipped")
    table["converged"] = table["converged"].fillna(False).astype(bool)
    for col in ("n", "n_dropped", "n_clusters", "estimate", "se", "ci_low", "ci_high", "p_value",
                "estimate_std", "ci_low_std", "ci_high_std", "llf", "aic", "bic"):
        table[col] = pd.to_numeric(table[col]).astype(float)
    for col in ("formula", "dropped_reason", "effect_scale", "warnings", "error"):
        table[col] = table[col].fillna("").astype(str)
    return MULTIVERSE_SCHEMA.validate(table.sort_values("spec_id", ignore_index=True))


def spec_curve(table: pd.DataFrame) -> pd.DataFrame:
    """Specification-curve data: every fitted spec on a common scale (``estimate``, ``ci_low``,
    ``ci_high`` = outcome SDs per SD of power, or log rate ratio per SD for count families),
    ranked within outcome, with the axis values for the indicator panel."""
    fitted = table.loc[table["status"].isin(["ok", "not_converged"]) & table["estimate_std"].notna()]
    fitted = fitted.sort_values(["outcome", "estimate_std", "spec_id"], ignore_index=True)
    scale = np.where(fitted["family"].isin(COUNT_FAMILIES), "log rate ratio per SD of power",
                     "outcome SDs per SD of power")
    return fitted[["spec_id", *AXES, "status", "converged"]].assign(
        estimate=fitted["estimate_std"], ci_low=fitted["ci_low_std"], ci_high=fitted["ci_high_std"],
        scale=scale, rank=fitted.groupby("outcome").cumcount() + 1,
        n_specs=fitted.groupby("outcome")["spec_id"].transform("size"),
        excludes_zero=(fitted["ci_low_std"] > 0) | (fitted["ci_high_std"] < 0))


def nested_shares(table: pd.DataFrame, *, base: str, adjusted: str) -> pd.DataFrame:
    """Share of the power coefficient that remains after adding the ``adjusted`` covariates
    (e.g. IMD income and employment) to the ``base`` model, for each other axis combination."""
    keys = [a for a in AXES if a != "covariate_set"]
    cols = [*keys, "spec_id", "estimate", "ci_low", "ci_high", "status"]
    b = table.loc[table["covariate_set"] == base, cols]
    a = table.loc[table["covariate_set"] == adjusted, cols]
    out = b.merge(a, on=keys, suffixes=("_base", "_adjusted"), validate="one_to_one")
    out = out.loc[(out["status_base"] != "skipped") & (out["status_adjusted"] != "skipped")]
    both_ok = (out["status_base"] == "ok") & (out["status_adjusted"] == "ok")
    return out.assign(share_remaining=(out["estimate_adjusted"] / out["estimate_base"]).where(both_ok)) \
        .sort_values(keys, ignore_index=True)


def replication(lsoa21: pd.DataFrame, lsoa11: pd.DataFrame, scores: pd.DataFrame, *,
                models_cfg: Mapping, replication_cfg: Mapping, ci_level: float) -> pd.DataFrame:
    """The main LSOA model on IoD2025 (LSOA 2021) and on IoD2019 (LSOA 2011, each 2011 area
    given the power of the 2021 area holding most of it), one record per outcome and vintage.
    Where the 2011 table lacks an outcome column, a ``same_as`` column holding it is used.
    The indicators' scales differ between vintages, so ``estimate``/``ci_low``/``ci_high`` are
    standardised (outcome SDs per SD of power); ``*_units`` keep the outcome's own units."""
    main = models_cfg["main"]["lsoa21"]
    geo = models_cfg["geographies"]["lsoa21"]
    wide = wide_variant(scores, key=geo["key"], index_set=main["index_set"], variant=main["variant"])
    link = replication_cfg["link"]
    frames = {
        "iod2025": (analysis_frame(lsoa21, scores, key=geo["key"], index_set=main["index_set"],
                                   variant=main["variant"]), geo["cluster"]),
        "iod2019": (lsoa11.merge(wide.rename(columns={geo["key"]: link}), on=link, how="left",
                                 validate="many_to_one"), replication_cfg["cluster"]),
    }
    rows = []
    for name in replication_cfg["outcomes"]:
        outcome = models_cfg["outcomes"][name]
        for vintage, (frame, cluster) in frames.items():
            column = next((c for c in (outcome["column"], *outcome.get("same_as", []))
                           if c in frame.columns), outcome["column"])
            record = fit_model(frame, family=main["family"], outcome=column,
                               cluster=cluster, spline_df=models_cfg["spline_df"],
                               reml=models_cfg["reml"], ci_level=ci_level,
                               maxiter=models_cfg["maxiter"])
            rows.append({"outcome": name, "column": column, "vintage": vintage, "cluster": cluster,
                         **record})
    units = {c: f"{c}_units" for c in ("estimate", "se", "ci_low", "ci_high")}
    std = {f"{c}_std": c for c in ("estimate", "ci_low", "ci_high")}
    return pd.DataFrame(rows).rename(columns={**units, **std}).assign(term=lambda d: d["outcome"])


def _main_spec_id(models_cfg: Mapping, outcome: str, covariate_set: str) -> str:
    geography = models_cfg["outcomes"][outcome]["geographies"][0]
    return spec_id({"geography": geography, **models_cfg["main"][geography], "outcome": outcome,
                    "covariate_set": covariate_set})


def headline(table: pd.DataFrame, nested: pd.DataFrame, models_cfg: Mapping) -> dict:
    """Main-model power coefficient per outcome (at the outcome's home geography), with and
    without the nested deprivation covariates, and the multiverse's status counts."""
    base, adjusted = models_cfg["nested"]["base"], models_cfg["nested"]["adjusted"]
    by_id = table.set_index("spec_id")
    fields = ["estimate", "se", "ci_low", "ci_high", "p_value", "estimate_std", "n", "n_dropped",
              "status", "effect_scale", "formula"]
    out = {"main_models": {}, "n_specs": len(table),
           "status_counts": {s: int((table["status"] == s).sum()) for s in STATUSES}}
    for outcome in sorted(models_cfg["outcomes"]):
        entry = {}
        for label, cov in (("unadjusted", base), ("adjusted", adjusted)):
            sid = _main_spec_id(models_cfg, outcome, cov)
            if sid in by_id.index:
                row = by_id.loc[sid, fields].to_dict()
                counts = {k: int(row[k]) if pd.notna(row[k]) else None for k in ("n", "n_dropped")}
                entry[label] = {"spec_id": sid, **row, **counts}
        share = nested.loc[nested["spec_id_base"] == _main_spec_id(models_cfg, outcome, base),
                           "share_remaining"]
        entry["share_remaining"] = float(share.iloc[0]) if len(share) else None
        out["main_models"][outcome] = entry
    return out


def summary(*, c1: Mapping, table: pd.DataFrame, nested: pd.DataFrame, concentration: pd.DataFrame,
            ratios: pd.DataFrame, gap: Mapping, replication: pd.DataFrame,
            models_cfg: Mapping) -> dict:
    """The scalar results the report quotes: C1 tests, C2 headline models, concentration
    indices and extreme-quintile ratios, C3 gap shares, multiverse counts, IoD2019 replication."""
    conc_cols = ["geography", "n", "mean", "concentration_index", "se", "ci_low", "ci_high",
                 "p_value", "generalised_index", "generalised_se", "note"]
    quint = ratios.loc[ratios["by"] == "power_quintile"]
    head = headline(table, nested, models_cfg)
    return {
        "c1": {"headline_variant": c1["headline_variant"], "geography": c1["geography"],
               "r2_demos_on_education_occupation": c1["r2"],
               "r2_rest_of_demos_on_education_occupation": c1["r2_rest"],
               "core_turnout_correlation": c1["turnout_r"],
               "by_variant": {k: c1[k] for k in ("r2_demos_on_education_occupation",
                                                 "r2_rest_of_demos_on_education_occupation",
                                                 "core_turnout_correlation")}},
        "c2": {"main_models": head["main_models"],
               "concentration": {r["outcome"]: {c: r[c] for c in conc_cols}
                                 for r in concentration.to_dict("records")},
               "lowest_to_highest_power_quintile": {
                   r["outcome"]: {c: r[c] for c in ("mean_low", "mean_high", "ratio", "ci_low", "ci_high")}
                   for r in quint.to_dict("records")}},
        "c3": dict(gap),
        "multiverse": {"n_specs": head["n_specs"], "status_counts": head["status_counts"],
                       "n_fitted": int(table["status"].isin(["ok", "not_converged", "failed"]).sum())},
        "replication_iod2019": {
            r["outcome"] + "." + r["vintage"]: {c: r[c] for c in ("estimate", "ci_low", "ci_high",
                                                                  "n", "converged")}
            for r in replication.to_dict("records")},
    }
