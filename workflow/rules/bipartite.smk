# Beyond the paper (L2M): bipartite mutual information I(X_{1:l}; Y_{l+1:L}) from a model's
# log-probabilities (config bipartite; docs/METHODS.md §10).  Every model is scored on its own
# samples; each family's held-out data by the best model (lowest validation loss) of each
# architecture.  One table per job (estimates, loss by position), stacked by the summary:
#
#   results/bipartite/<family>/samples/<model>.csv, <model>_positions.csv
#   results/bipartite/<family>/data/best_<arch>.csv, best_<arch>_positions.csv
#   results/figures/bipartite.{pdf,png,csv}, bipartite_{growth,trends,positions}.csv


rule bipartite_samples:
    """A model's bipartite MI on its own samples (q = the model itself)."""
    input:
        unpack(PLAN.bipartite_sample_inputs),
    output:
        table=f"{RESULTS}/bipartite/{{family}}/samples/{MODEL}.csv",
        positions=f"{RESULTS}/bipartite/{{family}}/samples/{MODEL}_positions.csv",
    log:
        log_path("bipartite_samples", f"{{family}}/{MODEL}"),
    benchmark:
        benchmark_path("bipartite_samples", f"{{family}}/{MODEL}")
    wildcard_constraints:
        family=f"binary|({CORPORA})_(char|word)",
    threads: 1
    resources:
        **RESOURCES.step("bipartite_samples"),
    params:
        flags=lambda wc: PLAN.bipartite_flags(wc, "samples"),
    shell:
        "{MISCALING} bipartite {input.model} --sequences {input.sequences}"
        " --first-symbols {input.first} {params.flags} --threads {threads}"
        " --out {output.table} --positions-out {output.positions} > {log} 2>&1"


rule bipartite_data:
    """The held-out data's bipartite MI, scored by the best model of one architecture."""
    input:
        unpack(PLAN.bipartite_data_inputs),
    output:
        table=f"{RESULTS}/bipartite/{{family}}/data/best_{{arch}}.csv",
        positions=f"{RESULTS}/bipartite/{{family}}/data/best_{{arch}}_positions.csv",
    log:
        log_path("bipartite_data", "{family}/best_{arch}"),
    benchmark:
        benchmark_path("bipartite_data", "{family}/best_{arch}")
    wildcard_constraints:
        family=f"binary|({CORPORA})_(char|word)",
        arch="|".join(ARCHS),
    threads: 1
    resources:
        **RESOURCES.step("bipartite_data"),
    params:
        flags=lambda wc: PLAN.bipartite_flags(wc, "data"),
    shell:
        "{MISCALING} bipartite {input.model} --sequences {input.sequences}"
        " --first-symbols {input.first} {params.flags} --threads {threads}"
        " --out {output.table} --positions-out {output.positions} > {log} 2>&1"


rule bipartite_summary:
    """The tables stacked, each curve's growth, the L2M claims' trends and their figure."""
    input:
        unpack(PLAN.bipartite_summary_inputs),
    output:
        pdf=report(
            f"{RESULTS}/figures/bipartite.pdf",
            caption="../report/bipartite.rst",
            category="Beyond the paper",
        ),
        png=f"{RESULTS}/figures/bipartite.png",
        table=f"{RESULTS}/figures/bipartite.csv",
        growth=f"{RESULTS}/figures/bipartite_growth.csv",
        trends=f"{RESULTS}/figures/bipartite_trends.csv",
        positions=f"{RESULTS}/figures/bipartite_positions.csv",
    log:
        log_path("bipartite_summary", "bipartite"),
    benchmark:
        benchmark_path("bipartite_summary", "bipartite")
    threads: 1
    resources:
        **RESOURCES.step("bipartite_summary"),
    params:
        flags=PLAN.bipartite_summary_flags,
    shell:
        "{MISCALING} bipartite-summary {params.flags} --out {output.pdf} > {log} 2>&1"
