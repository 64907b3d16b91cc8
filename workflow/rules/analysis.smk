# Mutual information of data sets and the fits that turn I(tau) into numbers (xi, gamma).  A data
# set is a folder of results/data (miscaling.plan.names.parse_dataset says what it holds).


wildcard_constraints:
    dataset=f"binary|binary_samples|estimator_benchmark|gpt2_char|({CORPORA})_(char|word)"
    + f"|({CORPORA})_(char|word)_samples|({CORPORA})_char_reference",
    arch="|".join(ARCHS),
    width=r"\d+",
    depth=r"\d+",
    seed=r"\d+",
    corpus=f"{CORPORA}|gpt2|gpt2_117m",
    level="char|word",
    gamma=r"\d+(\.\d+)?",
    split="train|valid",


rule mi_data:
    """I(tau) of a data set, with shuffle baseline and resampling confidence intervals."""
    input:
        lambda wc: PLAN.data_path(wc.dataset, wc.name),
    output:
        **PLAN.mi_outputs(),
    log:
        log_path("mi_data", "{dataset}/{name}"),
    benchmark:
        benchmark_path("mi_data", "{dataset}/{name}")
    threads: config["estimator"]["threads"]
    resources:
        **RESOURCES.step("mi_data"),
    params:
        flags=PLAN.mi_flags,
        replicates=lambda wc, output: cli_flags({"replicates_out": output.get("replicates")}),
    shell:
        "{MISCALING} mi {input} {params.flags} {params.replicates} --threads {threads}"
        " --out {output.table} > {log} 2>&1"


rule uniformity_data:
    """Long-range I(tau) of a corpus split against its shuffle baseline, and its power law."""
    input:
        **PLAN.mi_outputs(),
    output:
        f"{RESULTS}/uniformity/data/{{dataset}}/{{name}}.csv",
    log:
        log_path("uniformity_data", "{dataset}/{name}"),
    benchmark:
        benchmark_path("uniformity_data", "{dataset}/{name}")
    threads: 1
    resources:
        **RESOURCES.step("uniformity_data"),
    params:
        flags=PLAN.uniformity_flags,
    shell:
        "{MISCALING} uniformity {input.table} --replicates {input.replicates} {params.flags}"
        " --out {output} > {log} 2>&1"


rule fit_data:
    """Exponential, power-law and composite fits of a data set's I(tau), with AICc."""
    input:
        **PLAN.mi_outputs(),
    output:
        f"{RESULTS}/fits/data/{{dataset}}/{{name}}.csv",
    log:
        log_path("fit_data", "{dataset}/{name}"),
    benchmark:
        benchmark_path("fit_data", "{dataset}/{name}")
    threads: 1
    resources:
        **RESOURCES.step("fit_data"),
    params:
        flags=PLAN.fit_flags,
        replicates=lambda wc, input: cli_flags({"replicates": input.get("replicates")}),
    shell:
        "{MISCALING} fit {input.table} {params.flags} {params.replicates} --out {output} > {log} 2>&1"
