"""Which torch device a step runs on: one rule for training, sampling and the torch estimator.

``"auto"`` (or ``None``) means CUDA when torch sees a GPU, else the CPU; ``"cuda"`` without a
GPU is an error that says so (rather than a failure deep inside the first kernel); anything else
is passed to :class:`torch.device` (``"cuda:1"``, an existing ``torch.device``).
"""

from __future__ import annotations

import torch

from miscaling.choices import DEVICES

__all__ = ["DEVICES", "resolve_device"]


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``device`` as a :class:`torch.device` (see the module docstring)."""
    if isinstance(device, torch.device):
        resolved = device
    elif device is None or device == "auto":
        resolved = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            resolved = torch.device(device)
        except (RuntimeError, TypeError) as err:
            raise ValueError(f"unknown torch device {device!r}: {err}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {str(resolved)!r} requested but torch sees no CUDA GPU "
                         "(torch.cuda.is_available() is False); use 'cpu' or 'auto'")
    return resolved
