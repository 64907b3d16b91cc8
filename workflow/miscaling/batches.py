"""What training feeds a model: examples cut from the data, batches, inputs and targets, the loss.

Also the checks, run before the first step, that the data and the model fit each other (symbol
range, the start token's embedding row, the logits' shape).  See :mod:`miscaling.train` for how
examples are cut (``bptt``) and what the first symbol is (``bos``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def make_examples(data: np.ndarray, bptt: int | None, bos: bool) -> np.ndarray:
    """Cut the rows of ``data`` into the examples that are batched: int64 ``[M, W]``.

    Without ``bptt`` each row is one example.  With ``bptt`` each row is cut into consecutive
    windows holding ``bptt`` target symbols each; without BOS a window also carries the symbol
    before its first target (windows overlap by one), so every symbol but the row's first is a
    target exactly once.  A shorter tail is dropped.
    """
    rows = np.asarray(data)
    if rows.ndim == 1:
        rows = rows[np.newaxis, :]
    rows = rows.astype(np.int64, copy=False)
    if bptt is None:
        return np.ascontiguousarray(rows)
    width = bptt if bos else bptt + 1
    if rows.shape[1] < width:
        raise ValueError(f"sequences of length {rows.shape[1]} are shorter than one bptt window")
    starts = np.arange(0, rows.shape[1] - width + 1, bptt)
    windows = np.lib.stride_tricks.sliding_window_view(rows, width, axis=1)[:, starts]
    return np.ascontiguousarray(windows.reshape(-1, width))


def iterate_batches(
    examples: torch.Tensor, order: np.ndarray, batch_size: int
) -> Iterator[torch.Tensor]:
    """``examples`` in ``order``, ``batch_size`` at a time (the last batch may be smaller)."""
    index = torch.from_numpy(np.ascontiguousarray(order, dtype=np.int64)).to(examples.device)
    for start in range(0, len(index), batch_size):  # one copy to the device per epoch
        yield examples.index_select(0, index[start : start + batch_size])


def inputs_and_targets(
    batch: torch.Tensor, bos_id: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Shift a batch of examples into model inputs and next-symbol targets."""
    if bos_id is None:
        return batch[:, :-1], batch[:, 1:]
    bos = batch.new_full((batch.shape[0], 1), bos_id)
    return torch.cat([bos, batch[:, :-1]], dim=1), batch


def next_symbol_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy in nats over all target symbols of the batch."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def data_fingerprint(data: np.ndarray) -> dict[str, Any]:
    """Shape and hash of the symbol values, so that a resume on other data is refused."""
    values = np.ascontiguousarray(np.asarray(data), dtype=np.int64)
    return {"shape": list(values.shape), "sha256": hashlib.sha256(values.tobytes()).hexdigest()}


# --------------------------------------------------------------------------------------------
# Do the data and the model fit each other?


def check_symbols(data: np.ndarray, vocab_size: int, what: str) -> None:
    array = np.asarray(data)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{what} must hold integer symbols, got dtype {array.dtype}")
    if array.ndim not in (1, 2) or array.size == 0:
        raise ValueError(f"{what} must be a non-empty 1-D or 2-D array, got shape {array.shape}")
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= vocab_size:
        raise ValueError(
            f"{what} holds symbols in [{low}, {high}], outside the model's [0, {vocab_size - 1}]"
        )


def model_vocab_size(model: nn.Module) -> int:
    config = getattr(model, "config", None)
    if not isinstance(config, Mapping) or "vocab_size" not in config:
        raise ValueError(
            "the model must have a dict attribute `config` holding 'vocab_size' (the number of "
            "output classes), got " + (f"config={config!r}" if config is not None else "none")
        )
    return int(config["vocab_size"])


def model_description(model: nn.Module) -> dict[str, Any]:
    """``model.config`` as plain JSON data; refuses configs that would not survive JSON."""
    config = dict(model.config)
    try:
        return json.loads(json.dumps(config))
    except (TypeError, ValueError) as err:
        raise ValueError(f"model.config must be JSON-serialisable: {err}") from err


def check_model_accepts_bos(model: nn.Module, vocab_size: int) -> None:
    """With BOS the input id ``vocab_size`` must exist; check the first (token) embedding.

    Out-of-range ids would otherwise fail deep inside the first forward pass (on CUDA as an
    unhelpful device-side assert).  Models without an ``nn.Embedding`` are not checked.
    """
    embedding = next((m for m in model.modules() if isinstance(m, nn.Embedding)), None)
    if embedding is not None and embedding.num_embeddings <= vocab_size:
        raise ValueError(
            f"bos=True feeds the start token id {vocab_size} (= vocab_size), but the model's "
            f"first embedding has only {embedding.num_embeddings} rows; build the model with "
            f"vocab_size + 1 input ids or train with bos=False"
        )


def check_model_output(
    model: nn.Module, examples: torch.Tensor, bos_id: int | None, vocab_size: int
) -> None:
    """One forward pass on one example: logits must be ``[batch, time, vocab_size]``.

    Runs in eval mode without gradients, so it draws no random numbers and changes nothing.
    """
    model.eval()
    with torch.no_grad():
        inputs, targets = inputs_and_targets(examples[:1], bos_id)
        logits = model(inputs)
    expected = (*targets.shape, vocab_size)
    if tuple(logits.shape) != expected:
        raise ValueError(
            f"the model returned logits of shape {tuple(logits.shape)} for inputs of shape "
            f"{tuple(inputs.shape)}; expected {expected} = [batch, time, vocab_size]"
        )
