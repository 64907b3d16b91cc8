# The last step: the claims table and the reproduction report a reader opens in a browser.
#
#   results/claims.csv    one row per claim of the paper: measurement, scale, status
#                         (holds / does not hold / inconclusive / not measured), source table,
#                         what would settle it (miscaling.claims)
#   results/report.html   one self-contained page in the paper's order: every figure of the run
#                         (PNG embedded) with its caption, the non-uniformity table, Appendix F,
#                         the formula differences, the claims table (miscaling.report)
#
# Its inputs are every output of PLAN.targets() (so it runs last) and the claims tables the rules
# behind them write beside them.  A rule-built page rather than `snakemake --report`: it is a
# target of the DAG (made by `snakemake --cores all`, tested like any step), it holds the claims
# table, and it needs neither a second invocation nor snakemake[reports].

import json
from pathlib import Path


def run_scale():
    """The run's scale, from the config files on the command line: no preset = the default
    'quick' run of config.yaml; presets by name ('smoke', 'paper', 'smoke+smoke_text'), marked
    when --config overrides keys on top."""
    stems = [Path(str(path)).stem for path in workflow.overwrite_configfiles or []]
    scale = "+".join(stem for stem in stems if stem != "config") or "quick"
    if workflow.config_settings.config:  # the --config key=value pairs
        scale += " (with --config overrides)"
    return scale


rule calibrate:
    """The claims' decision rules on simulated cases at this run's own lags and noise."""
    input:
        curves=PLAN.calibration_curves,
    output:
        PLAN.calibration_table(),
    log:
        log_path("calibrate", "calibrate"),
    benchmark:
        benchmark_path("calibrate", "calibrate")
    threads: 1
    resources:
        **RESOURCES.step("calibrate"),
    params:
        flags=lambda wc, input: cli_flags({"curves": list(input.curves), "log_lags": 60}),
    shell:
        "{MISCALING} calibrate {params.flags} --out {output} > {log} 2>&1"


rule report:
    """The claims table and the self-contained HTML reproduction report, after everything else."""
    input:
        unpack(PLAN.report_inputs),
    output:
        claims=PLAN.report_targets()[0],
        html=PLAN.report_targets()[1],
    log:
        log_path("report", "report"),
    benchmark:
        benchmark_path("report", "report")
    localrule: True
    threads: 1
    resources:
        **RESOURCES.step("report"),
    params:
        flags=PLAN.report_flags,
        scale=run_scale(),
        config=json.dumps(PLAN.caption_config(), sort_keys=True),
    shell:
        "{MISCALING} report {params.flags} --scale {params.scale:q}"
        " --config-json {params.config:q} --claims-out {output.claims} --out {output.html}"
        " > {log} 2>&1"
