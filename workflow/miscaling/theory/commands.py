"""``miscaling theory linear-rnn|repetitive|ising``: compute a topic's tables and write them.

Wiring (in ``miscaling.cli.build_parser``)::

    from miscaling.theory.commands import add_theory_parsers, run_theory
    theory = commands.add_parser("theory", help="analytical checks of the paper's appendices")
    add_theory_parsers(theory)
    theory.set_defaults(func=run_theory)

The subcommand lands in ``args.kind``, so ``cli.main`` names it in error messages.  Every output
path is checked before the computation starts; tables are written atomically.
"""

from __future__ import annotations

import argparse
import logging
import time

from miscaling.io import check_table_suffix, write_table
from miscaling.mi import parse_lags
from miscaling.theory.ising import run_ising_check
from miscaling.theory.linear_rnn import run_linear_rnn_check
from miscaling.theory.repetitive import DEFAULT_LAGS, DEFAULT_PROBABILITIES, run_repetitive_check

log = logging.getLogger(__name__)


def add_theory_parsers(parser: argparse.ArgumentParser) -> None:
    topics = parser.add_subparsers(dest="kind", required=True, metavar="TOPIC")
    _add_linear_rnn(topics.add_parser(
        "linear-rnn", help="Sec. 4.1/App. A: exact I(t) of linear RNNs, poles, Monte Carlo"))
    _add_repetitive(topics.add_parser(
        "repetitive", help="App. C: Eq. 52 vs the estimator on repetitive sequences (Fig. 4)"))
    _add_ising(topics.add_parser(
        "ising", help="App. G: Eq. 62 sampling vs Boltzmann, MI decay vs transfer matrix"))


def _add_outputs(parser: argparse.ArgumentParser, *names: str) -> None:
    for name in names:
        parser.add_argument(f"--out-{name}", required=True, help=f"{name} table (.csv/.parquet)")


def _add_linear_rnn(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--networks", type=int, default=5, help="random stationary networks")
    parser.add_argument("--hidden", type=int, default=4, help="hidden size m")
    parser.add_argument("--dim", type=int, default=2, help="output dimension d")
    parser.add_argument("--sigma", type=float, default=1.0, help="output noise σ")
    parser.add_argument("--max-lag", type=int, default=150, help="largest t of I(x_0; x_t)")
    parser.add_argument("--mc-sequences", type=int, default=20_000,
                        help="simulated sequences per network for the Monte Carlo check")
    parser.add_argument("--mc-batches", type=int, default=20, help="jackknife groups")
    parser.add_argument("--no-memorising", dest="memorising", action="store_false",
                        help="leave out the network that memorises its initial condition")
    parser.add_argument("--rate-tolerance", type=float, default=0.02,
                        help="relative tolerance of fitted vs predicted decay rate")
    parser.add_argument("--seed", type=int, default=0)
    _add_outputs(parser, "curves", "poles", "checks")
    parser.set_defaults(theory=_run_linear_rnn)


def _add_repetitive(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--p", type=float, nargs="+", default=list(DEFAULT_PROBABILITIES),
                        help="probabilities of the block 01")
    parser.add_argument("--lags", default=",".join(str(lag) for lag in DEFAULT_LAGS),
                        help="lags for the estimator ('1,2,5', '1:100' or 'log:1000:20')")
    parser.add_argument("--replicates", type=int, default=8, help="sequences per p")
    parser.add_argument("--length", type=int, default=2**17, help="symbols per sequence")
    parser.add_argument("--estimator", default="grassberger")
    parser.add_argument("--seed", type=int, default=0)
    _add_outputs(parser, "curves", "checks")
    parser.set_defaults(theory=_run_repetitive)


def _add_ising(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spins", type=int, default=12, help="chain length for enumeration")
    parser.add_argument("--beta", type=float, nargs="+", default=[0.5, 1.0, 1.5],
                        help="inverse temperatures")
    parser.add_argument("--coupling", type=float, default=-1.0, help="J (< 0: ferromagnetic)")
    parser.add_argument("--samples", type=int, default=200_000,
                        help="configurations sampled by Eq. 62 for the TV distance")
    parser.add_argument("--chains", type=int, default=32, help="long chains for the estimator")
    parser.add_argument("--chain-length", type=int, default=2**16)
    parser.add_argument("--max-lag", type=int, default=40)
    parser.add_argument("--min-mi", type=float, default=1.0e-4,
                        help="only estimated I above this enter the decay fit")
    parser.add_argument("--rate-tolerance", type=float, default=0.05,
                        help="relative tolerance of fitted vs predicted decay rate")
    parser.add_argument("--seed", type=int, default=0)
    _add_outputs(parser, "mi", "tv", "checks")
    parser.set_defaults(theory=_run_ising)


def _run_linear_rnn(args: argparse.Namespace) -> dict:
    tables = run_linear_rnn_check(
        n_networks=args.networks, hidden=args.hidden, dim=args.dim, sigma=args.sigma,
        max_lag=args.max_lag, mc_sequences=args.mc_sequences, mc_batches=args.mc_batches,
        include_memorising=args.memorising, rate_tolerance=args.rate_tolerance, seed=args.seed)
    return {"curves": tables.curves, "poles": tables.poles, "checks": tables.checks}


def _run_repetitive(args: argparse.Namespace) -> dict:
    tables = run_repetitive_check(
        probabilities=args.p, lags=parse_lags(args.lags), replicates=args.replicates,
        length=args.length, estimator=args.estimator, seed=args.seed)
    return {"curves": tables.curves, "checks": tables.checks}


def _run_ising(args: argparse.Namespace) -> dict:
    tables = run_ising_check(
        n_spins=args.spins, betas=args.beta, coupling=args.coupling, n_samples=args.samples,
        n_chains=args.chains, chain_length=args.chain_length, max_lag=args.max_lag,
        min_mi=args.min_mi, rate_tolerance=args.rate_tolerance, seed=args.seed)
    return {"mi": tables.mi_curves, "tv": tables.tv_curves, "checks": tables.checks}


def run_theory(args: argparse.Namespace) -> None:
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
