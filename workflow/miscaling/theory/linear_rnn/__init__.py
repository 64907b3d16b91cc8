r"""Linear Elman RNN with Gaussian output: exact covariances, I(x_0; x_t) and its decay rate.

Paper Section 4.1 and Appendix A.  The network (Eq. 10) is ``h_t = W_h x_{t-1} + U_h h_{t-1}``
and ``x_t ~ N(o_t, σ² I_d)``, ``h_t ∈ R^m``, ``x_t ∈ R^d``, ``(h_0, x_0)`` Gaussian with covariance
``Σ_0`` (Eq. 14, ordered ``(h_0, x_0)``).

Which output: the paper's Eq. 11 reads ``o_t = U_o h_{t-1}``, but the expansion every later
equation is built on (Eq. 12, hence Eqs. 15-35) is

    o_t = U_o U_h^t h_0 + Σ_{i=0}^{t-2} U_o U_h^{t-1-i} W_h x_i,                          (Eq. 12)

which is ``o_t = U_o U_h h_{t-1}``: Eq. 11 taken literally gives ``U_h^{t-1}`` and
``U_h^{t-2-i}`` (one factor of ``U_h`` less), and the textbook Elman output ``o_t = U_o h_t``
would add an ``i = t-1`` term.  This module implements Eq. 12 and everything derived from it,
so the *readout* matrix mapping ``h_{t-1}`` to ``o_t`` is ``C = U_o U_h``.  Eq. 11 taken
literally is the same model with ``U_o`` replaced by ``U_o U_h^{-1}``, and the decay analysis
is unchanged either way.

Three independent routes to the same covariances are provided and cross-checked:

* :func:`covariance_recursion`: the paper's recursions, Eq. 15/21 for ``Σ_{x_t x_s}`` (s < t)
  and Eq. 17/22 for ``Σ_{x_t x_t}``; Eq. 22 needs ``Σ_{x_i x_t}`` for every ``i < t`` and
  ``Σ_{h_0 x_t}``, so the whole block covariance of ``(x_0 .. x_T)`` is built row by row;
* :func:`state_space_covariances`: ``s_t = (h_t, x_t)`` is a VAR(1) process,
  ``s_{t+1} = M s_t + (0, y_{t+1})`` with ``M = [[U_h, W_h], [C, 0]]``, so
  ``Cov(s_t, s_0) = M^t Σ_0`` and ``Cov(s_t) = M Cov(s_{t-1}) M^T + diag(0, σ² I)``;
* Monte Carlo (:func:`simulate_outputs`, :func:`monte_carlo_mi`).

Poles (Eq. 35).  ``Σ(z) = [I_d - A(z)]^{-1} [B(z) + Σ_{x_0 x_0}]`` with
``A(z) = U_o (I_m - U_h z)^{-1} U_h W_h z²`` (Eq. 31) and
``B(z) = U_o (I_m - U_h z)^{-1} U_h Σ_{h_0 x_0} z`` (Eq. 34) is rational; its poles are among
the roots of ``q(z) = det(I_m - U_h z) det(I_d - A(z)) = det(I_m - U_h z - U_h W_h U_o z²)``, a
polynomial of degree <= 2m (the ``1/λ(U_h)`` singularities of ``B`` and of the adjugate cancel:
``q(z) = det(I - M z)``, so its roots are ``1/eig(M)``).  ``Σ_{x_t x_0} ~ |z_0|^{-t}`` for the
pole ``z_0`` nearest the origin, and since I is quadratic in ``Σ_{x_t x_0}`` (Eq. 41),

    ln I(t) ≈ const - 2 t ln|z_0|,   i.e.   I(t) ∝ e^{-t/ξ} with ξ = 1 / (2 ln|z_0|).

The factor 2 is implicit in the paper (it stops at "decreases exponentially").  A network whose
nearest pole lies on the unit circle (here: a hidden unit with eigenvalue 1 that no input
reaches) keeps I(t) from decaying: it memorises its initial condition, the case the paper
excludes.
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
