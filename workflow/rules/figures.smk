# The paper's figures, assembled from the tables the pipeline computed.


rule fig5:
    """Figure 5: the estimator on binary sequences with I = A tau^-gamma for several gamma."""
    input:
        curves=lambda wc: expand(
            f"{RESULTS}/mi/data/estimator_benchmark/gamma{{gamma}}.csv", gamma=benchmark_gammas()
        ),
        fits=lambda wc: expand(
            f"{RESULTS}/fits/data/estimator_benchmark/gamma{{gamma}}.csv", gamma=benchmark_gammas()
        ),
    output:
        pdf=report(
            f"{RESULTS}/figures/fig5.pdf", caption="../report/fig5.rst", category="Estimator"
        ),
        png=f"{RESULTS}/figures/fig5.png",
        table=f"{RESULTS}/figures/fig5.csv",
        gamma_table=f"{RESULTS}/figures/fig5_gamma.csv",
    log:
        log_path("fig5", "fig5"),
    benchmark:
        benchmark_path("fig5", "fig5")
    threads: 1
    resources:
        **step_resources("fig5"),
    params:
        tolerance=config["estimator_benchmark"]["tolerance"],
    shell:
        "{MISCALING} figure fig5 --curves {input.curves} --fits {input.fits}"
        " --tolerance {params.tolerance} --out {output.pdf} > {log} 2>&1"


rule fig6:
    """Figure 6: character-level I(tau) of the corpora's train/valid/test splits, and the non-uniformity table."""
    input:
        curves=lambda wc: [
            f"{RESULTS}/mi/data/{d}/{s}.csv" for d in corpus_datasets() for s in CORPUS_SPLITS
        ],
        uniformity=lambda wc: [
            f"{RESULTS}/uniformity/data/{d}/{s}.csv"
            for d in corpus_datasets()
            for s in CORPUS_SPLITS
        ],
    output:
        pdf=report(f"{RESULTS}/figures/fig6.pdf", caption="../report/fig6.rst", category="Data"),
        png=f"{RESULTS}/figures/fig6.png",
        table=f"{RESULTS}/figures/fig6.csv",
        uniformity=f"{RESULTS}/figures/fig6_uniformity.csv",
    log:
        log_path("fig6", "fig6"),
    benchmark:
        benchmark_path("fig6", "fig6")
    threads: 1
    resources:
        **step_resources("fig6"),
    shell:
        "{MISCALING} figure fig6 --curves {input.curves} --uniformity {input.uniformity}"
        " --out {output.pdf} > {log} 2>&1"


rule corpus_summary:
    """The paper's claims about the corpora themselves: a power law in every training set."""
    input:
        curves=lambda wc: [
            f"{RESULTS}/mi/data/{d}/{s}.csv" for d in corpus_datasets() for s in CORPUS_SPLITS
        ],
    output:
        f"{RESULTS}/figures/corpus_trends.csv",
    log:
        log_path("corpus_summary", "corpus"),
    benchmark:
        benchmark_path("corpus_summary", "corpus")
    threads: 1
    resources:
        **step_resources("corpus_summary"),
    shell:
        "{MISCALING} corpus-summary --curves {input.curves} --out {output} > {log} 2>&1"


def model_inputs(wildcards):
    names = binary_model_names()
    return {
        "curves": [f"{RESULTS}/mi/data/binary_samples/{n}.csv" for n in names],
        "fits": [f"{RESULTS}/fits/data/binary_samples/{n}.csv" for n in names],
        "reference": f"{RESULTS}/fits/data/binary/train.csv",
    }


def model_figure_inputs(wildcards):
    """model_inputs and the training data's I(tau): the reference curve and data size."""
    return {**model_inputs(wildcards), "data_curve": f"{RESULTS}/mi/data/binary/train.csv"}


