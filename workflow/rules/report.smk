# The last step: the claims table and the reproduction report a reader opens in a browser.
#
#   results/claims.csv    one row per claim of the paper: measurement, scale, status
#                         (holds / does not hold / inconclusive / not measured), source table,
#                         what would settle it (miscaling.claims)
#   results/report.html   one self-contained page in the paper's order: every figure of the run
#                         (PNG embedded) with its caption, the non-uniformity table, Appendix F,
#                         the formula differences, the claims table (miscaling.report)
#
# Its inputs are every output of all_targets() (so it runs last) and the claims tables the rules
# behind them write beside them.  A rule-built page rather than `snakemake --report`: it is a
# target of the DAG (made by `snakemake --cores all`, tested like any step), it holds the claims
# table, and it needs neither a second invocation nor snakemake[reports].

import json
from pathlib import Path

REPORT_TARGETS = [f"{RESULTS}/claims.csv", f"{RESULTS}/report.html"]
REPORT_DIR = os.path.join(workflow.basedir, "workflow/report")

#: Claims source (miscaling.claims.SOURCES) -> (its table, a target of all_targets() that the
#: same rule makes): the table is an input when that target is one of this run's.
CLAIMS_TABLES = {
    "size_matched_control": (
        f"{RESULTS}/figures/size_matched_control_summary.csv",
        f"{RESULTS}/figures/size_matched_control.pdf",
    ),
    "fig5_gamma": (f"{RESULTS}/figures/fig5_gamma.csv", f"{RESULTS}/figures/fig5.pdf"),
    "theory_linear_rnn": (
        f"{THEORY}/linear_rnn/checks.csv",
        f"{RESULTS}/figures/theory_linear_rnn.pdf",
    ),
    "theory_repetitive": (f"{THEORY}/repetitive/checks.csv", f"{RESULTS}/figures/fig4.pdf"),
    "theory_ising": (f"{THEORY}/ising/checks.csv", f"{RESULTS}/figures/theory_ising.pdf"),
    "corpus_trends": (
        f"{RESULTS}/figures/corpus_trends.csv",
        f"{RESULTS}/figures/fig6.pdf",
    ),
    "binary_trends": (f"{RESULTS}/figures/binary_trends.csv",) * 2,
    "text_trends": (f"{RESULTS}/figures/text_trends.csv",) * 2,
}


def report_targets():
    """The report's outputs (all_targets adds them last)."""
    return REPORT_TARGETS


def run_scale():
    """The run's scale, from the config files given on the command line: no preset = the
    default 'quick' run of config.yaml; presets by name ('smoke', 'paper', 'smoke+smoke_text'),
    marked when --config overrides keys on top."""
    stems = [Path(str(path)).stem for path in workflow.overwrite_configfiles or []]
    presets = [stem for stem in stems if stem != "config"]
    scale = "+".join(presets) or "quick"
    if workflow.config_settings.config:  # the --config key=value pairs
        scale += " (with --config overrides)"
    return scale


def caption_config():
    """The config values the captions read (models.rst, the caption of Figures 1, 3, 7, 9, is a
    Snakemake report template): only these, so that no other key reruns the report."""
    return {
        "binary_models": {"n_samples": config["binary_models"]["n_samples"]},
        "binary": {"fit": {"min_mi": config["binary"]["fit"]["min_mi"]}},
    }


CALIBRATION_TABLE = f"{RESULTS}/calibration.csv"


def calibration_curves(wildcards):
    """The sample I(tau) tables the decision rules are calibrated at: the first model of each
    architecture of each family this run measures (their lags and noise)."""
    run = all_targets()
    curves = []
    if f"{RESULTS}/figures/binary_trends.csv" in run:
        curves += model_inputs(wildcards)["curves"]
    if f"{RESULTS}/figures/text_trends.csv" in run:
        curves += text_summary_inputs(wildcards)["curves"]
    first = {}
    for path in curves:
        first.setdefault((Path(path).parent.name, Path(path).stem.split("_")[0]), path)
    return sorted(first.values())


rule calibrate:
    """The claims' decision rules on simulated cases at this run's own lags and noise."""
    input:
        curves=calibration_curves,
    output:
        CALIBRATION_TABLE,
    log:
        log_path("calibrate", "calibrate"),
    benchmark:
        benchmark_path("calibrate", "calibrate")
    threads: 1
    resources:
        **step_resources("calibrate"),
    params:
        flags=lambda wc, input: cli_flags({"curves": list(input.curves), "log_lags": 60}),
    shell:
        "{MISCALING} calibrate {params.flags} --out {output} > {log} 2>&1"


def report_inputs(wildcards):
    run = [target for target in all_targets() if target not in REPORT_TARGETS]
    inputs = {
        "figures": [target for target in run if target.endswith(".png")],
        "run": [target for target in run if not target.endswith(".png")],
        "captions": sorted(str(p) for p in Path(REPORT_DIR).glob("*.rst")),
        "formulas": os.path.join(REPORT_DIR, "formula_differences.md"),
        "calibration": CALIBRATION_TABLE,
    }
    for source, (table, made_with) in CLAIMS_TABLES.items():
        if made_with in run:
            inputs[f"claims_{source}"] = table
    if f"{RESULTS}/figures/fig6.pdf" in run:
        inputs["uniformity"] = f"{RESULTS}/figures/fig6_uniformity.csv"
    if f"{RESULTS}/figures/appendix_f.txt" in run:
        inputs["appendix_f"] = f"{RESULTS}/figures/appendix_f.txt"
    return inputs


def report_flags(wildcards, input):
    return cli_flags(
        {
            "claims_table": [
                f"{source}={input[f'claims_{source}']}"
                for source in CLAIMS_TABLES
                if f"claims_{source}" in input.keys()
            ],
            "figures": list(input.figures),
            "uniformity": input.get("uniformity"),
            "appendix_f": input.get("appendix_f"),
            "formula_differences": input.formulas,
            "calibration": input.calibration,
            "captions": REPORT_DIR,
        }
    )


rule report:
    """The claims table and the self-contained HTML reproduction report, after everything else."""
    input:
        unpack(report_inputs),
    output:
        claims=REPORT_TARGETS[0],
        html=REPORT_TARGETS[1],
    log:
        log_path("report", "report"),
    benchmark:
        benchmark_path("report", "report")
    localrule: True
    threads: 1
    resources:
        **step_resources("report"),
    params:
        flags=report_flags,
        scale=run_scale(),
        config=json.dumps(caption_config(), sort_keys=True),
    shell:
        "{MISCALING} report {params.flags} --scale {params.scale:q}"
        " --config-json {params.config:q} --claims-out {output.claims} --out {output.html}"
        " > {log} 2>&1"
