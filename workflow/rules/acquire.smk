# Acquisition: one job per registry file, from the mirror or the official URL, SHA-256 verified.


rule acquire:
    output:
        raw="data/raw/{file}",
        record="results/acquire/{file}.json",
    params:
        dataset=lambda wc: REGISTRY.by_file(wc.file),
    wildcard_constraints:
        file=RAW_FILES,
    conda:
        "../../environment.yml"
    log:
        "logs/acquire/{file}.log",
    script:
        "../scripts/acquire.py"


rule verify_raw:
    """Re-check a raw file before anything reads it: a file changed in place stops the run
    here, before any downstream job (and its earlier results) is touched."""
    input:
        "data/raw/{file}",
    output:
        "data/verified/{file}.sha256",
    params:
        dataset=lambda wc: REGISTRY.by_file(wc.file),
    wildcard_constraints:
        file=RAW_FILES,
    conda:
        "../../environment.yml"
    log:
        "logs/verify/{file}.log",
    script:
        "../scripts/verify_raw.py"


rule provenance:
    input:
        [f"results/acquire/{d.file}.json" for d in REGISTRY.datasets.values()],
    output:
        table="results/provenance.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/provenance.log",
    script:
        "../scripts/provenance.py"


rule acquire_all:
    input:
        [raw(d) for d in REGISTRY.datasets],
        "results/provenance.csv",