rule model_figure:
    """Figures 1, 3(a), 7, 9 from the samples' I(tau) and fits, and the training data's."""
    input:
        unpack(model_figure_inputs),
    output:
        pdf=report(
            f"{RESULTS}/figures/{{figure}}.pdf",
            caption="../report/models.rst",
            category="Sequence models",
        ),
        png=f"{RESULTS}/figures/{{figure}}.png",
        table=f"{RESULTS}/figures/{{figure}}.csv",
    log:
        log_path("model_figure", "{figure}"),
    benchmark:
        benchmark_path("model_figure", "{figure}")
    wildcard_constraints:
        figure="fig1|fig3|fig7|fig9",
    threads: 1
    resources:
        **step_resources("model_figure"),
    shell:
        "{MISCALING} figure {wildcards.figure} --curves {input.curves} --fits {input.fits}"
        " --reference {input.reference} --data-curve {input.data_curve}"
        " --out {output.pdf} > {log} 2>&1"


def restart_fits(family):
    """The fit tables of every restart's samples of a family (none without seed_spread)."""
    return [fit_table(sample_dataset(family), name) for name in restart_sample_names(family)]


rule model_summary:
    """Every binary model's xi, gamma and AICc verdict, and the checks of the paper's claims."""
    input:
        fits=lambda wc: model_inputs(wc)["fits"],
        curves=lambda wc: model_inputs(wc)["curves"],
        reference=f"{RESULTS}/fits/data/binary/train.csv",
        reference_curve=f"{RESULTS}/mi/data/binary/train.csv",
        restart_fits=lambda wc: restart_fits("binary"),
    output:
        models=report(
            f"{RESULTS}/figures/binary_models.csv",
            caption="../report/model_summary.rst",
            category="Sequence models",
        ),
        trends=report(
            f"{RESULTS}/figures/binary_trends.csv",
            caption="../report/model_summary.rst",
            category="Sequence models",
        ),
        restarts=f"{RESULTS}/figures/binary_restarts.csv",
    log:
        log_path("model_summary", "binary"),
    benchmark:
        benchmark_path("model_summary", "binary")
    threads: 1
    resources:
        **step_resources("model_summary"),
    params:
        restarts=lambda wc, input: cli_flags({"restart_fits": list(input.restart_fits) or None}),
    shell:
        "{MISCALING} model-summary --fits {input.fits} --curves {input.curves}"
        " --reference {input.reference} --reference-curve {input.reference_curve}"
        " {params.restarts} --models-out {output.models} --trends-out {output.trends}"
        " --restarts-out {output.restarts} > {log} 2>&1"


# The language models: Figures 2, 3(b-d), 8, 10 and their per-model table, from the same sample
# I(tau) and fit tables as the binary figures (text_sample_sets(): every model's samples and its
# size-matched reference).  A figure is made when its architecture has at least one model.

TEXT_FIGURE_ARCHS = {
    "fig2": "lstm",
    "fig3_text": "transformer",
    "fig8": "lstm",
    "fig10": "transformer",
}


def text_figures():
    archs = {entry["arch"] for entry in text_sample_sets()}
    return [figure for figure, arch in TEXT_FIGURE_ARCHS.items() if arch in archs]


def text_data_curves():
    corpus = config["text_models"]["corpus"]
    return {
        "curve": f"{RESULTS}/mi/data/{corpus}_char/train.csv",
        "fit": f"{RESULTS}/fits/data/{corpus}_char/train.csv",
    }


def gpt2_curves():
    return [f"{RESULTS}/mi/data/gpt2_char/samples.csv"] if config["corpora"]["gpt2"] else []


def depth_sweep_width(level, arch, default):
    """The width of a level's depth sweep (Figs 8(b), 10(b)); the paper: char 128, word 512."""
    cfg = config["text_models"][level]["architectures"].get(arch) or {}
    widths = cfg.get("depth_sweep_widths") or []
    return widths[0] if widths else default


def text_figure_inputs(wildcards):
    sets = text_sample_sets(arch=TEXT_FIGURE_ARCHS[wildcards.figure])
    if wildcards.figure in ("fig8", "fig10"):
        return {
            "fits": [fit_table(*entry["samples"]) for entry in sets],
            "curves": [mi_table(*entry["samples"]) for entry in sets],
            "reference": text_data_curves()["fit"],
        }
    inputs = {
        "curves": [mi_table(*entry["samples"]) for entry in sets],
        "references": [mi_table(*entry["reference"]) for entry in sets],
        "data": text_data_curves()["curve"],
    }
    if wildcards.figure == "fig3_text":
        inputs["gpt2"] = gpt2_curves()
    return inputs


