from coprod.report.figures import save_figure, style
from coprod.report.maps import MapSpec, map_figure
from coprod.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    spec = MapSpec.from_dict(snakemake.params.spec, snakemake.params.attribution)
    inputs = {panel.geography: snakemake.input[panel.geography] for panel in spec.panels}
    with style():
        save_figure(map_figure(spec, snakemake.params.boundaries, inputs), snakemake.output[0])
    log.info("map %s from %s", snakemake.wildcards.map, inputs)
