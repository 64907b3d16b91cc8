"""``miscaling theory linear-rnn | repetitive | ising``: the paper's analytical checks.

Each topic's flags map onto its settings dataclass (:mod:`miscaling.theory.config`), which also
supplies the defaults; the subcommand lands in ``args.kind``, so ``cli.main`` names it in error
messages.  Every output path is checked before the computation starts; tables are written
atomically, each recording the settings that made it as constant columns.
"""

from __future__ import annotations

import argparse
import time

from miscaling.cli.common import (
    log,
    non_negative_int,
    non_negative_number,
    number,
    positive_int,
    positive_number,
    probability,
)


def register(commands) -> None:
    """Add ``theory`` and its topics to ``commands`` (an argparse subparsers action)."""
    from miscaling.theory.config import (
        IsingConfig,
        LinearRNNConfig,
        RepetitiveConfig,
        estimator_names,
    )

    theory = commands.add_parser("theory", help="analytical checks of the paper's appendices")
    topics = theory.add_subparsers(dest="kind", required=True, metavar="TOPIC")

    linear = topics.add_parser(
        "linear-rnn", help="Sec. 4.1/App. A: exact I(t) of linear RNNs, poles, Monte Carlo")
    defaults = LinearRNNConfig()
    linear.add_argument("--networks", type=non_negative_int, default=defaults.n_networks,
                        help="random stationary networks")
    linear.add_argument("--hidden", type=positive_int, default=defaults.hidden,
                        help="hidden size m")
    linear.add_argument("--dim", type=positive_int, default=defaults.dim,
                        help="output dimension d")
    linear.add_argument("--sigma", type=positive_number, default=defaults.sigma,
                        help="output noise σ")
    linear.add_argument("--max-lag", type=positive_int, default=defaults.max_lag,
                        help="largest t of I(x_0; x_t)")
    linear.add_argument("--mc-sequences", type=positive_int, default=defaults.mc_sequences,
                        help="simulated sequences per network for the Monte Carlo check")
    linear.add_argument("--mc-batches", type=positive_int, default=defaults.mc_batches,
                        help="jackknife groups")
    linear.add_argument("--no-memorising", dest="memorising", action="store_false",
                        help="leave out the network that memorises its initial condition")
    linear.add_argument("--rate-tolerance", type=non_negative_number,
                        default=defaults.rate_tolerance,
                        help="relative tolerance of fitted vs predicted decay rate")
    linear.add_argument("--seed", type=non_negative_int, default=defaults.seed)
    _add_outputs(linear, "curves", "poles", "checks")
    linear.set_defaults(func=run_theory, theory=_run_linear_rnn)

    repetitive = topics.add_parser(
        "repetitive", help="App. C: Eq. 52 vs the estimator on repetitive sequences (Fig. 4)")
    defaults = RepetitiveConfig()
    repetitive.add_argument("--p", type=probability, nargs="+",
                            default=list(defaults.probabilities),
                            help="probabilities of the block 01")
    repetitive.add_argument("--lags", default=",".join(str(lag) for lag in defaults.lags),
                            help="lags for the estimator ('1,2,5', '1:100' or 'log:1000:20')")
    repetitive.add_argument("--replicates", type=positive_int, default=defaults.replicates,
                            help="sequences per p")
    repetitive.add_argument("--length", type=positive_int, default=defaults.length,
                            help="symbols per sequence")
    repetitive.add_argument("--estimator", default=defaults.estimator, choices=estimator_names())
    repetitive.add_argument("--seed", type=non_negative_int, default=defaults.seed)
    _add_outputs(repetitive, "curves", "checks")
    repetitive.set_defaults(func=run_theory, theory=_run_repetitive)

    ising = topics.add_parser(
        "ising", help="App. G: Eq. 62 sampling vs Boltzmann, MI decay vs transfer matrix")
    defaults = IsingConfig()
    ising.add_argument("--spins", type=positive_int, default=defaults.n_spins,
                       help="chain length for enumeration")
    ising.add_argument("--beta", type=positive_number, nargs="+", default=list(defaults.betas),
                       help="inverse temperatures")
    ising.add_argument("--coupling", type=number, default=defaults.coupling,
                       help="J (< 0: ferromagnetic)")
    ising.add_argument("--samples", type=positive_int, default=defaults.n_samples,
                       help="configurations sampled by Eq. 62 for the TV distance")
    ising.add_argument("--chains", type=positive_int, default=defaults.n_chains,
                       help="long chains for the estimator")
    ising.add_argument("--chain-length", type=positive_int, default=defaults.chain_length)
    ising.add_argument("--max-lag", type=positive_int, default=defaults.max_lag)
    ising.add_argument("--min-mi", type=non_negative_number, default=defaults.min_mi,
                       help="only estimated I above this enter the decay fit")
    ising.add_argument("--rate-tolerance", type=non_negative_number,
                       default=defaults.rate_tolerance,
                       help="relative tolerance of fitted vs predicted decay rate")
    ising.add_argument("--seed", type=non_negative_int, default=defaults.seed)
    _add_outputs(ising, "mi", "tv", "checks")
    ising.set_defaults(func=run_theory, theory=_run_ising)


