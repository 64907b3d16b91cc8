"""Stateful truncated BPTT: contiguous streams, a carried hidden state and random resets.

How the paper trained its text LSTMs (Appendix E.1.2): ``batch_size`` contiguous streams fed
``bptt`` symbols at a time, the hidden state carried (detached) and reset with probability
``reset_probability``; every epoch starts from the zero state; validation reads each stream
whole.  :meth:`StreamFeeder.state_dict` goes into checkpoint.pt, so a run resumes, also
mid-stream.  The scheme and how it differs from Keras: docs/METHODS.md §7.5, Eq. (M38).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from miscaling.batches import next_symbol_loss

__all__ = ["StreamFeeder", "check_stateful_model", "evaluate_streams", "make_streams"]


def make_streams(data: np.ndarray, streams: int, what: str) -> np.ndarray:
    """``data`` (1-D) cut into ``streams`` contiguous rows: int64 ``[streams, n]`` (batchify)."""
    array = np.asarray(data)
    if array.ndim != 1:
        raise ValueError(f"stateful training cuts one text into streams: {what} must be 1-D, "
                         f"got shape {array.shape}")
    length = len(array) // streams
    if length < 2:
        raise ValueError(f"{what} has {len(array)} symbols, too few for {streams} streams of at "
                         f"least 2 symbols (batch_size {streams})")
    rows = array[: length * streams].astype(np.int64).reshape(streams, length)
    return np.ascontiguousarray(rows)


def window_starts(length: int, bptt: int, start: int = 0) -> range:
    """First input positions of the windows over streams of ``length`` symbols."""
    return range(start, length - 1, bptt)


def windows_per_pass(length: int, bptt: int) -> int:
    return len(window_starts(length, bptt))


def check_stateful_model(model: nn.Module) -> None:
    """Stateful training needs ``advance(tokens, state)`` and no context limit (rnn/lstm/ssm)."""
    if not callable(getattr(model, "advance", None)) or getattr(model, "context_limit", None):
        raise ValueError(
            "stateful training needs a recurrent model with advance(tokens, state) and no "
            f"context limit (rnn/lstm/ssm); got {type(model).__name__}. Transformers train on "
            "shuffled windows: set stateful=false"
        )


def detach_state(state: Any) -> Any:
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    return tuple(part.detach() for part in state)


def _state_to(state: Any, device: torch.device | str) -> Any:
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.to(device)
    return tuple(part.to(device) for part in state)


class StreamFeeder:
    """Feeds the training streams window by window and carries the hidden state between them.

    ``windows()`` yields ``(inputs, targets)`` for the rest of the current pass (each
    ``[streams, <= bptt]``), drawing one reset decision per window first; :meth:`forward` runs
    the model on a window's inputs from the carried state and keeps the new state, detached.
    After the last window the position returns to 0 and the state to zero.
    """

    def __init__(self, model: nn.Module, streams: torch.Tensor, bptt: int,
                 reset_probability: float, seed: int):
        self.model, self.streams, self.bptt = model, streams, bptt
        self.reset_probability = reset_probability
        # a generator of its own: no other draw (dropout, data order) moves it
        self.reset_rng = np.random.default_rng([seed, 1])
        self.position = 0
        self.hidden: Any = None  # None: the zero state
        self.resets = 0  # resets drawn in this process (for tests and logs)

    @property
    def steps_per_pass(self) -> int:
        return windows_per_pass(self.streams.shape[1], self.bptt)

    def windows(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        length = self.streams.shape[1]
        for start in window_starts(length, self.bptt, self.position):
            if self.reset_rng.random() < self.reset_probability:
                self.hidden = None
                self.resets += 1
            end = min(start + self.bptt, length - 1)
            yield self.streams[:, start:end], self.streams[:, start + 1:end + 1]
            self.position = end
        self.position, self.hidden = 0, None

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        logits, hidden = self.model.advance(inputs, self.hidden)
        self.hidden = detach_state(hidden)
        return logits

    def state_dict(self) -> dict[str, Any]:
        hidden = _state_to(self.hidden, "cpu")
        return {
            "position": self.position,
            "hidden": None if hidden is None else list(
                (hidden,) if isinstance(hidden, torch.Tensor) else hidden),
            "tuple_state": isinstance(self.hidden, tuple),
            "reset_rng": self.reset_rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.position = int(state["position"])
        hidden = state["hidden"]
        if hidden is not None:
            hidden = tuple(hidden) if state["tuple_state"] else hidden[0]
        self.hidden = _state_to(hidden, self.streams.device)
        self.reset_rng.bit_generator.state = state["reset_rng"]


def evaluate_streams(model: nn.Module, streams: torch.Tensor, bptt: int, precision) -> float:
    """Mean next-symbol cross-entropy (nats) over the streams, read window by window.

    The state starts at zero and is carried through every window without resets, so the result
    is the loss of each stream read whole.  ``precision`` is a context manager factory (autocast
    or a null context).
    """
    model.eval()
    total_loss, total_symbols, hidden = 0.0, 0, None
    with torch.no_grad():
        for start in window_starts(streams.shape[1], bptt):
            end = min(start + bptt, streams.shape[1] - 1)
            targets = streams[:, start + 1:end + 1]
            with precision():
                logits, hidden = model.advance(streams[:, start:end], hidden)
                loss = next_symbol_loss(logits, targets)
            total_loss += loss.item() * targets.numel()
            total_symbols += targets.numel()
    return total_loss / total_symbols
