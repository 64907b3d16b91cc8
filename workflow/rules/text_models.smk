# Language models on a corpus (Sections 4.2.2 / 5.2, Appendix E, F): LSTMs and Transformers at
# character and word level (config text_models), trained, selected and sampled by models.smk's
# rules with the family (`<corpus>_<level>`) in their paths; their samples are measured at
# character level by analysis.smk's rules:
#
#   results/data/<corpus>_<level>/{train,valid,test}.npy + vocab.json     prepare_corpus
#   results/models/<corpus>_<level>/<model>/seed<S>/ and selection.json    train/select_text_model
#   results/data/<corpus>_<level>_samples/<model>.npy   the samples, ids of the model's vocabulary;
#       word samples become <model>.txt and <model>.npz (their characters)  words_to_chars
#   results/data/<corpus>_char_reference/<level>_<model>.npy|.npz          text_reference
#       training text cut like the sample set: the size-matched data reference
#   results/figures/appendix_f.txt                                         appendix_f
#
# They run only when text_models.corpus is in corpora.names (miscaling.plan.Plan.text_families).


wildcard_constraints:
    family=f"({CORPORA})_(char|word)",
    ext="npy|npz",


use rule train_model as train_text_model with:
    input:
        train=f"{RESULTS}/data/{{family}}/train.npy",
        valid=f"{RESULTS}/data/{{family}}/valid.npy",
        # `miscaling train` reads the vocabulary size from the vocab.json beside --train
        vocab=f"{RESULTS}/data/{{family}}/vocab.json",
    output:
        f"{RESULTS}/models/{{family}}/{MODEL}/seed{{seed}}/result.json",
    log:
        log_path("train_text_model", f"{{family}}/{MODEL}/seed{{seed}}"),
    benchmark:
        benchmark_path("train_text_model", f"{{family}}/{MODEL}/seed{{seed}}")


use rule select_model as select_text_model with:
    output:
        f"{RESULTS}/models/{{family}}/{MODEL}/selection.json",
    log:
        log_path("select_text_model", f"{{family}}/{MODEL}"),
    benchmark:
        benchmark_path("select_text_model", f"{{family}}/{MODEL}")


use rule sample_model as sample_text_model with:
    input:
        selection=f"{RESULTS}/models/{{family}}/{MODEL}/selection.json",
        # a text stream: the first symbol is drawn from its unigram frequencies
        train=f"{RESULTS}/data/{{family}}/train.npy",
    output:
        f"{RESULTS}/data/{{family}}_samples/{MODEL}.npy",
    log:
        log_path("sample_text_model", f"{{family}}/{MODEL}"),
    benchmark:
        benchmark_path("sample_text_model", f"{{family}}/{MODEL}")


use rule sample_model as sample_text_restart with:
    input:
        selection=f"{RESULTS}/models/{{family}}/{MODEL}/seed{{seed}}/result.json",
        train=f"{RESULTS}/data/{{family}}/train.npy",
    output:
        f"{RESULTS}/data/{{family}}_samples/{RESTART}.npy",
    log:
        log_path("sample_text_restart", f"{{family}}/{RESTART}"),
    benchmark:
        benchmark_path("sample_text_restart", f"{{family}}/{RESTART}")


rule words_to_chars:
    """Word samples -> text as in wiki.*.tokens -> the training text's character ids."""
    input:
        samples=f"{RESULTS}/data/{{corpus}}_word_samples/{MODEL}.npy",
        word_vocab=f"{RESULTS}/data/{{corpus}}_word/vocab.json",
        char_vocab=f"{RESULTS}/data/{{corpus}}_char/vocab.json",
    output:
        chars=f"{RESULTS}/data/{{corpus}}_word_samples/{MODEL}.npz",
        text=f"{RESULTS}/data/{{corpus}}_word_samples/{MODEL}.txt",
    log:
        log_path("words_to_chars", f"{{corpus}}_word_samples/{MODEL}"),
    benchmark:
        benchmark_path("words_to_chars", f"{{corpus}}_word_samples/{MODEL}")
    threads: 1
    resources:
        **RESOURCES.step("words_to_chars"),
    shell:
        "{MISCALING} text words-to-chars {input.samples} --word-vocab {input.word_vocab}"
        " --char-vocab {input.char_vocab} --out {output.chars} --text-out {output.text}"
        " > {log} 2>&1"


use rule words_to_chars as words_to_chars_restart with:
    input:
        samples=f"{RESULTS}/data/{{corpus}}_word_samples/{RESTART}.npy",
        word_vocab=f"{RESULTS}/data/{{corpus}}_word/vocab.json",
        char_vocab=f"{RESULTS}/data/{{corpus}}_char/vocab.json",
    output:
        chars=f"{RESULTS}/data/{{corpus}}_word_samples/{RESTART}.npz",
        text=f"{RESULTS}/data/{{corpus}}_word_samples/{RESTART}.txt",
    log:
        log_path("words_to_chars", f"{{corpus}}_word_samples/{RESTART}"),
    benchmark:
        benchmark_path("words_to_chars", f"{{corpus}}_word_samples/{RESTART}")


rule text_reference:
    """Contiguous training text cut like a sample set (same lengths): its size-matched reference."""
    input:
        samples=PLAN.reference_samples,
        train=f"{RESULTS}/data/{{corpus}}_char/train.npy",
    output:
        f"{RESULTS}/data/{{corpus}}_char_reference/{{level}}_{MODEL}.{{ext}}",
    log:
        log_path("text_reference", f"{{corpus}}_char_reference/{{level}}_{MODEL}.{{ext}}"),
    benchmark:
        benchmark_path("text_reference", f"{{corpus}}_char_reference/{{level}}_{MODEL}.{{ext}}")
    threads: 1
    resources:
        **RESOURCES.step("text_reference"),
    params:
        seed=config["seed"],
    shell:
        "{MISCALING} text reference {input.samples} --train {input.train} --seed {params.seed}"
        " --out {output} > {log} 2>&1"


rule appendix_f:
    """Appendix F: the first characters of every text model's samples, one section per model."""
    input:
        unpack(PLAN.excerpt_inputs),
    output:
        report(
            f"{RESULTS}/figures/appendix_f.txt",
            caption="../report/appendix_f.rst",
            category="Language models",
        ),
    log:
        log_path("appendix_f", "appendix_f"),
    benchmark:
        benchmark_path("appendix_f", "appendix_f")
    threads: 1
    resources:
        **RESOURCES.step("appendix_f"),
    params:
        names=PLAN.excerpt_names(),
        chars=config["text_models"]["excerpt_chars"],
    shell:
        "{MISCALING} text excerpts --samples {input.samples} --vocab {input.vocabs}"
        " {params.names} --chars {params.chars} --out {output} > {log} 2>&1"