def _add_outputs(parser: argparse.ArgumentParser, *names: str) -> None:
    for name in names:
        parser.add_argument(f"--out-{name}", required=True, help=f"{name} table (.csv/.parquet)")


# --------------------------------------------------------------------------- flags -> configs


def linear_rnn_config(args: argparse.Namespace):
    from miscaling.theory.config import LinearRNNConfig

    return LinearRNNConfig(
        n_networks=args.networks, hidden=args.hidden, dim=args.dim, sigma=args.sigma,
        max_lag=args.max_lag, mc_sequences=args.mc_sequences, mc_batches=args.mc_batches,
        include_memorising=args.memorising, rate_tolerance=args.rate_tolerance, seed=args.seed)


def repetitive_config(args: argparse.Namespace):
    from miscaling.mi import parse_lags
    from miscaling.theory.config import RepetitiveConfig

    return RepetitiveConfig(probabilities=args.p, lags=parse_lags(args.lags),
                            replicates=args.replicates, length=args.length,
                            estimator=args.estimator, seed=args.seed)


def ising_config(args: argparse.Namespace):
    from miscaling.theory.config import IsingConfig

    return IsingConfig(
        n_spins=args.spins, betas=args.beta, coupling=args.coupling, n_samples=args.samples,
        n_chains=args.chains, chain_length=args.chain_length, max_lag=args.max_lag,
        min_mi=args.min_mi, rate_tolerance=args.rate_tolerance, seed=args.seed)


def _run_linear_rnn(args: argparse.Namespace) -> dict:
    from miscaling.theory.linear_rnn import run_linear_rnn_check

    tables = run_linear_rnn_check(linear_rnn_config(args))
    return {"curves": tables.curves, "poles": tables.poles, "checks": tables.checks}


def _run_repetitive(args: argparse.Namespace) -> dict:
    from miscaling.theory.repetitive import run_repetitive_check

    tables = run_repetitive_check(repetitive_config(args))
    return {"curves": tables.curves, "checks": tables.checks}


def _run_ising(args: argparse.Namespace) -> dict:
    from miscaling.theory.ising import run_ising_check

    tables = run_ising_check(ising_config(args))
    return {"mi": tables.mi_curves, "tv": tables.tv_curves, "checks": tables.checks}


def run_theory(args: argparse.Namespace) -> None:
    """Compute one topic's tables and write them (outputs checked before any work)."""
    from miscaling.io import check_table_suffix, write_table

    outputs = {name[len("out_"):]: path for name, path in vars(args).items()
               if name.startswith("out_")}
    for path in outputs.values():  # fail before minutes of work, not after
        check_table_suffix(path)
    start = time.perf_counter()
    tables = args.theory(args)
    for name, path in outputs.items():
        write_table(tables[name], path)
    checks = tables["checks"]
    log.info("theory %s: %d/%d checks passed in %.1f s", args.kind, int(checks["passed"].sum()),
             len(checks), time.perf_counter() - start)
    for row in checks[~checks["passed"]].itertuples():
        log.warning("check failed: %s %s: predicted %.6g, measured %.6g, tolerance %.3g",
                    row.check, row.case, row.predicted, row.measured, row.tolerance)
