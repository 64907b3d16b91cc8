# Sequence models on the binary data: train every (arch, width, depth) x restart, keep the restart
# with the lowest validation loss, sample from it.  The samples land in
# results/data/binary_samples/<model>.npy, where the generic mi_data / fit_data rules measure them.
#
# A model's name carries everything that defines it (lstm_w8_d1); the training settings are
# params, so adding a width adds jobs and touches nothing that exists.

MODELS = f"{RESULTS}/models/binary"
#: A model's name, and the wildcard pattern of every path that holds one (lstm_w8_d1).
MODEL = "{arch}_w{width}_d{depth}"


def binary_models():
    """(arch, width, depth) of every configured model: width sweep at depth 1 + depth sweeps."""
    models = set()
    for arch, cfg in config["binary_models"]["architectures"].items():
        models |= {(arch, width, 1) for width in cfg["widths"]}
        models |= {
            (arch, width, depth) for width in cfg["depth_sweep_widths"] for depth in cfg["depths"]
        }
    return sorted(models)


def model_name(arch, width, depth):
    return MODEL.format(arch=arch, width=width, depth=depth)


def parse_model_name(name):
    """'lstm_w8_d1' -> ('lstm', '8', '1'): the inverse of model_name()."""
    pattern = MODEL.format(arch=r"(\w+)", width=r"(\d+)", depth=r"(\d+)")
    return re.fullmatch(pattern, name).groups()


def model_dir(wildcards):
    """A model's folder: its restarts' run folders and the selection."""
    return f"{MODELS}/{model_name(wildcards.arch, wildcards.width, wildcards.depth)}"


def binary_model_names():
    return [model_name(*model) for model in binary_models()]


def model_restarts(arch):
    """Training runs of every model of ``arch`` (the per-architecture override, else the default)."""
    cfg = config["binary_models"]
    return cfg["architectures"][arch]["restarts"] or cfg["restarts"]


def train_flags(wildcards):
    cfg = config["binary_models"]
    arch_cfg = cfg["architectures"][wildcards.arch]
    return cli_flags(
        {
            "arch": wildcards.arch,
            "width": wildcards.width,
            "depth": wildcards.depth,
            "data": "binary",
            "embedding_dim": arch_cfg["embedding_dim"] if wildcards.arch != "transformer" else None,
            "heads": arch_cfg["heads"] if wildcards.arch == "transformer" else None,
            "train_sequences": arch_cfg["train_sequences"] or cfg["train_sequences"],
            "max_epochs": arch_cfg["max_epochs"] or cfg["max_epochs"],
            "lr": arch_cfg["lr"],
            "batch_size": arch_cfg["batch_size"],
            "patience": cfg["patience"],
            "seed": config["seed"] + int(wildcards.seed),
        }
    )


rule train_model:
    """One restart of one model (resumes from its checkpoint if the job was killed)."""
    input:
        train=f"{RESULTS}/data/binary/train.npy",
        valid=f"{RESULTS}/data/binary/valid.npy",
    output:
        # the run folder also holds checkpoint.pt, best.pt and log.csv; result.json comes last
        f"{MODELS}/{MODEL}/seed{{seed}}/result.json",
    log:
        log_path("train_model", f"{MODEL}/seed{{seed}}"),
    benchmark:
        benchmark_path("train_model", f"{MODEL}/seed{{seed}}")
    # longest first (estimated minutes), so that the big Transformers do not start last and
    # leave the other cores idle at the end of the run
    priority: lambda wildcards: train_runtime(wildcards, 1)
    threads: 1
    resources:
        **step_resources("train_model"),
    params:
        flags=train_flags,
        out_dir=lambda wc: f"{model_dir(wc)}/seed{wc.seed}",
    shell:
        "{MISCALING} train {params.flags} --train {input.train} --valid {input.valid}"
        " --threads {threads} --out-dir {params.out_dir} > {log} 2>&1"


rule select_model:
    """The restart with the lowest validation loss."""
    input:
        lambda wc: [
            f"{model_dir(wc)}/seed{seed}/result.json" for seed in range(model_restarts(wc.arch))
        ],
    output:
        f"{MODELS}/{MODEL}/selection.json",
    log:
        log_path("select_model", MODEL),
    benchmark:
        benchmark_path("select_model", MODEL)
    threads: 1
    resources:
        **step_resources("select_model"),
    params:
        runs=lambda wc, input: " ".join(os.path.dirname(path) for path in input),
    shell:
        "{MISCALING} select {params.runs} --out {output} > {log} 2>&1"


rule sample_model:
    """Unconditional samples (paper: 2,000 x 512) from the selected restart, batched."""
    input:
        selection=f"{MODELS}/{MODEL}/selection.json",
        train=f"{RESULTS}/data/binary/train.npy",
    output:
        f"{RESULTS}/data/binary_samples/{MODEL}.npy",
    log:
        log_path("sample_model", MODEL),
    benchmark:
        benchmark_path("sample_model", MODEL)
    threads: 1
    resources:
        **step_resources("sample_model"),
    params:
        n=config["binary_models"]["n_samples"],
        length=config["binary"]["length"],
        seed=config["seed"],
    shell:
        "{MISCALING} sample {input.selection} --n-sequences {params.n} --length {params.length}"
        " --first-symbols {input.train} --seed {params.seed} --threads {threads}"
        " --out {output} > {log} 2>&1"