def text_figure_flags(wildcards, input):
    if wildcards.figure in ("fig8", "fig10"):
        arch = TEXT_FIGURE_ARCHS[wildcards.figure]
        return cli_flags(
            {
                "fits": list(input.fits),
                "curves": list(input.curves),
                "reference": input.reference,
                "char_width": depth_sweep_width("char", arch, 128),
                "word_width": depth_sweep_width("word", arch, 512),
            }
        )
    options = {
        "curves": list(input.curves),
        "references": list(input.references),
        "data_curve": input.data,
    }
    if wildcards.figure == "fig3_text":
        options["gpt2"] = list(input.gpt2) or None
    return cli_flags(options)


rule text_figure:
    """Figures 2, 3(b-d), 8, 10: the language models' sample I(tau) and correlation lengths."""
    input:
        unpack(text_figure_inputs),
    output:
        pdf=report(
            f"{RESULTS}/figures/{{figure}}.pdf",
            caption="../report/text_models.rst",
            category="Language models",
        ),
        png=f"{RESULTS}/figures/{{figure}}.png",
        table=f"{RESULTS}/figures/{{figure}}.csv",
    log:
        log_path("text_figure", "{figure}"),
    benchmark:
        benchmark_path("text_figure", "{figure}")
    wildcard_constraints:
        figure="fig2|fig3_text|fig8|fig10",
    threads: 1
    resources:
        **step_resources("text_figure"),
    params:
        flags=text_figure_flags,
    shell:
        "{MISCALING} figure {wildcards.figure} {params.flags} --out {output.pdf} > {log} 2>&1"


def text_summary_inputs(wildcards):
    sets = text_sample_sets()
    data = text_data_curves()
    inputs = {
        "fits": [fit_table(*entry["samples"]) for entry in sets],
        "curves": [mi_table(*entry["samples"]) for entry in sets],
        "reference": data["fit"],
        "reference_curve": data["curve"],
        "size_matched_curves": [mi_table(*entry["reference"]) for entry in sets],
        "size_matched_fits": [fit_table(*entry["reference"]) for entry in sets],
        "char_training": [
            f"{family_model_dir(e['family'], e['model'])}/selection.json"
            for e in sets
            if e["level"] == "char"
        ],
        "word_training": [
            f"{family_model_dir(e['family'], e['model'])}/selection.json"
            for e in sets
            if e["level"] == "word"
        ],
    }
    inputs["restart_fits"] = [fit for family in text_families() for fit in restart_fits(family)]
    # the binary models' measured seed spread stands in for a level without its own
    inputs["binary_models"] = f"{RESULTS}/figures/binary_models.csv"
    if config["corpora"]["gpt2"]:
        inputs["gpt2_fits"] = f"{RESULTS}/fits/data/gpt2_char/samples.csv"
        inputs["gpt2_curve"] = gpt2_curves()[0]
    return inputs


def text_summary_flags(wildcards, input):
    # a named input is a path (str) or a list of paths
    options = {
        key: value if isinstance(value, str) else list(value) for key, value in input.items()
    }
    options["char_width"] = depth_sweep_width("char", "lstm", 128)
    options["word_width"] = depth_sweep_width("word", "lstm", 512)
    return cli_flags({key: value or None for key, value in options.items()})


rule text_model_summary:
    """Every language model's xi, gamma, verdicts, bpc/perplexity and the paper's claims."""
    input:
        unpack(text_summary_inputs),
    output:
        models=report(
            f"{RESULTS}/figures/text_models.csv",
            caption="../report/text_models.rst",
            category="Language models",
        ),
        trends=report(
            f"{RESULTS}/figures/text_trends.csv",
            caption="../report/text_models.rst",
            category="Language models",
        ),
        restarts=f"{RESULTS}/figures/text_restarts.csv",
    log:
        log_path("text_model_summary", "text"),
    benchmark:
        benchmark_path("text_model_summary", "text")
    threads: 1
    resources:
        **step_resources("text_model_summary"),
    params:
        flags=text_summary_flags,
    shell:
        "{MISCALING} text-model-summary {params.flags} --models-out {output.models}"
        " --trends-out {output.trends} --restarts-out {output.restarts} > {log} 2>&1"
