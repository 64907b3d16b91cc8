"""Tests for miscaling.models: shapes, causality, Keras initialisation, incremental state."""

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from miscaling.models import (
    KVCache,
    ModelConfig,
    build_model,
    count_parameters,
    sinusoidal_encoding,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
ARCH_KWARGS = {"rnn": {}, "lstm": {}, "transformer": {"heads": 2}, "ssm": {}}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make(arch, vocab_size=5, width=8, depth=2, **kwargs):
    torch.manual_seed(0)
    return build_model(ModelConfig(arch, vocab_size, width, depth,
                                   **{**ARCH_KWARGS[arch], **kwargs}))


def assert_stepping_equals_forward(model, x):
    """The logits of ``model`` stepped token by token equal one forward pass over ``x``."""
    with torch.no_grad():
        full = model(x)
        state = model.init_state(x.shape[0])
        stepped = []
        for t in range(x.shape[1]):
            logits, state = model.step(x[:, t], state)
            stepped.append(logits)
    torch.testing.assert_close(torch.stack(stepped, dim=1), full, rtol=0, atol=1e-5)


def tokens(batch=3, length=12, vocab_size=5, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab_size, (batch, length), generator=generator)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_forward_gives_logits_per_position(arch):
    logits = make(arch)(tokens())
    assert logits.shape == (3, 12, 5)
    assert logits.dtype == torch.float32


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_logits_never_see_later_tokens(arch):
    model = make(arch).eval()
    x = tokens()
    changed = x.clone()
    changed[:, 7:] = (changed[:, 7:] + 1) % 5
    torch.testing.assert_close(model(x)[:, :7], model(changed)[:, :7], rtol=0, atol=1e-6)
    assert not torch.allclose(model(x)[:, 7:], model(changed)[:, 7:])


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_config_is_json_and_rebuilds_the_model(arch):
    model = make(arch, dropout=0.1)
    config = json.loads(json.dumps(model.config))
    rebuilt = build_model(ModelConfig.from_dict(config))
    rebuilt.load_state_dict(model.state_dict())
    model.eval(), rebuilt.eval()
    torch.testing.assert_close(rebuilt(tokens()), model(tokens()), rtol=0, atol=0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_step_by_step_logits_equal_full_forward(arch, depth, device):
    model = make(arch, depth=depth).to(device).eval()
    x = tokens(length=20).to(device)
    assert_stepping_equals_forward(model, x)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_chunked_advance_equals_full_forward(arch):
    """Prefill then mixed chunks: the transformer's offset causal mask and the RNN state carry."""
    model = make(arch, depth=2).eval()
    x = tokens(length=20)
    with torch.no_grad():
        state = model.init_state(x.shape[0])
        pieces = []
        for start, end in [(0, 5), (5, 8), (8, 9), (9, 16), (16, 20)]:
            logits, state = model.advance(x[:, start:end], state)
            pieces.append(logits)
        torch.testing.assert_close(torch.cat(pieces, dim=1), model(x), rtol=0, atol=1e-5)


def test_transformer_cached_steps_equal_recomputing_the_prefix():
    model = make("transformer", width=16, depth=2, heads=4).eval()
    x = tokens(length=15)
    with torch.no_grad():
        state = model.init_state(x.shape[0], capacity=15)
        for t in range(x.shape[1]):
            cached, state = model.step(x[:, t], state)
            uncached = model(x[:, : t + 1])[:, -1]
            torch.testing.assert_close(cached, uncached, rtol=0, atol=1e-5)
        assert isinstance(state, KVCache) and state.length == 15


def test_transformer_rejects_positions_beyond_max_len():
    model = make("transformer", max_len=6).eval()
    model(tokens(length=6))
    with pytest.raises(ValueError, match="max_len=6"):
        model(tokens(length=7))
    state = model.init_state(3)
    with torch.no_grad():
        for t in range(6):
            _, state = model.step(tokens(length=6)[:, t], state)
        with pytest.raises(ValueError, match="overflow"):
            model.step(tokens(length=1)[:, 0], state)
    with pytest.raises(ValueError, match="capacity"):
        model.init_state(3, capacity=7)


def test_recurrent_models_have_no_length_limit():
    model = make("lstm", max_len=4)
    assert model(tokens(length=9)).shape == (3, 9, 5)
    assert model.context_limit is None


def test_parameter_counts_match_the_paper():
    """Appendix E.1.1: 32-unit vanilla RNN 1,190 parameters, 4-unit LSTM 126 (binary data)."""
    assert count_parameters(build_model(ModelConfig("rnn", 2, 32, 1, embedding_dim=2))) == 1190
    assert count_parameters(build_model(ModelConfig("lstm", 2, 4, 1, embedding_dim=2))) == 126


def glorot_bound(weight):
    fan_out, fan_in = weight.shape
    return math.sqrt(6.0 / (fan_in + fan_out))


@pytest.mark.parametrize("arch", ["rnn", "lstm"])
def test_recurrent_init_follows_keras_defaults(arch):
    model = make(arch, vocab_size=7, width=16, depth=2, embedding_dim=3)
    gates = 4 if arch == "lstm" else 1
    assert model.embedding.weight.abs().max() <= 0.05
    for layer in range(2):
        kernel = getattr(model.rnn, f"weight_ih_l{layer}")
        recurrent = getattr(model.rnn, f"weight_hh_l{layer}")
        bias = getattr(model.rnn, f"bias_ih_l{layer}")
        second_bias = getattr(model.rnn, f"bias_hh_l{layer}")
        assert kernel.abs().max() <= glorot_bound(kernel)
        assert kernel.abs().max() > 0.8 * glorot_bound(kernel)  # uniform, not something narrower
        # One orthogonal matrix over all gates: [gates*16, 16] with orthonormal columns.
        torch.testing.assert_close(recurrent.T @ recurrent, torch.eye(16), rtol=0, atol=1e-5)
        expected_bias = torch.zeros(gates * 16)
        if arch == "lstm":
            expected_bias[16:32] = 1.0  # forget gate (i, f, g, o): Keras unit_forget_bias
        assert torch.equal(bias.detach(), expected_bias)
        assert torch.equal(second_bias.detach(), torch.zeros(gates * 16))
        assert bias.requires_grad and not second_bias.requires_grad
    assert model.decoder.weight.abs().max() <= glorot_bound(model.decoder.weight)
    assert torch.equal(model.decoder.bias.detach(), torch.zeros(7))


def test_frozen_second_bias_stays_zero_under_training():
    model = make("lstm")
    optimiser = torch.optim.RMSprop(model.parameters(), lr=0.01)
    for _ in range(3):
        x = tokens()
        loss = torch.nn.functional.cross_entropy(model(x[:, :-1]).transpose(1, 2), x[:, 1:])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert torch.equal(model.rnn.bias_hh_l0.detach(), torch.zeros(32))
    assert model.rnn.bias_ih_l0.grad is not None


def test_transformer_init_follows_keras_defaults():
    model = make("transformer", width=16, depth=2, heads=4)
    assert model.embedding.weight.abs().max() <= 0.05
    for block in model.blocks:
        qkv = block.attention.query_key_value
        assert qkv.bias is None and block.attention.output.bias is None
        assert qkv.weight.abs().max() <= glorot_bound(qkv.weight)
        for linear in (block.feed_forward[0], block.feed_forward[2]):
            assert linear.weight.abs().max() <= glorot_bound(linear.weight)
            assert torch.equal(linear.bias.detach(), torch.zeros_like(linear.bias))
    assert block.feed_forward[0].out_features == 64


def test_sinusoidal_encoding_is_the_original_formula():
    encoding = sinusoidal_encoding(50, 6)
    for position in (0, 1, 17, 49):
        for i in range(3):
            angle = position / 10000 ** (2 * i / 6)
            assert encoding[position, 2 * i] == pytest.approx(math.sin(angle), abs=1e-6)
            assert encoding[position, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-6)
    assert sinusoidal_encoding(10, 5).shape == (10, 5)  # odd width: last cosine dropped
    assert "positional_encoding" not in make("transformer").state_dict()


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_tied_weights_share_one_matrix(arch):
    model = make(arch, tie_weights=True)
    assert model.decoder.weight is model.embedding.weight
    untied = make(arch)
    assert count_parameters(untied) - count_parameters(model) == 5 * 8


def test_dropout_acts_only_in_training_mode():
    model = make("transformer", dropout=0.5)
    x = tokens()
    model.eval()
    torch.testing.assert_close(model(x), model(x), rtol=0, atol=0)
    model.train()
    assert not torch.allclose(model(x), model(x))


def test_recurrent_state_shapes():
    h = make("rnn").init_state(4)
    h_lstm, c_lstm = make("lstm").init_state(4)
    assert h.shape == h_lstm.shape == c_lstm.shape == (2, 4, 8)


@pytest.mark.parametrize("kwargs, message", [
    ({"arch": "gru"}, "arch must be one of rnn, lstm, transformer, ssm, got .gru."),
    ({"width": 0}, "width"),
    ({"depth": 0}, "depth"),
    ({"vocab_size": 0}, "vocab_size"),
    ({"width": 2.5}, "width"),
    ({"depth": True}, "depth"),
    ({"max_len": 0}, "max_len"),
    ({"dropout": 1.0}, "dropout"),
    ({"dropout": -0.1}, "dropout"),
    ({"arch": "transformer", "width": 10, "heads": 4}, "divisible"),
    ({"arch": "transformer", "heads": None}, "needs heads"),
    ({"arch": "transformer", "heads": 0}, "heads"),
    ({"arch": "transformer", "heads": 2, "embedding_dim": 4}, "embedding_dim"),
    ({"arch": "lstm", "heads": 4}, "only applies to the transformer"),
    ({"arch": "lstm", "embedding_dim": 0}, "embedding_dim"),
    ({"arch": "rnn", "embedding_dim": 2, "tie_weights": True}, "tie_weights"),
])
def test_invalid_arguments_raise_clear_errors(kwargs, message):
    arguments = {"arch": "lstm", "vocab_size": 5, "width": 8, "depth": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        build_model(ModelConfig.from_dict(arguments))


def test_token_tensors_of_the_wrong_rank_are_rejected():
    model = make("lstm")
    with pytest.raises(ValueError, match="2-D"):
        model(tokens()[0])
    with pytest.raises(ValueError, match="1-D"):
        model.step(tokens(), model.init_state(3))


# --------------------------------------------------------------------------------------------
# ModelConfig: the frozen, validated constructor arguments


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_model_config_is_the_frozen_form_of_model_config_dict(arch):
    model = make(arch, dropout=0.1)
    # the dict checkpoints and result.json store: the same keys, order and values as ever
    assert list(model.config) == ["arch", "vocab_size", "width", "depth", "embedding_dim",
                                  "heads", "max_len", "dropout", "tie_weights"]
    assert model.config["embedding_dim"] == 8 and model.config["dropout"] == 0.1
    assert isinstance(model.settings, ModelConfig)
    assert model.settings.to_dict() == model.config
    assert ModelConfig.from_dict(json.loads(json.dumps(model.config))) == model.settings
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.settings.width = 16
    torch.manual_seed(0)
    rebuilt = build_model(model.settings)
    assert all(torch.equal(a, b) for a, b in zip(rebuilt.state_dict().values(),
                                                 model.state_dict().values()))


def test_model_config_names_every_problem_at_once():
    with pytest.raises(ValueError, match=r"invalid ModelConfig: .*width.*depth.*dropout"):
        ModelConfig("lstm", 5, width=0, depth=-1, dropout=2.0)
    with pytest.raises(ValueError, match="unknown ModelConfig field"):
        ModelConfig.from_dict({"arch": "lstm", "vocab_size": 2, "width": 4, "depth": 1,
                               "widht": 8})
    config = ModelConfig("lstm", np.int64(5), 8, 1)
    assert type(config.vocab_size) is int and config.embedding_dim == 8
    with pytest.raises(TypeError, match="build_model takes a ModelConfig, got dict"):
        build_model(config.to_dict())
    with pytest.raises(TypeError):
        build_model("lstm", 5, 8, 1)  # the fields are the ModelConfig's, not build_model's


def test_model_config_for_data_takes_defaults_from_the_data():
    train = np.array([[0, 1, 2, 1], [1, 1, 0, 0]], dtype=np.uint8)
    valid = np.array([[4, 0, 0, 0]], dtype=np.uint8)
    config = ModelConfig.for_data("transformer", 8, 2, train, valid, heads=2,
                                  embedding_dim=None)
    assert (config.vocab_size, config.max_len, config.heads) == (5, 4, 2)
    assert ModelConfig.for_data("lstm", 8, 1, train).vocab_size == 3
    given = ModelConfig.for_data("lstm", 8, 1, train, valid, vocab_size=7, max_len=64,
                                 embedding_dim=2)
    assert (given.vocab_size, given.max_len, given.embedding_dim) == (7, 64, 2)


def test_text_options_orthogonal_embedding_and_output_dropout():
    model = build_model(ModelConfig("lstm", 283, 16, 1, embedding_dim=200,
                                    embedding_init="orthogonal"))
    weight = model.embedding.weight.detach()  # [283, 200]: orthonormal columns
    torch.testing.assert_close(weight.T @ weight, torch.eye(200), atol=1e-5, rtol=0)
    keras = build_model(ModelConfig("lstm", 283, 16, 1, embedding_dim=200))
    assert keras.embedding.weight.abs().max() <= 0.05
    assert "embedding_init" not in keras.config and model.config["embedding_init"] == "orthogonal"

    dropped = make("lstm", dropout=0.5, output_dropout=True)
    dropped.train()
    torch.manual_seed(0)
    with_output = dropped(tokens())
    plain = make("lstm", dropout=0.5)
    plain.load_state_dict(dropped.state_dict())  # same weights, no dropout after the last layer
    plain.train()
    torch.manual_seed(0)
    assert not torch.allclose(with_output, plain(tokens()))
    dropped.eval()
    plain.eval()
    torch.testing.assert_close(dropped(tokens()), plain(tokens()), rtol=0, atol=0)
    assert build_model(ModelConfig.from_dict(dropped.config)).settings.output_dropout


def test_text_options_are_validated_and_old_configs_still_load():
    with pytest.raises(ValueError, match="embedding_init must be one of keras, orthogonal"):
        ModelConfig("lstm", 5, 8, 1, embedding_init="glorot")
    with pytest.raises(ValueError, match="output_dropout only applies to rnn/lstm"):
        ModelConfig("transformer", 5, 8, 1, heads=2, output_dropout=True)
    old = {"arch": "lstm", "vocab_size": 5, "width": 8, "depth": 1, "embedding_dim": 2,
           "heads": None, "max_len": 512, "dropout": 0.0, "tie_weights": False}
    assert ModelConfig.from_dict(old).to_dict() == old  # a stored binary config, unchanged


@pytest.mark.parametrize("arch", ["rnn", "lstm"])
def test_word_language_model_init_follows_the_pytorch_example(arch):
    """PyTorch's word_language_model RNNModel.init_weights (the paper's word LSTMs, E.1.2)."""
    model = make(arch, vocab_size=50, width=16, depth=2, init="word_language_model")
    gates = 4 if arch == "lstm" else 1
    for weight in (model.embedding.weight, model.decoder.weight):  # [50, 16] each
        assert weight.abs().max() <= 0.1
        assert weight.abs().max() > 0.08  # U(-0.1, 0.1), not Keras' U(-0.05, 0.05)
    assert torch.equal(model.decoder.bias.detach(), torch.zeros(50))
    bound = 1 / math.sqrt(16)  # nn.LSTM/nn.RNN default: every weight and bias U(-k, k)
    for name, param in model.rnn.named_parameters():
        assert param.abs().max() <= bound, name
        assert param.abs().max() > 0.8 * bound, name
        assert param.requires_grad, name  # b_hh trains too, as in the example
    # (so no Keras forget-gate bias of 1 either, nor an orthogonal recurrent kernel)
    for layer in range(2):
        recurrent = getattr(model.rnn, f"weight_hh_l{layer}")  # [gates*16, 16]
        assert not torch.allclose(recurrent.T @ recurrent, torch.eye(16), atol=0.1)
    keras = make(arch, vocab_size=50, width=16, depth=2)
    assert count_parameters(model) - count_parameters(keras) == 2 * gates * 16  # b_hh, 2 layers
    tied = make(arch, vocab_size=50, width=16, depth=1, init="word_language_model",
                tie_weights=True)
    assert tied.decoder.weight is tied.embedding.weight
    assert tied.embedding.weight.abs().max() <= 0.1


# Weighted sums of every model's initial weights (torch.manual_seed(0)), computed with the code
# before the init option existed: the Keras models must keep exactly those weights.
# (arch, data): (vocab_size, width, depth, fingerprint), built with paper_model_options.
KERAS_WEIGHT_FINGERPRINTS = {
    ("rnn", "binary"): (2, 32, 1, -4.869804823893001),
    ("lstm", "binary"): (2, 4, 1, -1.530856204849072),
    ("transformer", "binary"): (2, 16, 2, 123.33395089374682),
    ("lstm", "char"): (50, 16, 2, 38.914808849129145),
    ("rnn", "word"): (50, 16, 2, -18.43886130281314),
    ("transformer", "word"): (50, 16, 2, 130.06711409772817),
}


def weight_fingerprint(model) -> float:
    """Sum over tensors of the position-weighted sum of their entries (float64)."""
    total = 0.0
    for tensor in model.state_dict().values():
        values = tensor.double().flatten()
        total += float((values * torch.linspace(1, 2, values.numel(), dtype=torch.float64)).sum())
    return total


@pytest.mark.parametrize(("arch", "data"), list(KERAS_WEIGHT_FINGERPRINTS))
def test_keras_models_keep_their_initial_weights(arch, data):
    from miscaling.recipes import paper_model_options

    vocab_size, width, depth, fingerprint = KERAS_WEIGHT_FINGERPRINTS[arch, data]
    options = paper_model_options(arch, data)
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch, vocab_size, width, depth, max_len=8, **options))
    # Tolerance for last-bit LAPACK differences in the orthogonal init; a changed init or a
    # changed order of random draws moves the fingerprint by order 1.
    assert weight_fingerprint(model) == pytest.approx(fingerprint, abs=1e-4)
    torch.manual_seed(0)
    explicit = build_model(ModelConfig(arch, vocab_size, width, depth, max_len=8, init="keras",
                                       **options))
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, explicit.state_dict()[name]), name


def test_init_is_validated_and_old_configs_load_as_keras():
    with pytest.raises(ValueError, match="init must be one of keras, word_language_model, "
                                         "got 'torch'"):
        ModelConfig("lstm", 5, 8, 1, init="torch")
    with pytest.raises(ValueError, match="init='word_language_model' only applies to rnn/lstm"):
        ModelConfig("transformer", 5, 8, 1, heads=2, init="word_language_model")
    with pytest.raises(ValueError, match="embedding_init='orthogonal' only applies with "
                                         "init='keras'"):
        ModelConfig("lstm", 5, 8, 1, embedding_init="orthogonal", init="word_language_model")
    word = {"arch": "lstm", "vocab_size": 5, "width": 8, "depth": 1, "embedding_dim": 8,
            "heads": None, "max_len": 512, "dropout": 0.4, "tie_weights": True,
            "output_dropout": True}  # a word LSTM stored before init existed
    assert ModelConfig.from_dict(word).init == "keras"
    assert ModelConfig.from_dict(word).to_dict() == word
    model = make("lstm", init="word_language_model")
    assert model.config["init"] == "word_language_model"
    stored = json.loads(json.dumps(model.config))
    assert build_model(ModelConfig.from_dict(stored)).settings.init == "word_language_model"
