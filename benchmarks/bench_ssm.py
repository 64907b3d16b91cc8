#!/usr/bin/env python
"""Speed of the selective SSM against an LSTM with the same number of state values.

    python benchmarks/bench_ssm.py                 # ssm width 8 x 1 vs LSTM width 152 x 1
    python benchmarks/bench_ssm.py --quick         # fewer steps and samples (smoke run)
    python benchmarks/bench_ssm.py --scans         # + the scan alone: step by step, chunked,
                                                   #   mambapy's parallel scan (if installed)
    python benchmarks/bench_ssm.py --device cuda --scans --mambapy   # on a GPU
    python benchmarks/bench_ssm.py --out rows.jsonl    # also append each row as a JSON line

The LSTM's width is chosen so that its state, 2·width·depth (h and c), holds as many numbers as
the SSM's, depth·d_inner·(d_state + kernel − 1) (:func:`miscaling.models.state_values`).  Both
models are timed in the same process, on the paper's binary setting:

* ``train``   training steps (forward, loss, backward, clip, optimizer step with the model's
              recipe, :func:`miscaling.recipes.paper_config`) on batches of 50 × 512 random
              binary symbols, in target symbols per second;
* ``sample``  :func:`miscaling.sample.generate` (batched, one ``step`` per symbol), in sampled
              symbols per second.

``--scans`` adds the selective scan alone (forward and backward at the SSM's training shape) and
the SSM's training rate and kernel-launching operations per training step (the cost that bounds
a small model on a GPU) with each scan: step by step (the CPU's), in chunks of about sqrt(T)
(the GPU's, :func:`miscaling.ssm.scan_chunk`) and, when the ``mambapy`` package is importable,
its Blelloch parallel scan; ``--mambapy`` adds mambapy's whole Mamba model (same width, depth,
d_state, expand; its own embedding and head) as a training row: the well-kept implementation
ours was chosen over; ``--hf-mamba`` the same for Hugging Face ``transformers``'
MambaForCausalLM.

Each number is the best of ``--repeats`` timed runs after one untimed warm-up run (on a GPU,
synchronised); ratios are against the LSTM (rows) or the step-by-step scan (scans).
``--threads`` sets torch's thread count (default 1: the tiny recurrent models gain nothing from
threads on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from unittest import mock

import torch
import torch.nn.functional as F
from miscaling import ssm as ssm_module
from miscaling.device import resolve_device
from miscaling.models import ModelConfig, build_model, count_parameters, state_values
from miscaling.sample import generate
from miscaling.train import make_optimizer, paper_config
from torch.utils._python_dispatch import TorchDispatchMode

CPU = torch.device("cpu")


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def best_seconds(run, repeats: int, device: torch.device = CPU) -> float:
    run()  # warm-up, not timed
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return min(times)


#: aten operations that make no kernel of their own (views, allocations)
NO_KERNEL = {"view", "_unsafe_view", "transpose", "t", "unsqueeze", "squeeze", "select", "slice",
             "expand", "permute", "split", "split_with_sizes", "unbind", "chunk", "detach",
             "alias", "as_strided", "reshape", "_reshape_alias", "empty", "empty_like",
             "new_empty", "lift_fresh"}


class OperationCount(TorchDispatchMode):
    """Counts the aten operations that launch a kernel: on a GPU, a small model's training step
    costs about one launch (~5-10 us) per operation, whatever the arithmetic."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += func.overloadpacket.__name__ not in NO_KERNEL
        return func(*args, **(kwargs or {}))


