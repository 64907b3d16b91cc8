"""Bipartite mutual information I(X_{1:ℓ}; Y_{ℓ+1:L}) from a model's log-probabilities (L²M).

The direct and vCLUB estimators over sequence pairs, the loss at every position, the power law
L^β fitted to the estimates, and the exact checks: every sequence of a small binary model
enumerated, and a first-order Markov chain (:class:`MarkovModel`) whose bipartite MI is
I(x_ℓ; x_{ℓ+1}).  Mathematics: docs/METHODS.md §10, (M59)–(M65).  torch is imported inside the
functions that run a model; the rest is numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["MarkovModel", "bipartite_mi", "exact_bipartite_mi", "fit_power",
           "markov_bipartite_mi", "position_loss", "sequence_log_probs", "token_log_probs"]

ESTIMATORS = ("direct", "vclub")


class MarkovModel:
    """A first-order Markov chain with the interface the estimators use (``advance``).

    transition[a, b] = P(x_{t+1} = b | x_t = a); the first symbol is drawn from ``first_probs``
    of the estimators (the initial distribution), as the sequence models' first symbol.
    """

    context_limit = None

    def __init__(self, transition):
        transition = np.asarray(transition, dtype=np.float64)
        if transition.ndim != 2 or transition.shape[0] != transition.shape[1]:
            raise ValueError(f"transition must be a square matrix, got shape {transition.shape}")
        if (transition < 0).any() or not np.allclose(transition.sum(axis=1), 1.0):
            raise ValueError("transition rows must be probability vectors")
        self.transition = transition
        self.vocab_size = transition.shape[0]
        self.config = {"vocab_size": self.vocab_size}

    def stationary(self) -> np.ndarray:
        """The stationary distribution π (π P = π)."""
        values, vectors = np.linalg.eig(self.transition.T)
        pi = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
        return pi / pi.sum()

    def advance(self, x, state):
        """Logits [B, T, V] = log P[x_t, ·]; the chain needs no state."""
        import torch

        with np.errstate(divide="ignore"):
            log_p = torch.as_tensor(np.log(self.transition), device=x.device)
        return log_p[x], state

    def sample(self, n_sequences: int, length: int, first_probs, seed: int = 0) -> np.ndarray:
        """``n_sequences`` chains of ``length`` symbols, the first drawn from ``first_probs``."""
        rng = np.random.default_rng(seed)
        out = np.empty((n_sequences, length), dtype=np.int64)
        out[:, 0] = rng.choice(self.vocab_size, size=n_sequences, p=first_probs)
        cumulative = np.cumsum(self.transition, axis=1)
        for t in range(1, length):
            u = rng.random(n_sequences)
            out[:, t] = np.minimum((u[:, None] > cumulative[out[:, t - 1]]).sum(axis=1),
                                   self.vocab_size - 1)
        return out


def token_log_probs(model, sequences, first_probs, context=None, *, batch_size: int = 256,
                    device="cpu") -> np.ndarray:
    """log q(s_t | context, s_{<t}) of every symbol of ``sequences`` [N, T] -> float64 [N, T].

    Without ``context`` the first symbol is scored by ``first_probs`` (the first-symbol
    distribution) and the rest by the model from its initial state; with ``context`` [N, C]
    the context is fed first and every symbol of the block is the model's (M59).
    """
    import torch

    sequences = _as_tokens(sequences, "sequences")
    n, length = sequences.shape
    if context is not None:
        context = _as_tokens(context, "context")
        if context.shape[0] != n:
            raise ValueError(f"context has {context.shape[0]} rows, sequences {n}")
        if context.shape[1] == 0:
            context = None
    fed = length - 1 + (0 if context is None else context.shape[1])
    limit = getattr(model, "context_limit", None)
    if limit is not None and fed > limit:
        raise ValueError(f"context + block need {fed} positions but the model's max_len is "
                         f"{limit}; use shorter blocks")
    first = np.log(np.asarray(first_probs, dtype=np.float64))
    if first.shape != (model.config["vocab_size"],):
        raise ValueError(f"first_probs must have vocab_size={model.config['vocab_size']} "
                         f"entries, got shape {first.shape}")
    out = np.empty((n, length), dtype=np.float64)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, n, batch_size):
                rows = slice(start, min(n, start + batch_size))
                block = torch.as_tensor(sequences[rows], device=device)
                if context is None:
                    out[rows, 0] = first[sequences[rows, 0]]
                    if length > 1:
                        logits = model.advance(block[:, :-1], None)[0]
                        out[rows, 1:] = _gather(logits, block[:, 1:])
                    continue
                whole = torch.cat([torch.as_tensor(context[rows], device=device), block], dim=1)
                c = context.shape[1]
                logits = model.advance(whole[:, :-1], None)[0][:, c - 1:]
                out[rows] = _gather(logits, block)
    finally:
        if hasattr(model, "train"):
            model.train(was_training)
    return out


def sequence_log_probs(model, sequences, first_probs, context=None, **kw) -> np.ndarray:
    """log q(block | context) per sequence, summed over the block -> float64 [N] (M59)."""
    return token_log_probs(model, sequences, first_probs, context, **kw).sum(axis=1)


def bipartite_mi(model, sequences, block_lengths: Sequence[int], first_probs, *,
                 ratio: float = 2.0, pairs: int = 1, confidence: float = 0.95,
                 **kw) -> pd.DataFrame:
    """Direct (M60) and vCLUB (M61) estimates of I(X_{1:ℓ}; Y_{ℓ+1:L}), L = round(ratio·ℓ).

    One row per ℓ and estimator: ell, L, ratio, estimator, estimate, ci_low, ci_high (t
    interval over the sequences' terms), n_sequences, pairs.  vCLUB pairs sequence i's y with
    the x of sequences i+1, …, i+pairs (mod N), a fixed set of derangements.
    """
    sequences = _as_tokens(sequences, "sequences")
    n, length = sequences.shape
    if not ratio > 1:
        raise ValueError(f"ratio must be > 1 (L = ratio·ℓ > ℓ), got {ratio}")
    if not 1 <= pairs < n:
        raise ValueError(f"pairs must be in 1 … {n - 1} (the other sequences), got {pairs}")
    rows = []
    for ell in sorted({int(e) for e in block_lengths}):
        total = int(round(ratio * ell))
        if ell < 1 or total <= ell:
            raise ValueError(f"block length {ell}: need ℓ >= 1 and L = {total} > ℓ")
        if total > length:
            raise ValueError(f"block length {ell}: L = {total} exceeds the sequences' length "
                             f"{length}")
        x, y = sequences[:, :ell], sequences[:, ell:total]
        joint = sequence_log_probs(model, y, first_probs, x, **kw)
        marginal = sequence_log_probs(model, y, first_probs, None, **kw)
        crossed = np.mean([sequence_log_probs(model, y, first_probs, np.roll(x, -k, axis=0),
                                              **kw) for k in range(1, pairs + 1)], axis=0)
        for name, terms in (("direct", joint - marginal), ("vclub", joint - crossed)):
            estimate, low, high = mean_interval(terms, confidence)
            rows.append({"ell": ell, "L": total, "ratio": ratio, "estimator": name,
                         "estimate": estimate, "ci_low": low, "ci_high": high,
                         "n_sequences": n, "pairs": pairs if name == "vclub" else 0,
                         "confidence": confidence})
    return pd.DataFrame(rows)


def position_loss(model, sequences, first_probs, *, confidence: float = 0.95,
                  **kw) -> pd.DataFrame:
    """Mean loss −log q(s_t | s_{<t}) at every position t = 1 … T with its t interval."""
    losses = -token_log_probs(model, sequences, first_probs, None, **kw)
    rows = []
    for t in range(losses.shape[1]):
        mean, low, high = mean_interval(losses[:, t], confidence)
        rows.append({"position": t + 1, "loss": mean, "ci_low": low, "ci_high": high,
                     "n_sequences": losses.shape[0], "confidence": confidence})
    return pd.DataFrame(rows)


def mean_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t interval (n − 1 degrees of freedom) of the terms ``values``."""
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean())
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + confidence / 2, values.size - 1)
                 * values.std(ddof=1) / np.sqrt(values.size))
    return mean, mean - half, mean + half


