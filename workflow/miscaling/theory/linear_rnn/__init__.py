r"""Linear Elman RNN with Gaussian output: exact covariances, I(x_0; x_t) and its decay rate.

Paper Section 4.1 and Appendix A.  The readout is ``C = U_o U_h`` (Eq. 12, on which every later
equation builds, rather than Eq. 11 read literally).  Covariances by the paper's recursions, by
the VAR(1) state-space form and by Monte Carlo, cross-checked; the decay rate from the poles of
Eq. 35.  Derivation: docs/METHODS.md §8.2, Eqs. (M43)–(M48).
"""


from miscaling.theory.config import LinearRNNConfig
from miscaling.theory.linear_rnn.check import (
    CURVE_COLUMNS,
    POLE_COLUMNS,
    TOPIC,
    LinearRNNTables,
    check_network,
    fit_window,
    run_linear_rnn_check,
)
from miscaling.theory.linear_rnn.covariance import (
    CovarianceSeries,
    covariance_recursion,
    full_output_covariance,
    mi_series,
    output_kernels,
    state_space_covariances,
)
from miscaling.theory.linear_rnn.monte_carlo import (
    monte_carlo_mi,
    monte_carlo_tolerance,
    simulate_outputs,
)
from miscaling.theory.linear_rnn.network import (
    LinearRNN,
    memorising_network,
    random_initial_covariance,
    random_network,
    spectral_radius,
    stationary_covariance,
)
from miscaling.theory.linear_rnn.poles import (
    find_poles,
    generating_function,
    pole_polynomial,
    predicted_decay_rate,
    taylor_coefficients,
)

__all__ = [
    "CURVE_COLUMNS", "POLE_COLUMNS", "TOPIC", "CovarianceSeries", "LinearRNN", "LinearRNNConfig",
    "LinearRNNTables", "check_network", "covariance_recursion", "find_poles", "fit_window",
    "full_output_covariance", "generating_function", "memorising_network", "mi_series",
    "monte_carlo_mi", "monte_carlo_tolerance", "output_kernels", "pole_polynomial",
    "predicted_decay_rate", "random_initial_covariance", "random_network", "simulate_outputs",
    "spectral_radius", "state_space_covariances", "stationary_covariance", "taylor_coefficients",
    "run_linear_rnn_check",
]
