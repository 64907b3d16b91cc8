"""Tests for miscaling.sample: batched, seeded, cached unconditional generation."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from miscaling.models import ModelConfig, build_model
from miscaling.sample import (
    INVERSE_CDF_VOCAB,
    _draw,
    first_symbol_distribution,
    generate,
    symbol_frequencies,
)

ARCH_KWARGS = {"rnn": {}, "lstm": {}, "transformer": {"heads": 2}, "ssm": {}}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make(arch, vocab_size=3, width=8, depth=2, **kwargs):
    torch.manual_seed(0)
    return build_model(ModelConfig(arch, vocab_size, width, depth,
                                   **{**ARCH_KWARGS[arch], **kwargs}))


def always_predicts(symbol: int, vocab_size: int = 2):
    """An RNN whose output ignores its input: all probability on ``symbol``."""
    model = make("rnn", vocab_size=vocab_size)
    with torch.no_grad():
        model.decoder.weight.zero_()
        model.decoder.bias.fill_(-1e4)  # exp(-1e4) underflows to exactly 0 in float32
        model.decoder.bias[symbol] = 0.0
    return model


@pytest.mark.parametrize("vocab_size, dtype", [(2, np.uint8), (256, np.uint8),
                                               (257, np.uint16), (70_000, np.uint32)])
def test_shape_and_smallest_unsigned_dtype(vocab_size, dtype):
    samples = generate(make("lstm", vocab_size=vocab_size, width=4, depth=1), 5, 7,
                       batch_size=2, device="cpu")
    assert samples.shape == (5, 7) and samples.dtype == dtype
    assert samples.max() < vocab_size


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_same_seed_same_samples_other_seed_other_samples(arch):
    model = make(arch)
    first = generate(model, 40, 30, batch_size=16, seed=7, device="cpu")
    again = generate(model, 40, 30, batch_size=16, seed=7, device="cpu")
    other = generate(model, 40, 30, batch_size=16, seed=8, device="cpu")
    np.testing.assert_array_equal(first, again)
    assert (first != other).any()


@pytest.mark.parametrize("arch", ["lstm", "transformer", "ssm"])
def test_cached_generation_equals_recomputing_the_prefix(arch):
    model = make(arch)
    cached = generate(model, 12, 25, batch_size=5, seed=3, device="cpu")
    uncached = generate(model, 12, 25, batch_size=5, seed=3, device="cpu", use_cache=False)
    np.testing.assert_array_equal(cached, uncached)


def test_a_model_with_fixed_output_generates_deterministically():
    samples = generate(always_predicts(1), 30, 20, batch_size=7, seed=0, first_token=1,
                       device="cpu")
    assert (samples == 1).all()
    samples = generate(always_predicts(0, vocab_size=4), 9, 6, seed=5, device="cpu",
                       first_token=[0, 0, 0, 1])
    assert (samples[:, 0] == 3).all() and (samples[:, 1:] == 0).all()


def test_first_symbol_follows_first_token_probabilities():
    samples = generate(always_predicts(0, vocab_size=3), 4000, 2, batch_size=1000, seed=1,
                       first_token=np.array([2.0, 0.0, 6.0]), device="cpu")
    counts = np.bincount(samples[:, 0], minlength=3)
    assert counts[1] == 0
    assert counts[2] / 4000 == pytest.approx(0.75, abs=0.03)


def test_default_first_symbol_is_uniform():
    samples = generate(always_predicts(0, vocab_size=4), 4000, 1, batch_size=1000, seed=2,
                       device="cpu")
    assert np.bincount(samples[:, 0], minlength=4) / 4000 == pytest.approx(0.25, abs=0.03)


def test_a_large_vocabulary_draws_each_symbol_with_its_probability():
    """By the inverse cumulative distribution from INVERSE_CDF_VOCAB symbols on: frequencies
    within a chi-square test of the probabilities, never a symbol of probability 0, seeded."""
    from scipy import stats

    vocab = INVERSE_CDF_VOCAB
    generator = torch.Generator().manual_seed(0)
    logits = torch.full((vocab,), -1e4)  # softmax: exactly 0 in float32
    logits[:10] = torch.log(torch.arange(1.0, 11.0))  # p proportional to 1 ... 10
    logits[vocab - 1] = math.log(5.0)  # the last symbol too (the clamp's neighbour)
    rows = logits.expand(20_000, vocab)
    draws = _draw(rows, 1.0, generator).numpy()
    counts = np.bincount(draws, minlength=vocab)
    assert counts[10:vocab - 1].sum() == 0
    observed = np.append(counts[:10], counts[vocab - 1])
    expected = np.append(np.arange(1.0, 11.0), 5.0) / 60.0 * len(draws)
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    again = _draw(rows, 1.0, torch.Generator().manual_seed(0)).numpy()
    assert (again == draws).all()
    # below it, torch.multinomial as before: the binary and character samples are unchanged
    small = torch.randn(50, INVERSE_CDF_VOCAB - 1)
    expected_draw = torch.multinomial(torch.softmax(small, -1), 1,
                                      generator=torch.Generator().manual_seed(3))[:, 0]
    assert torch.equal(_draw(small, 1.0, torch.Generator().manual_seed(3)), expected_draw)


def test_temperature_sharpens_the_distribution():
    model = make("rnn", vocab_size=2, width=4, depth=1)
    with torch.no_grad():
        model.decoder.weight.zero_()
        model.decoder.bias.copy_(torch.tensor([0.0, 1.0]))  # p(1) = 0.73 at temperature 1
    hot = generate(model, 200, 20, seed=0, device="cpu")[:, 1:].mean()
    cold = generate(model, 200, 20, seed=0, temperature=0.2, device="cpu")[:, 1:].mean()
    assert hot == pytest.approx(0.731, abs=0.03)
    assert cold == pytest.approx(0.993, abs=0.01)


def test_generation_restores_the_training_mode():
    model = make("transformer", dropout=0.3)
    model.train()
    generate(model, 2, 5, device="cpu")
    assert model.training
    model.eval()
    generate(model, 2, 5, device="cpu")
    assert not model.training


def test_zero_sequences_and_length_one():
    model = make("lstm")
    assert generate(model, 0, 5, device="cpu").shape == (0, 5)
    assert generate(model, 3, 1, first_token=2, device="cpu").tolist() == [[2], [2], [2]]


def test_transformer_length_is_bounded_by_max_len():
    model = make("transformer", max_len=8)
    assert generate(model, 2, 9, device="cpu").shape == (2, 9)  # the last symbol is never fed
    with pytest.raises(ValueError, match="max_len"):
        generate(model, 2, 10, device="cpu")


@pytest.mark.parametrize("kwargs, message", [
    ({"n_sequences": -1}, "n_sequences"),
    ({"length": 0}, "length"),
    ({"batch_size": 0}, "batch_size"),
    ({"temperature": 0.0}, "temperature"),
    ({"first_token": 3}, "first_token"),
    ({"first_token": [0.5, 0.5]}, "shape"),
    ({"first_token": [0.0, 0.0, 0.0]}, "not all zero"),
    ({"first_token": [1.0, -1.0, 1.0]}, ">= 0"),
    ({"first_token": "0"}, "first_token"),
])
def test_invalid_arguments_raise_clear_errors(kwargs, message):
    arguments = {"n_sequences": 2, "length": 4, "device": "cpu", **kwargs}
    with pytest.raises(ValueError, match=message):
        generate(make("lstm"), **arguments)


def test_symbol_frequencies():
    np.testing.assert_allclose(symbol_frequencies([0, 2, 2, 2], 4), [0.25, 0, 0.75, 0])
    with pytest.raises(ValueError, match="0 … 3"):
        symbol_frequencies([4], 4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_generation_is_reproducible():
    model = make("transformer")
    first = generate(model, 20, 16, batch_size=8, seed=4, device="cuda")
    np.testing.assert_array_equal(first, generate(model, 20, 16, batch_size=8, seed=4,
                                                  device="cuda"))


def test_lstm_trained_on_alternating_sequences_generates_alternation():
    torch.manual_seed(0)
    model = build_model(ModelConfig("lstm", 2, 8, 1, embedding_dim=2))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.02)
    pattern = torch.arange(33) % 2
    for _ in range(400):
        x = (pattern + torch.randint(0, 2, (16, 1))) % 2  # 0101… or 1010…
        loss = F.cross_entropy(model(x[:, :-1]).transpose(1, 2), x[:, 1:])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert loss.item() < 1e-3
    # Longer than the training sequences: the model must have learned the rule, not positions.
    samples = generate(model, 40, 100, batch_size=20, seed=0, device="cpu")
    alternates = samples[:, 1:] != samples[:, :-1]
    assert alternates.mean() > 0.99
    cold = generate(model, 40, 100, batch_size=20, seed=0, temperature=0.5, device="cpu")
    assert (cold[:, 1:] != cold[:, :-1]).all()
    assert 0 < samples[:, 0].mean() < 1  # both phases start


def test_first_symbol_distribution_of_sequences_is_their_first_column():
    rng = np.random.default_rng(0)
    binary = rng.integers(0, 2, (50, 9)).astype(np.uint8)
    expected = symbol_frequencies(binary[:, 0], 2)  # what `sample --first-symbols` always used
    np.testing.assert_array_equal(first_symbol_distribution(binary, 2), expected)
    samples = generate(make("lstm", vocab_size=2), 30, 5, seed=4, device="cpu",
                       first_token=first_symbol_distribution(binary, 2))
    np.testing.assert_array_equal(samples, generate(make("lstm", vocab_size=2), 30, 5, seed=4,
                                                    device="cpu", first_token=expected))


def test_first_symbol_distribution_of_a_text_stream_is_its_unigram_frequency():
    stream = np.array([3, 0, 0, 1, 0, 3, 3, 3], dtype=np.uint16)  # starts with 3, mostly 3
    np.testing.assert_allclose(first_symbol_distribution(stream, 5), [3 / 8, 1 / 8, 0, 4 / 8, 0])
    ragged = [np.array([2, 0, 0]), np.array([1]), np.array([2, 2])]
    np.testing.assert_allclose(first_symbol_distribution(ragged, 3), [0, 1 / 3, 2 / 3])
    with pytest.raises(ValueError, match="1-D .* or 2-D"):
        first_symbol_distribution(np.zeros((2, 2, 2), dtype=int), 2)
    with pytest.raises(ValueError, match="0 … 2"):
        first_symbol_distribution(stream, 3)
