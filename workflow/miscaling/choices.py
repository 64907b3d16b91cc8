"""The names the configuration, the CLI and the recipes choose from (architectures, devices).

Torch-free, so that the recipes and the workflow's rules read them without importing torch;
:mod:`miscaling.models` and :mod:`miscaling.device` re-export them.
"""

from __future__ import annotations

__all__ = ["ARCHS", "DEVICES"]

#: The sequence-model architectures (:mod:`miscaling.models`; ``ssm``: :mod:`miscaling.ssm`).
ARCHS = ("rnn", "lstm", "transformer", "ssm")
#: Where a step runs (:func:`miscaling.device.resolve_device`).
DEVICES = ("auto", "cpu", "cuda")
