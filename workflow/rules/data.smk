# Natural-language corpora: verified download -> (text8 split) -> integer arrays (Appendix D.2).
#
# Every corpus lands in results/raw/<corpus>/ with a manifest.json written last, after every file
# was verified against its published checksum; later rules read the manifest, so a corpus that is
# not complete and verified is never used.  Arrays land in results/data/<corpus>_<level>/, where
# the generic mi_data / fit_data rules of analysis.smk pick them up.


rule download_corpus:
    """Fetch and verify one corpus (canonical URLs, or a mirror: config corpora.mirror / $MISCALING_MIRROR)."""
    output:
        f"{RESULTS}/raw/{{corpus}}/manifest.json",
    log:
        log_path("download_corpus", "{corpus}"),
    benchmark:
        benchmark_path("download_corpus", "{corpus}")
    priority: CHEAP_FIRST_PRIORITY
    retries: 1
    threads: 1
    resources:
        **RESOURCES.step("download_corpus"),
    params:
        mirror=PLAN.mirror_flag,
        dest=lambda wc: f"{RESULTS}/raw/{wc.corpus}",
    shell:
        "{MISCALING} download {wildcards.corpus} --dest {params.dest} {params.mirror}"
        " --manifest {output} > {log} 2>&1"


rule split_text8:
    """text8 into consecutive 90 MB / 5 MB / 5 MB train / valid / test, as the paper did."""
    input:
        f"{RESULTS}/raw/text8/manifest.json",
    output:
        f"{RESULTS}/raw/text8/split/manifest.json",
    log:
        log_path("split_text8", "text8"),
    benchmark:
        benchmark_path("split_text8", "text8")
    priority: CHEAP_FIRST_PRIORITY
    threads: 1
    resources:
        **RESOURCES.step("split_text8"),
    params:
        out_dir=f"{RESULTS}/raw/text8/split",
    shell:
        "{MISCALING} prepare split-text8 {input} --out-dir {params.out_dir} > {log} 2>&1"


rule prepare_corpus:
    """One vocabulary over train/valid/test; one integer array per split (uint8/16/32)."""
    input:
        PLAN.corpus_manifest,
    output:
        **{split: f"{RESULTS}/data/{{corpus}}_{{level}}/{split}.npy" for split in CORPUS_SPLITS},
        vocab=f"{RESULTS}/data/{{corpus}}_{{level}}/vocab.json",
    log:
        log_path("prepare_corpus", "{corpus}_{level}"),
    benchmark:
        benchmark_path("prepare_corpus", "{corpus}_{level}")
    priority: CHEAP_FIRST_PRIORITY
    threads: 1
    resources:
        **RESOURCES.step("prepare_corpus"),
    params:
        out_dir=lambda wc: f"{RESULTS}/data/{wc.corpus}_{wc.level}",
    shell:
        "{MISCALING} prepare corpus {input} --level {wildcards.level}"
        " --out-dir {params.out_dir} > {log} 2>&1"


rule prepare_gpt2:
    """GPT-2 samples at character level, one sequence per sample (dividers removed)."""
    input:
        f"{RESULTS}/raw/gpt2/manifest.json",
    output:
        samples=f"{RESULTS}/data/gpt2_char/samples.npz",
        vocab=f"{RESULTS}/data/gpt2_char/vocab.json",
    log:
        log_path("prepare_gpt2", "gpt2"),
    benchmark:
        benchmark_path("prepare_gpt2", "gpt2")
    priority: CHEAP_FIRST_PRIORITY
    threads: 1
    resources:
        **RESOURCES.step("prepare_gpt2"),
    params:
        out_dir=f"{RESULTS}/data/gpt2_char",
    shell:
        "{MISCALING} prepare gpt2 {input} --out-dir {params.out_dir} > {log} 2>&1"
