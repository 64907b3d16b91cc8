# The size-matched control of Figure 6's non-uniformity (miscaling.controls): is a validation or
# test split unlike its training text, or only smaller?  corpora.size_matched_chunks contiguous,
# non-overlapping chunks of each training split, each as long as the validation (test) split,
# are data sets of their corpus like the splits, so analysis.smk's mi_data and uniformity_data
# measure them exactly like the splits (the corpora's lags, estimator, replicates and window):
#
#   results/data/<corpus>_char/train_chunk<k>_<target>.npy     size_matched_chunks (k = 0 ..)
#   results/data/<corpus>_char/train_chunks_<target>.json      ... their offsets in train.npy
#   results/{mi,uniformity}/data/<corpus>_char/train_chunk<k>_<target>.csv   mi_data, uniformity_data
#   results/figures/size_matched_control.{pdf,png,csv}         size_matched_control, with
#       _uniformity.csv (one row per split and chunk) and _summary.csv (the verdicts)


rule size_matched_chunks:
    """Contiguous chunks of a training split, each as long as the validation (test) split."""
    input:
        train=f"{RESULTS}/data/{{corpus}}_{TEXT_LEVEL}/train.npy",
        target=f"{RESULTS}/data/{{corpus}}_{TEXT_LEVEL}/{{target}}.npy",
    output:
        # the pattern of chunk_names("{target}"): the chunks' file stems are their data-set names
        chunks=[
            f"{RESULTS}/data/{{corpus}}_{TEXT_LEVEL}/{name}.npy"
            for name in PLAN.chunk_names("{target}")
        ],
        manifest=f"{RESULTS}/data/{{corpus}}_{TEXT_LEVEL}/train_chunks_{{target}}.json",
    log:
        log_path("size_matched_chunks", f"{{corpus}}_{TEXT_LEVEL}/{{target}}"),
    benchmark:
        benchmark_path("size_matched_chunks", f"{{corpus}}_{TEXT_LEVEL}/{{target}}")
    wildcard_constraints:
        target="|".join(CONTROL_TARGETS),
    threads: 1
    resources:
        **RESOURCES.step("size_matched_chunks"),
    params:
        seed=config["seed"],
    shell:
        "{MISCALING} control chunks {input.train} --size-of {input.target} --seed {params.seed}"
        " --out {output.chunks} --manifest {output.manifest} --label corpus={wildcards.corpus}"
        " > {log} 2>&1"


rule size_matched_control:
    """Each corpus's validation and test splits among same-size training chunks: table, verdicts, figure."""
    input:
        unpack(PLAN.size_matched_inputs),
    output:
        pdf=report(
            f"{RESULTS}/figures/size_matched_control.pdf",
            caption="../report/size_matched_control.rst",
            category="Data",
        ),
        png=f"{RESULTS}/figures/size_matched_control.png",
        table=f"{RESULTS}/figures/size_matched_control.csv",
        uniformity=f"{RESULTS}/figures/size_matched_control_uniformity.csv",
        summary=f"{RESULTS}/figures/size_matched_control_summary.csv",
    log:
        log_path("size_matched_control", "size_matched_control"),
    benchmark:
        benchmark_path("size_matched_control", "size_matched_control")
    threads: 1
    resources:
        **RESOURCES.step("size_matched_control"),
    params:
        confidence=config["estimator"]["confidence"],
    shell:
        "{MISCALING} control size-matched --curves {input.curves} --uniformity {input.uniformity}"
        " --manifests {input.manifests} --confidence {params.confidence} --out {output.pdf}"
        " > {log} 2>&1"
