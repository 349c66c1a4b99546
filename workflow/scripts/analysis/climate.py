from coprod.analysis.climate import ClimateSettings, build_climate, read_inputs
from coprod.io import write_parquet
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]):
    cfg = snakemake.params.climate
    settings = ClimateSettings(
        first_year=cfg["first_year"],
        last_year=cfg["last_year"],
        base_year=cfg["base_year"],
        n_boot=cfg["n_boot"],
        seed=cfg["seed"],
        ci_level=cfg["ci_level"],
    )
    inputs = read_inputs(
        dict(snakemake.input.items()),
        snakemake.params.rs_years,
        settings,
        cfg["population_datasets"],
    )
    for name, table in build_climate(**inputs, settings=settings).items():
        write_parquet(table, snakemake.output[name])
