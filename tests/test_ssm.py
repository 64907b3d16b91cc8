"""The selective state-space model (miscaling.ssm): scan, recurrent state, training, resume,
sampling, state size and stored configs (issue 20, first increment)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from miscaling import ssm as ssm_module
from miscaling import train as train_module
from miscaling.models import ModelConfig, StateSpaceModel, build_model, state_values
from miscaling.recipes import paper_config, paper_model_options
from miscaling.sample import generate
from miscaling.ssm import ChunkedScan, dt_rank, scan_chunk, selective_scan, ssm_state_values
from miscaling.train import TrainConfig, train
from test_models import assert_stepping_equals_forward
from test_stateful import TEXT, VALID_TEXT
from test_train import TRAIN, VALID

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make(vocab_size=5, width=8, depth=2, **kwargs):
    torch.manual_seed(0)
    return build_model(ModelConfig("ssm", vocab_size, width, depth, **kwargs))


def tokens(batch=3, length=24, vocab_size=5, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab_size, (batch, length), generator=generator)


def sharpen(model):
    """Larger weights and Δ: logits that depend strongly on the carried state."""
    with torch.no_grad():
        for block in model.body.blocks:
            block.dt_proj.bias.add_(3.0)
            block.in_proj.weight.mul_(3.0)
    return model


# --------------------------------------------------------------------------------------------
# The block and the scan


def test_the_block_has_mambas_shapes_and_initialisation():
    model = make(width=40, depth=3)
    block = model.body.blocks[0]
    inner, rank = 80, dt_rank(40)
    assert rank == 3 and block.in_proj.weight.shape == (2 * inner, 40)
    assert block.conv.weight.shape == (inner, 1, 4) and block.conv.groups == inner
    assert block.x_proj.weight.shape == (rank + 2 * 16, inner)
    assert block.dt_proj.weight.shape == (inner, rank)
    # S4D-real: A = -(1 … d_state) in every channel; D = 1
    torch.testing.assert_close(-torch.exp(block.A_log), -torch.arange(1.0, 17).repeat(inner, 1))
    assert torch.equal(block.D, torch.ones(inner))
    # softplus(bias) = the initial Δ, within Mamba's [1e-3, 1e-1]
    dt = F.softplus(block.dt_proj.bias)
    assert dt.min() >= 1e-3 * (1 - 1e-5) and dt.max() <= 1e-1 * (1 + 1e-5)
    assert model.decoder.in_features == model.embedding.embedding_dim == 40


def test_selective_scan_equals_the_recurrence_written_out():
    generator = torch.Generator().manual_seed(0)
    T, B, D, N = 7, 2, 3, 4
    dA = torch.rand(T, B, D, N, generator=generator, dtype=torch.float64)
    dBx = torch.randn(T, B, D, N, generator=generator, dtype=torch.float64)
    C = torch.randn(B, T, N, generator=generator, dtype=torch.float64)
    h0 = torch.randn(B, D, N, generator=generator, dtype=torch.float64)
    y, last = selective_scan(dA, dBx, C, h0)
    h, expected = h0.clone(), torch.zeros(B, T, D, dtype=torch.float64)
    for t in range(T):
        for b in range(B):
            for d in range(D):
                for n in range(N):
                    h[b, d, n] = dA[t, b, d, n] * h[b, d, n] + dBx[t, b, d, n]
                    expected[b, t, d] += C[b, t, n] * h[b, d, n]
    torch.testing.assert_close(y, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(last, h, rtol=1e-12, atol=1e-12)


def test_scan_gradients_match_finite_differences():
    generator = torch.Generator().manual_seed(1)
    shape = (5, 2, 2, 3)
    dA = torch.rand(shape, generator=generator, dtype=torch.float64, requires_grad=True)
    dBx = torch.randn(shape, generator=generator, dtype=torch.float64, requires_grad=True)
    C = torch.randn(2, 5, 3, generator=generator, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 2, 3, generator=generator, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda *a: selective_scan(*a)[0], (dA, dBx, C, h0))


def scan_inputs(T, B=2, D=3, N=4, seed=2, requires_grad=False):
    generator = torch.Generator().manual_seed(seed)
    tensors = (torch.rand(T, B, D, N, generator=generator, dtype=torch.float64),
               torch.randn(T, B, D, N, generator=generator, dtype=torch.float64),
               torch.randn(B, T, N, generator=generator, dtype=torch.float64),
               torch.randn(B, D, N, generator=generator, dtype=torch.float64))
    return tuple(t.requires_grad_(requires_grad) for t in tensors)


@pytest.mark.parametrize("T, chunk", [(1, 4), (7, 1), (7, 3), (12, 4), (12, 5), (30, 64)])
def test_the_chunked_scan_equals_the_sequential_one_with_its_gradients(T, chunk):
    dA, dBx, C, h0 = scan_inputs(T, requires_grad=True)
    weights = torch.randn(2, T, 3, dtype=torch.float64), torch.randn(2, 3, 4, dtype=torch.float64)
    results = []
    for scan_chunk_length in (None, chunk):
        y, last = selective_scan(dA, dBx, C, h0, chunk=scan_chunk_length)
        loss = (y * weights[0]).sum() + (last * weights[1]).sum()
        results.append((y, last, *torch.autograd.grad(loss, (dA, dBx, C, h0))))
    for sequential, chunked in zip(*results):
        torch.testing.assert_close(chunked, sequential, rtol=1e-12, atol=1e-12)


def test_chunked_scan_gradients_match_finite_differences_and_skip_a_constant_start():
    dA, dBx, C, h0 = scan_inputs(9, B=2, D=2, N=2, seed=3, requires_grad=True)
    assert torch.autograd.gradcheck(lambda *a: selective_scan(*a, chunk=4)[0], (dA, dBx, C, h0))
    h0.requires_grad_(False)  # a carried, detached state: no gradient computed for it
    selective_scan(dA, dBx, C, h0, chunk=4)[0].sum().backward()
    assert h0.grad is None and dA.grad is not None
    # an underflowing running product is exact: the state forgets, it does not become NaN
    tiny = torch.full((40, 1, 1, 1), 1e-30, dtype=torch.float32)
    states = ChunkedScan.apply(tiny, torch.ones_like(tiny), torch.ones(1, 1, 1), 8)
    assert torch.isfinite(states).all()
    torch.testing.assert_close(states[-1], torch.ones(1, 1, 1))


def test_the_cpu_scans_step_by_step_and_a_gpu_in_chunks_of_about_the_root_of_the_length():
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert scan_chunk(cpu, 512) is None and scan_chunk(cuda, 8) is None
    assert scan_chunk(cuda, 512) == 23 and scan_chunk(cuda, 100) == 10
    assert scan_chunk(cuda, 16) == 4


def test_a_model_scanning_in_chunks_trains_like_the_step_by_step_one(monkeypatch):
    x = tokens(length=37)
    gradients = []
    for chunk in (None, 6):
        monkeypatch.setattr(ssm_module, "scan_chunk", lambda device, length, c=chunk: c)
        model = sharpen(make(depth=2)).double()
        logits = model(x)
        F.cross_entropy(logits.reshape(-1, 5), x.roll(-1, 1).reshape(-1)).backward()
        gradients.append([logits] + [p.grad for p in model.parameters()])
    for sequential, chunked in zip(*gradients):
        torch.testing.assert_close(chunked, sequential, rtol=1e-9, atol=1e-11)


def test_under_bf16_autocast_the_chunked_scan_carries_the_state_in_fp32(monkeypatch):
    """B̄u arrives in bf16, Ā and the state in fp32: both scans keep the state in fp32."""
    x = tokens(length=37)
    results = []
    for chunk in (None, 6):
        monkeypatch.setattr(ssm_module, "scan_chunk", lambda device, length, c=chunk: c)
        model = sharpen(make(depth=2))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits, (_, h) = model.advance(x, None)
            loss = F.cross_entropy(logits.reshape(-1, 5).float(), x.roll(-1, 1).reshape(-1))
        loss.backward()
        assert h.dtype == torch.float32
        results.append([loss.detach(), h] + [p.grad for p in model.parameters()])
    for sequential, chunked in zip(*results):
        torch.testing.assert_close(chunked, sequential, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------------------------
# The recurrent state


@pytest.mark.parametrize("options", [{}, {"state_size": 4, "expand": 1, "conv_kernel": 2},
                                     {"conv_kernel": 1}, {"dropout": 0.3}])
def test_forward_equals_stepping_token_by_token(options):
    model = sharpen(make(depth=3, **options)).eval()
    x = tokens(length=30)
    assert_stepping_equals_forward(model, x)


def test_chunks_from_a_carried_state_equal_the_whole_sequence():
    model = sharpen(make(depth=2)).eval()
    x = tokens(length=40)
    with torch.no_grad():
        whole, final = model.advance(x, None)
        state, pieces = model.init_state(x.shape[0]), []
        for start, end in [(0, 1), (1, 3), (3, 4), (4, 17), (17, 40)]:  # shorter than kernel-1 too
            logits, state = model.advance(x[:, start:end], state)
            pieces.append(logits)
    torch.testing.assert_close(torch.cat(pieces, dim=1), whole, rtol=0, atol=1e-5)
    for part, expected in zip(state, final):
        torch.testing.assert_close(part, expected, rtol=0, atol=1e-5)
    # the state matters: the second half from a zero state predicts differently
    with torch.no_grad():
        assert not torch.allclose(model(x[:, 20:]), whole[:, 20:], atol=1e-3)


def test_state_shapes_and_size():
    model = make(width=8, depth=2, state_size=5, expand=3, conv_kernel=3)
    conv, h = model.init_state(4)
    assert conv.shape == (2, 4, 24, 2) and h.shape == (2, 4, 24, 5)
    assert model.state_values == (conv[:, 0].numel() + h[:, 0].numel()) == 2 * 24 * (5 + 2)
    assert ssm_state_values(8, 2) == 2 * 16 * (16 + 3) == 608  # Mamba's defaults
    # an LSTM carries h and c, a vanilla RNN h, a Transformer a cache that grows
    assert state_values(ModelConfig("lstm", 2, 152, 2)) == 2 * 152 * 2 == 608
    assert state_values(ModelConfig("rnn", 2, 32, 3)) == 96
    assert state_values(ModelConfig("transformer", 2, 8, 1, heads=2)) is None


# --------------------------------------------------------------------------------------------
# Config: new fields, old records


def test_old_model_configs_read_back_unchanged():
    old = {"arch": "lstm", "vocab_size": 2, "width": 32, "depth": 1, "embedding_dim": 2,
           "heads": None, "max_len": 512, "dropout": 0.0, "tie_weights": False}
    config = ModelConfig.from_dict(old)
    assert (config.state_size, config.expand, config.conv_kernel) == (16, 2, 4)
    assert config.to_dict() == old  # the stored record, key for key
    ssm = ModelConfig("ssm", 2, 8, 1)
    assert "state_size" not in ssm.to_dict()  # at Mamba's defaults it is not recorded
    bigger = ModelConfig("ssm", 2, 8, 1, state_size=32, expand=4)
    assert bigger.to_dict()["state_size"] == 32 and bigger.to_dict()["expand"] == 4
    assert ModelConfig.from_dict(json.loads(json.dumps(bigger.to_dict()))) == bigger


@pytest.mark.parametrize("kwargs, message", [
    ({"arch": "lstm", "state_size": 8}, "state_size only applies to the ssm"),
    ({"arch": "transformer", "heads": 2, "expand": 4}, "expand only applies to the ssm"),
    ({"heads": 2}, "heads only applies to the transformer"),
    ({"embedding_dim": 2}, "the ssm embeds in width"),
    ({"output_dropout": True}, "output_dropout only applies to rnn/lstm"),
    ({"init": "word_language_model"}, "the ssm is initialised as in Keras"),
    ({"state_size": 0}, "state_size"),
    ({"conv_kernel": 0}, "conv_kernel"),
])
def test_invalid_ssm_configs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig.from_dict({"arch": "ssm", "vocab_size": 5, "width": 8, "depth": 1,
                               **kwargs})


def test_recipes_are_stated_for_every_data_set():
    binary, char, word = (paper_config("ssm", data) for data in ("binary", "char", "word"))
    for config in (binary, char, word):
        assert (config.optimizer, config.lr, config.clip, config.schedule) == \
            ("adam", 2e-3, 1.0, "cosine")
    assert binary.batch_size == 50 and binary.bptt is None and not binary.stateful
    assert (char.batch_size, char.bptt, char.stateful, char.reset_probability) == \
        (128, 100, True, 0.01)
    assert (word.batch_size, word.bptt, word.max_epochs, word.patience) == (20, 50, 60, 10)
    assert paper_model_options("ssm", "binary") == paper_model_options("ssm", "char") == {}
    word_model = ModelConfig("ssm", 100, 16, 2, **paper_model_options("ssm", "word"))
    assert isinstance(build_model(word_model), StateSpaceModel) and word_model.tie_weights


# --------------------------------------------------------------------------------------------
# Training, resume, sampling


def test_a_few_steps_reduce_the_loss():
    data = torch.from_numpy(TRAIN)
    model = make(vocab_size=3, width=16, depth=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = F.cross_entropy(model(data[:, :-1]).reshape(-1, 3), data[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0] and all(math.isfinite(v) for v in losses)


class Killed(Exception):
    """Stands for a kill right after a checkpoint was written."""


def interrupted_then_resumed(monkeypatch, tmp_path, run):
    """``run(out_dir)`` killed after its first checkpoint, then rerun to the end."""
    save = train_module.save_checkpoint

    def save_then_die(*args, **kwargs):
        save(*args, **kwargs)
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(train_module, "save_checkpoint", save_then_die)
        with pytest.raises(Killed):
            run(tmp_path)
    return run(tmp_path)


@pytest.mark.parametrize("stateful", [False, True])
def test_resume_reproduces_the_uninterrupted_run_exactly(tmp_path, monkeypatch, stateful):
    if stateful:  # the char recipe: streams, carried state, random resets, dropout
        model = ModelConfig("ssm", 5, 8, 2, dropout=0.1).to_dict()
        config = TrainConfig(**dict(paper_config("ssm", "char").to_dict(), batch_size=4,
                                    bptt=10, max_epochs=3, device="cpu", lr=0.01,
                                    reset_probability=0.3, patience=None))
        data = TEXT, VALID_TEXT
    else:  # the binary recipe: shuffled whole rows, cosine schedule, dropout
        model = ModelConfig("ssm", 3, 8, 2, dropout=0.1).to_dict()
        config = paper_config("ssm", "binary", batch_size=16, max_epochs=3, device="cpu",
                              patience=None)
        data = TRAIN, VALID

    def run(out_dir):
        return train(model, *data, config, out_dir)

    resumed = interrupted_then_resumed(monkeypatch, tmp_path / "resumed", run)
    reference = run(tmp_path / "reference")
    assert resumed.resumed_from_epoch == 1 and reference.resumed_from_epoch == 0
    for key in ("best_val_loss", "best_epoch", "epochs_run", "final_train_loss",
                "final_val_loss", "num_parameters", "state_values"):
        assert getattr(resumed, key) == getattr(reference, key), key
    assert reference.state_values == ssm_state_values(8, 2) == 608
    stored = json.loads((tmp_path / "reference" / "result.json").read_text())
    assert stored["state_values"] == 608
    a, b = (torch.load(tmp_path / run_dir / "checkpoint.pt", weights_only=True)["model_state"]
            for run_dir in ("resumed", "reference"))
    assert all(torch.equal(a[key], b[key]) for key in a)


def test_batched_sampling_is_seeded_and_equals_recomputing_the_prefix():
    model = sharpen(make(vocab_size=3, width=8, depth=2))
    first = generate(model, 20, 30, batch_size=8, seed=4, device="cpu")
    again = generate(model, 20, 30, batch_size=8, seed=4, device="cpu")
    other = generate(model, 20, 30, batch_size=8, seed=5, device="cpu")
    np.testing.assert_array_equal(first, again)
    assert (first != other).any() and first.shape == (20, 30) and first.max() < 3
    uncached = generate(model, 20, 30, batch_size=8, seed=4, device="cpu", use_cache=False)
    np.testing.assert_array_equal(first, uncached)
