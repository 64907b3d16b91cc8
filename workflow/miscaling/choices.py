"""The names the configuration, the CLI and the recipes choose from (architectures, devices).

Torch-free, so that the recipes and the workflow's rules read them without importing torch;
:mod:`miscaling.models` and :mod:`miscaling.device` re-export them.
"""

from __future__ import annotations

__all__ = ["ARCHS", "DEVICES", "memory_values", "state_values"]

#: The sequence-model architectures (:mod:`miscaling.models`; ``ssm``: :mod:`miscaling.ssm`).
ARCHS = ("rnn", "lstm", "transformer", "ssm")
#: Where a step runs (:func:`miscaling.device.resolve_device`).
DEVICES = ("auto", "cpu", "cuda")


def state_values(arch: str, width: int, depth: int, state_size: int = 16, expand: int = 2,
                 conv_kernel: int = 4) -> int | None:
    """Numbers a model carries from one symbol to the next: width·depth (RNN), 2·width·depth
    (LSTM: h and c), depth·expand·width·(state_size + conv_kernel − 1) (SSM: its scan state and
    conv buffer, docs/METHODS.md §7.9); None for the Transformer, whose cache grows."""
    if arch == "rnn":
        return width * depth
    if arch == "lstm":
        return 2 * width * depth
    if arch == "ssm":
        return depth * expand * width * (state_size + conv_kernel - 1)
    return None


def memory_values(config: dict) -> tuple[int, str]:
    """(numbers, kind) a model can hold about the past, from its config (``model.config``):
    its state (:func:`state_values`) for rnn/lstm/ssm, else the key-value cache of a full
    context, 2·max_len·width·depth (keys and values of every layer at every position)."""
    arch, width, depth = config["arch"], int(config["width"]), int(config["depth"])
    if arch == "transformer":
        return 2 * int(config["max_len"]) * width * depth, "kv_cache"
    extra = {key: int(config[key]) for key in ("state_size", "expand", "conv_kernel")
             if config.get(key) is not None}
    return state_values(arch, width, depth, **extra), "state"
