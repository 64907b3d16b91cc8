"""The paper's sequence models: vanilla RNN, LSTM and Transformer language models (and an SSM).

One family, built by :func:`build_model` from a frozen :class:`ModelConfig`:
``tokens [B, T] -> embedding -> body -> linear -> logits [B, T, vocab]``, ``logits[:, t]``
scoring the symbol at ``t + 1`` (causal, no start token).  Incremental use goes through a state
(``init_state``, ``step``, ``advance``: the RNN hidden state, a Transformer :class:`KVCache` or
the selective SSM's conv buffers and scan states, :mod:`miscaling.ssm`).
Initialisation (``init="keras"``, the paper's Keras models, or ``"word_language_model"``) and
the one known deviation from Keras: docs/METHODS.md §7.7.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .choices import ARCHS  # re-exported: the torch-free names
from .choices import state_values as choice_state_values
from .settings import Settings, choice, flag, integer, number
from .ssm import SSMBody

__all__ = [
    "ARCHS",
    "KVCache",
    "ModelConfig",
    "RecurrentModel",
    "SequenceModel",
    "StateSpaceModel",
    "TransformerModel",
    "build_model",
    "count_parameters",
    "sinusoidal_encoding",
    "state_values",
]

INITS = ("keras", "word_language_model")
EMBEDDING_INITS = ("keras", "orthogonal")
KERAS_EMBEDDING_BOUND = 0.05  # keras.layers.Embedding default: RandomUniform(-0.05, 0.05)
WORD_LANGUAGE_MODEL_BOUND = 0.1  # word_language_model's `initrange` (embedding and decoder)
FEED_FORWARD_MULTIPLIER = 4  # position-wise feed-forward width / model width (Vaswani et al.)


@dataclass(frozen=True)
class ModelConfig(Settings):
    """The constructor arguments of one model; ``to_dict()`` is ``model.config``.

    arch: "rnn" (Elman, tanh), "lstm", "transformer" or "ssm" (selective state space, Mamba-1
        blocks: :mod:`miscaling.ssm`).
    vocab_size: number of symbols (input ids and output classes).
    width: hidden units per recurrent layer, or the Transformer's model width (heads × head dim).
    depth: number of recurrent layers or Transformer blocks.
    embedding_dim: RNN/LSTM input embedding size (default ``width``; the paper uses 2 on binary
        data and 200 for character-level text). The Transformer embeds in ``width`` dimensions.
    heads: attention heads (Transformer only, required; the paper uses 4 on binary, 8 on text).
    max_len: longest context the Transformer accepts (positions 0 … max_len-1); recurrent
        models have no limit and only record it.
    dropout: RNN/LSTM: after the embedding and between recurrent layers (not after the last,
        as in the paper's word-level model); Transformer: after embedding + position, on the
        attention weights and on each sub-layer's output before its residual addition.
    tie_weights: share the embedding matrix with the output layer (needs embedding_dim == width).
    embedding_init: "keras" (U(-0.05, 0.05), the Keras default) or "orthogonal" (Keras'
        Orthogonal initializer, gain 1: the paper's character-level LSTMs).
    output_dropout: RNN/LSTM only: also apply ``dropout`` to the last recurrent layer's output,
        as PyTorch's word_language_model code (which trained the paper's word LSTMs) does.
    state_size, expand, conv_kernel: SSM only: d_state (per channel), d_inner / width, and the
        causal convolution's kernel (Mamba's 16, 2 and 4).
    init: the initialisation scheme (module docstring): "keras" (the paper's Keras models) or
        "word_language_model" (PyTorch's word_language_model example: the paper's word LSTMs).
        The latter is RNN/LSTM only, because it is the example's RNNModel init and the paper's
        Transformers are Keras models; it sets the embedding itself, so it needs the default
        ``embedding_init``.

    Validated on construction (one error naming every bad field); ``embedding_dim`` is stored
    resolved (``width`` when not given), so a config read back from a checkpoint equals it.
    The fields in ``ADDED_LATER`` (added for the text models) are left out of ``to_dict()``
    while they hold those values (:class:`~miscaling.settings.Settings`), so a binary model's
    config, and every file that stores it, is what it was before they existed.
    """

    arch: str = choice(dataclasses.MISSING, ARCHS)
    vocab_size: int = integer(ge=1)
    width: int = integer(ge=1)
    depth: int = integer(ge=1)
    embedding_dim: int | None = integer(None, ge=1, optional=True)
    heads: int | None = integer(None, ge=1, optional=True)
    max_len: int = integer(512, ge=1)
    dropout: float = number(0.0, ge=0, lt=1)
    tie_weights: bool = flag(False)
    embedding_init: str = choice("keras", EMBEDDING_INITS)
    output_dropout: bool = flag(False)
    init: str = choice("keras", INITS)
    state_size: int = integer(16, ge=1)
    expand: int = integer(2, ge=1)
    conv_kernel: int = integer(4, ge=1)

    #: Added for the text models and the SSM: a stored config without them was made with these.
    ADDED_LATER: ClassVar[dict[str, Any]] = {"embedding_init": "keras", "output_dropout": False,
                                             "init": "keras", "state_size": 16, "expand": 2,
                                             "conv_kernel": 4}

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.embedding_dim is None:
            object.__setattr__(self, "embedding_dim", self.width)

    def conflicts(self) -> list[str]:
        problems = []
        ssm_fields = {"state_size": 16, "expand": 2, "conv_kernel": 4}
        if self.arch != "ssm":
            problems += [f"{name} only applies to the ssm, not to {self.arch!r}"
                         for name, default in ssm_fields.items()
                         if getattr(self, name) != default]
        if self.init != "keras":
            if self.arch in ("transformer", "ssm"):
                problems.append(f"init={self.init!r} only applies to rnn/lstm (the example's "
                                f"RNNModel); the {self.arch} is initialised as in Keras")
            if self.embedding_init != "keras":
                problems.append(f"embedding_init={self.embedding_init!r} only applies with "
                                f"init='keras'; init={self.init!r} draws the embedding from "
                                f"U(-{WORD_LANGUAGE_MODEL_BOUND}, {WORD_LANGUAGE_MODEL_BOUND})")
        if self.arch == "ssm":
            problems += [f"{name} only applies to rnn/lstm" for name in ("output_dropout",)
                         if getattr(self, name)]
            if self.heads is not None:
                problems.append("heads only applies to the transformer, not to 'ssm'")
            if self.embedding_dim is not None and self.embedding_dim != self.width:
                problems.append(f"the ssm embeds in width ({self.width}) dimensions because of "
                                f"its residual connections; got embedding_dim={self.embedding_dim}")
        elif self.arch == "transformer":
            if self.heads is None:
                problems.append("the transformer needs heads (the paper: 4 on binary, 8 on text)")
            elif self.width % self.heads:
                problems.append(f"width ({self.width}) must be divisible by heads "
                                f"({self.heads}): width = heads × head dimension")
            if self.output_dropout:
                problems.append("output_dropout only applies to rnn/lstm; the transformer's "
                                "dropout already acts on every sub-layer's output")
            if self.embedding_dim is not None and self.embedding_dim != self.width:
                problems.append(f"the transformer embeds in width ({self.width}) dimensions "
                                "because of its residual connections; got "
                                f"embedding_dim={self.embedding_dim}")
        else:
            if self.heads is not None:
                problems.append(f"heads only applies to the transformer, not to {self.arch!r}")
            if self.tie_weights and self.embedding_dim not in (None, self.width):
                problems.append(f"tie_weights needs embedding_dim == width, got "
                                f"{self.embedding_dim} and {self.width}")
        return problems

    @classmethod
    def for_data(cls, arch: str, width: int, depth: int, train: np.ndarray,
                 valid: np.ndarray | None = None, *, vocab_size: int | None = None,
                 max_len: int | None = None, **options: Any) -> ModelConfig:
        """The config of a model for symbol arrays ``train`` (and ``valid``), ``[N, L]`` or 1-D.

        Defaults taken from the data: ``vocab_size`` = largest symbol + 1, ``max_len`` = the
        sequence length (``train.shape[-1]``).  ``options`` (embedding_dim, heads, dropout,
        tie_weights) left at None take the dataclass defaults.
        """
        arrays = [np.asarray(train)] + ([] if valid is None else [np.asarray(valid)])
        if vocab_size is None:
            vocab_size = int(max(array.max() for array in arrays)) + 1
        if max_len is None:
            max_len = int(arrays[0].shape[-1])
        options = {key: value for key, value in options.items() if value is not None}
        return cls(arch=arch, vocab_size=vocab_size, width=width, depth=depth, max_len=max_len,
                   **options)


def build_model(config: ModelConfig) -> SequenceModel:
    """The vanilla RNN ("rnn"), LSTM ("lstm") or Transformer ("transformer") language model a
    :class:`ModelConfig` describes, freshly initialised, e.g.
    ``build_model(ModelConfig("lstm", vocab_size=2, width=4, depth=1, embedding_dim=2))``;
    ``build_model(model.settings)`` or ``build_model(ModelConfig.from_dict(model.config))``
    rebuilds a model."""
    if not isinstance(config, ModelConfig):
        raise TypeError(f"build_model takes a ModelConfig, got {type(config).__name__} (a "
                        "stored config dict: ModelConfig.from_dict(config))")
    if config.arch == "transformer":
        return TransformerModel(config)
    if config.arch == "ssm":
        return StateSpaceModel(config)
    return RecurrentModel(config)


def state_values(config: ModelConfig) -> int | None:
    """Size of a model's carried state (:func:`miscaling.choices.state_values`); None for the
    Transformer, whose KV cache grows with the context."""
    return choice_state_values(config.arch, config.width, config.depth, config.state_size,
                               config.expand, config.conv_kernel)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (tied matrices counted once, frozen RNN b_hh excluded:
    the Keras init freezes it, the word_language_model one trains it)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class SequenceModel(nn.Module):
    """Embedding -> body -> linear; subclasses supply the body and its incremental state.

    ``settings`` is the :class:`ModelConfig`, ``config`` its dict
    (``build_model(ModelConfig.from_dict(config))`` rebuilds the model).
    """

    def __init__(self, config: ModelConfig | Mapping[str, Any]):
        super().__init__()
        if not isinstance(config, ModelConfig):
            config = ModelConfig.from_dict(config)
        self.settings = config  # the frozen ModelConfig
        self.config = config.to_dict()  # the same as plain JSON data (checkpoints store it)
        self.vocab_size = config.vocab_size
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.decoder = nn.Linear(config.width, config.vocab_size)

    @property
    def context_limit(self) -> int | None:
        """Most positions one sequence may hold (None: unlimited)."""
        return None

    @property
    def state_values(self) -> int | None:
        """Size of the carried state (:func:`state_values`)."""
        return state_values(self.settings)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [B, T, vocab] for tokens [B, T]; logits[:, t] predict x[:, t + 1]."""
        _check_tokens(x, dims=2)
        return self.advance(x, None)[0]

    def advance(self, x: torch.Tensor, state):
        """Feed tokens [B, T] after ``state`` (None: start of sequence); -> (logits, state)."""
        raise NotImplementedError

    def init_state(self, batch_size: int, device=None, capacity: int | None = None):
        """State of ``batch_size`` empty sequences (capacity: KV-cache length, Transformer)."""
        raise NotImplementedError

    def step(self, tokens: torch.Tensor, state):
        """Feed one token per sequence, tokens [B]; -> (logits [B, vocab], state)."""
        _check_tokens(tokens, dims=1)
        logits, state = self.advance(tokens[:, None], state)
        return logits[:, 0], state

    def _parameter_device(self) -> torch.device:
        return self.embedding.weight.device

    def _init_embedding_and_decoder(self) -> None:
        if self.settings.init == "word_language_model":
            for weight in (self.embedding.weight, self.decoder.weight):
                nn.init.uniform_(weight, -WORD_LANGUAGE_MODEL_BOUND, WORD_LANGUAGE_MODEL_BOUND)
        else:
            if self.settings.embedding_init == "orthogonal":
                nn.init.orthogonal_(self.embedding.weight)  # keras.initializers.Orthogonal(gain=1)
            else:
                nn.init.uniform_(self.embedding.weight, -KERAS_EMBEDDING_BOUND,
                                 KERAS_EMBEDDING_BOUND)
            nn.init.xavier_uniform_(self.decoder.weight)
        nn.init.zeros_(self.decoder.bias)
        if self.settings.tie_weights:
            self.decoder.weight = self.embedding.weight  # after init: the embedding's init wins


def _check_tokens(x: torch.Tensor, dims: int) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != dims:
        shape = "[B, T]" if dims == 2 else "[B]"
        raise ValueError(f"expected a {dims}-D tensor of token ids {shape}, "
                         f"got {getattr(x, 'shape', type(x).__name__)}")


class RecurrentModel(SequenceModel):
    """Elman RNN (tanh) or LSTM: embedding -> ``depth`` recurrent layers -> linear."""

    def __init__(self, config: ModelConfig | Mapping[str, Any]):
        super().__init__(config)
        config = self.settings
        rnn_class = nn.LSTM if config.arch == "lstm" else nn.RNN
        inter_layer_dropout = config.dropout if config.depth > 1 else 0.0
        self.rnn = rnn_class(config.embedding_dim, config.width, num_layers=config.depth,
                             batch_first=True, dropout=inter_layer_dropout)
        self.input_dropout = nn.Dropout(config.dropout)
        # Identity unless asked for: the binary models' forward pass stays exactly as it was
        self.output_dropout = nn.Dropout(config.dropout) if config.output_dropout else nn.Identity()
        if config.init == "word_language_model":
            self._init_word_language_model()
        else:
            self._init_keras()

    def _init_keras(self) -> None:
        width = self.settings.width
        for name, param in self.rnn.named_parameters():
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(param)  # Keras kernel: Glorot over all gates at once
            elif name.startswith("weight_hh"):
                nn.init.orthogonal_(param)  # Keras recurrent kernel: one orthogonal matrix
            else:
                nn.init.zeros_(param)
                if name.startswith("bias_hh"):
                    param.requires_grad_(False)  # Keras has one bias per gate; keep b_hh at 0
                elif self.settings.arch == "lstm":
                    param.data[width:2 * width] = 1.0  # gate order i, f, g, o: forget bias 1
        self._init_embedding_and_decoder()

    def _init_word_language_model(self) -> None:
        # The example keeps nn.LSTM's default, drawn again here (as nn.LSTM.reset_parameters
        # does) so the scheme is stated in this file rather than left to PyTorch's version.
        bound = 1.0 / math.sqrt(self.settings.width)
        for param in self.rnn.parameters():  # both biases too, trainable as in the example
            nn.init.uniform_(param, -bound, bound)
        self._init_embedding_and_decoder()

    def init_state(self, batch_size: int, device=None, capacity: int | None = None):
        """Zero hidden state, ``h`` or ``(h, c)`` of shape [depth, B, width]; capacity unused."""
        device = self._parameter_device() if device is None else device
        dtype = self.embedding.weight.dtype
        shape = (self.settings.depth, batch_size, self.settings.width)
        hidden = torch.zeros(shape, device=device, dtype=dtype)
        if self.settings.arch == "lstm":
            return hidden, torch.zeros_like(hidden)
        return hidden

    def advance(self, x: torch.Tensor, state):
        _check_tokens(x, dims=2)
        output, state = self.rnn(self.input_dropout(self.embedding(x)), state)
        return self.decoder(self.output_dropout(output)), state


def sinusoidal_encoding(max_len: int, width: int) -> torch.Tensor:
    """[max_len, width] positional encoding of Vaswani et al. (2017), Sec. 3.5.

    PE[p, 2i] = sin(p / 10000^(2i/width)), PE[p, 2i+1] = cos(p / 10000^(2i/width)); an odd
    width just drops the last cosine. Computed in float64 so far positions stay accurate.
    """
    position = torch.arange(max_len, dtype=torch.float64)[:, None]
    even_dims = torch.arange(0, width, 2, dtype=torch.float64)
    angles = position * torch.exp(-math.log(10000.0) * even_dims / width)
    encoding = torch.empty(max_len, width, dtype=torch.float64)
    encoding[:, 0::2] = torch.sin(angles)
    encoding[:, 1::2] = torch.cos(angles[:, : width // 2])
    return encoding.float()


@dataclass
class KVCache:
    """Keys and values of every Transformer block for the positions fed so far.

    keys[i], values[i]: [B, heads, capacity, head_dim], filled in place up to ``length``.
    """

    keys: list[torch.Tensor]
    values: list[torch.Tensor]
    length: int = 0

    @property
    def capacity(self) -> int:
        return self.keys[0].shape[2]


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention; with a cache, new queries also see cached keys.

    No biases in the projections and one Glorot matrix for q, k and v together, as in the
    keras-transformer implementation the paper used (kpot/keras-transformer).
    """

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.query_key_value = nn.Linear(width, 3 * width, bias=False)
        self.output = nn.Linear(width, width, bias=False)
        self.attention_dropout = dropout

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0):
        batch, length, width = x.shape
        q, k, v = self.query_key_value(x).split(width, dim=2)
        q, k, v = (t.view(batch, length, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        start = 0 if cache is None else cache.length
        if cache is not None:
            end = start + length
            cache.keys[layer][:, :, start:end] = k
            cache.values[layer][:, :, start:end] = v
            k, v = cache.keys[layer][:, :, :end], cache.values[layer][:, :, :end]
        dropout = self.attention_dropout if self.training else 0.0
        if start == 0:  # square causal mask, SDPA's fast path
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=True)
        else:  # is_causal is top-left aligned; a chunk after a cache needs an offset mask
            mask = None if length == 1 else _offset_causal_mask(start, length, x.device)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
        return self.output(y.transpose(1, 2).reshape(batch, length, width))


def _offset_causal_mask(start: int, length: int, device) -> torch.Tensor:
    """[length, start + length] mask: query at position start + i sees keys 0 … start + i."""
    key_position = torch.arange(start + length, device=device)
    query_position = torch.arange(start, start + length, device=device)
    return key_position[None, :] <= query_position[:, None]


class TransformerBlock(nn.Module):
    """Original (post-LN) Transformer decoder block without cross-attention.

    x = LayerNorm(x + Dropout(SelfAttention(x))); x = LayerNorm(x + Dropout(FeedForward(x))),
    FeedForward = Linear(width, 4 width) -> ReLU -> Linear(4 width, width).
    Post-LN because it is the paper's Transformer (Vaswani et al.; kpot/keras-transformer, which
    the paper used, also normalises after each residual addition). Pre-LN mainly helps deep
    models trained with large learning rates and no warm-up; the paper's are 1-5 blocks deep,
    trained with Adam at 2-2.5e-4 and gradient clipping, where post-LN trains well.
    """

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.attention = CausalSelfAttention(width, heads, dropout)
        self.attention_norm = nn.LayerNorm(width)
        self.feed_forward = nn.Sequential(
            nn.Linear(width, FEED_FORWARD_MULTIPLIER * width),
            nn.ReLU(),
            nn.Linear(FEED_FORWARD_MULTIPLIER * width, width),
        )
        self.feed_forward_norm = nn.LayerNorm(width)
        self.residual_dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0):
        x = self.attention_norm(x + self.residual_dropout(self.attention(x, cache, layer)))
        return self.feed_forward_norm(x + self.residual_dropout(self.feed_forward(x)))


class TransformerModel(SequenceModel):
    """Embedding (width) + sinusoidal position -> ``depth`` causal blocks -> linear."""

    def __init__(self, config: ModelConfig | Mapping[str, Any]):
        super().__init__(config)
        config = self.settings
        width, heads = config.width, config.heads
        self.max_len = config.max_len
        # Not persistent: rebuilt from the config, so checkpoints hold only learned weights.
        self.register_buffer("positional_encoding", sinusoidal_encoding(self.max_len, width),
                             persistent=False)
        self.input_dropout = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(
            TransformerBlock(width, heads, config.dropout) for _ in range(config.depth))
        self._init_keras()

    def _init_keras(self) -> None:
        for module in self.blocks.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        self._init_embedding_and_decoder()

    @property
    def context_limit(self) -> int:
        return self.max_len

    def init_state(self, batch_size: int, device=None, capacity: int | None = None) -> KVCache:
        """Empty KV cache for ``capacity`` positions (default and maximum: max_len)."""
        capacity = self.max_len if capacity is None else capacity
        if not 1 <= capacity <= self.max_len:
            raise ValueError(f"cache capacity must be in 1 … max_len={self.max_len}, "
                             f"got {capacity}")
        device = self._parameter_device() if device is None else device
        heads = self.settings.heads
        shape = (batch_size, heads, capacity, self.settings.width // heads)
        dtype = self.embedding.weight.dtype

        def buffers():
            return [torch.zeros(shape, device=device, dtype=dtype) for _ in self.blocks]

        return KVCache(keys=buffers(), values=buffers())

    def advance(self, x: torch.Tensor, state: KVCache | None):
        _check_tokens(x, dims=2)
        start = 0 if state is None else state.length
        end = start + x.shape[1]
        limit = self.max_len if state is None else state.capacity
        if end > limit:
            what = f"max_len={self.max_len}" if limit == self.max_len else f"cache of {limit}"
            raise ValueError(f"transformer context overflow: positions {start} … {end - 1} "
                             f"exceed {what} positions; build the model with a larger max_len "
                             "or use shorter sequences")
        h = self.input_dropout(self.embedding(x) + self.positional_encoding[start:end])
        for layer, block in enumerate(self.blocks):
            h = block(h, state, layer)
        if state is not None:
            state.length = end  # after all blocks: each one writes at the same positions
        return self.decoder(h), state


class StateSpaceModel(SequenceModel):
    """Embedding (width) -> ``depth`` pre-norm Mamba blocks -> RMSNorm -> linear
    (:mod:`miscaling.ssm`); embedding and decoder initialised as the RNNs' (Keras)."""

    def __init__(self, config: ModelConfig | Mapping[str, Any]):
        super().__init__(config)
        c = self.settings
        self.input_dropout = nn.Dropout(c.dropout)
        self.body = SSMBody(c.width, c.depth, c.state_size, c.expand, c.conv_kernel, c.dropout)
        self._init_embedding_and_decoder()

    def init_state(self, batch_size: int, device=None, capacity: int | None = None):
        """Zero (conv buffers, scan states), each [depth, B, d_inner, ·]; capacity unused."""
        device = self._parameter_device() if device is None else device
        return self.body.init_state(batch_size, device, self.embedding.weight.dtype)

    def advance(self, x: torch.Tensor, state):
        _check_tokens(x, dims=2)
        output, state = self.body(self.input_dropout(self.embedding(x)), state)
        return self.decoder(output), state
