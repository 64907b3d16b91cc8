"""Unconditional sampling from the models of :mod:`miscaling.models`.

Batches of sequences advance one symbol at a time through ``model.step`` (RNN hidden state or
Transformer KV cache), so no prefix is recomputed.  The paper's models never predict the first
symbol: it is drawn from ``first_token``, e.g. the training set's first-symbol frequencies
(:func:`first_symbol_distribution`).  A Transformer samples at most ``max_len + 1`` symbols per
sequence.  First symbol, limits and threads: docs/METHODS.md §7.6 and §7.8.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .device import resolve_device
from .io import smallest_uint_dtype
from .models import SequenceModel
from .settings import check_int

__all__ = ["first_symbol_distribution", "generate", "symbol_frequencies"]


def generate(model: SequenceModel, n_sequences: int, length: int, *, batch_size: int = 500,
             temperature: float = 1.0, seed: int = 0, device=None, first_token=None,
             use_cache: bool = True) -> np.ndarray:
    """Sample ``n_sequences`` sequences of ``length`` symbols -> array [n_sequences, length].

    first_token: how the first symbol is drawn: None (uniform over the vocabulary), an int (that
        symbol) or a length-vocab_size vector of probabilities/frequencies (normalised here).
    temperature: the logits are divided by it before the softmax (1: the model's distribution).
    seed: seeds a torch.Generator on ``device``; the same seed, batch_size and device give the
        same samples.
    device: where to generate (None or "auto": CUDA when available, else CPU; see
        :func:`miscaling.device.resolve_device`); the model is moved there.
    use_cache: False recomputes the whole prefix at every step (only to check/benchmark caching).

    The dtype is the smallest unsigned integer type holding vocab_size - 1. The model is put in
    eval mode (dropout off) for the call and then back in the mode it was in.
    """
    problems = (check_int("n_sequences", n_sequences, 0) + check_int("length", length, 1)
                + check_int("batch_size", batch_size, 1))
    if problems:
        raise ValueError("; ".join(problems))
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    limit = model.context_limit
    if limit is not None and length - 1 > limit:  # the last symbol is sampled, never fed
        raise ValueError(f"length {length} needs {length - 1} positions of context but the "
                         f"model's max_len is {limit}")
    vocab_size = model.config["vocab_size"]
    device = resolve_device(device)
    model.to(device)
    first_probs = _first_token_probs(first_token, vocab_size, device)
    generator = torch.Generator(device=device).manual_seed(seed)
    samples = np.empty((n_sequences, length), dtype=smallest_uint_dtype(vocab_size - 1))
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, n_sequences, batch_size):
                count = min(batch_size, n_sequences - start)
                batch = _sample_batch(model, count, length, first_probs, temperature, generator,
                                      use_cache)
                samples[start:start + count] = batch.cpu().numpy()
    finally:
        model.train(was_training)
    return samples


def symbol_frequencies(symbols, vocab_size: int) -> np.ndarray:
    """Relative frequency of each symbol id 0 … vocab_size-1 (e.g. of ``train[:, 0]``)."""
    symbols = np.asarray(symbols).ravel()
    if symbols.size == 0:
        raise ValueError("no symbols to count")
    if symbols.min() < 0 or symbols.max() >= vocab_size:
        raise ValueError(f"symbol ids must lie in 0 … {vocab_size - 1}")
    return np.bincount(symbols.astype(np.int64), minlength=vocab_size) / symbols.size


def first_symbol_distribution(data, vocab_size: int) -> np.ndarray:
    """How the first symbol of a sample is drawn from training ``data`` (``first_token``).

    A 2-D array [N, L] of sequences: the frequencies of its first column, ``data[:, 0]``
    (exactly ``symbol_frequencies(data[:, 0], vocab_size)``). One 1-D text stream (the
    language models' training text): its unigram frequencies; its first symbol alone would
    start every sample at the same character. A list of 1-D arrays (ragged sequences, as
    :func:`miscaling.io.load_sequences` reads ``.npz``): the frequencies of their first symbols.
    """
    if isinstance(data, (list, tuple)) and data and all(isinstance(s, np.ndarray) for s in data):
        if any(s.ndim != 1 or s.size == 0 for s in data):
            raise ValueError("ragged sequences must be non-empty and 1-D")
        return symbol_frequencies([s[0] for s in data], vocab_size)
    data = np.asarray(data)
    if data.ndim == 2:
        return symbol_frequencies(data[:, 0], vocab_size)
    if data.ndim == 1:
        return symbol_frequencies(data, vocab_size)
    raise ValueError(f"first-symbol data must be 1-D (a text stream) or 2-D (sequences), got "
                     f"shape {data.shape}")


def _sample_batch(model, count, length, first_probs, temperature, generator, use_cache):
    device = first_probs.device
    tokens = torch.empty((count, length), dtype=torch.long, device=device)
    tokens[:, 0] = torch.multinomial(first_probs, count, replacement=True, generator=generator)
    state = model.init_state(count, device, capacity=max(length - 1, 1)) if use_cache else None
    for t in range(1, length):
        if use_cache:
            logits, state = model.step(tokens[:, t - 1], state)
        else:
            logits = model(tokens[:, :t])[:, -1]
        tokens[:, t] = _draw(logits, temperature, generator)
    return tokens


#: From this vocabulary size on, a symbol is drawn by inverting the cumulative distribution
#: (one uniform per row) instead of torch.multinomial, which draws one exponential per symbol
#: (the Gumbel trick): 6x faster for the 33,278 words on a CPU thread, where multinomial took
#: three quarters of a word model's sampling step (benchmarks/bench_draw.py).  Below it the two
#: cost about the same and multinomial's draws (the binary and character samples) stay as they
#: were.
INVERSE_CDF_VOCAB = 4096
#: On a CPU the rows are drawn in groups of at most this many values (16 MB of float64): a
#: larger buffer is mapped afresh by the allocator at every step, and its page faults cost more
#: than the arithmetic (500 rows of 33,278 words: 124 ms a step in one group, 62 in groups of 63).
CPU_DRAW_VALUES = 1 << 21


def _draw(logits: torch.Tensor, temperature: float, generator: torch.Generator) -> torch.Tensor:
    """One symbol per row from softmax(logits / temperature): in float32 through multinomial
    (float32 so rare symbols survive), for a large vocabulary in float64 by the inverse
    cumulative distribution; a symbol of probability 0 is never drawn either way."""
    vocab = logits.shape[-1]
    if vocab < INVERSE_CDF_VOCAB:
        probs = torch.softmax(logits.float() / temperature, dim=-1)
        return torch.multinomial(probs, 1, generator=generator)[:, 0]
    rows = max(1, CPU_DRAW_VALUES // vocab)
    if logits.device.type == "cpu" and logits.shape[0] > rows:
        return torch.cat([_draw(part, temperature, generator) for part in logits.split(rows)])
    # in place on one float64 copy: unnormalised probabilities, then their cumulative sums
    # (a fresh buffer per operation costs more in page faults than the arithmetic)
    cdf = logits.double().div_(temperature)
    cdf = cdf.sub_(cdf.amax(dim=-1, keepdim=True)).exp_().cumsum_(dim=-1)
    u = torch.rand((cdf.shape[0], 1), dtype=torch.float64, device=cdf.device,
                   generator=generator) * cdf[:, -1:]
    # the first symbol whose cumulative sum exceeds u: a zero-probability symbol repeats its
    # predecessor's sum and is skipped
    return torch.searchsorted(cdf, u, right=True)[:, 0].clamp_(max=vocab - 1)


def _first_token_probs(first_token, vocab_size: int, device) -> torch.Tensor:
    if first_token is None:
        probs = torch.ones(vocab_size, dtype=torch.float64)
    elif isinstance(first_token, (int, np.integer)) and not isinstance(first_token, bool):
        if not 0 <= first_token < vocab_size:
            raise ValueError(f"first_token {first_token} is not a symbol id in "
                             f"0 … {vocab_size - 1}")
        probs = torch.zeros(vocab_size, dtype=torch.float64)
        probs[int(first_token)] = 1.0
    elif isinstance(first_token, (Sequence, np.ndarray, torch.Tensor)) \
            and not isinstance(first_token, str):
        probs = torch.as_tensor(first_token).detach().to("cpu", torch.float64)
        if probs.shape != (vocab_size,):
            raise ValueError(f"first_token probabilities need shape ({vocab_size},), "
                             f"got {tuple(probs.shape)}")
        if not torch.isfinite(probs).all() or (probs < 0).any() or probs.sum() <= 0:
            raise ValueError("first_token probabilities must be finite, >= 0 and not all zero")
    else:
        raise ValueError("first_token must be None, a symbol id or a vector of probabilities, "
                         f"got {type(first_token).__name__}")
    return (probs / probs.sum()).float().to(device)
