# MI-Scaling: one DAG from data to every figure of Shen (2019).
#   snakemake --cores all                               # default (quick) reproduction
#   snakemake --cores all --configfile presets/paper.yaml   # the paper's sizes
# Outputs land under results/ (see README.md); configuration keys are documented in
# workflow/schemas/config.schema.yaml and validated before any job runs.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/synthetic.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/controls.smk"
include: "workflow/rules/bipartite.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        PLAN.targets(),