def fit_power(L, estimate, ci_low=None, ci_high=None, *, confidence: float = 0.95) -> dict:
    """Fit I(L) = A L^β by weighted least squares of ln I on ln L (M65) -> dict.

    Weights 1/σ² with σ = (ci_high − ci_low) / (2 I) (the interval's half width, relative),
    or equal without intervals; rows with I <= 0 are left out.  β's interval: t with n − 2
    degrees of freedom from the weighted residuals.
    """
    L, estimate = np.asarray(L, dtype=np.float64), np.asarray(estimate, dtype=np.float64)
    keep = estimate > 0
    weights = np.ones_like(estimate)
    if ci_low is not None and ci_high is not None:
        width = np.asarray(ci_high, dtype=np.float64) - np.asarray(ci_low, dtype=np.float64)
        keep &= np.isfinite(width) & (width > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            weights = (2 * estimate / width) ** 2
    n = int(keep.sum())
    out = {"beta": np.nan, "beta_low": np.nan, "beta_high": np.nan, "amplitude": np.nan,
           "n_points": n, "n_left_out": int((~keep).sum()), "confidence": confidence}
    if n < 2:
        return out
    X = np.column_stack([np.ones(n), np.log(L[keep])])
    w = weights[keep] / weights[keep].mean()
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(X * sw[:, None], np.log(estimate[keep]) * sw, rcond=None)
    out.update(beta=float(coef[1]), amplitude=float(np.exp(coef[0])))
    if n > 2:
        residuals = (np.log(estimate[keep]) - X @ coef) * sw
        s2 = float(residuals @ residuals) / (n - 2)
        cov = s2 * np.linalg.inv((X * w[:, None]).T @ X)
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 2) * np.sqrt(cov[1, 1]))
        out.update(beta_low=coef[1] - half, beta_high=coef[1] + half)
    return out


