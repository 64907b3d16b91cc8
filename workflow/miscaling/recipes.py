"""The training configuration and the paper's recipes (Appendix E).

:class:`TrainConfig` holds everything that determines a training run apart from the model and
the data; :func:`paper_config` and :func:`paper_model_options` give the paper's settings per
architecture and data set, :func:`learning_rate_at` the schedules.  Optimizers with Keras'
constants, schedules and recipes: docs/METHODS.md §7.2–7.4, Eqs. (M35)–(M37).  Fields added for
the text models (``ADDED_LATER``) stay out of a stored run's files while they hold their old
values, so every earlier run keeps its content and is still the same run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from miscaling.choices import ARCHS as ARCHITECTURES
from miscaling.choices import DEVICES
from miscaling.settings import Settings, choice, flag, integer, number, numbers

__all__ = [
    "DATASETS", "DEPTH_SWEEP_WIDTHS", "OPTIMIZERS", "SCHEDULES", "TrainConfig", "learning_rate_at",
    "paper_config", "paper_model_options", "plateau_divisions",
]

OPTIMIZERS = ("rmsprop", "adam", "sgd")
SCHEDULES = ("constant", "cosine", "plateau")
DATASETS = ("binary", "char", "word")
#: The width of the language models' depth sweeps in the paper (Figures 8(b), 10(b)).
DEPTH_SWEEP_WIDTHS = {"char": 128, "word": 512}

# Keras 2 defaults (keras.optimizers.RMSprop / Adam: rho=0.9, epsilon=K.epsilon()=1e-7).
KERAS_RMSPROP_RHO = 0.9
KERAS_EPSILON = 1e-7


@dataclass(frozen=True)
class TrainConfig(Settings):
    """Everything that determines a training run apart from the model and the data.

    ``rmsprop_rho`` and ``eps`` default to Keras' values (``eps`` serves RMSprop and Adam);
    ``clip`` is the maximum global gradient norm (0 disables clipping); ``patience`` the number
    of epochs without a strictly lower validation loss after which training stops (``None``
    disables early stopping); ``schedule`` ``"cosine"`` anneals per step down to
    ``lr * min_lr_ratio``, ``"plateau"`` divides the rate by ``anneal_factor`` after every
    epoch without improvement; ``bptt`` ``None`` trains on whole rows of the data, an integer
    cuts rows into windows of that many target symbols; ``bos`` prepends the start token
    ``vocab_size``; ``shuffle`` draws a new example order every epoch; ``device`` ``"auto"``
    picks CUDA when available.

    ``stateful`` (1-D data, recurrent models): stateful truncated BPTT
    (:mod:`miscaling.stateful`): the text is cut into ``batch_size`` contiguous streams fed
    ``bptt`` symbols at a time in order, the hidden state carried between windows and reset to
    zero at the start of a batch with probability ``reset_probability``.  ``embedding_l2`` adds
    ``embedding_l2 * sum(W**2)`` of the first embedding matrix to the training loss (Keras'
    ``embeddings_regularizer=l2(...)``).  ``mixed_precision`` runs forward and loss under bf16
    autocast on CUDA; ``tf32`` lets CUDA matmuls and cuDNN use TF32 (both ignored on CPU, and
    recorded as off there: :meth:`on_device`; docs/METHODS.md §7.10).  :func:`paper_config`
    gives the paper's values.
    """

    optimizer: str = choice("rmsprop", OPTIMIZERS)
    lr: float = number(1e-3, ge=0)
    betas: tuple[float, float] = numbers((0.9, 0.999), ge=0, lt=1, length=2)
    rmsprop_rho: float = number(KERAS_RMSPROP_RHO, ge=0, lt=1)
    eps: float = number(KERAS_EPSILON, gt=0)
    batch_size: int = integer(50, ge=1)
    clip: float = number(0.25, ge=0)
    max_epochs: int = integer(200, ge=1)
    patience: int | None = integer(5, ge=1, optional=True)
    schedule: str = choice("constant", SCHEDULES)
    min_lr_ratio: float = number(1 / 32, gt=0, le=1)
    bptt: int | None = integer(None, ge=1, optional=True)
    bos: bool = flag(False)
    shuffle: bool = flag(True)
    seed: int = integer(0, ge=0)
    device: str = choice("auto", DEVICES)
    anneal_factor: float = number(4.0, ge=1)
    stateful: bool = flag(False)
    reset_probability: float = number(0.0, ge=0, le=1)
    embedding_l2: float = number(0.0, ge=0)
    mixed_precision: bool = flag(False)
    tf32: bool = flag(True)

    #: Added later (text models, issue 11; TF32, issue 19): a stored config without them was
    #: made with these.
    ADDED_LATER: ClassVar[dict[str, Any]] = {
        "anneal_factor": 4.0, "stateful": False, "reset_probability": 0.0, "embedding_l2": 0.0,
        "mixed_precision": False, "tf32": False}

    def on_device(self, device_type: str) -> TrainConfig:
        """These settings as they act on ``device_type``: bf16 autocast and TF32 exist on CUDA
        only, so elsewhere they read as off (a run's identity records what ran, and a CPU run
        is the same run whatever the GPU-only switches say)."""
        if device_type == "cuda":
            return self
        return self.replace(mixed_precision=False, tf32=False)

    def conflicts(self) -> list[str]:
        problems = []
        if self.stateful:
            if self.bptt is None:
                problems.append("stateful training needs bptt (the window length)")
            if self.bos:
                problems.append("stateful training feeds contiguous streams: bos must be false")
            if self.shuffle:
                problems.append("stateful training keeps the streams in order: shuffle must be "
                                "false")
        elif self.reset_probability:
            problems.append("reset_probability only applies with stateful=true")
        return problems


def paper_config(arch: str, data: str = "binary", **overrides: Any) -> TrainConfig:
    """The paper's training hyperparameters (Appendix E) for ``arch`` on ``data``.

    binary: RNN RMSProp lr 1e-3, LSTM RMSProp lr 5e-3, batch 50, clip 0.25; Transformer Adam
    lr 2e-4, clip 5.0, cosine annealing to lr/32, batch 50; whole sequences (no truncated BPTT),
    shuffled, early stopping after 5 epochs without improvement, at most 200 epochs.
    char (E.1.2, E.2.2): LSTM RMSProp lr 5e-3, clip 0.25, batch 128, stateful BPTT 100 with
    resets of probability 0.01, not shuffled; Transformer Adam lr 2e-4, clip 5.0, cosine,
    batch 64, shuffled windows of context 512.  Both patience 5, at most 200 epochs.
    word: LSTM as PyTorch's word_language_model: plain SGD lr 20 divided by 4 after every epoch
    without improvement, clip 0.25, batch 20, stateful BPTT 50 without resets, 60 epochs, no
    early stopping; Transformer Adam lr 2.5e-4, clip 5.0, cosine, batch 32, context 128,
    patience 10, L2 0.01 on the embedding (added to the loss, as Keras' regularizer does).
    The vanilla RNN takes the LSTM's recipe on text (the paper trained no text RNNs).
    Numerics on CUDA (not in the paper; docs/METHODS.md §7.10): TF32 everywhere; bf16 autocast
    for the Transformers on text, where it pays (4.8x, char 512 x 3 on an H200); the recurrent
    models and binary data keep fp32 activations and states.
    ssm (not in the paper; docs/METHODS.md §7.4): Adam lr 2e-3, clip 1.0, cosine to lr/32 (the
    usual Mamba choice) on the LSTM's batches: binary batch 50, whole sequences; char batch 128,
    stateful BPTT 100, resets 0.01; word batch 20, stateful BPTT 50, 60 epochs, patience 10.

    ``overrides`` replace single fields, e.g. ``paper_config("lstm", seed=3)``.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {ARCHITECTURES}, got {arch!r}")
    if data not in DATASETS:
        raise ValueError(f"data must be one of {DATASETS}, got {data!r}")
    rmsprop = dict(optimizer="rmsprop", clip=0.25, schedule="constant")
    adam = dict(optimizer="adam", betas=(0.9, 0.999), clip=5.0, schedule="cosine")
    char_lstm = dict(rmsprop, lr=5e-3, batch_size=128, bptt=100, stateful=True,
                     reset_probability=0.01, shuffle=False)
    word_lstm = dict(optimizer="sgd", lr=20.0, clip=0.25, schedule="plateau", anneal_factor=4.0,
                     batch_size=20, bptt=50, stateful=True, reset_probability=0.0,
                     shuffle=False, max_epochs=60, patience=None)
    ssm = dict(optimizer="adam", lr=2e-3, betas=(0.9, 0.999), clip=1.0, schedule="cosine")
    ssm_streams = dict(stateful=True, shuffle=False)
    presets: dict[tuple[str, str], dict[str, Any]] = {
        ("rnn", "binary"): dict(rmsprop, lr=1e-3, batch_size=50),
        ("lstm", "binary"): dict(rmsprop, lr=5e-3, batch_size=50),
        ("transformer", "binary"): dict(adam, lr=2e-4, batch_size=50),
        ("rnn", "char"): char_lstm,
        ("lstm", "char"): char_lstm,
        ("transformer", "char"): dict(adam, lr=2e-4, batch_size=64, bptt=512,
                                      mixed_precision=True),
        ("rnn", "word"): word_lstm,
        ("lstm", "word"): word_lstm,
        ("transformer", "word"): dict(adam, lr=2.5e-4, batch_size=32, bptt=128, patience=10,
                                      embedding_l2=0.01, mixed_precision=True),
        ("ssm", "binary"): dict(ssm, batch_size=50),
        ("ssm", "char"): dict(ssm, **ssm_streams, batch_size=128, bptt=100,
                              reset_probability=0.01),
        ("ssm", "word"): dict(ssm, **ssm_streams, batch_size=20, bptt=50, reset_probability=0.0,
                              max_epochs=60, patience=10),
    }
    settings: dict[str, Any] = dict(max_epochs=200, patience=5, bptt=None, shuffle=True)
    settings.update(presets[arch, data])
    settings.update(overrides)
    return TrainConfig(**settings)


def paper_model_options(arch: str, data: str) -> dict[str, Any]:
    """The paper's :class:`~miscaling.models.ModelConfig` options for ``arch`` on ``data``.

    The fields beyond arch, vocab_size, width and depth (Appendix E):
    binary: RNN/LSTM embedding 2; Transformer 4 heads.
    char: RNN/LSTM embedding 200 with an orthogonal initializer (E.1.2); Transformer 8 heads.
    word: RNN/LSTM tied embedding/decoder (embedding size = width), dropout 0.4 after the
    embedding, between LSTM layers and after the last one -- the word_language_model code the
    paper ran (its text omits the last one); the LSTM also takes that code's initialisation
    (``init="word_language_model"``), the RNN, which the paper never trained on text, keeps the
    Keras one; Transformer 8 heads, tied, dropout 0.1.  ssm (not in the paper; it embeds in
    width dimensions, like the Transformer): Mamba's d_state 16, expand 2, kernel 4 throughout;
    word: tied, dropout 0.1.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {ARCHITECTURES}, got {arch!r}")
    if data not in DATASETS:
        raise ValueError(f"data must be one of {DATASETS}, got {data!r}")
    if arch == "ssm":
        return dict(tie_weights=True, dropout=0.1) if data == "word" else {}
    recurrent = arch != "transformer"
    presets = {
        "binary": dict(embedding_dim=2) if recurrent else dict(heads=4),
        "char": (dict(embedding_dim=200, embedding_init="orthogonal") if recurrent
                 else dict(heads=8)),
        "word": (dict(tie_weights=True, dropout=0.4, output_dropout=True) if recurrent
                 else dict(heads=8, tie_weights=True, dropout=0.1)),
    }
    options = dict(presets[data])
    if (arch, data) == ("lstm", "word"):
        options["init"] = "word_language_model"
    return options


def plateau_divisions(log_rows: Iterable[Mapping[str, float]]) -> int:
    """Completed epochs whose validation loss was not strictly below the best before them."""
    best, divisions = math.inf, 0
    for row in log_rows:
        if row["val_loss"] < best:
            best = row["val_loss"]
        else:
            divisions += 1
    return divisions


def learning_rate_at(
    step: int, config: TrainConfig, total_steps: int, divisions: int = 0
) -> float:
    """The learning rate for optimizer step ``step`` (0-based) of ``total_steps``.

    Cosine: ``lr`` at step 0, ``lr * min_lr_ratio`` at step ``total_steps - 1`` and after.
    Plateau: ``lr / anneal_factor ** divisions`` (:func:`plateau_divisions` of the log).
    """
    if config.schedule == "constant":
        return config.lr
    if config.schedule == "plateau":
        return config.lr / config.anneal_factor ** divisions
    progress = min(step / max(total_steps - 1, 1), 1.0)
    lowest = config.lr * config.min_lr_ratio
    return lowest + (config.lr - lowest) * 0.5 * (1.0 + math.cos(math.pi * progress))
