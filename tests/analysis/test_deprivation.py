"""IMD without Education: the official exponential transformation and weights reproduce the
published IMD 2025 from its domain ranks; leaving Education out keeps the rest intact."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from coprod.analysis import deprivation
from coprod.data.readers.iod import read_iod2025_file7
from coprod.errors import ConfigError, SchemaError

ROOT = Path(__file__).resolve().parents[2]
CFG = yaml.safe_load((ROOT / "config/models.yaml").read_text())["models"]["deprivation"]


def settings(exclude=()):
    return deprivation.ImdSettings(CFG["domain_weights"], tuple(exclude))


def test_exponential_transform_runs_from_zero_to_one_hundred_most_deprived_highest():
    x = deprivation.exponential_transform([1, 2, 50, 99, 100], 100)
    assert x[0] == pytest.approx(100.0)  # rank 1 (most deprived): R = 1
    assert x[-1] == pytest.approx(-23 * np.log(1 - 0.01 * (1 - np.exp(-100 / 23))))
    assert np.all(np.diff(x) < 0)
    with pytest.raises(SchemaError, match="1..100"):
        deprivation.exponential_transform([0, 5], 100)


def test_unknown_excluded_domain_is_a_config_error():
    with pytest.raises(ConfigError, match="exclude"):
        deprivation.ImdSettings(CFG["domain_weights"], ("schools",))


@pytest.fixture(scope="module")
def file7(mirror_dir):
    frame = read_iod2025_file7(
        mirror_dir / "iod2025/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
    )
    return frame.assign(population=1.0, lad24cd=frame["lsoa21cd"].str[:5])


def test_all_domains_reproduce_the_published_imd_rank(file7):
    out, check = deprivation.imd_without(
        file7, settings(), key="lsoa21cd", groups={}, weight="population"
    )
    assert check["n"] == 33755
    assert check["max_abs_score_difference"] < 1e-3  # the published scores have 3 decimals
    assert check["share_rank_identical"] > 0.9999
    assert check["max_abs_rank_difference"] <= 1
    # Without exclusions the rebuilt index is the IMD itself.
    np.testing.assert_allclose(out["lsoa"]["imd_no__score"], file7["imd_score"], atol=1e-3)


def test_without_education_drops_only_that_domain(file7):
    out, check = deprivation.imd_without(
        file7,
        settings(["education"]),
        key="lsoa21cd",
        groups={"lad": "lad24cd"},
        weight="population",
    )
    score = out["lsoa"]["imd_no_education_score"]
    w = {d: v for d, v in CFG["domain_weights"].items() if d != "education"}
    factor = sum(CFG["domain_weights"].values()) / sum(w.values())
    n = len(file7)
    hand = sum(
        v * factor * deprivation.exponential_transform(file7[f"{d}_rank"], n) for d, v in w.items()
    )
    np.testing.assert_allclose(score, hand)
    # Still a deprivation index, but no longer a function of the Education rank.
    assert 0.98 < check["correlation_with_published_imd"] < 1
    resid = score - np.poly1d(np.polyfit(file7["imd_score"], score, 1))(file7["imd_score"])
    assert np.corrcoef(resid, file7["education_rank"])[0, 1] > 0.3  # the removed part
    assert len(out["lad"]) == file7["lad24cd"].nunique()


def test_attach_refuses_areas_without_scores():
    table = pd.DataFrame({"k": ["a", "b"], "x": [1, 2]})
    with pytest.raises(SchemaError, match="'b'"):
        deprivation.attach(table, pd.DataFrame({"k": ["a"], "s": [1.0]}), key="k")
