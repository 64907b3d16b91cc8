# Mutual information of data sets and the fits that turn I(tau) into numbers (xi, gamma).


wildcard_constraints:
    dataset=r"binary|binary_samples|estimator_benchmark|(ptb|wikitext2|wikitext103|text8)_(char|word)|gpt2_char"
    + r"|(ptb|wikitext2|wikitext103|text8)_(char|word)_samples"  # language models' samples
    + r"|(ptb|wikitext2|wikitext103|text8)_char_reference",
    # ... and their data references
    arch="rnn|lstm|transformer",
    width=r"\d+",
    depth=r"\d+",
    seed=r"\d+",
    corpus="ptb|wikitext2|wikitext103|text8|gpt2|gpt2_117m",
    level="char|word",
    gamma=r"\d+(\.\d+)?",
    split="train|valid",


def dataset_labels(wildcards):
    """Constant columns that make the tables tidy when concatenated (e.g. the true gamma)."""
    if wildcards.dataset == "estimator_benchmark":
        gamma = wildcards.name.removeprefix("gamma")
        return [f"gamma={gamma}", f"amplitude={config['estimator_benchmark']['amplitude']}"]
    if wildcards.dataset == "binary_samples":
        return [f"{key}={value}" for key, value in parse_sample_name(wildcards.name).items()]
    if is_text_sample_dataset(wildcards.dataset):
        return text_sample_labels(wildcards.dataset, wildcards.name)
    if is_text_dataset(wildcards.dataset):
        corpus, level = wildcards.dataset.rsplit("_", 1)
        return [f"corpus={corpus}", f"level={level}", f"split={wildcards.name}"]
    return [f"split={wildcards.name}"]


def name_seed(wildcards):
    if wildcards.dataset == "estimator_benchmark":
        return gamma_seed(wildcards.name.removeprefix("gamma"))
    if wildcards.dataset == "binary":
        return config["seed"] + config["binary"]["split_seed_offset"][wildcards.name]
    if wildcards.dataset == "binary_samples":
        return config["seed"]
    return config["seed"]  # corpora: the data are fixed, the seed only drives resampling


def mi_flags(wildcards):
    options = {
        "lags": dataset_config(wildcards.dataset)["lags"],
        **estimator_flags(name_seed(wildcards)),
    }
    if is_text_sample_dataset(wildcards.dataset):
        options["max_lag_fraction"] = SAMPLE_MAX_LAG_FRACTION
    options["label"] = dataset_labels(wildcards)
    return cli_flags(options)


def mi_outputs():
    outputs = {"table": f"{RESULTS}/mi/data/{{dataset}}/{{name}}.csv"}
    if with_replicates():
        outputs["replicates"] = f"{RESULTS}/mi/data/{{dataset}}/{{name}}_replicates.parquet"
    return outputs


def replicates_flag(output):
    return f"--replicates-out {output.replicates}" if with_replicates() else ""


rule mi_data:
    """I(tau) of a data set, with shuffle baseline and resampling confidence intervals."""
    input:
        lambda wc: data_path(wc.dataset, wc.name),
    output:
        **mi_outputs(),
    log:
        log_path("mi_data", "{dataset}/{name}"),
    benchmark:
        benchmark_path("mi_data", "{dataset}/{name}")
    threads: config["estimator"]["threads"]
    resources:
        **step_resources("mi_data"),
    params:
        flags=mi_flags,
        replicates=lambda wc, output: replicates_flag(output),
    shell:
        "{MISCALING} mi {input} {params.flags} {params.replicates} --threads {threads}"
        " --out {output.table} > {log} 2>&1"


def fit_flags(wildcards):
    cfg = dataset_config(wildcards.dataset)["fit"]
    options = {
        "model": "all",
        "min_mi": cfg["min_mi"],
        "min_lag": cfg.get("min_lag"),
        "max_lag": cfg.get("max_lag"),
        "selection": cfg["selection"],
        "floor_sds": cfg.get("floor_sds"),
        # a curve that barely rises above the threshold is a finding, not a pipeline failure
        "too_few": "nan",
        "confidence": config["estimator"]["confidence"],
    }
    labels = dataset_labels(wildcards)
    options["label"] = [label for label in labels if not label.startswith("amplitude=")]
    return cli_flags(options)


def uniformity_flags(wildcards):
    window = config["corpora"]["long_range"]
    return cli_flags(
        {
            "min_lag": window["min_lag"],
            "max_lag": window["max_lag"],
            "confidence": config["estimator"]["confidence"],
            "label": dataset_labels(wildcards),
        }
    )


rule uniformity_data:
    """Long-range I(tau) of a corpus split against its shuffle baseline, and its power law."""
    input:
        **mi_outputs(),
    output:
        f"{RESULTS}/uniformity/data/{{dataset}}/{{name}}.csv",
    log:
        log_path("uniformity_data", "{dataset}/{name}"),
    benchmark:
        benchmark_path("uniformity_data", "{dataset}/{name}")
    threads: 1
    resources:
        **step_resources("uniformity_data"),
    params:
        flags=uniformity_flags,
    shell:
        "{MISCALING} uniformity {input.table} --replicates {input.replicates} {params.flags}"
        " --out {output} > {log} 2>&1"


rule fit_data:
    """Exponential, power-law and composite fits of a data set's I(tau), with AICc."""
    input:
        **mi_outputs(),
    output:
        f"{RESULTS}/fits/data/{{dataset}}/{{name}}.csv",
    log:
        log_path("fit_data", "{dataset}/{name}"),
    benchmark:
        benchmark_path("fit_data", "{dataset}/{name}")
    threads: 1
    resources:
        **step_resources("fit_data"),
    params:
        flags=fit_flags,
        replicates=lambda wc, input: f"--replicates {input.replicates}" if with_replicates() else "",
    shell:
        "{MISCALING} fit {input.table} {params.flags} {params.replicates} --out {output} > {log} 2>&1"