def operations_per_step(config: ModelConfig, batch: int, length: int) -> int:
    """Kernel-launching operations of one training step (forward, loss, backward, clip, step)."""
    torch.manual_seed(0)
    model = build_model(config).train()
    recipe = paper_config(config.arch, "binary")
    optimizer = make_optimizer(model.parameters(), recipe)
    data = torch.randint(0, config.vocab_size, (batch, length + 1))
    with OperationCount() as counter:
        loss = F.cross_entropy(model(data[:, :-1]).reshape(-1, config.vocab_size),
                               data[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.clip)
        optimizer.step()
    return counter.count


def scanning_in_chunks(chunk):
    """The model's scan forced to ``chunk`` (None: step by step), whatever the device."""
    return mock.patch.object(ssm_module, "scan_chunk", lambda device, length: chunk)


def train_tokens_per_s(config: ModelConfig, batch: int, length: int, steps: int,
                       repeats: int, device: torch.device = CPU,
                       model: torch.nn.Module | None = None) -> float:
    torch.manual_seed(0)
    model = (build_model(config) if model is None else model).to(device).train()
    recipe = paper_config(config.arch, "binary")
    optimizer = make_optimizer(model.parameters(), recipe)
    data = torch.randint(0, 2, (batch, length + 1), generator=torch.Generator().manual_seed(0))
    inputs, targets = data[:, :-1].to(device), data[:, 1:].to(device)

    def run():
        for _ in range(steps):
            logits = model(inputs)
            loss = F.cross_entropy(logits.reshape(-1, 2), targets.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.clip)
            optimizer.step()

    return steps * batch * length / best_seconds(run, repeats, device)


def sample_tokens_per_s(config: ModelConfig, n: int, length: int, batch: int,
                        repeats: int, device: torch.device = CPU) -> float:
    torch.manual_seed(0)
    model = build_model(config)

    def run():
        generate(model, n, length, batch_size=batch, seed=0, device=device)

    return n * length / best_seconds(run, repeats, device)


def mambapy_model(config: ModelConfig) -> torch.nn.Module:
    """mambapy's Mamba (parallel scan) between an embedding and a linear head."""
    from mambapy.mamba import Mamba, MambaConfig

    body = Mamba(MambaConfig(d_model=config.width, n_layers=config.depth,
                             d_state=config.state_size, expand_factor=config.expand,
                             d_conv=config.conv_kernel, pscan=True))
    return torch.nn.Sequential(torch.nn.Embedding(config.vocab_size, config.width), body,
                               torch.nn.Linear(config.width, config.vocab_size))


class HuggingFaceMamba(torch.nn.Module):
    """Hugging Face ``transformers``' MambaForCausalLM (its pure-PyTorch path without the
    ``mamba-ssm`` kernels: a loop over time; tied embedding and head), returning logits."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        from transformers import MambaConfig, MambaForCausalLM

        self.model = MambaForCausalLM(MambaConfig(
            vocab_size=config.vocab_size, hidden_size=config.width,
            num_hidden_layers=config.depth, state_size=config.state_size,
            expand=config.expand, conv_kernel=config.conv_kernel, use_mambapy=False))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.model(tokens, use_cache=False).logits


def scan_seconds(scan, batch: int, length: int, inner: int, state_size: int, repeats: int,
                 device: torch.device) -> float:
    """Forward and backward of one layer's scan at the training shape."""
    generator = torch.Generator().manual_seed(0)
    shape = (length, batch, inner, state_size)
    dA = (0.5 + 0.5 * torch.rand(shape, generator=generator)).to(device).requires_grad_()
    dBx = torch.randn(shape, generator=generator).to(device).requires_grad_()
    C = torch.randn(batch, length, state_size, generator=generator).to(device)
    h0 = torch.zeros(batch, inner, state_size, device=device)

    def run():
        dA.grad = dBx.grad = None
        scan(dA, dBx, C, h0).sum().backward()

    return best_seconds(run, repeats, device)


def record(args, device: torch.device, table: str, **row) -> None:
    """Append one timed row to ``--out`` as a JSON line (a run cut by a time limit keeps the
    rows before it), with the shapes it was timed at."""
    if args.out:
        row = {"table": table, "device": str(device), "batch": args.batch,
               "length": args.length, **row}
        with open(args.out, "a") as handle:
            handle.write(json.dumps(row) + "\n")


def print_scans(args, config: ModelConfig, device: torch.device) -> None:
    chunk = max(4, round(math.sqrt(args.length)))
    scans = {"sequential": lambda *a: ssm_module.selective_scan(*a)[0],
             f"chunked {chunk}": lambda *a: ssm_module.selective_scan(*a, chunk=chunk)[0]}
    try:
        from mambapy.pscan import pscan

        def parallel(dA, dBx, C, h0):  # mambapy scans [B, T, D, N] from a zero state
            states = pscan(dA.transpose(0, 1), dBx.transpose(0, 1))
            return torch.einsum("btdn,btn->btd", states, C)

        scans["mambapy pscan"] = parallel
    except ImportError:
        print("(mambapy not importable: its parallel scan is not timed)")
    inner = config.expand * config.width
    print(f"\nthe scan alone, forward + backward of [T={args.length}, B={args.batch}, "
          f"D={inner}, N={config.state_size}], and the SSM's training with it")
    print(f"{'scan':<16}{'ms':>9}{'ratio':>8}{'train tok/s':>14}{'ratio':>8}{'ops/step':>10}")
    reference = None
    for name, scan in scans.items():
        seconds = scan_seconds(scan, args.batch, args.length, inner, config.state_size,
                               args.repeats, device)
        train_rate, operations = float("nan"), ""
        if not name.startswith("mambapy"):
            with scanning_in_chunks(None if name == "sequential" else chunk):
                train_rate = train_tokens_per_s(config, args.batch, args.length, args.steps,
                                                args.repeats, device)
                operations = operations_per_step(config, args.batch, args.length)
        reference = reference or (seconds, train_rate)
        print(f"{name:<16}{1e3 * seconds:>9.2f}{reference[0] / seconds:>7.2f}x"
              f"{train_rate:>14,.0f}{train_rate / reference[1]:>7.2f}x{operations:>10}",
              flush=True)
        record(args, device, "scans", scan=name, width=config.width, depth=config.depth,
               ms=1e3 * seconds, train_tok_s=train_rate, ops_per_step=operations or None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=8, help="the SSM's width")
    parser.add_argument("--depth", type=int, default=1)
    parser.add_argument("--state-size", type=int, default=16)
    parser.add_argument("--expand", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--steps", type=int, default=4, help="training steps per timed run")
    parser.add_argument("--samples", type=int, default=500, help="sequences per timed run")
    parser.add_argument("--sample-length", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1 step, 20 samples of 64")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    parser.add_argument("--scans", action="store_true",
                        help="also time the scan alone and the training with each scan")
    parser.add_argument("--mambapy", action="store_true",
                        help="also train mambapy's Mamba (the package must be importable)")
    parser.add_argument("--hf-mamba", action="store_true",
                        help="also train transformers' MambaForCausalLM (must be importable)")
    parser.add_argument("--out", default=None, help="append every row to this JSON-lines file")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.samples, args.sample_length, args.repeats = 1, 20, 64, 1
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)

    ssm = ModelConfig("ssm", 2, args.width, args.depth, state_size=args.state_size,
                      expand=args.expand)
    values = state_values(ssm)
    lstm_width = max(1, round(values / (2 * args.depth)))
    lstm = ModelConfig("lstm", 2, lstm_width, args.depth, embedding_dim=2)
    print(f"torch {torch.__version__} on {device}, {args.threads} thread(s); training batch "
          f"{args.batch} x {args.length}, {args.steps} steps; sampling {args.samples} x "
          f"{args.sample_length} (batch {args.samples}); best of {args.repeats}")
    # the LSTM first (every ratio's reference), then each row printed as soon as it is timed:
    # a benchmark cut by a time limit keeps the rows it finished
    print(f"{'arch':<6}{'width':>6}{'depth':>6}{'state':>7}{'params':>8}"
          f"{'train tok/s':>13}{'ratio':>8}{'sample tok/s':>14}{'ratio':>8}", flush=True)
    reference = None
    candidates = [("lstm", lstm, None), ("ssm", ssm, None)]
    if args.mambapy:  # trained only: mambapy's step() is not batched like our sampler
        candidates.append(("mambapy", ssm, mambapy_model))
    if args.hf_mamba:
        candidates.append(("hf-mamba", ssm, HuggingFaceMamba))
    for name, config, other in candidates:
        model = build_model(config) if other is None else other(config)
        train_rate = train_tokens_per_s(config, args.batch, args.length, args.steps,
                                        args.repeats, device, model=model)
        sample_rate = float("nan") if other is not None else sample_tokens_per_s(
            config, args.samples, args.sample_length, args.samples, args.repeats, device)
        reference = reference or (train_rate, sample_rate)
        print(f"{name:<6}{config.width:>6}{config.depth:>6}{state_values(config):>7}"
              f"{count_parameters(model):>8}{train_rate:>13,.0f}"
              f"{train_rate / reference[0]:>7.2f}x{sample_rate:>14,.0f}"
              f"{sample_rate / reference[1]:>7.2f}x", flush=True)
        record(args, device, "models", name=name, arch=config.arch, width=config.width,
               depth=config.depth, state=state_values(config), params=count_parameters(model),
               train_tok_s=train_rate, sample_tok_s=sample_rate,
               train_vs_lstm=train_rate / reference[0],
               sample_vs_lstm=sample_rate / reference[1])
    if args.scans:
        print_scans(args, ssm, device)


if __name__ == "__main__":
    main()
