# Language models on a corpus (Sections 4.2.2 / 5.2, Appendix E.1.2, E.2.2 and F): LSTMs and
# Transformers at character and word level, config text_models.  They are trained, selected and
# sampled by models.smk's rules (their families are `<corpus>_<level>`, e.g. wikitext2_char), and
# their samples are measured at character level by analysis.smk's mi_data / fit_data:
#
#   results/data/<corpus>_<level>/{train,valid,test}.npy + vocab.json     prepare_corpus
#   results/models/<corpus>_<level>/<model>/seed<S>/ and selection.json    train/select_text_model
#   results/data/<corpus>_<level>_samples/<model>.npy   the samples, ids of the model's vocabulary:
#       char models: [streams, length] (LSTM) or [sequences, context + 1] (Transformer) characters;
#       word models: words, turned by words_to_chars into <model>.txt (the text, as wiki.*.tokens)
#       and <model>.npz (its characters, one array per stream/sequence: what is measured)
#   results/data/<corpus>_char_reference/<level>_<model>.npy|.npz          text_reference
#       contiguous training text cut like the sample set: the size-matched data reference
#   results/{mi,fits}/data/<dataset>/<name>.csv                            mi_data, fit_data
#   results/figures/appendix_f.txt                                         appendix_f
#
# Text models run only when text_models.corpus is in corpora.names (the corpus is downloaded and
# measured anyway then); the smoke preset has no corpora, so no language model is trained there.

import math

# The recipes (Appendix E) come from the library itself: miscaling.recipes is torch-free.
from miscaling.recipes import paper_config

TEXT_LEVELS = ("char", "word")
TEXT_CORPORA = "ptb|wikitext2|wikitext103|text8"


wildcard_constraints:
    family=f"({TEXT_CORPORA})_(char|word)",
    ext="npy|npz",


def text_models_enabled():
    cfg = config["text_models"]
    return cfg["enabled"] and cfg["corpus"] in config["corpora"]["names"]


def family_corpus(family):
    return family.rsplit("_", 1)[0]


def family_level(family):
    return family.rsplit("_", 1)[1]


def text_level_config(family):
    return config["text_models"][family_level(family)]


def text_families():
    """Text model families with at least one model, e.g. ['wikitext2_char', 'wikitext2_word']."""
    if not text_models_enabled():
        return []
    corpus = config["text_models"]["corpus"]
    families = [f"{corpus}_{level}" for level in TEXT_LEVELS]
    return [family for family in families if family_models(family)]


def text_setting(family, arch, key):
    """An architecture's value of ``key``, else its level's (None: the recipe's)."""
    value = text_level_config(family)["architectures"][arch].get(key)
    return value if value is not None else text_level_config(family).get(key)


def text_restarts(family, arch):
    return text_setting(family, arch, "restarts") or config["text_models"]["restarts"]


def text_bptt(family, arch):
    """Window length: truncated BPTT of an LSTM, the context of a Transformer."""
    return text_setting(family, arch, "bptt") or paper_config(arch, family_level(family)).bptt


def text_batch(family, arch):
    return (
        text_setting(family, arch, "batch_size")
        or paper_config(arch, family_level(family)).batch_size
    )


def text_sample_shape(family, arch):
    """(sequences, length) of a model's samples, about sample_symbols in all (paper: 2 MB).

    LSTMs: sample_streams parallel streams from the zero state; Transformers: independent
    sequences of context + 1 symbols (a Transformer cannot sample further; the paper's claims
    concern tau up to its context).
    """
    level = text_level_config(family)
    total = level["sample_symbols"]
    if arch == "transformer":
        length = text_bptt(family, arch) + 1
        return math.ceil(total / length), length
    streams = level["sample_streams"]
    return streams, math.ceil(total / streams)


def text_train_flags(wildcards):
    family, arch = wildcards.family, wildcards.arch
    arch_cfg = text_level_config(family)["architectures"][arch]
    flags = cli_flags(
        {
            "arch": arch,
            "width": wildcards.width,
            "depth": wildcards.depth,
            # the paper's recipe of the level (Appendix E) and its model options; the flags
            # below override single settings where the config sets them
            "data": family_level(family),
            "embedding_dim": arch_cfg["embedding_dim"] if arch != "transformer" else None,
            "heads": arch_cfg["heads"] if arch == "transformer" else None,
            "train_symbols": text_setting(family, arch, "train_symbols"),
            "valid_symbols": text_setting(family, arch, "valid_symbols"),
            "bptt": arch_cfg["bptt"],
            "max_epochs": text_setting(family, arch, "max_epochs"),
            "patience": text_setting(family, arch, "patience"),
            "lr": arch_cfg["lr"],
            "batch_size": arch_cfg["batch_size"],
            "dropout": arch_cfg["dropout"],
            "seed": config["seed"] + int(wildcards.seed),
        }
    )
    return flags + (" --mixed-precision" if config["text_models"]["mixed_precision"] else "")


# --------------------------------------------------------------------------- measured sets


def sample_dataset(family):
    """The data set of a family's samples as measured (character level): '<family>_samples'."""
    return f"{family}_samples"


