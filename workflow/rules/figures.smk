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
        pdf=report(f"{RESULTS}/figures/fig5.pdf", caption="../report/fig5.rst", category="Estimator"),
        png=f"{RESULTS}/figures/fig5.png",
        table=f"{RESULTS}/figures/fig5.csv",
        gamma_table=f"{RESULTS}/figures/fig5_gamma.csv",
    params:
        tolerance=config["estimator_benchmark"]["tolerance"],
    log:
        log_path("fig5", "fig5"),
    benchmark:
        benchmark_path("fig5", "fig5")
    shell:
        "{MISCALING} figure fig5 --curves {input.curves} --fits {input.fits}"
        " --tolerance {params.tolerance} --out {output.pdf} > {log} 2>&1"


rule fig6:
    """Figure 6: character-level I(tau) of the corpora's train/valid/test splits, and the non-uniformity table."""
    input:
        curves=lambda wc: [f"{RESULTS}/mi/data/{d}/{s}.csv" for d in corpus_datasets() for s in CORPUS_SPLITS],
        uniformity=lambda wc: [
            f"{RESULTS}/uniformity/data/{d}/{s}.csv" for d in corpus_datasets() for s in CORPUS_SPLITS
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
    shell:
        "{MISCALING} figure fig6 --curves {input.curves} --uniformity {input.uniformity}"
        " --out {output.pdf} > {log} 2>&1"
