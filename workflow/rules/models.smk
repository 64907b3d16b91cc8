# Sequence models: train every (arch, width, depth) x restart of a model family, keep the restart
# with the lowest validation loss, sample from it.  Families: `binary` (the synthetic data,
# config binary_models; its paths predate the families and have no family folder) and the
# language models `<corpus>_<level>` (text_models.smk: these rules with the family in their
# paths).  A model's name carries what defines it (lstm_w8_d1); the training settings are
# params, so adding a width adds jobs and touches nothing that exists.

MODELS = f"{RESULTS}/models/binary"


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
    priority: RESOURCES.train_priority
    threads: 1
    resources:
        **RESOURCES.step("train_model"),
    params:
        flags=PLAN.train_flags,
        out_dir=PLAN.run_dir,
    # --replace-other-run: a job rerun because its settings changed finds the old run's
    # checkpoint in its folder; it starts over instead of refusing (a killed run of the same
    # settings still resumes)
    shell:
        "{MISCALING} train {params.flags} --train {input.train} --valid {input.valid}"
        " --threads {threads} --out-dir {params.out_dir} --replace-other-run > {log} 2>&1"


rule select_model:
    """The restart with the lowest validation loss."""
    input:
        PLAN.restart_results,
    output:
        f"{MODELS}/{MODEL}/selection.json",
    log:
        log_path("select_model", MODEL),
    benchmark:
        benchmark_path("select_model", MODEL)
    threads: 1
    resources:
        **RESOURCES.step("select_model"),
    params:
        runs=lambda wc, input: " ".join(os.path.dirname(path) for path in input),
        trainings=PLAN.restart_train_flags,
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
        **RESOURCES.step("sample_model"),
    params:
        n=lambda wc: PLAN.job_sample_shape(wc)[0],
        length=lambda wc: PLAN.job_sample_shape(wc)[1],
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
