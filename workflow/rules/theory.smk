# Numerical checks of the paper's analytic results: linear RNNs (Sec. 4.1, App. A), repetitive
# sequences (App. C, Figure 4) and the Ising chain (App. G).  Each writes its tables and a
# checks table (predicted vs measured, tolerance, passed) that the figures and the report use.

THEORY = f"{RESULTS}/theory"


rule theory_linear_rnn:
    """Exact I(t) of linear RNNs by the recursions, predicted vs fitted decay rates, Monte Carlo."""
    output:
        curves=f"{THEORY}/linear_rnn/curves.csv",
        poles=f"{THEORY}/linear_rnn/poles.csv",
        checks=f"{THEORY}/linear_rnn/checks.csv",
    log:
        log_path("theory_linear_rnn", "linear_rnn"),
    benchmark:
        benchmark_path("theory_linear_rnn", "linear_rnn")
    priority: CHEAP_FIRST_PRIORITY
    threads: 1
    resources:
        **RESOURCES.step("theory_linear_rnn"),
    params:
        flags=lambda wc: PLAN.theory_flags("linear_rnn"),
    shell:
        "{MISCALING} theory linear-rnn {params.flags} --out-curves {output.curves}"
        " --out-poles {output.poles} --out-checks {output.checks} > {log} 2>&1"


rule theory_repetitive:
    """Eq. 52 against the estimator on simulated repetitive sequences."""
    output:
        curves=f"{THEORY}/repetitive/curves.csv",
        checks=f"{THEORY}/repetitive/checks.csv",
    log:
        log_path("theory_repetitive", "repetitive"),
    benchmark:
        benchmark_path("theory_repetitive", "repetitive")
    priority: CHEAP_FIRST_PRIORITY
    threads: 1
    resources:
        **RESOURCES.step("theory_repetitive"),
    params:
        flags=lambda wc: PLAN.theory_flags("repetitive"),
    shell:
        "{MISCALING} theory repetitive {params.flags} --out-curves {output.curves}"
        " --out-checks {output.checks} > {log} 2>&1"


rule theory_ising:
    """Eq. 62 sampling vs Boltzmann (total variation); MI decay vs the transfer matrix."""
    output:
        mi=f"{THEORY}/ising/mi.csv",
        tv=f"{THEORY}/ising/tv.csv",
        checks=f"{THEORY}/ising/checks.csv",
    log:
        log_path("theory_ising", "ising"),
    benchmark:
        benchmark_path("theory_ising", "ising")
    priority: CHEAP_FIRST_PRIORITY
    threads: 1
    resources:
        **RESOURCES.step("theory_ising"),
    params:
        flags=lambda wc: PLAN.theory_flags("ising"),
    shell:
        "{MISCALING} theory ising {params.flags} --out-mi {output.mi} --out-tv {output.tv}"
        " --out-checks {output.checks} > {log} 2>&1"


rule fig4:
    """Figure 4: mutual information of repetitive sequences, Eq. 52 vs the estimator."""
    input:
        curves=f"{THEORY}/repetitive/curves.csv",
        checks=f"{THEORY}/repetitive/checks.csv",
    output:
        pdf=report(f"{RESULTS}/figures/fig4.pdf", caption="../report/fig4.rst", category="Theory"),
        png=f"{RESULTS}/figures/fig4.png",
        table=f"{RESULTS}/figures/fig4.csv",
    log:
        log_path("fig4", "fig4"),
    benchmark:
        benchmark_path("fig4", "fig4")
    threads: 1
    resources:
        **RESOURCES.step("fig4"),
    shell:
        "{MISCALING} figure fig4 --curves {input.curves} --checks {input.checks}"
        " --out {output.pdf} > {log} 2>&1"


rule fig_theory_linear_rnn:
    """Linear RNNs: exact and Monte Carlo I(t), predicted vs fitted decay rates, poles."""
    input:
        **rules.theory_linear_rnn.output,
    output:
        pdf=report(
            f"{RESULTS}/figures/theory_linear_rnn.pdf",
            caption="../report/theory_linear_rnn.rst",
            category="Theory",
        ),
        png=f"{RESULTS}/figures/theory_linear_rnn.png",
    log:
        log_path("fig_theory_linear_rnn", "theory_linear_rnn"),
    benchmark:
        benchmark_path("fig_theory_linear_rnn", "theory_linear_rnn")
    threads: 1
    resources:
        **RESOURCES.step("fig_theory_linear_rnn"),
    shell:
        "{MISCALING} figure theory_linear_rnn --curves {input.curves} --poles {input.poles}"
        " --checks {input.checks} --out {output.pdf} > {log} 2>&1"


rule fig_theory_ising:
    """Ising chain: TV distance of Eq. 62 sampling, MI decay vs the transfer matrix."""
    input:
        **rules.theory_ising.output,
    output:
        pdf=report(
            f"{RESULTS}/figures/theory_ising.pdf",
            caption="../report/theory_ising.rst",
            category="Theory",
        ),
        png=f"{RESULTS}/figures/theory_ising.png",
    log:
        log_path("fig_theory_ising", "theory_ising"),
    benchmark:
        benchmark_path("fig_theory_ising", "theory_ising")
    threads: 1
    resources:
        **RESOURCES.step("fig_theory_ising"),
    shell:
        "{MISCALING} figure theory_ising --mi {input.mi} --tv {input.tv} --checks {input.checks}"
        " --out {output.pdf} > {log} 2>&1"