def reference_dataset(family):
    return f"{family_corpus(family)}_char_reference"


def reference_name(family, model):
    return f"{family_level(family)}_{model}"


def is_text_sample_dataset(dataset):
    """Samples of a language model or their size-matched references (measured like the corpora)."""
    if dataset == "binary_samples":
        return False
    return dataset.endswith(("_samples", "_reference"))


def text_sample_suffix(level):
    """Char samples are [sequences, length] arrays; word samples become ragged characters."""
    return "npy" if level == "char" else "npz"


def text_sample_sets(level=None, arch=None):
    """Every text model's measured sample set and its reference, as dicts (figure inputs).

    Keys: family, corpus, level, arch, width, depth, model, and the (dataset, name) pairs
    `samples` and `reference`; their tables are mi_table(*pair) and fit_table(*pair).
    """
    sets = []
    for family in text_families():
        if level not in (None, family_level(family)):
            continue
        for model_arch, width, depth in family_models(family):
            if arch not in (None, model_arch):
                continue
            model = model_name(model_arch, width, depth)
            sets.append(
                {
                    "family": family,
                    "corpus": family_corpus(family),
                    "level": family_level(family),
                    "arch": model_arch,
                    "width": width,
                    "depth": depth,
                    "model": model,
                    "samples": (sample_dataset(family), model),
                    "reference": (reference_dataset(family), reference_name(family, model)),
                }
            )
    return sets


def mi_table(dataset, name):
    return f"{RESULTS}/mi/data/{dataset}/{name}.csv"


def fit_table(dataset, name):
    return f"{RESULTS}/fits/data/{dataset}/{name}.csv"


def text_sample_labels(dataset, name):
    """Labels of a text sample set (corpus, the model's level, arch, width, depth) or reference."""
    if dataset.endswith("_reference"):
        level, model = name.split("_", 1)
        corpus = dataset.removesuffix("_char_reference")
        extra = ["reference=size_matched"]
    else:
        corpus, level = dataset.removesuffix("_samples").rsplit("_", 1)
        model, extra = name, []
    labels = [f"{key}={value}" for key, value in parse_sample_name(model).items()]
    return [f"corpus={corpus}", f"level={level}"] + labels + extra


def text_data_path(dataset, name):
    """The array of a text sample set or reference that mi_data measures."""
    if dataset.endswith("_reference"):
        suffix = text_sample_suffix(name.split("_", 1)[0])
    else:
        suffix = text_sample_suffix(family_level(dataset.removesuffix("_samples")))
    return f"{RESULTS}/data/{dataset}/{name}.{suffix}"


#: Sample sets are measured up to 98% of their longest sequence (``mi --max-lag-fraction``): a
#: Transformer's samples are context + 1 symbols (513 characters; word samples ~900), and the
#: paper's long-range claims about them reach tau ~ 500.  Near the sequence length few pairs
#: are left and the floor rises steeply, but every lag carries its own floor and the window
#: rule weighs each lag by its own noise (docs/METHODS.md).  Recurrent models' streams are far
#: longer than any lag, so their grid is the corpora's.
SAMPLE_MAX_LAG_FRACTION = 0.98


# --------------------------------------------------------------------------- rules


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
        **step_resources("words_to_chars"),
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
        samples=lambda wc: text_data_path(
            sample_dataset(f"{wc.corpus}_{wc.level}"), model_name(wc.arch, wc.width, wc.depth)
        ),
        train=f"{RESULTS}/data/{{corpus}}_char/train.npy",
    output:
        f"{RESULTS}/data/{{corpus}}_char_reference/{{level}}_{MODEL}.{{ext}}",
    log:
        log_path("text_reference", f"{{corpus}}_char_reference/{{level}}_{MODEL}.{{ext}}"),
    benchmark:
        benchmark_path("text_reference", f"{{corpus}}_char_reference/{{level}}_{MODEL}.{{ext}}")
    threads: 1
    resources:
        **step_resources("text_reference"),
    params:
        seed=config["seed"],
    shell:
        "{MISCALING} text reference {input.samples} --train {input.train} --seed {params.seed}"
        " --out {output} > {log} 2>&1"


def excerpt_inputs(wildcards):
    """Every text model's samples as it produced them, with the vocabulary that decodes them."""
    samples, vocabs = [], []
    for entry in text_sample_sets():
        family = entry["family"]
        samples.append(f"{RESULTS}/data/{sample_dataset(family)}/{entry['model']}.npy")
        vocabs.append(f"{RESULTS}/data/{family}/vocab.json")
    return {"samples": samples, "vocabs": vocabs}


rule appendix_f:
    """Appendix F: the first characters of every text model's samples, one section per model."""
    input:
        unpack(excerpt_inputs),
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
        **step_resources("appendix_f"),
    params:
        names=lambda wc: cli_flags(
            {"names": [f"{s['family']}/{s['model']}" for s in text_sample_sets()]}
        ),
        chars=config["text_models"]["excerpt_chars"],
    shell:
        "{MISCALING} text excerpts --samples {input.samples} --vocab {input.vocabs}"
        " {params.names} --chars {params.chars} --out {output} > {log} 2>&1"
