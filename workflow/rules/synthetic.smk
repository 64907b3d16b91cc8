# Synthetic binary sequences with power-law mutual information (Appendix B).


rule synth_binary:
    """The paper's binary data set: I(tau) = A tau^-gamma, 10,000 train + 2,000 valid sequences."""
    output:
        f"{RESULTS}/data/binary/{{split}}.npy",
    log:
        log_path("synth_binary", "{split}"),
    benchmark:
        benchmark_path("synth_binary", "{split}")
    priority: CHEAP_FIRST_PRIORITY
    threads: 1
    resources:
        **RESOURCES.step("synth_binary"),
    params:
        flags=PLAN.binary_split_flags,
    shell:
        "{MISCALING} synth binary {params.flags} --out {output} > {log} 2>&1"


rule synth_estimator_benchmark:
    """Figure 5's test sequences: one data set per power gamma."""
    output:
        f"{RESULTS}/data/estimator_benchmark/gamma{{gamma}}.npy",
    log:
        log_path("synth_estimator_benchmark", "gamma{gamma}"),
    benchmark:
        benchmark_path("synth_estimator_benchmark", "gamma{gamma}")
    priority: CHEAP_FIRST_PRIORITY
    threads: 1
    resources:
        **RESOURCES.step("synth_estimator_benchmark"),
    params:
        flags=PLAN.estimator_benchmark_flags,
    shell:
        "{MISCALING} synth binary {params.flags} --out {output} > {log} 2>&1"
