# Sequence models: train every (arch, width, depth) x restart of a model family, keep the restart
# with the lowest validation loss, sample from it.  The samples land in
# results/data/<family>_samples/<model>.npy, where the generic mi_data / fit_data rules measure
# them.
#
# Families: `binary` (Sections 4.2.1 / 5.1: the synthetic binary data, config binary_models) and
# the language models `<corpus>_<level>`, e.g. wikitext2_char and wikitext2_word (Sections 4.2.2 /
# 5.2, config text_models; text_models.smk adds their rules).  Every family goes through the same
# three rules: the text ones are these rules with the family in their paths (`use rule ... with:`,
# the binary paths and logs predate the families); flags, priorities and resources come from the
# helpers below, which look the family up.
#
# A model's name carries everything that defines it (lstm_w8_d1) and its family is the folder
# above it; the training settings are params, so adding a width adds jobs and touches nothing
# that exists.

from types import SimpleNamespace

MODELS = f"{RESULTS}/models/binary"
#: A model's name, and the wildcard pattern of every path that holds one (lstm_w8_d1).
MODEL = "{arch}_w{width}_d{depth}"


def model_family(wildcards):
    """The family of a job's model: its `family` wildcard, `binary` where the paths have none."""
    return getattr(wildcards, "family", "binary")


def family_architectures(family):
    """{arch: its config section} of a family (binary_models.architectures, or a text level's)."""
    if family == "binary":
        return config["binary_models"]["architectures"]
    return text_level_config(family)["architectures"]


def family_models(family):
    """(arch, width, depth) of every configured model: width sweep at depth 1 + depth sweeps."""
    models = set()
    for arch, cfg in family_architectures(family).items():
        models |= {(arch, width, 1) for width in cfg["widths"]}
        models |= {
            (arch, width, depth) for width in cfg["depth_sweep_widths"] for depth in cfg["depths"]
        }
    return sorted(models)


def binary_models():
    return family_models("binary")


def model_name(arch, width, depth):
    return MODEL.format(arch=arch, width=width, depth=depth)


def parse_model_name(name):
    """'lstm_w8_d1' -> ('lstm', '8', '1'): the inverse of model_name()."""
    pattern = MODEL.format(arch=r"(\w+)", width=r"(\d+)", depth=r"(\d+)")
    return re.fullmatch(pattern, name).groups()


#: The samples of one restart (lstm_w8_d1_seed1), beside the selected restart's (lstm_w8_d1).
RESTART = MODEL + "_seed{seed}"


def parse_sample_name(name):
    """A sample set's labels: arch, width, depth, and restart for one restart's samples."""
    model, _, seed = name.partition("_seed")
    labels = dict(zip(("arch", "width", "depth"), parse_model_name(model)))
    return {**labels, "restart": seed} if seed else labels


def seed_spread_enabled(family):
    section = config["binary_models"] if family == "binary" else config["text_models"]
    return section["seed_spread"]


def restart_sample_names(family):
    """Every restart's sample set where the family measures the spread between training seeds
    (seed_spread) and a model has two or more restarts: lstm_w8_d1_seed0, ..._seed1, ..."""
    if not seed_spread_enabled(family):
        return []
    return [
        f"{model_name(arch, width, depth)}_seed{seed}"
        for arch, width, depth in family_models(family)
        if model_restarts(arch, family) >= 2
        for seed in range(model_restarts(arch, family))
    ]


def family_model_dir(family, name):
    return f"{RESULTS}/models/{family}/{name}"


def model_dir(wildcards):
    """A model's folder: its restarts' run folders and the selection."""
    name = model_name(wildcards.arch, wildcards.width, wildcards.depth)
    return family_model_dir(model_family(wildcards), name)


def family_model_names(family):
    return [model_name(*model) for model in family_models(family)]


def binary_model_names():
    return family_model_names("binary")


def model_restarts(arch, family="binary"):
    """Training runs of every model of ``arch`` (its own override, else the family's default)."""
    if family != "binary":
        return text_restarts(family, arch)
    cfg = config["binary_models"]
    return cfg["architectures"][arch]["restarts"] or cfg["restarts"]


def train_flags(wildcards):
    if model_family(wildcards) != "binary":
        return text_train_flags(wildcards)
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


def restart_train_flags(wildcards):
    """The training flags of every restart of a model: select_model's params, so that a model
    whose settings changed is selected again even when its retraining failed (Snakemake removes
    a failed job's result.json and does not rerun a job, here the selection, whose output
    exists because one of its inputs went missing; a changed param it does rerun)."""
    restarts = model_restarts(wildcards.arch, model_family(wildcards))
    return [
        train_flags(SimpleNamespace(**dict(wildcards.items()), seed=seed))
        for seed in range(restarts)
    ]


def sample_shape(wildcards):
    """(sequences, length) a model samples: binary 2,000 x 512 (paper); text: text_sample_shape."""
    if model_family(wildcards) != "binary":
        return text_sample_shape(model_family(wildcards), wildcards.arch)
    return config["binary_models"]["n_samples"], config["binary"]["length"]


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
    # --replace-other-run: a job rerun because its settings changed finds the old run's
    # checkpoint in its folder; it starts over instead of refusing (a killed run of the same
    # settings still resumes)
    shell:
        "{MISCALING} train {params.flags} --train {input.train} --valid {input.valid}"
        " --threads {threads} --out-dir {params.out_dir} --replace-other-run > {log} 2>&1"


rule select_model:
    """The restart with the lowest validation loss."""
    input:
        lambda wc: [
            f"{model_dir(wc)}/seed{seed}/result.json"
            for seed in range(model_restarts(wc.arch, model_family(wc)))
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
        trainings=restart_train_flags,
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
        n=lambda wc: sample_shape(wc)[0],
        length=lambda wc: sample_shape(wc)[1],
        seed=config["seed"],
    shell:
        "{MISCALING} sample {input.selection} --n-sequences {params.n} --length {params.length}"
        " --first-symbols {input.train} --seed {params.seed} --threads {threads}"
        " --out {output} > {log} 2>&1"


use rule sample_model as sample_restart with:
    input:
        # one restart's own run, to measure how far xi moves between training seeds
        selection=f"{MODELS}/{MODEL}/seed{{seed}}/result.json",
        train=f"{RESULTS}/data/binary/train.npy",
    output:
        f"{RESULTS}/data/binary_samples/{RESTART}.npy",
    log:
        log_path("sample_restart", RESTART),
    benchmark:
        benchmark_path("sample_restart", RESTART)


# The language models: the same three rules with the family in their paths, and the steps
# between their samples and the generic measurement rules.
include: "text_models.smk"
