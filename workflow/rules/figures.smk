# The paper's figures, assembled from the tables the pipeline computed.


rule fig5:
    """Figure 5: the estimator on binary sequences with I = A tau^-gamma for several gamma."""
    input:
        curves=lambda wc: PLAN.benchmark_tables("mi"),
        fits=lambda wc: PLAN.benchmark_tables("fits"),
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
        **RESOURCES.step("fig5"),
    params:
        tolerance=config["estimator_benchmark"]["tolerance"],
    shell:
        "{MISCALING} figure fig5 --curves {input.curves} --fits {input.fits}"
        " --tolerance {params.tolerance} --out {output.pdf} > {log} 2>&1"


rule fig6:
    """Figure 6: character-level I(tau) of the corpora's train/valid/test splits, and the non-uniformity table."""
    input:
        curves=PLAN.corpus_curves,
        uniformity=PLAN.corpus_uniformity,
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
        **RESOURCES.step("fig6"),
    shell:
        "{MISCALING} figure fig6 --curves {input.curves} --uniformity {input.uniformity}"
        " --out {output.pdf} > {log} 2>&1"


rule corpus_summary:
    """The paper's claims about the corpora themselves: a power law in every training set."""
    input:
        curves=PLAN.corpus_curves,
    output:
        f"{RESULTS}/figures/corpus_trends.csv",
    log:
        log_path("corpus_summary", "corpus"),
    benchmark:
        benchmark_path("corpus_summary", "corpus")
    threads: 1
    resources:
        **RESOURCES.step("corpus_summary"),
    shell:
        "{MISCALING} corpus-summary --curves {input.curves} --out {output} > {log} 2>&1"


rule model_figure:
    """Figures 1, 3(a), 7, 9 from the samples' I(tau) and fits, and the training data's."""
    input:
        unpack(PLAN.binary_model_inputs),
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
        figure="|".join(figure.name for figure in FIGURES if figure.made_for == "binary"),
    threads: 1
    resources:
        **RESOURCES.step("model_figure"),
    shell:
        "{MISCALING} figure {wildcards.figure} --curves {input.curves} --fits {input.fits}"
        " --reference {input.reference} --data-curve {input.data_curve}"
        " --out {output.pdf} > {log} 2>&1"


rule model_summary:
    """Every binary model's xi, gamma and AICc verdict, and the checks of the paper's claims."""
    input:
        fits=lambda wc: PLAN.binary_model_inputs()["fits"],
        curves=lambda wc: PLAN.binary_model_inputs()["curves"],
        reference=f"{RESULTS}/fits/data/binary/train.csv",
        reference_curve=f"{RESULTS}/mi/data/binary/train.csv",
        restart_fits=lambda wc: PLAN.restart_fits("binary"),
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
        **RESOURCES.step("model_summary"),
    params:
        restarts=lambda wc, input: cli_flags({"restart_fits": list(input.restart_fits) or None}),
    shell:
        "{MISCALING} model-summary --fits {input.fits} --curves {input.curves}"
        " --reference {input.reference} --reference-curve {input.reference_curve}"
        " {params.restarts} --models-out {output.models} --trends-out {output.trends}"
        " --restarts-out {output.restarts} > {log} 2>&1"


# The language models: Figures 2, 3(b-d), 8, 10 and their per-model table, from the same sample
# I(tau) and fit tables as the binary figures, beside each sample set's size-matched reference.


rule text_figure:
    """Figures 2, 3(b-d), 8, 10: the language models' sample I(tau) and correlation lengths."""
    input:
        unpack(PLAN.text_figure_inputs),
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
        figure="|".join(figure.name for figure in FIGURES if figure.made_for == "text"),
    threads: 1
    resources:
        **RESOURCES.step("text_figure"),
    params:
        flags=PLAN.text_figure_flags,
    shell:
        "{MISCALING} figure {wildcards.figure} {params.flags} --out {output.pdf} > {log} 2>&1"


rule text_model_summary:
    """Every language model's xi, gamma, verdicts, bpc/perplexity and the paper's claims."""
    input:
        unpack(PLAN.text_summary_inputs),
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
        **RESOURCES.step("text_model_summary"),
    params:
        flags=PLAN.text_summary_flags,
    shell:
        "{MISCALING} text-model-summary {params.flags} --models-out {output.models}"
        " --trends-out {output.trends} --restarts-out {output.restarts} > {log} 2>&1"
