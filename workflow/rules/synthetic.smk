# Synthetic binary sequences with power-law mutual information (Appendix B).


def binary_split_flags(wildcards):
    cfg = config["binary"]
    return cli_flags(
        {
            "n_seq": cfg["n_train"] if wildcards.split == "train" else cfg["n_valid"],
            "length": cfg["length"],
            "amplitude": cfg["amplitude"],
            "gamma": cfg["gamma"],
            "mode": cfg["mode"],
            "seed": config["seed"] + cfg["split_seed_offset"][wildcards.split],
        }
    )


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
        **step_resources("synth_binary"),
    params:
        flags=binary_split_flags,
    shell:
        "{MISCALING} synth binary {params.flags} --out {output} > {log} 2>&1"


def estimator_benchmark_flags(wildcards):
    cfg = config["estimator_benchmark"]
    return cli_flags(
        {
            "n_seq": cfg["n_seq"],
            "length": cfg["length"],
            "amplitude": cfg["amplitude"],
            "gamma": wildcards.gamma,
            "mode": cfg["mode"],
            "seed": gamma_seed(wildcards.gamma),
        }
    )


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
        **step_resources("synth_estimator_benchmark"),
    params:
        flags=estimator_benchmark_flags,
    shell:
        "{MISCALING} synth binary {params.flags} --out {output} > {log} 2>&1"
