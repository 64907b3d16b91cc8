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


def model_inputs(wildcards):
    names = binary_model_names()
    return {
        "curves": [f"{RESULTS}/mi/data/binary_samples/{n}.csv" for n in names],
        "fits": [f"{RESULTS}/fits/data/binary_samples/{n}.csv" for n in names],
        "reference": f"{RESULTS}/fits/data/binary/train.csv",
    }


MODEL_FIGURE_CAPTIONS = {
    "fig1": "Figure 1: sample I(tau) of vanilla RNNs and LSTMs and their correlation length vs width and depth.",
    "fig3": "Figure 3(a): sample I(tau) of Transformers trained on the binary data.",
    "fig7": "Figure 7: LSTM correlation length vs depth for several widths.",
    "fig9": "Figure 9: Transformer correlation length vs width and depth.",
}


rule model_figure:
    """Figures 1, 3(a), 7, 9 from the samples' I(tau) and fits."""
    input:
        unpack(model_inputs),
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
        " --reference {input.reference} --out {output.pdf} > {log} 2>&1"


rule model_summary:
    """Every binary model's xi, gamma and AICc verdict, and the checks of the paper's claims."""
    input:
        fits=lambda wc: model_inputs(wc)["fits"],
        curves=lambda wc: model_inputs(wc)["curves"],
        reference=f"{RESULTS}/fits/data/binary/train.csv",
        reference_curve=f"{RESULTS}/mi/data/binary/train.csv",
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
    log:
        log_path("model_summary", "binary"),
    benchmark:
        benchmark_path("model_summary", "binary")
    threads: 1
    resources:
        **step_resources("model_summary"),
    shell:
        "{MISCALING} model-summary --fits {input.fits} --curves {input.curves}"
        " --reference {input.reference} --reference-curve {input.reference_curve}"
        " --models-out {output.models} --trends-out {output.trends} > {log} 2>&1"
