# The workflow lives in workflow/Snakefile (workflow-catalog layout); this file includes it.
# Snakemake restores the including file's default target after an include, so the default
# target is named here again.
include: "workflow/Snakefile"


rule default:
    default_target: True
    input:
        rules.all.input,