def exact_bipartite_mi(model, length: int, ell: int, first_probs, *,
                       batch_size: int = 4096) -> dict:
    """Exact bipartite MI of a model over every sequence of ``length`` symbols (M62)–(M64).

    Returns mi = H(X) + H(Y) − H(X, Y), the entropies, direct (the direct estimator's
    expectation with q(y) scored from the start state), start_bias = direct − mi (the
    Kullback–Leibler divergence of q(y) from p(y)) and vclub (the vCLUB expectation).
    """
    vocab = model.config["vocab_size"]
    if not 1 <= ell < length:
        raise ValueError(f"need 1 <= ell < length, got ell={ell}, length={length}")
    if vocab ** length > 2 ** 20:
        raise ValueError(f"{vocab}^{length} sequences are too many to enumerate (at most 2^20)")
    everything = _enumerate(vocab, length)
    log_joint = sequence_log_probs(model, everything, first_probs, batch_size=batch_size)
    p = np.exp(log_joint).reshape(vocab ** ell, vocab ** (length - ell))
    p_x, p_y = p.sum(axis=1), p.sum(axis=0)
    h_xy, h_x, h_y = _entropy(p), _entropy(p_x), _entropy(p_y)
    log_q_y = sequence_log_probs(model, _enumerate(vocab, length - ell), first_probs,
                                 batch_size=batch_size)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_cond = np.log(p) - np.log(p_x)[:, None]  # log q(y | x) (q = the model)
        expected_joint = float(np.nansum(np.where(p > 0, p * log_cond, 0.0)))
        crossed = float(np.nansum(np.where(p_x[:, None] * p_y[None, :] > 0,
                                           p_x[:, None] * p_y[None, :] * log_cond, 0.0)))
        expected_marginal = float(np.sum(np.where(p_y > 0, p_y * log_q_y, 0.0)))
    mi = h_x + h_y - h_xy
    direct = expected_joint - expected_marginal
    return {"length": length, "ell": ell, "mi": mi, "h_x": h_x, "h_y": h_y, "h_xy": h_xy,
            "direct": direct, "start_bias": direct - mi, "vclub": expected_joint - crossed,
            "total_probability": float(p.sum())}


def markov_bipartite_mi(transition, first_probs, ell: int) -> float:
    """I(x_ℓ; x_{ℓ+1}) of a Markov chain started from ``first_probs``: its bipartite MI."""
    transition = np.asarray(transition, dtype=np.float64)
    mu = np.asarray(first_probs, dtype=np.float64) @ np.linalg.matrix_power(transition, ell - 1)
    joint = mu[:, None] * transition
    return _entropy(joint.sum(axis=1)) + _entropy(joint.sum(axis=0)) - _entropy(joint)


def _enumerate(vocab: int, length: int) -> np.ndarray:
    """Every sequence of ``length`` symbols, row-major (the first symbol most significant)."""
    index = np.arange(vocab ** length)
    powers = vocab ** np.arange(length - 1, -1, -1)
    return (index[:, None] // powers[None, :]) % vocab


def _entropy(p) -> float:
    p = np.asarray(p, dtype=np.float64).ravel()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _gather(logits, targets) -> np.ndarray:
    import torch

    log_p = torch.log_softmax(logits.double(), dim=-1)
    return log_p.gather(-1, targets[..., None].long())[..., 0].cpu().numpy()


def _as_tokens(array, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{what} must be a 2-D integer array [N, T], got {array.dtype} "
                         f"shape {array.shape}")
    if array.size and array.min() < 0:
        raise ValueError(f"{what} must hold non-negative symbol ids")
    return array.astype(np.int64, copy=False)
