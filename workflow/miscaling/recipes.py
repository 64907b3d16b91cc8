"""The training configuration and the paper's recipes (Appendix E).

:class:`TrainConfig` holds everything that determines a training run apart from the model and
the data; :func:`paper_config` gives the paper's hyperparameters per architecture and data set,
:func:`paper_model_options` the model options that go with them (the :class:`ModelConfig`
fields beyond arch/width/depth), and :func:`learning_rate_at` the learning-rate schedules.

Optimizers.  The paper trained in Keras 2 with default parameters.  Keras' ``RMSprop`` defaults
are ``rho=0.9, epsilon=1e-7`` (``K.epsilon()``) with the update ``a = rho*a + (1-rho)*g**2;
p -= lr * g / (sqrt(a) + epsilon)``, which is ``torch.optim.RMSprop(alpha=0.9, eps=1e-7)``
exactly (torch's own defaults are ``alpha=0.99, eps=1e-8``).  Keras' ``Adam`` uses
``beta_1=0.9, beta_2=0.999, epsilon=1e-7``; torch's Adam has the same moments and bias
corrections, but adds epsilon to the bias-corrected ``sqrt(v_hat)`` where Keras adds it to
``sqrt(v)``, a difference of order epsilon that we leave.  ``"sgd"`` is plain SGD (no momentum,
no weight decay), the PyTorch ``word_language_model`` example's manual ``p -= lr * grad``.

Schedules.  ``"cosine"`` anneals per optimizer step, from ``lr`` at the first step to
``lr * min_lr_ratio`` (1/32 in the paper) at the last step of epoch ``max_epochs`` (SGDR, the
paper's reference [57]).  ``"plateau"`` is the word_language_model rule: after every epoch whose
validation loss is not strictly lower than the best so far, the rate is divided by
``anneal_factor`` (4), for good.  Both are pure functions of the step counter and the log, so
resuming needs nothing more than the checkpoint already holds.

Compatibility.  Fields added after the first binary runs were stored (``OPTIONAL_FIELDS``) are
left out of :meth:`TrainConfig.to_dict` while they hold their defaults, so every binary run's
result.json, best.pt and checkpoint.pt keep exactly their earlier content, and a run stored
before these fields existed is the same run as one configured with their defaults (the
comparison also fills them in: :func:`miscaling.checkpoint.check_same_run`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from miscaling.choices import ARCHS as ARCHITECTURES
from miscaling.choices import DEVICES
from miscaling.compat import compact_dict, optional_defaults
from miscaling.settings import Settings, check_choice, check_int, problems_error

__all__ = [
    "DATASETS", "OPTIMIZERS", "SCHEDULES", "TrainConfig", "learning_rate_at",
    "paper_config", "paper_model_options", "plateau_divisions",
]

OPTIMIZERS = ("rmsprop", "adam", "sgd")
SCHEDULES = ("constant", "cosine", "plateau")
DATASETS = ("binary", "char", "word")

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
    autocast on CUDA (ignored, with a log line, on CPU).  :func:`paper_config` gives the
    paper's values.
    """

    optimizer: str = "rmsprop"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    rmsprop_rho: float = KERAS_RMSPROP_RHO
    eps: float = KERAS_EPSILON
    batch_size: int = 50
    clip: float = 0.25
    max_epochs: int = 200
    patience: int | None = 5
    schedule: str = "constant"
    min_lr_ratio: float = 1 / 32
    bptt: int | None = None
    bos: bool = False
    shuffle: bool = True
    seed: int = 0
    device: str = "auto"
    # added for the text models (issue 11): left out of to_dict() while at their defaults
    anneal_factor: float = 4.0
    stateful: bool = False
    reset_probability: float = 0.0
    embedding_l2: float = 0.0
    mixed_precision: bool = False

    OPTIONAL_FIELDS = ("anneal_factor", "stateful", "reset_probability", "embedding_l2",
                       "mixed_precision")

    def __post_init__(self) -> None:
        # JSON has no tuples: accept betas back as a list
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))
        problems = (check_choice("optimizer", self.optimizer, OPTIMIZERS)
                    + check_choice("schedule", self.schedule, SCHEDULES)
                    + check_choice("device", self.device, DEVICES))
        if not self.lr >= 0:
            problems.append(f"lr must be >= 0, got {self.lr}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            problems.append(f"betas must be two numbers in [0, 1), got {self.betas}")
        if not 0 <= self.rmsprop_rho < 1:
            problems.append(f"rmsprop_rho must lie in [0, 1), got {self.rmsprop_rho}")
        if not self.eps > 0:
            problems.append(f"eps must be > 0, got {self.eps}")
        problems += check_int("batch_size", self.batch_size, 1)
        if not self.clip >= 0:
            problems.append(f"clip must be >= 0 (0 = no clipping), got {self.clip}")
        problems += check_int("max_epochs", self.max_epochs, 1)
        problems += check_int("patience", self.patience, 1, optional=True)
        if not 0 < self.min_lr_ratio <= 1:
            problems.append(f"min_lr_ratio must lie in (0, 1], got {self.min_lr_ratio}")
        problems += check_int("bptt", self.bptt, 1, optional=True)
        problems += check_int("seed", self.seed, 0)
        if not self.anneal_factor >= 1:
            problems.append(f"anneal_factor must be >= 1, got {self.anneal_factor}")
        for name in ("stateful", "mixed_precision"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name} must be true or false, got {getattr(self, name)!r}")
        if not 0 <= self.reset_probability <= 1:
            problems.append(f"reset_probability must lie in [0, 1], got "
                            f"{self.reset_probability}")
        if not self.embedding_l2 >= 0:
            problems.append(f"embedding_l2 must be >= 0, got {self.embedding_l2}")
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
        problems_error("TrainConfig", problems)

    def to_dict(self) -> dict[str, Any]:
        return compact_dict(self, self.OPTIONAL_FIELDS)

    @classmethod
    def optional_defaults(cls) -> dict[str, Any]:
        """The fields a stored config may lack, with the values it then means."""
        return optional_defaults(cls, cls.OPTIONAL_FIELDS)


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
    presets: dict[tuple[str, str], dict[str, Any]] = {
        ("rnn", "binary"): dict(rmsprop, lr=1e-3, batch_size=50),
        ("lstm", "binary"): dict(rmsprop, lr=5e-3, batch_size=50),
        ("transformer", "binary"): dict(adam, lr=2e-4, batch_size=50),
        ("rnn", "char"): char_lstm,
        ("lstm", "char"): char_lstm,
        ("transformer", "char"): dict(adam, lr=2e-4, batch_size=64, bptt=512),
        ("rnn", "word"): word_lstm,
        ("lstm", "word"): word_lstm,
        ("transformer", "word"): dict(adam, lr=2.5e-4, batch_size=32, bptt=128, patience=10,
                                      embedding_l2=0.01),
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
    Keras one; Transformer 8 heads, tied, dropout 0.1.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {ARCHITECTURES}, got {arch!r}")
    if data not in DATASETS:
        raise ValueError(f"data must be one of {DATASETS}, got {data!r}")
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
